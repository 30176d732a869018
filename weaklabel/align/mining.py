"""Bootstrapping: mine new pairs from unpaired items, re-score existing pairs.

- :func:`mine_pairs`: mutual nearest neighbours in the joint space, scored by
  the ratio margin of bitext mining (Artetxe & Schwenk, 2019): a candidate's
  cosine divided by the mean cosine of both items' ``k`` nearest neighbours,
  so that hubs (items close to everything) do not win.  Only pairs above a
  threshold are kept, against confirmation bias.
- :func:`bootstrap`: a few rounds of fit -> mine -> refit with the mined pairs
  added, each weighted by its confidence.
- :func:`model_pair_lf`: the trained model as a pair LF for the next round of
  the label model: "match" where a pair's partner ranks near the top among all
  items, "mismatch" where it ranks in the bottom half, abstain otherwise.

Examples
--------
>>> import numpy as np
>>> E = np.eye(4, dtype=np.float32)
>>> mined = mine_pairs(E, E, k=2, threshold=1.0)
>>> mined[["left", "right"]].to_numpy().tolist()
[[0, 0], [1, 1], [2, 2], [3, 3]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.align.train import PairAligner
from weaklabel.exceptions import WeakLabelError
from weaklabel.typing import ABSTAIN

__all__ = ["bootstrap", "mine_pairs", "model_pair_lf", "partner_rank"]


def _unit(E: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(E, dtype=np.float64)
    norm = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.asarray(arr / np.where(norm > 0, norm, 1.0), dtype=np.float64)


def mine_pairs(
    E_left: npt.ArrayLike,
    E_right: npt.ArrayLike,
    *,
    k: int = 4,
    threshold: float = 1.05,
    left_items: npt.ArrayLike | None = None,
    right_items: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Mutual nearest neighbours with a ratio-margin score.

    Parameters
    ----------
    E_left : array-like of shape (n_left, dim)
    E_right : array-like of shape (n_right, dim)
        Joint-space embeddings (rows are normalised here).
    k : int, default=4
        Neighbours in the margin's denominator.
    threshold : float, default=1.05
        Keep candidates whose margin is at least this (1 = no better than the
        neighbourhood's average).
    left_items, right_items : array-like of int, default=None
        Row positions that may be mined (e.g. the unpaired items); None
        allows all.

    Returns
    -------
    DataFrame
        ``left``, ``right`` (row positions), ``cosine``, ``margin`` and
        ``confidence`` (the margin mapped to (0, 1]: ``1 - exp(-(m - 1) /
        (threshold - 1))`` for ``threshold > 1``, else 1), best margin first.
    """
    A, B = _unit(E_left), _unit(E_right)
    li = (
        np.arange(len(A))
        if left_items is None
        else np.asarray(left_items, dtype=np.int64)
    )
    ri = (
        np.arange(len(B))
        if right_items is None
        else np.asarray(right_items, dtype=np.int64)
    )
    if len(li) == 0 or len(ri) == 0:
        return pd.DataFrame(columns=["left", "right", "cosine", "margin", "confidence"])
    S = A[li] @ B[ri].T
    kk = max(1, min(k, S.shape[0], S.shape[1]))
    knn_l = -np.sort(-S, axis=1)[:, :kk].mean(axis=1)  # each left item's neighbourhood
    knn_r = -np.sort(-S, axis=0)[:kk, :].mean(axis=0)
    M = S / ((knn_l[:, None] + knn_r[None, :]) / 2 + 1e-12)
    best_r = M.argmax(axis=1)
    best_l = M.argmax(axis=0)
    mutual = best_l[best_r] == np.arange(len(li))
    rows = np.flatnonzero(mutual)
    cols = best_r[rows]
    margin = M[rows, cols]
    keep = margin >= threshold
    rows, cols, margin = rows[keep], cols[keep], margin[keep]
    if threshold > 1:
        conf = 1.0 - np.exp(-(margin - 1.0) / (threshold - 1.0))
    else:
        conf = np.ones_like(margin)
    out = pd.DataFrame(
        {
            "left": li[rows],
            "right": ri[cols],
            "cosine": S[rows, cols],
            "margin": margin,
            "confidence": np.clip(conf, 0.0, 1.0),
        }
    )
    return out.sort_values("margin", ascending=False, kind="stable").reset_index(
        drop=True
    )


