"""Row filters of the workbench: boolean masks over the vote matrix and text."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from weaklabel.exceptions import WeakLabelError
from weaklabel.typing import ABSTAIN

__all__ = ["RowFilter", "TextIndex", "conflict_mask", "filter_mask"]


@dataclass(frozen=True)
class RowFilter:
    """What the rows page shows: every field narrows the rows further.

    Parameters
    ----------
    text : str
        Case-insensitive literal substring of the text column ("" = any).
    lf : str
        Only rows where this LF (or rule) fired ("" = any).
    conflict : bool
        Only rows whose LFs voted for different classes.
    predicted : int or None
        Only rows the label model assigns to this class index.
    confidence_below : float or None
        Only rows whose top probability is below this value.
    labeled : {"", "yes", "no"}
        Only labeled (or unlabeled) rows.
    disagrees : bool
        Only labeled rows where the label model's class differs from the label.
    """

    text: str = ""
    lf: str = ""
    conflict: bool = False
    predicted: int | None = None
    confidence_below: float | None = None
    labeled: str = ""
    disagrees: bool = False


class TextIndex:
    """Lower-cased text held once as an Arrow array for fast substring search.

    Parameters
    ----------
    text : sequence of str of length n_samples
    """

    def __init__(self, text: list[str]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self._lower = pc.utf8_lower(pa.array(text, type=pa.large_string()))

    def contains(self, needle: str) -> npt.NDArray[np.bool_]:
        """Rows whose text contains ``needle`` (case-insensitive, literal)."""
        import pyarrow.compute as pc

        found = pc.match_substring(self._lower, needle.lower())
        return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), bool)


def conflict_mask(L: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    """Rows where the LFs that voted did not all vote for the same class."""
    if L.shape[1] == 0:
        return np.zeros(L.shape[0], dtype=bool)
    voted = L != ABSTAIN
    hi = np.where(voted, L, -1).max(axis=1)
    lo = np.where(voted, L, np.iinfo(np.int8).max).min(axis=1)
    return np.asarray(voted.any(axis=1) & (hi != lo), dtype=bool)


def filter_mask(
    flt: RowFilter,
    *,
    L: npt.NDArray[np.int8],
    names: list[str],
    gold: npt.NDArray[np.int64],
    proba: npt.NDArray[np.float64] | None,
    text: TextIndex,
    conflicts: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """Boolean mask of the rows that pass ``flt``.

    Parameters
    ----------
    flt : RowFilter
    L : ndarray of shape (n_samples, n_lfs)
        Votes, ``ABSTAIN`` = -1.
    names : list of str of length n_lfs
    gold : ndarray of shape (n_samples,)
        Labels given so far, -1 = none.
    proba : ndarray of shape (n_samples, k) or None
        The label model's probabilities (None before the first fit: the
        filters on it then keep every row).
    text : TextIndex
    conflicts : ndarray of shape (n_samples,), dtype bool, default=None
        :func:`conflict_mask` of ``L`` when already computed.

    Returns
    -------
    ndarray of shape (n_samples,), dtype bool
    """
    mask = np.ones(L.shape[0], dtype=bool)
    if flt.text:
        mask &= text.contains(flt.text)
    if flt.lf:
        if flt.lf not in names:
            raise WeakLabelError(
                f"No LF or rule named {flt.lf!r}; the names are {names}."
            )
        mask &= L[:, names.index(flt.lf)] != ABSTAIN
    if flt.conflict:
        mask &= conflict_mask(L) if conflicts is None else conflicts
    if flt.labeled == "yes" or flt.disagrees:
        mask &= gold >= 0
    elif flt.labeled == "no":
        mask &= gold < 0
    if proba is not None:
        if flt.disagrees:
            mask &= proba.argmax(axis=1) != gold
        if flt.predicted is not None:
            mask &= proba.argmax(axis=1) == flt.predicted
        if flt.confidence_below is not None:
            mask &= proba.max(axis=1) < flt.confidence_below
    return mask
