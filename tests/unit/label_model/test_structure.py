from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from weaklabel import LabelModel
from weaklabel.label_model import _structure
from weaklabel.label_model._structure import components, learn_edges, merge_edges
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


def test_exact_copies_do_not_count_toward_the_clique_bound():
    # a bad LF, two exact copies of it and a near copy: the near copy must
    # still join their clique at max_clique_size=3 (the copies are one LF)
    data = make_votes(
        12000, 7, 2, accuracies=[0.55] + [0.8] * 6, coverages=0.6, random_state=5
    )
    L = data.L.astype(np.int64)
    rng = np.random.default_rng(0)
    near = L[:, 0].copy()
    near[rng.random(len(near)) < 0.05] = -1
    X = np.c_[L, L[:, 0], L[:, 0], near]  # LFs 7, 8: copies; LF 9: near copy
    model = LabelModel(cardinality=2, learn_structure=True).fit(X)
    assert model.cliques_ == [(0, 7, 8, 9)]
    without = LabelModel(cardinality=2).fit(X)
    assert model.score(X, data.y) > without.score(X, data.y) + 0.02


def test_merge_respects_the_clique_bound():
    from weaklabel.label_model._structure import EdgeTest

    def e(a, b, g):
        return EdgeTest(a=a, b=b, g=g, dof=1, p_value=0.0, cmi=1.0)

    edges = merge_edges(5, [], [e(0, 1, 9), e(1, 2, 8), e(2, 3, 7), e(3, 4, 6)], 3)
    assert components(5, edges) == [(0, 1, 2), (3, 4)]
    assert merge_edges(5, [(0, 1)], [e(0, 1, 5)], 2) == [(0, 1)]
    # one edge per round: only the strongest edge that fits
    assert merge_edges(5, [], [e(0, 1, 9), e(2, 3, 8)], 3, one_edge=True) == [(0, 1)]
    # LF 1 is an exact copy of LF 0: the component {0, 1} counts as one LF
    assert merge_edges(5, [(0, 1)], [e(1, 2, 9), e(2, 3, 8)], 3, copies={1}) == [
        (0, 1),
        (1, 2),
        (2, 3),
    ]
    assert merge_edges(5, [(0, 1)], [e(1, 2, 9), e(2, 3, 8)], 3) == [(0, 1), (1, 2)]


def _onehot(L, k):
    """(u, m*k) one-hot votes and (u, m) fired indicator of a dense vote matrix."""
    u, m = L.shape
    r, j = np.nonzero(L >= 0)
    onehot = sp.csr_array((np.ones(r.size), (r, j * k + L[r, j])), shape=(u, m * k))
    fired = sp.csr_array((np.ones(r.size), (r, j)), shape=(u, m))
    return onehot, fired


