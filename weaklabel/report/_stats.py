"""The numbers behind the LF report: pure functions of votes, gold and posteriors.

Everything here is NumPy on a dense ``(n_samples, n_lfs)`` vote array with
``-1`` = abstain; the report and the workbench app format the results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from weaklabel.typing import ABSTAIN

__all__ = [
    "ModelComparison",
    "RowsToLook",
    "compare_with_majority",
    "gold_confusions",
    "majority_proba",
    "pairwise_rates",
    "rows_to_look_at",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def pairwise_rates(V: npt.NDArray[np.integer]) -> tuple[FloatArray, FloatArray]:
    """Agreement and conflict rates of every pair of LFs.

    Parameters
    ----------
    V : ndarray of shape (n_samples, n_lfs)
        Votes, ``-1`` = abstain.

    Returns
    -------
    agreement : ndarray of shape (n_lfs, n_lfs)
        Among the rows where both LFs vote, the fraction where they vote the
        same class (NaN where they never vote together; the diagonal is 1 for
        an LF that votes).
    conflict : ndarray of shape (n_lfs, n_lfs)
        Fraction of all rows where both vote and their votes differ.

    Examples
    --------
    >>> agree, conflict = pairwise_rates(np.array([[0, 0], [0, 1], [1, -1]]))
    >>> agree.round(2).tolist(), conflict.round(2).tolist()
    ([[1.0, 0.5], [0.5, 1.0]], [[0.0, 0.33], [0.33, 0.0]])
    """
    V = np.asarray(V)
    n, m = V.shape
    k = int(V.max()) + 1 if V.size else 0
    both = np.zeros((m, m))
    same = np.zeros((m, m))
    # blocks of rows keep the float copies small on millions of rows
    step = max(1, (1 << 22) // max(m, 1))
    for lo in range(0, n, step):
        block = V[lo : lo + step]
        voted = (block != ABSTAIN).astype(np.float32)
        both += voted.T @ voted
        for c in range(k):
            hit = np.equal(block, c).astype(np.float32)
            same += hit.T @ hit
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(both > 0, same / np.where(both > 0, both, 1), np.nan)
    conflict = (both - same) / max(n, 1)
    return agreement, conflict


def majority_proba(V: npt.NDArray[np.integer], k: int) -> FloatArray:
    """Majority vote as probabilities: vote shares per row, uniform when none.

    Examples
    --------
    >>> majority_proba(np.array([[0, 0, 1], [-1, -1, -1]]), 2).round(2).tolist()
    [[0.67, 0.33], [0.5, 0.5]]
    """
    V = np.asarray(V)
    counts = np.stack([np.equal(V, c).sum(axis=1) for c in range(k)], axis=1)
    counts = counts.astype(np.float64)
    counts[counts.sum(axis=1) == 0] = 1.0
    proba: FloatArray = counts / counts.sum(axis=1, keepdims=True)
    return proba


def _winner(proba: FloatArray, atol: float = 1e-9) -> IntArray:
    """Argmax, or -1 where the top classes tie."""
    top = proba.max(axis=1, keepdims=True)
    tied = (proba >= top - atol).sum(axis=1) > 1
    out: IntArray = np.where(tied, -1, proba.argmax(axis=1)).astype(np.int64)
    return out


def gold_confusions(
    V: npt.NDArray[np.integer], y: npt.ArrayLike, k: int
) -> npt.NDArray[np.int64]:
    """Per LF, counts of (gold class, vote) over the rows with gold.

    Returns
    -------
    ndarray of shape (n_lfs, k, k)
        ``out[j, c, v]``: rows of gold class ``c`` where LF ``j`` voted ``v``.

    Examples
    --------
    >>> gold_confusions(np.array([[0], [1], [1], [-1]]), [0, 0, 1, 1], 2)[0].tolist()
    [[1, 1], [0, 1]]
    """
    V = np.asarray(V)
    gold = np.asarray(y, dtype=np.int64)
    m = V.shape[1]
    out = np.zeros((m, k, k), dtype=np.int64)
    rows = gold >= 0
    Vg, yg = V[rows], gold[rows]
    for j in range(m):
        fired = Vg[:, j] != ABSTAIN
        np.add.at(out[j], (yg[fired], Vg[fired, j].astype(np.int64)), 1)
    return out


@dataclass(frozen=True)
class ModelComparison:
    """The label model against majority vote (see :func:`compare_with_majority`).

    Attributes
    ----------
    n_disagree : int
        Rows where the two predict different classes (a majority-vote tie
        counts as a disagreement whenever the label model picks a class).
    n_gold_disagree : int
        Of those, rows with a gold label.
    model_right, majority_right, neither_right : int
        Of the gold rows where they disagree, who was right (a tie is never
        right).
    model_accuracy, majority_accuracy : float
        Accuracy on all gold rows (NaN without gold; a tie counts as wrong).
    disagree_rows : ndarray of int
        Positions of the disagreeing rows.
    """

    n_disagree: int
    n_gold_disagree: int
    model_right: int
    majority_right: int
    neither_right: int
    model_accuracy: float
    majority_accuracy: float
    disagree_rows: IntArray


def compare_with_majority(
    V: npt.NDArray[np.integer], proba: FloatArray, y: npt.ArrayLike | None = None
) -> ModelComparison:
    """Where the label model and majority vote disagree, and who was right on gold.

    Examples
    --------
    >>> V = np.array([[0, 0, 1], [0, 1, 1], [1, -1, -1]])
    >>> proba = np.array([[0.2, 0.8], [0.1, 0.9], [0.3, 0.7]])
    >>> c = compare_with_majority(V, proba, [1, 1, -1])
    >>> c.n_disagree, c.model_right, c.majority_right
    (1, 1, 0)
    """
    proba = np.asarray(proba, dtype=np.float64)
    k = proba.shape[1]
    lm = _winner(proba)
    mv = _winner(majority_proba(V, k))
    disagree = lm != mv
    gold = None if y is None else np.asarray(y, dtype=np.int64)
    if gold is None or not (gold >= 0).any():
        nan = float("nan")
        return ModelComparison(
            int(disagree.sum()), 0, 0, 0, 0, nan, nan, np.flatnonzero(disagree)
        )
    has = gold >= 0
    dg = disagree & has
    lm_right = int(((lm == gold) & dg).sum())
    mv_right = int(((mv == gold) & dg).sum())
    return ModelComparison(
        n_disagree=int(disagree.sum()),
        n_gold_disagree=int(dg.sum()),
        model_right=lm_right,
        majority_right=mv_right,
        neither_right=int(dg.sum()) - lm_right - mv_right,
        model_accuracy=float((lm[has] == gold[has]).mean()),
        majority_accuracy=float((mv[has] == gold[has]).mean()),
        disagree_rows=np.flatnonzero(disagree),
    )


@dataclass(frozen=True)
class RowsToLook:
    """Row positions worth a look, most telling first (see :func:`rows_to_look_at`).

    Attributes
    ----------
    conflicts : ndarray of int
        Rows where the LFs vote different classes, most even split first.
    least_confident : ndarray of int
        Rows with at least one vote where the label model is least sure.
    wrong_on_gold : ndarray of int
        Gold rows the label model gets wrong, most confident first.
    """

    conflicts: IntArray
    least_confident: IntArray
    wrong_on_gold: IntArray


def rows_to_look_at(
    V: npt.NDArray[np.integer],
    proba: FloatArray,
    y: npt.ArrayLike | None = None,
    *,
    n: int = 20,
    per_pattern: int = 2,
) -> RowsToLook:
    """Pick the conflicts, the least confident rows and the errors on gold.

    Each list keeps at most ``per_pattern`` rows with the same votes, so that
    one frequent vote pattern does not fill it.  Ties are broken by row
    position, so the result is deterministic.

    Examples
    --------
    >>> V = np.array([[0, 1], [0, 0], [1, -1]])
    >>> proba = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    >>> r = rows_to_look_at(V, proba, [-1, 1, -1], n=2)
    >>> r.conflicts.tolist(), r.least_confident.tolist(), r.wrong_on_gold.tolist()
    ([0], [0, 2], [1])
    """
    V = np.asarray(V)
    proba = np.asarray(proba, dtype=np.float64)
    k = proba.shape[1]
    voted = V != ABSTAIN
    counts = np.stack([np.equal(V, c).sum(axis=1) for c in range(k)], axis=1)
    total = counts.sum(axis=1)
    conflict = (counts > 0).sum(axis=1) > 1
    # most even split first: the share of the largest class is smallest
    share = counts.max(axis=1) / np.maximum(total, 1)
    rows = np.flatnonzero(conflict)
    order = np.lexsort((rows, -total[rows], share[rows]))
    _, pattern = np.unique(V, axis=0, return_inverse=True)
    pattern = pattern.ravel()

    def first(ranked: IntArray) -> IntArray:
        seen: dict[int, int] = {}
        keep = []
        for r in ranked.tolist():
            p = int(pattern[r])
            if seen.get(p, 0) < per_pattern:
                seen[p] = seen.get(p, 0) + 1
                keep.append(r)
                if len(keep) == n:
                    break
        return np.asarray(keep, dtype=np.int64)

    conflicts = first(rows[order])
    confidence = proba.max(axis=1)
    rows = np.flatnonzero(voted.any(axis=1))
    least = first(rows[np.lexsort((rows, confidence[rows]))])
    wrong: IntArray = np.zeros(0, dtype=np.int64)
    if y is not None:
        gold = np.asarray(y, dtype=np.int64)
        pred = proba.argmax(axis=1)
        rows = np.flatnonzero((gold >= 0) & (pred != gold))
        wrong = first(rows[np.lexsort((rows, -confidence[rows]))])
    return RowsToLook(
        conflicts.astype(np.int64), least.astype(np.int64), wrong.astype(np.int64)
    )
