"""Ready-made labeling functions: keywords, regular expressions, look-up tables, models.

Each helper returns a vectorized :class:`~weaklabel.lf.LabelingFunction`;
register it with :meth:`LFRegistry.add <weaklabel.lf.LFRegistry.add>` or pass
it to :func:`~weaklabel.apply.apply_lfs` in a list.

Text matching follows Python's :mod:`re` semantics exactly.  On pyarrow-backed
string columns (the pandas default when pyarrow is installed) the pattern is
first run through Arrow's RE2 engine, which agrees with :mod:`re` on ASCII
text for the syntax both understand; rows where the two could differ
(non-ASCII text, and a few ASCII corner cases) and patterns RE2 does not
support (look-arounds, back-references, ...) are matched with :mod:`re`.

Examples
--------
>>> import pandas as pd
>>> from weaklabel.lf import LFRegistry
>>> lfs = LFRegistry(classes=["ham", "spam"])
>>> _ = lfs.add(keyword_lf("kw_subscribe", ["subscribe", "my channel"], "spam"))
>>> _ = lfs.add(regex_lf("re_link", r"https?://", "spam"))
>>> _ = lfs.add(lookup_lf("known_author", {"bot42"}, columns="author", label="spam"))
>>> df = pd.DataFrame({"text": ["Subscribe to MY CHANNEL", "see http://x.io", "nice"],
...                    "author": ["ann", "bot42", "bob"]})
>>> lfs.apply(df)
   kw_subscribe  re_link  known_author
0             1       -1            -1
1            -1        1             1
2            -1       -1            -1
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.lf import LabelingFunction
from weaklabel.typing import ABSTAIN

__all__ = ["keyword_lf", "lookup_lf", "model_lf", "regex_lf"]

Label = str | int
PreArg = Iterable[Callable[[Any], Any]] | Callable[[Any], Any] | None


# ------------------------------------------------------------------- matching

# Flags that RE2 understands as inline flags; ASCII/UNICODE change nothing on
# the ASCII rows that RE2 handles.
_RE2_INLINE = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}
_RE2_NEUTRAL = re.ASCII | re.UNICODE
# ASCII syntax that both engines accept but read differently.
_RE2_UNSAFE = re.compile(r"\[:|\{,|\[\]|\[\^\]|\\[0-9]")


def _re2_pattern(pattern: str, flags: int) -> str | None:
    """The pattern for RE2 with inline flags, or None if RE2 could differ."""
    if not pattern.isascii() or _RE2_UNSAFE.search(pattern):
        return None
    inline = ""
    rest = flags & ~_RE2_NEUTRAL
    for flag, letter in _RE2_INLINE.items():
        if rest & flag:
            inline += letter
            rest &= ~flag
    if rest:  # VERBOSE, DEBUG, ...
        return None
    return f"(?{inline}){pattern}" if inline else pattern


def _arrow_strings(values: pd.Series) -> Any:
    """The column as a pyarrow string array, or None if it is not all strings."""
    import pyarrow as pa

    dtype = values.dtype
    try:
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            return pa.array(values.array)
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_string(dtype.pyarrow_dtype):
            return pa.array(values.array)
        if dtype == np.dtype(object) or isinstance(dtype, pd.StringDtype):
            return pa.array(values.to_numpy(dtype=object), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    return None


@functools.lru_cache(maxsize=1)
def _unsafe_code_points() -> npt.NDArray[np.bool_]:
    """Code points on which RE2 and Python's re may disagree.

    RE2 reads every non-ASCII character as a non-word, non-space, non-digit
    character that only case-folds to ASCII for U+212A (Kelvin) and U+017F
    (long s).  So the two engines can only disagree on a text through its
    characters that re treats as word characters or whitespace, or that
    re's IGNORECASE folds onto an ASCII letter; plus the ASCII characters
    \\v and \\x1c-\\x1f, which are whitespace to re but not to RE2.  Planes
    4-16 (unassigned or private use) are all marked, to be safe.
    """
    table = np.zeros(0x110000, dtype=bool)
    table[0x40000:] = True
    table[0xD800:0xE000] = True
    # ask re itself, over one string of all the characters of planes 0-3
    every = "".join(map(chr, range(0x80, 0x40000)))
    marked = re.compile(r"[\w\s]|[a-z]", re.IGNORECASE).finditer(every)
    table[np.fromiter((m.start() for m in marked), dtype=np.int64) + 0x80] = True
    table[[0x0B, 0x1C, 0x1D, 0x1E, 0x1F, 0x212A, 0x017F]] = True
    return table


_LEAD, _ODD_SPACE, _NEWLINE = 1, 2, 4
_BYTE_FLAGS = np.zeros(256, dtype=np.uint8)
_BYTE_FLAGS[0xC0:] = _LEAD
_BYTE_FLAGS[[0x0B, 0x1C, 0x1D, 0x1E, 0x1F]] = _ODD_SPACE
_BYTE_FLAGS[0x0A] = _NEWLINE


def _code_points(seg: npt.NDArray[np.uint8], lead: npt.NDArray[np.intp]) -> Any:
    """Decode the UTF-8 sequences starting at the lead bytes ``seg[lead]``."""
    last = seg.size - 1
    b0 = seg[lead].astype(np.int64)
    b1, b2, b3 = (
        seg[np.minimum(lead + k, last)].astype(np.int64) & 0x3F for k in (1, 2, 3)
    )
    cp = np.where(
        b0 < 0xE0,
        ((b0 & 0x1F) << 6) | b1,
        np.where(
            b0 < 0xF0,
            ((b0 & 0x0F) << 12) | (b1 << 6) | b2,
            ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3,
        ),
    )
    return np.minimum(cp, 0x10FFFF)


def _rows_to_recheck(arrow: Any, newline: bool) -> npt.NDArray[np.intp] | None:
    """Rows holding a character RE2 may read differently from re (None: unknown).

    Scans the UTF-8 bytes of the strings with numpy: no Python per row.
    """
    import pyarrow as pa

    table = _unsafe_code_points()
    flags = _LEAD | _ODD_SPACE | (_NEWLINE if newline else 0)
    rows: list[npt.NDArray[np.intp]] = []
    base = 0
    chunks = getattr(arrow, "chunks", [arrow])
    if len(chunks) > 1 and pa.types.is_large_string(arrow.type):
        chunks = [arrow.combine_chunks()]  # one scan instead of many small ones
    for chunk in chunks:
        if pa.types.is_string(chunk.type):
            off_type: type[np.integer] = np.int32
        elif pa.types.is_large_string(chunk.type):
            off_type = np.int64
        else:
            return None
        n = len(chunk)
        buffers = chunk.buffers()
        if n == 0 or buffers[2] is None:
            base += n
            continue
        offsets = np.frombuffer(buffers[1], dtype=off_type)[
            chunk.offset : chunk.offset + n + 1
        ]
        start, end = int(offsets[0]), int(offsets[-1])
        seg = np.frombuffer(buffers[2], dtype=np.uint8)[start:end]
        # one pass: flag lead bytes of multi-byte characters, odd whitespace
        # and (when asked) newlines; most bytes are plain ASCII and drop out
        flagged = np.flatnonzero(_BYTE_FLAGS[seg] & flags)
        kind = _BYTE_FLAGS[seg[flagged]]
        lead = flagged[(kind & _LEAD) != 0]
        hits = [flagged[(kind & (_ODD_SPACE | _NEWLINE) & flags) != 0]]
        if lead.size:
            hits.append(lead[table[_code_points(seg, lead)]])
        pos = np.concatenate(hits) + start
        if pos.size:
            rows.append(
                np.unique(np.searchsorted(offsets, pos, side="right") - 1) + base
            )
        base += n
    if not rows:
        return np.empty(0, dtype=np.intp)
    return np.unique(np.concatenate(rows))


def _python_search(values: Iterable[Any], compiled: re.Pattern[str]) -> list[bool]:
    search = compiled.search
    return [isinstance(v, str) and search(v) is not None for v in values]


def search_mask(values: pd.Series, compiled: re.Pattern[str]) -> npt.NDArray[np.bool_]:
    """Whether ``compiled.search`` finds a match in each value (non-strings: False).

    Examples
    --------
    >>> search_mask(pd.Series(["café au lait", "cafe", None]), re.compile(r"caf.\\b"))
    array([ True,  True, False])
    """
    values = _as_text(values)
    n = len(values)
    arrow = _arrow_strings(values)
    re2 = _re2_pattern(compiled.pattern, compiled.flags)
    if arrow is None or re2 is None or n == 0:
        return np.array(_python_search(values.tolist(), compiled), dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        fast = pc.match_substring_regex(arrow, pattern=re2)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.array(_python_search(values.tolist(), compiled), dtype=bool)
    mask = np.asarray(fast.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    # Rows RE2 may read differently from re (see _unsafe_code_points), and,
    # where the pattern uses `$`, rows with a newline (re's `$` also matches
    # before a final newline) are matched again with re.
    idx = _rows_to_recheck(arrow, newline="$" in compiled.pattern)
    if idx is None:
        recheck = pc.invert(pc.string_is_ascii(arrow))
        if "$" in compiled.pattern:
            recheck = pc.or_(recheck, pc.match_substring(arrow, "\n"))
        recheck = pc.or_(recheck, pc.match_substring_regex(arrow, r"[\x0b\x1c-\x1f]"))
        idx = np.flatnonzero(
            np.asarray(recheck.fill_null(False).to_numpy(zero_copy_only=False))
        )
    if idx.size:
        mask[idx] = _python_search(arrow.take(pa.array(idx)).to_pylist(), compiled)
    return mask


def _as_text(values: pd.Series) -> pd.Series:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return values.astype(object)
    if dtype == np.dtype(object) or isinstance(dtype, pd.StringDtype):
        return values
    if isinstance(dtype, pd.ArrowDtype) and "string" in str(dtype):
        return values
    # numbers, dates, booleans: match their text, keep missing values missing
    return (
        values.astype(object)
        .where(values.notna(), None)
        .map(lambda v: None if v is None else str(v))
    )


def _column(df: Any, column: str, lf_name: str) -> pd.Series:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"LF {lf_name!r} is vectorized and expects the whole DataFrame; got"
            f" {type(df).__name__}."
        )
    if column not in df.columns:
        raise KeyError(
            f"column {column!r} is not in the data; its columns are"
            f" {[str(c) for c in df.columns]}. Pass column='...' to {lf_name!r}."
        )
    col = df[column]
    if isinstance(col, pd.DataFrame):
        raise ValueError(f"column {column!r} appears more than once in the data.")
    return col


def _check_label(label: Any, what: str) -> Label:
    if isinstance(label, bool) or not isinstance(label, (str, int, np.integer)):
        raise TypeError(
            f"{what} must be a class name (str) or a class index (int); got"
            f" {label!r} ({type(label).__name__})."
        )
    return label if isinstance(label, str) else int(label)


def _votes(mask: npt.NDArray[np.bool_], label: Label) -> Any:
    if isinstance(label, str):
        out = np.full(mask.shape[0], None, dtype=object)
        out[mask] = label
        return out
    return np.where(mask, label, ABSTAIN)


def _pre(pre: PreArg) -> tuple[Callable[[Any], Any], ...]:
    if pre is None:
        return ()
    if callable(pre):
        return (pre,)
    return tuple(pre)


def _matcher_lf(
    name: str,
    compiled: re.Pattern[str],
    label: Label,
    column: str,
    pre: PreArg,
) -> LabelingFunction:
    def match(df: pd.DataFrame) -> Any:
        return _votes(search_mask(_column(df, column, name), compiled), label)

    match.__name__ = name
    match.__qualname__ = name
    match.__doc__ = f"Vote {label!r} when /{compiled.pattern}/ matches {column!r}."
    return LabelingFunction(name=name, f=match, vectorized=True, pre=_pre(pre))


def _compile(name: str, pattern: Any, flags: int) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        if not isinstance(pattern.pattern, str):
            raise TypeError(f"LF {name!r}: the pattern must be text, not bytes.")
        return pattern
    if not isinstance(pattern, str):
        raise TypeError(
            f"LF {name!r}: pattern must be a str (or a compiled re.Pattern); got"
            f" {pattern!r} ({type(pattern).__name__})."
        )
    if not isinstance(flags, int):
        raise TypeError(f"LF {name!r}: flags must be re flags (an int); got {flags!r}.")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise ValueError(
            f"LF {name!r}: invalid regular expression {pattern!r}: {exc.msg}{where}."
        ) from exc


# -------------------------------------------------------------------- helpers


def regex_lf(
    name: str,
    pattern: str | re.Pattern[str],
    label: Label,
    *,
    column: str = "text",
    flags: int = re.IGNORECASE,
    pre: PreArg = None,
) -> LabelingFunction:
    """LF that votes ``label`` when ``pattern`` is found in ``column`` (else abstains).

    Parameters
    ----------
    name : str
        The LF's name.
    pattern : str or re.Pattern
        A Python regular expression, searched anywhere in the text
        (``re.search``); anchor it with ``^``/``$`` or ``\\b`` as needed.
    label : str or int
        Class name or class index voted on a match.
    column : str, default="text"
        Column holding the text.  Missing values never match; non-text
        columns are matched on ``str(value)``.
    flags : int, default=re.IGNORECASE
        :mod:`re` flags (``0`` for case-sensitive).  Ignored for a compiled
        pattern, which keeps its own flags.
    pre : list of callables, default=None
        Preprocessors applied to the DataFrame first.

    Raises
    ------
    ValueError
        If the pattern does not compile (the message gives the position).
    TypeError
        If the pattern, flags or label have the wrong type.

    Examples
    --------
    >>> lf = regex_lf("money", r"\\$\\d+", "spam")
    >>> lf(pd.DataFrame({"text": ["win $100", "no"]})).tolist()
    ['spam', None]
    """
    label = _check_label(label, f"LF {name!r}: label")
    return _matcher_lf(name, _compile(name, pattern, flags), label, column, pre)


def _bounded(keyword: str) -> str:
    escaped = re.escape(keyword)
    start = r"\b" if (keyword[0].isalnum() or keyword[0] == "_") else ""
    end = r"\b" if (keyword[-1].isalnum() or keyword[-1] == "_") else ""
    return start + escaped + end


def keyword_lf(
    name: str,
    keywords: str | Iterable[str],
    label: Label,
    *,
    column: str = "text",
    case_sensitive: bool = False,
    pre: PreArg = None,
) -> LabelingFunction:
    """LF that votes ``label`` when any keyword occurs in ``column`` as whole words.

    Keywords match on word boundaries (``"sub"`` does not match ``"subscribe"``);
    a keyword that starts or ends with punctuation (``"$$$"``, ``"http://"``)
    has no boundary on that side.  Multi-word keywords (``"check out"``) match
    the exact spacing given.

    Examples
    --------
    >>> lf = keyword_lf("kw", ["free", "check out"], "spam")
    >>> lf(pd.DataFrame({"text": ["FREE stuff", "freedom", "Check out"]})).tolist()
    ['spam', None, 'spam']
    """
    if isinstance(keywords, str):
        keywords = [keywords]
    words = list(keywords)
    if not words:
        raise ValueError(f"LF {name!r}: keywords is empty; give at least one keyword.")
    for w in words:
        if not isinstance(w, str) or not w:
            raise TypeError(
                f"LF {name!r}: every keyword must be a non-empty string; got {w!r}."
            )
    label = _check_label(label, f"LF {name!r}: label")
    # longest first, so that alternatives sharing a prefix behave predictably
    ordered = sorted(dict.fromkeys(words), key=len, reverse=True)
    pattern = "(?:" + "|".join(_bounded(w) for w in ordered) + ")"
    flags = 0 if case_sensitive else re.IGNORECASE
    return _matcher_lf(name, re.compile(pattern, flags), label, column, pre)


def _normalise(value: Any, case_sensitive: bool) -> Any:
    if not case_sensitive and isinstance(value, str):
        return value.casefold()
    return value


def lookup_lf(
    name: str,
    table: Mapping[Any, Label | None] | Iterable[Any],
    *,
    columns: str | Sequence[str],
    label: Label | None = None,
    unordered: bool = False,
    case_sensitive: bool = True,
    pre: PreArg = None,
) -> LabelingFunction:
    """LF from a look-up table (distant supervision, knowledge bases).

    The row's key (the value of one column, or the tuple of several columns)
    is looked up in ``table``: a set of known keys (voting ``label`` when the
    key is in it), or a dict from key to label (None = abstain).  Keys not in
    the table abstain.

    Parameters
    ----------
    name : str
        The LF's name.
    table : set, list or dict
        Known keys (tuples when several columns are used), or key -> label.
    columns : str or sequence of str
        The column(s) that form the key.
    label : str or int, default=None
        The vote for a key in a set-like ``table``; must be None for a dict.
    unordered : bool, default=False
        With several columns, match keys in any order ((a, b) also matches
        (b, a)), e.g. symmetric relations between two entities.
    case_sensitive : bool, default=True
        If False, text keys are compared case-insensitively (casefold).
    pre : list of callables, default=None
        Preprocessors applied to the DataFrame first (e.g. one that extracts a
        key column).

    Examples
    --------
    >>> spouses = {("Barack Obama", "Michelle Obama")}
    >>> lf = lookup_lf("known_spouse", spouses, columns=["p1", "p2"],
    ...                label="spouse", unordered=True)
    >>> df = pd.DataFrame({"p1": ["Michelle Obama", "A"], "p2": ["Barack Obama", "B"]})
    >>> lf(df).tolist()
    ['spouse', None]
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    if not cols or not all(isinstance(c, str) for c in cols):
        raise TypeError(
            f"LF {name!r}: columns must be a column name or a list of names; got"
            f" {columns!r}."
        )
    width = len(cols)
    if unordered and width < 2:
        raise ValueError(
            f"LF {name!r}: unordered=True needs at least two columns; got {cols}."
        )
    if isinstance(table, Mapping):
        if label is not None:
            raise ValueError(
                f"LF {name!r}: table is a dict (key -> label), so label= must be"
                " left out; use a set of keys to vote one label."
            )
        items = [
            (k, None if v is None else _check_label(v, f"LF {name!r}: table[{k!r}]"))
            for k, v in table.items()
        ]
    elif isinstance(table, (str, bytes)) or not isinstance(table, Iterable):
        raise TypeError(
            f"LF {name!r}: table must be a set/list of keys or a dict key -> label;"
            f" got {type(table).__name__}."
        )
    else:
        if label is None:
            raise ValueError(
                f"LF {name!r}: pass label= (the vote for rows whose key is in the"
                " table), or give a dict key -> label."
            )
        vote = _check_label(label, f"LF {name!r}: label")
        items = [(k, vote) for k in table]
    if not items:
        raise ValueError(f"LF {name!r}: the look-up table is empty.")
    mapping: dict[Hashable, Label | None] = {}
    for key, value in items:
        if width > 1:
            if not isinstance(key, tuple) or len(key) != width:
                raise ValueError(
                    f"LF {name!r}: keys must be tuples of {width} values (one per"
                    f" column {cols}); got {key!r}."
                )
            norm = tuple(_normalise(v, case_sensitive) for v in key)
            keys = itertools.permutations(norm) if unordered else [norm]
            for k in keys:
                mapping.setdefault(k, value)
        else:
            mapping[_normalise(key, case_sensitive)] = value

    def lookup(df: pd.DataFrame) -> pd.Series:
        lists = [_column(df, c, name).tolist() for c in cols]
        if not case_sensitive:
            lists = [[_normalise(v, False) for v in lst] for lst in lists]
        keys: Iterable[Any] = lists[0] if width == 1 else zip(*lists, strict=True)
        get = mapping.get
        out = []
        for k in keys:
            try:
                out.append(get(k))
            except TypeError:  # unhashable value: not in the table
                out.append(None)
        return pd.Series(out, index=df.index, dtype=object)

    lookup.__name__ = name
    lookup.__qualname__ = name
    return LabelingFunction(name=name, f=lookup, vectorized=True, pre=_pre(pre))


