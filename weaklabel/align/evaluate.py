"""Retrieval metrics, the modality gap, and NCR's noise injector.

Retrieval is measured both ways among the items that appear in the test
pairs: every left item queries all right items (and the other way round); a
query counts as found at ``k`` when *any* of its partners is in the top
``k`` (pairs may be many-to-many).  Recalls are percentages; ``rsum`` is the
sum of the six (at most 600).

Examples
--------
>>> import numpy as np
>>> E = np.eye(4, dtype=np.float32)
>>> pairs = np.c_[np.arange(4), np.arange(4)]
>>> m = retrieval_metrics(E, E, pairs)
>>> m["rsum"], m["left_to_right"]["median_rank"]
(600.0, 1.0)
>>> noisy, clean = inject_noise(pairs, 0.5, random_state=0)
>>> int((~clean).sum())
2
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from weaklabel.exceptions import WeakLabelError
from weaklabel.typing import RandomStateLike

__all__ = [
    "centre",
    "inject_noise",
    "modality_gap",
    "rank_of_first_partner",
    "retrieval_metrics",
]

_KS = (1, 5, 10)


def _unit(E: Any, name: str) -> npt.NDArray[np.float64]:
    arr = np.asarray(E, dtype=np.float64)
    if arr.ndim != 2:
        raise WeakLabelError(
            f"{name} must be 2-D (n_items, dim); got shape {arr.shape}."
        )
    norm = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.asarray(arr / np.where(norm > 0, norm, 1.0), dtype=np.float64)


def centre(E: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Subtract the modality's mean embedding and re-normalise the rows.

    Parameters
    ----------
    E : array-like of shape (n_items, dim)

    Returns
    -------
    ndarray of shape (n_items, dim)
    """
    arr = np.asarray(E, dtype=np.float64)
    return _unit(arr - arr.mean(axis=0, keepdims=True), "E")


def modality_gap(E_left: npt.ArrayLike, E_right: npt.ArrayLike) -> float:
    """Distance between the two modalities' mean (unit-normalised) embeddings.

    Parameters
    ----------
    E_left : array-like of shape (n_left, dim)
    E_right : array-like of shape (n_right, dim)

    Returns
    -------
    float
        ``||mean(E_left) - mean(E_right)||`` (Liang et al., 2022).
    """
    a = _unit(E_left, "E_left").mean(axis=0)
    b = _unit(E_right, "E_right").mean(axis=0)
    return float(np.linalg.norm(a - b))


