"""weaklabel.scale._pipeline: label_dask on the local schedulers and on its default LocalCluster."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from weaklabel.io import write_soft_labels  # noqa: E402
from weaklabel.label_model import DawidSkene, MajorityVote  # noqa: E402
from weaklabel.scale import (  # noqa: E402
    label_dask,
)


def test_label_dask_equals_pandas_engine(registry, tmp_path, frame):
    lfs = registry
    plain = frame.reset_index(drop=True)
    for i, start in enumerate(range(0, len(plain), 70)):
        plain.iloc[start : start + 70].to_parquet(tmp_path / f"data{i}.parquet")
    out = label_dask(
        lfs,
        str(tmp_path / "data*.parquet"),
        tmp_path / "soft",
        model=DawidSkene(random_state=0),
        scheduler="synchronous",
        progress=False,
    )
    assert out == tmp_path / "soft"
    assert sorted(p.name for p in out.iterdir())[:2] == [
        "_weaklabel.json",
        "part.00000.parquet",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    L = lfs.apply(plain)
    model = DawidSkene(random_state=0).fit(L)
    single = write_soft_labels(
        tmp_path / "single.parquet",
        model.predict_proba(L),
        classes=lfs.classes,
        index=plain.index,
    )
    got, want = pd.read_parquet(out), pd.read_parquet(single)
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(got, want, atol=1e-8)


def test_label_dask_rejects_a_file_and_bad_scheduler(registry, tmp_path, frame):
    frame.to_parquet(tmp_path / "d.parquet")
    (tmp_path / "soft.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="is a file"):
        label_dask(registry, tmp_path / "d.parquet", tmp_path / "soft.parquet")
    with pytest.raises(TypeError, match="scheduler must be"):
        label_dask(
            registry,
            tmp_path / "d.parquet",
            tmp_path / "soft",
            model=MajorityVote(),
            scheduler=3,
        )


@pytest.mark.slow
def test_label_dask_default_scheduler_starts_a_local_cluster(tmp_path, registry, frame):
    """``scheduler=None`` (the CLI's default): a LocalCluster sized to the machine,
    started and closed by label_dask, giving the same soft labels."""
    distributed = pytest.importorskip("distributed")
    plain = frame.reset_index(drop=True)
    plain.to_parquet(tmp_path / "data.parquet", row_group_size=50)
    seen = []

    class Spy(MajorityVote):
        def fit(self, L, y=None, *, sample_weight=None):
            client = distributed.get_client()  # the cluster label_dask started
            seen.append(len(client.scheduler_info(n_workers=-1)["workers"]))
            return super().fit(L, y, sample_weight=sample_weight)

    with dask.config.set(scheduler=None):
        out = label_dask(
            registry,
            tmp_path / "data.parquet",
            tmp_path / "soft",
            model=Spy(),
            progress=False,
        )
    assert seen == [os.cpu_count() or 1]  # one worker process per CPU
    L = registry.apply(plain)
    expected = MajorityVote().fit(L).predict_proba(L)
    np.testing.assert_array_equal(
        pd.read_parquet(out)[["proba_ham", "proba_spam"]].to_numpy(), expected
    )
