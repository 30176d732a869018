import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from weaklabel import LabelModel
from weaklabel.exceptions import ConvergenceWarning
from weaklabel.label_model import MajorityVote, _mace
from weaklabel.label_model._estep import e_step
from weaklabel.label_model._patterns import compress, majority_posterior, one_hot
from weaklabel.synthetic import make_rule_votes, make_votes


def _one_sided_votes(n, class_balance, recalls, false_rates, polarity, seed):
    """Keyword-rule-like LFs: LF j votes polarity[j] or abstains."""
    rng = np.random.default_rng(seed)
    k = len(class_balance)
    y = rng.choice(k, size=n, p=class_balance)
    m = len(polarity)
    L = np.full((n, m), -1, dtype=np.int64)
    for j in range(m):
        rate = np.where(y == polarity[j], recalls[j], false_rates[j])
        L[rng.random(n) < rate, j] = polarity[j]
    return L, y


# ------------------------------------------------------------------ E-step
@pytest.mark.parametrize("k", [2, 4])
def test_accuracy_parametrization_equals_confusion_rows_on_one_sided_lfs(k):
    # the own column of a one-sided LF is estimated as the confusion rows'
    rng = np.random.default_rng(k)
    n, m = 3000, 10
    y = rng.integers(0, k, n)
    L = np.full((n, m), -1)
    for j in range(m):
        own = j % k
        fires = rng.random(n) < np.where(y == own, rng.uniform(0.1, 0.6), 0.05)
        L[fires, j] = own
    acc = LabelModel(cardinality=k, parametrization="accuracy").fit(L)
    conf = LabelModel(cardinality=k, parametrization="confusion").fit(L)
    np.testing.assert_allclose(acc.predict_proba(L), conf.predict_proba(L), atol=1e-9)
    assert acc.lf_confusion_ is None


@pytest.mark.parametrize("parametrization", ["accuracy", "confusion"])
def test_an_unseen_vote_of_a_one_sided_lf_is_not_read_as_its_usual_vote(
    parametrization,
):
    L, _ = _one_sided_votes(
        3000, [0.4, 0.3, 0.3], [0.5] * 6, [0.03] * 6, [0, 0, 1, 1, 2, 2], seed=5
    )
    model = LabelModel(
        cardinality=3, parametrization=parametrization, mv_anchor=False
    ).fit(L)
    assert model.lf_polarity_.tolist() == [0, 0, 1, 1, 2, 2]
    rows = np.full((2, 6), -1)
    rows[0, 0] = 0  # LF 0's usual vote
    rows[1, 0] = 2  # a class LF 0 never voted in fit
    usual, unseen = model.predict_proba(rows)
    assert usual.argmax() == 0
    # evidence for the class voted (how much depends on how rarely LF 0
    # fires on class 2 rows, which the model has learned to be almost never)
    assert unseen[2] > usual[2] + 0.1


@pytest.mark.parametrize("k", [2, 5])
def test_accuracy_parametrization_survives_an_lf_voting_one_class_everywhere(k):
    # One accuracy cannot say "votes class 0 whatever the class"; such an LF
    # used to be explained by a class balance collapsed onto class 0.
    data = make_votes(4000, 8, k, random_state=1)
    L = data.L.astype(np.int64)
    scores = {}
    for name, votes in (("without", L), ("with", np.c_[L, np.zeros(len(L), int)])):
        model = LabelModel(cardinality=k, parametrization="accuracy").fit(votes)
        scores[name] = model.score(votes, data.y, tie_break="lowest")
        assert model.class_prior_.max() < 0.6, name  # balanced classes
    assert scores["with"] >= scores["without"] - 0.01