def rank_of_first_partner(
    Q: npt.NDArray[np.float64],
    G: npt.NDArray[np.float64],
    partners: list[npt.NDArray[np.int64]],
) -> npt.NDArray[np.int64]:
    """1-based rank of the best-ranked partner of each query among the gallery.

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    G : ndarray of shape (n_gallery, dim)
    partners : list of ndarray
        Gallery positions of each query's partners.

    Returns
    -------
    ndarray of shape (n_queries,)
    """
    out = np.empty(len(Q), dtype=np.int64)
    step = max(1, 2_000_000 // max(len(G), 1))
    for s in range(0, len(Q), step):
        S = Q[s : s + step] @ G.T
        for r in range(S.shape[0]):
            row = S[r]
            best = row[partners[s + r]].max()
            out[s + r] = 1 + int((row > best).sum())
    return out


def _side(
    Q: npt.NDArray[np.float64], G: npt.NDArray[np.float64], partners: list[Any]
) -> dict[str, float]:
    ranks = rank_of_first_partner(Q, G, partners)
    out = {f"r{k}": float(100.0 * np.mean(ranks <= k)) for k in _KS}
    out["median_rank"] = float(np.median(ranks))
    out["mean_rank"] = float(np.mean(ranks))
    return out


def retrieval_metrics(
    E_left: npt.ArrayLike,
    E_right: npt.ArrayLike,
    pairs: npt.ArrayLike,
    *,
    centred: bool = False,
) -> dict[str, Any]:
    """R@1/5/10, median rank both ways, rSum and the modality gap.

    Parameters
    ----------
    E_left : array-like of shape (n_left, dim)
    E_right : array-like of shape (n_right, dim)
    pairs : array-like of shape (n_pairs, 2)
        Test pairs as row positions; only the items they name are queries and
        gallery.
    centred : bool, default=False
        Centre each modality (over the test items) before ranking.

    Returns
    -------
    dict
        ``{"left_to_right": {"r1", "r5", "r10", "median_rank", "mean_rank"},
        "right_to_left": {...}, "rsum", "modality_gap", "n_left", "n_right",
        "n_pairs"}``; recalls in percent.
    """
    P = np.asarray(pairs)
    if P.ndim != 2 or P.shape[1] != 2 or len(P) == 0:
        raise WeakLabelError(
            f"pairs must have shape (n_pairs, 2) with at least one pair; got {P.shape}."
        )
    P = P.astype(np.int64)
    A_all = _unit(E_left, "E_left")
    B_all = _unit(E_right, "E_right")
    if P[:, 0].max() >= len(A_all) or P[:, 1].max() >= len(B_all) or P.min() < 0:
        raise WeakLabelError(
            "pairs name rows outside the embedding matrices"
            f" ({len(A_all)} left, {len(B_all)} right rows)."
        )
    li, l_pos = np.unique(P[:, 0], return_inverse=True)
    ri, r_pos = np.unique(P[:, 1], return_inverse=True)
    A, B = A_all[li], B_all[ri]
    gap = modality_gap(A, B)
    if centred:
        A, B = centre(A), centre(B)
    l_pos = l_pos.reshape(-1)
    r_pos = r_pos.reshape(-1)
    by_left: list[list[int]] = [[] for _ in li]
    by_right: list[list[int]] = [[] for _ in ri]
    for a, b in zip(l_pos.tolist(), r_pos.tolist(), strict=True):
        by_left[a].append(b)
        by_right[b].append(a)
    l2r = _side(A, B, [np.asarray(x) for x in by_left])
    r2l = _side(B, A, [np.asarray(x) for x in by_right])
    rsum = sum(l2r[f"r{k}"] + r2l[f"r{k}"] for k in _KS)
    return {
        "left_to_right": l2r,
        "right_to_left": r2l,
        "rsum": float(rsum),
        "modality_gap": gap,
        "n_left": len(li),
        "n_right": len(ri),
        "n_pairs": len(P),
    }


def inject_noise(
    pairs: npt.ArrayLike, rate: float, *, random_state: RandomStateLike = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Shuffle the right items of a share of the pairs (NCR's protocol).

    Parameters
    ----------
    pairs : array-like of shape (n_pairs, 2)
    rate : float
        Share of pairs in [0, 1] whose right items are shuffled among
        themselves.
    random_state : int, Generator or None, default=None

    Returns
    -------
    noisy : ndarray of shape (n_pairs, 2)
    clean : ndarray of shape (n_pairs,), dtype bool
        Whether each resulting pair is one of the original pairs.
    """
    P = np.asarray(pairs).astype(np.int64)
    if not 0.0 <= float(rate) <= 1.0:
        raise WeakLabelError(f"rate must be in [0, 1]; got {rate!r}.")
    rng = (
        random_state
        if isinstance(random_state, np.random.Generator)
        else np.random.default_rng(
            random_state
            if not isinstance(random_state, np.random.RandomState)
            else random_state.randint(2**31 - 1)
        )
    )
    n_noisy = round(float(rate) * len(P))
    chosen = rng.choice(len(P), size=n_noisy, replace=False)
    noisy = P.copy()
    if n_noisy > 1:
        # a cyclic shift of a random order: every chosen pair gets another's item
        shifted = np.roll(chosen, 1)
        noisy[chosen, 1] = P[shifted, 1]
    original = {(int(a), int(b)) for a, b in P}
    clean = np.array([(int(a), int(b)) in original for a, b in noisy], dtype=bool)
    return noisy, clean
