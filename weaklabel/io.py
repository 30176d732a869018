"""Files: data tables, gold labels, vote matrices and soft labels (format by suffix).

This module owns every file format weaklabel reads or writes.  Data tables
(:func:`read_table`) are CSV, TSV, Parquet or JSON Lines; gold labels
(:func:`read_gold`) are a column of any data table; vote matrices and soft
labels are CSV or Parquet.

Soft-label files hold one row per sample with the columns

``<id>, proba_<class 0>, ..., proba_<class k-1>, label, confidence[, source ...]``

where ``<id>`` is the row id (``"id"`` unless renamed), ``proba_<name>`` the
float64 probability of each class, ``label`` the name of the most probable class
(ties go to the class listed first), ``confidence`` its probability, and the
optional source columns are copied from the input data.  Parquet files also carry
the class names and a format version in their schema metadata under the key
``b"weaklabel"``; CSV files are plain UTF-8 CSV that any tool reads.

Vote files hold the vote matrix: one int8 column per labeling function (``-1`` =
abstain), the row index, and (Parquet only) the class names.

Every write is atomic: the file is written to a temporary name in the target's
folder and renamed over the target, so on any error (or SIGINT/SIGTERM) no
partial file is left and an existing file at the path is untouched; temporary
files a killed process left for the same path are removed by the next write.  A
replaced file keeps its permission bits, and a symbolic link at the path is
followed (the file it points to is replaced, the link kept).
:func:`atomic_write` exposes this for other writers (see ``weaklabel._files``).

Round trips
-----------
Parquet round trips are exact, dtypes included.  CSV round trips are exact for
the probabilities and confidences (floats are written with all the digits they
need and parsed back exactly), the labels and class names (read as text), and
for source columns of floats (NaN included), integers, booleans and text
(unicode, commas, quotes and newlines are quoted).  CSV carries no types, so two
things cannot come back from it: an empty text value reads back as missing
(NaN), and a text column (or id) whose every value looks like a number reads
back as numbers.  Use Parquet when that matters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel._files import atomic_write
from weaklabel._sidecar import read_sidecar, sidecar_path, write_with_sidecar
from weaklabel._validation import (
    check_class_names,
    check_lf_names,
    check_proba,
    check_votes,
    class_names_of,
    default_class_names,
    default_lf_names,
    lf_names_of,
)
from weaklabel.exceptions import ClassMismatchError
from weaklabel.typing import FloatArray, VoteMatrixLike, vote_dtype

__all__ = [
    "DATA_FORMATS",
    "FORMAT_VERSION",
    "METADATA_KEY",
    "PROBA_PREFIX",
    "atomic_write",
    "gold_indices",
    "proba_from_frame",
    "read_data",
    "read_gold",
    "read_soft_labels",
    "read_table",
    "read_votes",
    "soft_label_classes",
    "soft_label_frame",
    "table_format",
    "write_soft_labels",
    "write_votes",
]

PathLike = str | os.PathLike[str]

FORMAT_VERSION = 1
"""Version of the files this module writes (stored in Parquet metadata)."""

METADATA_KEY = b"weaklabel"
"""Key of the JSON document in a Parquet file's schema metadata."""

PROBA_PREFIX = "proba_"
"""Prefix of the probability columns: ``proba_<class name>``."""

DATA_FORMATS: dict[str, Literal["csv", "tsv", "parquet", "jsonl"]] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
"""File suffix -> format of the data tables :func:`read_table` reads (the one
suffix table: vote and soft-label files use its CSV and Parquet entries)."""

_SUFFIXES: dict[str, Literal["csv", "parquet"]] = {
    suffix: fmt for suffix, fmt in DATA_FORMATS.items() if fmt in ("csv", "parquet")
}
_SOFT = "soft_labels"
_VOTES = "votes"
_RESERVED = ("label", "confidence")
_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


# --------------------------------------------------------------------------- helpers


def _format_of(path: PathLike, action: str) -> Literal["csv", "parquet"]:
    suffix = Path(path).suffix.lower()
    fmt = _SUFFIXES.get(suffix)
    if fmt is None:
        raise ValueError(
            f"Cannot {action} {str(path)!r}: unknown suffix {suffix!r}; expected one"
            f" of {', '.join(_SUFFIXES)}."
        )
    return fmt


def _existing_file(path: PathLike, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{what} {str(p)!r} does not exist.")
    if p.is_dir():
        raise IsADirectoryError(f"{what} {str(p)!r} is a directory, not a file.")
    return p


def _parquet_document(table: Any) -> dict[str, Any] | None:
    meta = table.schema.metadata or {}
    raw = meta.get(METADATA_KEY)
    return None if raw is None else dict(json.loads(raw))


def _with_document(table: Any, document: dict[str, Any]) -> Any:
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = json.dumps(document).encode("utf-8")
    return table.replace_schema_metadata(meta)


def _read_parquet_table(path: Path, what: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a readable Parquet file ({exc}); expected {what}."
        ) from exc


def _check_document(
    document: dict[str, Any] | None, path: Path, expected: str
) -> dict[str, Any]:
    if document is None:
        return {}
    kind = document.get("format")
    if kind != expected:
        reader = {_SOFT: "read_soft_labels", _VOTES: "read_votes"}.get(str(kind))
        hint = f" read it with {reader}" if reader else ""
        raise ValueError(
            f"{str(path)!r} holds weaklabel {kind!r} data, not {expected!r};{hint}."
        )
    version = document.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} was written in weaklabel file format version {version!r};"
            f" this weaklabel reads versions up to {FORMAT_VERSION}. Upgrade weaklabel."
        )
    return document


