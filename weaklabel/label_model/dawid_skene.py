"""Dawid-Skene: EM over class-conditional confusion matrices."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from weaklabel._validation import check_int_param, check_real_param
from weaklabel.exceptions import warn_unconverged
from weaklabel.label_model._base import BaseLabelModel, convergence_change
from weaklabel.label_model._estep import clamp_gold, e_step
from weaklabel.label_model._patterns import (
    OneHotEM,
    Patterns,
    compress,
    majority_posterior,
    relative_log_joint,
)
from weaklabel.typing import RandomStateLike

__all__ = ["DawidSkene"]

_INITS = ("majority", "random")
_TINY = np.finfo(np.float64).tiny


def _prior_counts(k: int, alpha: float) -> npt.NDArray[np.float64]:
    """Dirichlet pseudo-counts of a confusion row: alpha on the diagonal."""
    A = np.full((k, k), alpha / k)
    np.fill_diagonal(A, alpha)
    return A


def _m_step(
    stats: npt.NDArray[np.float64],
    class_weight: npt.NDArray[np.float64],
    A: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return (class_prior, confusion) from expected counts.

    ``stats[j, v, c]`` is the expected number of votes ``v`` of LF ``j`` on
    rows of class ``c``; ``class_weight[c]`` the expected number of rows of
    class ``c``.  Both get pseudo-counts (posterior mode of Dirichlet priors).
    """
    counts = stats.transpose(0, 2, 1) + A  # (m, true class, vote)
    confusion = counts / counts.sum(axis=2, keepdims=True)
    prior = (class_weight + 1.0) / (class_weight.sum() + class_weight.size)
    return prior, confusion


