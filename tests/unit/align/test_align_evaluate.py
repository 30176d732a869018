import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.align.evaluate import (
    centre,
    inject_noise,
    modality_gap,
    retrieval_metrics,
)
from weaklabel.exceptions import WeakLabelError


def _brute(A, B, pairs):
    # oracle: full ranking, any partner counts
    out = {}
    for name, Q, G, qi, gi in (("l2r", A, B, 0, 1), ("r2l", B, A, 1, 0)):
        qs = np.unique(pairs[:, qi])
        gs = np.unique(pairs[:, gi])
        ranks = []
        for q in qs:
            sims = [(float(Q[q] @ G[g]), g) for g in gs]
            order = [g for _, g in sorted(sims, key=lambda t: -t[0])]
            parts = set(pairs[pairs[:, qi] == q, gi].tolist())
            ranks.append(min(order.index(p) for p in parts) + 1)
        out[name] = np.array(ranks)
    return out


@settings(max_examples=30)
@given(st.integers(0, 10_000), st.integers(3, 12))
def test_recalls_match_brute_force(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, 4))
    B = rng.normal(size=(n + 2, 4))
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    pairs = np.c_[rng.integers(0, n, 2 * n), rng.integers(0, n + 2, 2 * n)]
    m = retrieval_metrics(A, B, pairs)
    br = _brute(A, B, pairs)
    for k in (1, 5, 10):
        assert m["left_to_right"][f"r{k}"] == pytest.approx(
            100 * np.mean(br["l2r"] <= k)
        )
        assert m["right_to_left"][f"r{k}"] == pytest.approx(
            100 * np.mean(br["r2l"] <= k)
        )
    assert m["left_to_right"]["median_rank"] == np.median(br["l2r"])
    assert 0 <= m["rsum"] <= 600


def test_several_positives_per_query():
    E = np.eye(3)
    # left 0 has partners 0 and 1; its best partner is right 0 (rank 1)
    m = retrieval_metrics(E, E, np.array([[0, 0], [0, 1], [2, 2]]))
    assert m["left_to_right"]["r1"] == 100.0
    assert m["n_left"] == 2
    assert m["n_right"] == 3


def test_modality_gap_and_centring():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(50, 5)) + 3.0
    B = rng.normal(size=(50, 5)) - 3.0
    assert modality_gap(A, B) > 1.0
    assert modality_gap(centre(A), centre(B)) < 0.5
    m = retrieval_metrics(A, B, np.c_[np.arange(50), np.arange(50)], centred=True)
    assert m["modality_gap"] == pytest.approx(modality_gap(A, B))


def test_inject_noise_is_seeded_and_exact():
    pairs = np.c_[np.arange(100), np.arange(100)]
    n1, c1 = inject_noise(pairs, 0.3, random_state=7)
    n2, c2 = inject_noise(pairs, 0.3, random_state=7)
    assert np.array_equal(n1, n2)
    assert np.array_equal(c1, c2)
    assert (~c1).sum() == 30
    assert np.array_equal(n1[:, 0], pairs[:, 0])
    assert sorted(n1[:, 1]) == sorted(pairs[:, 1])
    _, c0 = inject_noise(pairs, 0.0, random_state=0)
    assert c0.all()


def test_bad_pairs_named():
    with pytest.raises(WeakLabelError, match="outside"):
        retrieval_metrics(np.eye(2), np.eye(2), np.array([[0, 5]]))
    with pytest.raises(WeakLabelError, match="rate"):
        inject_noise(np.array([[0, 0]]), 1.5)