def _dense_reference(L, wq, k, exclude):
    """Brute force: per class c, the 3 x 3 table of every co-voting pair's
    levels (votes c / votes another class / abstains), Williams-corrected."""
    u, m = L.shape
    n = wq.sum()
    out = {}
    if not n > 0:  # no weight on any row: nothing is tested
        return out
    for a in range(m):
        for b in range(a + 1, m):
            if not np.any((L[:, a] >= 0) & (L[:, b] >= 0)):
                continue
            if exclude is not None and (exclude[a] or exclude[b]):
                continue
            g = 0.0
            dof = 0
            for c in range(k):
                la = np.where(L[:, a] < 0, 2, np.where(L[:, a] == c, 0, 1))
                lb = np.where(L[:, b] < 0, 2, np.where(L[:, b] == c, 0, 1))
                obs = np.zeros((3, 3))
                for r in range(u):
                    obs[la[r], lb[r]] += wq[r, c]
                row, col, tot = obs.sum(axis=1), obs.sum(axis=0), obs.sum()
                g_c = 0.0
                for i, j in zip(*np.nonzero(obs > 0), strict=True):
                    ratio = (
                        np.log(obs[i, j])
                        + np.log(tot)
                        - np.log(row[i])
                        - np.log(col[j])
                    )
                    g_c += 2.0 * obs[i, j] * ratio
                ra, cb = row > 1e-9, col > 1e-9
                dof_c = max((int(ra.sum()) - 1) * (int(cb.sum()) - 1), 0)
                if dof_c > 0 and tot > 1:
                    sa = max(tot * np.sum(1.0 / np.maximum(row[ra], 1.0)) - 1.0, 0.0)
                    sb = max(tot * np.sum(1.0 / np.maximum(col[cb], 1.0)) - 1.0, 0.0)
                    g_c /= 1.0 + sa * sb / (6.0 * tot * dof_c)
                g += g_c
                dof += dof_c
            out[(a, b)] = (g, dof, g / (2.0 * n))
    return out


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(2, 5),
    m=st.integers(2, 7),
    u=st.integers(1, 40),
    abstain=st.floats(0.0, 0.9),
    concentration=st.sampled_from([0.05, 1.0, 20.0]),
    empty_class=st.booleans(),
    copy=st.booleans(),
    use_exclude=st.booleans(),
    dense_lookup=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_learn_edges_matches_dense_tables(
    k, m, u, abstain, concentration, empty_class, copy, use_exclude, dense_lookup, seed
):
    rng = np.random.default_rng(seed)
    L = rng.integers(0, k, (u, m))
    L[rng.random((u, m)) < abstain] = -1
    if copy:  # LF 1 repeats LF 0: vote-abstain cells of exactly 0
        L[:, 1] = L[:, 0]
    wq = rng.dirichlet(np.full(k, concentration), u)
    if empty_class:
        wq[:, rng.integers(k)] = 0.0
    wq *= rng.integers(1, 5, u)[:, None]  # pattern counts
    exclude = rng.random(m) < 0.2 if use_exclude else None
    onehot, fired = _onehot(L, k)
    ref = _dense_reference(L, wq, k, exclude)
    limit = 1 << 22 if dense_lookup else 0  # 0: the binary-search lookup
    with mock.patch.object(_structure, "_DENSE_LOOKUP_MAX", limit):
        # alpha=inf and min_cmi=0 return every tested pair
        tests = learn_edges(
            onehot, fired, wq, k, alpha=np.inf, min_cmi=0.0, exclude=exclude
        )
    got = {(e.a, e.b): e for e in tests}
    assert set(got) == set(ref)
    assert [e.g for e in tests] == sorted((e.g for e in tests), reverse=True)
    atol = 1e-9 * (1.0 + wq.sum())
    for pair, (g, dof, cmi) in ref.items():
        e = got[pair]
        assert e.dof == dof
        np.testing.assert_allclose(e.g, g, rtol=1e-9, atol=atol)
        np.testing.assert_allclose(e.cmi, cmi, rtol=1e-9, atol=atol / wq.sum())
        p = chi2.sf(g, dof) if dof > 0 else 1.0
        np.testing.assert_allclose(e.p_value, p, rtol=1e-6, atol=1e-12)


def _planted_copies(k, n=5000, seed=0):
    """12 LFs, of which (0, 1), (2, 3) and (4, 5) are near copies."""
    planted = {(0, 1), (2, 3), (4, 5)}
    data = make_votes(
        n,
        12,
        k,
        dependencies=[(a, b, 0.8) for a, b in sorted(planted)],
        random_state=seed,
    )
    return data, planted


def test_copies_have_the_largest_statistics_at_many_classes():
    # k = 40 with the true classes as posteriors: the tables have 41 x 41
    # cells per class, which the dense computation could not afford at scale
    k = 40
    data, planted = _planted_copies(k)
    onehot, fired = _onehot(data.L.astype(np.int64), k)
    wq = np.eye(k)[data.y]
    tests = learn_edges(onehot, fired, wq, k, alpha=np.inf, min_cmi=0.0)
    assert len(tests) == 66  # every pair co-votes somewhere
    assert {(e.a, e.b) for e in tests[:3]} == planted
    # at the model's default thresholds exactly the copies are significant
    # (with the full (k+1) x (k+1) tables, about k^3 degrees of freedom,
    # (2, 3) was not)
    found = learn_edges(onehot, fired, wq, k, alpha=1e-3, min_cmi=0.01)
    assert {(e.a, e.b) for e in found} == planted


@pytest.mark.parametrize("k", [15, 40])
def test_recovers_planted_copies_at_more_classes(k):
    data, planted = _planted_copies(k)
    model = LabelModel(cardinality=k, learn_structure=True).fit(data.L)
    assert _edges(model) == planted


@pytest.mark.parametrize(("k", "n", "seed"), [(50, 1000, 1), (100, 3000, 1)])
def test_many_classes_few_rows_independent_lfs_get_no_edges(k, n, seed):
    # tens of rows per class: small tables, where the G statistic runs above
    # its chi-square law without Williams' correction (5 false edges in 16
    # such fits before it)
    rng = np.random.default_rng(seed)
    m = 20
    y = rng.integers(0, k, n)
    fire = rng.random((n, m)) < 0.6
    right = rng.random((n, m)) < rng.uniform(0.3, 0.9, m)
    wrong = (y[:, None] + rng.integers(1, k, (n, m))) % k
    L = np.where(fire, np.where(right, y[:, None], wrong), -1)
    model = LabelModel(cardinality=k, learn_structure=True).fit(L)
    assert model.dependencies_ == []