# ------------------------------------------------------------- recovery
def test_recovers_known_accuracies_and_balance():
    data = make_votes(20000, 8, 3, class_balance=[0.5, 0.3, 0.2], random_state=0)
    model = LabelModel(cardinality=3, random_state=0).fit(data.L)
    np.testing.assert_allclose(model.lf_accuracy_, data.accuracies, atol=0.03)
    np.testing.assert_allclose(model.class_prior_, data.class_balance, atol=0.02)
    # LFs vote for every class: abstains are taken as uninformative
    assert not model.lf_abstain_informative_.any()
    np.testing.assert_allclose(
        model.lf_fire_rate_, np.repeat(data.coverages[:, None], 3, 1), atol=0.02
    )
    assert model.converged_
    mv = MajorityVote(cardinality=3, random_state=0).fit(data.L)
    assert model.score(data.L, data.y) > mv.score(data.L, data.y) + 0.01


def test_one_sided_lfs_learn_class_dependent_firing():
    # Imbalanced binary task with keyword-like LFs (spam 15%): abstains matter.
    polarity = [1, 1, 1, 0, 0, 0, 0]
    recalls = [0.5, 0.4, 0.3, 0.3, 0.3, 0.2, 0.2]
    false_rates = [0.02, 0.05, 0.01, 0.03, 0.01, 0.02, 0.05]
    L, y = _one_sided_votes(20000, [0.85, 0.15], recalls, false_rates, polarity, 0)
    model = LabelModel(cardinality=2, random_state=0).fit(L)
    assert model.lf_abstain_informative_.all()
    own = model.lf_fire_rate_[np.arange(7), polarity]
    other = model.lf_fire_rate_[np.arange(7), 1 - np.array(polarity)]
    np.testing.assert_allclose(own, recalls, atol=0.04)
    np.testing.assert_allclose(other, false_rates, atol=0.03)
    np.testing.assert_allclose(model.class_prior_, [0.85, 0.15], atol=0.02)
    f1 = model.score(L, y, metric="f1")
    mv = MajorityVote(cardinality=2, random_state=0).fit(L).score(L, y, metric="f1")
    assert f1 > mv + 0.05


# ------------------------------------------------------------------ gold
def test_gold_rows_are_clamped_and_inform_the_balance():
    data = make_votes(3000, 6, 2, class_balance=[0.7, 0.3], random_state=3)
    y = np.full(3000, -1)
    y[:1000] = data.y[:1000]
    unsup = LabelModel(cardinality=2).fit(data.L)
    semi = LabelModel(cardinality=2).fit(data.L, y)
    full = LabelModel(cardinality=2).fit(data.L, data.y)
    # with every row labelled, the balance is the (add-one) gold frequency
    expected = (np.bincount(data.y, minlength=2) + 1.0) / (3000 + 2)
    np.testing.assert_allclose(full.class_prior_, expected)
    assert abs(semi.class_prior_[1] - 0.3) <= abs(unsup.class_prior_[1] - 0.3) + 0.01
    assert semi.score(data.L, data.y) >= unsup.score(data.L, data.y) - 0.005


def test_gold_fixes_an_adversarial_majority():
    # Three copies-free LFs that are wrong 65% of the time outvote two good ones:
    # unsupervised EM follows the majority, a few gold rows turn it around.
    rng = np.random.default_rng(5)
    n = 4000
    y_true = rng.integers(0, 2, n)
    acc = np.array([0.35, 0.35, 0.35, 0.9, 0.9])
    right = rng.random((n, 5)) < acc
    L = np.where(right, y_true[:, None], 1 - y_true[:, None])
    gold = np.full(n, -1)
    gold[:200] = y_true[:200]
    semi = LabelModel(cardinality=2).fit(L, gold)
    np.testing.assert_allclose(semi.lf_accuracy_, acc, atol=0.05)
    assert semi.score(L, y_true) > 0.85


# ----------------------------------------------------------- sparse input
def test_sparse_input_matches_dense():
    data = make_votes(1500, 30, 3, coverages=0.15, random_state=4)
    L = data.L.astype(np.int64)
    S = sp.csr_array(L + 1)
    dense = LabelModel(cardinality=3).fit(L)
    sparse = LabelModel(cardinality=3).fit(S)
    np.testing.assert_allclose(
        sparse.predict_proba(S), dense.predict_proba(L), atol=1e-8
    )
    np.testing.assert_allclose(sparse.lf_confusion_, dense.lf_confusion_, atol=1e-8)


