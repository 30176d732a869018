"""Structure learning for the generative label model (private).

After an independent fit, every pair of LFs that vote on common rows is
tested for dependence *given the latent class*: the expected joint counts
``Obs[c, a, b]`` of their votes (abstain included) on rows of class ``c``
(weighted by the posteriors) are compared with the counts expected under
conditional independence, ``Obs[c, a, .] Obs[c, ., b] / Obs[c, ., .]``, by a
G-test (twice the conditional mutual information times the number of rows).
Pairs significant at ``alpha`` after a Bonferroni correction over all tested
pairs, whose conditional mutual information also exceeds ``min_cmi`` nats (so
that tiny dependences in very large data sets are not modelled), become
candidate edges; they are added strongest first while every connected
component (clique) stays within ``max_clique_size`` LFs.

All pairs are tested at once with sparse products: for every class ``c``
the co-vote counts are ``X.T @ diag(counts * q_c) @ X`` with ``X`` the one-hot
vote matrix; the abstain cells follow from the margins.  Only pairs that
co-vote on at least one row are ever materialised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.stats import chi2

__all__ = ["EdgeTest", "components", "learn_edges", "merge_edges"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EdgeTest:
    """Result of the dependence test of one pair of LFs."""

    a: int
    b: int
    g: float
    dof: int
    p_value: float
    cmi: float


def _pair_tables(
    onehot: sp.csr_array,
    fired: sp.csr_array,
    wq: FloatArray,
    k: int,
    pairs: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
) -> FloatArray:
    """Joint expected counts Obs[p, c, a, b] for the listed pairs, a,b in 0..k (k = abstain)."""
    ia, ib = pairs
    n_pairs = ia.size
    mk = onehot.shape[1]
    m = mk // k
    Obs = np.zeros((n_pairs, k, k + 1, k + 1))
    # per-LF vote margins N[j, v, c] and class totals
    n_c = wq.sum(axis=0)
    for c in range(k):  # loop over classes
        Xw = onehot.multiply(wq[:, c][:, None]).tocsr()
        V = (onehot.T @ Xw).tocsr()  # (mk, mk) co-vote counts of class c
        margin = np.asarray(onehot.T @ wq[:, c]).reshape(m, k)  # votes of j on c
        for va in range(k):  # loop over vote values (k small)
            rows = ia * k + va
            for vb in range(k):
                cols = ib * k + vb
                Obs[:, c, va, vb] = np.asarray(V[rows, cols]).reshape(-1)
        # abstain cells from the margins
        Obs[:, c, :k, k] = margin[ia] - Obs[:, c, :k, :k].sum(axis=2)
        Obs[:, c, k, :k] = margin[ib] - Obs[:, c, :k, :k].sum(axis=1)
        Obs[:, c, k, k] = (
            n_c[c] - Obs[:, c, :, :k].sum(axis=(1, 2)) - Obs[:, c, :k, k].sum(axis=1)
        )
    del fired
    return np.maximum(Obs, 0.0)


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
    Obs = _pair_tables(onehot, fired, wq, k, (ia, ib))
    row = Obs.sum(axis=3, keepdims=True)
    col = Obs.sum(axis=2, keepdims=True)
    tot = Obs.sum(axis=(2, 3), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        E = row * col / np.where(tot > 0, tot, 1.0)
        term = np.where(
            Obs > 0,
            Obs * np.log(np.where(Obs > 0, Obs, 1.0) / np.where(E > 0, E, 1.0)),
            0.0,
        )
    g = 2.0 * term.sum(axis=(1, 2, 3))
    # degrees of freedom: per class (levels of a used - 1)(levels of b used - 1)
    used_a = (row[..., 0] > 1e-9).sum(axis=2)
    used_b = (col[:, :, 0, :] > 1e-9).sum(axis=2)
    dof = np.maximum((used_a - 1) * (used_b - 1), 0).sum(axis=1)
    n = float(wq.sum())
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


def components(m: int, edges: list[tuple[int, int]]) -> list[tuple[int, ...]]:
    """Connected components with more than one LF, each sorted, in order of first LF."""
    parent = list(range(m))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for j in range(m):
        groups.setdefault(find(j), []).append(j)
    return sorted((tuple(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def merge_edges(
    m: int,
    fixed: list[tuple[int, int]],
    candidates: list[EdgeTest],
    max_clique_size: int,
    *,
    one_edge: bool = False,
) -> list[tuple[int, int]]:
    """Add candidate edges (in order) while every component stays small enough.

    With ``one_edge`` only the first edge that fits is added: structure
    learning adds one edge per round and refits, because a missing
    dependency distorts the posterior and with it the tests of other pairs.
    """
    edges = list(fixed)
    size = dict.fromkeys(range(m), 1)
    parent = list(range(m))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
            size[ra] += size[rb]

    for a, b in fixed:
        union(a, b)
    existing = set(edges)
    for e in candidates:
        if (e.a, e.b) in existing:
            continue
        ra, rb = find(e.a), find(e.b)
        if ra == rb or size[ra] + size[rb] <= max_clique_size:
            union(e.a, e.b)
            edges.append((e.a, e.b))
            existing.add((e.a, e.b))
            if one_edge:
                break
    return edges
