"""Apply labeling functions to data and build the vote matrix.

Row-wise LFs run over lightweight named tuples built once per chunk of rows
from the frame's columns (never ``DataFrame.apply``); vectorized LFs run once
on the whole frame.  Every output is checked: a vote must be a class name, a
class index, ``ABSTAIN`` (-1) or None (NaN too for vectorized LFs).

Examples
--------
>>> import pandas as pd
>>> from weaklabel.lf import labeling_function
>>> @labeling_function
... def has_link(row):
...     return "spam" if "http" in row.text else None
>>> L = apply_lfs([has_link], pd.DataFrame({"text": ["http://a.b", "hi"]}),
...               classes=["ham", "spam"])
>>> L
   has_link
0         1
1        -1
>>> L.dtypes.iloc[0], L.attrs["classes"]
(dtype('int8'), ['ham', 'spam'])
"""

from __future__ import annotations

import functools
import importlib.machinery
import itertools
import os
import pickle
import sys
import time
import warnings
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel._validation import default_class_names
from weaklabel.exceptions import LabelingFunctionError, WeakLabelWarning
from weaklabel.io import read_data  # re-exported: weaklabel.apply.read_data
from weaklabel.lf import LabelingFunction, LFRegistry, check_classes
from weaklabel.typing import ABSTAIN, vote_dtype

__all__ = ["apply_lfs", "read_data"]

_CHUNK_ROWS = 65_536  # most rows in one chunk of row-wise LFs
_PILOT_ROWS = 256  # the first chunk, which measures the LFs' speed
_CHUNK_SECONDS = 0.25  # target time per chunk: the progress bar moves as often
_BAD = -(2**31)  # sentinel code for a value that is not a vote
_SAFE_TYPES = frozenset({str, int, type(None)})


# ---------------------------------------------------------------------- row type


def _row_type(columns: Sequence[Any]) -> type[tuple[Any, ...]]:
    """A named-tuple class for rows with these columns.

    Columns that are valid identifiers are attributes (``row.text``); every
    column is also reachable by name (``row["my col"]``), and ``row.get``,
    ``row.keys()`` and ``row.to_dict()`` work as on a Series.  A column named
    like one of those helpers wins: with a column ``get``, ``row.get`` is its
    value (``row["get"]`` too) and the helper is not there.
    """
    names = [str(c) for c in columns]
    position: dict[str, int] = {}
    for j, name in enumerate(names):
        position.setdefault(name, j)
    # rename=True turns names that are not identifiers (or start with "_", or
    # repeat) into _0, _1, ...; row["name"] still reaches them.
    base = namedtuple("Row", names, rename=True)  # type: ignore[misc]

    def __getitem__(self: tuple[Any, ...], key: Any) -> Any:  # noqa: N807
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, position[key])
            except KeyError:
                raise KeyError(
                    f"The row has no column {key!r}; its columns are {names}."
                ) from None
        return tuple.__getitem__(self, key)

    def get(self: tuple[Any, ...], key: str, default: Any = None) -> Any:
        j = position.get(key)
        return default if j is None else tuple.__getitem__(self, j)

    def keys(self: tuple[Any, ...]) -> list[str]:
        return list(names)

    def to_dict(self: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(names, self, strict=True))

    helpers = {"get": get, "keys": keys, "to_dict": to_dict}
    # the namedtuple's field of a column named like a helper must stay visible
    namespace: dict[str, Any] = {
        name: helper for name, helper in helpers.items() if name not in base._fields
    }
    return type(
        "Row",
        (base,),
        {"__slots__": (), "__getitem__": __getitem__, **namespace},
    )


# ---------------------------------------------------------------------- encoding


class _BadValueError(Exception):
    """Raised internally when an LF output is not a vote."""

    def __init__(self, pos: int | None, value: Any, problem: str = "") -> None:
        super().__init__(pos, value, problem)
        self.pos = pos
        self.value = value
        self.problem = problem


def _lookup(classes: Sequence[str]) -> dict[Any, int]:
    table: dict[Any, int] = {c: i for i, c in enumerate(classes)}
    table.update({i: i for i in range(len(classes))})
    table[ABSTAIN] = ABSTAIN
    table[None] = ABSTAIN
    return table