@pytest.mark.parametrize("k", [2, 3])
def test_grouped_codes_fit_and_predict_like_the_one_hot_matrix(monkeypatch, k):
    # Dense votes with many votes per row are held as grouped codes; the
    # model must be the one the one-hot matrix gives (up to rounding).
    from weaklabel.label_model import DawidSkene, _grouped

    data = make_votes(20_000, 30, k, coverages=0.6, random_state=k)
    assert _grouped.worth_grouping(
        _grouped.votes_per_row(data.L), 30, k, _grouped.group_size(k, 20_000)
    )
    for Model in (LabelModel, DawidSkene):
        grouped = Model(cardinality=k).fit(data.L)
        proba = grouped.predict_proba(data.L)
        with monkeypatch.context() as patch:
            patch.setattr(_grouped, "worth_grouping", lambda *a: False)
            patch.setattr(
                "weaklabel.label_model._generative_math.worth_grouping",
                lambda *a: False,
            )
            patch.setattr(
                "weaklabel.label_model._patterns.worth_grouping", lambda *a: False
            )
            plain = Model(cardinality=k).fit(data.L)
            np.testing.assert_allclose(plain.predict_proba(data.L), proba, atol=1e-9)
        np.testing.assert_allclose(
            plain.lf_confusion_, grouped.lf_confusion_, atol=1e-9
        )
        assert plain.n_iter_ == grouped.n_iter_


def test_many_classes_sparse_crowd_uses_the_linear_parametrization():
    rng = np.random.default_rng(0)
    n, m, k = 3000, 400, 120
    y = rng.integers(0, k, n)
    rows = np.repeat(np.arange(n), 5)
    cols = rng.integers(0, m, rows.size)
    skill = rng.uniform(0.5, 0.95, m)
    right = rng.random(rows.size) < skill[cols]
    votes = np.where(right, y[rows], rng.integers(0, k, rows.size))
    S = sp.csr_array((votes + 1, (rows, cols)), shape=(n, m))
    S.sum_duplicates()
    S.data = np.minimum(S.data, k)  # a duplicate (row, worker) sums: keep valid
    model = LabelModel(cardinality=k).fit(S)
    assert model.lf_confusion_ is None  # m * k^2 > budget: accuracy layout
    proba = model.predict_proba(S)
    assert proba.shape == (n, k)
    assert np.isfinite(proba).all()
    mv = MajorityVote(cardinality=k, random_state=0).fit(S)
    assert model.score(S, y) >= mv.score(S, y)


