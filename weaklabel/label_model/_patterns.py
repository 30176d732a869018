"""Vote-pattern compression and the sparse linear algebra of label-model EM (private).

Every label model in :mod:`weaklabel.label_model` works on *vote patterns*
rather than rows: rows with identical votes (and identical gold label, when
one is given) get identical posteriors, so they are computed once and weighted
by their count.  On typical weak-supervision matrices this turns millions of
rows into thousands of patterns.

Interface (stable; other label models build on it)
--------------------------------------------------
``compress(L, y=None, sample_weight=None) -> Patterns``
    ``L`` is a *validated* vote matrix, as returned by
    :func:`weaklabel._validation.check_votes` with ``accept_sparse=True``:
    a dense integer ndarray (abstain = -1) or a ``scipy.sparse.csr_array``
    whose stored entries are the votes themselves (class indices, abstains not
    stored, column indices sorted within each row).  Dense input is
    compressed to its unique rows (a 64-bit hash of each row, checked exactly
    afterwards, so the result never merges different rows; when every row is
    distinct the patterns are the rows themselves, in order, and compact
    C-contiguous input is not copied).  Sparse input is
    *not* compressed (crowd matrices have nearly all rows distinct): every
    row is its own pattern with count 1.  ``y`` (gold labels, -1 = unknown)
    is compressed together with the votes; with ``sample_weight`` the
    counts are summed row weights.

``Patterns`` (frozen dataclass)
    ``votes``   : ndarray (u, m) of a small signed int dtype (-1 = abstain),
                  or ``csr_array`` (u, m) of class indices for sparse input.
    ``counts``  : float64 (u,), how many rows share each pattern.
    ``inverse`` : intp (n,), the pattern index of every row
                  (``votes[inverse]`` reproduces L).
    ``gold``    : int64 (u,) gold class of each pattern (-1 = unknown), or None.
    ``n_samples``, ``n_patterns``, ``n_lfs``, ``is_sparse`` properties;
    ``one_hot(cardinality)``, ``fired()``, ``vote_counts(cardinality)``
    methods (see below).

``one_hot(patterns_or_L, cardinality) -> csr_array`` of shape (u, m*k)
    (functions taking ``patterns`` also take a validated vote matrix, whose
    rows are then used as they are, uncompressed)
    A 1.0 at column ``j*k + v`` for each non-abstain vote ``v`` of LF ``j``.
    With a per-LF table ``log_table`` of shape (m, k_vote, k_class) the
    class log-likelihoods of every pattern are one product:
    ``one_hot @ log_table.reshape(m*k, k)`` (see :func:`vote_log_likelihood`).
    The M-step statistics are the transposed product
    ``one_hot.T @ (counts[:, None] * posterior)`` (see :func:`vote_statistics`).

``table_sum(patterns_or_L, table, cardinality) -> ndarray`` (u, c)
    ``one_hot(...) @ table`` for a (m*k, c) table; dense votes are summed
    block by block without building the one-hot matrix, bit for bit equal
    to the sparse product (use it where the one-hot is needed only once,
    e.g. in ``predict_proba``).

``worth_compressing(L) -> bool`` and ``as_patterns(L) -> Patterns``
    Whether a sample of rows shows enough repeats for ``compress`` to pay,
    and the uncompressed alternative (one pattern per row).  For row-wise
    computations (predictions) either gives the same result.

``fired(patterns) -> csr_array`` (u, m) with a 1.0 where the LF voted; for
    models in which abstaining is informative.

``vote_counts(patterns, cardinality, *, onehot=None) -> ndarray`` (u, k):
    votes per class (counted directly from dense votes when ``onehot`` is
    not given).

``majority_posterior(patterns, cardinality, prior=None, *, counts=None)``
    -> ndarray (u, k).
    The fraction of votes per class (majority vote's soft labels); rows where
    every LF abstained get ``prior``.  The usual EM initialisation.

``relative_log_joint(onehot, log_table, log_prior) -> ndarray`` (u, k)
    The same up to a per-pattern constant (class-0 vote term dropped): exact
    posteriors after ``e_step``, with ``k - 1`` sparse products instead of k
    (one fast mat-vec for binary tasks).  Use it in ``predict_proba``.

``OneHotEM(patterns, cardinality)``
    The one-hot votes built once for an EM loop (as grouped codes for dense
    votes, see :mod:`weaklabel.label_model._grouped`), with the products
    ``product(table)`` (one_hot @ table) and ``rproduct(weights)``
    (one_hot.T @ weights) and the two EM steps done the fast way:
    ``log_likelihood(log_table, log_prior) -> (rel, offset)``
    (log joint relative to class 0, so ``e_step(rel)`` gives exact posteriors
    and ``counts @ ll + offset`` the exact log-likelihood) and
    ``statistics(posterior) -> (m, k, k)`` expected vote counts.

The E-step that turns these log joints into posteriors (gold clamped) is
:func:`weaklabel.label_model._estep.e_step`.

No function here loops in Python over rows, patterns or votes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from weaklabel.label_model._grouped import (
    GroupedVotes,
    group_size,
    votes_per_row,
    worth_grouping,
)

__all__ = [
    "OneHotEM",
    "Patterns",
    "as_patterns",
    "compress",
    "fired",
    "majority_posterior",
    "one_hot",
    "relative_log_joint",
    "table_sum",
    "vote_counts",
    "vote_log_likelihood",
    "vote_statistics",
    "worth_compressing",
]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(29)


@dataclass(frozen=True, eq=False)
class Patterns:
    """Unique vote patterns of a vote matrix, with counts and the row mapping.

    Attributes
    ----------
    votes : ndarray of shape (n_patterns, n_lfs) or csr_array
        The distinct rows (abstain = -1); for sparse input a CSR array of class
        indices (abstains not stored), one row per input row.
    counts : ndarray of shape (n_patterns,), dtype float64
        Number of rows with each pattern.
    inverse : ndarray of shape (n_samples,), dtype intp
        Pattern index of every input row.
    gold : ndarray of shape (n_patterns,), dtype int64, or None
        Gold class of each pattern (-1 = unknown) when ``y`` was given.
    """

    votes: Any
    counts: npt.NDArray[np.float64]
    inverse: npt.NDArray[np.intp]
    gold: npt.NDArray[np.int64] | None = None

    @property
    def is_sparse(self) -> bool:
        """Whether ``votes`` is a scipy.sparse CSR array."""
        return bool(sp.issparse(self.votes))

    @property
    def n_samples(self) -> int:
        """Number of rows of the original vote matrix."""
        return int(self.inverse.shape[0])

    @property
    def n_patterns(self) -> int:
        """Number of distinct patterns."""
        return int(self.votes.shape[0])

    @property
    def n_lfs(self) -> int:
        """Number of labeling functions (columns)."""
        return int(self.votes.shape[1])

    def one_hot(
        self, cardinality: int, dtype: npt.DTypeLike = np.float64
    ) -> sp.csr_array:
        """Return the one-hot vote matrix of shape (n_patterns, n_lfs * k)."""
        return one_hot(self, cardinality, dtype=dtype)

    def fired(self, dtype: npt.DTypeLike = np.float64) -> sp.csr_array:
        """Return the (n_patterns, n_lfs) indicator of non-abstain votes."""
        return fired(self, dtype=dtype)

    def vote_counts(self, cardinality: int) -> npt.NDArray[np.float64]:
        """Return the number of votes per class of every pattern."""
        return vote_counts(self, cardinality)


def _small_dtype(L: npt.NDArray[np.integer]) -> np.dtype[np.signedinteger]:
    if L.dtype == np.int8:
        return np.dtype(np.int8)  # already the smallest; no pass over L
    hi = int(L.max()) if L.size else 0
    if hi <= np.iinfo(np.int8).max:
        return np.dtype(np.int8)
    if hi <= np.iinfo(np.int16).max:
        return np.dtype(np.int16)
    return np.dtype(np.int32)


# Rows are processed in blocks of about this many votes, so that temporaries
# stay in cache and are recycled by the allocator instead of being fresh
# (page-faulted) memory of the size of L.
_BLOCK_VOTES = 1 << 20


def _row_blocks(n: int, m: int) -> range:
    """Start rows of blocks of about ``_BLOCK_VOTES`` votes (a loop over blocks)."""
    return range(0, n, max(1, _BLOCK_VOTES // max(m, 1)))


def _row_hash(V: npt.NDArray[np.signedinteger]) -> npt.NDArray[np.uint64]:
    """Hash every row of a C-contiguous small-int array into one uint64.

    The row's bytes are read as 64-bit words (the last one zero padded), and
    the words are mixed with a multiply-xorshift step.  Rows of at most 8
    bytes are their own exact key.
    """
    n = V.shape[0]
    raw = V.view(np.uint8).reshape(n, -1)
    nbytes = raw.shape[1]
    n_full, rest = divmod(nbytes, 8)
    if n_full == 0 or (n_full == 1 and rest == 0):
        buf = np.zeros((n, 8), dtype=np.uint8)
        buf[:, :nbytes] = raw
        return buf.view(np.uint64)[:, 0].copy()
    # Full words are read in place (an unaligned view: no copy of L); only
    # the tail bytes of each row are copied into a zero-padded word.
    full = raw[:, : 8 * n_full].view(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(n_full + (rest > 0)):  # loop over the words of a row
            if i < n_full:
                h ^= full[:, i]
            else:
                tail = np.zeros((n, 8), dtype=np.uint8)
                tail[:, :rest] = raw[:, 8 * n_full :]
                h ^= tail.view(np.uint64)[:, 0]
            h *= _GOLDEN
            h ^= h >> _SHIFT
    return h


def _rows_equal(
    V: npt.NDArray[np.signedinteger],
    uniq: npt.NDArray[np.signedinteger],
    inverse: npt.NDArray[np.intp],
) -> bool:
    """Whether ``uniq[inverse]`` equals V, checked block by block."""
    n, m = V.shape
    for s in _row_blocks(n, m):  # loop over blocks of rows
        e = min(n, s + max(1, _BLOCK_VOTES // max(m, 1)))
        if not np.array_equal(uniq[inverse[s:e]], V[s:e]):
            return False
    return True


def _unique_rows(
    V: npt.NDArray[np.signedinteger],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Return (first_index, inverse, counts) of the distinct rows of V.

    Patterns come in order of first appearance.
    """
    n = V.shape[0]
    keys = _row_hash(V)
    # Distinct keys mean distinct rows.  Sorting the keys (vectorised, about
    # 30x faster than hashing them into a table) tells whether every row is
    # distinct, as in most wide vote matrices; then the rows are the patterns.
    srt = np.sort(keys)
    if not (srt[1:] == srt[:-1]).any():
        first = np.arange(n, dtype=np.intp)
        return first, first.copy(), np.ones(n, dtype=np.int64)
    del srt
    codes, uniques = pd.factorize(keys, sort=False)
    u = len(uniques)
    inverse = codes.astype(np.intp, copy=False)
    first = np.empty(u, dtype=np.intp)
    first[inverse[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
    if not _rows_equal(V, V[first], inverse):
        # A 64-bit hash collision (astronomically rare): fall back to an exact sort.
        _, first, inverse, _ = np.unique(
            V, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
        inverse = inverse.reshape(-1).astype(np.intp, copy=False)
        order = np.argsort(first, kind="stable")  # keep first-appearance order
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        first = first[order].astype(np.intp, copy=False)
        inverse = rank[inverse]
    counts = np.bincount(inverse, minlength=first.size).astype(np.int64)
    return first, inverse, counts


def compress(
    L: Any,
    y: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> Patterns:
    """Compress a validated vote matrix to its distinct vote patterns.

    Parameters
    ----------
    L : ndarray of shape (n_samples, n_lfs) or scipy.sparse.csr_array
        Validated votes (see the module docstring): dense with -1 = abstain,
        or CSR storing class indices.
    y : array-like of shape (n_samples,), default=None
        Validated gold labels (-1 = unknown).  Rows are grouped by votes *and*
        gold label.
    sample_weight : array-like of shape (n_samples,), default=None
        Validated non-negative row weights: ``counts`` then holds the summed
        weight of each pattern instead of the number of rows.

    Returns
    -------
    Patterns
        When every row is distinct, ``votes`` may be ``L`` itself (compact
        C-contiguous input is not copied); treat it as read-only.

    Examples
    --------
    >>> import numpy as np
    >>> P = compress(np.array([[0, -1], [1, 1], [0, -1]]))
    >>> P.votes
    array([[ 0, -1],
           [ 1,  1]], dtype=int8)
    >>> P.counts, P.inverse
    (array([2., 1.]), array([0, 1, 0]))
    """
    gold = None if y is None else np.asarray(y, dtype=np.int64)
    weight = (
        None
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    )
    if sp.issparse(L):
        S = sp.csr_array(L)
        n = S.shape[0]
        return Patterns(
            votes=S,
            counts=np.ones(n, dtype=np.float64) if weight is None else weight.copy(),
            inverse=np.arange(n, dtype=np.intp),
            gold=gold,
        )
    A = np.asarray(L)
    n, m = A.shape
    if gold is not None:
        hi = max(int(A.max()) if A.size else 0, int(gold.max()) if gold.size else 0)
        dt = _small_dtype(np.array([hi]))
        V = np.empty((n, m + 1), dtype=dt)
        V[:, :m] = A
        V[:, m] = gold
    else:
        V = np.ascontiguousarray(A, dtype=_small_dtype(A))
    if n == 0:
        first = np.zeros(0, dtype=np.intp)
        inverse = np.zeros(0, dtype=np.intp)
        counts = np.zeros(0, dtype=np.int64)
    else:
        first, inverse, counts = _unique_rows(V)
    uniq = V if first.size == n else V[first]  # all distinct: no gather
    if weight is not None:
        counts = np.bincount(inverse, weights=weight, minlength=first.size)
    return Patterns(
        votes=np.ascontiguousarray(uniq[:, :m]),
        counts=counts.astype(np.float64),
        inverse=inverse,
        gold=None if gold is None else uniq[:, m].astype(np.int64),
    )


_SAMPLE_ROWS = 1 << 15


def worth_compressing(L: Any) -> bool:
    """Whether compressing ``L`` to patterns likely saves time over using its rows.

    Compression costs a pass over L; it pays when the matrix has many repeated
    rows.  Estimated from a strided sample of rows: the number of repeated
    pairs in the sample estimates the number of distinct rows D (for a sample
    of s rows out of n, ``pairs ~ C(s, 2) (1/D - 1/n)``), and compression is
    worth it when D is below n / 2.  Sparse input is never compressed; small
    matrices always are (it is cheap).  Either answer gives the same
    predictions; only the time differs.

    Examples
    --------
    >>> import numpy as np
    >>> worth_compressing(np.zeros((10, 3), dtype=np.int8))
    True
    """
    if sp.issparse(L):
        return False
    V = np.asarray(L)
    n = V.shape[0]
    if n <= 4 * _SAMPLE_ROWS:
        return True
    sample = np.ascontiguousarray(V[:: n // _SAMPLE_ROWS][:_SAMPLE_ROWS])
    sample = np.ascontiguousarray(sample, dtype=_small_dtype(sample))
    counts = _unique_rows(sample)[2]
    s = float(sample.shape[0])
    pairs = float(np.sum(counts * (counts - 1)) / 2.0)
    return bool(pairs > s * (s - 1) / 2.0 / n)


def as_patterns(L: Any) -> Patterns:
    """Wrap a validated vote matrix as patterns without compressing: one per row.

    Examples
    --------
    >>> import numpy as np
    >>> as_patterns(np.array([[0, -1], [0, -1]])).n_patterns
    2
    """
    return _as_patterns(L)


def _as_patterns(P: Patterns | Any) -> Patterns:
    """Wrap a raw (validated) vote matrix as uncompressed patterns, one per row."""
    if isinstance(P, Patterns):
        return P
    votes = sp.csr_array(P) if sp.issparse(P) else np.asarray(P)
    n = votes.shape[0]
    return Patterns(
        votes=votes,
        counts=np.ones(n, dtype=np.float64),
        inverse=np.arange(n, dtype=np.intp),
    )


def _dense_one_hot_arrays(
    V: npt.NDArray[np.signedinteger], k: int, idx_dtype: type[np.signedinteger[Any]]
) -> tuple[npt.NDArray[np.signedinteger[Any]], npt.NDArray[np.signedinteger[Any]]]:
    """CSR ``(indices, indptr)`` of the one-hot encoding of dense votes V.

    Built block by block straight into the final arrays: the only memory of
    the size of the output is the output.
    """
    u, m = V.shape
    step = max(1, _BLOCK_VOTES // max(m, 1))
    indptr = np.zeros(u + 1, dtype=idx_dtype)
    for s in range(0, u, step):  # loop over blocks of rows: votes per row
        (V[s : s + step] >= 0).sum(axis=1, out=indptr[s + 1 : s + 1 + step])
    np.cumsum(indptr, out=indptr)
    code_dtype = np.int16 if m * k < np.iinfo(np.int16).max else idx_dtype
    offsets = np.arange(m, dtype=code_dtype) * code_dtype(k)
    indices = np.empty(int(indptr[-1]), dtype=idx_dtype)
    for s in range(0, u, step):  # loop over blocks of rows: column of each vote
        blk = V[s : s + step]
        code = np.add(blk, offsets, dtype=code_dtype)
        # 1-D compress: several times faster than 2-D boolean indexing
        kept = np.compress((blk >= 0).reshape(-1), code.reshape(-1))
        indices[indptr[s] : indptr[min(u, s + step)]] = kept
    return indices, indptr


def one_hot(
    patterns: Patterns | Any,
    cardinality: int,
    *,
    dtype: npt.DTypeLike = np.float64,
) -> sp.csr_array:
    """One-hot encode votes: a 1 at column ``j * cardinality + vote``.

    Parameters
    ----------
    patterns : Patterns, or a validated vote matrix (one pattern per row)
    cardinality : int
        Number of classes k.
    dtype : dtype, default=float64
        dtype of the stored ones.

    Returns
    -------
    csr_array of shape (n_patterns, n_lfs * cardinality)
        Canonical CSR (sorted indices, no duplicates); abstains have no entry.

    Examples
    --------
    >>> import numpy as np
    >>> one_hot(np.array([[1, -1], [0, 1]]), 2).toarray()
    array([[0., 1., 0., 0.],
           [1., 0., 0., 1.]])
    """
    P = _as_patterns(patterns)
    k = int(cardinality)
    u, m = P.votes.shape
    idx_dtype = np.int32 if max(m * k, P.votes.size) < 2**31 - 1 else np.int64
    if P.is_sparse:
        S = P.votes
        indices = S.indices.astype(idx_dtype) * k + S.data
        indptr = S.indptr.astype(idx_dtype, copy=False)
    else:
        indices, indptr = _dense_one_hot_arrays(np.asarray(P.votes), k, idx_dtype)
    return sp.csr_array(
        (np.ones(indices.size, dtype=dtype), indices, indptr),
        shape=(u, m * k),
    )


def _dense_table_sum(
    V: npt.NDArray[np.signedinteger], table: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.float64]:
    """``one_hot(V, k) @ table`` for dense votes, without the one-hot matrix.

    ``table`` has shape (m * k, c).  Rows are done block by block: each vote
    looks up its row of ``table`` (abstains a row of zeros) and the rows are
    added LF by LF, in the order scipy's CSR product adds them, so the result
    is bit for bit the sparse product's.
    """
    u, m = V.shape
    c = table.shape[1]
    # Table with a zero row for abstain in front of each LF's k vote rows.
    ext3 = np.zeros((m, k + 1, c))
    ext3[:, 1:, :] = table.reshape(m, k, c)
    ext = ext3.reshape(m * (k + 1), c)
    code_dtype: type[np.signedinteger[Any]] = (
        np.int16 if m * (k + 1) < np.iinfo(np.int16).max else np.intp
    )
    offsets = (np.arange(m, dtype=code_dtype) * (k + 1) + 1).astype(code_dtype)[:, None]
    out = np.empty((u, c))
    flat = np.ascontiguousarray(ext[:, 0])
    # smaller blocks than elsewhere: the gathered values stay in cache
    step = max(1, _BLOCK_VOTES // max(4 * m * c, 1))
    for s in range(0, u, step):  # loop over blocks of rows
        blk = V[s : s + step]
        codes = np.empty((m, blk.shape[0]), dtype=code_dtype)
        np.add(blk.T, offsets, out=codes, casting="unsafe")
        vals = ext.take(codes, axis=0) if c > 1 else flat.take(codes)[:, :, None]
        # Reducing the outer axis adds LF after LF, like the CSR product.
        np.add.reduce(vals, axis=0, out=out[s : s + step])
    return out


def table_sum(
    patterns: Patterns | Any,
    table: npt.ArrayLike,
    cardinality: int,
) -> npt.NDArray[np.float64]:
    """Return ``one_hot(patterns, cardinality) @ table``, shape (u, c).

    Dense votes are summed block by block without building the one-hot
    matrix (no memory of the size of the votes; the result is bit for bit the
    sparse product's); sparse votes use the one-hot product.

    Parameters
    ----------
    patterns : Patterns, or a validated vote matrix (one pattern per row)
    table : array-like of shape (n_lfs * cardinality,) or (n_lfs * cardinality, c)
        Row ``j * cardinality + v``: the value added for vote ``v`` of LF ``j``.
    cardinality : int

    Returns
    -------
    ndarray of shape (u,) or (u, c), like ``table``.

    Examples
    --------
    >>> import numpy as np
    >>> table_sum(np.array([[1, -1], [0, 1]]), np.array([1.0, 2.0, 10.0, 20.0]), 2)
    array([ 2., 21.])
    """
    P = _as_patterns(patterns)
    k = int(cardinality)
    W = np.asarray(table, dtype=np.float64)
    W2 = W.reshape(W.shape[0], -1)
    if P.is_sparse:
        out = _product(one_hot(P, k), W2)
    else:
        out = _dense_table_sum(np.asarray(P.votes), W2, k)
    return out.reshape(-1) if W.ndim == 1 else out


def fired(
    patterns: Patterns | Any, *, dtype: npt.DTypeLike = np.float64
) -> sp.csr_array:
    """Return the (n_patterns, n_lfs) indicator matrix of non-abstain votes.

    Examples
    --------
    >>> import numpy as np
    >>> fired(np.array([[1, -1], [0, 1]])).toarray()
    array([[1., 0.],
           [1., 1.]])
    """
    P = _as_patterns(patterns)
    if P.is_sparse:
        S = P.votes
        return sp.csr_array(
            (np.ones(S.indices.size, dtype=dtype), S.indices.copy(), S.indptr.copy()),
            shape=S.shape,
        )
    # the one-hot encoding of "voted" as class 0 of a single class
    voted = np.where(np.asarray(P.votes) >= 0, 0, -1).astype(np.int8)
    return one_hot(voted, 1, dtype=dtype)


def _dense_vote_counts(
    V: npt.NDArray[np.signedinteger], k: int
) -> npt.NDArray[np.float64]:
    """Votes per class of dense votes, (u, k), block by block (exact counts)."""
    u, m = V.shape
    if k > 8:
        return _dense_table_sum(V, np.tile(np.eye(k), (m, 1)), k)
    out = np.empty((u, k))
    step = max(1, _BLOCK_VOTES // max(m, 1))
    for s in range(0, u, step):  # loop over blocks of rows
        blk = V[s : s + step]
        for c in range(k):  # loop over classes (few)
            out[s : s + step, c] = np.count_nonzero(blk == c, axis=1)
    return out


def vote_counts(
    patterns: Patterns | Any,
    cardinality: int,
    *,
    onehot: sp.csr_array | None = None,
) -> npt.NDArray[np.float64]:
    """Return the number of votes for each class in every pattern, shape (u, k).

    Pass ``onehot`` (from :func:`one_hot`) when you have it, to avoid
    rebuilding it.

    Examples
    --------
    >>> import numpy as np
    >>> vote_counts(np.array([[1, 1, 0], [-1, -1, -1]]), 2)
    array([[1., 2.],
           [0., 0.]])
    """
    k = int(cardinality)
    if onehot is None and not _as_patterns(patterns).is_sparse:
        return _dense_vote_counts(np.asarray(_as_patterns(patterns).votes), k)
    H = onehot if onehot is not None else one_hot(patterns, k)
    m = H.shape[1] // k
    if k <= 64:
        tile: Any = np.tile(np.eye(k), (m, 1))
    else:
        tile = sp.csr_array(sp.vstack([sp.eye_array(k, format="csr")] * m))
    if k <= 2:  # scipy's mat-vec is much faster than a few-column mat-mat
        return np.column_stack([H @ tile[:, c] for c in range(k)])
    out = H @ tile
    return np.asarray(out.toarray() if sp.issparse(out) else out, dtype=np.float64)


def majority_posterior(
    patterns: Patterns | Any,
    cardinality: int,
    prior: npt.ArrayLike | None = None,
    *,
    counts: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Majority vote's soft labels: the fraction of votes for each class.

    Rows where every LF abstained get ``prior`` (uniform when None).  Ties
    share the probability equally.  Pass ``counts`` (the votes per class,
    from :func:`vote_counts` or ``OneHotEM.vote_counts``) when you have them.

    Examples
    --------
    >>> import numpy as np
    >>> majority_posterior(np.array([[1, 1, 0], [-1, -1, -1]]), 2)
    array([[0.33333333, 0.66666667],
           [0.5       , 0.5       ]])
    """
    k = int(cardinality)
    C = vote_counts(patterns, k) if counts is None else counts
    total = C.sum(axis=1, keepdims=True)
    p = (
        np.full(k, 1.0 / k)
        if prior is None
        else np.asarray(prior, dtype=np.float64).reshape(k)
    )
    out: npt.NDArray[np.float64]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = C / total
    empty = total[:, 0] == 0
    out[empty] = p
    return out


def vote_log_likelihood(
    onehot: sp.csr_array,
    log_table: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Return sum over the votes of each pattern of ``log_table[j, vote, :]``.

    Parameters
    ----------
    onehot : csr_array of shape (u, m * k_vote)
        From :func:`one_hot`.
    log_table : ndarray of shape (m, k_vote, k_class)
        Per-LF log probability of each vote given each class (abstains are not
        part of the one-hot encoding, so contribute 0).

    Returns
    -------
    ndarray of shape (u, k_class)
    """
    m, kv, kc = log_table.shape
    return np.asarray(onehot @ log_table.reshape(m * kv, kc))


def vote_statistics(
    onehot_T: sp.csr_array,
    weights: npt.NDArray[np.float64],
    n_lfs: int,
) -> npt.NDArray[np.float64]:
    """Expected vote counts: ``out[j, v, c] = sum_u weights[u, c] * [vote_uj == v]``.

    Parameters
    ----------
    onehot_T : csr_array of shape (m * k_vote, u)
        The transposed one-hot matrix (transpose it once, outside the EM loop).
    weights : ndarray of shape (u, k_class)
        Typically ``counts[:, None] * posterior``.
    n_lfs : int
        m.

    Returns
    -------
    ndarray of shape (m, k_vote, k_class)
    """
    out = np.asarray(onehot_T @ weights)
    return out.reshape(n_lfs, -1, weights.shape[1])


def _product(A: Any, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``A @ X`` for sparse A; a single column goes through scipy's mat-vec,
    which is about 3x faster than a one- or two-column mat-mat product."""
    if X.shape[1] == 1:
        return np.asarray(A @ np.ascontiguousarray(X[:, 0]))[:, None]
    return np.asarray(A @ X)


def relative_log_joint(
    onehot: sp.csr_array | Patterns,
    log_table: npt.NDArray[np.float64],
    log_prior: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Class log joint of every pattern, up to a per-pattern constant.

    ``rel[u, c] = log_prior[c] + sum_j (log_table[j, v_uj, c] - log_table[j,
    v_uj, 0])``: the class-0 vote term is dropped, which leaves posteriors
    unchanged and needs ``k - 1`` sparse products instead of ``k``.

    Parameters
    ----------
    onehot : csr_array of shape (u, m * k_vote), or Patterns
        The one-hot votes, or the patterns themselves (dense patterns are
        then summed without building the one-hot matrix, with the same
        result; see :func:`table_sum`).
    log_table : ndarray of shape (m, k_vote, k_class)
    log_prior : ndarray of shape (k_class,)

    Returns
    -------
    ndarray of shape (u, k_class)
    """
    m, kv, kc = log_table.shape
    W = log_table.reshape(m * kv, kc)
    if isinstance(onehot, Patterns):
        P = onehot
        return _relative(lambda X: table_sum(P, X, kv), P.n_patterns, W, log_prior)
    return _relative(lambda X: _product(onehot, X), onehot.shape[0], W, log_prior)


def _relative(
    product: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    u: int,
    W: npt.NDArray[np.float64],
    log_prior: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """:func:`relative_log_joint` given ``product(X) = one_hot @ X``."""
    kc = W.shape[1]
    rel = np.empty((u, kc))
    rel[:, 0] = 0.0
    if kc > 1:
        rel[:, 1:] = product(W[:, 1:] - W[:, :1])
    rel += log_prior
    return rel


class OneHotEM:
    """The one-hot votes of a pattern set, with fast EM products.

    Uses that posteriors are invariant to a per-row constant: class
    log-likelihoods are computed relative to class 0 (``k - 1`` products
    instead of ``k``; a single sparse mat-vec each way for binary tasks,
    which is also about 3x faster in scipy than a two-column product), and
    the M-step statistics of class 0 follow from the weighted vote totals
    because each posterior row sums to one.

    Dense votes with many votes per row are held as grouped codes
    (:class:`~weaklabel.label_model._grouped.GroupedVotes`: two bytes per
    pattern and group of LFs instead of twelve per vote), sparse ones as the
    one-hot matrix; the products agree up to rounding.

    Parameters
    ----------
    patterns : Patterns
    cardinality : int
        Number of classes (and of vote values) k.
    grouped : bool, default=None
        Hold dense votes as grouped codes (ignored for sparse votes); None
        decides by :func:`~weaklabel.label_model._grouped.worth_grouping`
        from the votes per row of a sample.
    group : int, default=None
        LFs per group of the grouped codes; None chooses by
        :func:`~weaklabel.label_model._grouped.group_size` from the number
        of patterns (fix it where a row's result must not depend on the
        other rows).
    every : list of csr_array, default=None
        :func:`~weaklabel.label_model._grouped.all_sub_patterns` for
        ``group``: code every sub-pattern (prediction in blocks of rows).

    Attributes
    ----------
    onehot : csr_array of shape (u, m * k)
        Built on first use when the votes are grouped.
    counts : ndarray of shape (u,)
    vote_totals : ndarray of shape (m * k,)
        ``counts``-weighted number of votes ``v`` of LF ``j`` at ``j * k + v``.
    """

    def __init__(
        self,
        patterns: Patterns,
        cardinality: int,
        *,
        grouped: bool | None = None,
        group: int | None = None,
        every: list[sp.csr_array] | None = None,
    ) -> None:
        self.cardinality = int(cardinality)
        self.n_lfs = patterns.n_lfs
        self.patterns = patterns
        self.counts = np.asarray(patterns.counts, dtype=np.float64)
        g = (
            group_size(self.cardinality, patterns.n_patterns)
            if group is None
            else group
        )
        if patterns.is_sparse:
            grouped = False
        elif grouped is None:
            V = np.asarray(patterns.votes)
            grouped = worth_grouping(votes_per_row(V), V.shape[1], self.cardinality, g)
        self._grouped = (
            GroupedVotes.build(np.asarray(patterns.votes), self.cardinality, g, every)
            if grouped
            else None
        )
        self._onehot = None if grouped else one_hot(patterns, self.cardinality)
        self._vote_totals: npt.NDArray[np.float64] | None = None

    @property
    def onehot(self) -> sp.csr_array:
        if self._onehot is None:
            self._onehot = one_hot(self.patterns, self.cardinality)
        return self._onehot

    @property
    def vote_totals(self) -> npt.NDArray[np.float64]:
        if self._vote_totals is None:
            self._vote_totals = self.rproduct(self.counts[:, None])[:, 0]
        return self._vote_totals

    def product(self, table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``onehot @ table`` for a table of shape (m * k, c); returns (u, c)."""
        if self._grouped is not None:
            return self._grouped.product(table)
        return _product(self.onehot, table)

    def rproduct(self, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``onehot.T @ weights`` for weights of shape (u, c); returns (m * k, c)."""
        if self._grouped is not None:
            return self._grouped.rproduct(weights)
        return _product(self.onehot.T, weights)

    def vote_counts(self) -> npt.NDArray[np.float64]:
        """Votes per class of every pattern, (u, k) (see :func:`vote_counts`)."""
        k = self.cardinality
        if self._grouped is not None and k <= 64:  # exact: sums of ones
            return self._grouped.product(np.tile(np.eye(k), (self.n_lfs, 1)))
        return vote_counts(self.patterns, k, onehot=self._onehot)

    def log_likelihood(
        self, log_table: npt.NDArray[np.float64], log_prior: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], float]:
        """Return (relative log joint (u, k), offset).

        ``rel`` is :func:`relative_log_joint`; ``offset = sum_u counts[u] *
        const_u`` restores the dropped class-0 vote term, so ``e_step(rel)``
        gives the exact posteriors and ``counts @ ll + offset`` the exact total
        log-likelihood.
        """
        m, kv, kc = log_table.shape
        W = log_table.reshape(m * kv, kc)
        return self.relative_log_joint(log_table, log_prior), float(
            self.vote_totals @ W[:, 0]
        )

    def relative_log_joint(
        self, log_table: npt.NDArray[np.float64], log_prior: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """:func:`relative_log_joint` of these patterns, shape (u, k)."""
        m, kv, kc = log_table.shape
        W = log_table.reshape(m * kv, kc)
        return _relative(self.product, self.counts.size, W, log_prior)

    def statistics(self, posterior: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Expected vote counts ``out[j, v, c]`` of votes ``v`` of LF ``j`` on class ``c``.

        ``posterior`` (u, k) must have rows summing to one; rows are weighted by
        the pattern counts.
        """
        kc = posterior.shape[1]
        out = np.empty((self.n_lfs * self.cardinality, kc))
        if kc > 1:
            weighted = self.counts[:, None] * posterior[:, 1:]
            out[:, 1:] = self.rproduct(weighted)
            out[:, 0] = self.vote_totals - out[:, 1:].sum(axis=1)
        else:
            out[:, 0] = self.vote_totals
        return out.reshape(self.n_lfs, -1, kc)
