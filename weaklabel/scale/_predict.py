"""Soft labels of a Dask vote matrix, partition by partition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaklabel._validation import default_class_names
from weaklabel.scale._cluster import DaskDataFrame, check_ddf, ship

__all__ = ["predict_dask"]


def _proba_columns(classes: Sequence[str]) -> list[str]:
    from weaklabel.io import PROBA_PREFIX

    return [PROBA_PREFIX + str(c) for c in classes]


def _classes_for(model: Any, classes: Sequence[str] | None) -> list[str]:
    if classes is not None:
        return [str(c) for c in classes]
    fitted = getattr(model, "classes_", None)
    if fitted is not None:
        return [str(c) for c in fitted]
    return default_class_names(int(model.cardinality_))


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
    check_ddf(votes, "votes")
    columns = _proba_columns(_classes_for(model, classes))
    meta = pd.DataFrame(
        {c: np.empty(0, dtype=np.float64) for c in columns},
        index=votes._meta.index[:0],
    )
    return votes.map_partitions(_predict_partition, ship(model), columns, meta=meta)
