"""ActiveLearner / suggest: contracts, the gold handling, and the strategies' scores."""

from __future__ import annotations

import warnings
from itertools import pairwise
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from weaklabel import make_votes
from weaklabel.active import STRATEGIES, ActiveLearner, _scores, suggest
from weaklabel.active.cli import _STRATEGIES
from weaklabel.exceptions import ConvergenceWarning, NotFittedError
from weaklabel.label_model import LabelModel, MajorityVote


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return make_votes(1500, 6, random_state=3)


def test_cli_lists_every_strategy() -> None:
    assert _STRATEGIES == STRATEGIES


@pytest.mark.parametrize("strategy", [s for s in STRATEGIES if s != "end_model"])
def test_suggest_never_returns_gold_or_duplicates(data, strategy: str) -> None:  # type: ignore[no-untyped-def]
    y = np.full(1500, -1)
    y[:300] = data.y[:300]
    rows = suggest(data.L, 40, y, strategy=strategy, random_state=0)
    assert len(rows) == 40
    assert len(set(rows.tolist())) == 40
    assert (rows >= 300).all()
    # deterministic for a seed
    again = suggest(data.L, 40, y, strategy=strategy, random_state=0)
    np.testing.assert_array_equal(rows, again)


def test_candidates_restrict_the_pool(data) -> None:  # type: ignore[no-untyped-def]
    allowed = np.arange(100, 160)
    rows = suggest(data.L, 100, strategy="margin", candidates=allowed)
    assert sorted(rows.tolist()) == allowed.tolist()  # fewer open rows than n: all
    mask = np.zeros(1500, dtype=bool)
    mask[::7] = True
    assert np.all(suggest(data.L, 30, candidates=mask) % 7 == 0)


def test_gold_rows_keep_their_labels_and_inform_their_pattern() -> None:
    # one pattern (LF 0 votes 0, LF 1 abstains) of 40 rows whose truth is class 1
    L = np.array([[0, -1]] * 40 + [[0, 0]] * 30 + [[1, 1]] * 30)
    y = np.full(100, -1)
    y[:6] = 1
    learner = ActiveLearner(MajorityVote(), prior_strength=2.0).fit(L, y)
    np.testing.assert_allclose(learner.proba_[:6], [[0.0, 1.0]] * 6)
    # the other 34 rows of the pattern: (2 * (1, 0) + 6 * (0, 1)) / 8
    np.testing.assert_allclose(learner.proba_[6:40], [[0.25, 0.75]] * 34)
    np.testing.assert_allclose(learner.proba_[40:70], learner.model_proba_[40:70])
    ignore = ActiveLearner(MajorityVote(), prior_strength=np.inf).fit(L, y)
    np.testing.assert_allclose(ignore.proba_[6:40], ignore.model_proba_[6:40])


