import warnings
from collections import Counter

import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weaklabel.exceptions import ConvergenceWarning
from weaklabel.label_model import (
    BaseLabelModel,
    DawidSkene,
    LabelModel,
    MajorityVote,
    OnlineLabelModel,
    _mace,
)
from weaklabel.label_model._estep import e_step
from weaklabel.label_model._patterns import compress, one_hot

LABEL_MODELS: list[type[BaseLabelModel]] = [
    MajorityVote,
    DawidSkene,
    LabelModel,
    OnlineLabelModel,
]

parametrize_models = pytest.mark.parametrize(
    "Model", LABEL_MODELS, ids=[c.__name__ for c in LABEL_MODELS]
)
common = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def vote_matrices(draw, max_n=40, max_m=6, max_k=4):
    k = draw(st.integers(2, max_k))
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    L = draw(npst.arrays(np.int64, (n, m), elements=st.integers(-1, k - 1)))
    return L, k


def _fit(Model, L, k, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return Model(cardinality=k, random_state=0, **params).fit(L)


def _fixed_iterations(Model):
    """Params that make EM run a fixed number of steps (order-independent)."""
    return {"tol": 0.0, "max_iter": 15} if Model is DawidSkene else {}


@parametrize_models
@common
@given(data=vote_matrices())
def test_proba_rows_are_distributions(Model, data):
    L, k = data
    proba = _fit(Model, L, k).predict_proba(L)
    assert proba.shape == (L.shape[0], k)
    assert np.isfinite(proba).all()
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@parametrize_models
@common
@given(data=vote_matrices(), seed=st.integers(0, 2**32 - 1))
def test_permuting_rows_permutes_predictions(Model, data, seed):
    L, k = data
    perm = np.random.default_rng(seed).permutation(L.shape[0])
    model = _fit(Model, L, k)
    proba = model.predict_proba(L)
    np.testing.assert_array_equal(model.predict_proba(L[perm]), proba[perm])
    if Model in (MajorityVote, DawidSkene):
        refit = _fit(Model, L[perm], k, **_fixed_iterations(Model))
        base = _fit(Model, L, k, **_fixed_iterations(Model))
        np.testing.assert_allclose(
            refit.predict_proba(L[perm]), base.predict_proba(L)[perm], atol=1e-8
        )


@pytest.mark.parametrize("Model", [MajorityVote, DawidSkene])
@common
@given(data=vote_matrices(), seed=st.integers(0, 2**32 - 1))
def test_permuting_lfs_leaves_predictions_unchanged(Model, data, seed):
    L, k = data
    perm = np.random.default_rng(seed).permutation(L.shape[1])
    base = _fit(Model, L, k, **_fixed_iterations(Model))
    refit = _fit(Model, L[:, perm], k, **_fixed_iterations(Model))
    np.testing.assert_allclose(
        refit.predict_proba(L[:, perm]), base.predict_proba(L), atol=1e-8
    )
    if Model is DawidSkene:
        np.testing.assert_allclose(
            refit.lf_confusion_, base.lf_confusion_[perm], atol=1e-8
        )


@pytest.mark.parametrize("Model", [MajorityVote, DawidSkene])
@common
@given(data=vote_matrices(), seed=st.integers(0, 2**32 - 1))
def test_renaming_classes_permutes_columns(Model, data, seed):
    L, k = data
    sigma = np.random.default_rng(seed).permutation(k)
    renamed = np.where(L >= 0, sigma[np.maximum(L, 0)], -1)
    base = _fit(Model, L, k, **_fixed_iterations(Model))
    other = _fit(Model, renamed, k, **_fixed_iterations(Model))
    proba = base.predict_proba(L)
    expected = np.empty_like(proba)
    expected[:, sigma] = proba
    np.testing.assert_allclose(other.predict_proba(renamed), expected, atol=1e-8)


@common
@given(data=vote_matrices())
def test_majority_vote_matches_brute_force_count(data):
    L, k = data
    proba = MajorityVote(cardinality=k).fit(L).predict_proba(L)
    for row, p in zip(L, proba, strict=True):
        counts = Counter(int(v) for v in row if v >= 0)
        total = sum(counts.values())
        expected = [counts[c] / total for c in range(k)] if total else [1.0 / k] * k
        np.testing.assert_allclose(p, expected)


@common
@given(data=vote_matrices())
def test_majority_vote_predict_is_a_most_voted_class(data):
    L, k = data
    pred = MajorityVote(cardinality=k, random_state=0).fit(L).predict(L)
    for row, c in zip(L, pred, strict=True):
        counts = np.bincount(row[row >= 0], minlength=k)
        assert counts[c] == counts.max()


@parametrize_models
@settings(max_examples=15, deadline=None)
@given(data=vote_matrices())
def test_json_round_trip_is_exact(Model, data, tmp_path_factory):
    L, k = data
    model = _fit(Model, L, k)
    path = tmp_path_factory.mktemp("models") / "m.json"
    model.save(path)
    restored = Model.load(path)
    np.testing.assert_array_equal(restored.predict_proba(L), model.predict_proba(L))


@common
@given(data=vote_matrices(max_n=60), gold=st.booleans())
def test_compress_round_trip(data, gold):
    L, _ = data
    y = np.where(np.arange(L.shape[0]) % 2 == 0, L[:, 0], -1) if gold else None
    P = compress(L, y)
    np.testing.assert_array_equal(P.votes[P.inverse], L)
    assert P.counts.sum() == L.shape[0]
    keys = (
        [tuple(r) for r in P.votes]
        if y is None
        else list(zip(map(tuple, P.votes), P.gold, strict=True))
    )
    assert len(set(keys)) == P.n_patterns
    if y is not None:
        np.testing.assert_array_equal(P.gold[P.inverse], y)


def _crowd_prior(k):
    """The confusion prior "auto" gives every LF of a crowd-like matrix."""
    return 0.0 if k == 2 else 1.0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=vote_matrices(max_n=30, max_m=5))
