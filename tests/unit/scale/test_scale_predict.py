"""weaklabel.scale._predict: predict_dask and its soft-label folder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from weaklabel.io import read_soft_labels, write_soft_labels  # noqa: E402
from weaklabel.label_model import DawidSkene  # noqa: E402
from weaklabel.scale import (  # noqa: E402
    predict_dask,
    write_soft_labels_dask,
)


def test_predict_and_soft_label_folder_match_pandas(make_votes_frame, tmp_path):
    L = make_votes_frame()
    model = DawidSkene(random_state=0).fit(L)
    ddf = dd.from_pandas(L, npartitions=4)
    proba = predict_dask(model, ddf, classes=["neg", "pos"])
    assert list(proba.columns) == ["proba_neg", "proba_pos"]
    np.testing.assert_array_equal(proba.compute().to_numpy(), model.predict_proba(L))

    folder = write_soft_labels_dask(proba, tmp_path / "soft", classes=["neg", "pos"])
    single = write_soft_labels(
        tmp_path / "soft.parquet",
        model.predict_proba(L),
        classes=["neg", "pos"],
        index=L.index,
    )
    pd.testing.assert_frame_equal(pd.read_parquet(folder), pd.read_parquet(single))
    pd.testing.assert_frame_equal(
        read_soft_labels(folder / "part.00002.parquet"),
        read_soft_labels(single).iloc[2000:3000],
    )
