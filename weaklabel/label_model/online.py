"""Online (stepwise) EM for a class-conditional label model with informative abstains.

:class:`OnlineLabelModel` fits the same kind of model as the batch label
models — a latent class ``y`` with prior ``pi`` and, for every labeling
function ``j``, a class-conditional distribution ``theta[j, y, v]`` over its
``k + 1`` possible outputs (abstain, class 0, ..., class k-1), so that *how
often* an LF abstains may depend on the class ("informative abstains") — but
it learns from a stream of chunks and never holds more than one chunk's
vote patterns in memory (nor more than the chunk's per-row arrays while
compressing it).  Use it when the distinct vote patterns of the data
are themselves too many for memory, for data that arrives as a stream, or
through Dask (:func:`weaklabel.scale.fit_dask` streams the partitions).

Step-size schedule
------------------
Stepwise EM (Sato & Ishii 2000; Cappé & Moulines 2009; Liang & Klein 2009)
keeps the expected sufficient statistics ``s`` (per-row averages) and, for
the ``t``-th mini-batch (``t = 0, 1, ...``; ``batch_size`` rows each),
replaces them with

    s <- (1 - eta_t) * s + eta_t * s_hat(batch),    eta_t = (t + 2) ** (-kappa)

where ``s_hat(batch)`` are the statistics of the batch under the current
parameters (its E-step), after which the parameters are recomputed from
``s`` (the M-step).  With ``kappa`` in ``(0.5, 1]`` the steps satisfy the
Robbins-Monro conditions (``sum eta_t = inf``, ``sum eta_t**2 < inf``), so
the iterates converge to a stationary point of the likelihood; smaller
``kappa`` forgets the early, poorly estimated statistics faster (Liang &
Klein found 0.5-0.7 best in practice), ``kappa = 1`` weighs all chunks alike
(``eta_t = 1 / (t + 2)``).  The very first batch initialises ``s`` from
majority-vote responsibilities, which also fixes which latent class is
which.  ``t`` counts every update since the first (``n_batches_seen_``), so
``partial_fit`` calls and epochs continue one schedule.

Priors: the M-step adds Dirichlet pseudo-counts (one to every cell, one more
to an LF voting for the true class, one to every class of ``pi``), scaled by
the number of rows seen so far, so that a sparse LF or an unseen vote never
gets probability zero and better-than-random is the default belief.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from typing_extensions import Self

from weaklabel._validation import (
    DEFAULT_SEED,
    _sparse_to_dense,
    as_generator,
    check_gold,
    check_int_param,
    check_real_param,
    check_votes,
    class_names_of,
)
from weaklabel.label_model._base import (
    BaseLabelModel,
    _check_sample_weight,
)
from weaklabel.label_model._estep import e_step
from weaklabel.label_model._patterns import (
    Patterns,
    compress,
    one_hot,
    vote_log_likelihood,
    vote_statistics,
)
from weaklabel.typing import RandomStateLike, VoteMatrixLike

__all__ = ["OnlineLabelModel"]

FloatArray = npt.NDArray[np.float64]


def _shifted_one_hot(patterns: Patterns, cardinality: int) -> sp.csr_array:
    """One-hot of ``vote + 1`` over k + 1 outputs: abstain is output 0.

    Column ``j * (k + 1) + vote + 1``; every (LF, pattern) has exactly one 1.
    """
    votes = patterns.votes
    if patterns.is_sparse:  # crowd-style sparse votes: densify this chunk
        votes = _sparse_to_dense(sp.csr_array(votes))
    shifted = Patterns(
        votes=np.asarray(votes, dtype=np.int32) + 1,
        counts=patterns.counts,
        inverse=patterns.inverse,
    )
    return one_hot(shifted, cardinality + 1)


def _log_joint(
    X: sp.csr_array, log_prior: FloatArray, log_vote: FloatArray
) -> FloatArray:
    """``log p(y = c) + log p(votes_u | y = c)``, shape (u, k).

    ``log_vote`` has shape (m, k, k + 1) (class, then output with abstain 0).
    """
    return vote_log_likelihood(X, log_vote.transpose(0, 2, 1)) + log_prior[None, :]


def _statistics(
    X: sp.csr_array, posterior: FloatArray, weights: FloatArray, n_lfs: int
) -> tuple[FloatArray, FloatArray]:
    """Per-row averages of the complete-data sufficient statistics.

    Returns ``(s_prior, s_vote)`` of shapes (k,) and (m, k, k + 1):
    ``s_prior[c]`` = mean of p(y = c | votes), ``s_vote[j, c, v]`` = mean of
    p(y = c | votes) * [output of LF j = v] (v = 0 is abstain).
    """
    w = posterior * (weights / weights.sum())[:, None]
    s_prior = w.sum(axis=0)
    s_vote = vote_statistics(sp.csr_array(X.T), w, n_lfs)  # (m, k + 1, k)
    return s_prior, np.ascontiguousarray(s_vote.transpose(0, 2, 1))


def _m_step(
    s_prior: FloatArray, s_vote: FloatArray, n_seen: float
) -> tuple[FloatArray, FloatArray]:
    """MAP parameters ``(log pi, log theta)`` from averaged statistics.

    The Dirichlet pseudo-counts (one per cell, one more for a correct vote,
    one per class of pi) are divided by the number of rows seen, since the
    statistics are per-row averages.
    """
    _, k, k1 = s_vote.shape
    scale = 1.0 / max(float(n_seen), 1.0)
    pi = s_prior + scale
    log_prior = np.log(pi / pi.sum())
    pseudo = np.ones((k, k1))
    pseudo[np.arange(k), np.arange(k) + 1] += 1.0
    counts = s_vote + scale * pseudo[None, :, :]
    log_vote = np.log(counts / counts.sum(axis=2, keepdims=True))
    return log_prior, log_vote


def _step_size(t: int, kappa: float) -> float:
    """Stepwise-EM step size ``eta_t = (t + 2) ** -kappa``."""
    return float((t + 2.0) ** (-kappa))


def _split_weights(
    weights: FloatArray, batch_size: int, rng: np.random.Generator
) -> Iterator[FloatArray]:
    """Deal the rows behind pattern weights into mini-batches of ~batch_size rows.

    Integer weights (pattern counts) are split by multinomial thinning: every
    row goes to one of the ``ceil(total / batch_size)`` batches uniformly at
    random, exactly as if the uncompressed rows had been shuffled and cut,
    without ever expanding them.  Fractional weights send each pattern, whole,
    to a random batch.
    """
    total = float(weights.sum())
    n_batches = max(1, int(np.ceil(total / batch_size)))
    if n_batches == 1:
        yield weights
        return
    if np.array_equal(weights, np.round(weights)):
        remaining = weights.astype(np.int64)
        for b in range(n_batches - 1):
            take = rng.binomial(remaining, 1.0 / (n_batches - b))
            remaining -= take
            yield take.astype(np.float64)
        yield remaining.astype(np.float64)
    else:
        which = rng.integers(n_batches, size=weights.shape[0])
        for b in range(n_batches):
            yield np.where(which == b, weights, 0.0)


class OnlineLabelModel(BaseLabelModel):
    """Label model fitted by online (stepwise) EM over mini-batches of rows.

    A latent class ``y`` with prior ``pi`` and, for each labeling function, a
    distribution over its ``k + 1`` outputs (abstain or one of the ``k``
    classes) given ``y``: a class-conditional model in which abstaining is
    informative.  Each mini-batch of ``batch_size`` rows makes one stepwise
    update with step size ``eta_t = (t + 2) ** -kappa`` (see the module
    docstring), so neither the rows nor their distinct vote patterns need to
    fit in memory at once: ``partial_fit`` learns from one chunk (cut into
    mini-batches), ``fit`` runs ``n_epochs`` passes over all the rows.

    Rows are compressed to vote patterns first, and mini-batches are dealt
    from the pattern counts by multinomial thinning: the same as shuffling
    the rows and cutting them into batches, at the cost of the patterns.

    Parameters
    ----------
    cardinality : int, default=None
        Number of classes k; None infers it at the first fit (see
        :class:`~weaklabel.label_model.BaseLabelModel`).
    kappa : float, default=0.7
        Decay exponent of the step size, in (0.5, 1].
    batch_size : int, default=1000
        Rows per stepwise update.  Smaller batches make more, noisier
        updates; a few hundred updates per fit are needed for the estimates
        to settle (``fit`` makes ``n_epochs * n_samples / batch_size``).
    n_epochs : int, default=10
        Passes over the data in :meth:`fit` (and in
        :func:`weaklabel.scale.fit_dask`).
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the dealing of rows into mini-batches and random tie breaking
        in ``predict``.

    Attributes
    ----------
    class_prior_ : ndarray of shape (k,)
        Learned class balance.
    vote_proba_ : ndarray of shape (n_lfs, k, k + 1)
        ``vote_proba_[j, c, 0]`` is the probability that LF j abstains given
        class c, ``vote_proba_[j, c, v + 1]`` that it votes v.
    accuracy_ : ndarray of shape (n_lfs,)
        Probability that an LF's vote is right given that it voted,
        averaged over the classes with ``class_prior_``.
    n_batches_seen_ : int
        Number of stepwise updates made so far (``t``).
    n_samples_seen_ : float
        Number of rows (sum of sample weights) learned from, epochs counted.
    stats_prior_, stats_vote_ : ndarray
        The running sufficient statistics (kept so that ``partial_fit`` can
        go on after ``save``/``load``).
    n_lfs_in_, lf_names_in_, cardinality_, classes_
        As in :class:`~weaklabel.label_model.BaseLabelModel`.

    See Also
    --------
    weaklabel.scale.fit_dask : streams the partitions of a Dask vote matrix
        through this model.

    Notes
    -----
    Cappé, O. & Moulines, E. (2009). On-line expectation-maximization
    algorithm for latent data models. JRSS B 71(3).  Liang, P. & Klein, D.
    (2009). Online EM for unsupervised models. NAACL.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[0, 0, -1], [1, 1, 1], [0, -1, 0], [1, 1, -1]] * 50)
    >>> model = OnlineLabelModel(batch_size=50, random_state=0).fit(L)
    >>> model.predict(np.array([[0, 0, 0], [1, 1, 1]]))
    array([0, 1])
    >>> streamed = OnlineLabelModel(batch_size=100).partial_fit(L[:100])
    >>> streamed.partial_fit(L[100:]).n_batches_seen_
    2
    """

    _saved_attributes: ClassVar[tuple[str, ...]] = (
        "class_prior_",
        "vote_proba_",
        "accuracy_",
        "n_batches_seen_",
        "n_samples_seen_",
        "stats_prior_",
        "stats_vote_",
    )

    def __init__(
        self,
        cardinality: int | None = None,
        *,
        kappa: float = 0.7,
        batch_size: int = 1000,
        n_epochs: int = 10,
        random_state: RandomStateLike = None,
    ) -> None:
        self.cardinality = cardinality
        self.kappa = kappa
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.random_state = random_state

    # ------------------------------------------------------------- params
    def _check_params(self) -> None:
        check_real_param(
            self.kappa, "kappa", self._name, low=0.5, low_inclusive=False, high=1.0
        )
        check_int_param(self.batch_size, "batch_size", self._name, low=1)
        check_int_param(self.n_epochs, "n_epochs", self._name, low=1)

    # ------------------------------------------------------------ fitting
    def _reset(self) -> None:
        """Forget everything learned, so that the next update starts afresh."""
        for name in (
            "n_lfs_in_",
            "lf_names_in_",
            "cardinality_",
            "classes_",
            *self._saved_attributes,
        ):
            if hasattr(self, name):
                delattr(self, name)

    def _rng(self) -> np.random.Generator:
        """A generator for this update: reproducible per (seed, updates made)."""
        seed = DEFAULT_SEED if self.random_state is None else self.random_state
        if isinstance(seed, Integral) and not isinstance(seed, bool):
            return np.random.default_rng(
                [int(seed), getattr(self, "n_batches_seen_", 0)]
            )
        return as_generator(seed)

    def _fit(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        rng: np.random.Generator,
        sample_weight: npt.NDArray[np.float64] | None = None,
    ) -> None:
        """``n_epochs`` passes of mini-batch stepwise EM, from scratch."""
        for name in self._saved_attributes:  # fit starts over
            self.__dict__.pop(name, None)
        P = compress(L, y, sample_weight)
        for _ in range(int(self.n_epochs)):
            self._learn(P, P.counts, rng)

    def partial_fit(
        self,
        L: VoteMatrixLike,
        y: npt.ArrayLike | None = None,
        *,
        sample_weight: npt.ArrayLike | None = None,
    ) -> Self:
        """Learn from one chunk of rows: one stepwise update per mini-batch.

        The chunk is cut into ``ceil(n_chunk / batch_size)`` random
        mini-batches (one update each).  The first call sets the LFs, the
        number of classes and the initial statistics (majority vote on the
        first mini-batch); later calls must pass the same LFs in the same
        order.

        Parameters
        ----------
        L : array-like, DataFrame or scipy.sparse of shape (n_chunk, n_lfs)
            Votes of the chunk.
        y : array-like of shape (n_chunk,), default=None
            Optional gold labels, -1 where unknown.
        sample_weight : array-like of shape (n_chunk,), default=None
            Non-negative row weights (e.g. pattern counts: a table of distinct
            patterns with counts is learned from as the rows it stands for).

        Returns
        -------
        self
        """
        self._check_params()
        first = not hasattr(self, "n_batches_seen_")
        if first:
            self._reset()
        P, weights = self._compressed(L, y, sample_weight, first=first)
        self._learn(P, weights, self._rng())
        return self

    def fit_chunks(
        self,
        n_chunks: int,
        read_chunks: Callable[
            [npt.NDArray[np.intp]],
            Iterable[tuple[VoteMatrixLike, npt.ArrayLike | None]],
        ],
    ) -> Self:
        """Fit from scratch on data held in chunks, one chunk in memory at a time.

        Runs ``n_epochs`` passes; each pass visits the ``n_chunks`` chunks in a
        new random order drawn from ``random_state`` and learns from each with
        :meth:`partial_fit`.  Used by :func:`weaklabel.scale.fit_dask`, where a
        chunk is one Dask partition's table of vote patterns with counts.

        Parameters
        ----------
        n_chunks : int
            Number of chunks.
        read_chunks : callable
            ``read_chunks(order)`` yields ``(L, sample_weight)`` for the chunks
            numbered in ``order`` (an int array), in that order; it may load
            several at once.  ``sample_weight`` may be None.

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> chunks = [np.array([[0, 0], [1, 1]] * 50), np.array([[0, -1], [1, 1]] * 50)]
        >>> model = OnlineLabelModel(batch_size=50, n_epochs=2, random_state=0)
        >>> model = model.fit_chunks(2, lambda order: ((chunks[i], None) for i in order))
        >>> model.n_batches_seen_
        8
        """
        self._check_params()
        check_int_param(n_chunks, "n_chunks", self._name, low=1)
        self._reset()
        rng = as_generator(self.random_state)
        for _ in range(int(self.n_epochs)):
            for L, weight in read_chunks(rng.permutation(int(n_chunks))):
                self.partial_fit(L, sample_weight=weight)
        return self

    def _compressed(
        self, L: Any, y: Any, sample_weight: Any, *, first: bool
    ) -> tuple[Patterns, FloatArray]:
        """Validate a chunk (setting the base attributes on the first); compress it."""
        if first:
            Lv = check_votes(L, owner=self._name, accept_sparse=True)
            classes = class_names_of(L)
            k = self._resolve_cardinality(L, Lv, y, classes)
            self._record_input(L, Lv.shape[1], k, classes)
        else:
            Lv = self._validate_for_predict(L, "partial_fit")
        n = Lv.shape[0]
        gold = None if y is None else check_gold(y, n, self.cardinality_)
        remap = None if first or gold is None else self._check_class_names(L)
        if gold is not None and remap is not None:
            # gold indexes L's classes, like its votes (matched by name)
            gold = np.where(gold >= 0, remap[np.maximum(gold, 0)], gold)
        weight = (
            None
            if sample_weight is None
            else _check_sample_weight(sample_weight, n, self._name)
        )
        P = compress(Lv, gold, weight)
        return P, P.counts

    def _learn(
        self, P: Patterns, weights: FloatArray, rng: np.random.Generator
    ) -> None:
        """Stepwise updates over mini-batches dealt from the pattern weights."""
        k = self.cardinality_
        X = _shifted_one_hot(P, k)
        for w in _split_weights(weights, int(self.batch_size), rng):
            keep = np.flatnonzero(w > 0)
            if keep.size == 0:
                continue
            gold = None if P.gold is None else P.gold[keep]
            self._update(X[keep], w[keep], gold)

    def _update(
        self, X: sp.csr_array, weights: FloatArray, gold: npt.NDArray[np.int64] | None
    ) -> None:
        """One stepwise-EM step on a mini-batch of patterns (one-hot X, weights)."""
        k = self.cardinality_
        m = self.n_lfs_in_
        total = float(weights.sum())
        first = not hasattr(self, "n_batches_seen_")
        if first:
            # Initial statistics from majority vote: the fraction of the
            # votes for each class (uniform where every LF abstained).
            select = np.tile(np.vstack([np.zeros((1, k)), np.eye(k)]), (m, 1))
            counts = np.asarray(X @ select)
            total_votes = counts.sum(axis=1, keepdims=True)
            post = np.divide(
                counts,
                total_votes,
                out=np.full_like(counts, 1.0 / k),
                where=total_votes > 0,
            )
            if gold is not None:
                known = gold >= 0
                post[known] = np.eye(k)[gold[known]]
            self.stats_prior_, self.stats_vote_ = _statistics(X, post, weights, m)
            self.n_samples_seen_ = 0.0
            self.n_batches_seen_ = 0
            self._set_parameters(total)
        post, _ = e_step(
            _log_joint(X, np.log(self.class_prior_), np.log(self.vote_proba_)), gold
        )
        s_prior, s_vote = _statistics(X, post, weights, m)
        eta = _step_size(self.n_batches_seen_, float(self.kappa))
        self.stats_prior_ = (1.0 - eta) * self.stats_prior_ + eta * s_prior
        self.stats_vote_ = (1.0 - eta) * self.stats_vote_ + eta * s_vote
        self.n_batches_seen_ += 1
        self._set_parameters(0.0 if first else total)

    def _set_parameters(self, new_rows: float) -> None:
        self.n_samples_seen_ = float(self.n_samples_seen_) + new_rows
        log_prior, log_vote = _m_step(
            self.stats_prior_, self.stats_vote_, self.n_samples_seen_
        )
        self.class_prior_ = np.exp(log_prior)
        self.vote_proba_ = np.exp(log_vote)
        k = self.cardinality_
        voted = 1.0 - self.vote_proba_[:, :, 0]  # (m, k)
        right = self.vote_proba_[:, np.arange(k), np.arange(k) + 1]  # (m, k)
        self.accuracy_ = (self.class_prior_ * right).sum(axis=1) / np.maximum(
            (self.class_prior_ * voted).sum(axis=1), 1e-300
        )

    # ---------------------------------------------------------- predicting
    def _predict_proba_patterns(self, patterns: Patterns) -> FloatArray:
        X = _shifted_one_hot(patterns, self.cardinality_)
        post, _ = e_step(
            _log_joint(X, np.log(self.class_prior_), np.log(self.vote_proba_))
        )
        return post