def test_the_checks_thrown_away_fits_raise_no_convergence_warning(data) -> None:  # type: ignore[no-untyped-def]
    # refit="auto" cross-validates a dozen fits with gold; a warning is about
    # a model the learner keeps (the fit without gold, the fit with gold), and
    # the check's own fits that stopped at max_iter are counted in
    # refit_check_
    y = np.full(1500, -1)
    y[::10] = data.y[::10]
    template = LabelModel(max_iter=1, tol=0.0, gold_weight=1.0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        learner = ActiveLearner(template, random_state=0).fit(data.L, y)
    caught = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    check = learner.refit_check_
    assert check["unconverged_fold_fits"] == 5  # every fold of the one candidate
    assert 1 <= len(caught) <= 2  # the fit without gold, and the refit if made
    assert len(caught) == 1 + learner.refitted_
    converged = ActiveLearner(random_state=0).fit(data.L, y).refit_check_
    assert converged["unconverged_fold_fits"] == 0


def test_refit_uses_the_gold(data) -> None:  # type: ignore[no-untyped-def]
    y = np.full(1500, -1)
    y[::10] = data.y[::10]
    always = ActiveLearner(refit="always").fit(data.L, y)
    never = ActiveLearner(refit="never").fit(data.L, y)
    assert always.refitted_
    assert not never.refitted_
    assert always.model_.gold_weight_ is not None  # fitted with the gold
    auto = ActiveLearner().fit(data.L, y)
    # "auto" refits only where a held-out check on the gold rows allows
    check = auto.refit_check_
    assert check["n_gold"] == 150
    assert auto.refitted_ == (check["chosen"] is not None)
    if not auto.refitted_:
        np.testing.assert_allclose(auto.model_proba_, never.model_proba_)


def _disagreement_loop(seed: int, rounds: int = 4):  # type: ignore[no-untyped-def]
    """Gold picked by LF conflict (not a random sample) on correlated LFs."""
    data = make_votes(
        2000,
        6,
        coverages=0.3,
        class_balance=[0.7, 0.3],
        dependencies=[(0, 1), (0, 2)],
        random_state=seed,
    )
    y = np.full(2000, -1)
    learner = ActiveLearner(strategy="disagreement", random_state=0).fit(data.L)
    for _ in range(rounds):
        rows = learner.suggest(25)
        y[rows] = data.y[rows]
        learner.fit(data.L, y)
    return data, y, learner


@pytest.mark.parametrize("seed", [1, 2])
def test_biased_gold_no_longer_hurts(seed: int) -> None:
    data, y, learner = _disagreement_loop(seed)
    open_rows = y < 0

    def acc(proba: np.ndarray) -> float:
        return float((proba[open_rows].argmax(1) == data.y[open_rows]).mean())

    no_gold = acc(ActiveLearner().fit(data.L).proba_)
    # the semi-supervised refit with its cross-validated weight, used on every
    # row (refit="always", the old default's usual choice) is far worse...
    always = acc(ActiveLearner(refit="always").fit(data.L, y).model_proba_)
    assert always < no_gold - 0.05
    # ...the guarded refit is not worse than no gold
    assert acc(learner.model_proba_) >= no_gold
    assert acc(learner.proba_) >= no_gold
    check = learner.refit_check_
    assert 0 < check["covered"] < 1


def test_rows_of_kinds_without_gold_keep_the_fit_without_gold() -> None:
    data, y, learner = _disagreement_loop(1)
    base = ActiveLearner().fit(data.L).model_proba_
    from weaklabel.active import _guard

    votes = np.stack([np.count_nonzero(k == data.L, axis=1) for k in range(2)], 1)
    kind = _guard.kinds(base, votes.astype(np.float64))
    _, covered = _guard.kind_weights(kind, y)
    assert learner.refitted_
    np.testing.assert_allclose(learner.model_proba_[~covered], base[~covered])
    changed = ~np.isclose(learner.model_proba_, base).all(axis=1)
    assert changed[covered].any()


@given(
    st.integers(2, 3).flatmap(
        lambda k: st.tuples(
            st.just(k),
            arrays(
                np.float64,
                st.tuples(st.integers(5, 60), st.just(k)),
                elements=st.floats(0.01, 1),
            ),
            st.integers(0, 2**32 - 1),
        )
    )
)
@settings(max_examples=60, deadline=None)
def test_kind_weights_stand_for_the_rows_of_kinds_with_gold(args) -> None:  # type: ignore[no-untyped-def]
    from weaklabel.active import _guard

    k, raw, seed = args
    rng = np.random.default_rng(seed)
    proba = raw / raw.sum(axis=1, keepdims=True)
    votes = rng.integers(0, 3, size=proba.shape).astype(np.float64)
    kind = _guard.kinds(proba, votes)
    gold = np.where(rng.random(len(kind)) < 0.3, rng.integers(0, k, len(kind)), -1)
    weights, covered = _guard.kind_weights(kind, gold)
    assert weights.shape == (int((gold >= 0).sum()),)
    # the weights sum to the rows of the kinds that have gold, each >= 1
    assert np.isclose(weights.sum(), covered.sum())
    assert (weights >= 1).all()
    # a kind is covered exactly when one of its rows is gold
    for kd in np.unique(kind):
        rows = kind == kd
        assert covered[rows].all() == (gold[rows] >= 0).any()
    # class-balanced: every class of gold rows has the same total, same sum
    y_gold = gold[gold >= 0]
    if y_gold.size:
        balanced = _guard.class_balanced(weights, y_gold)
        totals = np.bincount(y_gold, weights=balanced)
        assert np.allclose(totals[totals > 0], totals[totals > 0][0])
        assert np.isclose(balanced.sum(), weights.sum())
    # the gain of a candidate equal to the baseline is zero
    score = -rng.random(weights.size)
    if weights.size >= 2:
        assert _guard.gain(score, score, weights)[0] == 0.0


def test_batch_is_diverse_across_patterns() -> None:
    # 500 identical uncertain rows and 50 distinct, slightly less uncertain ones
    rng = np.random.default_rng(0)
    L = np.vstack([np.tile([0, 1, -1], (500, 1)), rng.integers(-1, 2, (50, 3))])
    learner = ActiveLearner(MajorityVote(), strategy="entropy").fit(L)
    rows = learner.suggest(10)
    patterns = learner.pattern_[rows]
    assert len(set(patterns.tolist())) > 3
    plain = ActiveLearner(MajorityVote(), strategy="entropy", diversity="none").fit(L)
    assert len(set(plain.pattern_[plain.suggest(10)].tolist())) <= 2


def test_end_model_and_kcenter_need_features(data) -> None:  # type: ignore[no-untyped-def]
    learner = ActiveLearner(strategy="end_model").fit(data.L)
    with pytest.raises(ValueError, match="needs features"):
        learner.suggest(5)
    X = np.random.default_rng(0).normal(size=(1500, 4)) + data.y[:, None]
    rows = ActiveLearner(strategy="end_model").fit(data.L, features=X).suggest(12)
    assert len(set(rows.tolist())) == 12
    with pytest.raises(ValueError, match="features has 3 rows"):
        ActiveLearner().fit(data.L, features=X[:3])


def test_errors_name_the_problem(data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFittedError, match="call fit"):
        ActiveLearner().suggest(3)
    with pytest.raises(ValueError, match="strategy must be one of"):
        ActiveLearner(strategy="best").fit(data.L)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="prior_strength must be a positive"):
        ActiveLearner(prior_strength=0).fit(data.L)
    with pytest.raises(ValueError, match="y has shape"):
        ActiveLearner().fit(data.L, np.zeros(3))
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        ActiveLearner().fit(data.L).suggest(-1)


