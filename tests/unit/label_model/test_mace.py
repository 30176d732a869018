"""MACE's worker model (_mace): the likelihood by brute force, EM on data drawn
from the model, gold, and the fitted tables' shapes."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.label_model import _mace
from weaklabel.label_model._estep import e_step
from weaklabel.label_model._patterns import compress, majority_posterior, one_hot


def _brute_force(votes, k, competence, spam):
    """P(votes | y = c) for every c, straight from MACE's definition."""
    out = np.ones(k)
    for c in range(k):
        for j, v in enumerate(votes):
            if v >= 0:
                out[c] *= competence[j] * (v == c) + (1 - competence[j]) * spam[j, v]
    return out / out.sum()


def test_log_joint_is_maces_likelihood():
    rng = np.random.default_rng(0)
    m, k = 3, 3
    votes = np.array(list(itertools.product(range(-1, k), repeat=m)))
    competence = rng.uniform(0.05, 0.95, m)
    spam = rng.dirichlet(np.ones(k), size=m)
    patterns = compress(votes)
    rel = _mace.log_joint(one_hot(patterns, k), k, competence, spam)
    post = e_step(rel)[0][patterns.inverse]
    expected = np.array([_brute_force(v, k, competence, spam) for v in votes])
    np.testing.assert_allclose(post, expected, rtol=1e-9)


def _draw(seed, n=3000, m=30, k=4, per_item=6):
    """Votes drawn from MACE's model: competence, and a guess distribution
    that favours each worker's own class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    competence = rng.uniform(0.2, 0.9, m)
    spam = rng.dirichlet(np.full(k, 0.5), size=m)
    L = np.full((n, m), -1)
    for i in range(n):  # loop over items (a few thousand)
        for j in rng.choice(m, per_item, replace=False):
            knows = rng.random() < competence[j]
            L[i, j] = y[i] if knows else rng.choice(k, p=spam[j])
    return L, y, competence, spam


def test_em_recovers_competence_and_beats_majority_vote_on_maces_data():
    L, y, competence, _ = _draw(0)
    k = 4
    patterns = compress(L)
    oh = one_hot(patterns, k)
    start = majority_posterior(patterns, k)
    fitted, spam, converged, change = _mace.fit(
        oh, k, patterns.counts, None, start, max_iter=300, tol=1e-7
    )
    assert converged
    assert abs(change) <= 1e-7
    np.testing.assert_allclose(spam.sum(axis=1), 1.0)
    assert np.corrcoef(fitted, competence)[0, 1] > 0.95
    assert np.abs(fitted - competence).mean() < 0.05
    post = e_step(_mace.log_joint(oh, k, fitted, spam))[0][patterns.inverse]
    majority = start[patterns.inverse]
    assert (post.argmax(1) == y).mean() > (majority.argmax(1) == y).mean() + 0.02


def test_gold_patterns_stay_clamped():
    L, y, _, _ = _draw(1, n=600)
    gold = np.full(600, -1)
    gold[:100] = y[:100]
    patterns = compress(L, gold)
    oh = one_hot(patterns, 4)
    start = majority_posterior(patterns, 4)
    known = patterns.gold >= 0
    start[known] = np.eye(4)[patterns.gold[known]]
    competence, spam, _, _ = _mace.fit(
        oh, 4, patterns.counts, patterns.gold, start, max_iter=50, tol=0.0
    )
    post = e_step(_mace.log_joint(oh, 4, competence, spam), patterns.gold)[0]
    np.testing.assert_array_equal(post[known].argmax(1), patterns.gold[known])
    assert (competence >= 0).all()
    assert (competence <= 1).all()


@settings(max_examples=30, deadline=None)
@given(
    k=st.integers(2, 5),
    seed=st.integers(0, 2**16),
    n=st.integers(1, 40),
    m=st.integers(1, 6),
)
def test_fit_gives_probability_tables_on_any_votes(k, seed, n, m):
    rng = np.random.default_rng(seed)
    L = rng.integers(-1, k, size=(n, m))
    patterns = compress(L)
    oh = one_hot(patterns, k)
    competence, spam, _, _ = _mace.fit(
        oh,
        k,
        patterns.counts,
        None,
        majority_posterior(patterns, k),
        max_iter=20,
        tol=0.0,
    )
    assert competence.shape == (m,)
    assert spam.shape == (m, k)
    assert ((competence > 0) & (competence < 1)).all()
    np.testing.assert_allclose(spam.sum(axis=1), 1.0)
    post = e_step(_mace.log_joint(oh, k, competence, spam))[0]
    assert np.isfinite(post).all()
    np.testing.assert_allclose(post.sum(axis=1), 1.0)
