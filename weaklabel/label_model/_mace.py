"""MACE's worker model, fitted by EM on vote patterns (private).

MACE (Hovy et al., 2013, "Learning Whom to Trust with MACE") models each
worker ``j`` as answering the true class with probability ``theta_j`` (its
competence) and otherwise "spamming": drawing its answer from its own
distribution ``xi_j`` over the classes, whatever the true class.  So

    P(vote v | y = c) = theta_j [v == c] + (1 - theta_j) xi_j(v),

and a worker's answers for a class it favours count for less.  The classes
have no prior (uniform), as in MACE; abstains carry nothing.  The EM here is
plain MAP EM with ``smoothing`` pseudo-counts on both tables, on the distinct
vote patterns weighted by their counts, with gold patterns clamped.

``fit(onehot, k, counts, gold, start, ...) -> (competence, spam, converged, change)``
``log_joint(onehot, k, competence, spam) -> (u, k)``
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from weaklabel.label_model._estep import e_step

__all__ = ["fit", "log_joint"]

FloatArray = npt.NDArray[np.float64]

#: Pseudo-counts added to every competence (twice: right and spam) and to
#: every class of every spam distribution.
SMOOTHING = 0.01


def _log_table(competence: FloatArray, spam: FloatArray) -> FloatArray:
    """Log P(vote v of LF j | y = c) at ``[j * k + v, c]``, shape (m * k, k)."""
    m, k = spam.shape
    theta = np.clip(competence, 1e-9, 1 - 1e-9)[:, None]
    guess = (1 - theta) * np.maximum(spam, 1e-12)
    other = np.log(guess).reshape(-1)
    table = np.repeat(other[:, None], k, axis=1)
    cells = np.arange(m * k)
    table[cells, cells % k] = np.log(theta + guess).reshape(-1)
    return table


def log_joint(
    onehot: sp.csr_array, k: int, competence: FloatArray, spam: FloatArray
) -> FloatArray:
    """Log P(votes of each pattern | y = c), shape (u, k).

    Parameters
    ----------
    onehot : csr_array of shape (u, m * k)
        The patterns' votes, a 1 at ``j * k + v``.
    k : int
    competence : ndarray of shape (m,)
    spam : ndarray of shape (m, k)

    Examples
    --------
    >>> oh = sp.csr_array(np.array([[1.0, 0.0, 0.0, 1.0]]))  # votes 0 and 1
    >>> rel = log_joint(oh, 2, np.array([0.9, 0.5]), np.full((2, 2), 0.5))
    >>> bool(rel[0, 0] > rel[0, 1])  # the more competent LF wins
    True
    """
    out: FloatArray = np.asarray(onehot @ _log_table(competence, spam))
    return out


def fit(
    onehot: sp.csr_array,
    k: int,
    counts: FloatArray,
    gold: npt.NDArray[np.int64] | None,
    start: FloatArray,
    *,
    max_iter: int,
    tol: float,
    smoothing: float = SMOOTHING,
) -> tuple[FloatArray, FloatArray, bool, float]:
    """EM for MACE's tables from a start posterior (u, k), e.g. majority vote.

    Returns ``(competence (m,), spam (m, k), converged, change)``: ``change``
    is the last change of the log-likelihood per row (converged when it is
    at most ``tol``).  Each iteration is two products with the one-hot
    matrix: the expected votes of every (LF, vote) on every class, and the
    patterns' log-likelihoods.
    """
    m = onehot.shape[1] // k
    w = np.asarray(counts, dtype=np.float64)
    ohT = onehot.T.tocsr()
    votes = np.asarray(ohT @ w).reshape(m, k)  # weighted votes of (LF, vote)
    cells = np.arange(m * k)
    n = float(np.sum(w))
    competence = np.full(m, 0.5)
    spam = np.full((m, k), 1.0 / k)
    post = start
    ll, change, converged = -np.inf, np.inf, False
    for _ in range(int(max_iter)):  # EM iterations
        # weighted P(y = v) summed over the votes v of each (LF, vote)
        on_own = np.asarray(ohT @ (w[:, None] * post))[cells, cells % k]
        theta = competence[:, None]
        knew = theta / (theta + (1 - theta) * spam)  # P(answered knowingly | y = v)
        right = knew * on_own.reshape(m, k)
        competence = (right.sum(axis=1) + smoothing) / (
            votes.sum(axis=1) + 2 * smoothing
        )
        spam = np.maximum(votes - right, 0.0) + smoothing
        spam /= spam.sum(axis=1, keepdims=True)
        post, row_ll = e_step(log_joint(onehot, k, competence, spam), gold)
        new_ll = float(w @ row_ll)
        change = (new_ll - ll) / max(n, 1e-12)
        ll = new_ll
        if abs(change) <= tol:
            converged = True
            break
    return competence, spam, converged, float(change)