probas = arrays(
    np.float64,
    st.tuples(st.integers(1, 20), st.integers(2, 5)),
    elements=st.floats(0.01, 1),
).map(lambda a: a / a.sum(axis=1, keepdims=True))


@given(probas, st.floats(0.5, 20))
@settings(max_examples=60, deadline=None)
def test_expected_error_gain_is_bounded(Q: np.ndarray, strength: float) -> None:
    n_open = np.full(Q.shape[0], 10.0)
    gain = _scores.expected_error_gain(Q, np.zeros(Q.shape[0]), n_open, strength)
    err = 1 - Q.max(axis=1)
    # at least the row's own expected error, at most all ten rows' errors
    assert (gain >= err - 1e-12).all()
    assert (gain <= 10 * err + 1e-9).all()
    none_open = _scores.expected_error_gain(
        Q, np.zeros(Q.shape[0]), 0 * n_open, strength
    )
    assert (none_open == 0).all()


@given(probas)
@settings(max_examples=60, deadline=None)
def test_uncertainty_scores_order(Q: np.ndarray) -> None:
    ent, mar = _scores.entropy(Q), _scores.margin(Q)
    assert (ent >= 0).all()
    assert (ent <= np.log(Q.shape[1]) + 1e-9).all()
    assert ((mar >= -1e-12) & (mar <= 1 + 1e-12)).all()
    onehot = np.eye(Q.shape[1])[Q.argmax(axis=1)]
    assert np.allclose(_scores.entropy(onehot), 0)


def test_kcenter_on_sparse_features_spreads_the_batch(data) -> None:  # type: ignore[no-untyped-def]
    import scipy.sparse as sp

    # two tight clusters of rows: k-center takes from both
    X = np.zeros((1500, 2))
    X[::2, 0] = 1.0
    X[1::2, 1] = 1.0
    learner = ActiveLearner(diversity="kcenter").fit(data.L, features=sp.csr_matrix(X))
    rows = learner.suggest(6)
    assert len(set(rows.tolist())) == 6
    assert {int(r) % 2 for r in rows} == {0, 1}


