"""JSON save/load of label models (private; never pickle, never eval).

A saved model is one JSON object::

    {"format": "weaklabel.label_model", "format_version": 1,
     "class": "DawidSkene", "weaklabel_version": "0.1.0",
     "params": {...},            # get_params(), JSON-encoded
     "attributes": {...} | null} # learned attributes, null when not fitted

Values are encoded losslessly: ndarrays as ``{"__ndarray__": flat list,
"dtype": ..., "shape": [...]}`` (non-finite floats as the strings "nan",
"inf", "-inf"), tuples as ``{"__tuple__": [...]}``, non-finite floats as
``{"__float__": "nan"}``.  Floats are written with ``repr`` precision, so a
loaded model predicts bit-for-bit like the saved one.

Classes are looked up by name in a registry that every
:class:`~weaklabel.label_model.BaseLabelModel` subclass joins when it is
defined; nothing in a file is ever imported or evaluated.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from weaklabel._files import atomic_write

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "atomic_write_text",
    "decode",
    "encode",
    "lookup",
    "read_model_document",
    "register",
    "registry_key",
]

FORMAT = "weaklabel.label_model"
FORMAT_VERSION = 1

_REGISTRY: dict[str, type] = {}


def registry_key(cls: type) -> str:
    """Name under which a label-model class is saved and looked up."""
    if cls.__module__.split(".")[0] == "weaklabel":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def register(cls: type) -> None:
    """Add a label-model class to the registry (called by ``__init_subclass__``)."""
    _REGISTRY[registry_key(cls)] = cls


def lookup(name: str) -> type:
    """Return the registered class saved under ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(
            f"The model file names the class {name!r}, which is not a known label"
            f" model (known: {known}). Import the module that defines it before"
            " loading."
        ) from None


def _encode_float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"__float__": repr(x)}


def encode(value: Any) -> Any:
    """Encode a parameter or learned value as JSON-compatible data."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return _encode_float(float(value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            if value.dtype.kind in "OU":
                return {
                    "__ndarray__": [encode(v) for v in value.reshape(-1).tolist()],
                    "dtype": "object" if value.dtype.kind == "O" else "str",
                    "shape": list(value.shape),
                }
            raise TypeError(f"Cannot save an array of dtype {value.dtype}.")
        flat = value.reshape(-1).tolist()
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            flat = [v if math.isfinite(v) else repr(v) for v in flat]
        return {
            "__ndarray__": flat,
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or k.startswith("__"):
                raise TypeError(f"Cannot save a dict with key {k!r}.")
            out[k] = encode(v)
        return out
    if isinstance(value, (np.random.Generator, np.random.RandomState)):
        # A generator's state is not part of the model: saved as None.
        return None
    raise TypeError(
        f"Cannot save a value of type {type(value).__name__} in a model file;"
        " only numbers, strings, lists, tuples, dicts and numpy arrays are saved."
    )


def decode(value: Any) -> Any:
    """Invert :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            data = value["__ndarray__"]
            shape = tuple(value["shape"])
            dtype = value["dtype"]
            if dtype == "object":
                arr = np.empty(len(data), dtype=object)
                arr[:] = [decode(v) for v in data]
                return arr.reshape(shape)
            if dtype == "str":
                return np.array(data, dtype=str).reshape(shape)
            dt = np.dtype(dtype)
            if dt.kind == "f" and any(isinstance(v, str) for v in data):
                data = [float(v) for v in data]
            return np.array(data, dtype=dt).reshape(shape)
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__float__" in value:
            return float(value["__float__"])
        return {k: decode(v) for k, v in value.items()}
    return value


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file + ``os.replace``)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_model_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the envelope of a saved model file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"No model file at {str(p)!r}.") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{str(p)!r} is not a weaklabel model file (invalid JSON: {exc})."
        ) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(
            f"{str(p)!r} is not a weaklabel model file (expected a JSON object with"
            f' "format": "{FORMAT}"). Save models with model.save(path).'
        )
    version = doc.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{str(p)!r} has model format version {version!r}, but this weaklabel"
            f" reads versions up to {FORMAT_VERSION}. Upgrade weaklabel."
        )
    for key in ("class", "params", "attributes"):
        if key not in doc:
            raise ValueError(f"{str(p)!r} is not a valid model file: missing {key!r}.")
    return doc