def _crowd(seed, n=600, m=120, k=4, per_item=5):
    """Workers answering ``per_item`` random items each, with biased rows."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    rows = np.repeat(np.arange(n), per_item)
    cols = np.concatenate([rng.choice(m, per_item, replace=False) for _ in range(n)])
    skill = rng.uniform(0.4, 0.9, m)
    mixup = (y[rows] + 1) % k  # the neighbouring class is the usual mistake
    wrong = np.where(rng.random(rows.size) < 0.5, mixup, rng.integers(0, k, rows.size))
    votes = np.where(rng.random(rows.size) < skill[cols], y[rows], wrong)
    L = np.full((n, m), -1)
    L[rows, cols] = votes
    return L, y


def test_many_class_crowds_average_three_layouts():
    L = _crowd(0)[0]
    both = LabelModel(cardinality=4).fit(L)
    rows = LabelModel(cardinality=4, parametrization="confusion").fit(L)
    coin = LabelModel(cardinality=4, parametrization="accuracy").fit(L)
    patterns = compress(L)
    start = majority_posterior(patterns, 4)
    competence, spam, converged, _ = _mace.fit(
        one_hot(patterns, 4), 4, patterns.counts, None, start, max_iter=300, tol=1e-6
    )
    assert converged
    guess = e_step(_mace.log_joint(one_hot(patterns, 4), 4, competence, spam))[0]
    np.testing.assert_allclose(both.mace_layout_["lf_competence_"], competence)
    np.testing.assert_allclose(both.mace_layout_["lf_spam_"], spam)
    np.testing.assert_allclose(
        both.predict_proba(L),
        (rows.predict_proba(L) + coin.predict_proba(L) + guess[patterns.inverse]) / 3,
        atol=1e-9,
    )
    # the attributes are the confusion rows' fit; the accuracy layout's own
    # tables sit in accuracy_layout_
    np.testing.assert_allclose(both.lf_confusion_, rows.lf_confusion_, atol=1e-9)
    assert both.accuracy_layout_ is not None
    for key in ("class_prior_", "lf_accuracy_", "lf_fire_rate_", "lf_own_vote_"):
        np.testing.assert_allclose(
            both.accuracy_layout_[key], getattr(coin, key), atol=1e-9
        )


def test_averaged_layouts_beat_majority_vote_on_crowds_with_neighbour_mixups():
    # each simulated worker mistakes a class for its neighbour half the time
    # it errs: MACE's guessers do not have that shape, and the three-layout
    # mean is below majority vote on one of these four crowds (seed 0), but
    # ahead over the four
    ours, mv = [], []
    for seed in range(4):
        L, y = _crowd(seed)
        ours.append(LabelModel(cardinality=4).fit(L).score(L, y))
        mv.append(MajorityVote(cardinality=4, random_state=0).fit(L).score(L, y))
    assert np.mean(ours) > np.mean(mv) + 0.01


@pytest.mark.parametrize(
    "case", ["binary crowd", "one-sided rules", "confusion", "accuracy"]
)
def test_layouts_are_averaged_only_on_many_class_crowds_with_auto(case):
    L, k, params = _crowd(1)[0], 4, {}
    if case == "binary crowd":
        L, k = make_votes(600, 8, 2, random_state=1).L, 2
    elif case == "one-sided rules":
        L, k = make_rule_votes(1500, 12, 3, random_state=1).L, 3
    else:
        params = {"parametrization": case}
    model = LabelModel(cardinality=k, **params).fit(L)
    assert model.accuracy_layout_ is None
    assert model.mace_layout_ is None


def test_averaged_layouts_with_gold_keep_both_tables_and_the_gold():
    L, y = _crowd(2)
    gold = np.full(y.size, -1)
    gold[:60] = y[:60]
    model = LabelModel(cardinality=4, gold_weight=1.0).fit(L, gold)
    assert model.accuracy_layout_ is not None
    assert model.mace_layout_ is not None
    rest = model.score(L[60:], y[60:])
    plain = LabelModel(cardinality=4).fit(L).score(L[60:], y[60:])
    assert rest >= plain - 0.01


# ------------------------------------------------------------- edge cases
def test_lfs_that_never_or_always_vote_and_all_abstain_rows():
    data = make_votes(2000, 5, 2, random_state=1)
    L = data.L.astype(np.int64).copy()
    L[:, 0] = -1  # never votes
    L[:, 1] = 0  # always votes class 0 (a default LF)
    L[:50] = -1  # rows where every LF abstains
    L[:50, 1] = -1
    model = LabelModel(cardinality=2).fit(L)
    for name in ("class_prior_", "lf_accuracy_", "lf_fire_rate_", "lf_confusion_"):
        assert np.isfinite(getattr(model, name)).all(), name
    proba = model.predict_proba(L)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # all-abstain rows get P(y | silence); here LF 1 votes on every other row,
    # so every all-abstain row shares one posterior
    np.testing.assert_allclose(proba[:50], np.repeat(proba[:1], 50, axis=0))


def test_uninformative_abstains_give_all_abstain_rows_the_class_prior():
    data = make_votes(2000, 6, 2, class_balance=[0.7, 0.3], random_state=4)
    L = data.L.astype(np.int64).copy()
    L[:20] = -1
    model = LabelModel(cardinality=2, abstain_prior=np.inf).fit(L)
    assert not model.lf_abstain_informative_.any()
    proba = model.predict_proba(L[:20])
    np.testing.assert_allclose(proba, np.tile(model.class_prior_, (20, 1)))
    assert abs(model.class_prior_[0] - 0.7) < 0.05


def test_multi_class_lfs_all_abstain_rows_get_the_class_prior():
    data = make_votes(2000, 6, 3, class_balance=[0.6, 0.3, 0.1], random_state=2)
    L = data.L.astype(np.int64).copy()
    L[:20] = -1
    model = LabelModel(cardinality=3, parametrization="confusion").fit(L)
    np.testing.assert_allclose(
        model.predict_proba(L[:20]), np.tile(model.class_prior_, (20, 1))
    )
    # the default averages three layouts on these crowd-like votes: the mean
    # of the two class priors and MACE's uniform one
    blended = LabelModel(cardinality=3).fit(L)
    assert blended.accuracy_layout_ is not None
    assert blended.mace_layout_ is not None
    prior = (
        blended.class_prior_ + blended.accuracy_layout_["class_prior_"] + 1 / 3
    ) / 3
    np.testing.assert_allclose(blended.predict_proba(L[:20]), np.tile(prior, (20, 1)))


def test_exact_copies_are_one_clique():
    data = make_votes(3000, 5, 2, random_state=6)
    L = np.column_stack([data.L, data.L[:, 0], data.L[:, 0]])
    model = LabelModel(cardinality=2).fit(L)
    assert model.cliques_ == [(0, 5, 6)]
    assert ("lf_0", "lf_5") in model.dependencies_
    # the copies are not counted three times
    ref = LabelModel(cardinality=2).fit(data.L)
    np.testing.assert_allclose(
        model.predict_proba(L), ref.predict_proba(data.L), atol=0.02
    )


def test_deterministic_and_warns_when_not_converged():
    data = make_votes(1000, 6, 3, random_state=7)
    a = LabelModel(cardinality=3, random_state=1).fit(data.L).predict_proba(data.L)
    b = LabelModel(cardinality=3, random_state=2).fit(data.L).predict_proba(data.L)
    np.testing.assert_array_equal(a, b)
    with pytest.warns(ConvergenceWarning, match="max_iter=1") as record:
        LabelModel(cardinality=3, max_iter=1, tol=0.0).fit(data.L)
    # reported at the line calling fit, not inside the package
    assert record[0].filename == __file__
    assert "a single iteration" in str(record[0].message)
    with pytest.warns(ConvergenceWarning, match="last change") as record:
        LabelModel(cardinality=3, max_iter=2, tol=0.0).fit(data.L)
    assert record[0].filename == __file__


def test_one_convergence_warning_about_the_model_kept():
    # gold_weight="auto" cross-validates about 20 fits and mv_anchor_ties
    # "auto" fits twice with gold; the warning is about the model returned,
    # once, not about every fit along the way
    data = make_rule_votes(1500, 12, 3, random_state=3)
    gold = np.full(1500, -1)
    gold[:200] = data.y[:200]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = LabelModel(cardinality=3, max_iter=1, tol=0.0).fit(data.L, gold)
    caught = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    assert len(caught) == 1
    assert caught[0].filename == __file__
    assert model.converged_ is False
    assert model.gold_weight_ is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        converged = LabelModel(cardinality=3).fit(data.L, gold)
    assert converged.converged_


def test_given_dependencies_by_name_and_save_load(tmp_path):
    import pandas as pd

    data = make_votes(2000, 4, 2, dependencies=[(0, 1, 0.9)], random_state=8)
    df = pd.DataFrame(data.L, columns=["a", "b", "c", "d"])
    model = LabelModel(cardinality=2, dependencies=[("a", "b")]).fit(df)
    assert model.dependencies_ == [("a", "b")]
    path = tmp_path / "lm.json"
    model.save(path)
    loaded = LabelModel.load(path)
    assert loaded.cliques_ == [(0, 1)]
    # a configuration never seen in fit falls back to the members' tables
    L = np.vstack([data.L[:5], [[1, 0, -1, -1]]])
    np.testing.assert_allclose(loaded.predict_proba(L), model.predict_proba(L))


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"dependencies": [("lf_0", "nope")]}, "names LF 'nope'"),
        ({"dependencies": [(0, 9)]}, "LF index 9"),
        ({"dependencies": [(0, 0)]}, "with itself"),
        ({"dependencies": [(0, 1), (1, 2), (2, 3)]}, "max_clique_size=3"),
        ({"dependencies": ["ab"]}, "pair"),
        ({"class_balance": [0.5, 0.6]}, "class_balance"),
        ({"class_balance": [1.0]}, "class_balance"),
        ({"parametrization": "full"}, "parametrization"),
        ({"abstain_prior": "sometimes"}, "abstain_prior"),
        ({"abstain_prior": -1}, "abstain_prior"),
        ({"max_clique_size": 0}, "max_clique_size"),
        ({"confusion_prior": -1.0}, "confusion_prior"),
        ({"confusion_prior": "big"}, "confusion_prior"),
        ({"learn_structure": "yes"}, "learn_structure"),
        ({"mv_anchor": "sometimes"}, "mv_anchor"),
        ({"mv_anchor_ties": "random"}, "mv_anchor_ties"),
    ],
)
def test_bad_parameters_raise_clear_errors(params, match):
    L = make_votes(200, 5, 2, random_state=0).L
    with pytest.raises(ValueError, match=match):
        LabelModel(cardinality=2, **params).fit(L)


def test_gold_of_the_wrong_length_is_rejected():
    L = make_votes(200, 5, 2, random_state=0).L
    with pytest.raises(ValueError, match="y has 10 labels but L has 200 rows"):
        LabelModel(cardinality=2).fit(L, np.zeros(10, dtype=int))
    with pytest.raises(TypeError, match="str name or int index"):
        LabelModel(cardinality=2, dependencies=[(0.5, 1)]).fit(L)
    with pytest.raises(ValueError, match=r"got 0\. Pass a list of pairs"):
        LabelModel(cardinality=2, dependencies=[0, 1]).fit(L)
    with pytest.raises(ValueError, match="random_state must be a non-negative"):
        LabelModel(cardinality=2, random_state=-1).fit(L).predict(L)


def test_no_warnings_on_a_clean_fit():
    data = make_votes(1000, 6, 2, random_state=9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LabelModel(cardinality=2).fit(data.L).predict_proba(data.L)


# ------------------------------------------------------- majority-vote anchor
def test_mv_anchor_auto_only_for_multi_class_one_sided_lfs(tmp_path):
    k = 4
    pol = np.arange(12) % k
    L, y = _one_sided_votes(
        4000, np.full(k, 1 / k), np.full(12, 0.4), np.full(12, 0.02), pol, 0
    )
    model = LabelModel(cardinality=k).fit(L)
    assert model.anchor_table_ is not None
    assert model.anchor_table_.shape == (k + 1, k)
    np.testing.assert_allclose(model.anchor_table_.sum(axis=0), 1.0)
    assert model.score(L, y) > 0.7
    path = tmp_path / "anchored.json"
    model.save(path)
    loaded = LabelModel.load(path)
    np.testing.assert_allclose(loaded.predict_proba(L), model.predict_proba(L))
    # binary one-sided LFs, and multi-class LFs (crowd-like): no anchor
    Lb, _ = _one_sided_votes(
        2000, [0.5, 0.5], np.full(6, 0.4), np.full(6, 0.05), np.arange(6) % 2, 0
    )
    assert LabelModel(cardinality=2).fit(Lb).anchor_table_ is None
    crowd = make_votes(2000, 8, 3, random_state=0).L
    assert LabelModel(cardinality=3).fit(crowd).anchor_table_ is None
    assert (
        LabelModel(cardinality=3, mv_anchor=True).fit(crowd).anchor_table_ is not None
    )
    assert LabelModel(cardinality=k, mv_anchor=False).fit(L).anchor_table_ is None


def test_a_default_lf_firing_when_no_other_does_is_not_a_class_indicator():
    # "no rule matched -> class 0": its abstains repeat the other LFs' votes;
    # counted as evidence they make the default LF define class 0.
    L, y = _one_sided_votes(
        5000, [0.8, 0.2], [0.3, 0.5, 0.4, 0.2], [0.1, 0.05, 0.1, 0.02], [1, 1, 1, 0], 0
    )
    default = np.where((L >= 0).any(axis=1), -1, 0)
    always = np.zeros(len(y), dtype=np.int64)  # fires everywhere: not "another LF"
    La = np.column_stack([L, default, always])
    model = LabelModel(cardinality=2).fit(La)
    assert model.lf_abstain_informative_.tolist() == [True] * 4 + [False, True]
    assert model.score(La, y) > LabelModel(cardinality=2).fit(L).score(L, y)


def _rules_with_broad(
    seed: int, k: int, n: int = 4000, m: int = 24, broad: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.choice(k, n, p=rng.dirichlet(np.full(k, 3.0)))
    polarity = rng.integers(0, k, m)
    recall = rng.uniform(0.05, 0.5, m)
    false_rate = rng.uniform(0.002, 0.04, m)
    false_rate[:broad] = rng.uniform(0.3, 0.6, broad)  # broad, imprecise rules
    recall[:broad] = rng.uniform(0.6, 0.9, broad)
    fire = rng.random((n, m)) < np.where(
        y[:, None] == polarity, recall[None, :], false_rate[None, :]
    )
    return np.where(fire, polarity[None, :], -1), y


def test_bound_ties_are_a_no_op_without_broad_rules():
    L, _ = _rules_with_broad(0, 3)
    bound = LabelModel(cardinality=3, mv_anchor_ties="bound").fit(L)
    plain = LabelModel(cardinality=3, mv_anchor_ties="abstain").fit(L)
    assert bound.anchor_table_ is not None
    np.testing.assert_allclose(bound.predict_proba(L), plain.predict_proba(L))


def test_bound_ties_help_when_a_broad_rule_fires_on_other_classes():
    gains = []
    for seed in range(3):
        L, y = _rules_with_broad(seed, 6, broad=2)
        bound = (
            LabelModel(cardinality=6, mv_anchor_ties="bound", random_state=0)
            .fit(L)
            .score(L, y)
        )
        plain = LabelModel(cardinality=6, random_state=0).fit(L).score(L, y)
        gains.append(bound - plain)
    assert np.mean(gains) > 0.0


def _rules_of_uneven_classes(
    seed: int, k: int = 10, m: int = 26
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided LFs with given coverage and precision, very uneven classes."""
    rng = np.random.default_rng(seed)
    n = 8000
    pi = rng.dirichlet(np.full(k, 1.5))
    y = rng.choice(k, n, p=pi)
    polarity = np.arange(m) % k
    cov = rng.uniform(0.03, 0.3, m)
    prec = rng.uniform(0.55, 0.95, m)
    hit = np.minimum(1.0, cov * prec / pi[polarity])
    false_hit = np.minimum(1.0, cov * (1 - prec) / (1 - pi[polarity]))
    fire = rng.random((n, m)) < np.where(y[:, None] == polarity, hit, false_hit)
    return np.where(fire, polarity[None, :], -1), y