def test_gold_weight_is_reused_until_the_gold_grows_by_half(data) -> None:  # type: ignore[no-untyped-def]
    y = np.full(1500, -1)
    y[:200] = data.y[:200]
    learner = ActiveLearner(refit="always").fit(data.L, y)
    assert learner.model_.get_params()["gold_weight"] == "auto"  # cross-validated
    weight = learner.model_.gold_weight_
    y[200:250] = data.y[200:250]  # 250 < 1.5 * 200: the weight is reused
    learner.fit(data.L, y)
    if weight == 0:
        assert not learner.refitted_  # weight 0 is the fit without gold
    else:
        assert learner.model_.get_params()["gold_weight"] == weight
    y[250:300] = data.y[250:300]  # 300 >= 1.5 * 200: chosen again
    learner.fit(data.L, y)
    assert learner.model_.get_params()["gold_weight"] == "auto"


class _CountingLabelModel(LabelModel):
    """The real LabelModel; records the gold size of every cross-validated fit."""

    cross_validated: ClassVar[list[tuple[int, int | None]]] = []

    def fit(self, L, y=None, **kwargs):  # type: ignore[no-untyped-def]
        if y is not None and self.gold_weight == "auto":
            n_gold = int((np.asarray(y) >= 0).sum())
            type(self).cross_validated.append((n_gold, self.max_fit_rows))
        return super().fit(L, y, **kwargs)


def test_gold_weight_is_not_cross_validated_every_round(data) -> None:  # type: ignore[no-untyped-def]
    _CountingLabelModel.cross_validated.clear()
    learner = ActiveLearner(_CountingLabelModel(random_state=0), random_state=0)
    y = np.full(1500, -1)
    learner.fit(data.L, y)
    rounds = 12
    for _ in range(rounds):  # the loop: 10 labels a round, 10 -> 120 gold rows
        rows = learner.suggest(10)
        y[rows] = data.y[rows]
        learner.fit(data.L, y)
    sizes = [n for n, _ in _CountingLabelModel.cross_validated]
    # chosen at 10 gold rows, then only when the gold grew by half: log growth
    assert sizes[0] == 10
    assert all(b >= 1.5 * a for a, b in pairwise(sizes))
    assert len(sizes) <= 1 + int(np.log(120 / 10) / np.log(1.5))
    assert len(sizes) < rounds
    # small data: the weight is chosen on every row, as LabelModel does alone
    assert all(
        cap == LabelModel().max_fit_rows
        for _, cap in _CountingLabelModel.cross_validated
    )


@pytest.mark.parametrize("n_gold", [60, 200])  # the weight chosen: 0 and 1 here
def test_gold_weight_is_chosen_on_a_subsample_of_large_votes(n_gold: int) -> None:
    from weaklabel.active._learner import _CV_ROWS, _SUBSAMPLE_ABOVE

    n = _SUBSAMPLE_ABOVE + 1000
    big = make_votes(n, 6, random_state=1)
    _CountingLabelModel.cross_validated.clear()
    y = np.full(n, -1)
    y[:n_gold] = big.y[:n_gold]
    learner = ActiveLearner(_CountingLabelModel(random_state=0), refit="always")
    learner.fit(big.L, y)
    assert _CountingLabelModel.cross_validated == [(n_gold, _CV_ROWS)]
    weight = learner._weight_cache[2]
    if weight == 0:  # the gold was left out: the fit without gold
        assert not learner.refitted_
        return
    # the refit on every row uses the chosen weight as a number
    assert learner.model_.get_params()["gold_weight"] == weight
    assert learner.model_.max_fit_rows == LabelModel().max_fit_rows
    assert learner.model_.gold_weight_ == weight
    proba = learner.proba_
    assert proba.shape == (n, big.L.max() + 1)
    np.testing.assert_allclose(proba[:n_gold].argmax(axis=1), big.y[:n_gold])