def bootstrap(
    model: PairAligner,
    X_left: npt.ArrayLike,
    X_right: npt.ArrayLike,
    pairs: npt.ArrayLike,
    *,
    confidence: npt.ArrayLike | None = None,
    rounds: int = 2,
    k: int = 4,
    threshold: float = 1.05,
    max_new: int | None = None,
) -> tuple[PairAligner, pd.DataFrame]:
    """Fit, mine pairs among the unpaired items, refit with them; repeat.

    Parameters
    ----------
    model : PairAligner
        Unfitted (or fitted: it is refitted) aligner; its parameters are used.
    X_left, X_right : array-like
        Features of all items, paired or not.
    pairs : array-like of shape (n_pairs, 2)
        The given pairs (row positions).
    confidence : array-like of shape (n_pairs,), default=None
        Their P(match) from the label model.
    rounds : int, default=2
        Mining rounds after the first fit.
    k, threshold
        As in :func:`mine_pairs`.
    max_new : int, default=None
        At most this many mined pairs per round (best margins first).

    Returns
    -------
    model : PairAligner
        Fitted on the given pairs plus the last round's mined pairs.
    mined : DataFrame
        The mined pairs of the last round, with a ``round`` column.
    """
    P = np.asarray(pairs, dtype=np.int64)
    n_left = len(np.asarray(X_left))
    n_right = len(np.asarray(X_right))
    conf = None if confidence is None else np.asarray(confidence, dtype=np.float64)
    model.fit(X_left, X_right, P, confidence=conf)
    free_l = np.setdiff1d(np.arange(n_left), P[:, 0])
    free_r = np.setdiff1d(np.arange(n_right), P[:, 1])
    mined = pd.DataFrame(
        columns=["left", "right", "cosine", "margin", "confidence", "round"]
    )
    for r in range(rounds):
        new = mine_pairs(
            model.transform(X_left, side="left"),
            model.transform(X_right, side="right"),
            k=k,
            threshold=threshold,
            left_items=free_l,
            right_items=free_r,
        )
        if max_new is not None:
            new = new.iloc[:max_new]
        if new.empty:
            break
        mined = new.assign(round=r + 1)
        allp = np.r_[P, new[["left", "right"]].to_numpy(dtype=np.int64)]
        weight = np.r_[np.ones(len(P)), new["confidence"].to_numpy()]
        # mined pairs carry their confidence both as a fixed weight and, where
        # the label model weighs the given pairs, as their P(match)
        c = None if conf is None else np.r_[conf, new["confidence"].to_numpy()]
        model.fit(X_left, X_right, allp, confidence=c, sample_weight=weight)
    return model, mined


def partner_rank(
    model: PairAligner,
    X_left: npt.ArrayLike,
    X_right: npt.ArrayLike,
    pairs: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """Where each pair's right item ranks among all right items for its left item.

    Returns
    -------
    ndarray of shape (n_pairs,)
        0 = the best match of all right items, 1 = the worst.
    """
    A = model.transform(X_left, side="left")
    B = model.transform(X_right, side="right")
    P = np.asarray(pairs, dtype=np.int64)
    own = (A[P[:, 0]] * B[P[:, 1]]).sum(axis=1)
    out = np.empty(len(P))
    step = max(1, 1_000_000 // max(len(B), 1))
    for s in range(0, len(P), step):
        S = A[P[s : s + step, 0]] @ B.T
        out[s : s + step] = (own[s : s + step, None] < S).sum(axis=1) / max(
            len(B) - 1, 1
        )
    return out


def model_pair_lf(
    model: PairAligner,
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    left_features: list[str],
    right_features: list[str],
    match_rank: float = 0.05,
    mismatch_rank: float = 0.5,
    name: str = "aligner",
) -> Any:
    """A pair LF that asks a trained aligner (for the label model's next round).

    It votes "match" where the pair's right item is among the top
    ``match_rank`` of all right items for its left item, "mismatch" where it
    is in the bottom ``1 - mismatch_rank``, and abstains in between.

    Parameters
    ----------
    model : PairAligner
        Fitted.
    left, right : DataFrame
        The item tables (``id`` plus the feature columns).
    left_features, right_features : list of str
        The feature columns of each table, as in fit.
    match_rank, mismatch_rank : float
    name : str, default="aligner"

    Returns
    -------
    LabelingFunction
        Vectorized; reads ``left_id`` and ``right_id`` of the joined pairs.
    """
    from weaklabel.lf import LabelingFunction

    if not 0 < match_rank < mismatch_rank < 1:
        raise WeakLabelError(
            f"model_pair_lf needs 0 < match_rank < mismatch_rank < 1; got"
            f" {match_rank} and {mismatch_rank}."
        )
    XL = left[left_features].to_numpy(dtype=np.float32)
    XR = right[right_features].to_numpy(dtype=np.float32)
    lpos = pd.Index(left["id"])
    rpos = pd.Index(right["id"])

    def vote(df: pd.DataFrame) -> npt.NDArray[np.int64]:
        P = np.c_[lpos.get_indexer(df["left_id"]), rpos.get_indexer(df["right_id"])]
        if (P < 0).any():
            raise WeakLabelError(
                f"Pair LF {name!r}: a pair names an item its tables lack."
            )
        rank = partner_rank(model, XL, XR, P)
        return np.where(
            rank <= match_rank, 1, np.where(rank >= mismatch_rank, 0, ABSTAIN)
        )

    f: Callable[[pd.DataFrame], npt.NDArray[np.int64]] = vote
    return LabelingFunction(name, f, vectorized=True)
