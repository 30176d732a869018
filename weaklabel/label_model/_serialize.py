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

Model files are data, safe to load from anywhere: before anything is
allocated the declared sizes are checked (an array's shape against the values
it holds, an npz member's header against its size in the archive), only the
archive members the document refers to are read, nesting deeper than
:data:`MAX_DEPTH` is refused, and every learned attribute is checked after
decoding (:func:`check_learned`: shapes against the LF and class counts,
dtypes, finite values, probabilities in [0, 1] that sum to 1 where they
must).  Every failure is a :class:`~weaklabel.exceptions.ModelFileError`
naming the file and the attribute.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from weaklabel._files import atomic_write
from weaklabel.exceptions import ModelFileError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "atomic_write_text",
    "check_learned",
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

#: Deepest nesting of lists and objects a model document may have (a saved
#: model needs about 6).
MAX_DEPTH = 32
#: Largest expansion of a compressed npz member (np.savez stores members
#: uncompressed; a higher ratio is a decompression bomb).
_MAX_COMPRESSION_RATIO = 1000
# dtypes an array in a model file may have
_NUMERIC_KINDS = "biuf"

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


def _fail(source: str, problem: str, attribute: str | None = None) -> ModelFileError:
    where = f" (attribute {attribute!r})" if attribute else ""
    return ModelFileError(
        f"{source!r} is not a valid model file{where}: {problem}. Model files are"
        " written by model.save(path); refit and save the model again if this"
        " one was edited or damaged.",
        path=source,
        attribute=attribute,
    )


def _array_dtype(spec: Any, source: str, attribute: str | None) -> np.dtype[Any]:
    """The numeric dtype an encoded array declares, refusing anything else."""
    if not isinstance(spec, str) or len(spec) > 8:
        raise _fail(source, f"an array declares the dtype {spec!r:.60}", attribute)
    try:
        dt = np.dtype(spec)
    except (TypeError, ValueError):
        raise _fail(
            source, f"an array declares the unknown dtype {spec!r}", attribute
        ) from None
    # sub-array dtypes such as "(10000,10000)f8" would multiply every element
    if dt.kind not in _NUMERIC_KINDS or dt.shape != () or dt.itemsize > 8:
        raise _fail(
            source,
            f"an array declares the dtype {spec!r}; model files hold booleans,"
            " integers and floats of at most 8 bytes",
            attribute,
        )
    return dt


def _array_shape(
    spec: Any, size: int, source: str, attribute: str | None
) -> tuple[int, ...]:
    """The shape an encoded array declares, which must match its ``size`` values."""
    if (
        not isinstance(spec, list)
        or len(spec) > MAX_DEPTH
        or not all(type(d) is int and d >= 0 for d in spec)
    ):
        raise _fail(source, f"an array declares the shape {spec!r:.60}", attribute)
    total = 1
    for d in spec:
        total *= d
    if total != size:
        raise _fail(
            source,
            f"an array declares the shape {tuple(spec)} ({total} values) but holds"
            f" {size} values",
            attribute,
        )
    return tuple(spec)


def decode(
    value: Any, source: str = "the model file", attribute: str | None = None
) -> Any:
    """Invert :func:`encode`, refusing what :func:`encode` never writes.

    Raises
    ------
    ModelFileError
        A malformed array (unknown or non-numeric dtype, a shape that does not
        match its values, values that do not fit the dtype).
    """
    if isinstance(value, np.ndarray):  # an array from an npz archive
        return value
    if isinstance(value, list):
        return [decode(v, source, attribute) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return _decode_array(value, source, attribute)
        if "__tuple__" in value:
            items = value["__tuple__"]
            if not isinstance(items, list):
                raise _fail(source, "a malformed tuple", attribute)
            return tuple(decode(v, source, attribute) for v in items)
        if "__float__" in value:
            text = value["__float__"]
            if text not in ("nan", "inf", "-inf"):
                raise _fail(source, f"a malformed float {text!r:.40}", attribute)
            return float(text)
        if "__npz__" in value:
            raise _fail(source, "an array reference outside an npz archive", attribute)
        return {k: decode(v, source, attribute) for k, v in value.items()}
    return value


def _decode_array(value: dict[str, Any], source: str, attribute: str | None) -> Any:
    data = value["__ndarray__"]
    if not isinstance(data, list):
        raise _fail(source, "a malformed array", attribute)
    shape = _array_shape(value.get("shape"), len(data), source, attribute)
    dtype = value.get("dtype")
    if dtype == "object":
        arr = np.empty(len(data), dtype=object)
        arr[:] = [decode(v, source, attribute) for v in data]
        return arr.reshape(shape)
    if dtype == "str":
        if not all(isinstance(v, str) for v in data):
            raise _fail(source, "a string array holds non-strings", attribute)
        return np.array(data, dtype=str).reshape(shape)
    dt = _array_dtype(dtype, source, attribute)
    ok = (bool,) if dt.kind == "b" else (bool, int, float, str)
    if not all(type(v) in ok for v in data):
        raise _fail(source, f"an array of dtype {dt.str} holds other values", attribute)
    try:
        if dt.kind == "f":
            data = [float(v) if isinstance(v, str) else v for v in data]
        elif any(isinstance(v, (str, float)) for v in data):
            raise ValueError("non-integer values")
        return np.array(data, dtype=dt).reshape(shape)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _fail(
            source,
            f"an array of dtype {dt.str} holds values it cannot: {exc}",
            attribute,
        ) from None


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file + ``os.replace``)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _depth_ok(doc: Any) -> bool:
    """Whether ``doc`` nests lists and objects at most :data:`MAX_DEPTH` deep
    (checked without recursion)."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            if depth > MAX_DEPTH:
                return False
            items = value.values() if isinstance(value, dict) else value
            stack.extend((v, depth + 1) for v in items if isinstance(v, (list, dict)))
    return True


def _parse_json(text: str, source: str) -> Any:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{source!r} is not a weaklabel model file (invalid JSON: {exc}).",
            path=source,
        ) from exc
    except RecursionError:  # the decoder's own limit, before ours
        doc = None
    if doc is None or not _depth_ok(doc):
        raise ModelFileError(
            f"{source!r} is not a weaklabel model file: lists or objects nest"
            f" deeper than {MAX_DEPTH} levels (a saved model needs about 6).",
            path=source,
        )
    return doc


def read_model_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the envelope of a saved model file.

    Only the npz members the document refers to are read, each after its
    header was checked against its size in the archive.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFileError
        Not a weaklabel model file, or a malformed one.
    """
    p = Path(path)
    source = str(p)
    try:
        with open(p, "rb") as fh:
            magic = fh.read(len(_ZIP_MAGIC))
    except FileNotFoundError:
        raise FileNotFoundError(f"No model file at {source!r}.") from None
    if magic == _ZIP_MAGIC:
        limit = p.stat().st_size
        try:
            zf = zipfile.ZipFile(p)
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
        ) as exc:
            # NotImplementedError: zipfile refuses a header's version or method
            raise ModelFileError(
                f"{source!r} is not a weaklabel model file (unreadable npz: {exc}).",
                path=source,
            ) from None
        with zf:

            def read(name: str) -> np.ndarray:
                return _read_member(zf, name, source, limit)

            text = str(_read_member(zf, _NPZ_DOCUMENT, source, limit, document=True))
            doc = _check_envelope(_parse_json(text, source), source)
            return dict(_join_arrays(doc, read, source))
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(
            f"{source!r} is not a weaklabel model file (neither JSON nor npz).",
            path=source,
        ) from None
    return _check_envelope(_parse_json(text, source), source)


