"""One-hot vote products without the one-hot matrix, for dense votes (private).

The one-hot matrix of ``u`` dense vote patterns over ``m`` LFs stores one
entry per vote (12 bytes each: a float and an index), so at a million rows
and fifty LFs it takes a third of a gigabyte, and building it is most of the
cost of a label-model fit.  Here the LFs are cut into groups of ``g``
neighbours, chosen so that every combination of their votes has a 16-bit
code (``(k + 1) ** g <= 65536``); each pattern keeps one code per group.
The one-hot matrix then factors as ``[C_1 S_1, C_2 S_2, ...]``, where ``C_g``
maps patterns to the sub-patterns of group g that occur and ``S_g`` is the
small one-hot matrix of those sub-patterns, so

- ``one_hot @ W`` is ``sum_g (S_g @ W_g)[codes_g]``: one small product and
  one gather per group;
- ``one_hot.T @ X`` is ``S_g.T @ bincount(codes_g, X)`` for each group.

Memory is two bytes per pattern and group (a tenth of the one-hot matrix's
at k = 2); time is a few passes over the codes.  :class:`GroupedVotes`
holds the codes; :func:`worth_grouping` says when it beats the sparse
one-hot products (dense votes with clearly more votes per row than groups,
and few classes: each class column is a pass of its own, so from k = 5 on
the sparse products, which do all columns in one pass, are faster).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = [
    "GroupedVotes",
    "all_sub_patterns",
    "group_bounds",
    "group_size",
    "votes_per_row",
    "worth_grouping",
]

FloatArray = npt.NDArray[np.float64]

_CODE_LIMIT = 1 << 16  # codes of the sub-patterns that occur fit in uint16
_BLOCK_ROWS = 1 << 15  # rows per block while encoding (stays in cache)


def group_size(cardinality: int, n_patterns: int | None = None) -> int:
    """Number of neighbouring LFs per group.

    The largest g whose joint votes have 16-bit codes (``(k + 1) ** g <=
    65536``); with ``n_patterns`` also small enough that the per-group
    tables (up to ``(k + 1) ** g`` sub-patterns of g votes each) cost no
    more than the pass over the codes (``g * (k + 1) ** g <= n_patterns``),
    since the tables are rebuilt at every EM iteration.
    """
    base = int(cardinality) + 1
    g = max(1, int(math.log(_CODE_LIMIT) / math.log(base) + 1e-9))
    if n_patterns is not None:
        while g > 1 and g * base**g > n_patterns:
            g -= 1
    return g


def group_bounds(n_lfs: int, group: int) -> list[tuple[int, int]]:
    """First and past-the-end LF of each group of ``group`` neighbours."""
    return [(s, min(n_lfs, s + group)) for s in range(0, n_lfs, group)]


def votes_per_row(V: npt.NDArray[np.signedinteger]) -> float:
    """Mean number of votes per row of dense votes V, from a sample of rows."""
    if V.shape[0] == 0:
        return 0.0
    step = max(1, V.shape[0] // 4096)
    sample = V[::step]
    return float(np.count_nonzero(sample >= 0)) / float(sample.shape[0])


def worth_grouping(
    votes_per_row: float, n_lfs: int, cardinality: int, group: int
) -> bool:
    """Whether grouped codes beat the one-hot matrix for dense votes.

    The one-hot products cost one operation per vote, the grouped ones one
    per pattern and group (plus small per-group tables), so grouping pays
    when a row has clearly more votes than groups, and groups hold at least
    two LFs (``group``, from :func:`group_size`).  Each of the k - 1 columns
    of a grouped product is a pass of its own, while the sparse products do
    all columns in one pass over the votes, so the bar rises with k
    (measured: grouped is faster up to k = 4 at 27 votes and 5 to 9 groups
    per row, slower from k = 5).  Decide from the data (:func:`votes_per_row`)
    when fitting and from the fitted model (its expected votes per row) when
    predicting, so that a row's prediction does not depend on the rows
    predicted with it.
    """
    g = int(group)
    if g < 2 or n_lfs <= 0:
        return False
    per_column = max(1.0, (int(cardinality) - 1) / 2.0)
    return bool(votes_per_row > 2.0 * per_column * math.ceil(n_lfs / g))


def _encode(
    V: npt.NDArray[np.signedinteger], start: int, stop: int, k: int
) -> npt.NDArray[np.int32]:
    """Code ``sum_i (V[:, start + i] + 1) * (k + 1) ** (stop - start - 1 - i)``."""
    u = V.shape[0]
    base = np.int32(k + 1)
    size = stop - start
    # Horner's rule on the votes, then the +1 of every digit at once
    offset = np.int32(sum(int(base) ** p for p in range(size)))
    code = np.empty(u, dtype=np.int32)
    for s in range(0, u, _BLOCK_ROWS):  # loop over blocks of rows
        blk = V[s : s + _BLOCK_ROWS, start:stop]
        out = code[s : s + _BLOCK_ROWS]
        out[:] = blk[:, 0]
        for i in range(1, size):  # loop over the group's LFs (few)
            out *= base
            out += blk[:, i]
        out += offset
    return code


def _decode(codes: npt.NDArray[np.int64], size: int, k: int) -> npt.NDArray[np.int8]:
    """Votes (q, size) of the given codes (inverse of :func:`_encode`)."""
    dtype = np.int8 if k < 127 else np.int16
    out = np.empty((codes.size, size), dtype=dtype)
    rest = codes.copy()
    for i in range(size - 1, -1, -1):  # loop over the group's LFs (few)
        out[:, i] = rest % (k + 1) - 1
        rest //= k + 1
    return out


def _sub_one_hot(sub: npt.NDArray[np.signedinteger], k: int) -> sp.csr_array:
    """One-hot (q, size * k) of sub-pattern votes (abstains have no entry)."""
    q, size = sub.shape
    voted = sub >= 0
    indptr = np.zeros(q + 1, dtype=np.int64)
    np.cumsum(voted.sum(axis=1), out=indptr[1:])
    # row-major order: sorted columns within each row (canonical CSR)
    indices = (np.arange(size, dtype=np.int64) * k + sub)[voted]
    return sp.csr_array((np.ones(indices.size), indices, indptr), shape=(q, size * k))


def all_sub_patterns(n_lfs: int, cardinality: int, group: int) -> list[sp.csr_array]:
    """One-hot votes of every code of every group, for :meth:`GroupedVotes.build`.

    Returns, for each group of ``group`` neighbouring LFs (the last one may
    be smaller), the (``(k + 1) ** size``, ``size * k``) one-hot matrix
    whose row ``c`` holds the votes that code ``c`` stands for.  Build them
    once to encode many blocks of rows with the same tables.
    """
    k = int(cardinality)
    out = []
    for start, stop in group_bounds(n_lfs, group):  # loop over groups of LFs
        size = stop - start
        every = np.arange((k + 1) ** size, dtype=np.int64)
        out.append(_sub_one_hot(_decode(every, size, k), k))
    return out


@dataclass(frozen=True, eq=False)
class GroupedVotes:
    """Dense vote patterns as one 16-bit code per group of neighbouring LFs.

    Attributes
    ----------
    cardinality : int
        k.
    n_lfs : int
        m.
    bounds : list of (int, int)
        First and past-the-end LF of every group.
    codes : list of ndarray of shape (u,), uint16
        Row of each pattern's sub-pattern in its group's ``sub_onehot``.
    sub_onehot : list of csr_array of shape (q_g, size_g * k)
        One-hot votes of the sub-patterns of each group: those that occur
        (fitting: the tables are rebuilt at every EM step, so they are kept
        small), or all of them (see :func:`all_sub_patterns`).
    """

    cardinality: int
    n_lfs: int
    bounds: list[tuple[int, int]]
    codes: list[npt.NDArray[np.uint16]]
    sub_onehot: list[sp.csr_array]

    @classmethod
    def build(
        cls,
        V: npt.NDArray[np.signedinteger],
        cardinality: int,
        group: int,
        every: list[sp.csr_array] | None = None,
    ) -> GroupedVotes:
        """Encode dense votes V (u, m), -1 = abstain, values in 0..k-1.

        ``group`` LFs per group, at most :func:`group_size` ``(cardinality)``.
        With ``every`` (from :func:`all_sub_patterns` with the same m, k and
        group) the codes index all sub-patterns; otherwise only those that
        occur.  Either way, the sums of :meth:`product` for a row depend
        only on its votes and ``group``, not on the other rows.
        """
        k = int(cardinality)
        m = V.shape[1]
        g = int(group)
        if not 1 <= g <= group_size(k):
            raise ValueError(
                f"group={g} LFs per group do not have 16-bit codes for"
                f" cardinality={k}; use 1 to {group_size(k)}."
            )
        bounds = group_bounds(m, g)
        codes: list[npt.NDArray[np.uint16]] = []
        subs: list[sp.csr_array] = []
        for i, (start, stop) in enumerate(bounds):  # loop over groups of LFs
            full = _encode(V, start, stop, k)
            if every is not None:
                codes.append(full.astype(np.uint16))
                subs.append(every[i])
                continue
            present = np.bincount(full, minlength=(k + 1) ** (stop - start)) > 0
            rank = (np.cumsum(present) - 1).astype(np.uint16)
            codes.append(rank[full])
            used = np.flatnonzero(present)
            subs.append(_sub_one_hot(_decode(used, stop - start, k), k))
        return cls(k, m, bounds, codes, subs)

    @property
    def n_patterns(self) -> int:
        return int(self.codes[0].size) if self.codes else 0

    def product(self, table: FloatArray) -> FloatArray:
        """``one_hot @ table`` for ``table`` of shape (m * k, c); returns (u, c).

        Column by column (1-D gathers into contiguous rows); the result is a
        transposed view of a (c, u) array.
        """
        k = self.cardinality
        c = table.shape[1]
        out = np.zeros((c, self.n_patterns))
        buf = np.empty(self.n_patterns)
        for (start, stop), code, S in zip(
            self.bounds, self.codes, self.sub_onehot, strict=True
        ):  # loop over groups of LFs
            small = np.ascontiguousarray(np.asarray(S @ table[start * k : stop * k]).T)
            for col in range(c):  # loop over columns (classes, few)
                np.take(small[col], code, out=buf)
                out[col] += buf
        result: FloatArray = out.T
        return result

    def rproduct(self, weights: FloatArray) -> FloatArray:
        """``one_hot.T @ weights`` for ``weights`` of shape (u, c); returns (m * k, c)."""
        k = self.cardinality
        c = weights.shape[1]
        columns = np.ascontiguousarray(weights.T)  # (c, u): contiguous rows
        out = np.empty((self.n_lfs * k, c))
        for (start, stop), code, S in zip(
            self.bounds, self.codes, self.sub_onehot, strict=True
        ):  # loop over groups of LFs
            q = S.shape[0]
            sums = np.empty((q, c))
            for col in range(c):  # loop over columns (classes, few)
                sums[:, col] = np.bincount(code, weights=columns[col], minlength=q)
            out[start * k : stop * k] = S.T @ sums
        return out
