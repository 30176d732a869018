"""Applying an LF registry to a Dask DataFrame, partition by partition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from weaklabel.apply import register_pickle_by_value
from weaklabel.lf import LFRegistry
from weaklabel.scale._cluster import DaskDataFrame, check_ddf, ship
from weaklabel.typing import vote_dtype

__all__ = ["apply_dask"]


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
    check_ddf(ddf, "ddf")
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
    register_pickle_by_value(lfs)  # LF modules the CLI loaded from files
    meta = _votes_meta(lfs.names, lfs.cardinality, ddf._meta.index)
    return ddf.map_partitions(_apply_partition, ship(lfs), on_error, meta=meta)