def _nested_rules(seed: int) -> tuple[np.ndarray, np.ndarray]:
    data = make_rule_votes(6000, 30, 6, broad_rules=3, nested=1.0, random_state=seed)
    return data.L, data.y


@pytest.mark.parametrize(
    ("votes", "better"),
    [
        (lambda: _nested_rules(0), "rarer"),
        (lambda: _rules_of_uneven_classes(0), "abstain"),
    ],
)
def test_auto_ties_pick_the_rule_the_gold_rows_support(votes, better):
    L, y = votes()
    k = int(y.max()) + 1
    gold = np.full(y.shape, -1)
    gold[:400] = y[:400]
    rest = slice(400, None)
    scores = {
        ties: LabelModel(
            cardinality=k, mv_anchor_ties=ties, gold_weight=1.0, random_state=0
        )
        .fit(L, gold)
        .score(L[rest], y[rest])
        for ties in ("abstain", "rarer")
    }
    assert scores[better] > max(scores.values()) - 1e-12  # the setting is clear
    auto = LabelModel(cardinality=k, gold_weight=1.0, random_state=0).fit(L, gold)
    assert auto.mv_anchor_ties_ == better
    assert auto.score(L[rest], y[rest]) == scores[better]
    # without gold "auto" means "rarer"
    assert LabelModel(cardinality=k).fit(L).mv_anchor_ties_ == "rarer"


