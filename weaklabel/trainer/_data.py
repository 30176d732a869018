"""Input handling for the trainer (private): features, labels and batches.

Features are wrapped once, at the start of ``fit``/``predict``, in a small
object that hands out mini-batches by row index: dense arrays become one
float32 tensor, scipy.sparse matrices stay CSR and each batch becomes a
``torch.sparse_coo_tensor`` for networks that multiply sparse input (the
built-in ones; densified only for other networks), and a
``torch.utils.data.Dataset`` is read item by item and collated.
Train/validation splits and abstain filtering are then just arrays of row
indices; the DataLoader draws batches of those indices from a local
``torch.Generator``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import torch
from torch.utils.data import DataLoader, Dataset, Sampler, default_collate

from weaklabel._validation import check_gold, check_proba, check_votes
from weaklabel.typing import ABSTAIN

__all__ = [
    "ArrayFeatures",
    "DatasetFeatures",
    "Features",
    "SparseFeatures",
    "as_features",
    "balanced_class_weight",
    "check_labels",
    "make_loader",
    "normalize_weights",
    "row_weights",
    "split_holdout",
    "to_device",
    "voted_rows",
]

IndexArray = npt.NDArray[np.int64]

_TEXT_HINT = (
    " Turn raw texts into numeric features first, e.g."
    " make_pipeline(TfidfVectorizer(), NoiseAwareClassifier())."
)


class Features:
    """Rows of model input, addressed by integer index."""

    n_rows: int
    n_features: int | None
    """Input width when known (array input, or a Dataset of 1-D tensors)."""

    def take(self, idx: IndexArray) -> Any:
        """Return the model input for rows ``idx`` (a tensor or a collated batch)."""
        raise NotImplementedError


class ArrayFeatures(Features):
    """A dense 2-D float32 tensor."""

    def __init__(self, X: torch.Tensor) -> None:
        self.X = X
        self.n_rows, self.n_features = int(X.shape[0]), int(X.shape[1])

    def take(self, idx: IndexArray) -> torch.Tensor:
        return self.X[torch.as_tensor(idx, device=self.X.device)]


class SparseFeatures(Features):
    """A scipy CSR matrix; each batch stays sparse, or is densified on the fly.

    ``sparse_batches`` (set by the classifier from the network's
    ``accepts_sparse`` attribute) chooses between a ``torch.sparse_coo_tensor``
    batch and a dense one.
    """

    def __init__(self, X: sp.csr_array, *, sparse_batches: bool = False) -> None:
        self.X = X
        self.sparse_batches = sparse_batches
        self.n_rows, self.n_features = int(X.shape[0]), int(X.shape[1])

    def take(self, idx: IndexArray) -> torch.Tensor:
        batch = self.X[idx]
        if not self.sparse_batches:
            return torch.from_numpy(batch.toarray())
        coo = batch.tocoo()
        indices = np.vstack([coo.row, coo.col]).astype(np.int64)
        return torch.sparse_coo_tensor(
            torch.from_numpy(indices),
            torch.from_numpy(coo.data),
            coo.shape,
            is_coalesced=True,  # CSR rows in order, columns sorted by tocoo
            check_invariants=False,
        )


class DatasetFeatures(Features):
    """A map-style ``torch.utils.data.Dataset`` whose items are model inputs."""

    def __init__(self, dataset: Dataset[Any], n_rows: int) -> None:
        self.dataset = dataset
        self.n_rows = n_rows
        self.n_features = _item_width(dataset[0]) if n_rows else None

    def take(self, idx: IndexArray) -> Any:
        return default_collate([self.dataset[int(i)] for i in idx])


def _item_width(item: Any) -> int | None:
    if isinstance(item, (tuple, list)) and len(item) == 1:
        item = item[0]
    if isinstance(item, torch.Tensor) and item.ndim == 1:
        return int(item.shape[0])
    return None


def as_features(
    X: Any, *, name: str = "X", owner: str = "NoiseAwareClassifier"
) -> Features:
    """Validate ``X`` and wrap it for batched access.

    Accepts a 2-D numpy array (or anything ``np.asarray`` turns into one, such
    as a DataFrame or nested lists), a dense or sparse ``torch.Tensor``, a
    scipy.sparse matrix, or a map-style ``torch.utils.data.Dataset``.
    """
    if X is None:
        raise TypeError(
            f"{name} for {owner} must be features of shape (n_samples, n_features)"
            " or a torch Dataset; got None."
        )
    if isinstance(X, Dataset) and not isinstance(X, torch.Tensor):
        try:
            n = len(X)  # type: ignore[arg-type]
        except TypeError as exc:
            raise TypeError(
                f"{name} is a torch Dataset without __len__; {owner} needs a"
                " map-style Dataset (with __len__ and __getitem__)."
            ) from exc
        if n == 0:
            raise ValueError(f"{name} is an empty Dataset; expected at least one row.")
        return DatasetFeatures(X, n)
    if isinstance(X, torch.Tensor):
        if X.layout != torch.strided:
            X = _torch_sparse_to_scipy(X, name)
        else:
            _check_2d(tuple(X.shape), name)
            if not (X.is_floating_point() or X.dtype in _TORCH_INTS):
                raise TypeError(f"{name} must be a numeric tensor; got {X.dtype}.")
            X = X.detach().to(torch.float32)
            if not bool(torch.isfinite(X).all()):
                i = int(torch.nonzero(~torch.isfinite(X))[0, 0])
                raise ValueError(_nan_message(name, i))
            return ArrayFeatures(X)
    if sp.issparse(X):
        S = sp.csr_array(X, dtype=np.float32)
        _check_2d(S.shape, name)
        if not S.has_canonical_format:  # sorted, unique columns per row
            S = S.copy()  # never change the caller's matrix
            S.sum_duplicates()
        if not np.isfinite(S.data).all():
            bad = ~np.isfinite(S.data)
            i = int(np.searchsorted(S.indptr, int(np.argmax(bad)), side="right") - 1)
            raise ValueError(_nan_message(name, i))
        return SparseFeatures(S)
    arr = np.asarray(X.to_numpy() if isinstance(X, pd.DataFrame) else X)
    if arr.dtype.kind in "USO":
        raise TypeError(
            f"{name} must be numeric features; got an array of dtype {arr.dtype}"
            f" (texts?).{_TEXT_HINT}"
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric features; got dtype {arr.dtype}.")
    _check_2d(arr.shape, name)
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        i = int(np.argwhere(~np.isfinite(arr))[0, 0])
        raise ValueError(_nan_message(name, i))
    return ArrayFeatures(torch.from_numpy(arr))


_TORCH_INTS = (
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint8,
    torch.bool,
)


def _check_2d(shape: Sequence[int], name: str) -> None:
    if len(shape) != 2:
        hint = " Use X.reshape(-1, 1) for a single feature." if len(shape) == 1 else ""
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features); got shape"
            f" {tuple(shape)}.{hint}{_TEXT_HINT if len(shape) == 1 else ''}"
        )
    if shape[0] == 0 or shape[1] == 0:
        raise ValueError(
            f"{name} is empty (shape {tuple(shape)}); expected at least one row and"
            " one feature."
        )


def _nan_message(name: str, row: int) -> str:
    return (
        f"{name} contains NaN or infinity (first at row {row}); impute or drop those"
        " values before training (e.g. sklearn.impute.SimpleImputer)."
    )


def _torch_sparse_to_scipy(X: torch.Tensor, name: str) -> sp.csr_array:
    _check_2d(tuple(X.shape), name)
    coo = X.detach().cpu().to_sparse().coalesce()
    rows, cols = coo.indices().numpy()
    return sp.csr_array(
        (coo.values().numpy().astype(np.float32), (rows, cols)), shape=tuple(X.shape)
    )


# ------------------------------------------------------------------ labels
def check_labels(
    proba: Any, n: int, *, allow_abstain: bool
) -> tuple[npt.NDArray[np.float32], IndexArray | None]:
    """Validate labels; return float32 targets (n, k), and the hard labels if 1-D.

    ``proba`` holds soft labels of shape (n, k) whose rows sum to 1, or hard
    class indices of shape (n,) where ``ABSTAIN`` is allowed when
    ``allow_abstain`` (those rows get all-zero targets).
    """
    if proba is None:
        raise TypeError(
            "NoiseAwareClassifier.fit needs labels: soft labels of shape (n_samples,"
            " n_classes) or hard class indices of shape (n_samples,); got None."
        )
    arr = np.asarray(proba.to_numpy() if hasattr(proba, "to_numpy") else proba)
    if arr.ndim not in (1, 2):
        raise ValueError(
            "proba must be soft labels of shape (n_samples, n_classes) or hard"
            f" labels of shape (n_samples,); got shape {arr.shape}."
        )
    if arr.shape[0] != n:
        raise ValueError(
            f"X has {n} rows but proba has {arr.shape[0]}; pass one label row per"
            " row of X, in the same order."
        )
    if arr.ndim == 2:
        soft = check_proba(arr, n_samples=n)
        if soft.shape[1] < 2:
            raise ValueError(
                f"proba has {soft.shape[1]} column; expected one column per"
                " class and at least 2 classes."
            )
        return soft.astype(np.float32), None
    is_float = arr.dtype.kind == "f" and not np.isnan(arr).any()
    if is_float and not np.array_equal(arr, np.round(arr)):
        raise TypeError(
            "1-D proba must hold hard class indices; got fractional values."
            " For binary soft labels p(class 1) pass"
            " np.column_stack([1 - p, p])."
        )
    finite = arr[np.isfinite(arr)] if arr.dtype.kind in "biuf" else arr[:0]
    top = int(finite.max()) if finite.size else 0
    k = max(2, top + 1)
    hard = check_gold(arr, n, k, name="proba", allow_missing=allow_abstain)
    targets = np.zeros((n, k), dtype=np.float32)
    labelled = hard != ABSTAIN
    targets[np.flatnonzero(labelled), hard[labelled]] = 1.0
    return targets, hard


def row_weights(
    sample_weight: Any,
    targets: npt.NDArray[np.float32],
    *,
    confidence_weighting: bool,
    class_weight: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float32] | None:
    """Per-row loss weights, or None when every row weighs the same.

    ``sample_weight`` times ``targets.max(1)`` when ``confidence_weighting``,
    times the expected class weight ``targets @ class_weight`` when given.
    """
    n = targets.shape[0]
    w: npt.NDArray[np.float32] | None = None
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        if sw.shape != (n,):
            raise ValueError(
                f"sample_weight must have shape ({n},), one weight per row of X;"
                f" got shape {sw.shape}."
            )
        if not np.isfinite(sw).all() or (sw < 0).any():
            raise ValueError("sample_weight must be finite and non-negative.")
        w = sw.astype(np.float32)
    if confidence_weighting:
        conf = targets.max(axis=1)
        w = conf if w is None else w * conf
    if class_weight is not None:
        cw = (targets @ class_weight.astype(np.float32)).astype(np.float32)
        w = cw if w is None else w * cw
    return w


def balanced_class_weight(
    targets: npt.NDArray[np.float32],
    rows: IndexArray,
    weights: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.float64]:
    """``n / (k * mass_c)`` from the label mass of each class on ``rows``.

    The soft-label analogue of scikit-learn's ``class_weight="balanced"``: no
    gold label is used, only the (weak) training labels, each row counted
    with its weight (``n`` is then the total weight).  A class with no mass
    gets weight 1.
    """
    t = targets[rows].astype(np.float64)
    w = np.ones(rows.size) if weights is None else weights[rows].astype(np.float64)
    mass = w @ t
    k = targets.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        cw = np.where(mass > 0, w.sum() / (k * mass), 1.0)
    return np.asarray(cw, dtype=np.float64)


def normalize_weights(
    weights: npt.NDArray[np.float32] | None, rows: IndexArray
) -> npt.NDArray[np.float32] | None:
    """Scale ``weights`` so that their mean over the training ``rows`` is 1.

    With the per-batch loss ``mean(w * loss)`` this makes a weight an exact
    row count: on one full batch, weight 0 is the same as leaving the row out
    and weight 2 the same as passing it twice.
    """
    if weights is None:
        return None
    total = float(weights[rows].sum(dtype=np.float64))
    if not total > 0:
        raise ValueError(
            "Every training row has weight 0 (sample_weight times the class and"
            " confidence weights); give some rows a positive weight."
        )
    return (weights * np.float32(rows.size / total)).astype(np.float32)


def voted_rows(L: Any, n: int, k: int) -> npt.NDArray[np.bool_]:
    """True for the rows of ``L`` where at least one LF voted."""
    votes = check_votes(
        L, cardinality=k, owner="NoiseAwareClassifier", accept_sparse=True
    )
    if votes.shape[0] != n:
        raise ValueError(
            f"L has {votes.shape[0]} rows but X has {n}; pass the vote matrix of"
            " the training rows, in the same order."
        )
    if isinstance(votes, np.ndarray):
        return np.asarray((votes != ABSTAIN).any(axis=1))
    return np.asarray(np.diff(votes.indptr) > 0)


def split_holdout(
    rows: IndexArray, fraction: float, rng: np.random.Generator
) -> tuple[IndexArray, IndexArray]:
    """Split ``rows`` at random into (train, held-out ``fraction``), each sorted."""
    n_hold = max(1, round(fraction * rows.size))
    if rows.size - n_hold < 1:
        raise ValueError(
            f"Early stopping holds out {n_hold} of the {rows.size} training rows,"
            " leaving none to train on; pass X_val/y_val or early_stopping=False."
        )
    perm = rng.permutation(rows.size)
    return np.sort(rows[perm[n_hold:]]), np.sort(rows[perm[:n_hold]])


# ----------------------------------------------------------------- batches
class _IndexBatches(Sampler[IndexArray]):
    """Yields arrays of row indices, shuffled with a local generator when given."""

    def __init__(
        self, rows: IndexArray, batch_size: int, generator: torch.Generator | None
    ) -> None:
        self.rows = rows
        self.batch_size = batch_size
        self.generator = generator

    def __len__(self) -> int:
        return -(-len(self.rows) // self.batch_size)

    def __iter__(self) -> Iterator[IndexArray]:
        rows = self.rows
        if self.generator is not None:
            rows = rows[torch.randperm(len(rows), generator=self.generator).numpy()]
        for start in range(0, len(rows), self.batch_size):
            yield rows[start : start + self.batch_size]


class _Batches(Dataset[tuple[Any, ...]]):
    """Maps an array of row indices to ``(inputs, *per-row tensors)``."""

    def __init__(self, features: Features, extras: Sequence[torch.Tensor]) -> None:
        self.features = features
        self.extras = extras

    def __getitem__(self, idx: IndexArray) -> tuple[Any, ...]:
        t = torch.from_numpy(idx)
        return (self.features.take(idx), *(e[t] for e in self.extras))


def _identity(batch: Any) -> Any:
    return batch


def make_loader(
    features: Features,
    rows: IndexArray,
    batch_size: int,
    *,
    extras: Sequence[torch.Tensor] = (),
    generator: torch.Generator | None = None,
) -> DataLoader[tuple[Any, ...]]:
    """DataLoader over ``rows`` yielding ``(inputs, *extras[rows])`` tuples.

    Batches are shuffled with ``generator`` when one is given, else kept in
    order.  Each batch is fetched with one indexing call rather than item by
    item (the sampler yields whole index arrays and ``batch_size=None``).
    """
    return DataLoader(
        _Batches(features, extras),
        sampler=_IndexBatches(rows, batch_size, generator),
        batch_size=None,
        collate_fn=_identity,
        # A local generator also for the loader's own base seed, which would
        # otherwise be drawn from torch's global RNG.
        generator=torch.Generator().manual_seed(0) if generator is None else generator,
    )


def to_device(obj: Any, device: torch.device) -> Any:
    """Move a tensor, or the tensors in a (nested) tuple, list or dict, to ``device``."""
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return type(obj)(to_device(v, device) for v in obj)
    return obj
