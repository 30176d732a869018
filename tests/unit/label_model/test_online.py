"""OnlineLabelModel: stepwise EM over chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from weaklabel.label_model._base import load_label_model
from weaklabel.label_model._estep import e_step
from weaklabel.label_model._patterns import compress, majority_posterior
from weaklabel.label_model.online import (
    OnlineLabelModel,
    _log_joint,
    _m_step,
    _shifted_one_hot,
    _statistics,
    _step_size,
)
from weaklabel.synthetic import make_votes


def _batch_em(
    L: np.ndarray, k: int, n_iter: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch EM of the same model (same priors), from majority vote."""
    P = compress(L)
    X = _shifted_one_hot(P, k)
    n = float(P.counts.sum())
    post = majority_posterior(P, k)
    for _ in range(n_iter):
        s_prior, s_vote = _statistics(X, post, P.counts, L.shape[1])
        log_prior, log_vote = _m_step(s_prior, s_vote, n)
        post, _ = e_step(_log_joint(X, log_prior, log_vote))
    return np.exp(log_prior), np.exp(log_vote)


@pytest.fixture(scope="module")
def synthetic():
    return make_votes(
        20_000,
        8,
        2,
        accuracies=[0.9, 0.85, 0.8, 0.75, 0.7, 0.7, 0.65, 0.6],
        coverages=0.5,
        class_balance=[0.3, 0.7],
        random_state=0,
    )


def test_step_size_schedule():
    assert _step_size(0, 0.7) == pytest.approx(2**-0.7)
    assert _step_size(8, 1.0) == pytest.approx(0.1)
    steps = [_step_size(t, 0.6) for t in range(100)]
    assert np.all(np.diff(steps) < 0)


def test_approaches_batch_em_parameters(synthetic):
    prior, vote = _batch_em(synthetic.L, 2)
    errors = []
    for n_epochs in (1, 3, 10):
        model = OnlineLabelModel(batch_size=200, n_epochs=n_epochs, random_state=0)
        model.fit(synthetic.L)
        errors.append(np.abs(model.vote_proba_ - vote).max())
    assert errors[0] > errors[1] > errors[2]  # more updates, closer to batch EM
    assert np.abs(model.class_prior_ - prior).max() < 0.015
    assert errors[-1] < 0.01
    # and both are close to the truth the data was drawn from
    assert np.abs(model.class_prior_ - [0.3, 0.7]).max() < 0.03
    assert np.abs(model.accuracy_ - synthetic.accuracies).max() < 0.05


def test_partial_fit_over_chunks_approaches_batch(synthetic):
    prior, vote = _batch_em(synthetic.L, 2)
    model = OnlineLabelModel(batch_size=250, kappa=0.6, random_state=0)
    for _ in range(5):
        for chunk in np.array_split(synthetic.L, 10):  # 2000 rows: 8 updates each
            model.partial_fit(chunk)
    assert model.n_batches_seen_ == 5 * 10 * 8
    assert model.n_samples_seen_ == 5 * synthetic.L.shape[0]
    assert np.abs(model.vote_proba_ - vote).max() < 0.02
    assert np.abs(model.class_prior_ - prior).max() < 0.02


def test_pattern_counts_as_sample_weight_equal_rows(synthetic):
    L = synthetic.L[:5000]
    P = compress(L.astype(np.int32))
    by_rows = OnlineLabelModel(random_state=0).partial_fit(L).partial_fit(L)
    by_patterns = (
        OnlineLabelModel(random_state=0)
        .partial_fit(P.votes, sample_weight=P.counts)
        .partial_fit(P.votes, sample_weight=P.counts)
    )
    np.testing.assert_allclose(by_rows.vote_proba_, by_patterns.vote_proba_, rtol=1e-10)
    np.testing.assert_allclose(by_rows.class_prior_, by_patterns.class_prior_)


