import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.label_model._grouped import (
    GroupedVotes,
    all_sub_patterns,
    group_size,
    votes_per_row,
    worth_grouping,
)
from weaklabel.label_model._patterns import one_hot


@st.composite
def dense_votes(draw):
    k = draw(st.integers(1, 6))
    u = draw(st.integers(1, 60))
    m = draw(st.integers(1, 25))
    V = draw(npst.arrays(np.int8, (u, m), elements=st.integers(-1, k - 1)))
    g = draw(st.integers(1, group_size(k)))
    return V, k, g


@settings(max_examples=60, deadline=None)
@given(dense_votes(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_products_equal_the_one_hot_products(case, c, seed):
    V, k, g = case
    rng = np.random.default_rng(seed)
    H = one_hot(V, k)
    G = GroupedVotes.build(V, k, g)
    table = rng.normal(size=(V.shape[1] * k, c))
    weights = rng.random((V.shape[0], c))
    np.testing.assert_allclose(G.product(table), H @ table, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        G.rproduct(weights), H.T @ weights, rtol=1e-12, atol=1e-12
    )
    assert len(G.bounds) == -(-V.shape[1] // g)
    assert all(code.dtype == np.uint16 for code in G.codes)


def test_a_rows_sums_do_not_depend_on_the_other_rows():
    rng = np.random.default_rng(0)
    V = rng.integers(-1, 3, size=(3000, 23)).astype(np.int8)
    table = rng.normal(size=(23 * 3, 2))
    g = group_size(3)
    whole = GroupedVotes.build(V, 3, g).product(table)
    part = GroupedVotes.build(V[1000:1100], 3, g).product(table)
    np.testing.assert_array_equal(part, whole[1000:1100])


@pytest.mark.parametrize(("k", "m"), [(2, 23), (3, 7), (5, 9)])
def test_codes_of_every_sub_pattern_give_the_same_sums(k, m):
    rng = np.random.default_rng(k)
    V = rng.integers(-1, k, size=(500, m)).astype(np.int8)
    table = rng.normal(size=(m * k, k - 1))
    g = group_size(k)
    every = all_sub_patterns(m, k, g)
    assert [S.shape[0] for S in every] == [
        (k + 1) ** (min(m, s + g) - s) for s in range(0, m, g)
    ]
    full = GroupedVotes.build(V, k, g, every)
    occurring = GroupedVotes.build(V, k, g)
    np.testing.assert_array_equal(full.product(table), occurring.product(table))
    weights = rng.random((500, 2))
    np.testing.assert_allclose(
        full.rproduct(weights), one_hot(V, k).T @ weights, rtol=1e-12
    )


def test_group_size_has_16_bit_codes_and_shrinks_for_few_patterns():
    for k in (1, 2, 3, 10, 40, 255, 256, 1000):
        g = group_size(k)
        assert (k + 1) ** g <= 2**16
        assert g == 1 or (k + 1) ** (g + 1) > 2**16
    assert group_size(2) == 10
    assert group_size(2, n_patterns=100_000) == 8  # 8 * 3**8 <= 1e5 < 9 * 3**9
    assert group_size(2, n_patterns=10) == 1
    assert group_size(256) == 1


def test_build_rejects_groups_without_16_bit_codes():
    V = np.zeros((4, 12), dtype=np.int8)
    with pytest.raises(ValueError, match=r"group=11 .* cardinality=2; use 1 to 10"):
        GroupedVotes.build(V, 2, 11)


def test_worth_grouping_needs_many_votes_per_group():
    assert worth_grouping(27.8, 50, 2, 10)  # 5 groups, 27.8 votes per row
    assert not worth_grouping(8.0, 50, 2, 10)  # sparse-ish rows: one-hot wins
    assert not worth_grouping(50.0, 50, 2, 1)  # groups of one LF never pay
    assert not worth_grouping(0.0, 0, 2, 10)
    # a pass per class column: the bar rises with k
    assert worth_grouping(27.8, 50, 3, group_size(3))
    assert not worth_grouping(27.8, 50, 10, group_size(10))


def test_votes_per_row_estimates_from_a_sample():
    rng = np.random.default_rng(1)
    V = np.where(rng.random((100_000, 40)) < 0.25, 1, -1).astype(np.int8)
    assert votes_per_row(V) == pytest.approx(10.0, rel=0.05)
    assert votes_per_row(V[:0]) == 0.0
