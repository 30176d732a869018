"""Property: the three appliers give the same votes, bit for bit.

Serial pandas (``lfs.apply(df)``), process-parallel (``n_jobs=2``, loky) and
Dask (``apply_dask`` over any partitioning) must agree on every value, the
dtype, the column names and the index, for any text (unicode, empty,
punctuation), any index and any number of partitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")

from weaklabel.lf import LFRegistry  # noqa: E402
from weaklabel.scale import apply_dask  # noqa: E402


def _registry() -> LFRegistry:
    lfs = LFRegistry(classes=["neg", "neu", "pos"])

    @lfs.labeling_function()
    def has_digit(row):
        return "pos" if any(c.isdigit() for c in row.text) else None

    @lfs.labeling_function(vectorized=True)
    def short(df):
        return df.text.str.len().lt(4).map({True: "neu", False: None})

    @lfs.labeling_function(resources={"bad": frozenset("xyz")})
    def bad_letters(row, bad):
        return "neg" if bad & set(row.text.lower()) else -1

    @lfs.labeling_function(vectorized=True)
    def parity(df):
        return np.where(df.n % 2 == 0, 0, 2)

    return lfs


frames = st.integers(1, 40).flatmap(
    lambda n: st.builds(
        lambda texts, nums, index: pd.DataFrame(
            {"text": texts, "n": nums}, index=pd.Index(index, name="row")
        ),
        st.lists(st.text(max_size=8), min_size=n, max_size=n),
        st.lists(st.integers(-1000, 1000), min_size=n, max_size=n),
        st.lists(st.integers(-(10**6), 10**6), min_size=n, max_size=n, unique=True),
    )
)


@settings(max_examples=25)
@given(df=frames, npartitions=st.integers(1, 5), n_jobs=st.sampled_from([1, 2]))
def test_serial_n_jobs_and_dask_votes_are_identical(df, npartitions, n_jobs):
    lfs = _registry()
    serial = lfs.apply(df)
    parallel = lfs.apply(df, n_jobs=2) if n_jobs == 2 else serial
    dask = apply_dask(lfs, dd.from_pandas(df, npartitions=npartitions, sort=False))
    distributed = dask.compute(scheduler="synchronous")
    for other in (parallel, distributed):
        assert list(other.columns) == list(serial.columns)
        assert list(other.dtypes) == list(serial.dtypes)
        assert other.index.equals(serial.index)
        assert other.to_numpy().tobytes() == serial.to_numpy().tobytes()