def _check_envelope(doc: Any, source: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(
            f"{source!r} is not a weaklabel model file (expected a JSON object with"
            f' "format": "{FORMAT}"). Save models with model.save(path).',
            path=source,
        )
    version = doc.get("format_version")
    if type(version) is not int or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{source!r} has model format version {version!r:.40}, but this"
            f" weaklabel reads versions up to {FORMAT_VERSION}. Upgrade weaklabel.",
            path=source,
            attribute="format_version",
        )
    for key in ("class", "params", "attributes"):
        if key not in doc:
            raise _fail(source, f"missing {key!r}", key)
    if not isinstance(doc["class"], str):
        raise _fail(source, f"'class' is {doc['class']!r:.40}, not a name", "class")
    if not isinstance(doc["params"], dict):
        raise _fail(source, "'params' is not an object", "params")
    if doc["attributes"] is not None and not isinstance(doc["attributes"], dict):
        raise _fail(source, "'attributes' is neither an object nor null", "attributes")
    return doc


def _join_arrays(doc: Any, read: Callable[[str], np.ndarray], source: str) -> Any:
    """Invert :func:`split_arrays`: put the archive's arrays back in place."""
    if isinstance(doc, list):
        return [_join_arrays(v, read, source) for v in doc]
    if isinstance(doc, dict):
        if "__npz__" in doc:
            name = doc["__npz__"]
            if not isinstance(name, str) or name == _NPZ_DOCUMENT:
                raise _fail(source, f"its document refers to the array {name!r:.40}")
            return read(name)
        return {k: _join_arrays(v, read, source) for k, v in doc.items()}
    return doc


