"""Partitioned files: reading inputs, and vote / soft-label folders (one file per partition)."""

from __future__ import annotations

import glob
import itertools
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weaklabel._files import atomic_folder, no_sweep
from weaklabel.io import read_table, table_format
from weaklabel.scale._cluster import (
    DaskDataFrame,
    check_ddf,
    compute,
    dask_dataframe,
    pandas_strings,
)

__all__ = ["read_dask", "read_votes_dask", "write_soft_labels_dask", "write_votes_dask"]


_PART_RE = re.compile(r"^part\.(\d+)\.parquet$")


_PARTITION_ROWS = 1_000_000
"""Target rows per partition when reading files (a few hundred MB of text)."""


def _part_name(i: int, width: int) -> str:
    return f"part.{i:0{width}d}.parquet"


def _width(npartitions: int) -> int:
    return max(5, len(str(max(npartitions - 1, 0))))


def _write_partition(
    part: pd.DataFrame,
    folder: str,
    width: int,
    classes: list[str] | None,
    kind: str,
    partition_info: Any = None,
) -> pd.Series:
    """Write one partition as ``part.N.parquet``: votes or soft labels (``kind``)."""
    from weaklabel.io import write_soft_labels, write_votes

    i = int(partition_info["number"])
    target = Path(folder) / _part_name(i, width)
    # The folder is a fresh temporary one of this run: nothing stale to sweep.
    # Each file is still written atomically, so that a retried task (after a
    # worker was lost) never leaves a partial file.
    with no_sweep():
        if not len(part):
            pass  # an empty partition has no file
        elif kind == "votes":
            write_votes(target, part, classes=classes)
        else:
            proba = part.to_numpy(dtype=np.float64)
            write_soft_labels(target, proba, classes=classes, index=part.index)
    return pd.Series([len(part)], index=[i], dtype=np.int64)


def write_partitions(
    ddf: DaskDataFrame,
    folder: Path,
    classes: Sequence[str] | None,
    kind: str,
    progress: bool,
) -> None:
    """Compute ``ddf`` and write partition ``i`` to ``folder/part.{i:05d}.parquet``."""
    folder.mkdir(exist_ok=True)
    written = ddf.map_partitions(
        _write_partition,
        str(folder),
        _width(ddf.npartitions),
        None if classes is None else [str(c) for c in classes],
        kind,
        partition_info=True,
        meta=pd.Series(dtype=np.int64),
        enforce_metadata=False,
    )
    compute(written, progress=progress)


def _write_folder(
    ddf: DaskDataFrame,
    name: str,
    path: str | os.PathLike[str],
    classes: Sequence[str] | None,
    kind: str,
    progress: bool,
    overwrite: bool,
) -> Path:
    """Write every partition of ``ddf`` to the folder ``path``, atomically; return it."""
    check_ddf(ddf, name)
    info = {"kind": kind, "partitions": int(ddf.npartitions)}
    with atomic_folder(path, overwrite=overwrite, info=info) as tmp:
        write_partitions(ddf, tmp, classes, kind, progress)
    return Path(path)


def write_votes_dask(
    votes: DaskDataFrame,
    path: str | os.PathLike[str],
    *,
    classes: Sequence[str] | None = None,
    progress: bool = False,
    overwrite: bool = False,
) -> Path:
    """Compute a Dask vote matrix and write it as a Parquet dataset folder.

    Partition ``i`` goes to ``path/part.{i:05d}.parquet`` (index kept) by
    :func:`weaklabel.io.write_votes` (empty partitions write no file).  The
    folder is written as a whole to a hidden temporary folder beside ``path``
    and swapped in when every partition is written (with a
    ``_weaklabel.json`` marker listing the files), so an interrupted run
    leaves the earlier output complete, never a mix of two runs.
    ``pd.read_parquet(path)`` (or :func:`read_votes_dask`) reads it back in
    partition order.

    Parameters
    ----------
    votes : dask.dataframe.DataFrame
        From :func:`apply_dask`.
    path : str or path-like
        The folder (created if needed).
    classes : sequence of str, default=None
        Class names, stored in every file's metadata (e.g. ``lfs.classes``).
    progress : bool, default=False
        Show Dask's progress bar (on stderr).
    overwrite : bool, default=False
        Replace an existing non-empty folder at ``path`` that weaklabel did
        not write (or that holds files it did not write), with everything in
        it.  Without it such a folder is refused; an earlier output of
        weaklabel is replaced.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    FileExistsError
        ``path`` is a non-empty folder that weaklabel did not write.
    NotADirectoryError
        ``path`` is a file.
    """
    return _write_folder(votes, "votes", path, classes, "votes", progress, overwrite)