# ----------------------------------------------------------------------- soft labels


def soft_label_frame(
    proba: npt.ArrayLike | pd.DataFrame,
    *,
    classes: Sequence[Any] | None = None,
    index: Sequence[Any] | pd.Index | None = None,
    index_name: str = "id",
    source: pd.DataFrame | pd.Series | None = None,
) -> pd.DataFrame:
    """Build the soft-label table that :func:`write_soft_labels` writes.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Probabilities; each row non-negative, finite and summing to 1.
    classes : sequence of str, default=None
        Class names, one per column of ``proba``; ``"0"`` ... ``"k-1"`` if None.
    index : array-like of shape (n_samples,), default=None
        Row ids; by default the index of ``source`` if given, else ``0..n-1``.
    index_name : str, default="id"
        Name of the id column (the index of the returned frame).
    source : DataFrame of shape (n_samples, n_columns), default=None
        Columns to copy next to the labels, matched to ``proba`` by position
        (its own index is not used for alignment).

    Returns
    -------
    DataFrame
        Indexed by ``index_name``; columns ``proba_<class>`` (float64),
        ``label`` (the most probable class name; ties go to the lowest class
        index), ``confidence`` (its probability), then the source columns.

    Raises
    ------
    ValueError
        Invalid probabilities, the wrong number of class names, lengths that do
        not match, or column names that clash.

    Examples
    --------
    >>> frame = soft_label_frame([[0.9, 0.1], [0.5, 0.5]], classes=["ham", "spam"])
    >>> print(frame)  # doctest: +NORMALIZE_WHITESPACE
        proba_ham  proba_spam label  confidence
    id
    0         0.9         0.1   ham         0.9
    1         0.5         0.5   ham         0.5
    """
    P = check_proba(proba)
    n, k = P.shape
    if classes is None:
        names = default_class_names(k)
    else:
        names = check_class_names(classes)
        if len(names) != k:
            raise ValueError(
                f"classes has {len(names)} names but proba has {k} columns; pass one"
                " class name per probability column, in column order."
            )
    if isinstance(source, pd.Series):
        source = source.to_frame()
    if source is not None and not isinstance(source, pd.DataFrame):
        raise TypeError(
            f"source must be a DataFrame of {n} rows; got {type(source).__name__}."
        )
    if source is not None and len(source) != n:
        raise ValueError(
            f"source has {len(source)} rows but proba has {n}; pass the rows the"
            " soft labels were computed on, in the same order."
        )
    if not isinstance(index_name, str) or not index_name:
        raise TypeError(f"index_name must be a non-empty str; got {index_name!r}.")
    if index is None:
        ids = pd.RangeIndex(n) if source is None else source.index
    else:
        ids = index if isinstance(index, pd.Index) else pd.Index(index)
    if isinstance(ids, pd.MultiIndex):
        raise ValueError(
            f"index must be one-dimensional; got a MultiIndex with levels"
            f" {list(ids.names)}. Pass index=df.index.to_flat_index() or reset the"
            " index first."
        )
    if len(ids) != n:
        raise ValueError(
            f"index has {len(ids)} entries but proba has {n} rows; pass one id per row."
        )
    proba_cols = [PROBA_PREFIX + c for c in names]
    frame = pd.DataFrame(P, columns=proba_cols)
    best = P.argmax(axis=1)  # first maximum: ties go to the lowest class index
    frame["label"] = np.asarray(names, dtype=object)[best]
    frame["confidence"] = P[np.arange(n), best]
    if source is not None:
        _check_source_columns(source, [index_name, *proba_cols, *_RESERVED])
        extra = source.reset_index(drop=True)
        frame = pd.concat([frame, extra], axis=1)
    frame.index = pd.Index(ids, name=index_name)
    return frame


def _check_source_columns(source: pd.DataFrame, taken: list[str]) -> None:
    if isinstance(source.columns, pd.MultiIndex):
        raise ValueError(
            "source has MultiIndex columns; flatten them to strings first"
            " (source.columns = ['_'.join(map(str, c)) for c in source.columns])."
        )
    bad = [c for c in source.columns if not isinstance(c, str)]
    if bad:
        raise TypeError(
            f"source column names must be strings; got {bad[:5]}. Rename them,"
            " e.g. source.rename(columns=str)."
        )
    dup = sorted({c for c in source.columns if list(source.columns).count(c) > 1})
    if dup:
        raise ValueError(f"source has duplicate column names {dup}; rename them.")
    clash = [c for c in source.columns if c in taken or c.startswith(PROBA_PREFIX)]
    if clash:
        raise ValueError(
            f"source columns {clash} clash with the soft-label columns (the id column"
            f" {taken[0]!r}, 'proba_*', 'label', 'confidence'); rename them, e.g."
            f" source.rename(columns={{{clash[0]!r}: 'source_{clash[0]}'}})."
        )