def _is_int_type(t: type) -> bool:
    return (issubclass(t, int) and not issubclass(t, bool)) or issubclass(t, np.integer)


def _encode_rowwise(out: list[Any], lookup: dict[Any, int]) -> npt.NDArray[np.int32]:
    """Map a list of row-wise LF outputs to vote codes, or raise _BadValueError."""
    types = set(map(type, out))
    if not types <= _SAFE_TYPES:
        for t in types:
            if t in _SAFE_TYPES or _is_int_type(t) or issubclass(t, str):
                continue
            pos = next(i for i, v in enumerate(out) if type(v) is t)
            raise _BadValueError(pos, out[pos])
    codes = np.fromiter(
        map(lookup.get, out, itertools.repeat(_BAD)), dtype=np.int64, count=len(out)
    )
    bad = codes == _BAD
    if bad.any():
        pos = int(np.argmax(bad))
        raise _BadValueError(pos, out[pos])
    return codes.astype(np.int32)


def _first(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.argmax(mask))


def _encode_vectorized(
    out: Any, n: int, lookup: dict[Any, int], k: int
) -> npt.NDArray[np.int32]:
    """Map a vectorized LF output (length n) to vote codes, or raise _BadValueError."""
    if isinstance(out, pd.DataFrame):
        raise _BadValueError(
            None,
            out,
            f"a DataFrame of shape {out.shape}; return one vote per row as a 1-D"
            " array or Series (e.g. df['col'] rather than df[['col']])",
        )
    if isinstance(out, (str, bytes)) or np.ndim(out) == 0:
        raise _BadValueError(
            None,
            out,
            f"a single value {_describe(out)}; return one vote per row"
            f" as an array or Series of length {n}",
        )
    values: Any
    if isinstance(out, (pd.Series, pd.Index)):
        values = out.to_numpy() if isinstance(out.dtype, np.dtype) else out.array
    elif isinstance(out, (np.ndarray, pd.api.extensions.ExtensionArray)):
        values = out
    else:
        values = np.asarray(out)
        if values.dtype.kind in "US":  # mixed lists become strings: keep objects
            values = np.asarray(out, dtype=object)
        elif values.dtype.kind in "iuf" and any(
            isinstance(v, (bool, np.bool_)) for v in out
        ):
            values = np.asarray(out, dtype=object)  # a bool hidden among numbers
    if np.ndim(values) != 1:
        raise _BadValueError(
            None,
            out,
            f"an array of shape {np.shape(values)}; return a 1-D array or Series"
            f" of length {n}",
        )
    if len(values) != n:
        raise _BadValueError(
            None,
            out,
            f"{len(values)} values for {n} rows; return one vote per row (an array"
            f" or Series of length {n}, in the frame's row order)",
        )
    dtype = values.dtype
    kind: str | None = dtype.kind if isinstance(dtype, np.dtype) else None
    if not isinstance(dtype, (np.dtype, pd.CategoricalDtype, pd.StringDtype)):
        ext_kind = str(getattr(dtype, "kind", "O"))
        if ext_kind in "biuf":  # nullable Int64/Float64/boolean, arrow numbers
            kind = ext_kind
            if kind != "b":
                values = values.to_numpy(dtype=np.float64, na_value=np.nan)
                kind = "f"
    if kind == "b":
        arr = np.asarray(values, dtype=object)
        pos = next((i for i, v in enumerate(arr) if v is not pd.NA), 0)
        raise _BadValueError(pos, arr[pos])
    if kind in ("i", "u"):
        return _check_index_codes(np.asarray(values), k)
    if kind == "f":
        arr = np.asarray(values, dtype=np.float64)
        nan = np.isnan(arr)
        whole = nan | (arr == np.round(arr))
        if not whole.all():
            pos = _first(~whole)
            raise _BadValueError(pos, values[pos])
        filled = np.where(nan, ABSTAIN, arr)
        bad = (filled < ABSTAIN) | (filled >= k)
        if bad.any():
            pos = _first(bad)
            raise _BadValueError(pos, values[pos])
        return filled.astype(np.int32)
    # object, strings, categoricals: map each distinct value once
    idx, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=np.int32)
    table[-1] = ABSTAIN
    uniq_list = list(uniques)
    has_01 = False
    for j, u in enumerate(uniq_list):
        code = _scalar_code(u, lookup)
        if code == _BAD:
            pos = _first(idx == j)
            raise _BadValueError(pos, values[pos])
        has_01 = has_01 or (code in (0, 1) and not isinstance(u, str))
        table[j] = code
    if has_01 and isinstance(values, np.ndarray) and values.dtype == object:
        # True == 1 and hash(True) == hash(1): factorize may have merged them
        for i, v in enumerate(values):
            if isinstance(v, (bool, np.bool_)):
                raise _BadValueError(i, v)
    codes: npt.NDArray[np.int32] = table[idx]
    return codes


