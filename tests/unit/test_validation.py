"""Input checks of weaklabel._validation: messages and canonical output."""

import hypothesis.extra.numpy as npst
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel._validation import check_gold, check_proba, check_votes

# ----------------------------------------------------------------- check_votes


def test_check_votes_default_is_int32_copy():
    L = np.array([[0, -1], [1, 1]], dtype=np.int8)
    out = check_votes(L, cardinality=2)
    assert out.dtype == np.int32
    assert out.flags.c_contiguous
    assert not np.shares_memory(out, L)
    np.testing.assert_array_equal(out, L)


def test_check_votes_compact_keeps_int8_without_copy():
    L = np.array([[0, -1], [1, 1]], dtype=np.int8)
    out = check_votes(L, compact=True)
    assert out is L


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([[0, -1], [1, 1]], np.int8),
        ([[127, -1]], np.int8),
        ([[128, -1]], np.int16),
        ([[40000, 0]], np.int32),
        ([[-1, -1]], np.int8),
    ],
)
@pytest.mark.parametrize("in_dtype", [np.int64, np.int32, np.uint32])
def test_check_votes_compact_dtype_is_smallest(values, dtype, in_dtype):
    arr = np.array(values)
    if in_dtype == np.uint32 and arr.min() < 0:
        arr = arr + 1  # no abstain in unsigned input
    out = check_votes(arr.astype(in_dtype), compact=True)
    hi = int(arr.max())
    assert out.dtype == (
        np.int8 if hi <= 127 else np.int16 if hi <= 32767 else np.int32
    )
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, arr)
    if in_dtype == np.int64 and arr.min() >= -1:
        assert out.dtype == dtype


def test_check_votes_compact_fortran_and_frame():
    rng = np.random.default_rng(0)
    L = np.asfortranarray(rng.integers(-1, 3, size=(50, 4)).astype(np.int8))
    out = check_votes(L, compact=True)
    assert out.flags.c_contiguous
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, L)
    df = pd.DataFrame(L, columns=list("abcd"))
    np.testing.assert_array_equal(check_votes(df, compact=True), L)
    assert check_votes(df, compact=True).dtype == np.int8
    np.testing.assert_array_equal(check_votes(df), L)


def test_check_votes_compact_sparse_densified():
    L = np.array([[0, -1], [2, 1]])
    S = sp.csr_array(L + 1)
    out = check_votes(S, compact=True)
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, L)
    assert check_votes(S).dtype == np.int32


def test_check_votes_sparse_accepted_stores_votes():
    L = np.array([[0, -1], [2, 1]])
    S = check_votes(sp.csr_array(L + 1), accept_sparse=True)
    assert sp.issparse(S)
    np.testing.assert_array_equal(S.toarray(), [[0, 0], [2, 1]])
    assert S.nnz == 3  # the explicit class-0 vote is kept, the abstain is not


@pytest.mark.parametrize(
    ("L", "exc", "match"),
    [
        (None, TypeError, r"L for M must be a vote matrix .* got None"),
        (np.array([0, 1]), ValueError, r"must be 2-D .* Use L.reshape\(-1, 1\)"),
        (np.array([[True, False]]), TypeError, r"got booleans"),
        (np.array([[0.0, 1.0]]), TypeError, r"Cast explicitly \(L.astype\(int\)\)"),
        (np.array([[0.0, np.nan]]), ValueError, r"NaN \(first at row 0, column 1\)"),
        (np.array([["a", "b"]]), TypeError, r"Encode class names as indices"),
        (np.array([[0, -2]]), ValueError, r"contains -2 at row 0, column 1"),
        (np.array([[0, 2**40]]), ValueError, r"too large for a class index"),
        (np.zeros((0, 3), dtype=int), ValueError, r"is empty \(shape \(0, 3\)\)"),
        (np.zeros((3, 0), dtype=int), ValueError, r"is empty"),
        (
            pd.DataFrame({"a": ["x", "y"]}),
            TypeError,
            r"has non-numeric columns",
        ),
        (sp.csr_array(np.array([[0, -1]])), ValueError, r"store\s+vote \+ 1"),
    ],
)
@pytest.mark.parametrize("compact", [False, True])
def test_check_votes_errors(L, exc, match, compact):
    with pytest.raises(exc, match=match):
        check_votes(L, owner="M", compact=compact)


