"""The E-step shared by every EM label model (private).

A model computes each distinct vote pattern's log joint ``log P(y = c) +
log P(votes | y = c)`` (u, k) its own way (the generative model in
:mod:`weaklabel.label_model._generative_math`, Dawid-Skene and the online
model from their confusion tables); turning it into posteriors, and clamping
the patterns with a gold label to their class, happens here, once.

``e_step(log_joint, gold=None, *, overwrite=False) -> (posterior, ll)``
    Normalises unnormalised log joint probabilities (u, k) row-wise in log
    space; patterns with gold labels are clamped to their class.

``clamp_gold(posterior, gold) -> posterior``
    Sets the posterior of every pattern with a gold label (``gold >= 0``) to
    its class, in place: the E-step's clamp, and the clamp of an EM start.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["clamp_gold", "e_step"]


def clamp_gold(
    posterior: npt.NDArray[np.float64], gold: npt.NDArray[np.int64] | None
) -> npt.NDArray[np.float64]:
    """Clamp the posterior of every pattern with a gold label to its class.

    Parameters
    ----------
    posterior : ndarray of shape (u, k)
        Posteriors (or an EM start), changed in place.
    gold : ndarray of shape (u,) or None
        Gold class per pattern, -1 = unknown; None changes nothing.

    Returns
    -------
    ndarray of shape (u, k)
        ``posterior`` itself.

    Examples
    --------
    >>> import numpy as np
    >>> clamp_gold(np.full((3, 2), 0.5), np.array([-1, 1, 0])).tolist()
    [[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]]
    """
    if gold is None:
        return posterior
    known = np.flatnonzero(gold >= 0)
    if known.size:
        posterior[known] = 0.0
        posterior[known, gold[known]] = 1.0
    return posterior


def _row_reduce(X: npt.NDArray[np.float64], op: np.ufunc) -> npt.NDArray[np.float64]:
    """``op.reduce(X, axis=1)``, column by column when rows are short.

    numpy reduces a short inner axis slowly (about 5x slower than this for
    k = 2); looping over the k columns keeps every operation a long vector op.
    """
    k = X.shape[1]
    if k > 16:
        return np.asarray(op.reduce(X, axis=1))
    out = X[:, 0].copy()
    for c in range(1, k):  # loop over classes, not rows
        op(out, X[:, c], out=out)
    return out


def e_step(
    log_joint: npt.NDArray[np.float64],
    gold: npt.NDArray[np.int64] | None = None,
    *,
    overwrite: bool = False,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Normalise per-pattern log joint probabilities into posteriors.

    Parameters
    ----------
    log_joint : ndarray of shape (u, k)
        ``log P(y = c) + log P(votes | y = c)`` for every pattern; not
        modified unless ``overwrite``.
    gold : ndarray of shape (u,), default=None
        Gold class per pattern (-1 = unknown): those posteriors are clamped to
        the gold class and their log likelihood is ``log_joint[u, gold]``.
    overwrite : bool, default=False
        Write the posteriors into ``log_joint`` itself (the same numbers; EM
        on millions of patterns then does not allocate, and the kernel does
        not zero, a fresh (u, k) array every iteration).

    Returns
    -------
    posterior : ndarray of shape (u, k)
        Rows sum to 1.
    log_likelihood : ndarray of shape (u,)
        ``log P(votes)`` (or ``log P(votes, y)`` for gold patterns).

    Examples
    --------
    >>> import numpy as np
    >>> post, ll = e_step(np.log(np.array([[0.1, 0.3]])))
    >>> post.round(3), ll.round(3)
    (array([[0.25, 0.75]]), array([-0.916]))
    """
    u, k = log_joint.shape
    post = log_joint if overwrite else np.empty((u, k))
    ll = np.empty(u)
    known = np.empty(0, np.intp) if gold is None else np.flatnonzero(gold >= 0)
    cls = np.empty(0, np.intp) if gold is None else gold[known]
    gold_ll = log_joint[known, cls]  # a copy, read before any overwrite
    # Blocks of rows, so that the temporaries stay in cache (element-wise
    # operations: the same numbers as on the whole array at once).
    step = max(1, (1 << 16) // max(k, 1))
    for s in range(0, u, step):  # loop over blocks of rows
        lj = log_joint[s : s + step]
        # Subtract each row's max so the largest exponent is 0 (no overflow,
        # and the best class never underflows).
        top = _row_reduce(lj, np.maximum)
        p = post[s : s + step]
        np.subtract(lj, top[:, None], out=p)
        np.exp(p, out=p)
        total = _row_reduce(p, np.add)
        p /= total[:, None]
        np.log(total, out=ll[s : s + step])
        ll[s : s + step] += top
    if known.size:
        ll[known] = gold_ll
        clamp_gold(post, gold)
    return post, ll