def _scalar_code(value: Any, lookup: dict[Any, int]) -> int:
    t = type(value)
    if t in _SAFE_TYPES or _is_int_type(t) or issubclass(t, str):
        return lookup.get(value, _BAD)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return lookup.get(int(value), _BAD)
    return _BAD


def _check_index_codes(arr: npt.NDArray[Any], k: int) -> npt.NDArray[np.int32]:
    bad = (arr < ABSTAIN) | (arr >= k)
    if bad.any():
        pos = _first(bad)
        raise _BadValueError(pos, arr[pos])
    return arr.astype(np.int32)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _describe(value: Any) -> str:
    text = repr(_plain(value))
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def _expected(classes: Sequence[str]) -> str:
    return (
        f"expected a class name in {list(classes)}, a class index in"
        f" 0..{len(classes) - 1}, or ABSTAIN (-1) / None"
    )


def _hint(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return (
            " Booleans are not votes: return a class, e.g. 'spam' if cond else"
            " ABSTAIN (vectorized: np.where(mask, 1, ABSTAIN))."
        )
    if isinstance(value, str) and value.strip() in {"-1", "None", "nan", "ABSTAIN"}:
        return (
            " A string is not an abstain (np.where(mask, 'spam', ABSTAIN) turns"
            " ABSTAIN into the string '-1'); use class indices, e.g."
            " np.where(mask, 1, ABSTAIN), or Series.map({True: 'spam', False: None})."
        )
    if isinstance(value, (float, np.floating)):
        return " Floats are not votes: return a class name or an integer class index."
    return ""


# ------------------------------------------------------------------- the workers


@dataclass
class _Failure:
    count: int
    first_pos: int
    first_exc: str


@dataclass
class _ChunkResult:
    codes: npt.NDArray[np.int32]  # (n_chunk, n_lfs)
    failures: dict[int, _Failure] = field(default_factory=dict)
    # (lf position, row position or None, exception or None, _BadValueError or None)
    error: (
        tuple[int, int | None, BaseException | None, _BadValueError | None] | None
    ) = None


def _bind(lf: LabelingFunction) -> Callable[[Any], Any]:
    f = lf.f
    if lf.resources:
        f = functools.partial(f, **lf.resources)
    if not lf.pre:
        return f
    pre = lf.pre
    call = f

    def with_pre(x: Any) -> Any:
        for p in pre:
            x = p(x)
        return call(x)

    return with_pre


def _run_rowwise(
    lfs: Sequence[LabelingFunction],
    frame: pd.DataFrame,
    lookup: dict[Any, int],
    on_error: str,
) -> _ChunkResult:
    """Apply row-wise LFs to every row of ``frame`` (one chunk)."""
    n = len(frame)
    codes = np.empty((n, len(lfs)), dtype=np.int32, order="F")
    result = _ChunkResult(codes)
    row_cls = _row_type(list(frame.columns))
    columns = [frame.iloc[:, j].tolist() for j in range(frame.shape[1])]
    if columns:
        rows = list(
            map(tuple.__new__, itertools.repeat(row_cls), zip(*columns, strict=True))
        )
    else:
        rows = [tuple.__new__(row_cls, ())] * n
    del columns
    for j, lf in enumerate(lfs):
        call = _bind(lf)
        out: list[Any] = []
        extend = out.extend
        start = 0
        while True:
            try:
                # list.extend keeps the outputs computed before an exception,
                # so len(out) is the position of the failing row.
                extend(map(call, itertools.islice(rows, start, None)))
                break
            except Exception as exc:
                pos = len(out)
                if on_error == "raise":
                    result.error = (j, pos, exc, None)
                    return result
                fail = result.failures.get(j)
                if fail is None:
                    result.failures[j] = _Failure(1, pos, _exc_text(exc))
                else:
                    fail.count += 1
                out.append(None)
                start = pos + 1
        try:
            codes[:, j] = _encode_rowwise(out, lookup)
        except _BadValueError as bad:
            result.error = (j, bad.pos, None, bad)
            return result
    return result


def _exc_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _run_rowwise_pickled(
    payload: bytes, frame: pd.DataFrame, classes: tuple[str, ...], on_error: str
) -> _ChunkResult:
    """Worker entry point: LFs arrive cloudpickled (so file-loaded modules work)."""
    lfs = pickle.loads(payload)
    result = _run_rowwise(lfs, frame, _lookup(classes), on_error)
    if result.error is not None:
        j, pos, exc, bad = result.error
        if exc is not None:
            try:
                pickle.dumps(exc)
            except Exception:
                # an exception that does not pickle is sent back as its text
                result.error = (j, pos, RuntimeError(_exc_text(exc)), bad)
    return result


def _by_value_modules(lfs: Iterable[LabelingFunction]) -> list[Any]:
    """Modules whose functions a fresh worker could not import by name."""
    found = []
    for lf in lfs:
        for obj in (lf.f, *lf.pre):
            name = getattr(obj, "__module__", None)
            if not name or name == "__main__" or name not in sys.modules:
                continue
            module = sys.modules[name]
            top = name.split(".")[0]
            try:
                spec = importlib.machinery.PathFinder.find_spec(top, sys.path)
            except (ImportError, ValueError):
                spec = None
            if top in sys.builtin_module_names:
                continue
            file = getattr(module, "__file__", None)
            if spec is None or (
                "." not in name
                and file is not None
                and spec.origin is not None
                and os.path.realpath(spec.origin) != os.path.realpath(file)
            ):
                found.append(module)
    return found


def _dump_lfs(lfs: list[LabelingFunction]) -> bytes:
    import cloudpickle  # a dependency of joblib (loky ships LFs with it)

    modules = _by_value_modules(lfs)
    registered = []
    try:
        for module in modules:
            if module.__name__ not in cloudpickle.list_registry_pickle_by_value():
                cloudpickle.register_pickle_by_value(module)
                registered.append(module)
        data: bytes = cloudpickle.dumps(lfs)
    finally:
        for module in registered:
            cloudpickle.unregister_pickle_by_value(module)
    return data


def register_pickle_by_value(lfs: Iterable[LabelingFunction]) -> None:
    """Have cloudpickle send the LFs' modules by value from now on (package-internal).

    For work pickled later, outside any call here (a Dask task graph, see
    :mod:`weaklabel.scale`): the CLI imports an LF module from a file under a
    made-up name, which a worker process could not import by name.  Only such
    modules are registered (see ``_by_value_modules``); registering again is a
    no-op.  The registration lasts for the process.

    Parameters
    ----------
    lfs : iterable of LabelingFunction
    """
    import cloudpickle

    registered = set(cloudpickle.list_registry_pickle_by_value())
    for module in _by_value_modules(list(lfs)):
        if module.__name__ not in registered:
            cloudpickle.register_pickle_by_value(module)


# --------------------------------------------------------------------- the API


def _resolve(lfs: Any, classes: Any) -> tuple[list[LabelingFunction], tuple[str, ...]]:
    if isinstance(lfs, LFRegistry):
        if classes is None:
            classes = lfs.classes
        lf_list = list(lfs)
    elif isinstance(lfs, LabelingFunction):
        lf_list = [lfs]
    elif isinstance(lfs, Iterable) and not isinstance(lfs, (str, bytes)):
        lf_list = list(lfs)
    else:
        raise TypeError(
            "lfs must be an LFRegistry or a list of LabelingFunctions; got"
            f" {type(lfs).__name__}."
        )
    for lf in lf_list:
        if not isinstance(lf, LabelingFunction):
            raise TypeError(
                "Every item of lfs must be a LabelingFunction (decorate the function"
                f" with @labeling_function); got {lf!r} ({type(lf).__name__})."
            )
    if not lf_list:
        raise ValueError(
            "No labeling functions to apply: the registry (or list) is empty."
            " Register LFs with @registry.labeling_function() first."
        )
    names = [lf.name for lf in lf_list]
    dup = sorted({x for x in names if names.count(x) > 1})
    if dup:
        raise ValueError(
            f"Labeling function names must be unique; got duplicates {dup}."
        )
    if classes is None:
        raise ValueError(
            "Pass classes=[...] (the class names, e.g. ['ham', 'spam']) or an"
            " LFRegistry, so that LF outputs can be mapped to class indices."
        )
    if isinstance(classes, int) and not isinstance(classes, bool):
        classes = default_class_names(classes)
    return lf_list, check_classes(classes)


def _check_n_jobs(n_jobs: Any) -> int:
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(
            "The 'n_jobs' parameter of apply_lfs must be a non-zero int (-1 = all"
            f" CPUs). Got {n_jobs!r} instead."
        )
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


def apply_lfs(
    lfs: LFRegistry | Sequence[LabelingFunction],
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    classes: Sequence[str] | int | None = None,
    n_jobs: int = 1,
    progress: bool = False,
    on_error: Literal["raise", "abstain"] = "raise",
) -> pd.DataFrame:
    """Apply labeling functions to every row of ``data``; return the vote matrix.

    Parameters
    ----------
    lfs : LFRegistry or sequence of LabelingFunction
        The LFs, applied in this order (one column each).
    data : DataFrame or path
        The rows, or the path of a Parquet file/dataset, CSV or JSON Lines file.
    classes : sequence of str or int, default=None
        Class names (taken from the registry when ``lfs`` is one); an int ``k``
        means classes ``'0'..'k-1'`` (LFs then vote with indices).
    n_jobs : int, default=1
        Worker processes for row-wise LFs (-1 = all CPUs).  Rows are split into
        chunks and sent to joblib's loky backend; the result is identical to
        ``n_jobs=1``.  Vectorized LFs always run once, in this process, on the
        whole frame.
    progress : bool, default=False
        Show a tqdm progress bar (in rows).
    on_error : {"raise", "abstain"}, default="raise"
        What to do when an LF raises: stop with a :class:`LabelingFunctionError`,
        or count the failure as an abstain and issue one
        :class:`WeakLabelWarning` with the count per LF.  Invalid outputs (an
        unknown class, an index out of range, ...) are errors either way.

    Returns
    -------
    DataFrame of shape (n_samples, n_lfs) and dtype ``vote_dtype(k)`` (int8)
        Votes: class indices, ``ABSTAIN`` (-1) where the LF abstained.  Index =
        the data's index, columns = LF names, ``attrs["classes"]`` = the class
        names.

    Raises
    ------
    LabelingFunctionError
        An LF raised (``on_error="raise"``; the original exception is chained)
        or returned something that is not a vote.  The message names the LF,
        the row's index label and what was expected.
    ValueError
        Empty data, no LFs, duplicate LF names, or a bad parameter.
    """
    lf_list, class_names = _resolve(lfs, classes)
    if on_error not in ("raise", "abstain"):
        raise ValueError(
            "The 'on_error' parameter of apply_lfs must be 'raise' or 'abstain'."
            f" Got {on_error!r} instead."
        )
    n_jobs = _check_n_jobs(n_jobs)
    frame = read_data(data)
    n = len(frame)
    if n == 0:
        raise ValueError(
            "The data has no rows; apply labeling functions to a non-empty"
            f" DataFrame (columns: {[str(c) for c in frame.columns]})."
        )
    k = len(class_names)
    lookup = _lookup(class_names)
    L = np.empty((n, len(lf_list)), dtype=vote_dtype(k), order="F")
    failures: dict[str, _Failure] = {}

    from tqdm.auto import tqdm

    bar = tqdm(
        total=n,
        unit="rows",
        desc=f"Applying {len(lf_list)} LFs",
        disable=not progress,
        leave=True,  # the finished bar stays, at 100%
    )
    try:
        vec = [(j, lf) for j, lf in enumerate(lf_list) if lf.vectorized]
        row = [(j, lf) for j, lf in enumerate(lf_list) if not lf.vectorized]
        for j, lf in vec:
            L[:, j] = _apply_vectorized(
                lf, frame, lookup, class_names, on_error, failures
            )
        if row:
            cols = [j for j, _ in row]
            _apply_all_rowwise(
                [lf for _, lf in row],
                cols,
                frame,
                L,
                class_names,
                lookup,
                n_jobs,
                on_error,
                failures,
                bar,
            )
        else:
            bar.update(n)
    finally:
        bar.close()
    if failures:
        parts = [
            f"{lf.name!r} on {f.count} row(s) (first: row index"
            f" {_plain(frame.index[f.first_pos])!r}, {f.first_exc})"
            for lf in lf_list
            if (f := failures.get(lf.name)) is not None
        ]
        warnings.warn(
            f"{len(failures)} labeling function(s) raised and the failures were"
            " counted as abstains (on_error='abstain'): " + "; ".join(parts) + ".",
            WeakLabelWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(
        L, index=frame.index, columns=[lf.name for lf in lf_list], copy=False
    )
    out.attrs["classes"] = list(class_names)
    return out


def _apply_vectorized(
    lf: LabelingFunction,
    frame: pd.DataFrame,
    lookup: dict[Any, int],
    classes: tuple[str, ...],
    on_error: str,
    failures: dict[str, _Failure],
) -> npt.NDArray[np.int32]:
    n = len(frame)
    try:
        # A shallow copy (lazy under pandas' Copy-on-Write): an LF that adds,
        # replaces or edits columns changes its own copy, never the caller's
        # frame nor what the next LF sees.
        out = lf(frame.copy(deep=False))
    except Exception as exc:
        if on_error == "raise":
            raise LabelingFunctionError(
                f"LF {lf.name!r} (vectorized) raised {_exc_text(exc)} when applied"
                f" to the DataFrame (columns: {[str(c) for c in frame.columns]}).",
                lf_name=lf.name,
            ) from exc
        failures[lf.name] = _Failure(n, 0, _exc_text(exc) + " (whole frame)")
        return np.full(n, ABSTAIN, dtype=np.int32)
    try:
        if isinstance(out, pd.Series):
            out = _align_series(out, frame.index)
        return _encode_vectorized(out, n, lookup, len(classes))
    except _BadValueError as bad:
        raise _bad_value_error(lf, bad, frame.index, classes, vectorized=True) from None


def _labels(index: pd.Index) -> str:
    shown = [_plain(v) for v in index[:3]]
    return f"{len(index)} ({', '.join(repr(v) for v in shown)}{', ...' if len(index) > 3 else ''})"


def _align_series(out: pd.Series, index: pd.Index) -> pd.Series:
    """A vectorized LF's Series put in the frame's row order by index label.

    Raises
    ------
    _BadValueError
        Labels of the frame missing from the Series, labels the frame does
        not have, or duplicate labels that make the match ambiguous.
    """
    if out.index.equals(index):
        return out
    fix = (
        " Votes in a Series are matched to rows by index label: return a Series"
        " indexed like the frame (e.g. pd.Series(values, index=df.index), or"
        " .loc[df.index] after sorting) or a NumPy array in the frame's row order"
    )
    if index.has_duplicates or out.index.has_duplicates:
        raise _BadValueError(
            None,
            out,
            "a Series whose index differs from the frame's while one of them has"
            " duplicate labels, so its votes cannot be matched to rows." + fix,
        )
    missing = index.difference(out.index, sort=False)
    extra = out.index.difference(index, sort=False)
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"lacks row labels of the frame: {_labels(missing)}")
        if len(extra):
            parts.append(f"has labels the frame does not have: {_labels(extra)}")
        raise _BadValueError(
            None, out, "a Series whose index " + " and ".join(parts) + "." + fix
        )
    return out.reindex(index)


def _bad_value_error(
    lf: LabelingFunction,
    bad: _BadValueError,
    index: pd.Index,
    classes: Sequence[str],
    *,
    vectorized: bool,
) -> LabelingFunctionError:
    kind = " (vectorized)" if vectorized else ""
    if bad.pos is None:
        end = "" if bad.problem.endswith(".") else "."
        return LabelingFunctionError(
            f"LF {lf.name!r}{kind} returned {bad.problem}{end}", lf_name=lf.name
        )
    label = _plain(index[bad.pos])
    return LabelingFunctionError(
        f"LF {lf.name!r}{kind} returned {_describe(bad.value)} on row index"
        f" {label!r}; {_expected(classes)}.{_hint(bad.value)}",
        lf_name=lf.name,
        row=label,
    )


def _close_quietly(results: Any) -> None:
    """Close a (joblib) result generator left unfinished by an error.

    joblib warns that the tasks still running were cancelled; that is the
    intent here, so the warning is dropped rather than left to surface at
    garbage collection.
    """
    close = getattr(results, "close", None)
    if close is None:
        return
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*still being processed", category=UserWarning
        )
        close()