@pytest.mark.parametrize("compact", [False, True])
def test_check_votes_cardinality_and_columns(compact):
    L = np.array([[0, 2], [1, -1]])
    with pytest.raises(ValueError, match=r"contains the vote 2, but cardinality is 2"):
        check_votes(L, cardinality=2, compact=compact)
    with pytest.raises(ValueError, match=r"L has 2 columns but M was fitted with 3"):
        check_votes(L, n_lfs=3, owner="M", compact=compact)
    with pytest.raises(ValueError, match=r"at least 5 row"):
        check_votes(L, min_samples=5, compact=compact)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_check_votes_canonical_output_property(data):
    k = data.draw(st.integers(2, 300))
    n = data.draw(st.integers(1, 30))
    m = data.draw(st.integers(1, 6))
    dtype = data.draw(st.sampled_from([np.int8, np.int16, np.int32, np.int64]))
    hi = min(k - 1, int(np.iinfo(dtype).max))
    L = data.draw(npst.arrays(dtype, (n, m), elements=st.integers(-1, hi)))
    if data.draw(st.booleans()):
        L = np.asfortranarray(L)
    plain = check_votes(L, cardinality=k)
    compact = check_votes(L, cardinality=k, compact=True)
    assert plain.dtype == np.int32
    assert plain.flags.c_contiguous
    assert compact.flags.c_contiguous
    top = int(L.max())
    want = np.int8 if top <= 127 else np.int16 if top <= 32767 else np.int32
    assert compact.dtype == want
    np.testing.assert_array_equal(plain, L)
    np.testing.assert_array_equal(compact, L)
    # the same votes through a DataFrame and through sparse storage
    np.testing.assert_array_equal(check_votes(pd.DataFrame(L), compact=True), L)
    S = check_votes(sp.csr_array(L.astype(np.int64) + 1), compact=True)
    np.testing.assert_array_equal(S, L)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_check_votes_rejects_out_of_range_property(data):
    n = data.draw(st.integers(1, 20))
    m = data.draw(st.integers(1, 5))
    L = data.draw(npst.arrays(np.int64, (n, m), elements=st.integers(-1, 3)))
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, m - 1))
    bad = data.draw(st.integers(-1000, -2))
    L[i, j] = bad
    first = np.argwhere(bad == L)[0]
    for compact in (False, True):
        with pytest.raises(ValueError, match=rf"at row {first[0]}, column {first[1]}"):
            check_votes(L, compact=compact)


# ------------------------------------------------------------------ check_gold


def test_check_gold_canonical():
    out = check_gold(pd.Series([0, 1, -1]), 3, 2)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [0, 1, -1])
    np.testing.assert_array_equal(check_gold(np.array([1.0, 0.0]), 2, 2), [1, 0])


@pytest.mark.parametrize(
    ("y", "kwargs", "exc", "match"),
    [
        ([[0, 1]], {}, ValueError, r"must be 1-D of length 2"),
        ([0, 1, 1], {}, ValueError, r"y has 3 labels but L has 2 rows"),
        ([0.0, np.nan], {}, ValueError, r"contains NaN; use -1"),
        ([0.5, 1.0], {}, TypeError, r"integer class indices; got float64"),
        (["a", "b"], {}, TypeError, r"Map class names to indices first"),
        ([True, False], {}, TypeError, r"got dtype bool"),
        ([0, 2], {}, ValueError, r"contains 2 at position 1; .* \{-1, \.\.\., 1\}"),
        ([0, -1], {"allow_missing": False}, ValueError, r"\{0, \.\.\., 1\}\.$"),
    ],
)
def test_check_gold_errors(y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        check_gold(y, 2, 2, **kwargs)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_check_gold_property(data):
    k = data.draw(st.integers(2, 6))
    n = data.draw(st.integers(1, 30))
    y = data.draw(npst.arrays(np.int64, n, elements=st.integers(-1, k - 1)))
    out = check_gold(y, n, k)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, y)
    if (y < 0).any():
        with pytest.raises(ValueError, match="expected class indices"):
            check_gold(y, n, k, allow_missing=False)


# ----------------------------------------------------------------- check_proba


def test_check_proba_canonical():
    out = check_proba(pd.DataFrame([[0.25, 0.75]]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0.25, 0.75]])
    assert check_proba([[0, 1]]).dtype == np.float64


@pytest.mark.parametrize(
    ("proba", "kwargs", "exc", "match"),
    [
        ([0.5, 0.5], {}, ValueError, r"must be 2-D"),
        ([["a", "b"]], {}, TypeError, r"must be numeric"),
        (np.zeros((0, 2)), {}, ValueError, r"is empty"),
        ([[0.5, 0.5]], {"n_samples": 2}, ValueError, r"has 1 rows but 2 were"),
        ([[0.5, 0.5]], {"cardinality": 3}, ValueError, r"2 columns but 3 classes"),
        ([[np.nan, 1.0]], {}, ValueError, r"NaN or infinity \(first at row 0\)"),
        ([[-0.5, 1.5]], {}, ValueError, r"negative probabilities"),
        ([[0.5, 0.6]], {}, ValueError, r"row 0 sums to 1\.1\. Normalise"),
    ],
)
def test_check_proba_errors(proba, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        check_proba(proba, **kwargs)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_check_proba_property(data):
    n = data.draw(st.integers(1, 20))
    k = data.draw(st.integers(1, 5))
    raw = data.draw(npst.arrays(np.float64, (n, k), elements=st.floats(0.01, 100.0)))
    proba = raw / raw.sum(axis=1, keepdims=True)
    out = check_proba(proba, n_samples=n, cardinality=k)
    np.testing.assert_array_equal(out, proba)
    i = data.draw(st.integers(0, n - 1))
    off = proba.copy()
    off[i] *= 1.5
    with pytest.raises(ValueError, match=rf"row {i} sums to"):
        check_proba(off)
