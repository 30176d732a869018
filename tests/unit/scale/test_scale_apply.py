"""weaklabel.scale._apply: apply_dask equals the pandas applier."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from weaklabel.lf import LFRegistry  # noqa: E402
from weaklabel.scale import (  # noqa: E402
    apply_dask,
)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_apply_dask_equals_pandas(registry, frame, npartitions):
    lfs = registry
    votes = apply_dask(lfs, dd.from_pandas(frame, npartitions=npartitions))
    assert list(votes.columns) == lfs.names
    assert (votes.dtypes == np.int8).all()
    result = votes.compute()
    pd.testing.assert_frame_equal(result, lfs.apply(frame), check_flags=False)


def test_apply_dask_threads_and_empty_partitions(registry, frame):
    lfs = registry
    ddf = dd.from_pandas(frame, npartitions=4)
    ddf = ddf[ddf.text.str.len() > 0]  # keeps all rows
    ddf = ddf.map_partitions(lambda p: p.iloc[:0] if p.index[0] == 7 else p)
    expected = lfs.apply(frame.iloc[len(frame) // 4 :])
    result = apply_dask(lfs, ddf).compute(scheduler="threads")
    pd.testing.assert_frame_equal(result, expected)


def test_apply_dask_errors(registry, frame):
    lfs = registry
    with pytest.raises(TypeError, match=r"dask.dataframe.DataFrame.*lfs.apply"):
        apply_dask(lfs, frame)
    with pytest.raises(TypeError, match="LFRegistry"):
        apply_dask(list(lfs), dd.from_pandas(frame, npartitions=2))
    with pytest.raises(ValueError, match="registry is empty"):
        apply_dask(LFRegistry(classes=["a", "b"]), dd.from_pandas(frame, npartitions=2))
    with pytest.raises(ValueError, match="'on_error'"):
        apply_dask(lfs, dd.from_pandas(frame, npartitions=2), on_error="skip")


def test_apply_dask_lf_error_names_the_lf(frame):
    from weaklabel.exceptions import LabelingFunctionError

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def fragile(row):
        if row.text == "meh":
            raise KeyError("boom")
        return None

    with pytest.raises(LabelingFunctionError, match="fragile"):
        apply_dask(lfs, dd.from_pandas(frame, npartitions=3)).compute()


def test_apply_dask_on_error_abstain_warns_per_partition(frame):
    from weaklabel.exceptions import WeakLabelWarning

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def fragile(row):
        if row.text == "meh":
            raise KeyError("boom")
        return "ham"

    with pytest.warns(WeakLabelWarning, match="fragile") as record:
        votes = apply_dask(
            lfs, dd.from_pandas(frame, npartitions=3), on_error="abstain"
        ).compute()
    assert len(record) == 3  # one warning per partition
    with pytest.warns(WeakLabelWarning, match="fragile"):
        expected = lfs.apply(frame, on_error="abstain")
    pd.testing.assert_frame_equal(votes, expected, check_flags=False)
    assert (votes.fragile == -1).sum() == 25