def _read_member(
    zf: zipfile.ZipFile, name: str, source: str, limit: int, *, document: bool = False
) -> np.ndarray:
    """One ``.npy`` member of an archive, read without pickle after checking
    that its header declares no more bytes than the member holds."""
    try:
        info = zf.getinfo(name + ".npy")
    except KeyError:
        if document:
            raise ModelFileError(
                f"{source!r} is not a weaklabel model file (an npz archive without"
                f" a {_NPZ_DOCUMENT!r} member). Save models with model.save(path).",
                path=source,
            ) from None
        raise _fail(
            source,
            f"its document refers to the array {name!r}, which the archive"
            " does not hold",
        ) from None
    if info.compress_size > limit or (
        info.file_size > _MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
    ):
        raise _fail(source, f"the member {name!r} declares {info.file_size} bytes")
    try:
        with zf.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f"npy format version {version}")
            header = fh.tell()
            kinds = "U" if document else _NUMERIC_KINDS
            if dtype.hasobject or dtype.kind not in kinds or dtype.shape != ():
                raise ValueError(
                    f"dtype {dtype} (model files never hold pickled objects)"
                )
            if document and shape != ():
                raise ValueError(f"shape {shape}")
            nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if header + nbytes != info.file_size:
                raise ValueError(
                    f"its header declares {nbytes} bytes of data but it holds"
                    f" {info.file_size - header}"
                )
        with zf.open(info) as fh:
            arr: np.ndarray = np.lib.format.read_array(fh, allow_pickle=False)
    except ModelFileError:
        raise
    except Exception as exc:  # a broken member: any error of the npy reader
        raise _fail(source, f"the member {name!r} is unreadable: {exc}") from None
    return arr


# --------------------------------------------------------- learned attributes
# Each learned attribute a built-in model saves is checked by name after
# decoding: its type, dtype and shape against the number of LFs ``m`` and of
# classes ``k`` (read from the base attributes, checked first), and its
# values.  An attribute a third-party model adds is decoded but not checked.

_ATOL = 1e-6  # probabilities that must sum to 1 may be off by this much


