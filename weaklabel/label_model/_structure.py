"""Structure learning for the generative label model (private).

After an independent fit, every pair of LFs that vote on common rows is
tested for dependence *given the latent class*.  For each class ``c`` an LF's
vote is taken at three levels, *votes c*, *votes another class* and
*abstains*; the expected 3 x 3 counts ``Obs[c, a, b]`` of a pair's levels on
rows of class ``c`` (weighted by the posteriors) are compared with the counts
expected under conditional independence, ``Obs[c, a, .] Obs[c, ., b] /
Obs[c, ., .]``, by a G-test (twice the conditional mutual information times
the number of rows) with Williams' small-sample correction per class.  The
three levels keep what marks a copy (right, wrong and silent together) with
4 degrees of freedom per class; the full (k+1) x (k+1) tables would have
about k^3 in all, more than a copy's statistic reaches at k >= 30 unless the
rows number about k^3.  For k = 2 the levels are the LF's own votes.
Pairs significant at ``alpha`` after a Bonferroni correction over all tested
pairs, whose conditional mutual information also exceeds ``min_cmi`` nats (so
that tiny dependences in very large data sets are not modelled), become
candidate edges; they are added strongest first while every connected
component (clique) stays within ``max_clique_size`` LFs (exact copies, joined
by fixed edges, not counted).

All pairs are tested at once, without ever forming the tables: the G
statistic is ``2 [sum O log O - sum R log R - sum C log C + T log T]`` over
the cells ``O``, row margins ``R``, column margins ``C`` and total ``T`` of a
table, and the margins of a pair's table are per-LF quantities (an LF's
expected levels on class ``c`` and its abstain count).  For every class ``c``
the level-level cells are the stored entries of the co-vote counts
``X.T @ diag(counts * q_c) @ X`` (``X`` the one-hot levels), and the
level-abstain cells differ from the LF's margin only where the other LF fired,
i.e. at the stored entries of ``X.T @ diag(counts * q_c) @ F`` (``F`` which
LFs fired: the co-vote counts summed over the other LF's levels); the
abstain-abstain cell follows from the margins.  The work is one sparse
product of an (m*2 x m*2) matrix per class; only pairs that co-vote on at
least one row are tested.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.stats import chi2

__all__ = ["EdgeTest", "components", "learn_edges", "merge_edges"]

FloatArray = npt.NDArray[np.float64]

# LF pairs are looked up in a dense (m, m) table up to this many cells (32 MB),
# beyond it by binary search in the sorted pair keys
_DENSE_LOOKUP_MAX = 1 << 22


@dataclass(frozen=True)
class EdgeTest:
    """Result of the dependence test of one pair of LFs."""

    a: int
    b: int
    g: float
    dof: int
    p_value: float
    cmi: float


def _xlogx(x: FloatArray) -> FloatArray:
    """``x log x`` elementwise with ``0 log 0 = 0`` (x >= 0)."""
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = x[pos] * np.log(x[pos])
    return out


def _entry_rows(mat: sp.csr_array) -> npt.NDArray[np.intp]:
    """Row index of every stored entry of a csr matrix."""
    return np.repeat(np.arange(mat.shape[0], dtype=np.intp), np.diff(mat.indptr))


def _reweight(
    mat: sp.csr_array, rows: npt.NDArray[np.intp], w: FloatArray
) -> sp.csr_array:
    """``diag(w) @ mat`` for a csr matrix whose entry rows are ``rows``."""
    return sp.csr_array(
        (np.asarray(mat.data, dtype=np.float64) * w[rows], mat.indices, mat.indptr),
        shape=mat.shape,
    )


def _pair_lookup(
    m: int, ia: npt.NDArray[np.intp], ib: npt.NDArray[np.intp]
) -> Callable[[npt.NDArray[np.intp], npt.NDArray[np.intp]], npt.NDArray[np.intp]]:
    """Map LF pairs ``(i, j)`` (either order) to their index in ``(ia, ib)``, -1 if absent."""
    n_pairs = ia.size
    if m * m <= _DENSE_LOOKUP_MAX:
        table = np.full((m, m), -1, dtype=np.intp)
        table[ia, ib] = np.arange(n_pairs)
        table[ib, ia] = np.arange(n_pairs)

        def dense(
            i: npt.NDArray[np.intp], j: npt.NDArray[np.intp]
        ) -> npt.NDArray[np.intp]:
            return table[i, j]

        return dense
    keys = np.minimum(ia, ib).astype(np.int64) * m + np.maximum(ia, ib)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]

    def search(
        i: npt.NDArray[np.intp], j: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.intp]:
        q = np.minimum(i, j).astype(np.int64) * m + np.maximum(i, j)
        pos = np.minimum(np.searchsorted(sorted_keys, q), n_pairs - 1)
        return np.where(sorted_keys[pos] == q, order[pos], -1).astype(np.intp)

    return search


def _g_statistics(
    onehot: sp.csr_array,
    wq: FloatArray,
    k: int,
    pairs: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """G statistic and degrees of freedom of every listed pair ``(ia < ib)``.

    Summed over the classes ``c`` of the G statistics of the 3 x 3 tables of
    each pair's votes on the rows of class ``c`` (weights ``wq[:, c]``), an
    LF's vote taken as one of three levels: *votes c*, *votes another class*,
    *abstains*.  For k = 2 these are the LF's own three levels.  For larger
    k the (k+1) x (k+1) table would have about k^3 degrees of freedom in all,
    more than a copied LF's statistic reaches unless the rows number about
    k^3, so copies went unfound at k >= 30; the three levels keep what marks
    a copy (the two LFs right, wrong and silent together) with 4k degrees of
    freedom.  Which wrong class two LFs share is not tested.
    """
    ia, ib = pairs
    n_pairs = ia.size
    m = onehot.shape[1] // k
    pair_id = _pair_lookup(m, ia, ib)
    onehot = sp.csr_array(onehot)
    rows = _entry_rows(onehot)
    lf = onehot.indices // k
    vote = onehot.indices % k
    half_g = np.zeros(n_pairs)
    dof = np.zeros(n_pairs, dtype=np.int64)
    for c in range(k):  # loop over classes; all else is vectorised
        if k == 2:
            levels = onehot  # (LF votes 0, LF votes 1): already the two levels
        else:  # column 2j: LF j votes c, 2j + 1: LF j votes another class
            levels = sp.csr_array(
                (onehot.data, 2 * lf + (vote != c), onehot.indptr),
                shape=(onehot.shape[0], 2 * m),
            )
        w = np.ascontiguousarray(wq[:, c], dtype=np.float64)
        g_c, dof_c = _class_g(levels, rows, w, 2, pair_id, ia, ib)
        half_g += g_c
        dof += dof_c
    return 2.0 * half_g, dof


def _class_g(
    onehot: sp.csr_array,
    rows: npt.NDArray[np.intp],
    w: FloatArray,
    k: int,
    pair_id: Callable[
        [npt.NDArray[np.intp], npt.NDArray[np.intp]], npt.NDArray[np.intp]
    ],
    ia: npt.NDArray[np.intp],
    ib: npt.NDArray[np.intp],
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Half the G statistic, and the degrees of freedom, of one class's tables.

    ``onehot`` (u, m*k) codes each LF's vote as one of ``k`` levels (abstain
    is level ``k``), ``rows`` its entries' rows, ``w`` (u,) the weights of
    the class's rows.  A table's G statistic is ``2 [sum_cells O log O -
    sum_a R_a log R_a - sum_b C_b log C_b + T log T]``; its row margins are
    LF ``i``'s weighted vote levels plus its abstain count ``T - fired_i``,
    its column margins likewise LF ``j``'s.  The vote-abstain cells are
    ``margin_i[a] - A[i*k + a, j]`` with ``A = X.T diag(w) F`` (the co-vote
    counts ``V = X.T diag(w) X`` summed over LF ``j``'s levels): where ``A``
    stores nothing the cell is the margin itself, whose ``x log x`` cancels
    against the row-margin term, so only the stored entries of ``A`` and
    ``V`` are visited.  Cells that rounding leaves slightly negative count
    as 0, ``0 log 0 = 0``.
    """
    n_pairs = ia.size
    mk = onehot.shape[1]
    m = mk // k
    # (m*k, m) indicator of each column's LF: V @ block sums V over the other
    # LF's levels, so A = V @ block costs only nnz(V)
    block = sp.csr_array(
        (np.ones(mk), np.arange(mk) // k, np.arange(mk + 1)), shape=(mk, m)
    )
    onehot_t = sp.csr_array(onehot.T)
    total = float(w.sum())
    margin = np.asarray(onehot_t @ w, dtype=np.float64)  # (m*k,) levels of j
    fired = margin.reshape(m, k).sum(axis=1)
    abstain = np.maximum(total - fired, 0.0)
    # level-level cells, upper triangle of LF pairs; their sum is the co-fired
    # count.  A sparse product stores each (row, column) once: no duplicates.
    V = sp.csr_array(onehot_t @ _reweight(onehot, rows, w))
    A = sp.csr_array(V @ block)
    li = _entry_rows(V) // k
    lj = V.indices // k
    upper = li < lj
    pid = pair_id(li[upper], lj[upper])
    keep = pid >= 0
    pid = pid[keep]
    v = np.asarray(V.data, dtype=np.float64)[upper][keep]
    del V, li, lj, upper, keep
    cells = np.bincount(pid, weights=_xlogx(np.maximum(v, 0.0)), minlength=n_pairs)
    cofired = np.bincount(pid, weights=v, minlength=n_pairs)
    # (level, abstain) and (abstain, level) cells: margin minus co-fired part
    ra = _entry_rows(A)
    la, lb = ra // k, A.indices
    other = la != lb
    pid = pair_id(la[other], lb[other])
    keep = pid >= 0
    ra, pid = ra[other][keep], pid[keep]
    a_val = np.asarray(A.data, dtype=np.float64)[other][keep]
    del A, la, lb, other, keep
    mar = margin[ra]
    cells += np.bincount(
        pid,
        weights=_xlogx(np.maximum(mar - a_val, 0.0)) - _xlogx(mar),
        minlength=n_pairs,
    )
    # (abstain, abstain) cell
    both = np.maximum(total - fired[ia] - fired[ib] + cofired, 0.0)
    ab = _xlogx(abstain)
    t_log_t = total * np.log(total) if total > 0 else 0.0
    half_g = cells + _xlogx(both) - ab[ia] - ab[ib] + t_log_t
    # degrees of freedom: (levels of i used - 1)(levels of j used - 1)
    levels = np.c_[margin.reshape(m, k), abstain]  # (m, k + 1) margins
    used_level = levels > 1e-9
    used = used_level.sum(axis=1)
    dof = np.maximum((used[ia] - 1) * (used[ib] - 1), 0)
    # Williams' correction: G / q, q = 1 + (T sum 1/R - 1)(T sum 1/C - 1) /
    # (6 T dof); G exceeds its chi-square law on small tables.  A level
    # holding less than one row counts as one row.
    inv = np.where(used_level, 1.0 / np.maximum(levels, 1.0), 0.0).sum(axis=1)
    spread = np.maximum(total * inv - 1.0, 0.0)
    q = np.ones(ia.size)
    if total > 1:  # (fractions of a row: no correction)
        ok = dof > 0
        q[ok] += spread[ia[ok]] * spread[ib[ok]] / (6.0 * total * dof[ok])
    return half_g / q, dof


def learn_edges(
    onehot: sp.csr_array,
    fired: sp.csr_array,
    wq: FloatArray,
    k: int,
    *,
    alpha: float,
    min_cmi: float,
    exclude: npt.NDArray[np.bool_] | None = None,
) -> list[EdgeTest]:
    """Test every co-voting pair of LFs; return the significant ones, strongest first."""
    m = fired.shape[1]
    co = (fired.T @ fired).tocoo()
    keep = co.row < co.col
    ia = co.row[keep].astype(np.intp)
    ib = co.col[keep].astype(np.intp)
    if exclude is not None and ia.size:
        ok = ~(exclude[ia] | exclude[ib])
        ia, ib = ia[ok], ib[ok]
    if ia.size == 0:
        return []
    n = float(wq.sum())
    if not n > 0:  # no weight on any row: nothing to test
        return []
    g, dof = _g_statistics(onehot, wq, k, (ia, ib))
    g = np.maximum(g, 0.0)  # G >= 0; rounding can leave -1e-12 on independent pairs
    cmi = g / (2.0 * n)
    n_tests = max(1, m * (m - 1) // 2)
    pval = np.where(dof > 0, chi2.sf(g, np.maximum(dof, 1)), 1.0)
    sig = (pval * n_tests < alpha) & (cmi >= min_cmi)
    order = np.argsort(-g[sig], kind="stable")
    idx = np.flatnonzero(sig)[order]
    return [
        EdgeTest(
            a=int(ia[i]),
            b=int(ib[i]),
            g=float(g[i]),
            dof=int(dof[i]),
            p_value=float(pval[i]),
            cmi=float(cmi[i]),
        )
        for i in idx
    ]


class _UnionFind:
    """Disjoint sets of LFs 0..m-1 with a weighted size per set."""

    def __init__(self, m: int, weights: Collection[int] | None = None) -> None:
        self.parent = list(range(m))
        self.size = [1] * m if weights is None else list(weights)

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo
            self.size[lo] += self.size[hi]


def components(m: int, edges: list[tuple[int, int]]) -> list[tuple[int, ...]]:
    """Connected components with more than one LF, each sorted, in order of first LF."""
    sets = _UnionFind(m)
    for a, b in edges:
        sets.union(a, b)
    groups: dict[int, list[int]] = {}
    for j in range(m):
        groups.setdefault(sets.find(j), []).append(j)
    return sorted((tuple(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def merge_edges(
    m: int,
    fixed: list[tuple[int, int]],
    candidates: list[EdgeTest],
    max_clique_size: int,
    *,
    one_edge: bool = False,
    copies: Collection[int] = (),
) -> list[tuple[int, int]]:
    """Add candidate edges (in order) while every component stays small enough.

    With ``one_edge`` only the first edge that fits is added: structure
    learning adds one edge per round and refits, because a missing
    dependency distorts the posterior and with it the tests of other pairs.
    LFs in ``copies`` (exact copies of an LF joined to it by a ``fixed``
    edge) do not count toward a component's size: their joint table has no
    more configurations than the LF alone.
    """
    edges = list(fixed)
    copy_set = set(copies)
    sets = _UnionFind(m, [0 if j in copy_set else 1 for j in range(m)])
    for a, b in fixed:
        sets.union(a, b)
    existing = set(edges)
    for e in candidates:
        if (e.a, e.b) in existing:
            continue
        ra, rb = sets.find(e.a), sets.find(e.b)
        if ra == rb or sets.size[ra] + sets.size[rb] <= max_clique_size:
            sets.union(e.a, e.b)
            edges.append((e.a, e.b))
            existing.add((e.a, e.b))
            if one_edge:
                break
    return edges
