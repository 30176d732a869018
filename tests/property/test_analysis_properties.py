"""Property tests of weaklabel.analysis: invariants on random vote matrices."""

from __future__ import annotations

import hypothesis.extra.numpy as npst
import numpy as np
import pandas as pd
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.analysis import (
    label_coverage,
    lf_conflicts,
    lf_coverages,
    lf_overlaps,
    lf_summary,
    matrix_summary,
)


@st.composite
def vote_matrices(draw, max_n=30, max_m=6, max_k=5):
    k = draw(st.integers(2, max_k))
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    L = draw(npst.arrays(np.int64, (n, m), elements=st.integers(-1, k - 1)))
    return L, k


@st.composite
def votes_and_gold(draw):
    L, k = draw(vote_matrices())
    y = draw(npst.arrays(np.int64, L.shape[0], elements=st.integers(-1, k - 1)))
    return L, y


@settings(deadline=None)
@given(vote_matrices())
def test_conflicts_le_overlaps_le_coverage(Lk):
    L, _ = Lk
    cov, ov, conf = lf_coverages(L), lf_overlaps(L), lf_conflicts(L)
    assert np.all(conf <= ov)
    assert np.all(ov <= cov)
    assert np.all((cov >= 0) & (cov <= 1))
    assert np.all(cov <= label_coverage(L))


@settings(deadline=None)
@given(vote_matrices())
def test_matrix_level_ordering(Lk):
    L, _ = Lk
    s = matrix_summary(L)
    assert 0 <= s["conflict"] <= s["overlap"] <= s["coverage"] <= 1
    assert s["mean_votes_per_row"] == (L != -1).sum() / L.shape[0]


@settings(deadline=None)
@given(votes_and_gold(), st.randoms(use_true_random=False))
def test_permuting_lfs_permutes_summary_rows(Ly, random):
    L, y = Ly
    m = L.shape[1]
    names = [f"lf_{j}" for j in range(m)]
    perm = list(range(m))
    random.shuffle(perm)
    base = lf_summary(L, y, lf_names=names)
    shuffled = lf_summary(L[:, perm], y, lf_names=[names[p] for p in perm])
    expected = base.iloc[perm].assign(j=np.arange(m))
    pd.testing.assert_frame_equal(shuffled, expected)


@settings(deadline=None)
@given(votes_and_gold(), st.randoms(use_true_random=False))
def test_permuting_rows_leaves_summary_unchanged(Ly, random):
    L, y = Ly
    perm = list(range(L.shape[0]))
    random.shuffle(perm)
    pd.testing.assert_frame_equal(lf_summary(L[perm], y[perm]), lf_summary(L, y))


@settings(deadline=None)
@given(votes_and_gold())
def test_sparse_and_dataframe_agree_with_dense(Ly):
    L, y = Ly
    dense = lf_summary(L, y)
    pd.testing.assert_frame_equal(lf_summary(sp.csr_array(L + 1), y), dense)
    pd.testing.assert_frame_equal(lf_summary(sp.coo_matrix(L + 1), y), dense)
    frame = pd.DataFrame(L.astype(np.int8), columns=dense.index)
    pd.testing.assert_frame_equal(lf_summary(frame, y), dense)
    pd.testing.assert_series_equal(
        pd.Series(matrix_summary(sp.csr_array(L + 1))), pd.Series(matrix_summary(L))
    )


@settings(deadline=None)
@given(votes_and_gold())
def test_correct_plus_incorrect_is_votes_on_gold_rows(Ly):
    L, y = Ly
    out = lf_summary(L, y)
    on_gold = ((L != -1) & (y[:, None] != -1)).sum(axis=0)
    np.testing.assert_array_equal(out["Correct"] + out["Incorrect"], on_gold)
    acc = out["Emp. Acc."].to_numpy()
    assert np.all(np.isnan(acc) == (on_gold == 0))
    assert np.all((acc[on_gold > 0] >= 0) & (acc[on_gold > 0] <= 1))
