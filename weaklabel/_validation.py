"""Input validation shared by every module (private).

Each checker returns a clean, canonical value or raises ``TypeError`` /
``ValueError`` with a message that names the object, what was expected, what
was received, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from weaklabel.typing import ABSTAIN, RandomStateLike

__all__ = [
    "DEFAULT_SEED",
    "as_generator",
    "check_cardinality",
    "check_class_names",
    "check_gold",
    "check_int_param",
    "check_lf_names",
    "check_proba",
    "check_real_param",
    "check_votes",
    "class_names_of",
    "default_class_names",
    "default_lf_names",
    "lf_names_of",
]


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_int_param(
    value: Any,
    name: str,
    owner: str,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """Check that a parameter is an integer in ``[low, high]`` and return it.

    Examples
    --------
    >>> check_int_param(3, "max_iter", "DawidSkene", low=1)
    3
    """
    ok = isinstance(value, Integral) and not isinstance(value, bool)
    if ok and low is not None and value < low:
        ok = False
    if ok and high is not None and value > high:
        ok = False
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f">= {low}")
        if high is not None:
            bounds.append(f"<= {high}")
        rng = " and ".join(bounds)
        raise ValueError(
            f"The {name!r} parameter of {owner} must be an int{' ' + rng if rng else ''}."
            f" Got {value!r} instead."
        )
    return int(value)


def check_real_param(
    value: Any,
    name: str,
    owner: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    allow_inf: bool = False,
    alternatives: str = "",
) -> float:
    """Check that a parameter is a finite real number in range and return it.

    ``allow_inf`` also accepts positive infinity; ``alternatives`` names the
    other accepted values (e.g. ``"'auto'"``) in the error message.

    Examples
    --------
    >>> check_real_param(1e-4, "tol", "DawidSkene", low=0)
    0.0001
    """
    ok = (
        isinstance(value, Real)
        and not isinstance(value, bool)
        and (bool(np.isfinite(float(value))) or (allow_inf and float(value) > 0))
    )
    if ok and low is not None:
        ok = value >= low if low_inclusive else value > low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>=' if low_inclusive else '>'} {low}")
        if high is not None:
            bounds.append(f"<= {high}")
        rng = " and ".join(bounds)
        kind = "a float (np.inf allowed)" if allow_inf else "a finite float"
        alt = f", or {alternatives}" if alternatives else ""
        raise ValueError(
            f"The {name!r} parameter of {owner} must be {kind}"
            f"{' ' + rng if rng else ''}{alt}. Got {value!r} instead."
        )
    return float(value)


def check_cardinality(cardinality: Any, owner: str) -> int:
    """Check a number of classes (an int >= 2).

    Examples
    --------
    >>> check_cardinality(2, "MajorityVote")
    2
    """
    return check_int_param(cardinality, "cardinality", owner, low=2)


#: The seed used where ``random_state=None``: every default is deterministic.
DEFAULT_SEED = 0


def as_generator(random_state: RandomStateLike) -> np.random.Generator:
    """Turn ``random_state`` into a local ``numpy.random.Generator``.

    Never touches NumPy's global random state.  Defaults are deterministic:
    ``None`` is the fixed seed :data:`DEFAULT_SEED` (0), so two runs with
    default arguments give the same bits; pass a ``Generator`` for fresh
    randomness on every call.

    Parameters
    ----------
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None
        Seed or generator.  ``None`` means :data:`DEFAULT_SEED`.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
    True
    """
    if random_state is None or isinstance(random_state, (Integral, np.integer)):
        if isinstance(random_state, bool):
            raise TypeError(
                f"random_state must be an int, a numpy Generator or None; got"
                f" {_describe(random_state)}."
            )
        if random_state is not None and random_state < 0:
            raise ValueError(
                f"random_state must be a non-negative int seed; got {random_state}."
                " Pass a seed >= 0, a numpy Generator or None."
            )
        return np.random.default_rng(
            DEFAULT_SEED if random_state is None else random_state
        )
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        seed = random_state.randint(0, 2**31 - 1)
        return np.random.default_rng(seed)
    raise TypeError(
        "random_state must be an int, a numpy Generator, a numpy RandomState or"
        f" None; got {_describe(random_state)}."
    )


def lf_names_of(L: Any) -> list[str] | None:
    """Return the LF (column) names carried by ``L``, or None for plain arrays."""
    if isinstance(L, pd.DataFrame):
        return [str(c) for c in L.columns]
    names = getattr(L, "lf_names", None)
    if names is not None:
        return [str(c) for c in names]
    return None


def class_names_of(L: Any) -> list[str] | None:
    """Class names carried by a vote matrix (``attrs["classes"]`` of a
    DataFrame, or a ``classes`` attribute), or None for plain arrays."""
    if isinstance(L, pd.DataFrame):
        classes = L.attrs.get("classes")
    elif isinstance(L, np.ndarray) or sp.issparse(L):
        classes = None
    else:
        classes = getattr(L, "classes", None)
    return None if classes is None else [str(c) for c in classes]


def default_class_names(k: int) -> list[str]:
    """The class names used where none are given: ``'0'``, ``'1'``, ...

    The one place default names are made, so that every module (apply, io,
    the CLI, Dask, the text model, the data sets) names unnamed classes alike.

    Examples
    --------
    >>> default_class_names(3)
    ['0', '1', '2']
    """
    return [str(i) for i in range(int(k))]


def default_lf_names(m: int) -> list[str]:
    """The LF names used where none are given: ``'lf_0'``, ``'lf_1'``, ...

    Examples
    --------
    >>> default_lf_names(2)
    ['lf_0', 'lf_1']
    """
    return [f"lf_{j}" for j in range(int(m))]


def check_class_names(classes: Any, name: str = "classes") -> list[str]:
    """Check class names and return them as a list of str: the one rule set.

    Class names are a sequence (not a single string) of at least two unique,
    non-empty strings.  Nothing else is turned into text silently: numbers
    would be ambiguous with class indices (an LF voting ``1`` means the class
    at index 1), so ``[0, 1]`` is refused with the fix ``['0', '1']``.  Code
    that reads names from data converts them explicitly
    (:func:`class_names_of`).

    Parameters
    ----------
    classes : sequence of str
        The class names, in class-index order.
    name : str, default="classes"
        What to call them in messages.

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        Not a sequence, or a name that is not a string.
    ValueError
        An empty name, duplicates, or fewer than two classes.

    Examples
    --------
    >>> check_class_names(("ham", "spam"))
    ['ham', 'spam']
    """
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Iterable):
        shown = (
            f"the string {classes!r}"
            if isinstance(classes, str)
            else f"{_short(classes)} ({type(classes).__name__})"
        )
        raise TypeError(
            f"{name} must be a sequence of class names, e.g. ['ham', 'spam']; got"
            f" {shown}."
        )
    names = list(classes)
    for c in names:
        if not isinstance(c, str):
            fix = (
                f" Use strings: {_short([str(v) for v in names])}."
                if isinstance(c, (Integral, np.integer))
                else ""
            )
            raise TypeError(
                f"{name} must be non-empty strings; got {_short(c)}"
                f" ({type(c).__name__}) in {_short(names)}.{fix}"
            )
    if any(not n for n in names):
        raise ValueError(f"{name} must be non-empty strings; got {_short(names)}.")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"{name} must be unique; got duplicates {_short(dup)}.")
    if len(names) < 2:
        raise ValueError(
            f"{name} must name at least 2 classes; got {names}. Add the class the"
            " LFs vote against (e.g. ['ham', 'spam'])."
        )
    return names


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_lf_names(names: Sequence[str], owner: str = "the vote matrix") -> list[str]:
    """Check that LF names are unique strings and return them as a list."""
    out = [str(n) for n in names]
    seen: set[str] = set()
    dup: list[str] = []
    for n in out:
        if n in seen:
            dup.append(n)
        seen.add(n)
    if dup:
        raise ValueError(
            f"LF names of {owner} must be unique; got duplicates {sorted(set(dup))}."
            " Rename the labeling functions so every name appears once."
        )
    return out


def _check_integer_values(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.dtype == bool:
        raise TypeError(
            f"{name} must contain integer votes; got booleans. Map them to class"
            " indices explicitly, e.g. np.where(mask, 1, -1)."
        )
    if np.issubdtype(arr.dtype, np.integer):
        return arr
    if np.issubdtype(arr.dtype, np.floating):
        if np.isnan(arr).any():
            bad = np.argwhere(np.isnan(arr))[0]
            raise ValueError(
                f"{name} contains NaN (first at row {bad[0]}, column {bad[-1]}); "
                f"expected integers in {{-1 (ABSTAIN), 0, ..., k-1}}. Use -1 for abstain."
            )
        raise TypeError(
            f"{name} must contain integers; got {arr.dtype}. Cast explicitly"
            f" ({name}.astype(int)) if the values are whole numbers."
        )
    raise TypeError(
        f"{name} must contain integers in {{-1 (ABSTAIN), 0, ..., k-1}}; got dtype"
        f" {arr.dtype}. Encode class names as indices first (LFRegistry.apply does)."
    )


_INT32_MAX = int(np.iinfo(np.int32).max)


def _from_nullable(L: pd.DataFrame, what: str) -> pd.DataFrame:
    """Nullable integer columns (``Int8``, ...) as plain NumPy integers.

    A missing value (``pd.NA``) is not a vote: it is reported as such, with
    its column and row, instead of surfacing as an "object" dtype.
    """
    nullable = [
        c
        for c, dt in L.dtypes.items()
        if isinstance(dt, pd.api.extensions.ExtensionDtype)
        and getattr(dt, "kind", "O") in "iu"
    ]
    if not nullable:
        return L
    for c in nullable:
        missing = L[c].isna().to_numpy()
        if missing.any():
            i = int(np.argmax(missing))
            raise ValueError(
                f"{what} has missing values (<NA>) in its nullable {L[c].dtype}"
                f" column {c!r} (first at row {i}, index {L.index[i]!r}); a vote"
                " is a class index or -1 (ABSTAIN). Fill them: L.fillna(-1)."
            )
    numpy_dtypes: dict[Any, Any] = {
        c: getattr(L[c].dtype, "numpy_dtype", np.int64) for c in nullable
    }
    return L.astype(numpy_dtypes)


def _check_wrapped_abstain(arr: np.ndarray, what: str) -> None:
    """Refuse unsigned votes holding the dtype's largest value: ``-1`` cast to
    ``uint8`` is 255, which would otherwise read as a 256th class."""
    if arr.dtype.kind != "u" or not arr.size:
        return
    top = np.iinfo(arr.dtype).max
    wrapped = arr == top
    if wrapped.any():
        row, col = (int(v) for v in np.argwhere(wrapped)[0])
        raise ValueError(
            f"{what} has the unsigned dtype {arr.dtype} and holds {top} (first at"
            f" row {row}, column {col}): that is -1 (ABSTAIN) cast to {arr.dtype}"
            " and wrapped around, not a class index. Keep votes in a signed dtype"
            f" (int8), or convert: np.where(L == {top}, -1, L).astype(np.int16)."
        )


def _compact_dtype(hi: int) -> np.dtype[np.signedinteger[Any]]:
    """Smallest signed integer dtype holding every vote in [-1, hi]."""
    for dt in (np.int8, np.int16):
        if hi <= np.iinfo(dt).max:
            return np.dtype(dt)
    return np.dtype(np.int32)


def _sparse_to_dense(
    S: sp.csr_array, dtype: npt.DTypeLike = np.int32
) -> npt.NDArray[np.signedinteger[Any]]:
    dense = np.full(S.shape, ABSTAIN, dtype=dtype)
    coo = S.tocoo()
    dense[coo.row, coo.col] = coo.data
    return dense


def _unwrap_crowd_votes(L: Any) -> Any:
    """The vote matrix an object carries (``__weaklabel_votes__()``), else ``L``.

    A container of votes with metadata (such as
    :class:`weaklabel.crowd.CrowdVotes`) defines ``__weaklabel_votes__``
    returning its matrix; the validators need not know its type.
    """
    votes = getattr(type(L), "__weaklabel_votes__", None)
    return L if votes is None else votes(L)


def check_votes(
    L: Any,
    *,
    cardinality: int | None = None,
    n_lfs: int | None = None,
    owner: str | None = None,
    name: str = "L",
    accept_sparse: bool = False,
    min_samples: int = 1,
    compact: bool = False,
) -> npt.NDArray[np.signedinteger[Any]] | sp.csr_array:
    """Validate a vote matrix and return it in canonical form.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes: integers in {-1 (ABSTAIN), 0, ..., cardinality-1}.  Sparse input
        stores ``vote + 1`` (entries not stored are abstains), as built by
        ``scipy.sparse.csr_array(L + 1)``.
    cardinality : int, default=None
        Number of classes; when given, votes >= cardinality are rejected.
    n_lfs : int, default=None
        Expected number of columns (e.g. the number seen during ``fit``).
    owner : str, default=None
        Name of the estimator asking, used in messages.
    name : str, default="L"
        Name of the argument, used in messages.
    accept_sparse : bool, default=False
        Whether scipy.sparse input is returned as CSR (else densified).
    min_samples : int, default=1
        Minimum number of rows.
    compact : bool, default=False
        Return dense votes C-contiguous in the smallest signed integer dtype
        that holds them (``int8`` while every vote is at most 127, else
        ``int16``, ``int32``), instead of ``int32``.  Input that already has
        that dtype and layout is returned as it is, without a copy (callers
        must not write to it); validating it reads it once.  The label
        models use this: a 1M x 50 ``int8`` matrix is then never widened.

    Returns
    -------
    ndarray of shape (n_samples, n_lfs), or scipy.sparse.csr_array
        Dense votes (abstain = -1): ``int32``, or the compact dtype with
        ``compact=True``.  For sparse input (with ``accept_sparse``) a CSR
        array whose stored entries are the votes themselves (``int32`` class
        indices, explicit zeros kept; abstains not stored).

    Raises
    ------
    TypeError
        Non-integer, boolean or object dtype.
    ValueError
        Wrong number of dimensions, empty input, NaN, votes out of range, or a
        column count different from ``n_lfs``.

    Examples
    --------
    >>> check_votes([[0, -1], [1, 1]], cardinality=2)
    array([[ 0, -1],
           [ 1,  1]], dtype=int32)
    >>> check_votes([[0, -1], [1, 1]], compact=True).dtype
    dtype('int8')
    """
    who = f" for {owner}" if owner else ""
    if L is None:
        raise TypeError(
            f"{name}{who} must be a vote matrix of shape (n_samples, n_lfs); got None."
        )
    L = _unwrap_crowd_votes(L)
    if sp.issparse(L):
        coo = sp.coo_array(L)
        if coo.ndim != 2:
            raise ValueError(f"{name}{who} must be 2-D; got {coo.ndim}-D sparse input.")
        # Sparse votes are stored shifted by one (vote + 1), so that an entry
        # that is not stored (0) is an abstain and class 0 survives scipy's
        # habit of dropping explicit zeros.
        data = _check_integer_values(np.asarray(coo.data), name)
        if data.size and data.min() < 0:
            raise ValueError(
                f"Sparse {name}{who} contains {data.min()}; sparse vote matrices store"
                " vote + 1 (1 = class 0, not stored = abstain). Build them with"
                " weaklabel.to_sparse_votes(L) or scipy.sparse.csr_array(L + 1)."
            )
        keep = data != 0
        S = sp.csr_array(
            (data[keep].astype(np.int32) - 1, (coo.row[keep], coo.col[keep])),
            shape=coo.shape,
        )
        S.sum_duplicates()
        S.sort_indices()
        if accept_sparse:
            out: Any = S
        else:
            top = int(S.data.max()) if S.data.size else ABSTAIN
            out = _sparse_to_dense(S, _compact_dtype(top) if compact else np.int32)
        shape = S.shape
        values = S.data
    else:
        if isinstance(L, pd.DataFrame):
            if any(
                isinstance(dt, pd.CategoricalDtype)
                or dt == np.dtype(object)
                or pd.api.types.is_string_dtype(dt)
                for dt in L.dtypes
            ):
                raise TypeError(
                    f"{name}{who} has non-numeric columns; expected integer votes in"
                    " {-1 (ABSTAIN), 0, ..., k-1}. Encode class names first."
                )
            L = _from_nullable(L, f"{name}{who}")
            # A frame of one integer dtype (e.g. the int8 votes of
            # LFRegistry.apply) converts without widening, as a view of its
            # block when it has one.
            arr = L.to_numpy(copy=False)
        else:
            arr = np.asarray(L)
        if arr.ndim != 2:
            raise ValueError(
                f"{name}{who} must be 2-D of shape (n_samples, n_lfs); got an array"
                f" of shape {arr.shape}. Use L.reshape(-1, 1) for a single LF."
            )
        arr = _check_integer_values(arr, name)
        _check_wrapped_abstain(arr, f"{name}{who}")
        shape = arr.shape
        # One pass each for the smallest and the largest vote; the position
        # of a bad value is only searched for when there is one.
        lo, hi = (int(arr.min()), int(arr.max())) if arr.size else (ABSTAIN, ABSTAIN)
        if lo < ABSTAIN:
            bad = np.argwhere(arr < ABSTAIN)[0]
            raise ValueError(
                f"{name}{who} contains {arr[tuple(bad)]} at row {bad[0]}, column"
                f" {bad[1]}; expected integers in {{-1 (ABSTAIN), 0, ..., k-1}}."
            )
        if hi > _INT32_MAX:
            bad = np.argwhere(arr > _INT32_MAX)[0]
            raise ValueError(
                f"{name}{who} contains {arr[tuple(bad)]} at row {bad[0]}, column"
                f" {bad[1]}, too large for a class index; expected integers in"
                " {-1 (ABSTAIN), 0, ..., k-1}."
            )
        out = np.ascontiguousarray(
            arr, dtype=_compact_dtype(hi) if compact else np.int32
        )
        values = np.array([hi] if arr.size else [], dtype=np.int64)
    if shape[0] < min_samples or shape[1] == 0:
        raise ValueError(
            f"{name}{who} is empty (shape {shape}); expected at least {min_samples}"
            " row(s) and one labeling function column."
        )
    if n_lfs is not None and shape[1] != n_lfs:
        raise ValueError(
            f"{name} has {shape[1]} columns but {owner or 'the model'} was fitted with"
            f" {n_lfs} labeling functions. Pass the same LFs, in the same order."
        )
    if cardinality is not None and values.size and values.max() >= cardinality:
        raise ValueError(
            f"{name}{who} contains the vote {values.max()}, but cardinality is"
            f" {cardinality}; expected integers in {{-1 (ABSTAIN), 0, ...,"
            f" {cardinality - 1}}}. Check cardinality or the LF outputs."
        )
    return out


def check_gold(
    y: Any,
    n_samples: int,
    cardinality: int,
    *,
    name: str = "y",
    allow_missing: bool = True,
) -> npt.NDArray[np.int64]:
    """Validate gold labels (``-1`` = unknown when ``allow_missing``).

    Examples
    --------
    >>> check_gold([0, 1, -1], 3, 2)
    array([ 0,  1, -1])
    """
    if isinstance(y, (pd.Series, pd.DataFrame)):
        y = y.to_numpy()
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D of length {n_samples}; got shape {arr.shape}."
        )
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} labels but L has {n_samples} rows; pass one"
            " label per row (-1 where unknown)."
        )
    if np.issubdtype(arr.dtype, np.floating):
        if np.isnan(arr).any():
            raise ValueError(
                f"{name} contains NaN; use -1 for rows whose gold label is unknown."
            )
        if not np.all(arr == np.round(arr)):
            raise TypeError(
                f"{name} must contain integer class indices; got {arr.dtype}."
            )
    elif not np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool:
        raise TypeError(
            f"{name} must contain integer class indices in {{0, ..., {cardinality - 1}}}"
            f"; got dtype {arr.dtype}. Map class names to indices first."
        )
    arr = arr.astype(np.int64)
    low = -1 if allow_missing else 0
    bad = (arr < low) | (arr >= cardinality)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"{name} contains {arr[i]} at position {i}; expected class indices in"
            f" {{{low}, ..., {cardinality - 1}}}"
            + (" (-1 = unknown)." if allow_missing else ".")
        )
    return arr


def check_proba(
    proba: Any,
    *,
    n_samples: int | None = None,
    cardinality: int | None = None,
    name: str = "proba",
    atol: float = 1e-6,
) -> npt.NDArray[np.float64]:
    """Validate soft labels: finite, non-negative rows that sum to 1.

    Examples
    --------
    >>> check_proba([[0.25, 0.75]])
    array([[0.25, 0.75]])
    """
    arr = np.asarray(proba.to_numpy() if isinstance(proba, pd.DataFrame) else proba)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_classes); got shape {arr.shape}."
        )
    if not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}).")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} rows but {n_samples} were expected (one per"
            " sample); check that the labels and the data come from the same rows."
        )
    if cardinality is not None and arr.shape[1] != cardinality:
        raise ValueError(
            f"{name} has {arr.shape[1]} columns but {cardinality} classes were"
            " expected; pass one probability column per class."
        )
    if not np.isfinite(arr).all():
        i = int(np.argwhere(~np.isfinite(arr))[0, 0])
        raise ValueError(f"{name} contains NaN or infinity (first at row {i}).")
    if (arr < 0).any():
        i = int(np.argwhere(arr < 0)[0, 0])
        raise ValueError(f"{name} contains negative probabilities (first at row {i}).")
    sums = arr.sum(axis=1)
    off = np.abs(sums - 1.0) > atol
    if off.any():
        i = int(np.argmax(off))
        raise ValueError(
            f"Rows of {name} must sum to 1; row {i} sums to {sums[i]:.6g}. Normalise"
            f" with {name} / {name}.sum(axis=1, keepdims=True)."
        )
    return arr
