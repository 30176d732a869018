"""JSON / npz save/load of label models (private; never pickle, never eval).

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

A ``.npz`` file holds the same document as a string member ``__document__``
in which every numeric array is a reference ``{"__npz__": "a0"}`` to a member
of the archive, stored in binary (smaller and faster for large tables); it is
read with ``allow_pickle=False``.

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
    "split_arrays",
    "write_model_document",
]

_NPZ_DOCUMENT = "__document__"
_ZIP_MAGIC = b"PK\x03\x04"

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


def split_arrays(doc: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Move the numeric arrays of an encoded document into ``arrays``.

    Returns the document with each ``{"__ndarray__": ...}`` of a numeric
    dtype replaced by ``{"__npz__": name}``; ``arrays[name]`` holds the array.
    """
    if isinstance(doc, list):
        return [split_arrays(v, arrays) for v in doc]
    if isinstance(doc, dict):
        if "__ndarray__" in doc and doc["dtype"] not in ("object", "str"):
            name = f"a{len(arrays)}"
            arrays[name] = decode(doc)
            return {"__npz__": name}
        return {k: split_arrays(v, arrays) for k, v in doc.items()}
    return doc


def _join_arrays(doc: Any, archive: Mapping[str, np.ndarray], source: str) -> Any:
    """Invert :func:`split_arrays`: put the archive's arrays back in place."""
    if isinstance(doc, list):
        return [_join_arrays(v, archive, source) for v in doc]
    if isinstance(doc, dict):
        if "__npz__" in doc:
            name = doc["__npz__"]
            if not isinstance(name, str) or name not in archive:
                raise ValueError(
                    f"{source!r} is not a valid model file: its document refers to"
                    f" the array {name!r}, which the archive does not hold."
                )
            return np.asarray(archive[name])
        return {k: _join_arrays(v, archive, source) for k, v in doc.items()}
    return doc


def write_model_document(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write an encoded model document atomically: npz for ``*.npz``, else JSON."""
    if Path(path).suffix.lower() != ".npz":
        atomic_write_text(path, json.dumps(doc, allow_nan=False))
        return
    arrays: dict[str, np.ndarray] = {}
    text = json.dumps(split_arrays(doc, arrays), allow_nan=False)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:  # a file object: numpy adds no suffix
            members: dict[str, Any] = {_NPZ_DOCUMENT: np.array(text), **arrays}
            np.savez(f, **members)

    atomic_write(path, write)


def decode(value: Any) -> Any:
    """Invert :func:`encode`."""
    if isinstance(value, np.ndarray):  # an array from an npz archive
        return value
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
        raw = p.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"No model file at {str(p)!r}.") from None
    archive: dict[str, np.ndarray] | None = None
    if raw.startswith(_ZIP_MAGIC):
        archive = _read_archive(p)
        text = str(archive.pop(_NPZ_DOCUMENT))
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"{str(p)!r} is not a weaklabel model file (neither JSON nor npz)."
            ) from exc
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
    if archive is not None:
        joined: dict[str, Any] = _join_arrays(doc, archive, str(p))
        return joined
    return doc


def _read_archive(p: Path) -> dict[str, np.ndarray]:
    """Every member of an npz model file, read without pickle."""
    try:
        with open(p, "rb") as fh, np.load(fh, allow_pickle=False) as z:
            members = {name: z[name] for name in z.files}
    except ValueError as exc:  # e.g. an object array, which needs pickle
        raise ValueError(
            f"{str(p)!r} is not a weaklabel model file: {exc} (model files never"
            " hold pickled objects)."
        ) from exc
    except Exception as exc:  # a broken zip archive
        raise ValueError(
            f"{str(p)!r} is not a weaklabel model file (unreadable npz: {exc})."
        ) from exc
    if _NPZ_DOCUMENT not in members or members[_NPZ_DOCUMENT].dtype.kind != "U":
        raise ValueError(
            f"{str(p)!r} is not a weaklabel model file (an npz archive without a"
            f" {_NPZ_DOCUMENT!r} member). Save models with model.save(path)."
        )
    return members