def _read_votes_file(path: str) -> pd.DataFrame:
    from weaklabel.io import read_votes

    return read_votes(path)


def _part_files(folder: Path) -> list[str]:
    if not folder.is_dir():
        raise FileNotFoundError(f"Folder {str(folder)!r} does not exist.")
    files = sorted(p for p in folder.iterdir() if _PART_RE.match(p.name))
    if not files:
        raise ValueError(
            f"Folder {str(folder)!r} has no part.N.parquet files; write it with"
            " write_votes_dask first."
        )
    return [str(p) for p in files]


def read_votes_dask(path: str | os.PathLike[str]) -> DaskDataFrame:
    """Read a vote folder written by :func:`write_votes_dask` (one partition per file).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dask.dataframe.DataFrame
    """
    dd = dask_dataframe()
    files = _part_files(Path(path))
    import pyarrow.parquet as pq

    meta = pq.read_schema(files[0]).empty_table().to_pandas()
    return dd.from_map(_read_votes_file, files, meta=meta, enforce_metadata=False)


def write_soft_labels_dask(
    proba: DaskDataFrame,
    path: str | os.PathLike[str],
    *,
    classes: Sequence[str],
    progress: bool = False,
    overwrite: bool = False,
) -> Path:
    """Compute soft labels and write them as a Parquet dataset folder.

    Each partition is one file written by :func:`weaklabel.io.write_soft_labels`,
    named ``part.{i:05d}.parquet``; ``pd.read_parquet(path)`` returns the rows
    in partition order with the columns of the pandas engine's single
    soft-label file.  The folder is swapped in whole, as in
    :func:`write_votes_dask`.

    Parameters
    ----------
    proba : dask.dataframe.DataFrame
        From :func:`predict_dask`.
    path : str or path-like
        The folder (created if needed).
    classes : sequence of str
        Class names.
    progress : bool, default=False
        Show Dask's progress bar (on stderr).
    overwrite : bool, default=False
        As in :func:`write_votes_dask`.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    FileExistsError
        ``path`` is a non-empty folder that weaklabel did not write.
    NotADirectoryError
        ``path`` is a file.
    """
    return _write_folder(proba, "proba", path, classes, "soft", progress, overwrite)


