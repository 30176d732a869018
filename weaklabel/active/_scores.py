"""Scores of the active-learning strategies, per vote pattern (private).

Every strategy scores the distinct vote patterns, not the rows: rows with the
same votes get the same label-model posterior, so a pattern is scored once,
and its number of unlabeled rows says how many rows a label there informs.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "corrected_posterior",
    "entropy",
    "expected_error_gain",
    "margin",
    "vote_entropy",
]

FloatArray = npt.NDArray[np.float64]


def entropy(P: FloatArray) -> FloatArray:
    """Shannon entropy (nats) of each row of a probability table.

    >>> entropy(np.array([[0.5, 0.5], [1.0, 0.0]])).round(3).tolist()
    [0.693, 0.0]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(P > 0, np.log(np.where(P > 0, P, 1.0)), 0.0)
    out: FloatArray = np.abs((P * logs).sum(axis=1))  # abs: no -0.0
    return out


def margin(P: FloatArray) -> FloatArray:
    """One minus the gap between the two most probable classes (1 = a tie).

    >>> margin(np.array([[0.5, 0.5], [0.9, 0.1]])).round(2).tolist()
    [1.0, 0.2]
    """
    top2 = np.sort(P, axis=1)[:, -2:]
    out: FloatArray = 1.0 - (top2[:, 1] - top2[:, 0])
    return out


def vote_entropy(counts: FloatArray) -> FloatArray:
    """Entropy of the LFs' votes in each pattern (0 with fewer than two classes voted).

    >>> vote_entropy(np.array([[2.0, 2.0], [3.0, 0.0], [0.0, 0.0]])).round(3).tolist()
    [0.693, 0.0, 0.0]
    """
    total = counts.sum(axis=1, keepdims=True)
    shares = counts / np.where(total > 0, total, 1.0)
    return entropy(shares)


def corrected_posterior(
    Q: FloatArray, gold_counts: FloatArray, strength: float
) -> FloatArray:
    """Pattern posteriors updated with the gold labels seen in each pattern.

    The label model's posterior ``Q[p]`` of a vote pattern acts as a Dirichlet
    prior worth ``strength`` rows; the gold labels of rows with that pattern
    are added as counts: ``(strength * Q[p] + gold_counts[p]) / (strength +
    n_gold[p])``.  ``strength=inf`` keeps ``Q``.

    >>> corrected_posterior(np.array([[0.6, 0.4]]), np.array([[0.0, 1.0]]), 2.0)
    array([[0.4, 0.6]])
    """
    if not np.isfinite(strength):
        return Q.copy()
    n_gold = gold_counts.sum(axis=1, keepdims=True)
    out: FloatArray = (strength * Q + gold_counts) / (strength + n_gold)
    return out


def expected_error_gain(
    Q: FloatArray, n_gold: FloatArray, n_unlabeled: FloatArray, strength: float
) -> FloatArray:
    """Expected errors removed by labeling one more row of each pattern.

    The row itself stops being an error (its gold label is final): that is
    ``1 - max(Q[p])`` expected errors.  Its label also updates the pattern's
    posterior for the ``n_unlabeled[p] - 1`` other unlabeled rows (see
    :func:`corrected_posterior`): the gain there is the drop in their
    expected error ``1 - max``, averaged over the label drawn from ``Q[p]``.
    This is the "where is the label model most likely wrong" criterion of
    Active WeaSuL (Biegel et al., 2021), weighted by how many rows share the
    pattern.

    Parameters
    ----------
    Q : ndarray of shape (n_patterns, k)
        Current (corrected) posteriors.
    n_gold : ndarray of shape (n_patterns,)
        Gold rows already in each pattern.
    n_unlabeled : ndarray of shape (n_patterns,)
        Unlabeled rows in each pattern.
    strength : float
        Prior strength of :func:`corrected_posterior` (inf: no update).

    Returns
    -------
    ndarray of shape (n_patterns,)
        0 for patterns without unlabeled rows.

    Examples
    --------
    >>> Q = np.array([[0.55, 0.45], [0.95, 0.05]])
    >>> expected_error_gain(Q, np.zeros(2), np.array([10.0, 10.0]), 2.0).round(2).tolist()
    [1.53, 0.05]
    """
    k = Q.shape[1]
    err_now = 1.0 - Q.max(axis=1)
    others = np.maximum(n_unlabeled - 1.0, 0.0)
    if not np.isfinite(strength):
        gain_others = np.zeros_like(err_now)
    else:
        S = (strength + n_gold)[:, None]
        err_after = np.zeros_like(err_now)
        for c in range(k):
            Qc = S * Q
            Qc[:, c] += 1.0
            Qc /= S + 1.0
            err_after += Q[:, c] * (1.0 - Qc.max(axis=1))
        gain_others = np.maximum(err_now - err_after, 0.0)
    out: FloatArray = np.where(n_unlabeled > 0, err_now + others * gain_others, 0.0)
    return out
