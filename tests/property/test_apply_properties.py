"""Property tests of apply_lfs: outputs round-trip into the vote matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.apply import apply_lfs
from weaklabel.lf import labeling_function


@st.composite
def votes_and_classes(draw):
    k = draw(st.integers(2, 6))
    n = draw(st.integers(1, 40))
    m = draw(st.integers(1, 5))
    votes = draw(
        st.lists(
            st.lists(st.integers(-1, k - 1), min_size=n, max_size=n),
            min_size=m,
            max_size=m,
        )
    )
    as_name = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    vectorized = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    return k, n, np.array(votes).T, as_name, vectorized


def _lfs(V, classes, as_name, vectorized):
    lfs = []
    for j in range(V.shape[1]):
        column = V[:, j]
        outputs = [
            (None if v == -1 else classes[v]) if as_name[j] else int(v) for v in column
        ]
        if vectorized[j]:
            lf = labeling_function(name=f"lf{j}", vectorized=True)(
                # a Series indexed like the frame (Series align by label)
                lambda df, o=outputs: pd.Series(o, dtype=object)[
                    df.pos.to_numpy()
                ].set_axis(df.index)
            )
        else:
            lf = labeling_function(name=f"lf{j}")(lambda row, o=outputs: o[row.pos])
        lfs.append(lf)
    return lfs


@settings(max_examples=60, deadline=None)
@given(votes_and_classes())
def test_outputs_round_trip_into_the_vote_matrix(case):
    k, n, V, as_name, vectorized = case
    classes = [f"c{i}" for i in range(k)]
    df = pd.DataFrame({"pos": np.arange(n)}, index=np.arange(n) * 3 + 7)
    L = apply_lfs(_lfs(V, classes, as_name, vectorized), df, classes=classes)
    np.testing.assert_array_equal(L.to_numpy(), V)
    assert L.index.equals(df.index)
    assert list(L.columns) == [f"lf{j}" for j in range(V.shape[1])]


@settings(max_examples=40, deadline=None)
@given(votes_and_classes(), st.randoms(use_true_random=False))
def test_permuting_rows_permutes_the_vote_matrix(case, rnd):
    k, n, V, as_name, vectorized = case
    classes = [f"c{i}" for i in range(k)]
    df = pd.DataFrame({"pos": np.arange(n)})
    lfs = _lfs(V, classes, as_name, vectorized)
    perm = list(range(n))
    rnd.shuffle(perm)
    L = apply_lfs(lfs, df, classes=classes)
    L_perm = apply_lfs(lfs, df.iloc[perm], classes=classes)
    pd.testing.assert_frame_equal(L_perm, L.iloc[perm])