class _Learned:
    """The learned attributes of one file being checked."""

    def __init__(self, attributes: dict[str, Any], source: str) -> None:
        self.values = attributes
        self.source = source
        self.m = 0
        self.k = 0

    def fail(self, name: str, problem: str) -> ModelFileError:
        return _fail(self.source, problem, name)

    def integer(self, name: str, low: int, high: int | None = None) -> int:
        v = self.values[name]
        if isinstance(v, np.integer):
            v = int(v)
        if type(v) is not int or v < low or (high is not None and v > high):
            bound = f">= {low}" + ("" if high is None else f" and <= {high}")
            raise self.fail(name, f"expected an int {bound}, got {v!r:.60}")
        return v

    def real(self, name: str, low: float | None = None) -> float:
        v = self.values[name]
        if isinstance(v, np.floating | np.integer):
            v = v.item()
        if type(v) not in (int, float) or not math.isfinite(v):
            raise self.fail(name, f"expected a finite number, got {v!r:.60}")
        if low is not None and v < low:
            raise self.fail(name, f"expected a number >= {low}, got {v!r}")
        return float(v)

    def flag(self, name: str) -> bool:
        v = self.values[name]
        if type(v) not in (bool, np.bool_):
            raise self.fail(name, f"expected true or false, got {v!r:.60}")
        return bool(v)

    def names(
        self, name: str, length: int, *, optional: bool = False
    ) -> list[str] | None:
        v = self.values[name]
        if v is None and optional:
            return None
        if (
            not isinstance(v, list)
            or not all(isinstance(x, str) and x for x in v)
            or len(set(v)) != len(v)
        ):
            raise self.fail(name, f"expected a list of unique names, got {v!r:.80}")
        if len(v) != length:
            raise self.fail(
                name, f"expected {length} names (one per {name[:-4]}), got {len(v)}"
            )
        return list(v)

    def _dims(self, shape: tuple[int | str, ...]) -> tuple[int, ...]:
        sizes = {"m": self.m, "k": self.k, "k+1": self.k + 1}
        return tuple(sizes[d] if isinstance(d, str) else d for d in shape)

    def array(
        self,
        name: str,
        shape: tuple[int | str, ...] | None,
        kind: str = "f",
        *,
        value: Any = None,
        what: str | None = None,
        low: float | None = None,
        high: float | None = None,
        sums_to_one: int | None = None,
        optional: bool = False,
    ) -> np.ndarray | None:
        """Check an array: dtype kind, shape, finite, in [low, high], and
        summing to 1 along ``sums_to_one`` (an axis) when given."""
        v = self.values[name] if value is None else value
        label = what or "the array"
        if v is None and optional:
            return None
        if not isinstance(v, np.ndarray):
            raise self.fail(name, f"expected {label}, got {type(v).__name__}")
        expected = {"f": "float", "i": "integer", "b": "boolean"}[kind]
        ok = v.dtype.kind == kind or (kind == "i" and v.dtype.kind == "u")
        if not ok or v.dtype.hasobject:
            raise self.fail(
                name, f"expected {label} of {expected}s, got dtype {v.dtype}"
            )
        if shape is not None and v.shape != self._dims(shape):
            dims = ", ".join(str(d) for d in shape)
            raise self.fail(
                name,
                f"expected {label} of shape ({dims}) = {self._dims(shape)} for"
                f" {self.m} LFs and {self.k} classes, got {v.shape}",
            )
        if kind == "f" and not np.isfinite(v).all():
            raise self.fail(name, f"{label} holds NaN or infinite values")
        if low is not None and v.size and v.min() < low:
            raise self.fail(name, f"{label} holds {v.min()!r}, below {low}")
        if high is not None and v.size and v.max() > high:
            raise self.fail(name, f"{label} holds {v.max()!r}, above {high}")
        if sums_to_one is not None and v.size:
            sums = v.sum(axis=sums_to_one)
            off = np.abs(sums - 1.0) > _ATOL
            if off.any():
                raise self.fail(
                    name,
                    f"{label} holds probabilities that must sum to 1 but sum to"
                    f" {sums[off].ravel()[0]!r}",
                )
        return v


def _prob(
    shape: tuple[int | str, ...], sums: int | None = None
) -> Callable[[_Learned, str], None]:
    def rule(c: _Learned, name: str) -> None:
        c.array(name, shape, low=0.0, high=1.0, sums_to_one=sums)

    return rule


def _optional_prob(
    shape: tuple[int | str, ...], sums: int | None = None
) -> Callable[[_Learned, str], None]:
    def rule(c: _Learned, name: str) -> None:
        c.array(name, shape, low=0.0, high=1.0, sums_to_one=sums, optional=True)

    return rule


def _counts(shape: tuple[int | str, ...]) -> Callable[[_Learned, str], None]:
    def rule(c: _Learned, name: str) -> None:
        c.array(name, shape, low=0.0)

    return rule


def _polarity(c: _Learned, name: str) -> None:
    c.array(name, ("m",), "i", low=-1, high=c.k - 1)


def _choice(*options: str | None) -> Callable[[_Learned, str], None]:
    def rule(c: _Learned, name: str) -> None:
        v = c.values[name]
        if not (v is None or isinstance(v, str)) or v not in options:
            raise c.fail(
                name, f"expected one of {list(options)}, got {c.values[name]!r:.60}"
            )

    return rule