def write_soft_labels(
    path: PathLike,
    proba: npt.ArrayLike | pd.DataFrame,
    *,
    classes: Sequence[Any] | None = None,
    index: Sequence[Any] | pd.Index | None = None,
    index_name: str = "id",
    source: pd.DataFrame | pd.Series | None = None,
) -> Path:
    """Write soft labels to CSV or Parquet, atomically.

    The format follows the suffix: ``.csv``, or ``.parquet``/``.pq``.  The table
    is the one :func:`soft_label_frame` builds, with the id as its first column.

    Parameters
    ----------
    path : str or os.PathLike
        Output file; its folder must exist.  An existing file is replaced.
    proba : array-like of shape (n_samples, n_classes)
        Probabilities; each row non-negative, finite and summing to 1.
    classes : sequence of str, default=None
        Class names; ``"0"`` ... ``"k-1"`` if None.
    index : array-like of shape (n_samples,), default=None
        Row ids; by default the index of ``source`` if given, else ``0..n-1``.
    index_name : str, default="id"
        Name of the id column.
    source : DataFrame of shape (n_samples, n_columns), default=None
        Columns to copy next to the labels (matched by position).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        Unknown suffix, invalid probabilities, wrong number of class names,
        lengths that do not match, or clashing column names.

    See Also
    --------
    read_soft_labels : Read the file back.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "soft.parquet"
    >>> _ = write_soft_labels(out, [[0.9, 0.1], [0.2, 0.8]], classes=["ham", "spam"])
    >>> read_soft_labels(out)["label"].tolist()
    ['ham', 'spam']
    """
    fmt = _format_of(path, "write soft labels to")
    frame = soft_label_frame(
        proba, classes=classes, index=index, index_name=index_name, source=source
    )
    if fmt == "csv":
        return atomic_write(path, lambda tmp: _write_csv(frame, tmp))
    document = {
        "format": _SOFT,
        "version": FORMAT_VERSION,
        "classes": soft_label_classes(frame),
        "index": index_name,
    }
    return atomic_write(
        path, lambda tmp: _write_parquet(frame, tmp, document, preserve_index=True)
    )


def _write_csv(frame: pd.DataFrame, tmp: Path) -> None:
    # pandas writes floats with the shortest repr that parses back to the same
    # double ("%.17g" digits where needed), so the round trip is exact.  Rows end
    # in CRLF (RFC 4180): Python's csv writer quotes a field only if it holds a
    # character of the line terminator, so with a bare "\n" a lone "\r" inside
    # a text value would go out unquoted and split the row on reading.
    frame.to_csv(tmp, index=True, encoding="utf-8", lineterminator="\r\n")


def _write_parquet(
    frame: pd.DataFrame,
    tmp: Path,
    document: dict[str, Any],
    *,
    preserve_index: bool | None,
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=preserve_index)
    pq.write_table(_with_document(table, document), tmp)


def _csv_options() -> dict[str, Any]:
    # pandas < 3 parses floats exactly only with the round-trip parser; pandas 3
    # does by default (and deprecates the option).
    return {"float_precision": "round_trip"} if _PANDAS_MAJOR < 3 else {}


def _soft_layout_error(path: Path, columns: Sequence[Any], problem: str) -> ValueError:
    shown = [str(c) for c in columns[:8]] + (["..."] if len(columns) > 8 else [])
    return ValueError(
        f"{str(path)!r} is not a weaklabel soft-label file: {problem}. Expected the"
        " columns <id>, proba_<class>..., label, confidence[, source columns...];"
        f" found {shown}."
    )


def _check_soft_layout(path: Path, columns: Sequence[Any]) -> int:
    """Check the column layout after the id; return the number of classes."""
    cols = [str(c) for c in columns]
    k = 0
    while k < len(cols) and cols[k].startswith(PROBA_PREFIX):
        k += 1
    if k == 0:
        raise _soft_layout_error(path, cols, "no proba_<class> columns after the id")
    if cols[k : k + 2] != list(_RESERVED):
        raise _soft_layout_error(
            path, cols, "'label' and 'confidence' must follow the proba columns"
        )
    stray = [c for c in cols[k + 2 :] if c.startswith(PROBA_PREFIX)]
    if stray:
        raise _soft_layout_error(path, cols, f"stray probability columns {stray}")
    return k


def read_soft_labels(path: PathLike) -> pd.DataFrame:
    """Read a soft-label file written by :func:`write_soft_labels`.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv``, ``.parquet`` or ``.pq`` soft-label file.

    Returns
    -------
    DataFrame
        The frame :func:`soft_label_frame` built: indexed by the id column, with
        ``proba_<class>`` (float64), ``label``, ``confidence`` and the source
        columns.  Use :func:`proba_from_frame` and :func:`soft_label_classes` to
        get the probabilities and class names back.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Unknown suffix, or a file that is not a soft-label file (wrong columns,
        invalid probabilities, a vote file, a newer format version).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "soft.csv"
    >>> _ = write_soft_labels(out, [[0.25, 0.75]], classes=["no", "yes"])
    >>> proba_from_frame(read_soft_labels(out))
    array([[0.25, 0.75]])
    """
    fmt = _format_of(path, "read soft labels from")
    p = _existing_file(path, "Soft-label file")
    if fmt == "parquet":
        table = _read_parquet_table(p, "soft labels")
        document = _check_document(_parquet_document(table), p, _SOFT)
        frame: pd.DataFrame = table.to_pandas()
        k = _check_soft_layout(p, list(frame.columns))
        if document and document.get("classes") != soft_label_classes(frame):
            raise _soft_layout_error(
                p,
                list(frame.columns),
                f"its metadata names the classes {document.get('classes')}, which do"
                " not match the proba columns",
            )
    else:
        frame, k = _read_soft_csv(p)
    P = frame.iloc[:, :k].to_numpy()
    try:
        check_proba(P, name=f"the proba columns of {str(p)!r}")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{str(p)!r} is not a valid soft-label file: {exc}") from exc
    return frame