def _apply_all_rowwise(
    lfs: list[LabelingFunction],
    cols: list[int],
    frame: pd.DataFrame,
    L: npt.NDArray[Any],
    classes: tuple[str, ...],
    lookup: dict[Any, int],
    n_jobs: int,
    on_error: str,
    failures: dict[str, _Failure],
    bar: Any,
) -> None:
    """Run the row-wise LFs chunk by chunk, in this process or in ``n_jobs``.

    Chunks are sized by time, not rows: a first chunk of ``_PILOT_ROWS`` rows
    measures how fast the LFs are, and later chunks take about
    ``_CHUNK_SECONDS`` each (at most ``_CHUNK_ROWS`` rows), so the progress bar
    moves at least about once a second however slow the LFs.  The votes do
    not depend on the chunking.
    """
    n = len(frame)

    def take(a: int, b: int, res: _ChunkResult) -> None:
        if res.error is not None:
            j, pos, exc, bad = res.error
            lf = lfs[j]
            if bad is not None:
                if bad.pos is not None:
                    bad.pos += a
                raise _bad_value_error(lf, bad, frame.index, classes, vectorized=False)
            label = _plain(frame.index[a + (pos or 0)])
            what = "an exception" if exc is None else _exc_text(exc)
            raise LabelingFunctionError(
                f"LF {lf.name!r} raised {what} on row index {label!r}.",
                lf_name=lf.name,
                row=label,
            ) from exc
        L[a:b, cols] = res.codes
        for j, fail in res.failures.items():
            name = lfs[j].name
            prev = failures.get(name)
            if prev is None:
                failures[name] = _Failure(
                    fail.count, fail.first_pos + a, fail.first_exc
                )
            else:
                prev.count += fail.count
        bar.update(b - a)

    def timed(a: int, b: int) -> float:
        """Run rows a:b here; return the seconds per row it took."""
        start = time.perf_counter()
        take(a, b, _run_rowwise(lfs, frame.iloc[a:b], lookup, on_error))
        return max(time.perf_counter() - start, 1e-9) / max(b - a, 1)

    def rows_for(seconds_per_row: float) -> int:
        return int(min(_CHUNK_ROWS, max(1, _CHUNK_SECONDS / seconds_per_row)))

    if n_jobs == 1 or n < 2:
        a = min(n, _PILOT_ROWS)
        per_row = timed(0, a)
        while a < n:  # each chunk sized by the speed of the one before
            b = min(n, a + rows_for(per_row))
            per_row = timed(a, b)
            a = b
        return
    # Several chunks per worker, so that a slow chunk does not hold up the
    # rest; on enough rows a first chunk run here measures the LFs' speed.
    a = 0
    size = -(-n // (n_jobs * 4))
    if n >= 8 * n_jobs * _PILOT_ROWS:
        a = _PILOT_ROWS
        size = min(rows_for(timed(0, a)), -(-(n - a) // (n_jobs * 4)))
    bounds = [(lo, min(lo + size, n)) for lo in range(a, n, size)]
    from joblib import Parallel, delayed

    payload = _dump_lfs(lfs)
    results: Iterable[_ChunkResult] = Parallel(
        n_jobs=n_jobs, backend="loky", return_as="generator"
    )(
        delayed(_run_rowwise_pickled)(payload, frame.iloc[lo:hi], classes, on_error)
        for lo, hi in bounds
    )
    try:
        for (lo, hi), res in zip(bounds, results, strict=True):
            take(lo, hi, res)
    finally:
        _close_quietly(results)
