"""The Dask engine on a real distributed.LocalCluster (2 worker processes).

One cluster for the module (it takes a few seconds to start): a worker killed
mid-apply loses and duplicates no rows, resources reach each worker once, and
``weaklabel label --engine dask --scheduler ADDRESS`` matches the pandas
engine.
"""

from __future__ import annotations

import logging
import os
import textwrap
from collections import Counter

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

from weaklabel.lf import LFRegistry  # noqa: E402
from weaklabel.scale import apply_dask, read_dask, write_votes_dask  # noqa: E402

TEXTS = [
    "check out http://spam.example",
    "love this song",
    "nice",
    "Subscribe to my channel",
    "I love it, http://x.io",
    "meh",
    "great video, really great",
    "CHECK my page",
]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: never fight over 8787
            silence_logs=logging.CRITICAL,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture
def data_dir(tmp_path):
    """4 Parquet files (no stored index) of 4 row groups of 25 rows."""
    df = pd.DataFrame({"text": TEXTS * 50})
    folder = tmp_path / "data"
    folder.mkdir()
    for i in range(4):
        df.iloc[i * 100 : (i + 1) * 100].to_parquet(
            folder / f"part{i}.parquet", index=False, row_group_size=25
        )
    return folder


class _CountedWords:
    """A resource that records, in a file, every process that unpickles it."""

    def __init__(self, log: str) -> None:
        self.log = log
        self.words = frozenset({"check", "subscribe"})

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        with open(self.log, "a") as fh:
            fh.write(f"{os.getpid()}\n")


def _registry(marker: str | None = None, log: str | None = None) -> LFRegistry:
    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        # The first time any worker meets this row, it dies on the spot.
        if marker is not None and row.text == "meh" and not os.path.exists(marker):
            with open(marker, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(1)
        return "spam" if "http" in row.text else None

    @lfs.labeling_function(vectorized=True)
    def short(df):
        return df.text.str.len().lt(12).map({True: "ham", False: None})

    if log is not None:

        @lfs.labeling_function(resources={"res": _CountedWords(log)})
        def spam_words(row, res):
            return "spam" if any(w in row.text.lower() for w in res.words) else None

    return lfs


def test_killed_worker_loses_and_duplicates_no_rows(client, data_dir, tmp_path):
    marker = tmp_path / "killed"
    lfs = _registry(marker=str(marker))
    ddf = read_dask(data_dir, partition_rows=25)
    out = write_votes_dask(apply_dask(lfs, ddf), tmp_path / "votes")
    assert marker.exists(), "the worker was not killed"
    killed_pid = int(marker.read_text())
    alive = set(client.run(os.getpid).values())
    assert killed_pid not in alive  # the nanny restarted a fresh process
    votes = pd.read_parquet(out)
    expected = lfs.apply(pd.read_parquet(data_dir))  # the marker is there: no kill
    assert votes.index.is_unique
    assert len(votes) == 400
    pd.testing.assert_frame_equal(votes, expected, check_flags=False)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files


def test_resources_reach_each_worker_once(client, data_dir, tmp_path):
    log = tmp_path / "unpickled.txt"
    lfs = _registry(log=str(log))
    ddf = read_dask(data_dir, partition_rows=25)
    assert ddf.npartitions == 16
    votes = apply_dask(lfs, ddf).compute()
    pd.testing.assert_frame_equal(
        votes, lfs.apply(pd.read_parquet(data_dir)), check_flags=False
    )
    workers = set(client.run(os.getpid).values())
    counts = Counter(int(line) for line in log.read_text().split())
    on_workers = {pid: n for pid, n in counts.items() if pid in workers}
    # Unpickled once per worker process (occasionally twice, when the key is
    # also copied between workers), never once per partition (16 here).
    assert on_workers
    assert all(n <= 2 for n in on_workers.values()), counts


def test_cli_label_engine_dask_matches_pandas(client, data_dir, tmp_path):
    from weaklabel.cli import main

    module = tmp_path / "my_lfs.py"
    module.write_text(
        textwrap.dedent(
            """
            from weaklabel import ABSTAIN
            from weaklabel.lf import LFRegistry

            lfs = LFRegistry(classes=["ham", "spam"])

            @lfs.labeling_function()
            def has_link(row):
                return "spam" if "http" in row.text else ABSTAIN

            @lfs.labeling_function()
            def love(row):
                return "ham" if "love" in row.text.lower() else ABSTAIN

            @lfs.labeling_function(vectorized=True)
            def short(df):
                return df.text.str.len().lt(12).map({True: "ham", False: None})
            """
        )
    )
    common = ["--lfs", str(module), "--seed", "0"]
    soft_dir = tmp_path / "soft"
    rc = main(
        [
            "label",
            *common,
            "--data",
            str(data_dir / "*.parquet"),
            "--out",
            str(soft_dir),
            "--engine",
            "dask",
            "--scheduler",
            client.scheduler.address,
        ]
    )
    assert rc == 0
    single = tmp_path / "soft.parquet"
    assert main(["label", *common, "--data", str(data_dir), "--out", str(single)]) == 0
    got, want = pd.read_parquet(soft_dir), pd.read_parquet(single)
    assert list(got.columns) == list(want.columns)
    assert len(list(soft_dir.glob("part.*.parquet"))) == 4
    pd.testing.assert_frame_equal(got, want, atol=1e-8)
    np.testing.assert_allclose(got.filter(like="proba_").sum(axis=1), 1.0)
