"""Scale out with Dask: apply LFs, fit and predict partition by partition.

Everything here runs on any Dask scheduler — the local threads/processes
schedulers, a :class:`distributed.LocalCluster`, or a real cluster (whose
workers must see the same file system paths) — and needs the ``dask`` extra
(``pip install 'weaklabel[dask]'``).

The pipeline, one pass over the data per step:

1. :func:`apply_dask` maps :meth:`LFRegistry.apply <weaklabel.lf.LFRegistry.apply>`
   over the partitions of a ``dask.dataframe.DataFrame``: the votes of every
   partition are exactly those of the pandas applier on the same rows (a
   vectorized LF sees one partition at a time, so an LF whose output for a
   row depends on *other* rows — a rank, a frequency — must not be used).
   The registry (with its ``resources=``) is put in the task graph once, as
   a single key that every partition's task depends on: each worker
   deserialises it once, not once per partition or row.
2. :func:`write_votes_dask` writes the votes as a Parquet dataset, one file
   per partition, each written to a temporary name and renamed, so a worker
   killed mid-write leaves no partial file and Dask's retry writes the same
   file again; a re-run after an interruption yields the same folder.
3. :func:`fit_dask` reduces the votes to their distinct *patterns* with
   counts — each partition packs its rows into integer keys and counts them,
   and the tables are merged by a tree of groupby-sums — and fits the label
   model on that (small) table with ``sample_weight=counts``: the same
   sufficient statistics as fitting on all rows.  An
   :class:`~weaklabel.label_model.OnlineLabelModel` is instead fed one
   partition's pattern table at a time through ``partial_fit``, for data
   whose distinct patterns are too many for memory.
4. :func:`predict_dask` maps ``predict_proba`` over the partitions and
   :func:`write_soft_labels_dask` writes one soft-label file per partition,
   in the format of :func:`weaklabel.io.write_soft_labels`, so that
   ``pd.read_parquet(folder)`` returns the same columns and values as the
   pandas engine's single file.

:func:`label_dask` runs all of it from files (``weaklabel label --engine
dask``).  See ``docs/scale.md`` for the memory each path needs.
"""

from __future__ import annotations

import contextlib
import glob
import importlib
import inspect
import itertools
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel._files import atomic_folder, no_sweep
from weaklabel.lf import LFRegistry
from weaklabel.typing import ABSTAIN, vote_dtype

DaskDataFrame: TypeAlias = Any
"""A ``dask.dataframe.DataFrame`` (Dask ships no type information)."""

__all__ = [
    "apply_dask",
    "fit_dask",
    "label_dask",
    "predict_dask",
    "read_dask",
    "read_votes_dask",
    "vote_patterns_dask",
    "write_soft_labels_dask",
    "write_votes_dask",
]

_PART_RE = re.compile(r"^part\.(\d+)\.parquet$")
_LOCAL_SCHEDULERS = frozenset(
    {"synchronous", "sync", "single-threaded", "threads", "threading", "processes"}
)
_PARTITION_ROWS = 1_000_000
"""Target rows per partition when reading files (a few hundred MB of text)."""