def _cliques(c: _Learned, name: str) -> None:
    """Cliques, their tables, codes and class weights, checked together."""
    cliques = c.values["cliques_"]
    lists: dict[str, Any] = {
        a: c.values.get(a)
        for a in ("clique_tables_", "clique_codes_", "clique_class_weight_")
    }
    if not isinstance(cliques, list):
        raise c.fail("cliques_", "expected a list of tuples of LF indices")
    for a, v in lists.items():
        if not isinstance(v, list) or len(v) != len(cliques):
            raise c.fail(a, f"expected a list of {len(cliques)} arrays, one per clique")
    seen: set[int] = set()
    for i, members in enumerate(cliques):
        if (
            not isinstance(members, (list, tuple))
            or not 2 <= len(members) <= 16
            or not all(type(j) is int and 0 <= j < c.m for j in members)
            or seen.intersection(members)
            or len(set(members)) != len(members)
        ):
            raise c.fail(
                "cliques_",
                f"clique {i} is {members!r:.60}; expected 2 or more distinct LF"
                f" indices in 0..{c.m - 1}, in no other clique",
            )
        seen.update(members)
        n_codes = (c.k + 1) ** len(members)
        if n_codes >= 2**62:
            raise c.fail("cliques_", f"clique {i} has too many configurations")
        codes = c.array(
            "clique_codes_",
            None,
            "i",
            value=lists["clique_codes_"][i],
            what=f"codes of clique {i}",
            low=0,
            high=n_codes - 1,
        )
        assert codes is not None
        if codes.ndim != 1 or codes.size == 0 or (np.diff(codes) <= 0).any():
            raise c.fail(
                "clique_codes_", f"codes of clique {i} must be 1-D, sorted and unique"
            )
        table = c.array(
            "clique_tables_",
            (codes.size, "k"),
            value=lists["clique_tables_"][i],
            what=f"table of clique {i}",
            low=0.0,
            high=1.0,
        )
        assert table is not None
        if (table.sum(axis=0) > 1.0 + _ATOL).any():
            raise c.fail(
                "clique_tables_",
                f"table of clique {i}: P(configuration | class) sums above 1",
            )
        c.array(
            "clique_class_weight_",
            ("k",),
            value=lists["clique_class_weight_"][i],
            what=f"class weight of clique {i}",
            low=0.0,
        )


def _dependencies(c: _Learned, name: str) -> None:
    v = c.values[name]
    names = set(c.values["lf_names_in_"])
    if not isinstance(v, list) or not all(
        isinstance(p, (list, tuple))
        and len(p) == 2
        and all(isinstance(a, str) and a in names for a in p)
        for p in v
    ):
        raise c.fail(name, "expected a list of pairs of the model's LF names")


def _optional_weight(c: _Learned, name: str) -> None:
    if c.values[name] is not None:
        c.real(name, 0.0)


def _anchor_table(c: _Learned, name: str) -> None:
    c.array(name, ("k+1", "k"), low=0.0, high=1.0, sums_to_one=0, optional=True)


def _anchor_weight(c: _Learned, name: str) -> None:
    w = c.array(name, ("m",), low=0.0, optional=True)
    if w is not None and w.sum() >= 1.0:
        raise c.fail(name, f"the tie-break weights must sum below 1, not {w.sum()!r}")


_COMPANION_RULES: dict[str, Callable[[_Learned, str], object]] = {
    "class_prior_": _prob(("k",), sums=0),
    "lf_accuracy_": _prob(("m",)),
    "lf_fire_rate_": _prob(("m", "k")),
    "lf_propensity_": _prob(("m", "k"), sums=1),
    "lf_own_vote_": _prob(("m", "k")),
    "anchor_table_": _anchor_table,
}


class _Companion(_Learned):
    """A companion layout's tables (``accuracy_layout_``, ``mace_layout_``),
    checked as the attributes they mirror; errors name ``owner[key]``.

    The cliques and their codes are the model's own (``cliques_``,
    ``clique_codes_``); the tables are the companion's.
    """

    def __init__(self, parent: _Learned, tables: dict[str, Any], owner: str) -> None:
        values = dict(parent.values)
        values.update(tables)
        super().__init__(values, parent.source)
        self.m, self.k = parent.m, parent.k
        self.owner = owner

    def fail(self, name: str, problem: str) -> ModelFileError:
        return super().fail(f"{self.owner}[{name!r}]", problem)


