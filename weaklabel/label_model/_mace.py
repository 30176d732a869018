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


def _entries(
    onehot: sp.csr_array, k: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(pattern, LF, vote) of every vote in a one-hot matrix (u, m * k)."""
    idx = np.asarray(onehot.indices, dtype=np.intp)
    row = np.repeat(np.arange(onehot.shape[0], dtype=np.intp), np.diff(onehot.indptr))
    return row, idx // k, idx % k


def log_joint(
    onehot: sp.csr_array, k: int, competence: FloatArray, spam: FloatArray
) -> FloatArray:
    """Log P(votes of each pattern | y = c) up to a per-pattern constant (u, k).

    Parameters
    ----------
    onehot : csr_array of shape (u, m * k)
        The patterns' votes, a 1 at ``j * k + v``.
    k : int
    competence : ndarray of shape (m,)
    spam : ndarray of shape (m, k)

    Examples
    --------
    >>> oh = sp.csr_array(np.array([[1.0, 0.0, 0.0, 1.0]]))  # LF 0 votes 0, LF 1 votes 1
    >>> rel = log_joint(oh, 2, np.array([0.9, 0.5]), np.full((2, 2), 0.5))
    >>> bool(rel[0, 0] > rel[0, 1])  # the more competent LF wins
    True
    """
    row, lf, vote = _entries(onehot, k)
    theta = np.clip(competence, 1e-9, 1 - 1e-9)[lf]
    guess = (1 - theta) * np.maximum(spam[lf, vote], 1e-12)
    other = np.log(guess)
    out = np.zeros((onehot.shape[0], k))
    out += np.bincount(row, other, minlength=onehot.shape[0])[:, None]
    np.add.at(out, (row, vote), np.log(theta + guess) - other)
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
    at most ``tol``).
    """
    m = onehot.shape[1] // k
    row, lf, vote = _entries(onehot, k)
    w = np.asarray(counts, dtype=np.float64)[row]
    per_lf = np.bincount(lf, w, minlength=m)
    n = float(np.sum(counts))
    competence = np.full(m, 0.5)
    spam = np.full((m, k), 1.0 / k)
    post = start
    ll, change, converged = -np.inf, np.inf, False
    for _ in range(int(max_iter)):  # EM iterations
        # the chance that a vote was the true class answered knowingly
        theta = competence[lf]
        knew = theta / (theta + (1 - theta) * spam[lf, vote])
        right = post[row, vote] * knew
        competence = (np.bincount(lf, w * right, minlength=m) + smoothing) / (
            per_lf + 2 * smoothing
        )
        spam = np.full((m, k), smoothing)
        np.add.at(spam, (lf, vote), w * (1 - right))
        spam /= spam.sum(axis=1, keepdims=True)
        post, row_ll = e_step(log_joint(onehot, k, competence, spam), gold)
        new_ll = float(counts @ row_ll)
        change = (new_ll - ll) / max(n, 1e-12)
        ll = new_ll
        if abs(change) <= tol:
            converged = True
            break
    return competence, spam, converged, float(change)