def _module(name: str) -> Any:
    """Import a module of the ``dask`` extra (untyped, so typed as Any)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ImportError(
            "weaklabel.scale requires Dask: pip install 'weaklabel[dask]'"
        ) from exc


def _dask() -> Any:
    return _module("dask.dataframe")


def _check_ddf(ddf: Any, name: str) -> None:
    dd = _dask()
    if not isinstance(ddf, dd.DataFrame):
        hint = (
            " For a pandas DataFrame use the pandas path (lfs.apply(df), model.fit(L))."
            if isinstance(ddf, pd.DataFrame)
            else ""
        )
        raise TypeError(
            f"{name} must be a dask.dataframe.DataFrame; got {type(ddf).__name__}.{hint}"
        )


def _ship(obj: Any) -> Any:
    """Wrap ``obj`` as one key of the task graph (shipped once per worker)."""
    delayed = _module("dask").delayed
    return delayed(obj, name=f"weaklabel-{type(obj).__name__}-{uuid.uuid4().hex}")


def _pickle_lf_modules_by_value(lfs: LFRegistry) -> None:
    """Let workers unpickle LFs from modules they cannot import by name.

    The CLI imports an LF module from a file under a made-up module name;
    cloudpickle would send its functions by reference, and a worker process
    could not import them.  Such modules are registered to be pickled by
    value (other modules are left alone).
    """
    import cloudpickle

    from weaklabel.apply import _by_value_modules

    registered = set(cloudpickle.list_registry_pickle_by_value())
    for module in _by_value_modules(list(lfs)):
        if module.__name__ not in registered:
            cloudpickle.register_pickle_by_value(module)


# ------------------------------------------------------------------ applying


def _votes_meta(
    names: Sequence[str], cardinality: int, index: pd.Index
) -> pd.DataFrame:
    dtype = vote_dtype(cardinality)
    return pd.DataFrame(
        {name: np.empty(0, dtype=dtype) for name in names}, index=index[:0]
    )


def _apply_partition(
    part: pd.DataFrame, lfs: LFRegistry, on_error: str
) -> pd.DataFrame:
    if len(part) == 0:
        return _votes_meta(lfs.names, lfs.cardinality, part.index)
    votes = lfs.apply(part, on_error=on_error)  # type: ignore[arg-type]
    votes.attrs.clear()  # Dask does not carry attrs; keep partitions alike
    return votes


def apply_dask(
    lfs: LFRegistry,
    ddf: DaskDataFrame,
    *,
    on_error: Literal["raise", "abstain"] = "raise",
) -> DaskDataFrame:
    """Apply the LFs of a registry to a Dask DataFrame, partition by partition.

    Parameters
    ----------
    lfs : LFRegistry
        The labeling functions (and class names).
    ddf : dask.dataframe.DataFrame
        The rows; each partition must fit in a worker's memory.
    on_error : {"raise", "abstain"}, default="raise"
        As in :func:`weaklabel.apply.apply_lfs`.  With ``"abstain"`` the
        warning with the failure counts is issued per partition, where the
        partition is processed (a worker's log on a distributed cluster).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy vote matrix: one ``vote_dtype(k)`` (int8) column per LF, named
        after it, with ``ddf``'s index and partitions; values identical to
        ``lfs.apply(ddf.compute())``.

    Raises
    ------
    LabelingFunctionError
        When computed, as the pandas applier raises it.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> lfs = LFRegistry(classes=["ham", "spam"])
    >>> @lfs.labeling_function()
    ... def has_link(row):
    ...     return "spam" if "http" in row.text else None
    >>> df = pd.DataFrame({"text": ["http://a.b", "hi", "x http", "ok"]})
    >>> votes = apply_dask(lfs, dd.from_pandas(df, npartitions=2))
    >>> votes.compute(scheduler="synchronous").has_link.tolist()
    [1, -1, 1, -1]
    """
    _check_ddf(ddf, "ddf")
    if not isinstance(lfs, LFRegistry):
        raise TypeError(
            f"lfs must be an LFRegistry; got {type(lfs).__name__}. Register the LFs"
            " on an LFRegistry(classes=[...])."
        )
    if len(lfs) == 0:
        raise ValueError(
            "No labeling functions to apply: the registry is empty. Register LFs"
            " with @registry.labeling_function() first."
        )
    if on_error not in ("raise", "abstain"):
        raise ValueError(
            "The 'on_error' parameter of apply_dask must be 'raise' or 'abstain'."
            f" Got {on_error!r} instead."
        )
    _pickle_lf_modules_by_value(lfs)
    meta = _votes_meta(lfs.names, lfs.cardinality, ddf._meta.index)
    return ddf.map_partitions(_apply_partition, _ship(lfs), on_error, meta=meta)


# ------------------------------------------------------------ writing folders


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


def _write_partitions(
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
    _compute(written, progress=progress)


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
    _check_ddf(ddf, name)
    info = {"kind": kind, "partitions": int(ddf.npartitions)}
    with atomic_folder(path, overwrite=overwrite, info=info) as tmp:
        _write_partitions(ddf, tmp, classes, kind, progress)
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
    dd = _dask()
    files = _part_files(Path(path))
    import pyarrow.parquet as pq

    meta = pq.read_schema(files[0]).empty_table().to_pandas()
    return dd.from_map(_read_votes_file, files, meta=meta, enforce_metadata=False)


# ------------------------------------------------------------------- fitting


def _n_bits(cardinality: int) -> int:
    return int(cardinality).bit_length()  # vote + 1 lies in 0..k


def _pack(L: npt.NDArray[np.integer], cardinality: int) -> npt.NDArray[np.uint64]:
    """Pack each row of votes into ``ceil(m / per_word)`` uint64 keys, exactly.

    ``vote + 1`` (0..k) takes ``bit_length(k)`` bits: 2 bits for binary
    tasks, so up to 32 LFs in one 64-bit key.
    """
    n, m = L.shape
    bits = _n_bits(cardinality)
    per = 64 // bits
    keys = np.zeros((n, -(-m // per)), dtype=np.uint64)
    for j in range(m):  # loop over LFs, not rows
        shifted = (L[:, j].astype(np.int64) + 1).astype(np.uint64)
        keys[:, j // per] |= shifted << np.uint64(bits * (j % per))
    return keys


def _unpack(
    keys: npt.NDArray[np.uint64], n_lfs: int, cardinality: int
) -> npt.NDArray[np.signedinteger]:
    bits = _n_bits(cardinality)
    per = 64 // bits
    mask = np.uint64((1 << bits) - 1)
    out = np.empty((keys.shape[0], n_lfs), dtype=vote_dtype(cardinality))
    for j in range(n_lfs):
        word = keys[:, j // per] >> np.uint64(bits * (j % per))
        out[:, j] = (word & mask).astype(np.int64) - 1
    return out


def _key_columns(n_lfs: int, cardinality: int) -> list[str]:
    per = 64 // _n_bits(cardinality)
    return [f"key{i}" for i in range(-(-n_lfs // per))]


def _patterns_meta(keys: Sequence[str]) -> pd.DataFrame:
    cols: dict[str, Any] = {c: np.empty(0, dtype=np.uint64) for c in keys}
    cols["count"] = np.empty(0, dtype=np.int64)
    return pd.DataFrame(cols)


def _partition_patterns(part: pd.DataFrame, cardinality: int) -> pd.DataFrame:
    """Distinct packed vote patterns of one partition, with their counts."""
    keys = _key_columns(part.shape[1], cardinality)
    if len(part) == 0:
        return _patterns_meta(keys)
    L = part.to_numpy()
    if not np.issubdtype(L.dtype, np.integer):
        raise TypeError(
            f"Votes must be integers; got {L.dtype} in a partition. Use the output"
            " of apply_dask or cast the columns to int8."
        )
    lo, hi = int(L.min()), int(L.max())
    if lo < ABSTAIN or hi >= cardinality:
        raise ValueError(
            f"A partition of the votes contains {lo if lo < ABSTAIN else hi};"
            f" expected integers in {{-1 (ABSTAIN), 0, ..., {cardinality - 1}}}."
            " Check cardinality or the LF outputs."
        )
    packed = _pack(L, cardinality)
    if packed.shape[1] == 1:
        uniq, counts = np.unique(packed[:, 0], return_counts=True)
        return pd.DataFrame({keys[0]: uniq, "count": counts.astype(np.int64)})
    table = pd.DataFrame(packed, columns=keys)
    vc = table.value_counts(sort=False)
    out = vc.index.to_frame(index=False)
    out["count"] = vc.to_numpy(dtype=np.int64)
    return out


def _pattern_tables(votes: DaskDataFrame, cardinality: int) -> DaskDataFrame:
    """Lazy per-partition tables of packed vote patterns with their counts."""
    keys = _key_columns(len(votes.columns), cardinality)
    return votes.map_partitions(
        _partition_patterns, cardinality, meta=_patterns_meta(keys)
    )


def _patterns_frame(
    packed: npt.NDArray[np.uint64],
    names: list[str],
    cardinality: int,
    classes: Sequence[str] | None,
) -> pd.DataFrame:
    """Unpacked patterns as a vote DataFrame (LF names; class names in attrs)."""
    frame = pd.DataFrame(_unpack(packed, len(names), cardinality), columns=names)
    if classes is not None:
        frame.attrs["classes"] = [str(c) for c in classes]
    return frame


def _cardinality_of(model: Any, votes: DaskDataFrame, classes: Any) -> int:
    if classes is not None:
        return len(classes)
    k = getattr(model, "cardinality", None)
    if k is not None:
        return int(k)
    hi = int(_compute(votes.max().max(), progress=False))
    return max(2, hi + 1)


def vote_patterns_dask(
    votes: DaskDataFrame, *, cardinality: int, progress: bool = False
) -> tuple[pd.DataFrame, npt.NDArray[np.float64]]:
    """Reduce a Dask vote matrix to its distinct vote patterns and their counts.

    Each partition packs its rows into exact integer keys (``vote + 1`` in
    ``bit_length(k)`` bits) and counts the distinct keys; the per-partition
    tables are merged by Dask's tree reduction of a groupby-sum on the keys.

    Parameters
    ----------
    votes : dask.dataframe.DataFrame
        Integer votes, -1 = abstain.
    cardinality : int
        Number of classes k.
    progress : bool, default=False
        Show Dask's progress bar (on stderr).

    Returns
    -------
    patterns : DataFrame of shape (n_patterns, n_lfs)
        The distinct rows (columns = LF names, dtype ``vote_dtype(k)``), in a
        canonical order (sorted by key) that does not depend on partitioning.
    counts : ndarray of shape (n_patterns,), dtype float64
        How many rows have each pattern.
    """
    _check_ddf(votes, "votes")
    names = [str(c) for c in votes.columns]
    keys = _key_columns(len(names), cardinality)
    merged = _pattern_tables(votes, cardinality).groupby(keys, sort=False)
    table = _compute(merged.sum(split_out=1), progress=progress).reset_index()
    order = np.lexsort([table[c].to_numpy() for c in reversed(keys)])
    packed = table[keys].to_numpy(dtype=np.uint64)[order]
    counts = table["count"].to_numpy(dtype=np.float64)[order]
    return _patterns_frame(packed, names, cardinality, None), counts


def fit_dask(
    model: Any,
    votes: DaskDataFrame,
    *,
    classes: Sequence[str] | None = None,
    progress: bool = False,
) -> Any:
    """Fit a label model on a Dask vote matrix without collecting its rows.

    Batch models (``MajorityVote``, ``DawidSkene``, ``LabelModel``, any
    estimator whose ``fit`` takes ``sample_weight``) are fitted on the merged
    table of distinct vote patterns (:func:`vote_patterns_dask`) weighted by
    their counts.  An online model (one with ``partial_fit``, e.g.
    :class:`~weaklabel.label_model.OnlineLabelModel`) is refitted from
    scratch by streaming every partition's pattern table through
    ``partial_fit``, ``model.n_epochs`` times (partitions in a shuffled order
    each epoch), so that only one partition's patterns are in memory.

    Parameters
    ----------
    model : label model
        Fitted in place.
    votes : dask.dataframe.DataFrame
        Integer votes (-1 = abstain), columns = LF names.
    classes : sequence of str, default=None
        Class names (e.g. ``lfs.classes``); sets ``model.classes_`` and the
        number of classes.
    progress : bool, default=False
        Show Dask's progress bar (on stderr).

    Returns
    -------
    model
        The fitted model.
    """
    _check_ddf(votes, "votes")
    k = _cardinality_of(model, votes, classes)
    if hasattr(model, "partial_fit"):
        return _fit_online(model, votes, k, classes)
    if "sample_weight" not in inspect.signature(model.fit).parameters:
        raise TypeError(
            f"{type(model).__name__}.fit does not accept sample_weight; fit_dask fits"
            " on the table of distinct vote patterns weighted by their counts. Use a"
            " weaklabel label model, or OnlineLabelModel."
        )
    patterns, counts = vote_patterns_dask(votes, cardinality=k, progress=progress)
    if classes is not None:
        patterns.attrs["classes"] = [str(c) for c in classes]
    return model.fit(patterns, sample_weight=counts)


def _fit_online(
    model: Any,
    votes: DaskDataFrame,
    cardinality: int,
    classes: Sequence[str] | None,
) -> Any:
    from weaklabel._validation import as_generator

    compute = _module("dask").compute
    names = [str(c) for c in votes.columns]
    keys = _key_columns(len(names), cardinality)
    tables = _pattern_tables(votes, cardinality)
    reset = getattr(model, "_reset", None)
    if callable(reset):
        reset()
    rng = as_generator(getattr(model, "random_state", None))
    per_round = max(1, _n_workers())  # partitions computed at once
    for _ in range(int(getattr(model, "n_epochs", 1))):
        order = rng.permutation(tables.npartitions)
        for start in range(0, len(order), per_round):
            batch = order[start : start + per_round]
            for table in compute(*[tables.partitions[int(i)] for i in batch]):
                if len(table):
                    packed = table[keys].to_numpy(dtype=np.uint64)
                    model.partial_fit(
                        _patterns_frame(packed, names, cardinality, classes),
                        sample_weight=table["count"].to_numpy(dtype=np.float64),
                    )
    return model


def _n_workers() -> int:
    client = _current_client()
    if client is None:
        return os.cpu_count() or 1
    return len(client.scheduler_info(n_workers=-1)["workers"])


# ---------------------------------------------------------------- predicting


def _proba_columns(classes: Sequence[str]) -> list[str]:
    from weaklabel.io import PROBA_PREFIX

    return [PROBA_PREFIX + str(c) for c in classes]


def _classes_for(model: Any, classes: Sequence[str] | None) -> list[str]:
    if classes is not None:
        return [str(c) for c in classes]
    fitted = getattr(model, "classes_", None)
    if fitted is not None:
        return [str(c) for c in fitted]
    return [str(i) for i in range(int(model.cardinality_))]


def _predict_partition(
    part: pd.DataFrame, model: Any, columns: list[str]
) -> pd.DataFrame:
    proba = model.predict_proba(part) if len(part) else np.empty((0, len(columns)))
    return pd.DataFrame(proba, index=part.index, columns=columns)


def predict_dask(
    model: Any, votes: DaskDataFrame, *, classes: Sequence[str] | None = None
) -> DaskDataFrame:
    """Soft labels of a Dask vote matrix, partition by partition.

    Parameters
    ----------
    model : fitted label model
        Shipped to the workers once (one key of the task graph).
    votes : dask.dataframe.DataFrame
        Votes with the LFs seen in ``fit``, in the same order.
    classes : sequence of str, default=None
        Class names for the column names; default ``model.classes_`` (or the
        class indices).

    Returns
    -------
    dask.dataframe.DataFrame
        One float64 probability column per class, named as in the soft-label
        files of :func:`weaklabel.io.write_soft_labels`; index of ``votes``.
    """
    _check_ddf(votes, "votes")
    columns = _proba_columns(_classes_for(model, classes))
    meta = pd.DataFrame(
        {c: np.empty(0, dtype=np.float64) for c in columns},
        index=votes._meta.index[:0],
    )
    return votes.map_partitions(_predict_partition, _ship(model), columns, meta=meta)


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


# ------------------------------------------------------------ reading files


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
    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".tsv"):
        return suffix[1:]
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ValueError(
        f"Cannot tell the format of {path!r} from its suffix {suffix!r}; expected"
        " .parquet/.pq, .csv, .tsv, .jsonl or .ndjson."
    )


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
    path, fmt, offset = piece
    if fmt == "csv":
        df = pd.read_csv(path)
    elif fmt == "tsv":
        df = pd.read_csv(path, sep="\t")
    else:
        df = pd.read_json(path, lines=True)
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
    dd = _dask()
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
        lengths = _compute(counted, progress=False).tolist()
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(int).tolist()
        pieces = [(f, fmt, offsets[i]) for i, f in enumerate(files)]
        with _pandas_strings():
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
    with _pandas_strings():
        return dd.from_map(
            _read_parquet_piece, pq_pieces, divisions=divisions, meta=meta
        )


def _pandas_strings() -> Any:
    """Keep text columns as pandas reads them (no conversion to pyarrow strings).

    Dask would turn text into ``string[pyarrow]`` with ``pd.NA`` for missing
    values; LFs must see exactly what the pandas engine gives them.
    """
    return _module("dask").config.set({"dataframe.convert-string": False})


def _divisions(offsets: Sequence[int]) -> tuple[int, ...] | None:
    """Index divisions of partitions numbered by ``offsets`` (None if any is empty)."""
    if any(b <= a for a, b in itertools.pairwise(offsets)):
        return None
    return (*offsets[:-1], offsets[-1] - 1)


# -------------------------------------------------------- scheduler, progress


def _compute(obj: Any, *, progress: bool) -> Any:
    """Compute a Dask collection with an optional progress bar on stderr."""
    client = _current_client()
    if client is not None:
        future = client.compute(obj)
        if progress:
            with contextlib.redirect_stdout(sys.stderr):
                _module("distributed").progress(future)
        return future.result()
    if progress:
        with _module("dask.diagnostics").ProgressBar(out=sys.stderr):
            return obj.compute()
    return obj.compute()


def _current_client() -> Any:
    """The distributed Client that ``compute`` would use now, if any."""
    if _module("dask").config.get("scheduler", None) in _LOCAL_SCHEDULERS:
        return None  # an explicit local scheduler wins over a default client
    try:
        distributed = importlib.import_module("distributed")
    except ImportError:
        return None
    try:
        return distributed.default_client()
    except ValueError:
        return None


@contextlib.contextmanager
def _scheduler(scheduler: Any) -> Iterator[None]:
    """Run the body on the scheduler ``label_dask`` was asked for."""
    if isinstance(scheduler, str) and scheduler in _LOCAL_SCHEDULERS:
        with _module("dask").config.set(scheduler=scheduler):
            yield
        return
    distributed = _module("distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if scheduler is None:
        import psutil

        n = max(1, os.cpu_count() or 1)
        memory = psutil.virtual_memory().total
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                memory_limit=int(memory * 0.9 / n),
                dashboard_address=":0",  # any free port: never fight over 8787
            ) as cluster,
            Client(cluster),
        ):
            yield
    elif isinstance(scheduler, str):
        with Client(scheduler):
            yield
    elif isinstance(scheduler, Client):
        with scheduler.as_current():
            yield
    else:
        raise TypeError(
            "scheduler must be None (a LocalCluster sized to this machine), a"
            " scheduler address such as 'tcp://10.0.0.1:8786', a distributed.Client,"
            f" or one of {sorted(_LOCAL_SCHEDULERS)}; got {scheduler!r}."
        )


def label_dask(
    lfs: LFRegistry,
    data_glob: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    model: Any = None,
    scheduler: Any = None,
    progress: bool = True,
    on_error: Literal["raise", "abstain"] = "raise",
    overwrite: bool = False,
) -> Path:
    """Label files with Dask: apply the LFs, fit the label model, write soft labels.

    The engine of ``weaklabel label --engine dask``.  Everything is written
    into a hidden temporary folder beside ``out_dir``: the votes (in a
    ``_votes`` sub-folder, removed at the end), then the soft labels, one
    Parquet file per partition; the model is fitted out of core
    (:func:`fit_dask`).  Only when all of it succeeded is the folder swapped
    in at ``out_dir`` (with a ``_weaklabel.json`` marker), so a failed or
    interrupted run leaves the earlier output as it was (or nothing), never a
    mix; the temporary folder is removed on errors, SIGINT and SIGTERM, and a
    later run removes one left by a killed process.  An existing non-empty
    ``out_dir`` that weaklabel did not write (the input data, say) is refused
    before any work is done, unless ``overwrite=True``.

    Parameters
    ----------
    lfs : LFRegistry
        The labeling functions.
    data_glob : str, path or list of paths
        Parquet, CSV or JSON Lines files: a glob, a folder or a file (see
        :func:`read_dask`).
    out_dir : str or path-like
        Folder for the soft labels (created if needed); ``pd.read_parquet``
        of it has the columns of the pandas engine's soft-label file.
    model : label model, default=None
        Fitted in place; default ``LabelModel(cardinality=lfs.cardinality)``.
    scheduler : None, str or distributed.Client, default=None
        None starts a ``distributed.LocalCluster`` with one single-threaded
        worker process per CPU (memory split evenly); an address string
        (``'tcp://host:8786'``) connects to that cluster; a ``Client`` is used
        as is; ``'synchronous'``, ``'threads'`` or ``'processes'`` use Dask's
        local schedulers.
    progress : bool, default=True
        Show Dask's progress bars on stderr.
    on_error : {"raise", "abstain"}, default="raise"
        As in :func:`apply_dask`.
    overwrite : bool, default=False
        Replace an existing non-empty ``out_dir`` that weaklabel did not
        write, with everything in it (``--overwrite`` on the command line).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        ``out_dir`` is a file.
    FileExistsError
        ``out_dir`` is a non-empty folder that weaklabel did not write, or
        holds files it did not write.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"--out {str(out)!r} is a file; the Dask engine writes a folder of"
            " Parquet files. Pass a folder path."
        )
    if model is None:
        from weaklabel.label_model import LabelModel

        model = LabelModel(cardinality=lfs.cardinality)
    classes = list(lfs.classes)
    info = {"kind": "soft", "classes": classes}
    # The folder is the outer context: on an error or a signal the cluster is
    # shut down first (no worker writes any more), then the folder is removed.
    with atomic_folder(out, overwrite=overwrite, info=info) as tmp:
        votes_dir = tmp / "_votes"
        with _scheduler(scheduler):
            ddf = read_dask(data_glob)
            _write_partitions(
                apply_dask(lfs, ddf, on_error=on_error),
                votes_dir,
                classes,
                "votes",
                progress,
            )
            votes = read_votes_dask(votes_dir)
            fit_dask(model, votes, classes=classes, progress=progress)
            proba = predict_dask(model, votes, classes=classes)
            _write_partitions(proba, tmp, classes, "soft", progress)
        shutil.rmtree(votes_dir)
    return out