def _read_soft_csv(p: Path) -> tuple[pd.DataFrame, int]:
    try:
        header = list(pd.read_csv(p, nrows=0, encoding="utf-8").columns)
    except (ValueError, UnicodeDecodeError) as exc:  # EmptyDataError, ParserError
        raise ValueError(
            f"{str(p)!r} is not a readable CSV soft-label file ({exc})."
        ) from exc
    if len(header) < 2:
        raise _soft_layout_error(p, header, "too few columns")
    k = _check_soft_layout(p, header[1:])
    floats = [*header[1 : k + 1], "confidence"]
    dtype: dict[str, Any] = dict.fromkeys(floats, "float64")
    dtype["label"] = str
    try:
        frame = pd.read_csv(
            p,
            index_col=0,
            dtype=dtype,
            encoding="utf-8",
            # Only empty fields are missing: "NA", "null", "nan" stay text.
            keep_default_na=False,
            na_values={c: [""] for c in header if c != "label"},
            **_csv_options(),
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{str(p)!r} is not a valid CSV soft-label file ({exc})."
        ) from exc
    return frame, k


def soft_label_classes(frame: pd.DataFrame) -> list[str]:
    """The class names of a soft-label frame, from its ``proba_<class>`` columns.

    Parameters
    ----------
    frame : DataFrame
        A frame from :func:`read_soft_labels` or :func:`soft_label_frame`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> soft_label_classes(soft_label_frame([[0.5, 0.5]], classes=["ham", "spam"]))
    ['ham', 'spam']
    """
    names = [
        str(c)[len(PROBA_PREFIX) :]
        for c in frame.columns
        if str(c).startswith(PROBA_PREFIX)
    ]
    if not names:
        raise ValueError(
            f"The frame has no {PROBA_PREFIX}<class> columns (columns:"
            f" {[str(c) for c in frame.columns[:8]]}); expected a frame from"
            " read_soft_labels."
        )
    return names


def proba_from_frame(frame: pd.DataFrame) -> FloatArray:
    """The probabilities of a soft-label frame as an (n, k) float64 array.

    Columns are in class order (the order of :func:`soft_label_classes`).

    Parameters
    ----------
    frame : DataFrame
        A frame from :func:`read_soft_labels` or :func:`soft_label_frame`.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)

    Examples
    --------
    >>> proba_from_frame(soft_label_frame([[0.5, 0.5]]))
    array([[0.5, 0.5]])
    """
    cols = [PROBA_PREFIX + c for c in soft_label_classes(frame)]
    return np.array(frame[cols].to_numpy(dtype=np.float64), copy=True)


# ----------------------------------------------------------------------------- votes


def write_votes(
    path: PathLike,
    L: VoteMatrixLike,
    *,
    classes: Sequence[Any] | None = None,
) -> Path:
    """Write a vote matrix to Parquet or CSV, atomically.

    One integer column per labeling function (int8 up to 127 classes, ``-1`` =
    abstain) named after it, plus the row index.  Parquet also stores the class
    names in its schema metadata (key ``b"weaklabel"``); CSV stores the votes,
    with the index as its first column, and the class names in a sidecar
    ``<path>.json`` (with the CSV's SHA-256, so a sidecar that no longer
    matches its CSV is ignored with a warning; a file weaklabel did not write
    is never overwritten there).

    Parameters
    ----------
    path : str or os.PathLike
        ``.parquet``/``.pq`` (recommended) or ``.csv``.
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes; a DataFrame (as returned by ``LFRegistry.apply``) keeps its LF
        names, index and ``attrs["classes"]``; sparse input (``vote + 1``) is
        written dense.  Other inputs get the names ``lf_0`` ... and ids ``0..n-1``.
    classes : sequence of str, default=None
        Class names, for votes that do not carry them; the names travel with
        the votes (``L.attrs["classes"]``), and a different list is refused.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        Unknown suffix, invalid votes, or votes beyond the classes.
    ClassMismatchError
        ``classes`` differs from the names ``L`` carries.
    FileExistsError
        (CSV) a file weaklabel did not write is at the sidecar's path.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "votes.parquet"
    >>> _ = write_votes(out, [[0, -1], [1, 1]], classes=["ham", "spam"])
    >>> L = read_votes(out)
    >>> L.to_numpy().tolist(), L.attrs["classes"]
    ([[0, -1], [1, 1]], ['ham', 'spam'])
    """
    fmt = _format_of(path, "write votes to")
    frame, names_of_classes = _votes_frame(L, classes)
    if fmt == "csv":
        # CSV has no metadata: the class names go to the sidecar votes.csv.json
        return write_with_sidecar(
            path,
            lambda tmp: _write_csv(frame, tmp),
            _VOTES,
            {"classes": names_of_classes},
        )
    document = {
        "format": _VOTES,
        "version": FORMAT_VERSION,
        "classes": names_of_classes,
    }
    return atomic_write(
        path, lambda tmp: _write_parquet(frame, tmp, document, preserve_index=None)
    )


