"""The numbers behind the LF report, checked against row-by-row loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from weaklabel.report import (
    compare_with_majority,
    gold_confusions,
    majority_proba,
    pairwise_rates,
    rows_to_look_at,
)

votes = st.integers(2, 4).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.integers(1, 30).flatmap(
            lambda n: arrays(np.int64, (n, 3), elements=st.integers(-1, k - 1))
        ),
    )
)


@given(votes)
@settings(max_examples=60, deadline=None)
def test_pairwise_rates_match_loops(case: tuple[int, np.ndarray]) -> None:
    _, V = case
    n, m = V.shape
    agree, conflict = pairwise_rates(V)
    for a in range(m):
        for b in range(m):
            both = (V[:, a] >= 0) & (V[:, b] >= 0)
            same = both & (V[:, a] == V[:, b])
            if both.any():
                assert agree[a, b] == pytest.approx(same.sum() / both.sum())
            else:
                assert np.isnan(agree[a, b])
            assert conflict[a, b] == pytest.approx((both & ~same).sum() / n)
    np.testing.assert_allclose(agree, agree.T, equal_nan=True)


@given(votes, st.data())
@settings(max_examples=60, deadline=None)
def test_gold_confusions_count_every_vote_on_gold(
    case: tuple[int, np.ndarray], data: st.DataObject
) -> None:
    k, V = case
    y = np.array(
        data.draw(st.lists(st.integers(-1, k - 1), min_size=len(V), max_size=len(V)))
    )
    conf = gold_confusions(V, y, k)
    for j in range(V.shape[1]):
        for c in range(k):
            for v in range(k):
                assert conf[j, c, v] == int(((y == c) & (V[:, j] == v)).sum())


def test_majority_proba_rows_sum_to_one() -> None:
    V = np.array([[0, 1, 1], [-1, -1, -1], [2, 2, -1]])
    proba = majority_proba(V, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[0], [1 / 3, 2 / 3, 0])
    np.testing.assert_allclose(proba[1], [1 / 3] * 3)


def test_compare_with_majority_counts_who_was_right() -> None:
    V = np.array([[0, 0, 1], [0, 0, 1], [0, 1, -1], [1, 1, 0]])
    proba = np.array([[0.3, 0.7], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9]])
    gold = np.array([1, 0, 0, 1])
    c = compare_with_majority(V, proba, gold)
    # row 0: LM 1 vs MV 0, gold 1 -> LM right; row 2: MV ties -> LM 1, gold 0 -> neither
    assert c.disagree_rows.tolist() == [0, 2]
    assert (c.model_right, c.majority_right, c.neither_right) == (1, 0, 1)
    assert c.model_accuracy == pytest.approx(0.75)
    assert c.majority_accuracy == pytest.approx(0.5)  # the tie counts as wrong


def test_rows_to_look_at_orders_and_caps_patterns() -> None:
    V = np.array([[0, 1], [0, 1], [0, 1], [0, 0], [1, -1], [-1, -1]])
    proba = np.array(
        [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.95, 0.05], [0.3, 0.7], [0.5, 0.5]]
    )
    y = np.array([1, -1, -1, 1, -1, 0])
    r = rows_to_look_at(V, proba, y, n=5, per_pattern=2)
    assert r.conflicts.tolist() == [0, 1]  # three rows share one pattern: two kept
    assert r.least_confident.tolist() == [0, 1, 4, 3]  # all-abstain row 5 is not listed
    assert r.wrong_on_gold.tolist() == [3, 0]  # most confident mistake first


def test_pairwise_rates_in_blocks_match_one_pass() -> None:
    rng = np.random.default_rng(0)
    V = rng.integers(-1, 3, size=(70_000, 70))  # more rows than one block holds
    agree, conflict = pairwise_rates(V)
    a, b = 3, 41
    both = (V[:, a] >= 0) & (V[:, b] >= 0)
    same = both & (V[:, a] == V[:, b])
    assert agree[a, b] == pytest.approx(same.sum() / both.sum())
    assert conflict[a, b] == pytest.approx((both & ~same).sum() / len(V))