def _companion(c: _Learned, name: str, keys: list[str]) -> _Companion | None:
    """The companion tables under ``name`` (None when null), keys checked."""
    tables = c.values[name]
    if tables is None:
        return None
    if not isinstance(tables, dict) or sorted(tables) != sorted(keys):
        got = sorted(tables) if isinstance(tables, dict) else type(tables).__name__
        raise c.fail(
            name,
            f"expected null or an object with keys {sorted(keys)}, got {got!r:.200}",
        )
    return _Companion(c, tables, name)


def _accuracy_layout(c: _Learned, name: str) -> None:
    keys = [*_COMPANION_RULES, "clique_tables_", "clique_class_weight_"]
    sub = _companion(c, name, keys)
    if sub is None:
        return
    for key, rule in _COMPANION_RULES.items():
        rule(sub, key)
    own = sub.values["anchor_table_"] is None
    if own != (c.values.get("anchor_table_") is None):
        raise sub.fail(
            "anchor_table_", "expected a table exactly when the model has anchor_table_"
        )
    _cliques(sub, "cliques_")


def _mace_layout(c: _Learned, name: str) -> None:
    sub = _companion(c, name, ["lf_competence_", "lf_spam_"])
    if sub is not None:
        _prob(("m",))(sub, "lf_competence_")
        _prob(("m", "k"), sums=1)(sub, "lf_spam_")


_RULES: dict[str, Callable[[_Learned, str], object]] = {
    "class_prior_": _prob(("k",), sums=0),
    "lf_accuracy_": _prob(("m",)),
    "lf_fire_rate_": _prob(("m", "k")),
    "lf_confusion_": _optional_prob(("m", "k", "k"), sums=2),
    "lf_propensity_": _prob(("m", "k"), sums=1),
    "lf_abstain_informative_": lambda c, n: c.array(n, ("m",), "b"),
    "lf_polarity_": _polarity,
    "lf_own_vote_": _optional_prob(("m", "k")),
    "cliques_": _cliques,
    # clique_tables_, clique_codes_, clique_class_weight_: with cliques_
    "dependencies_": _dependencies,
    "n_iter_": lambda c, n: c.integer(n, 0),
    "converged_": lambda c, n: c.flag(n),
    "log_likelihood_": lambda c, n: c.real(n),
    "anchor_table_": _anchor_table,
    "anchor_weight_": _anchor_weight,
    "mv_anchor_ties_": _choice(None, "abstain", "bound", "rarer"),
    "gold_weight_": _optional_weight,
    "accuracy_layout_": _accuracy_layout,
    "mace_layout_": _mace_layout,
    "vote_proba_": _prob(("m", "k", "k+1"), sums=2),
    "accuracy_": _prob(("m",)),
    "n_batches_seen_": lambda c, n: c.integer(n, 0),
    "n_samples_seen_": lambda c, n: c.real(n, 0.0),
    "stats_prior_": _counts(("k",)),
    "stats_vote_": _counts(("m", "k", "k+1")),
}


def check_learned(attributes: dict[str, Any], source: str) -> None:
    """Check the decoded learned attributes of a model file.

    ``attributes`` maps names to decoded values; the base attributes
    (``n_lfs_in_``, ``lf_names_in_``, ``cardinality_``, ``classes_``) must be
    there.  Known attributes are checked by name (see ``_RULES``).

    Raises
    ------
    ModelFileError
        The first attribute that is not what a fitted model saves, naming the
        file and the attribute.
    """
    c = _Learned(attributes, source)
    c.m = c.integer("n_lfs_in_", 1)
    c.k = c.integer("cardinality_", 2)
    if c.m * c.k * (c.k + 1) > 2**40:
        raise c.fail("cardinality_", f"{c.m} LFs and {c.k} classes is too large")
    c.names("lf_names_in_", c.m)
    c.names("classes_", c.k, optional=True)
    for name in attributes:
        rule = _RULES.get(name)
        if rule is not None:
            rule(c, name)