def _votes_frame(
    L: Any, classes: Sequence[Any] | None
) -> tuple[pd.DataFrame, list[str] | None]:
    carried = class_names_of(L)
    if classes is None:
        classes = carried
    elif carried is not None and check_class_names(classes) != carried:
        raise ClassMismatchError(
            f"classes={list(classes)} but L names the classes {carried} (in"
            " L.attrs['classes']); the names travel with the votes, so leave"
            " classes=None or pass the same list."
        )
    names_of_classes = None if classes is None else check_class_names(classes)
    k = None if names_of_classes is None else len(names_of_classes)
    V = check_votes(L, cardinality=k)
    n, m = V.shape
    lf_names = check_lf_names(lf_names_of(L) or default_lf_names(m))
    index = L.index if isinstance(L, pd.DataFrame) else pd.RangeIndex(n)
    if index.name is not None and index.name in lf_names:
        raise ValueError(
            f"The index of L is named {index.name!r}, like one of its labeling"
            " functions; rename the index (L.rename_axis('id')) or the LF."
        )
    dtype = vote_dtype(k if k is not None else max(int(V.max()) + 1, 2))
    frame = pd.DataFrame(V.astype(dtype), index=index, columns=lf_names)
    return frame, names_of_classes


def read_votes(path: PathLike) -> pd.DataFrame:
    """Read a vote matrix written by :func:`write_votes`.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.parquet``/``.pq`` or ``.csv`` vote file.  A CSV file's first column
        is taken as the row index.

    Returns
    -------
    DataFrame of shape (n_samples, n_lfs)
        Integer votes (int8 up to 127 classes, ``-1`` = abstain), one column per
        LF, the saved index, and ``attrs["classes"]`` when the file names the
        classes (Parquet metadata, or a CSV's sidecar ``<path>.json``).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Unknown suffix, or a file that does not hold a vote matrix (non-integer
        columns, values below -1, a soft-label file).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "votes.csv"
    >>> _ = write_votes(out, [[0, -1], [1, 1]])
    >>> read_votes(out)
       lf_0  lf_1
    0     0    -1
    1     1     1
    """
    fmt = _format_of(path, "read votes from")
    p = _existing_file(path, "Votes file")
    classes: list[str] | None = None
    if fmt == "parquet":
        table = _read_parquet_table(p, "a vote matrix")
        document = _check_document(_parquet_document(table), p, _VOTES)
        if document.get("classes") is not None:
            classes = check_class_names(
                document["classes"], f"the classes of {str(p)!r}"
            )
        frame: pd.DataFrame = table.to_pandas()
    else:
        try:
            frame = pd.read_csv(p, index_col=0, encoding="utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(
                f"{str(p)!r} is not a readable CSV vote file ({exc})."
            ) from exc
        if any(str(c).startswith(PROBA_PREFIX) for c in frame.columns):
            raise ValueError(
                f"{str(p)!r} looks like a soft-label file (it has proba_* columns),"
                " not a vote matrix; read it with read_soft_labels."
            )
        sidecar = read_sidecar(p, _VOTES)
        if sidecar is not None and sidecar.get("classes") is not None:
            classes = check_class_names(
                sidecar["classes"], f"the classes in {str(sidecar_path(p))!r}"
            )
    if frame.shape[1] == 0:
        raise ValueError(
            f"{str(p)!r} does not hold a valid vote matrix: it has no labeling-function"
            " columns (expected the row index, then one integer column per LF)."
        )
    try:
        k = None if classes is None else len(classes)
        V = check_votes(frame, cardinality=k, name="the vote matrix")
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{str(p)!r} does not hold a valid vote matrix: {exc}"
        ) from exc
    k = len(classes) if classes is not None else max(int(V.max()) + 1, 2)
    dtype = vote_dtype(k)
    if any(frame[c].dtype != dtype for c in frame.columns):
        frame = frame.astype(dtype)
    frame.columns = pd.Index([str(c) for c in frame.columns])
    if classes is not None:
        frame.attrs["classes"] = classes
    return frame


# ----------------------------------------------------------------------- data tables


def table_format(path: PathLike) -> Literal["csv", "tsv", "parquet", "jsonl"]:
    """The format of a data file or folder, told by its suffix.

    A folder is a Parquet dataset (``pd.read_parquet`` reads its files).

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv``, ``.tsv``, ``.parquet``/``.pq`` or ``.jsonl``/``.ndjson``
        (any case), or a folder.

    Returns
    -------
    {"csv", "tsv", "parquet", "jsonl"}

    Raises
    ------
    ValueError
        An unknown suffix.

    Examples
    --------
    >>> table_format("comments.TSV"), table_format("votes.pq")
    ('tsv', 'parquet')
    """
    p = Path(path)
    fmt = DATA_FORMATS.get(p.suffix.lower())
    if fmt is not None:
        return fmt
    if p.is_dir():
        return "parquet"
    raise ValueError(
        f"Cannot tell the format of {str(p)!r} from its suffix {p.suffix!r};"
        " expected .parquet/.pq (or a Parquet folder), .csv, .tsv, .jsonl or"
        " .ndjson. Rename the file, or read it with pandas and pass the DataFrame."
    )


