"""Adapters that run the peer label models on weaklabel's vote matrices.

Every adapter takes dense int votes with -1 = abstain (crowd-kit adapters
also take the +1-encoded sparse matrices) and returns class probabilities of
shape (n, k); a row a method cannot predict is NaN (the scoring protocol
gives it a random class).  Peers live only in the benchmark environment (see
benchmarks/README.md); each is imported inside its adapter.

- Snorkel 0.10.0 ``LabelModel`` (tutorial settings n_epochs=500, lr=0.001,
  fixed seed) and ``MajorityLabelVoter``: inductive (fit on one matrix,
  predict another).
- FlyingSquid (binary only): inductive.
- crowd-kit 1.4.2 DawidSkene / OneCoinDawidSkene / GLAD / MACE: transductive
  (they label the tasks they were fitted on).
- HyperLM 0.0.5 (pretrained GNN): transductive; semi-supervised with gold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.lm_data import dense_votes as _dense
from benchmarks.lm_data import long_table as _long

__all__ = [
    "CROWDKIT_METHODS",
    "NotApplicable",
    "crowdkit_proba",
    "flyingsquid_proba",
    "hyperlm_proba",
    "peer_versions",
    "snorkel_label_model_proba",
    "snorkel_majority_proba",
]

Proba = npt.NDArray[np.float64]
CROWDKIT_METHODS = ("DawidSkene", "OneCoinDawidSkene", "GLAD", "MACE")


class NotApplicable(Exception):  # noqa: N818 - a result kind, not an error
    """The method does not apply to this dataset (printed as 'n/a')."""


def peer_versions() -> dict[str, str]:
    """Installed versions of the peers (\"missing\" when not importable)."""
    from importlib import metadata

    out = {}
    for dist in ("snorkel", "crowd-kit", "flyingsquid", "hyperlm", "torch", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "missing"
    return out


# --------------------------------------------------------------------------- Snorkel
def snorkel_label_model_proba(
    L_fit: Any,
    L_pred: Any,
    k: int,
    *,
    y_dev: npt.ArrayLike | None = None,
    n_epochs: int = 500,
    lr: float = 0.001,
    seed: int = 0,
) -> Proba:
    """Snorkel ``LabelModel``; with ``y_dev`` its class balance comes from it."""
    from snorkel.labeling.model import LabelModel

    model = LabelModel(cardinality=k, verbose=False)
    kwargs: dict[str, Any] = {}
    if y_dev is not None:
        kwargs["Y_dev"] = np.asarray(y_dev, dtype=np.int64)
    model.fit(
        _dense(L_fit),
        n_epochs=n_epochs,
        lr=lr,
        seed=seed,
        progress_bar=False,
        **kwargs,
    )
    return np.asarray(model.predict_proba(_dense(L_pred)), dtype=np.float64)


def snorkel_majority_proba(L_fit: Any, L_pred: Any, k: int) -> Proba:
    """Snorkel ``MajorityLabelVoter`` (nothing to fit)."""
    from snorkel.labeling.model import MajorityLabelVoter

    model = MajorityLabelVoter(cardinality=k)
    return np.asarray(model.predict_proba(_dense(L_pred)), dtype=np.float64)


# ----------------------------------------------------------------------- FlyingSquid
def _flyingsquid_import() -> Any:
    if not hasattr(np, "product"):  # removed in numpy 2; FlyingSquid still uses it
        setattr(np, "product", np.prod)  # noqa: B010
    from flyingsquid.label_model import LabelModel

    return LabelModel


def flyingsquid_proba(
    L_fit: Any, L_pred: Any, k: int, *, y_dev: npt.ArrayLike | None = None
) -> Proba:
    """FlyingSquid triplet model (binary tasks; +1/-1 votes, 0 = abstain)."""
    if k != 2:
        raise NotApplicable("binary only")
    LabelModel = _flyingsquid_import()

    def encode(L: Any) -> npt.NDArray[np.int64]:
        d = _dense(L)
        return np.where(d < 0, 0, 2 * d - 1)

    L_train = encode(L_fit)
    if L_train.shape[1] < 3:
        raise NotApplicable("needs >= 3 LFs")
    model = LabelModel(L_train.shape[1])
    kwargs: dict[str, Any] = {}
    if y_dev is not None:
        # one column per task (v = 1): +1 / -1
        kwargs["Y_dev"] = (2 * np.asarray(y_dev, dtype=np.int64) - 1).reshape(-1, 1)
    model.fit(L_train, verbose=False, **kwargs)
    # v = 1 task: columns are Y = -1 (class 0) and Y = +1 (class 1)
    return np.asarray(model.predict_proba(encode(L_pred), verbose=False), dtype=float)


# ------------------------------------------------------------------------- crowd-kit
def crowdkit_proba(method: str, L_all: Any, k: int, *, seed: int = 0) -> Proba:
    """crowd-kit aggregator fitted on every row of ``L_all`` (transductive).

    Rows without any vote are not tasks for crowd-kit: they come back NaN.
    """
    from crowdkit import aggregation as agg

    if method == "MACE":
        model = agg.MACE(random_state=seed)
    elif method in CROWDKIT_METHODS:
        model = getattr(agg, method)()
    else:
        raise ValueError(f"unknown crowd-kit method {method!r}")
    n = L_all.shape[0]
    table = _long(L_all)
    probas = model.fit_predict_proba(table)
    probas = probas.reindex(index=np.arange(n), columns=np.arange(k))
    out = probas.to_numpy(dtype=np.float64, copy=True)
    covered = np.isfinite(out).any(axis=1)
    out[covered] = np.nan_to_num(out[covered], nan=0.0)
    return out


# --------------------------------------------------------------------------- HyperLM
_HYPERLM: Any = None


def _hyperlm_model() -> Any:
    """Load HyperLM's checkpoint with torch's weights-only unpickler.

    The checkpoint pickles numpy scalars (as ``numpy.core.multiarray.scalar``,
    the numpy 1.x path) and dtype classes; allow exactly those, never
    ``weights_only=False``.
    """
    global _HYPERLM
    if _HYPERLM is None:
        import torch
        from hyperlm import HyperLabelModel

        try:
            from numpy._core.multiarray import scalar
        except ImportError:  # numpy 1.x
            from numpy.core.multiarray import scalar  # type: ignore[no-redef]
        allowed = [
            (scalar, "numpy.core.multiarray.scalar"),
            np.dtype,
            type(np.dtype(np.float64)),
        ]
        with torch.serialization.safe_globals(allowed):
            _HYPERLM = HyperLabelModel(device="cpu")
    return _HYPERLM


def hyperlm_proba(
    L_all: Any,
    k: int,
    *,
    gold_rows: npt.ArrayLike | None = None,
    gold_labels: npt.ArrayLike | None = None,
    seed: int = 0,
) -> Proba:
    """HyperLM on every row of ``L_all`` (transductive); semi-supervised with gold."""
    import torch

    model = _hyperlm_model()
    X = _dense(L_all)
    # HyperLM sizes its output by the last row holding a vote, so trailing
    # all-abstain rows would be dropped (and its semi-supervised mask breaks).
    # It is equivariant to row order (mean pooling), so move a covered row to
    # the end and undo the permutation afterwards.
    n = X.shape[0]
    order = np.arange(n)
    covered = np.flatnonzero((X >= 0).any(axis=1))
    if covered.size and covered[-1] != n - 1:
        order[[covered[-1], n - 1]] = order[[n - 1, covered[-1]]]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    X = X[order]
    if gold_rows is not None:
        gold_rows = inverse[np.asarray(gold_rows, dtype=np.int64)]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        if gold_rows is None:
            proba = model.infer(X, return_probs=True)
        else:
            # HyperLMSemi reloads the checkpoint: keep the allow-list active.
            try:
                from numpy._core.multiarray import scalar
            except ImportError:  # numpy 1.x
                from numpy.core.multiarray import scalar  # type: ignore[no-redef]
            allowed = [
                (scalar, "numpy.core.multiarray.scalar"),
                np.dtype,
                type(np.dtype(np.float64)),
            ]
            with torch.serialization.safe_globals(allowed):
                proba = model.infer(
                    X,
                    y_indices=np.asarray(gold_rows, dtype=np.int64),
                    y_vals=np.asarray(gold_labels, dtype=np.int64),
                    return_probs=True,
                )
    proba = np.asarray(proba, dtype=np.float64)[inverse]
    if proba.shape[1] < k:  # HyperLM sizes its output by the largest vote seen
        proba = np.hstack([proba, np.zeros((proba.shape[0], k - proba.shape[1]))])
    return proba
