"""weaklabel.scale._io: vote and soft-label folders (atomic, never deleting what weaklabel did not write) and reading inputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from weaklabel.scale import (  # noqa: E402
    apply_dask,
    read_dask,
    read_votes_dask,
    write_votes_dask,
)


def test_write_votes_dask_folder(registry, tmp_path, frame):
    lfs = registry
    ddf = dd.from_pandas(frame, npartitions=3)
    out = write_votes_dask(
        apply_dask(lfs, ddf), tmp_path / "votes", classes=lfs.classes
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == ["_weaklabel.json"] + [f"part.{i:05d}.parquet" for i in range(3)]
    marker = json.loads((out / "_weaklabel.json").read_text())
    assert marker["files"] == names[1:]
    assert marker["kind"] == "votes"
    expected = lfs.apply(frame)
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected, check_flags=False)
    back = read_votes_dask(out).compute()
    pd.testing.assert_frame_equal(back, expected, check_flags=False)
    assert [p.name for p in tmp_path.iterdir()] == ["votes"]  # no temporary left


def test_write_votes_dask_replaces_its_own_output_whole(registry, tmp_path, frame):
    lfs = registry
    folder = tmp_path / "votes"
    write_votes_dask(apply_dask(lfs, dd.from_pandas(frame, npartitions=5)), folder)
    # a temporary folder of an earlier version's killed run is swept too
    stale = tmp_path / ".votes.0123456789abcdef.tmp"
    stale.write_bytes(b"partial")
    write_votes_dask(apply_dask(lfs, dd.from_pandas(frame, npartitions=2)), folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "_weaklabel.json",
        "part.00000.parquet",
        "part.00001.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["votes"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder, columns=lfs.names), lfs.apply(frame), check_flags=False
    )


def test_write_votes_dask_never_deletes_files_it_did_not_write(
    registry, tmp_path, frame
):
    lfs = registry
    votes = apply_dask(lfs, dd.from_pandas(frame, npartitions=2))
    # a Parquet dataset of someone else's (e.g. the input data)
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        frame.iloc[i::3].to_parquet(data / f"part.{i}.parquet")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    with pytest.raises(FileExistsError, match=r"did not write.*--overwrite"):
        write_votes_dask(votes, data)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    # a file added to an earlier output of ours is not deleted either
    ours = write_votes_dask(votes, tmp_path / "ours")
    (ours / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"notes\.txt"):
        write_votes_dask(votes, ours)
    assert (ours / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "ours"]
    # overwrite=True replaces the folder and everything in it
    write_votes_dask(votes, data, overwrite=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(data), lfs.apply(frame), check_flags=False
    )


def test_write_votes_dask_failure_keeps_the_old_folder(registry, tmp_path, frame):
    lfs = registry
    folder = write_votes_dask(
        apply_dask(lfs, dd.from_pandas(frame, npartitions=3)), tmp_path / "votes"
    )
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def fails_late(part):
        if part.index[0] > 300:  # the last partition, after the others are written
            raise RuntimeError("boom")
        return part

    votes = apply_dask(lfs, dd.from_pandas(frame, npartitions=3))
    broken = votes.map_partitions(fails_late, meta=votes._meta)
    with pytest.raises(RuntimeError, match="boom"):
        write_votes_dask(broken, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["votes"]


def test_write_votes_dask_refuses_a_file(registry, tmp_path, frame):
    target = tmp_path / "votes.parquet"
    target.write_bytes(b"x")
    votes = apply_dask(registry, dd.from_pandas(frame, npartitions=2))
    with pytest.raises(NotADirectoryError, match="is a file"):
        write_votes_dask(votes, target)
    assert target.read_bytes() == b"x"


def test_read_dask_numbers_rows_like_pandas(tmp_path, frame):
    plain = frame.reset_index(drop=True)
    plain.iloc[:150].to_csv(tmp_path / "a.csv", index=False)
    plain.iloc[150:].to_csv(tmp_path / "b.csv", index=False)
    ddf = read_dask(str(tmp_path / "*.csv"))
    assert ddf.npartitions == 2
    assert ddf.divisions == (0, 150, 199)
    pd.testing.assert_frame_equal(ddf.compute(), plain)


def test_read_dask_parquet_row_groups_and_index(tmp_path, frame):
    plain = frame.reset_index(drop=True)
    plain.to_parquet(tmp_path / "plain.parquet", row_group_size=30)
    ddf = read_dask(tmp_path / "plain.parquet", partition_rows=60)
    assert ddf.npartitions == 4  # 7 row groups of 30, two by two
    pd.testing.assert_frame_equal(
        ddf.compute(), pd.read_parquet(tmp_path / "plain.parquet")
    )

    keyed = frame.copy()
    keyed.index = pd.Index([f"id{i}" for i in range(len(frame))], name="key")
    folder = tmp_path / "keyed"
    folder.mkdir()
    keyed.iloc[:100].to_parquet(folder / "0.parquet")
    keyed.iloc[100:].to_parquet(folder / "1.parquet")
    pd.testing.assert_frame_equal(read_dask(folder).compute(), keyed)


def test_read_dask_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No data files"):
        read_dask(str(tmp_path / "*.parquet"))
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="suffix"):
        read_dask(tmp_path / "a.txt")