def _log_table(confusion: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """log confusion, laid out (m, vote, class) for :func:`vote_log_likelihood`."""
    return np.ascontiguousarray(np.log(np.maximum(confusion, _TINY)).transpose(0, 2, 1))


class DawidSkene(BaseLabelModel):
    """Dawid-Skene label model: one confusion matrix per labeling function.

    Each LF ``j`` votes ``v`` on a row of true class ``c`` with probability
    ``lf_confusion_[j, c, v]``; abstains are ignored (they carry no
    information in this model, as in crowd-kit's classic Dawid-Skene).  The
    parameters are fitted by EM, started from majority vote, with Dirichlet
    pseudo-counts favouring the diagonal so that LFs that rarely vote do not
    degenerate.  Rows are compressed to distinct vote patterns, and the E- and
    M-steps are sparse matrix products.

    Use it for crowd workers, who each answer some items with any class.  With
    one-sided LFs (keyword rules that only ever vote one class and abstain
    otherwise) all of the information is in *whether* an LF fires, which this
    model ignores, so it can collapse toward one class (YouTube spam: 0.53
    accuracy against majority vote's 0.81); :class:`LabelModel` models the
    abstains and is the better default there.

    Parameters
    ----------
    cardinality : int, default=None
        Number of classes; None infers it in ``fit`` (class names carried by
        ``L``, else the largest vote + 1, at least 2).
    max_iter : int, default=100
        Maximum number of EM iterations.
    tol : float, default=1e-5
        Stop when the penalised log-likelihood per row improves by less.
    alpha : float, default=1.0
        Strength of the Dirichlet smoothing of every confusion row: ``alpha``
        pseudo-votes for the true class and ``alpha / cardinality`` for each
        other class.  0 gives the unsmoothed maximum-likelihood model.
    init : {"majority", "random"}, default="majority"
        Start EM from majority vote's soft labels, or from random ones drawn
        with ``random_state``.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for ``init="random"`` and for random tie breaking in ``predict``.

    Attributes
    ----------
    class_prior_ : ndarray of shape (cardinality_,)
        Estimated class balance (the soft label of rows where every LF abstains).
    lf_confusion_ : ndarray of shape (n_lfs_in_, cardinality_, cardinality_)
        ``lf_confusion_[j, c, v]`` = P(LF j votes v | true class c, LF j votes).
    lf_accuracy_ : ndarray of shape (n_lfs_in_,)
        P(vote == true class | the LF votes) under the fitted model, averaged
        over the rows the LF voted on (the class balance for an LF that never
        votes).
    n_iter_ : int
        Number of EM iterations run.
    converged_ : bool
        Whether EM stopped because the improvement fell below ``tol``.
    log_likelihood_ : float
        Log-likelihood of the training votes (and gold labels) under the
        fitted model.
    n_lfs_in_, lf_names_in_, cardinality_, classes_
        As in :class:`~weaklabel.label_model.BaseLabelModel`.

    See Also
    --------
    MajorityVote : the unweighted baseline, and this model's starting point.

    Notes
    -----
    Dawid, A. P. and Skene, A. M. (1979). Maximum likelihood estimation of
    observer error-rates using the EM algorithm. *Applied Statistics* 28(1).

    With gold labels (``fit(L, y)``, -1 where unknown) the posterior of every
    labelled row is clamped to its gold class (semi-supervised EM).

    Examples
    --------
    >>> from weaklabel.label_model import DawidSkene
    >>> from weaklabel.synthetic import make_votes
    >>> data = make_votes(2000, 8, random_state=0)
    >>> model = DawidSkene(random_state=0).fit(data.L)
    >>> model.predict_proba(data.L).shape
    (2000, 2)
    >>> bool(model.score(data.L, data.y) > 0.8)
    True
    """

    _saved_attributes = (
        "class_prior_",
        "lf_confusion_",
        "lf_accuracy_",
        "n_iter_",
        "converged_",
        "log_likelihood_",
    )

    def __init__(
        self,
        cardinality: int | None = None,
        *,
        max_iter: int = 100,
        tol: float = 1e-5,
        alpha: float = 1.0,
        init: Literal["majority", "random"] = "majority",
        random_state: RandomStateLike = None,
    ) -> None:
        self.cardinality = cardinality
        self.max_iter = max_iter
        self.tol = tol
        self.alpha = alpha
        self.init = init
        self.random_state = random_state

    def _check_params(self) -> None:
        check_int_param(self.max_iter, "max_iter", self._name, low=1)
        check_real_param(self.tol, "tol", self._name, low=0)
        check_real_param(self.alpha, "alpha", self._name, low=0)
        if self.init not in _INITS:
            raise ValueError(
                f"The 'init' parameter of {self._name} must be one of {_INITS}."
                f" Got {self.init!r} instead."
            )

    def _fit(
        self,
        L: npt.NDArray[np.signedinteger[Any]] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        rng: np.random.Generator,
        sample_weight: npt.NDArray[np.float64] | None = None,
    ) -> None:
        k = self.cardinality_
        P = compress(L, y, sample_weight)
        n = float(P.counts.sum())
        em = OneHotEM(P, k)
        A = _prior_counts(k, float(self.alpha))

        if self.init == "majority":
            post = majority_posterior(P, k, counts=em.vote_counts())
        else:
            post = rng.dirichlet(np.ones(k), size=P.n_patterns)
        clamp_gold(post, P.gold)

        objective = -np.inf
        converged = False
        n_iter = 0
        delta = np.inf
        ll_total = 0.0
        for n_iter in range(1, int(self.max_iter) + 1):  # noqa: B007
            stats = em.statistics(post)
            prior, confusion = _m_step(stats, P.counts @ post, A)
            log_table = _log_table(confusion)
            rel, offset = em.log_likelihood(log_table, np.log(prior))
            post, ll = e_step(rel, P.gold, overwrite=True)
            ll_total = float(P.counts @ ll) + offset
            # MAP objective (monotone under EM): data log-likelihood + log priors.
            penalty = float(np.sum(A * log_table.transpose(0, 2, 1))) + float(
                np.sum(np.log(prior))
            )
            new_objective = (ll_total + penalty) / n
            delta = new_objective - objective
            objective = new_objective
            if abs(delta) <= self.tol:
                converged = True
                break

        if not converged:
            warn_unconverged(
                f"{self._name} did not converge in max_iter={self.max_iter}"
                f" iterations ({convergence_change(delta, self.tol)})."
                " Increase max_iter, loosen tol, or increase alpha if some LFs"
                " vote on very few rows."
            )

        final = em.statistics(post).transpose(0, 2, 1)  # (m, class, vote)
        fires_on = final.sum(axis=2)  # (m, class): expected class mix where j votes
        mix = (fires_on + prior) / (fires_on.sum(axis=1, keepdims=True) + 1.0)
        self.class_prior_ = prior
        self.lf_confusion_ = confusion
        self.lf_accuracy_ = np.einsum("jc,jcc->j", mix, confusion)
        self.n_iter_ = int(n_iter)
        self.converged_ = bool(converged)
        self.log_likelihood_ = ll_total

    def _predict_proba_patterns(self, patterns: Patterns) -> npt.NDArray[np.float64]:
        rel = relative_log_joint(
            patterns,
            _log_table(self.lf_confusion_),
            np.log(np.maximum(self.class_prior_, _TINY)),
        )
        post, _ = e_step(rel)
        return post
