"""Majority vote: the baseline label model."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from weaklabel.label_model._base import BaseLabelModel
from weaklabel.label_model._patterns import Patterns, majority_posterior
from weaklabel.typing import RandomStateLike

__all__ = ["MajorityVote"]


class MajorityVote(BaseLabelModel):
    """Label every row with the class most of its labeling functions vote for.

    ``predict_proba`` returns the fraction of non-abstain votes for each class,
    so a tie gives the tied classes equal probability (``predict`` then breaks
    it by ``tie_break``).  Rows where every LF abstains get ``class_prior_``:
    uniform, or the class balance of the gold labels when ``fit`` got ``y``.

    Parameters
    ----------
    cardinality : int, default=None
        Number of classes; None infers it in ``fit`` (class names carried by
        ``L``, else the largest vote + 1, at least 2).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for random tie breaking in ``predict``; None is the fixed seed 0,
        so ``predict`` at the defaults gives the same labels on every call
        (``tie_break="abstain"`` returns -1 on ties instead, as Snorkel's
        ``MajorityLabelVoter`` does by default).

    Attributes
    ----------
    class_prior_ : ndarray of shape (cardinality_,)
        Soft label of rows where every LF abstains: uniform, or the gold class
        frequencies (add-one smoothed, weighted by ``sample_weight``) when
        ``fit`` got ``y``.
    n_lfs_in_ : int
        Number of labeling functions seen in ``fit``.
    lf_names_in_ : list of str
        Their names.
    cardinality_ : int
        Number of classes.
    classes_ : list of str or None
        Class names, when ``L`` carried them.

    See Also
    --------
    DawidSkene : weighs each LF by its estimated confusion matrix.

    Notes
    -----
    Majority vote has no per-LF parameters; it defines no ``lf_accuracy_``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklabel.label_model import MajorityVote
    >>> L = np.array([[0, 0, 1], [1, -1, 1], [0, 1, -1], [-1, -1, -1]])
    >>> MajorityVote().fit(L).predict_proba(L)
    array([[0.66666667, 0.33333333],
           [0.        , 1.        ],
           [0.5       , 0.5       ],
           [0.5       , 0.5       ]])
    >>> MajorityVote().fit(L).predict(L, tie_break="abstain")
    array([ 0,  1, -1, -1])
    """

    def __init__(
        self, cardinality: int | None = None, *, random_state: RandomStateLike = None
    ) -> None:
        self.cardinality = cardinality
        self.random_state = random_state

    def _fit(
        self,
        L: npt.NDArray[np.signedinteger[Any]] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        rng: np.random.Generator,
        sample_weight: npt.NDArray[np.float64] | None = None,
    ) -> None:
        k = self.cardinality_
        prior = np.full(k, 1.0 / k)
        if y is not None:
            known = y >= 0
            if known.any():
                w = None if sample_weight is None else sample_weight[known]
                counts = np.bincount(y[known], weights=w, minlength=k) + 1.0
                prior = counts / counts.sum()
        self.class_prior_ = prior

    def _predict_proba_patterns(self, patterns: Patterns) -> npt.NDArray[np.float64]:
        return majority_posterior(patterns, self.cardinality_, self.class_prior_)
