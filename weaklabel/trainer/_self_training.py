"""Self-training on weak labels (private): pick the rows to relabel.

After a fit on the weak (soft) labels, the network labels the rows no LF
voted on, and overrides weak labels it confidently disagrees with; it is then
refitted from scratch on the weak rows plus those pseudo-labels (COSINE, Yu et
al., NAACL 2021, without the contrastive term).  Guards against confirmation
bias:

- only predictions at or above a confidence threshold are used, and a weak
  label is overridden only when the network is more confident than the weak
  label itself;
- pseudo-labels of uncovered rows are drawn per class in proportion to the
  weak labels' class balance (the most confident first), so one class cannot
  take over the unlabelled pool;
- every pseudo-labelled row weighs its confidence;
- the pseudo-labels are recomputed from the newest network each round (not
  accumulated), and each round trains a fresh network, so a mistake of one
  round is not built upon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PseudoLabels", "select_pseudo_labels"]

IndexArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PseudoLabels:
    """Targets and rows of one self-training round."""

    targets: npt.NDArray[np.float32]
    """(n, k): the weak targets with confident corrections and pseudo-labels."""
    rows: IndexArray
    """Sorted training rows: the weak rows and the pseudo-labelled ones."""
    weight: npt.NDArray[np.float32]
    """(n,): 1 for weak rows, the network's confidence for changed rows."""
    n_added: int
    """Uncovered rows that got a pseudo-label."""
    n_corrected: int
    """Weak labels replaced by the network's prediction."""


def select_pseudo_labels(
    model_proba: npt.NDArray[np.float64],
    targets: npt.NDArray[np.float32],
    weak_rows: IndexArray,
    pool_rows: IndexArray,
    *,
    threshold: float,
) -> PseudoLabels:
    """Choose the pseudo-labels and corrections for the next round.

    Parameters
    ----------
    model_proba : ndarray of shape (n, k)
        The network's class probabilities (rows outside ``weak_rows`` and
        ``pool_rows`` are ignored).
    targets : ndarray of shape (n, k)
        The weak targets (soft labels).
    weak_rows : int ndarray
        Rows trained on with their weak label.
    pool_rows : int ndarray
        Rows with no weak label (every LF abstained).
    threshold : float
        Minimum confidence of the network's prediction.

    Returns
    -------
    PseudoLabels

    Examples
    --------
    >>> import numpy as np
    >>> model = np.array([[0.99, 0.01], [0.2, 0.8], [0.05, 0.95], [0.6, 0.4]])
    >>> weak = np.array([[0.7, 0.3], [0.1, 0.9], [0.5, 0.5], [0.5, 0.5]],
    ...                 dtype=np.float32)
    >>> out = select_pseudo_labels(model, weak, np.array([0, 1]),
    ...                            np.array([2, 3]), threshold=0.9)
    >>> out.rows.tolist(), out.n_added, out.n_corrected
    ([0, 1, 2], 1, 0)
    >>> out.targets[2].tolist()
    [0.0, 1.0]
    """
    n, k = targets.shape
    new = targets.copy()
    weight = np.ones(n, dtype=np.float32)
    conf = model_proba.max(axis=1)
    pred = model_proba.argmax(axis=1)
    eye = np.eye(k, dtype=np.float32)

    # Corrections: a confident prediction that disagrees with a less
    # confident weak label.
    w = weak_rows
    flip = (
        (pred[w] != targets[w].argmax(axis=1))
        & (conf[w] >= threshold)
        & (conf[w] > targets[w].max(axis=1))
    )
    corrected = w[flip]
    new[corrected] = eye[pred[corrected]]
    weight[corrected] = conf[corrected]

    # Uncovered rows: confident predictions, class-balanced like the weak labels.
    confident = pool_rows[conf[pool_rows] >= threshold]
    prior = targets[w].mean(axis=0, dtype=np.float64) if w.size else np.full(k, 1 / k)
    chosen: list[IndexArray] = []
    for c in range(k):
        cand = confident[pred[confident] == c]
        cap = math.ceil(prior[c] * confident.size)
        if cand.size > cap:
            order = np.argsort(-conf[cand], kind="stable")
            cand = cand[order[:cap]]
        chosen.append(cand)
    added = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    new[added] = eye[pred[added]]
    weight[added] = conf[added]
    rows = np.sort(np.concatenate([w, added])).astype(np.int64)
    return PseudoLabels(new, rows, weight, int(added.size), int(corrected.size))