def read_table(path: PathLike, *, text_na: bool = False) -> pd.DataFrame:
    """Read a data file (CSV, TSV, Parquet or JSON Lines, told by suffix).

    Text is read exactly as the file holds it: in CSV and TSV files a text
    cell that is empty stays ``""`` and ``NA``, ``None``, ``null`` or ``NaN``
    stay text, so a row-wise LF can call string methods on every cell.
    Columns that hold numbers are parsed as numbers, with empty and ``NA``
    cells as NaN, as pandas does.  ``.tsv`` files are tab-separated values
    without quoting: every line is one row and a ``"`` is an ordinary
    character (the form the UCI SMS spam file and most tab-separated exports
    use).  When a CSV file has more lines than rows, because a quoted cell
    spans lines, a :class:`~weaklabel.exceptions.WeakLabelWarning` says how
    many lines went into cells (a stray quote can swallow many rows).

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv``, ``.tsv``, ``.parquet``/``.pq`` (a file or a folder of
        Parquet files) or ``.jsonl``/``.ndjson``.
    text_na : bool, default=False
        Read empty text cells and the spellings pandas takes for missing
        (``NA``, ``N/A``, ``null``, ``None``, ``NaN``, ...) as missing values
        (NaN), which is ``pandas.read_csv``'s default.  CSV and TSV only;
        Parquet and JSON Lines carry their own missing values.

    Returns
    -------
    DataFrame
        One row per data row, indexed ``0..n-1`` (Parquet files keep a stored
        index).

    Raises
    ------
    FileNotFoundError
        No file or folder at ``path``.
    ValueError
        An unknown suffix, or a file that cannot be parsed.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "comments.csv"
    >>> _ = f.write_text("text,stars\\nNA,5\\n,\\nnull,3\\n")
    >>> df = read_table(f)
    >>> df["text"].tolist(), df["stars"].tolist()
    (['NA', '', 'null'], [5.0, nan, 3.0])
    >>> read_table(f, text_na=True)["text"].isna().tolist()
    [True, True, True]
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"Data file {str(p)!r} does not exist; check the path.")
    fmt = table_format(p)
    try:
        if fmt == "parquet":
            frame: pd.DataFrame = pd.read_parquet(p)
            return frame
        if fmt == "jsonl":
            frame = pd.read_json(p, lines=True)
            return frame
        frame = _read_delimited(p, fmt, text_na=text_na)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"Could not read {str(p)!r} as {fmt.upper()}: {exc}") from exc
    _check_line_count(p, fmt, len(frame), frame.shape[1])
    return frame


def read_data(data: pd.DataFrame | PathLike, *, text_na: bool = False) -> pd.DataFrame:
    """Return ``data`` as a DataFrame: a DataFrame as is, a path read by :func:`read_table`.

    Parameters
    ----------
    data : DataFrame, str or os.PathLike
        The data, or the path of a data file (see :func:`read_table`).
    text_na : bool, default=False
        Passed to :func:`read_table`.

    Returns
    -------
    DataFrame

    Raises
    ------
    TypeError
        ``data`` is neither a DataFrame nor a path.
    FileNotFoundError, ValueError
        See :func:`read_table`.
    """
    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, (str, os.PathLike)):
        raise TypeError(
            "data must be a pandas DataFrame or the path of a Parquet, CSV, TSV or"
            f" JSON Lines file; got {type(data).__name__}."
        )
    return read_table(data, text_na=text_na)


def _delimited_options(fmt: str) -> dict[str, Any]:
    if fmt == "tsv":
        import csv

        return {"sep": "\t", "quoting": csv.QUOTE_NONE, "encoding": "utf-8"}
    return {"sep": ",", "encoding": "utf-8"}


def _read_delimited(p: Path, fmt: str, *, text_na: bool) -> pd.DataFrame:
    options = _delimited_options(fmt)
    frame: pd.DataFrame = pd.read_csv(p, **options)
    if text_na:
        return frame
    # Text columns (and columns with no value at all) are read again as the
    # strings the file holds: no cell becomes NaN, empty stays "".  Columns
    # are picked by position (pandas renames duplicate names).
    text = [
        j
        for j, (_, col) in enumerate(frame.items())
        if pd.api.types.is_object_dtype(col.dtype)
        or pd.api.types.is_string_dtype(col.dtype)
        or bool(col.isna().all())
    ]
    if not text:
        return frame
    raw: pd.DataFrame = pd.read_csv(
        p,
        usecols=text,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        **options,
    )
    for pos, j in enumerate(text):
        frame.isetitem(j, raw.iloc[:, pos].array)
    if frame.shape[1] == 1:
        cells = _one_column_cells(p, fmt)
        if cells is not None and len(cells) != len(frame):
            # pandas skips a line of blanks as if it were empty; in a file of
            # one column such a line is a row whose cell is those blanks
            values = pd.array(cells, dtype=frame.dtypes.iloc[0])
            frame = pd.DataFrame({frame.columns[0]: values})
    return frame


def _csv_module_options(fmt: str) -> dict[str, Any]:
    """The csv module's reader options that read a file as pandas does."""
    import csv

    return {"delimiter": "\t", "quoting": csv.QUOTE_NONE} if fmt == "tsv" else {}


