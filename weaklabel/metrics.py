"""Scores of hard predictions against gold labels.

Predictions equal to -1 (ABSTAIN) are kept and count as wrong: they match no
class.  These are thin wrappers around :mod:`sklearn.metrics`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score

__all__ = ["METRICS", "accuracy", "f1", "f1_macro", "f1_micro", "score_predictions"]


def _pair(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    t = np.asarray(y_true).astype(np.int64).reshape(-1)
    p = np.asarray(y_pred).astype(np.int64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(
            f"y_true has {t.size} labels but y_pred has {p.size}; pass one prediction"
            " per gold label."
        )
    if t.size == 0:
        raise ValueError("Cannot score zero labels; pass at least one gold label.")
    return t, p


def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Fraction of predictions equal to the gold label.

    Examples
    --------
    >>> accuracy([0, 1, 1, 0], [0, 1, -1, 1])
    0.5
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def f1(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, pos_label: int = 1) -> float:
    """F1 score of the positive class (``pos_label``); 0.0 when undefined.

    Examples
    --------
    >>> f1([0, 1, 1, 0], [0, 1, -1, 1])
    0.5
    """
    t, p = _pair(y_true, y_pred)
    return float(
        f1_score(
            t == pos_label,
            p == pos_label,
            average="binary",
            pos_label=True,
            zero_division=0.0,
        )
    )


def _averaged(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    average: str,
    cardinality: int | None,
) -> float:
    t, p = _pair(y_true, y_pred)
    k = int(cardinality) if cardinality is not None else int(max(t.max(), p.max())) + 1
    return float(
        f1_score(t, p, labels=list(range(k)), average=average, zero_division=0.0)
    )


def f1_macro(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, cardinality: int | None = None
) -> float:
    """Unweighted mean of the per-class F1 scores over classes 0..k-1.

    Examples
    --------
    >>> round(f1_macro([0, 1, 2, 2], [0, 1, 2, 1]), 4)
    0.7778
    """
    return _averaged(y_true, y_pred, "macro", cardinality)


def f1_micro(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, cardinality: int | None = None
) -> float:
    """Micro-averaged F1 over classes 0..k-1 (equals accuracy without abstains).

    Examples
    --------
    >>> f1_micro([0, 1, 2, 2], [0, 1, 2, 1])
    0.75
    """
    return _averaged(y_true, y_pred, "micro", cardinality)


METRICS: dict[str, Callable[..., float]] = {
    "accuracy": accuracy,
    "f1": f1,
    "f1_macro": f1_macro,
    "f1_micro": f1_micro,
}
"""Metric names accepted by ``score`` methods."""


def score_predictions(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    metric: str = "accuracy",
    cardinality: int | None = None,
) -> float:
    """Score predictions with a metric named in :data:`METRICS`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Gold classes and predicted classes (-1 predictions count as wrong).
    metric : {"accuracy", "f1", "f1_macro", "f1_micro"}, default="accuracy"
        ``"f1"`` is the F1 of class 1 and needs a binary task.
    cardinality : int, default=None
        Number of classes (for the averaged F1s and the binary check).

    Returns
    -------
    float

    Examples
    --------
    >>> score_predictions([0, 1, 1], [0, 1, 0], metric="f1", cardinality=2)
    0.6666666666666666
    """
    if metric not in METRICS:
        raise ValueError(
            f"metric must be one of {sorted(METRICS)}; got {metric!r} instead."
        )
    if metric == "f1":
        if cardinality is not None and cardinality != 2:
            raise ValueError(
                f"metric='f1' is the F1 of class 1 of a binary task, but there are"
                f" {cardinality} classes; use metric='f1_macro' or 'f1_micro'."
            )
        return f1(y_true, y_pred)
    if metric == "accuracy":
        return accuracy(y_true, y_pred)
    return METRICS[metric](y_true, y_pred, cardinality=cardinality)