def _expand(
    data: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> list[str]:
    if isinstance(data, (str, os.PathLike)):
        text = os.fspath(data)
        if os.path.isdir(text):
            files = sorted(
                str(p)
                for p in Path(text).iterdir()
                if p.is_file() and not p.name.startswith((".", "_"))
            )
        elif glob.has_magic(text):
            files = sorted(glob.glob(text))
        else:
            files = [text] if os.path.exists(text) else []
    else:
        files = [os.fspath(p) for p in data]
    if not files:
        raise FileNotFoundError(f"No data files match {os.fspath(data)!r}.")  # type: ignore[arg-type]
    return files


def _format_of(path: str) -> str:
    return table_format(path)  # the one suffix table, in weaklabel.io


def _stored_index(path: str) -> bool:
    """Whether a Parquet file stores its pandas index as a column."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).pandas_metadata or {}
    return any(isinstance(c, str) for c in meta.get("index_columns", []))


def _read_parquet_piece(
    piece: tuple[str, tuple[int, ...], int, bool],
) -> pd.DataFrame:
    import pyarrow.parquet as pq

    path, groups, offset, keep_index = piece
    table = pq.ParquetFile(path).read_row_groups(list(groups))
    df: pd.DataFrame = table.to_pandas()
    if not keep_index:
        df.index = pd.RangeIndex(offset, offset + len(df))
    return df


def _read_text_piece(piece: tuple[str, str, int]) -> pd.DataFrame:
    path, _, offset = piece
    df = read_table(path)  # as the pandas engine reads it (text kept as written)
    df.index = pd.RangeIndex(offset, offset + len(df))
    return df


def _count_rows(piece: tuple[str, str, int]) -> pd.Series:
    df = _read_text_piece(piece)
    return pd.Series([len(df)], dtype=np.int64)


def read_dask(
    data: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    partition_rows: int = _PARTITION_ROWS,
) -> DaskDataFrame:
    """Read Parquet, CSV or JSON Lines files into a Dask DataFrame.

    Rows get the index the pandas engine would give them: a Parquet file that
    stores its pandas index as a column keeps it; otherwise rows are numbered
    0, 1, ... across the files in sorted order (what
    ``pd.concat([read(f) for f in files], ignore_index=True)`` gives, and
    ``pd.read_csv(file).index`` for one file), with known divisions.

    Parameters
    ----------
    data : str, path or list of paths
        A glob (``'events/*.parquet'``), a folder (its files, sorted), a file,
        or a list of files; all of one format, told by suffix.
    partition_rows : int, default=1_000_000
        Target rows per partition for Parquet (whole row groups are
        combined; a file is never split inside a row group).  CSV and JSON
        Lines files are one partition each (rows may contain quoted
        newlines, so a file is not split at byte offsets).

    Returns
    -------
    dask.dataframe.DataFrame
    """
    dd = dask_dataframe()
    files = _expand(data)
    formats = {_format_of(f) for f in files}
    if len(formats) != 1:
        raise ValueError(
            f"Data files must all have one format; got {sorted(formats)} in"
            f" {files[:5]}."
        )
    fmt = formats.pop()
    if fmt != "parquet":
        pieces = [(f, fmt, 0) for f in files]
        counted = dd.from_map(_count_rows, pieces, meta=pd.Series(dtype=np.int64))
        lengths = compute(counted, progress=False).tolist()
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(int).tolist()
        pieces = [(f, fmt, offsets[i]) for i, f in enumerate(files)]
        with pandas_strings():
            return dd.from_map(_read_text_piece, pieces, divisions=_divisions(offsets))
    import pyarrow.parquet as pq

    keep_index = _stored_index(files[0])
    pq_pieces: list[tuple[str, tuple[int, ...], int, bool]] = []
    offsets = [0]
    for f in files:
        meta = pq.ParquetFile(f).metadata
        group: list[int] = []
        rows = 0
        for g in range(meta.num_row_groups):
            group.append(g)
            rows += meta.row_group(g).num_rows
            if rows >= partition_rows or g == meta.num_row_groups - 1:
                pq_pieces.append((f, tuple(group), offsets[-1], keep_index))
                offsets.append(offsets[-1] + rows)
                group, rows = [], 0
    divisions = None if keep_index else _divisions(offsets)
    meta = pq.read_schema(files[0]).empty_table().to_pandas()
    if not keep_index:
        meta.index = pd.RangeIndex(0)
    with pandas_strings():
        return dd.from_map(
            _read_parquet_piece, pq_pieces, divisions=divisions, meta=meta
        )


def _divisions(offsets: Sequence[int]) -> tuple[int, ...] | None:
    """Index divisions of partitions numbered by ``offsets`` (None if any is empty)."""
    if any(b <= a for a, b in itertools.pairwise(offsets)):
        return None
    return (*offsets[:-1], offsets[-1] - 1)