def test_auto_confusion_prior_is_the_crowd_or_the_keyword_rules_prior(data):
    # confusion_prior="auto" on a matrix whose votes come mostly from LFs
    # voting several classes (crowd-like) fits every LF with the workers'
    # prior (0 for two classes, 1 for more); on a matrix of LFs that each
    # vote one class (keyword rules), with the rules' prior 10.
    L, k = data
    one_sided = np.where(L >= 0, np.arange(L.shape[1])[None, :] % k, -1)
    for votes, crowd in ((L, True), (one_sided, False)):
        counts = np.stack([(votes == c).sum(axis=0) for c in range(k)], axis=1)
        several = (counts > 0).sum(axis=1) > 1
        is_crowd = counts[several].sum() > 0.5 * counts.sum()
        if crowd and not is_crowd:
            continue  # a random matrix of mostly one-sided columns
        assert is_crowd == crowd
        expected = _crowd_prior(k) if crowd else 10.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            auto = LabelModel(cardinality=k).fit(votes)
            fixed = LabelModel(cardinality=k, confusion_prior=expected).fit(votes)
        voting = counts.sum(axis=1) > 0  # an LF that never votes keeps its prior
        np.testing.assert_allclose(
            auto.lf_confusion_[voting], fixed.lf_confusion_[voting]
        )
        np.testing.assert_allclose(
            auto.predict_proba(votes), fixed.predict_proba(votes)
        )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=vote_matrices(max_n=30, max_m=5))
def test_auto_layout_averages_the_layouts_exactly_on_many_class_crowds(data):
    # parametrization="auto" keeps the confusion rows, and on crowd-like votes
    # with more than two classes predicts the mean of the confusion rows', the
    # accuracy layout's (each as its own fit would give it) and MACE's
    # posteriors
    votes, k = data
    counts = np.stack([(votes == c).sum(axis=0) for c in range(k)], axis=1)
    several = (counts > 0).sum(axis=1) > 1
    crowd = counts[several].sum() > 0.5 * counts.sum()
    auto = _fit(LabelModel, votes, k)
    rows = _fit(LabelModel, votes, k, parametrization="confusion")
    assert (auto.accuracy_layout_ is not None) == (crowd and k > 2)
    assert (auto.mace_layout_ is not None) == (crowd and k > 2)
    expected = rows.predict_proba(votes)
    if auto.accuracy_layout_ is not None:
        coin = _fit(LabelModel, votes, k, parametrization="accuracy")
        patterns = compress(votes)
        guess = e_step(
            _mace.log_joint(
                one_hot(patterns, k),
                k,
                auto.mace_layout_["lf_competence_"],
                auto.mace_layout_["lf_spam_"],
            )
        )[0][patterns.inverse]
        expected = (expected + coin.predict_proba(votes) + guess) / 3
    np.testing.assert_allclose(auto.predict_proba(votes), expected, atol=1e-9)