def test_predict_proba_is_a_distribution(synthetic):
    model = OnlineLabelModel(random_state=0).fit(synthetic.L)
    proba = model.predict_proba(synthetic.L[:100])
    assert proba.shape == (100, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.score(synthetic.L, synthetic.y) > 0.85


def test_fit_is_deterministic_and_restarts(synthetic):
    a = OnlineLabelModel(random_state=3).fit(synthetic.L)
    b = OnlineLabelModel(random_state=3).fit(synthetic.L)
    np.testing.assert_array_equal(a.vote_proba_, b.vote_proba_)
    # fit starts over: a second fit equals a fresh one
    a.fit(synthetic.L)
    np.testing.assert_array_equal(a.vote_proba_, b.vote_proba_)
    assert clone(a).get_params() == a.get_params()


def test_informative_abstains():
    # LF 0 always votes for class 0 when it fires, but fires mostly on class 1:
    # only an abstain-aware model learns that its abstain points to class 0.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 20_000)
    L = np.full((y.size, 3), -1)
    L[:, 1] = np.where(rng.random(y.size) < 0.85, y, 1 - y)
    L[:, 2] = np.where(rng.random(y.size) < 0.85, y, 1 - y)
    fires = rng.random(y.size) < np.where(y == 0, 0.1, 0.9)
    L[fires, 0] = 1
    model = OnlineLabelModel(random_state=0).fit(L)
    assert model.vote_proba_[0, 0, 0] > 0.8  # P(abstain | class 0)
    assert model.vote_proba_[0, 1, 0] < 0.2  # P(abstain | class 1)


def test_gold_labels_are_clamped(synthetic):
    y = np.where(np.arange(synthetic.y.size) % 10 == 0, synthetic.y, -1)
    model = OnlineLabelModel(random_state=0).fit(synthetic.L, y)
    assert model.score(synthetic.L, synthetic.y) > 0.85


def test_dataframe_names_and_classes_are_kept():
    L = pd.DataFrame({"a": [0, 1, -1, 1], "b": [0, 1, 1, -1]})
    L.attrs["classes"] = ["ham", "spam"]
    model = OnlineLabelModel().partial_fit(L)
    assert model.lf_names_in_ == ["a", "b"]
    assert model.classes_ == ["ham", "spam"]
    with pytest.raises(ValueError, match="column 0 is 'x'"):
        model.partial_fit(L.rename(columns={"a": "x"}))
    with pytest.raises(ValueError, match="3 columns"):
        model.partial_fit(np.zeros((2, 3), dtype=int))


@pytest.mark.parametrize("kappa", [0.5, 0.2, 1.5, "0.7"])
def test_bad_kappa(kappa):
    with pytest.raises(ValueError, match="'kappa' parameter of OnlineLabelModel"):
        OnlineLabelModel(kappa=kappa).fit(np.array([[0, 1], [1, 1]]))


def test_bad_sample_weight():
    with pytest.raises(ValueError, match="one weight per row"):
        OnlineLabelModel().partial_fit(np.array([[0, 1]]), sample_weight=[1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        OnlineLabelModel().partial_fit(np.array([[0, 1]]), sample_weight=[-1.0])


def test_save_load_then_continue(tmp_path, synthetic):
    chunks = np.array_split(synthetic.L, 4)
    model = (
        OnlineLabelModel(random_state=1).partial_fit(chunks[0]).partial_fit(chunks[1])
    )
    model.save(tmp_path / "m.json")
    loaded = load_label_model(tmp_path / "m.json")
    assert isinstance(loaded, OnlineLabelModel)
    np.testing.assert_array_equal(
        loaded.predict_proba(chunks[2]), model.predict_proba(chunks[2])
    )
    model.partial_fit(chunks[2])
    loaded.partial_fit(chunks[2])
    np.testing.assert_allclose(loaded.vote_proba_, model.vote_proba_, rtol=1e-12)
    assert loaded.n_batches_seen_ == model.n_batches_seen_ == 15


def test_sparse_votes():
    import scipy.sparse as sp

    L = np.array([[0, -1, 1], [1, 1, -1], [-1, 0, 0]] * 20)
    dense = OnlineLabelModel().partial_fit(L)
    sparse = OnlineLabelModel().partial_fit(sp.csr_array(L + 1))
    np.testing.assert_allclose(sparse.vote_proba_, dense.vote_proba_)
