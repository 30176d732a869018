"""How much the gold rows weigh in the generative model's fit (private).

Semi-supervised EM clamps the gold rows' posteriors to their class, and the
M-step counts each of them like one unlabeled row.  With a few gold rows
among many unlabeled ones that can *hurt*: where the conditionally
independent model is misspecified (correlated, imprecise rules of a rare
class), a few clamped rows pull EM out of the unsupervised optimum without
reaching the gold's own tables (cage_spear_sms, F1 .446 -> .374 with 5%
gold).  Weighing the gold rows more helps there (.567 when they carry 90%
of the weight) and hurts elsewhere (crowd web .831 -> .772), so the weight
is chosen per data set by cross-validation on the gold rows:

* candidates: the fit without gold (weight 0), each gold row counted once
  (weight 1, plain semi-supervised EM), and weights giving the gold rows
  a share ``GOLD_SHARES`` of the total weight;
* each candidate is fitted ``n_folds`` times, with the gold of one fold
  hidden, and scored by the Brier score of its posterior (from the votes
  alone) on the hidden gold labels; the fit without gold scores every gold
  row directly (it never sees them);
* a candidate replaces the fit without gold only when its mean held-out
  score is higher by more than one standard error of the paired per-row
  differences (so gold is used where the gold rows show it helps, and
  ignored where they cannot tell);
* the final fit with all the gold must score on the gold rows at least its
  folds' mean less one standard error; otherwise EM went to another optimum
  than in the folds (seen with heavy weights on rare-class data) and the
  next candidate is tried.

See benchmarks/results/label_model_research.md ("Gold never hurts").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "CV_ROWS",
    "GOLD_SHARES",
    "MIN_GOLD_ROWS",
    "N_FOLDS",
    "candidate_weights",
    "gold_score",
    "mean_score",
    "ranked",
    "stratified_folds",
    "weigh_gold",
]

FloatArray = npt.NDArray[np.float64]

# Shares of the total weight given to the gold rows (besides weight 1).
GOLD_SHARES = (0.35, 0.65, 0.9)
N_FOLDS = 5
# The cross-validation fits use every s-th unlabeled row of inputs of more
# than twice this many rows (and every gold row).
CV_ROWS = 32768
# Fewer gold rows cannot tell a helpful weight from noise: fit without gold.
MIN_GOLD_ROWS = 10
# A candidate must beat the fit without gold by this many standard errors.
_MIN_Z = 1.0


def candidate_weights(gold_total: float, unlabeled_total: float) -> list[float]:
    """Per-row gold weights to try: 1, then those giving ``GOLD_SHARES``.

    A weight ``w`` gives the gold rows the share
    ``w * gold_total / (w * gold_total + unlabeled_total)``; weights below 1
    (the gold rows are already that large a share) are dropped.

    >>> [round(w, 2) for w in candidate_weights(50.0, 950.0)]
    [1.0, 10.23, 35.29, 171.0]
    """
    out = [1.0]
    if gold_total <= 0:
        return out
    for share in GOLD_SHARES:
        w = share / (1.0 - share) * unlabeled_total / gold_total
        if w > out[-1] * 1.01:
            out.append(float(w))
    return out


def weigh_gold(
    sample_weight: FloatArray | None, y: npt.NDArray[np.int64], w: float
) -> FloatArray:
    """Row weights with every gold row's weight multiplied by ``w``."""
    base = np.ones(y.shape[0]) if sample_weight is None else sample_weight.copy()
    base[y >= 0] *= w
    return base


def stratified_folds(
    y_gold: npt.NDArray[np.int64], n_folds: int
) -> npt.NDArray[np.intp]:
    """Fold of every gold row: round-robin within each class, in row order.

    Deterministic (no random draw), and every fold gets its share of every
    class.

    >>> stratified_folds(np.array([0, 1, 0, 0, 1, 1, 0]), 3).tolist()
    [0, 1, 1, 2, 2, 0, 0]
    """
    folds = np.empty(y_gold.shape[0], dtype=np.intp)
    offset = 0
    for c in np.unique(y_gold):  # loop over classes (few)
        idx = np.flatnonzero(y_gold == c)
        folds[idx] = (np.arange(idx.size) + offset) % n_folds
        offset += idx.size
    return folds


def gold_score(proba: FloatArray, y_gold: npt.NDArray[np.int64]) -> FloatArray:
    """Per-row score of the posterior on the gold class: minus the Brier score.

    ``-sum_c (p_c - [c == y])^2``, in [-2, 0].  A proper score like the
    log-likelihood, but bounded: one confidently wrong row cannot outweigh
    many right ones (with the log-likelihood an overconfident fit without
    gold lost to blurrier, less accurate weighted fits).

    >>> gold_score(np.array([[0.75, 0.25], [0.5, 0.5]]), np.array([0, 1])).tolist()
    [-0.125, -0.5]
    """
    p = proba[np.arange(y_gold.shape[0]), y_gold]
    out: FloatArray = -((proba**2).sum(axis=1) - 2.0 * p + 1.0)
    return out


def ranked(
    baseline: FloatArray, candidates: dict[float, FloatArray], weights: FloatArray
) -> list[tuple[float, float]]:
    """Candidates that beat the fit without gold, best first, as (weight, floor).

    ``baseline`` and each candidate hold one held-out score per gold row
    (``weights``: those rows' sample weights).  A candidate must beat the
    baseline by more than one standard error of the paired differences.
    ``floor`` is the candidate's mean held-out score less one standard error:
    the final fit with all the gold, scored on the gold rows it has seen
    (an optimistic score), must reach it, else EM found another optimum than
    in the folds and the candidate is not trusted.
    """
    total = float(weights.sum())
    if total <= 0 or baseline.size < 2:
        return []
    p = weights / total
    n_eff = total**2 / float(np.sum(weights**2))

    def mean_se(x: FloatArray) -> tuple[float, float]:
        mean = float(p @ x)
        var = float(p @ (x - mean) ** 2) * n_eff / max(n_eff - 1.0, 1.0)
        return mean, float(np.sqrt(var / n_eff))

    out: list[tuple[float, float, float]] = []
    for w, score in candidates.items():
        gain, se = mean_se(score - baseline)
        if gain > _MIN_Z * se:
            mean, se_own = mean_se(score)
            out.append((mean, w, mean - se_own))
    out.sort(key=lambda t: -t[0])
    return [(w, floor) for _, w, floor in out]


def mean_score(score: FloatArray, weights: FloatArray) -> float:
    """Weighted mean of per-row scores."""
    return float(weights @ score) / float(weights.sum())
