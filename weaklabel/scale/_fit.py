"""Fitting on a Dask vote matrix: packed vote patterns with counts, or streamed partitions."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.scale._cluster import (
    DaskDataFrame,
    check_ddf,
    compute,
    import_extra,
    n_workers,
)
from weaklabel.typing import ABSTAIN, vote_dtype

__all__ = ["fit_dask", "vote_patterns_dask"]


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
    hi = int(compute(votes.max().max(), progress=False))
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
    check_ddf(votes, "votes")
    names = [str(c) for c in votes.columns]
    keys = _key_columns(len(names), cardinality)
    merged = _pattern_tables(votes, cardinality).groupby(keys, sort=False)
    table = compute(merged.sum(split_out=1), progress=progress).reset_index()
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
    their counts.  An online model (one with ``fit_chunks``, i.e.
    :class:`~weaklabel.label_model.OnlineLabelModel`) is refitted from
    scratch by :meth:`~weaklabel.label_model.OnlineLabelModel.fit_chunks`,
    each partition's pattern table being one chunk: ``model.n_epochs``
    passes, partitions in a shuffled order each pass, so that only a few
    partitions' patterns (one per worker) are in memory at once.

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
    check_ddf(votes, "votes")
    k = _cardinality_of(model, votes, classes)
    if callable(getattr(model, "fit_chunks", None)):
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
    """Stream the partitions' pattern tables through ``model.fit_chunks``."""
    dask_compute = import_extra("dask").compute
    names = [str(c) for c in votes.columns]
    keys = _key_columns(len(names), cardinality)
    tables = _pattern_tables(votes, cardinality)
    per_round = max(1, n_workers())  # partitions computed at once

    def read_chunks(order: npt.NDArray[np.intp]) -> Iterator[tuple[pd.DataFrame, Any]]:
        for start in range(0, len(order), per_round):
            batch = order[start : start + per_round]
            for table in dask_compute(*[tables.partitions[int(i)] for i in batch]):
                if len(table):
                    packed = table[keys].to_numpy(dtype=np.uint64)
                    frame = _patterns_frame(packed, names, cardinality, classes)
                    yield frame, table["count"].to_numpy(dtype=np.float64)

    return model.fit_chunks(tables.npartitions, read_chunks)