def model_lf(
    name: str,
    model: Any,
    *,
    column: str | None = "text",
    featurizer: Callable[[Any], Any] | None = None,
    threshold: float = 0.5,
    label_map: Mapping[Any, Label | None] | None = None,
    pre: PreArg = None,
) -> LabelingFunction:
    """LF from any fitted model with ``predict_proba`` (or ``predict``).

    The model sees ``featurizer(df[column])`` (``df[column]`` without a
    featurizer; the whole frame when ``column=None``).  With
    ``predict_proba`` the LF votes the most probable class when its
    probability is at least ``threshold`` and abstains otherwise; with only
    ``predict`` it votes the prediction.  The vote is ``model.classes_[j]``
    (or the column index ``j`` when the model has no ``classes_``), mapped
    through ``label_map`` when given (None = abstain).

    Parameters
    ----------
    name : str
        The LF's name.
    model : object
        A fitted estimator, e.g. a scikit-learn Pipeline.
    column : str or None, default="text"
        Column passed to the featurizer/model; None passes the DataFrame.
    featurizer : callable, default=None
        Turns the column (or frame) into the model's input.
    threshold : float, default=0.5
        Minimum probability of the top class to vote.  Choose it on a labeled
        dev set with :func:`weaklabel.calibration.calibrate_threshold`.
    label_map : dict, default=None
        Model label -> vote (class name, index, or None to abstain).
    pre : list of callables, default=None
        Preprocessors applied to the DataFrame first.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> clf = make_pipeline(CountVectorizer(), LogisticRegression())
    >>> _ = clf.fit(["buy now", "win cash", "nice song", "love it"],
    ...             ["spam", "spam", "ham", "ham"])
    >>> lf = model_lf("clf", clf, threshold=0.5)
    >>> lf(pd.DataFrame({"text": ["buy cash now", "love this song"]})).tolist()
    ['spam', 'ham']
    """
    has_proba = callable(getattr(model, "predict_proba", None))
    if not has_proba and not callable(getattr(model, "predict", None)):
        raise TypeError(
            f"LF {name!r}: model must have predict_proba or predict (a fitted"
            f" estimator); got {type(model).__name__}."
        )
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"LF {name!r}: threshold must be a float; got {threshold!r}.")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(
            f"LF {name!r}: threshold must be in [0, 1]; got {threshold!r}."
        )
    if featurizer is not None and not callable(featurizer):
        raise TypeError(f"LF {name!r}: featurizer must be callable.")
    mapping = None if label_map is None else dict(label_map)

    def features(df: pd.DataFrame) -> Any:
        X: Any = df if column is None else _column(df, column, name)
        if column is not None and (
            X.dtype == object or isinstance(X.dtype, pd.StringDtype)
        ):
            X = X.fillna("")
        return X if featurizer is None else featurizer(X)

    def mapped(labels: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if mapping is None:
            return labels
        return np.array(
            [None if v is None else mapping.get(v) for v in labels], dtype=object
        )

    if has_proba:
        # score-based: the threshold can be calibrated on a dev set
        # (weaklabel.calibration.calibrate_threshold)
        from weaklabel.calibration import scored_lf

        def score(df: pd.DataFrame) -> tuple[Any, npt.NDArray[np.float64]]:
            proba = np.asarray(model.predict_proba(features(df)), dtype=np.float64)
            if proba.ndim != 2 or proba.shape[0] != len(df):
                raise ValueError(
                    f"predict_proba returned shape {proba.shape}; expected"
                    f" ({len(df)}, n_classes)."
                )
            top = proba.argmax(axis=1)
            classes = getattr(model, "classes_", None)
            labels = np.asarray(
                top if classes is None else np.asarray(classes)[top], dtype=object
            )
            return mapped(labels), proba[np.arange(len(top)), top]

        score.__name__ = name
        score.__qualname__ = name
        return scored_lf(name, score, threshold=threshold, pre=_pre(pre))

    def predict(df: pd.DataFrame) -> Any:
        return mapped(np.asarray(model.predict(features(df)), dtype=object))

    predict.__name__ = name
    predict.__qualname__ = name
    return LabelingFunction(name=name, f=predict, vectorized=True, pre=_pre(pre))