def _one_column_cells(p: Path, fmt: str) -> list[str] | None:
    """The cells of a one-column CSV / TSV file as written (None: more columns).

    Read with the csv module, which skips only empty lines, as pandas does,
    not lines of blanks.
    """
    import csv

    kwargs = _csv_module_options(fmt)
    with open(p, newline="", encoding="utf-8-sig") as fh:
        rows = [row for row in csv.reader(fh, **kwargs) if row]
    if not rows or any(len(row) != 1 for row in rows):
        return None
    return [row[0] for row in rows[1:]]


def _count_lines(p: Path) -> tuple[int, bool]:
    """Non-blank lines of a text file (pandas skips blank lines), and whether
    some line holds blanks only (spaces, tabs), which pandas skips as well."""
    count = 0
    blanks = False
    with open(p, "rb") as fh:
        for line in fh:
            if line.strip():
                count += 1
            elif line.strip(b"\r\n"):
                blanks = True
    return count, blanks


def _lines_of_blanks(p: Path, fmt: str) -> list[int]:
    """Line numbers (1-based) of the rows of a CSV / TSV that hold blanks only.

    Parsed with the csv module, so that a line of blanks inside a quoted
    multi-line cell is not counted; only files of several columns are asked.
    """
    import csv

    kwargs = _csv_module_options(fmt)
    out: list[int] = []
    with open(p, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, **kwargs)
        for row in reader:
            if len(row) == 1 and row[0] and not row[0].strip():
                out.append(reader.line_num)
    return out


def _check_line_count(p: Path, fmt: str, n_rows: int, n_cols: int) -> None:
    if fmt not in ("csv", "tsv"):
        return
    import warnings

    from weaklabel.exceptions import WeakLabelWarning, user_stacklevel

    count, blanks = _count_lines(p)
    if blanks and n_cols > 1:
        skipped = _lines_of_blanks(p, fmt)
        if skipped:
            shown = ", ".join(map(str, skipped[:10])) + (
                ", ..." if len(skipped) > 10 else ""
            )
            many = len(skipped) > 1
            warnings.warn(
                f"{str(p)!r}: {len(skipped)} line{'s' if many else ''} (line"
                f"{'s' if many else ''} {shown}) {'hold' if many else 'holds'}"
                f" only blanks and {'were' if many else 'was'} skipped, as pandas"
                f" skips blank lines; the file has {n_cols} columns, so such a"
                " line is no row. If it is one, write its cells with their"
                " separators; if not, delete the line to silence this warning.",
                WeakLabelWarning,
                stacklevel=user_stacklevel(),
            )
    lines = count - 1  # the header
    if lines <= n_rows:
        return
    warnings.warn(
        f"{str(p)!r} has {lines} lines after the header but {n_rows} rows were"
        f" read: {lines - n_rows} line break{'s' if lines - n_rows > 1 else ''} fell inside"
        " quoted cells. That is"
        " right if cells hold multi-line text; if not, a stray double quote"
        " (e.g. a text starting with '\"') merged rows. Quote such cells"
        ' ("" for a quote inside one), or save tab-separated data as .tsv'
        " (read without quoting).",
        WeakLabelWarning,
        stacklevel=user_stacklevel(),
    )


# ---------------------------------------------------------------------------- gold

#: Cell values read as "unknown" besides an empty cell and -1 (the spellings
#: pandas reads as missing), unless they are class names.
_UNKNOWN_TOKENS = frozenset({"na", "n/a", "#n/a", "nan", "null", "none", "<na>"})


def read_gold(
    path: PathLike,
    *,
    column: str = "label",
    n_rows: int | None = None,
    classes: Sequence[Any] | None = None,
    cardinality: int | None = None,
) -> npt.NDArray[np.int64]:
    """Read gold labels from a data file as class indices (``-1`` = unknown).

    One gold row per data row, in order.  Each cell may be a class name, a
    class index ``0..k-1``, or unknown: an empty (or blank) cell, a missing
    value (``NA``, ``null``, ``None``, ``NaN``) or ``-1``.  Class names are
    matched first, so a class named ``"NA"`` or ``"1"`` wins over the other
    readings.  In a CSV or TSV file every line after the header is a row, a
    blank line included (an unknown label in a one-column file); blank lines
    at the end beyond ``n_rows`` are not rows.

    Parameters
    ----------
    path : str or os.PathLike
        A data file (see :func:`read_table`).
    column : str, default="label"
        The column holding the labels.
    n_rows : int, default=None
        The number of rows the gold must have (the vote rows); None: any.
    classes : sequence of str, default=None
        Class names, position = class index; None: cells must be indices.
    cardinality : int, default=None
        The number of classes when ``classes`` is None (bounds the indices).

    Returns
    -------
    ndarray of shape (n_rows,), dtype int64

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        No such column, another number of rows, or a cell that is not a
        class, an index or unknown (the message names the cell and its row).

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "gold.csv"
    >>> _ = f.write_text("label\\nspam\\n\\nham\\n-1\\n1\\n")
    >>> read_gold(f, classes=["ham", "spam"]).tolist()
    [1, -1, 0, -1, 1]
    """
    df = _read_gold_table(Path(path))
    if column not in df.columns:
        raise ValueError(
            f"Gold file {str(path)!r} has no column {column!r}; columns are"
            f" {[str(c) for c in df.columns]}. Pick one (--gold-column in the CLI)."
        )
    if n_rows is not None and len(df) > n_rows and _is_blank(df.iloc[n_rows:]).all():
        df = df.iloc[:n_rows]
    if n_rows is not None and len(df) != n_rows:
        raise ValueError(
            f"Gold file {str(path)!r} has {len(df)} rows but the votes file has"
            f" {n_rows}; the gold file must have one row per vote row, in the"
            " same order (leave the gold cell empty, or write -1, where the label"
            " is unknown)."
        )
    return gold_indices(df[column], classes, cardinality, source=repr(str(path)))


