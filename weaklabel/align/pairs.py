"""Pairs between two tables, and pair labeling functions.

A *pair set* is two tables of items (``left`` and ``right``, each with an
``id`` column) and a pairs table (``left_id``, ``right_id``, optional
``source``).  Pairs may be many-to-many (several captions per image).  Pair
labeling functions are ordinary weaklabel LFs over the pairs joined with both
sides, where every column ``c`` of the left table appears as ``left_c`` and
every column of the right table as ``right_c``; they vote ``"match"``,
``"mismatch"`` or abstain.  The label model turns their votes into P(match)
per pair.

Examples
--------
>>> import pandas as pd
>>> from weaklabel import ABSTAIN
>>> left = pd.DataFrame({"id": [1, 2], "name": ["open", "close"]})
>>> right = pd.DataFrame({"id": ["a", "b"], "doc": ["Open a file.", "Close it."]})
>>> pairs = pd.DataFrame({"left_id": [1, 2], "right_id": ["a", "a"]})
>>> lfs = pair_registry()
>>> @lfs.labeling_function()
... def name_in_doc(row):
...     return "match" if row.left_name in row.right_doc.lower() else ABSTAIN
>>> joined = join_pairs(left, right, pairs)
>>> list(joined.columns)
['left_id', 'right_id', 'left_name', 'right_doc']
>>> lfs.apply(joined)["name_in_doc"].tolist()
[1, -1]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.exceptions import WeakLabelError
from weaklabel.lf import LFRegistry

__all__ = [
    "PAIR_CLASSES",
    "feature_matrix",
    "join_pairs",
    "pair_confidence",
    "pair_indices",
    "pair_registry",
    "profile_agreement",
]

PAIR_CLASSES: tuple[str, str] = ("mismatch", "match")
"""The classes of every pair LF: index 0 ``"mismatch"``, index 1 ``"match"``."""


class PairError(WeakLabelError, ValueError):
    """Items or pairs that do not fit together (missing ids, duplicate ids)."""


def pair_registry() -> LFRegistry:
    """Return an empty LF registry with the pair classes ``["mismatch", "match"]``.

    Returns
    -------
    LFRegistry
    """
    return LFRegistry(classes=list(PAIR_CLASSES))


def _check_items(table: pd.DataFrame, side: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"The {side} table must be a pandas DataFrame with an 'id' column;"
            f" got {type(table).__name__}."
        )
    if "id" not in table.columns:
        raise PairError(
            f"The {side} table has no 'id' column (columns: {list(table.columns)[:8]});"
            " add one that names each item."
        )
    dup = table["id"].duplicated()
    if dup.any():
        raise PairError(
            f"The {side} table has duplicate ids, e.g. {table['id'][dup].iloc[0]!r};"
            " every item needs its own id."
        )


def _check_pairs(pairs: pd.DataFrame) -> None:
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(
            "pairs must be a pandas DataFrame with columns 'left_id' and 'right_id';"
            f" got {type(pairs).__name__}."
        )
    missing = [c for c in ("left_id", "right_id") if c not in pairs.columns]
    if missing:
        raise PairError(
            f"The pairs table lacks the column(s) {missing} (columns:"
            f" {list(pairs.columns)[:8]}); it needs 'left_id' and 'right_id'."
        )


def pair_indices(
    left: pd.DataFrame, right: pd.DataFrame, pairs: pd.DataFrame
) -> npt.NDArray[np.int64]:
    """Positions of each pair's items in the left and right tables.

    Parameters
    ----------
    left, right : DataFrame
        Item tables with a unique ``id`` column.
    pairs : DataFrame
        ``left_id`` and ``right_id`` columns.

    Returns
    -------
    ndarray of shape (n_pairs, 2), dtype int64
        Row positions ``(i_left, i_right)``.

    Raises
    ------
    PairError
        A pair names an id that its table lacks.

    Examples
    --------
    >>> left = pd.DataFrame({"id": ["x", "y"]})
    >>> right = pd.DataFrame({"id": [7, 8, 9]})
    >>> pair_indices(left, right, pd.DataFrame({"left_id": ["y"], "right_id": [9]}))
    array([[1, 2]])
    """
    _check_items(left, "left")
    _check_items(right, "right")
    _check_pairs(pairs)
    out = np.empty((len(pairs), 2), dtype=np.int64)
    for j, (side, table) in enumerate((("left", left), ("right", right))):
        pos = pd.Index(table["id"]).get_indexer(pairs[f"{side}_id"])
        bad = pos < 0
        if bad.any():
            first = pairs[f"{side}_id"].to_numpy()[bad][0]
            raise PairError(
                f"{int(bad.sum())} pair(s) name a {side}_id that the {side} table"
                f" lacks, e.g. {first!r}; drop those pairs or add the items."
            )
        out[:, j] = pos
    return out


def join_pairs(
    left: pd.DataFrame, right: pd.DataFrame, pairs: pd.DataFrame
) -> pd.DataFrame:
    """Join the pairs with both sides: the table pair LFs are applied to.

    Parameters
    ----------
    left, right : DataFrame
        Item tables with a unique ``id`` column.
    pairs : DataFrame
        ``left_id``, ``right_id`` and any other columns (e.g. ``source``).

    Returns
    -------
    DataFrame of shape (n_pairs, ...)
        The pairs' own columns, then every other left column as ``left_<col>``
        and every other right column as ``right_<col>``; the index is the
        pairs' index.
    """
    idx = pair_indices(left, right, pairs)
    parts = [pairs.reset_index(drop=True)]
    for j, (side, table) in enumerate((("left", left), ("right", right))):
        cols = [c for c in table.columns if c != "id"]
        part = table[cols].iloc[idx[:, j]].reset_index(drop=True)
        part.columns = [f"{side}_{c}" for c in cols]
        clash = [c for c in part.columns if c in parts[0].columns]
        if clash:
            raise PairError(
                f"The pairs table already has the column(s) {clash}, which the"
                f" {side} table's columns would become; rename them."
            )
        parts.append(part)
    out = pd.concat(parts, axis=1)
    out.index = pairs.index
    return out


def feature_matrix(
    table: pd.DataFrame,
    *,
    prefix: str | None = None,
    columns: Sequence[str] | None = None,
) -> tuple[npt.NDArray[np.float32], list[str]]:
    """The numeric feature columns of an item table as a float32 matrix.

    Parameters
    ----------
    table : DataFrame
        An item table; ``id`` is never a feature.
    prefix : str, default=None
        Use only the columns whose name starts with it.
    columns : sequence of str, default=None
        Use exactly these columns (a fitted model's, in its order).

    Returns
    -------
    X : ndarray of shape (n_items, n_features), dtype float32
    columns : list of str

    Raises
    ------
    PairError
        No feature column, a missing column, or a missing value.

    Examples
    --------
    >>> X, cols = feature_matrix(pd.DataFrame({"id": [1], "f0": [0.5], "t": ["a"]}))
    >>> X, cols
    (array([[0.5]], dtype=float32), ['f0'])
    """
    if columns is None:
        columns = [
            str(c)
            for c in table.columns
            if c != "id"
            and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])
            and (prefix is None or str(c).startswith(prefix))
        ]
        if not columns:
            what = f"starting with {prefix!r} " if prefix else ""
            raise PairError(
                f"The table has no numeric feature column {what}(columns:"
                f" {list(table.columns)[:8]}); add features or pass the right"
                " prefix."
            )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise PairError(
            f"The table lacks {len(missing)} feature column(s) the model was fitted"
            f" on, e.g. {missing[:3]}; give the same columns as in fit."
        )
    X = table[list(columns)].to_numpy(dtype=np.float32)
    if not np.isfinite(X).all():
        bad = list(columns)[int(np.flatnonzero(~np.isfinite(X).all(axis=0))[0])]
        raise PairError(
            f"The feature column {bad!r} has missing or infinite values; fill or"
            " drop them first."
        )
    return X, list(columns)


def pair_confidence(
    lfs: LFRegistry,
    left: pd.DataFrame,
    right: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    label_model: Any = None,
) -> npt.NDArray[np.float64]:
    """P(match) of every pair from the pair LFs' votes and a label model.

    Parameters
    ----------
    lfs : LFRegistry
        Pair LFs with the classes ``["mismatch", "match"]``.
    left, right, pairs : DataFrame
        As in :func:`join_pairs`.
    label_model : label model, default=None
        An unfitted weaklabel label model; None uses
        ``LabelModel(cardinality=2)``, whose one-sided LFs ("match" or
        abstain) make abstaining informative.

    Returns
    -------
    ndarray of shape (n_pairs,)
        P(match) of each pair.
    """
    if tuple(lfs.classes) != PAIR_CLASSES:
        raise PairError(
            f"Pair LFs must use the classes {list(PAIR_CLASSES)}; the registry has"
            f" {list(lfs.classes)}. Build it with pair_registry()."
        )
    if len(lfs) == 0:
        raise PairError("The pair LF registry is empty; add at least one pair LF.")
    from weaklabel.label_model import LabelModel

    L = lfs.apply(join_pairs(left, right, pairs))
    model = LabelModel(cardinality=2) if label_model is None else label_model
    model.fit(L)
    proba = np.asarray(model.predict_proba(L), dtype=np.float64)
    return np.asarray(proba[:, 1], dtype=np.float64)


def _unit_rows(X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Standardise each column, then scale each row to unit length."""
    std = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(std > 1e-12, std, 1.0)
    norm = np.linalg.norm(Z, axis=1, keepdims=True)
    return np.asarray(Z / np.where(norm > 1e-12, norm, 1.0), dtype=np.float64)


def profile_agreement(
    X_left: npt.ArrayLike,
    X_right: npt.ArrayLike,
    pairs: npt.ArrayLike,
    *,
    n_anchors: int = 1024,
    random_state: int = 0,
) -> npt.NDArray[np.float64]:
    """How far each pair's two items agree on which other pairs they resemble.

    For a right pair, the left item's similarities to the left items of other
    pairs rise and fall with the right item's similarities to those pairs'
    right items (similar images have similar captions); for a wrong pair the
    two profiles are unrelated.  The score is the correlation of the two
    profiles over a set of anchor pairs, compared *within* each modality, so
    it needs no trained model and cannot memorise a wrong pair (the
    cross-modal consistency of BiCro, Yang et al., 2023).  Anchors are a
    random sample of the pairs themselves: wrong anchors add noise to every
    pair's score alike, not bias.  Use it as evidence in a pair LF (the top
    and bottom of the score) or as a weight.

    Parameters
    ----------
    X_left : array-like of shape (n_left, n_left_features)
    X_right : array-like of shape (n_right, n_right_features)
    pairs : array-like of shape (n_pairs, 2)
        Row positions ``(i_left, i_right)``.
    n_anchors : int, default=1024
        Anchor pairs drawn (all pairs when there are fewer); cost and memory
        grow as ``n_pairs * n_anchors``.
    random_state : int, default=0
        Seed of the anchor draw.

    Returns
    -------
    ndarray of shape (n_pairs,)
        Pearson correlation of the two similarity profiles, in [-1, 1]; a
        pair is left out of its own profile.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(300, 5))
    >>> A, B = z @ rng.normal(size=(5, 12)), np.tanh(z @ rng.normal(size=(5, 8)))
    >>> P = np.c_[np.arange(300), np.arange(300)]
    >>> P[:100, 1] = rng.permutation(P[:100, 1])          # 100 wrong pairs
    >>> s = profile_agreement(A, B, P)
    >>> bool(s[100:].mean() > 0.3 > 0.1 > s[:100].mean())
    True
    """
    XL = np.asarray(X_left, dtype=np.float64)
    XR = np.asarray(X_right, dtype=np.float64)
    P = np.asarray(pairs)
    if XL.ndim != 2 or XR.ndim != 2:
        raise PairError(
            f"X_left and X_right must be 2-D feature matrices; got shapes {XL.shape}"
            f" and {XR.shape}."
        )
    if (
        P.ndim != 2
        or P.shape[1] != 2
        or len(P) < 3
        or not np.issubdtype(P.dtype, np.integer)
    ):
        raise PairError(
            "pairs must be integer row positions of shape (n_pairs, 2) with at"
            f" least 3 pairs; got shape {P.shape} and dtype {P.dtype}."
        )
    if P.min() < 0 or P[:, 0].max() >= len(XL) or P[:, 1].max() >= len(XR):
        raise PairError(
            f"pairs name rows outside the feature matrices ({len(XL)} left,"
            f" {len(XR)} right rows)."
        )
    if not isinstance(n_anchors, int | np.integer) or n_anchors < 2:
        raise ValueError(
            f"The 'n_anchors' parameter of profile_agreement must be an int >= 2;"
            f" got {n_anchors!r}."
        )
    A, B = _unit_rows(XL), _unit_rows(XR)
    n = len(P)
    rng = np.random.default_rng(random_state)
    anchors = np.sort(rng.choice(n, size=min(n_anchors, n), replace=False))
    AL, BR = A[P[anchors, 0]].T, B[P[anchors, 1]].T
    out = np.empty(n)
    for s in range(0, n, 2048):
        rows = np.arange(s, min(s + 2048, n))
        SL = A[P[rows, 0]] @ AL  # (rows, anchors)
        SR = B[P[rows, 1]] @ BR
        keep = rows[:, None] != anchors[None, :]  # not its own anchor
        m = keep.sum(axis=1)
        ml = (SL * keep).sum(axis=1) / m
        mr = (SR * keep).sum(axis=1) / m
        dl = (SL - ml[:, None]) * keep
        dr = (SR - mr[:, None]) * keep
        num = (dl * dr).sum(axis=1)
        den = np.sqrt((dl**2).sum(axis=1) * (dr**2).sum(axis=1))
        out[rows] = np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), 0.0)
    return out
