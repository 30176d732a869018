"""Saving and loading fitted aligners without pickle.

A saved model is a folder with ``weights.npz`` (every tensor of the network's
``state_dict`` as a float32 array, read with ``allow_pickle=False``) and
``config.json`` (the class, its parameters, the feature dimension and the
feature columns of each modality, the fitted attributes and the SHA-256 of the
weights).  Each file is written atomically, the config last; loading rebuilds
the network from the config and checks the checksum and every array's name
and shape before it uses them.

Examples
--------
>>> import tempfile, numpy as np
>>> from weaklabel.align.train import PairAligner
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(30, 5))
>>> model = PairAligner(dim=4, epochs=2).fit(X, X, np.c_[np.arange(30), np.arange(30)])
>>> folder = save_aligner(model, tempfile.mkdtemp() + "/m")
>>> again = load_aligner(folder)
>>> bool(np.array_equal(again.transform(X), model.transform(X)))
True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from weaklabel._files import atomic_write
from weaklabel.align.heads import AlignNet
from weaklabel.align.train import AnchorAligner, PairAligner
from weaklabel.exceptions import WeakLabelError

__all__ = ["load_aligner", "save_aligner"]

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.npz"
FORMAT = "weaklabel.align/1"
_CLASSES: dict[str, type[PairAligner] | type[AnchorAligner]] = {
    "PairAligner": PairAligner,
    "AnchorAligner": AnchorAligner,
}
_FITTED = (
    "weighting_",
    "noise_estimate_",
    "selection_",
    "logit_scale_",
    "history_",
    "n_epochs_",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_aligner(
    model: PairAligner | AnchorAligner,
    path: str | os.PathLike[str],
    *,
    feature_columns: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write a fitted aligner to the folder ``path`` (created if needed).

    Parameters
    ----------
    model : PairAligner or AnchorAligner
        Fitted.
    path : str or path-like
        The model folder.  Files other than ``config.json`` and
        ``weights.npz`` in it are left alone.
    feature_columns : mapping of str to sequence of str, default=None
        The table columns each modality's features came from (the CLI's
        ``embed`` and ``eval`` read them back).

    Returns
    -------
    Path
        The folder.
    """
    model._check_fitted()
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().cpu().numpy().astype(np.float32)
        for k, v in model.net_.state_dict().items()
    }
    atomic_write(out / WEIGHTS_FILE, lambda tmp: np.savez(tmp, **state))
    params = {
        k: v
        for k, v in model.get_params().items()
        if k != "random_state" or isinstance(v, int | None)
    }
    config = {
        "format": FORMAT,
        "class": type(model).__name__,
        "params": params,
        "in_dims": {k: int(v) for k, v in model.n_features_in_.items()},
        "feature_columns": {k: list(v) for k, v in (feature_columns or {}).items()},
        "fitted": {k: getattr(model, k) for k in _FITTED},
        "modalities": list(model.n_features_in_),
        "weights_sha256": _sha256(out / WEIGHTS_FILE),
    }
    text = json.dumps(config, indent=2, sort_keys=False)
    atomic_write(out / CONFIG_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out


def _bad(folder: Path, what: str) -> WeakLabelError:
    return WeakLabelError(
        f"{str(folder)!r} is not a valid weaklabel alignment model: {what}. Refit and"
        " save it with weaklabel align fit (or save_aligner)."
    )


def load_aligner(path: str | os.PathLike[str]) -> PairAligner | AnchorAligner:
    """Read an aligner written by :func:`save_aligner`; no code is executed.

    Parameters
    ----------
    path : str or path-like
        The model folder.

    Returns
    -------
    PairAligner or AnchorAligner
        Fitted, on the CPU; ``feature_columns_`` holds the saved columns.

    Raises
    ------
    WeakLabelError
        A file is missing, the format or checksum is wrong, or an array's name
        or shape does not match the config.
    """
    folder = Path(path)
    cfg_path, w_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    if not cfg_path.is_file() or not w_path.is_file():
        raise _bad(folder, f"it needs {CONFIG_FILE} and {WEIGHTS_FILE}")
    try:
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(folder, f"{CONFIG_FILE} is not JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        got = config.get("format") if isinstance(config, dict) else None
        raise _bad(folder, f"format {got!r}, expected {FORMAT!r}")
    if config.get("weights_sha256") != _sha256(w_path):
        raise _bad(
            folder, f"{WEIGHTS_FILE} does not match the checksum in {CONFIG_FILE}"
        )
    cls = _CLASSES.get(str(config.get("class")))
    if cls is None:
        raise _bad(folder, f"unknown class {config.get('class')!r}")
    try:
        model = cls(**config["params"])
        model._check_params()
        in_dims = {str(k): int(v) for k, v in config["in_dims"].items()}
        modalities = [str(m) for m in config["modalities"]]
        fitted: dict[str, Any] = dict(config["fitted"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(folder, f"{CONFIG_FILE} is incomplete ({exc})") from None
    with torch.random.fork_rng(devices=[]):  # layer construction draws from it
        net = AlignNet(
            {m: in_dims[m] for m in modalities},
            model.dim,
            hidden=model.hidden,
            dropout=model.dropout,
            loss=model.loss,
        )
    expected = net.state_dict()
    try:  # the file is opened here: np.load leaks its handle on a bad zip
        with open(w_path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except Exception as exc:  # any error of the zip or npy reader
        raise _bad(folder, f"{WEIGHTS_FILE} is unreadable ({exc})") from None
    if set(arrays) != set(expected):
        raise _bad(
            folder, f"weight names {sorted(arrays)} differ from {sorted(expected)}"
        )
    state = {}
    for k, ref in expected.items():
        arr = arrays[k]
        if (
            tuple(arr.shape) != tuple(ref.shape)
            or arr.dtype.kind != "f"
            or not np.isfinite(arr).all()
        ):
            raise _bad(
                folder,
                f"weight {k!r} is {arr.dtype} of shape {arr.shape}, expected"
                f" finite floats of shape {tuple(ref.shape)}",
            )
        state[k] = torch.from_numpy(np.array(arr, dtype=np.float32))  # writable copy
    net.load_state_dict(state)
    net.eval()
    model.net_ = net
    for k in _FITTED:
        setattr(model, k, fitted.get(k))
    model.n_features_in_ = in_dims
    if isinstance(model, AnchorAligner):
        model.modalities_ = modalities
    model.feature_columns_ = {
        str(k): list(v) for k, v in config.get("feature_columns", {}).items()
    }
    return model