def _read_gold_table(p: Path) -> pd.DataFrame:
    """Read a gold file; in CSV/TSV every line after the header is a row.

    pandas skips blank lines by default, but in a one-column gold file a blank
    line is an empty cell (unknown label), so blank lines are kept; cells are
    read as text so that only the gold rules decide what is unknown.
    """
    fmt = table_format(p)
    if fmt not in ("csv", "tsv") or not p.is_file():
        return read_table(p)
    try:
        frame: pd.DataFrame = pd.read_csv(
            p,
            skip_blank_lines=False,
            keep_default_na=False,
            dtype=str,
            **_delimited_options(fmt),
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"Could not read {str(p)!r}: {exc}") from exc
    return frame


def _is_blank(df: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Rows whose every cell is missing or empty (blank lines of a CSV)."""
    text = df.astype("string").apply(lambda col: col.str.strip())
    blank: npt.NDArray[np.bool_] = np.asarray(
        (text.isna() | (text == "")).all(axis=1), bool
    )
    return blank


def gold_indices(
    y: pd.Series,
    classes: Sequence[Any] | None,
    cardinality: int | None = None,
    *,
    source: str = "the gold file",
) -> npt.NDArray[np.int64]:
    """Map a column of gold labels to class indices, ``-1`` = unknown.

    The cell rules of :func:`read_gold`, for labels already in memory.

    Parameters
    ----------
    y : Series of shape (n_samples,)
        Class names, class indices or unknown cells.
    classes : sequence of str or None
        Class names, position = class index.
    cardinality : int, default=None
        The number of classes when ``classes`` is None.
    source : str, default="the gold file"
        Where the labels come from, for error messages.

    Returns
    -------
    ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    ValueError
        A cell that is not a class, an index or unknown.

    Examples
    --------
    >>> gold_indices(pd.Series(["spam", "", None, "0", "NA"]), ["ham", "spam"]).tolist()
    [1, -1, -1, 0, -1]
    """
    text = y.astype("string").str.strip()
    out = np.full(len(y), -1, dtype=np.int64)
    todo = (text.notna() & (text != "")).to_numpy(dtype=bool, na_value=False)
    if classes is not None:
        lookup = {str(c).strip(): i for i, c in enumerate(classes)}
        named = text.map(lookup).to_numpy(dtype="float64", na_value=np.nan)
        hit = todo & ~np.isnan(named)
        out[hit] = named[hit].astype(np.int64)
        todo &= ~hit
        cardinality = len(classes)
    numeric = pd.to_numeric(text, errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    with np.errstate(invalid="ignore"):
        whole = todo & (numeric == np.floor(numeric))
        hi = np.inf if cardinality is None else cardinality
        index_ok = whole & (numeric >= 0) & (numeric < hi)
    out[index_ok] = numeric[index_ok].astype(np.int64)
    todo &= ~(index_ok | (whole & (numeric == -1)))
    if todo.any():
        todo &= ~text.str.lower().isin(_UNKNOWN_TOKENS).to_numpy(dtype=bool)
    if not todo.any():
        return out
    bad_rows = np.flatnonzero(todo)
    first = int(bad_rows[0])
    where = (
        f"{y.iloc[first]!r} in column {y.name!r} of {source} (data row {first + 1};"
        f" {len(bad_rows)} bad cell{'s' if len(bad_rows) > 1 else ''} in all)"
    )
    unknown = "an empty cell or -1 for an unknown label"
    if classes is not None:
        raise ValueError(
            f"Gold label {where} is not a known class. Expected a class name"
            f" {[str(c) for c in classes]}, a class index 0..{len(classes) - 1},"
            f" or {unknown}; fix those cells or pick another column."
        )
    indices = (
        "0..k-1 (k = the number of classes)"
        if cardinality is None
        else f"0..{cardinality - 1}"
    )
    raise ValueError(
        f"Gold label {where} is not a class index, and the votes name no classes"
        " (a CSV votes file without its .json sidecar names none), so class"
        f" names cannot be matched. Give the gold as class indices {indices}"
        f" ({unknown}), or write the votes again with weaklabel apply (Parquet"
        " keeps the class names in the file, CSV in the sidecar next to it)."
    )
