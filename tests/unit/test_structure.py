import pytest

from weaklabel import LabelModel
from weaklabel.label_model._structure import components, merge_edges
from weaklabel.synthetic import make_votes


def _edges(model):
    names = model.lf_names_in_
    return {
        tuple(sorted((names.index(a), names.index(b)))) for a, b in model.dependencies_
    }


@pytest.mark.parametrize(("k", "seed"), [(2, 0), (2, 1), (3, 2)])
def test_recovers_planted_copies(k, seed):
    planted = {(0, 1), (2, 3), (4, 5)}
    data = make_votes(
        20000,
        12,
        k,
        dependencies=[(a, b, 0.8) for a, b in sorted(planted)],
        random_state=seed,
    )
    model = LabelModel(cardinality=k, learn_structure=True).fit(data.L)
    found = _edges(model)
    tp = len(found & planted)
    assert tp / max(len(found), 1) >= 0.9  # precision
    assert tp / len(planted) >= 0.9  # recall


def test_precision_and_recall_over_several_structures():
    tp = fp = fn = 0
    for seed, planted in enumerate(
        [{(0, 1)}, {(0, 1), (1, 2)}, {(3, 7), (5, 9)}, {(0, 9), (2, 4), (6, 8)}]
    ):
        data = make_votes(
            15000,
            10,
            2,
            dependencies=[(a, b, 0.7) for a, b in sorted(planted)],
            random_state=10 + seed,
        )
        found = _edges(LabelModel(cardinality=2, learn_structure=True).fit(data.L))
        # a chain a-b-c makes a, b, c one clique: its closing edge is implied
        closure = set(planted)
        for comp in components(10, sorted(planted)):
            closure |= {(a, b) for a in comp for b in comp if a < b}
        tp += len(found & closure)
        fp += len(found - closure)
        fn += len(planted - found)
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.9


def test_independent_lfs_get_no_edges():
    data = make_votes(20000, 10, 2, random_state=3)
    model = LabelModel(cardinality=2, learn_structure=True).fit(data.L)
    assert model.dependencies_ == []


def test_modelling_copies_of_a_bad_lf_beats_the_independent_model():
    # LF 0 is barely better than random and copied (noisily) by LFs 1 and 2:
    # counted three times it drowns the good LFs.
    acc = [0.56, 0.56, 0.56, 0.8, 0.75, 0.75, 0.7]
    data = make_votes(
        20000,
        7,
        2,
        accuracies=acc,
        coverages=0.6,
        dependencies=[(0, 1, 0.95), (0, 2, 0.95)],
        random_state=4,
    )
    indep = LabelModel(cardinality=2).fit(data.L)
    learned = LabelModel(cardinality=2, learn_structure=True).fit(data.L)
    given = LabelModel(cardinality=2, dependencies=[(0, 1), (0, 2)]).fit(data.L)
    assert _edges(learned) >= {(0, 1), (0, 2)}
    assert learned.score(data.L, data.y) > indep.score(data.L, data.y) + 0.02
    assert given.score(data.L, data.y) > indep.score(data.L, data.y) + 0.02


def test_merge_respects_the_clique_bound():
    from weaklabel.label_model._structure import EdgeTest

    def e(a, b, g):
        return EdgeTest(a=a, b=b, g=g, dof=1, p_value=0.0, cmi=1.0)

    edges = merge_edges(5, [], [e(0, 1, 9), e(1, 2, 8), e(2, 3, 7), e(3, 4, 6)], 3)
    assert components(5, edges) == [(0, 1, 2), (3, 4)]
    assert merge_edges(5, [(0, 1)], [e(0, 1, 5)], 2) == [(0, 1)]
    # one edge per round: only the strongest edge that fits
    assert merge_edges(5, [], [e(0, 1, 9), e(2, 3, 8)], 3, one_edge=True) == [(0, 1)]