def test_rarer_ties_beat_the_tables_on_nested_keyword_rules():
    # Narrow rules refining a broad keyword (make_rule_votes): the default
    # tie rule ("rarer") beats both majority vote and the LFs' own tables.
    gains = []
    for seed in range(2):
        L, y = _nested_rules(seed)
        default = LabelModel(cardinality=6, random_state=0).fit(L)
        tables = LabelModel(cardinality=6, mv_anchor_ties="abstain").fit(L)
        mv = MajorityVote(cardinality=6, random_state=0).fit(L)
        assert default.mv_anchor_ties_ == "rarer"
        assert default.score(L, y) > mv.score(L, y)
        gains.append(default.score(L, y) - tables.score(L, y))
    assert np.mean(gains) > 0.03


@pytest.mark.parametrize("sparse", [False, True])
def test_prediction_in_row_blocks_equals_prediction_at_once(
    monkeypatch: pytest.MonkeyPatch, sparse: bool
) -> None:
    import scipy.sparse as sp

    from weaklabel.label_model import _generative_math as genmath

    L, _ = _rules_with_broad(0, 4, n=600, m=10, broad=1)
    L = np.column_stack([L, L[:, 3]])  # an exact copy: a clique
    model = LabelModel(cardinality=4, dependencies=[(0, 1)], random_state=0)
    Lin = sp.csr_array(np.where(L >= 0, L + 1, 0)) if sparse else L
    model.fit(Lin)
    assert model.anchor_table_ is not None
    assert len(model.cliques_) >= 2
    whole = model.predict_proba(Lin)
    monkeypatch.setattr(genmath, "_PREDICT_BLOCK_VOTES", 25)  # blocks of 2 rows
    np.testing.assert_array_equal(model.predict_proba(Lin), whole)


