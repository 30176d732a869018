"""Whether the gold may change the labels: a held-out, re-weighted check (private).

Rows picked by an active strategy are not a random sample: ``margin`` picks
the rows the label model is least sure of, ``disagreement`` the rows whose
LFs conflict.  Cross-validating a fit on such gold rows tells how well it
predicts *more rows like them*, not the rows nobody labeled, and a fit whose
gold rows weigh a lot can win there and still wreck the rest (the bundled
WRENCH YouTube set, gold picked by ``disagreement``: accuracy .85 -> .60;
benchmarks/results/bench_active.md).  The check here keeps what the gold can
vouch for:

* rows are grouped into *kinds* (strata) that do not depend on the gold: the
  no-gold model's predicted class and confidence band, the number of LFs
  that voted (0, 1, 2+) and whether they conflict;
* each candidate fit with gold is cross-validated over folds of the gold
  rows (all gold rows of a vote pattern in one fold, so that a held-out row
  is judged on a pattern the fit has not seen labelled), and its held-out
  score on every gold row is compared with that of the fit without gold
  (which never saw any gold);
* the comparison weighs each gold row by how many rows of its kind it
  stands for (``rows of the kind / gold rows of the kind``: the inverse of
  the share of its kind that was labeled, an inverse-propensity weight), so
  that it estimates the gain over all rows of the kinds that have gold, and
  then gives every class the same total weight (a refit must help on the
  rare class too: on cage_spear_sms, scored by F1 of its rare class, 25
  random labels otherwise passed a refit that never names it);
* rows of a kind without any gold keep the posterior of the fit without
  gold: no gold row shows what the refit does to them.

Selection by the votes alone leaves a kind's gold rows a fair sample of the
kind only approximately (a strategy ranks rows within a kind too), which is
why a candidate must win by a standard error, as in ``gold_weight="auto"``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONFIDENCE_BANDS",
    "N_FOLDS",
    "class_balanced",
    "gain",
    "kind_weights",
    "kinds",
    "pattern_folds",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Upper edges of the no-gold model's confidence bands (max posterior).
CONFIDENCE_BANDS = (0.8, 0.95)
N_FOLDS = 5


def kinds(proba: FloatArray, votes: FloatArray) -> IntArray:
    """Kind (stratum) of every row or pattern, from the fit without gold.

    Parameters
    ----------
    proba : ndarray of shape (n, k)
        Posterior of the fit without gold.
    votes : ndarray of shape (n, k)
        Number of LF votes for each class.

    Returns
    -------
    ndarray of shape (n,)
        ``((class * 3 + band) * 3 + n_voted) * 2 + conflict`` with ``band``
        the confidence band (below 0.8, below 0.95, above), ``n_voted`` 0, 1
        or 2+ votes and ``conflict`` whether two classes got votes.

    Examples
    --------
    >>> kinds(np.array([[0.9, 0.1], [0.3, 0.7]]), np.array([[2.0, 1.0], [0.0, 0.0]]))
    array([11, 18])
    """
    band = np.searchsorted(np.asarray(CONFIDENCE_BANDS), proba.max(axis=1))
    n_voted = np.minimum(votes.sum(axis=1), 2.0).astype(np.int64)
    conflict = ((votes > 0).sum(axis=1) >= 2).astype(np.int64)
    cls = proba.argmax(axis=1).astype(np.int64)
    out: IntArray = ((cls * 3 + band) * 3 + n_voted) * 2 + conflict
    return out


def kind_weights(
    kind: IntArray, gold: IntArray
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Inverse-propensity weight of every gold row, and the rows of kinds with gold.

    A gold row stands for ``rows of its kind / gold rows of its kind`` rows.

    Returns
    -------
    weights : ndarray of shape (n_gold,)
        In the order of ``np.flatnonzero(gold >= 0)``; they sum to the number
        of rows of the kinds that have gold.
    covered : ndarray of shape (n,), dtype bool
        Rows whose kind has at least one gold row.

    Examples
    --------
    >>> w, covered = kind_weights(np.array([0, 0, 0, 1, 2]), np.array([1, -1, -1, 0, -1]))
    >>> w.tolist(), covered.tolist()
    ([3.0, 1.0], [True, True, True, True, False])
    """
    has = gold >= 0
    size = kind.max() + 1 if kind.size else 0
    n_kind = np.bincount(kind, minlength=size)
    g_kind = np.bincount(kind[has], minlength=size)
    weights: FloatArray = n_kind[kind[has]] / g_kind[kind[has]]
    covered: npt.NDArray[np.bool_] = g_kind[kind] > 0
    return weights.astype(np.float64), covered


def pattern_folds(pattern: IntArray, n_folds: int = N_FOLDS) -> IntArray:
    """Fold of every gold row, all gold rows of a vote pattern in one fold.

    Patterns take folds round-robin in the order they first appear.  A
    strategy labels several rows of one pattern; with those rows split over
    folds, a held-out row's pattern was seen with its gold labels in the fit
    and the fit scored well by remembering it (tennis: a refit that won by
    two standard errors lost 2 points on the rows not labeled).

    >>> pattern_folds(np.array([7, 3, 7, 9, 3]), 2).tolist()
    [0, 1, 0, 0, 1]
    """
    _, first, inverse = np.unique(pattern, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    out: IntArray = rank[inverse] % n_folds
    return out


def class_balanced(weights: FloatArray, y_gold: IntArray) -> FloatArray:
    """Weights rescaled so that every class of gold rows has the same total.

    The total stays the same.  The check then asks whether the refit helps
    on every class, not on the majority class alone: with a rare class (the
    F1 sets) a refit that is right more often by never naming it must not
    pass.

    >>> class_balanced(np.array([1.0, 1.0, 1.0, 3.0]), np.array([0, 0, 0, 1])).tolist()
    [1.0, 1.0, 1.0, 3.0]
    >>> class_balanced(np.ones(4), np.array([0, 0, 0, 1])).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    total = np.bincount(y_gold, weights=weights)
    out: FloatArray = weights / total[y_gold] * weights.sum() / (total > 0).sum()
    return out


def gain(
    candidate: FloatArray, baseline: FloatArray, weights: FloatArray
) -> tuple[float, float]:
    """Weighted mean gain of ``candidate`` over ``baseline`` and its standard error.

    The standard error uses the effective number of rows of the weights,
    ``sum(w) ** 2 / sum(w ** 2)``: a few heavy rows make it large.

    >>> gain(np.array([0.0, -0.5]), np.array([-0.5, -0.5]), np.ones(2))
    (0.25, 0.25)
    """
    total = float(weights.sum())
    if total <= 0 or weights.size < 2:
        return 0.0, float("inf")
    p = weights / total
    d = candidate - baseline
    mean = float(p @ d)
    n_eff = total**2 / float(np.sum(weights**2))
    var = float(p @ (d - mean) ** 2) * n_eff / max(n_eff - 1.0, 1.0)
    return mean, float(np.sqrt(var / n_eff))
