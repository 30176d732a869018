"""The LF report: one self-contained HTML page on how the labeling functions behave.

:func:`lf_report` writes the page; :func:`report_sections` returns its parts
(each a :class:`Section` of ready, escaped HTML with inline SVG plots) for
pages that embed them, like the workbench app.  The plots are also available
one by one in :mod:`weaklabel.report.plots`, and the numbers behind them as
plain functions (:func:`pairwise_rates`, :func:`gold_confusions`,
:func:`compare_with_majority`, :func:`rows_to_look_at`).

Needs matplotlib: ``pip install 'weaklabel[report]'``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel._files import atomic_write
from weaklabel._validation import (
    check_class_names,
    check_votes,
    class_names_of,
    default_class_names,
    default_lf_names,
    lf_names_of,
)
from weaklabel.report._html import Section, _Context, page
from weaklabel.report._html import report_sections as _sections
from weaklabel.report._stats import (
    ModelComparison,
    RowsToLook,
    compare_with_majority,
    gold_confusions,
    majority_proba,
    pairwise_rates,
    rows_to_look_at,
)

__all__ = [
    "ModelComparison",
    "RowsToLook",
    "Section",
    "compare_with_majority",
    "gold_confusions",
    "gold_indices",
    "lf_report",
    "majority_proba",
    "pairwise_rates",
    "report_sections",
    "rows_to_look_at",
]


def gold_indices(
    y: Any, n_samples: int, classes: Sequence[str]
) -> npt.NDArray[np.int64]:
    """Gold labels as class indices, ``-1`` = unknown.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class indices (``-1``/NaN/None = unknown) or class names.
    n_samples : int
        Expected length.
    classes : sequence of str
        Class names, to map names to indices.

    Returns
    -------
    ndarray of shape (n_samples,), dtype int64

    Examples
    --------
    >>> gold_indices(["spam", None, 0], 3, ["ham", "spam"]).tolist()
    [1, -1, 0]
    """
    values = list(y.tolist() if hasattr(y, "tolist") else y)
    if len(values) != n_samples:
        raise ValueError(
            f"y has {len(values)} labels but L has {n_samples} rows; give one gold"
            " label per row (-1 where unknown)."
        )
    lookup = {str(c): i for i, c in enumerate(classes)}
    out = np.full(n_samples, -1, dtype=np.int64)
    k = len(classes)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, str) and v in lookup:
            out[i] = lookup[v]
            continue
        try:
            c = int(v)
        except (TypeError, ValueError):
            raise ValueError(
                f"Gold label {v!r} at row {i} is neither a class name {list(classes)}"
                f" nor a class index 0..{k - 1}; use -1 or None for unknown."
            ) from None
        if (c != v and not isinstance(v, str)) or not -1 <= c < k:
            raise ValueError(
                f"Gold label {v!r} at row {i} is not a class index 0..{k - 1} (or -1"
                " for unknown)."
            )
        out[i] = c
    return out


def _text_of(data: pd.DataFrame | None, n: int, column: str | None) -> list[str] | None:
    if data is None:
        return None
    if len(data) != n:
        raise ValueError(
            f"data has {len(data)} rows but L has {n}; pass the data the votes were"
            " computed on, row for row."
        )
    if column is None:
        if "text" in data.columns:
            column = "text"
        else:
            textual = [c for c in data.columns if data[c].dtype == object]
            textual += [
                c for c in data.columns if pd.api.types.is_string_dtype(data[c])
            ]
            if not textual:
                return None
            column = str(textual[0])
    if column not in data.columns:
        raise ValueError(
            f"data has no column {column!r}; its columns are {list(data.columns)}."
            " Pass text_column=<one of them>."
        )
    return ["" if pd.isna(v) else str(v) for v in data[column].tolist()]


def _context(
    L: Any,
    y: Any,
    model: Any,
    data: pd.DataFrame | None,
    text_column: str | None,
    classes: Sequence[str] | None,
    n_rows: int,
) -> _Context:
    import scipy.sparse as sp

    from weaklabel.analysis import lf_summary, matrix_summary
    from weaklabel.label_model import LabelModel

    checked = check_votes(L, name="L", accept_sparse=True)
    if sp.issparse(checked):  # stores vote + 1: densify (the report is per row)
        V = np.asarray(sp.csr_array(checked).toarray(), dtype=np.int64) - 1
    else:
        V = np.asarray(checked, dtype=np.int64)
    n, m = V.shape
    names = (
        lf_names_of(L)
        or list(getattr(model, "lf_names_in_", None) or [])
        or default_lf_names(m)
    )
    found = classes or class_names_of(L) or getattr(model, "classes_", None)
    if found is None:
        k = int(getattr(model, "cardinality_", 0)) or max(int(V.max()) + 1, 2)
        found = default_class_names(k)
    class_list = check_class_names(list(found))
    k = len(class_list)
    if V.max() >= k:
        raise ValueError(
            f"L holds the vote {int(V.max())} but there are only {k} classes"
            f" {class_list}; pass classes=[...] naming every class."
        )
    gold = None if y is None else gold_indices(y, n, class_list)
    source = "given"
    if model is None:
        model = LabelModel(cardinality=k, random_state=0).fit(L)
        source = "fitted here on the votes (no gold): LabelModel(random_state=0)"
    elif getattr(model, "n_lfs_in_", m) != m:
        raise ValueError(
            f"The model was fitted on {model.n_lfs_in_} LFs but L has {m}; pass the"
            " votes the model was fitted on."
        )
    proba = np.asarray(model.predict_proba(L), dtype=np.float64)
    ids = list(L.index) if isinstance(L, pd.DataFrame) else list(range(n))
    summary = lf_summary(V, y=gold, lf_names=names, classes=class_list, model=model)
    return _Context(
        V=V,
        y=gold,
        names=[str(s) for s in names],
        classes=class_list,
        ids=ids,
        text=_text_of(data, n, text_column),
        model=model,
        model_source=source,
        proba=proba,
        lf_summary=summary,
        summary=matrix_summary(V),
        n_rows=n_rows,
    )


def report_sections(
    L: Any,
    y: Any = None,
    *,
    model: Any = None,
    data: pd.DataFrame | None = None,
    text_column: str | None = None,
    classes: Sequence[str] | None = None,
    n_rows: int = 20,
) -> list[Section]:
    """The report's sections, for embedding them in another page.

    Takes the same arguments as :func:`lf_report` (without ``path`` and
    ``title``).

    Returns
    -------
    list of Section
        In page order; each has ``id``, ``title``, ``note``, ``body`` (HTML)
        and ``plots`` (how many SVG plots the body holds).
    """
    return _sections(_context(L, y, model, data, text_column, classes, n_rows))


def lf_report(
    L: Any,
    y: Any = None,
    *,
    model: Any = None,
    data: pd.DataFrame | None = None,
    text_column: str | None = None,
    classes: Sequence[str] | None = None,
    path: str | os.PathLike[str] | None = None,
    title: str = "weaklabel LF report",
    n_rows: int = 20,
) -> str:
    """Write a self-contained HTML report on the labeling functions.

    The page holds: a header (data size, the model and its parameters), the
    per-LF table with a bar per metric, LF x LF agreement and conflict
    heatmaps, learned vs empirical accuracy (with gold), the class balance,
    per-LF confusion against gold, the label model vs majority vote, the
    modelled dependencies, and rows to look at (conflicts, least confident,
    wrong on gold) with the votes that fired and their text.  Plots are inline
    SVG; nothing is loaded from the network.

    Parameters
    ----------
    L : array-like or DataFrame of shape (n_samples, n_lfs)
        Votes, -1 = abstain; a DataFrame from ``LFRegistry.apply`` or
        ``read_votes`` gives LF names, row ids and class names.
    y : array-like of shape (n_samples,), default=None
        Gold labels (indices or class names; -1/None = unknown).
    model : fitted label model, default=None
        The model to describe; None fits ``LabelModel(random_state=0)`` on
        ``L`` without gold.
    data : DataFrame, default=None
        The rows the votes were computed on (same order), to show their text.
    text_column : str, default=None
        Column of ``data`` to show; default "text", else the first text column.
    classes : sequence of str, default=None
        Class names; default from ``L`` or the model, else "0", "1", ...
    path : str or os.PathLike, default=None
        Where to write the page (atomically); None only returns it.
    title : str, default="weaklabel LF report"
        Page title.
    n_rows : int, default=20
        Rows listed per "rows to look at" table.

    Returns
    -------
    str
        The HTML document.

    Examples
    --------
    >>> from weaklabel import make_votes
    >>> data = make_votes(300, 4, random_state=0)
    >>> page = lf_report(data.L, data.y)
    >>> page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 4
    True
    """
    sections = report_sections(
        L,
        y,
        model=model,
        data=data,
        text_column=text_column,
        classes=classes,
        n_rows=n_rows,
    )
    document = page(sections, title)
    if path is not None:
        atomic_write(path, lambda tmp: Path(tmp).write_text(document, encoding="utf-8"))
    return document