# ------------------------------------------------------------ large inputs
def test_large_inputs_are_fitted_on_every_sth_row():
    data = make_votes(5000, 8, 3, random_state=7)
    capped = LabelModel(cardinality=3, max_fit_rows=1000).fit(data.L)
    by_hand = LabelModel(cardinality=3, max_fit_rows=None).fit(
        data.L[::5], sample_weight=np.full(1000, 5.0)
    )
    np.testing.assert_allclose(capped.lf_confusion_, by_hand.lf_confusion_)
    np.testing.assert_allclose(capped.class_prior_, by_hand.class_prior_)
    full = LabelModel(cardinality=3, max_fit_rows=None).fit(data.L)
    assert abs(capped.score(data.L, data.y) - full.score(data.L, data.y)) < 0.01
    # at most twice the cap: every row
    exact = LabelModel(cardinality=3, max_fit_rows=2500).fit(data.L)
    np.testing.assert_array_equal(exact.class_prior_, full.class_prior_)


def test_subsampled_fits_keep_every_gold_row():
    data = make_votes(3000, 6, 2, random_state=8)
    gold = np.full(3000, -1)
    gold[1::7] = data.y[1::7]  # none on the stride of 3
    capped = LabelModel(cardinality=2, max_fit_rows=1000, gold_weight=1.0)
    capped.fit(data.L, gold)
    rows = np.union1d(np.arange(0, 3000, 3), np.arange(1, 3000, 7))
    weight = np.where((rows % 3 == 0) & (gold[rows] < 0), 3.0, 1.0)
    by_hand = LabelModel(cardinality=2, max_fit_rows=None, gold_weight=1.0).fit(
        data.L[rows], gold[rows], sample_weight=weight
    )
    np.testing.assert_allclose(capped.class_prior_, by_hand.class_prior_)
    np.testing.assert_allclose(capped.lf_confusion_, by_hand.lf_confusion_)
