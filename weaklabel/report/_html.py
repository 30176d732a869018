"""Assemble the LF report: sections of escaped HTML around the SVG plots."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.report import _stats, plots

__all__ = ["Section", "page", "report_sections"]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Section:
    """One part of the report: an anchor id, a title, a note and its HTML body.

    ``body`` is ready-made HTML (every user-given string in it escaped);
    ``plots`` counts the SVG plots it holds.
    """

    id: str
    title: str
    note: str
    body: str
    plots: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_html(self) -> str:
        """The section as a ``<section>`` element."""
        return (
            f'<section id="{_e(self.id)}"><h2>{_e(self.title)}</h2>'
            f'<p class="note">{_e(self.note)}</p>{self.body}</section>'
        )


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.{digits}f}"
    return _e(v)


def _bar_cell(v: float, color: str = "#3b6fb6") -> str:
    """A table cell with the value and a small horizontal bar (0..1)."""
    if not np.isfinite(v):
        return '<td class="num">–</td>'
    width = max(0.0, min(1.0, float(v))) * 100
    return (
        f'<td class="num"><span class="bar"><span style="width:{width:.1f}%;'
        f'background:{color}"></span></span>{float(v):.3f}</td>'
    )


# ----------------------------------------------------------------- sections
def _header(ctx: _Context) -> Section:
    facts = [
        ("rows", f"{ctx.n:,}"),
        ("labeling functions", f"{ctx.m}"),
        ("classes", ", ".join(ctx.classes)),
        ("rows with at least one vote", f"{ctx.summary['coverage']:.3f}"),
        ("rows with conflicting votes", f"{ctx.summary['conflict']:.3f}"),
        ("mean votes per row", f"{ctx.summary['mean_votes_per_row']:.2f}"),
        ("rows with gold", f"{ctx.n_gold:,}" if ctx.y is not None else "none given"),
    ]
    model = ctx.model
    params = ""
    if hasattr(model, "get_params"):
        params = ", ".join(
            f"{k}={v!r}" for k, v in sorted(model.get_params(deep=False).items())
        )
    facts.append(("label model", f"{type(model).__name__}({params})"))
    for attr in ("n_iter_", "converged_", "log_likelihood_"):
        if hasattr(model, attr):
            value = getattr(model, attr)
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            facts.append((attr, shown))
    facts.append(("model source", ctx.model_source))
    rows = "".join(f"<tr><th>{_e(a)}</th><td>{_e(b)}</td></tr>" for a, b in facts)
    return Section(
        "overview",
        "Overview",
        "The data, the labeling functions and the label model this report"
        " describes. Coverage: share of rows where at least one LF votes;"
        " conflict: share of rows where two LFs vote different classes.",
        f'<table class="facts">{rows}</table>',
    )


def _lf_table(ctx: _Context) -> Section:
    s = ctx.lf_summary
    has_gold = "Emp. Acc." in s.columns
    has_learned = "Learned Acc." in s.columns
    head = ["LF", "polarity", "coverage", "overlaps", "conflicts"]
    if has_gold:
        head += ["votes on gold", "empirical acc."]
    if has_learned:
        head += ["learned acc."]
    rows = []
    for name, r in s.iterrows():
        cells = [
            f"<td>{_e(name)}</td>",
            f"<td>{_e(', '.join(str(p) for p in r['Polarity']))}</td>",
            _bar_cell(r["Coverage"]),
            _bar_cell(r["Overlaps"], "#7a5cb6"),
            _bar_cell(r["Conflicts"], "#c0392b"),
        ]
        if has_gold:
            cells.append(f'<td class="num">{int(r["Correct"] + r["Incorrect"])}</td>')
            cells.append(_bar_cell(r["Emp. Acc."], "#4a9a5b"))
        if has_learned:
            cells.append(_bar_cell(r["Learned Acc."], "#e07b39"))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    thead = "".join(f"<th>{_e(h)}</th>" for h in head)
    return Section(
        "lfs",
        "Labeling functions",
        "Per LF, as shares of all rows: coverage (it votes), overlaps (it votes"
        " and another LF votes too), conflicts (another LF votes a different"
        " class). Polarity: the classes it votes. Empirical accuracy: share of"
        " its votes on gold rows that match the gold label. Learned accuracy:"
        " the label model's estimate of P(vote is right | it votes), fitted"
        " without looking at gold.",
        f'<table class="lfs"><thead><tr>{thead}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>",
    )


def _pairs(ctx: _Context) -> Section:
    agreement, conflict = _stats.pairwise_rates(ctx.V)
    return Section(
        "pairs",
        "LF x LF agreement and conflict",
        "Left: among the rows where both LFs vote, the share where they vote the"
        " same class (grey: they never vote together). Right: the share of all"
        " rows where both vote and disagree. Pairs that always agree may be"
        " copies (the label model should treat them as dependent); pairs that"
        " conflict often show where one of the two is wrong.",
        plots.pairwise_heatmaps_svg(agreement, conflict, ctx.names),
        plots=1,
    )


def _accuracy_and_balance(ctx: _Context) -> Section:
    parts, count = [], 0
    s = ctx.lf_summary
    if "Emp. Acc." in s.columns and "Learned Acc." in s.columns:
        parts.append(
            plots.accuracy_scatter_svg(
                s["Learned Acc."].to_numpy(), s["Emp. Acc."].to_numpy(), ctx.names
            )
        )
        count += 1
    else:
        parts.append(
            '<p class="missing">Learned vs empirical accuracy needs gold labels'
            " (--gold) and a model with learned accuracies.</p>"
        )
    balances: dict[str, Any] = {}
    if hasattr(ctx.model, "class_prior_"):
        balances["label model (learned)"] = np.asarray(ctx.model.class_prior_)
    balances["label model (predicted)"] = np.bincount(
        ctx.proba.argmax(axis=1), minlength=ctx.k
    ) / max(ctx.n, 1)
    if ctx.y is not None and ctx.n_gold:
        gold = ctx.y[ctx.y >= 0]
        balances["gold rows"] = np.bincount(gold, minlength=ctx.k) / len(gold)
    parts.append(plots.class_balance_svg(balances, ctx.classes))
    count += 1
    return Section(
        "accuracy",
        "Learned vs empirical accuracy, class balance",
        "Scatter: one dot per LF (hover for its name and numbers); on the dashed"
        " line the label model's learned accuracy matches the accuracy measured"
        " on gold rows. Dots far below the line are LFs the model trusts less"
        " than it should, far above: more. Bars: the class balance the model"
        " learned, the classes it predicts, and the gold rows' classes (a small"
        " or hand-picked gold set need not be representative).",
        '<div class="row">' + "".join(parts) + "</div>",
        plots=count,
    )


def _confusions(ctx: _Context) -> Section | None:
    if ctx.y is None or not ctx.n_gold:
        return None
    conf = _stats.gold_confusions(ctx.V, ctx.y, ctx.k)
    totals = conf.sum(axis=(1, 2))
    order = [j for j in np.argsort(-totals, kind="stable") if totals[j] > 0]
    limit = 24
    shown = order[:limit]
    body = (
        plots.confusion_grid_svg(
            conf[shown], [ctx.names[j] for j in shown], ctx.classes
        )
        if shown
        else '<p class="missing">No LF votes on a gold row.</p>'
    )
    more = len(order) - len(shown)
    if more > 0:
        body += f'<p class="note">{more} more LFs with fewer votes on gold rows are not drawn.</p>'
    return Section(
        "confusion",
        "Per-LF confusion against gold",
        "For each LF (most votes on gold rows first), how its votes on gold rows"
        " split: rows are the gold class, columns the class it voted. Off-diagonal"
        " cells are its mistakes; an LF with a heavy off-diagonal column fires on"
        " the wrong class.",
        body,
        plots=1 if shown else 0,
    )


def _versus(ctx: _Context) -> Section:
    c = ctx.comparison
    facts = (
        f"<p>The label model and majority vote (ties count as no prediction)"
        f" disagree on {c.n_disagree:,} of {ctx.n:,} rows.</p>"
    )
    if ctx.y is None or not ctx.n_gold:
        return Section(
            "versus",
            "Label model vs majority vote",
            "Where the label model's weighting of the LFs changes the answer of a"
            " plain majority vote. Give gold labels to see who is right.",
            facts,
        )
    facts += (
        f"<p>On the {c.n_gold_disagree:,} gold rows where they disagree: label model"
        f" right {c.model_right}, majority vote right {c.majority_right}, neither"
        f" {c.neither_right}. Accuracy on all gold rows: label model"
        f" {c.model_accuracy:.3f}, majority vote {c.majority_accuracy:.3f}.</p>"
    )
    return Section(
        "versus",
        "Label model vs majority vote",
        "Where the label model's weighting of the LFs changes the answer of a"
        " plain majority vote, and on gold rows which of the two was right. If"
        " majority vote wins more often, the model's learned accuracies are off:"
        " look at the scatter above.",
        facts
        + plots.model_vs_majority_svg(c.model_right, c.majority_right, c.neither_right),
        plots=1,
    )


def _dependencies(ctx: _Context) -> Section:
    deps = list(getattr(ctx.model, "dependencies_", []) or [])
    position = {n: j for j, n in enumerate(ctx.names)}
    edges: list[tuple[int, int]] = []
    for a, b in deps:
        ia = position.get(str(a), a if isinstance(a, (int, np.integer)) else None)
        ib = position.get(str(b), b if isinstance(b, (int, np.integer)) else None)
        if ia is not None and ib is not None and ia != ib:
            edges.append((int(ia), int(ib)))
    cliques = [tuple(int(j) for j in c) for c in getattr(ctx.model, "cliques_", [])]
    note = (
        "LFs that the label model treats as dependent given the class (given by"
        " the user, exact copies, or learned with learn_structure=True): their"
        " joint votes are modelled together, so agreeing copies are not counted"
        " twice."
    )
    if not edges:
        return Section(
            "dependencies",
            "Dependencies (cliques)",
            note,
            '<p class="missing">The model has no dependencies between LFs'
            " (fit LabelModel(learn_structure=True) to look for them).</p>",
        )
    items = "".join(
        "<li>" + _e(", ".join(ctx.names[j] for j in c)) + "</li>" for c in cliques
    )
    return Section(
        "dependencies",
        "Dependencies (cliques)",
        note,
        plots.dependency_graph_svg(ctx.names, edges, cliques)
        + f"<p>Cliques:</p><ul>{items}</ul>",
        plots=1,
    )


def _row_table(ctx: _Context, rows: npt.NDArray[np.int64], empty: str) -> str:
    if len(rows) == 0:
        return f'<p class="missing">{_e(empty)}</p>'
    head = ["row", "id"]
    if ctx.text is not None:
        head.append("text")
    head += ["votes that fired", "label model"]
    if ctx.y is not None:
        head.append("gold")
    out = []
    for r in rows:
        fired = [
            f"{ctx.names[j]} → {ctx.classes[int(ctx.V[r, j])]}"
            for j in np.flatnonzero(ctx.V[r] >= 0)
        ]
        pred = int(ctx.proba[r].argmax())
        cells = [f'<td class="num">{int(r)}</td>', f"<td>{_e(ctx.ids[r])}</td>"]
        if ctx.text is not None:
            cells.append(f'<td class="text">{_e(ctx.text[r])}</td>')
        cells.append(
            "<td>" + "<br>".join(_e(f) for f in fired) + "</td>"
            if fired
            else "<td>none</td>"
        )
        cells.append(f"<td>{_e(ctx.classes[pred])} ({ctx.proba[r, pred]:.2f})</td>")
        if ctx.y is not None:
            g = int(ctx.y[r])
            cells.append(f"<td>{_e(ctx.classes[g]) if g >= 0 else ''}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    thead = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f'<table class="rows"><thead><tr>{thead}</tr></thead><tbody>{"".join(out)}</tbody></table>'


def _rows(ctx: _Context) -> Section:
    pick = _stats.rows_to_look_at(ctx.V, ctx.proba, ctx.y, n=ctx.n_rows)
    body = "<h3>Conflicts (most even split first)</h3>" + _row_table(
        ctx, pick.conflicts, "No row has conflicting votes."
    )
    body += "<h3>Least confident label-model rows</h3>" + _row_table(
        ctx, pick.least_confident, "No row has a vote."
    )
    if ctx.y is not None:
        body += "<h3>Wrong on gold (most confident first)</h3>" + _row_table(
            ctx, pick.wrong_on_gold, "The label model gets every gold row right."
        )
    return Section(
        "rows",
        "Rows to look at",
        "Rows worth reading before writing or fixing an LF: where LFs disagree,"
        " where the label model is least sure, and gold rows it gets wrong, each"
        " with the votes that fired (row = 0-based position in the votes, id ="
        " the votes' index).",
        body,
    )


# ------------------------------------------------------------------ context
@dataclass
class _Context:
    V: npt.NDArray[np.int64]
    y: npt.NDArray[np.int64] | None
    names: list[str]
    classes: list[str]
    ids: list[Any]
    text: list[str] | None
    model: Any
    model_source: str
    proba: npt.NDArray[np.float64]
    lf_summary: pd.DataFrame
    summary: dict[str, float]
    n_rows: int
    comparison: _stats.ModelComparison = field(init=False)

    def __post_init__(self) -> None:
        self.comparison = _stats.compare_with_majority(self.V, self.proba, self.y)

    @property
    def n(self) -> int:
        return int(self.V.shape[0])

    @property
    def m(self) -> int:
        return int(self.V.shape[1])

    @property
    def k(self) -> int:
        return len(self.classes)

    @property
    def n_gold(self) -> int:
        return 0 if self.y is None else int((self.y >= 0).sum())


def report_sections(ctx: _Context) -> list[Section]:
    """Every section of the report, in page order."""
    sections = [
        _header(ctx),
        _lf_table(ctx),
        _pairs(ctx),
        _accuracy_and_balance(ctx),
        _confusions(ctx),
        _versus(ctx),
        _dependencies(ctx),
        _rows(ctx),
    ]
    return [s for s in sections if s is not None]


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;
max-width:1200px;padding:1rem 2rem;color:#222;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;
padding-bottom:.2rem;margin-top:2rem}h3{font-size:1rem;margin-top:1.2rem}
nav a{margin-right:1rem;font-size:.9rem}
.note{color:#555;font-size:.9rem;max-width:900px}
.missing{color:#888;font-style:italic}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left;
vertical-align:top}
thead th{background:#f5f5f5}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.text{max-width:420px;overflow-wrap:anywhere}
.bar{display:inline-block;width:60px;height:8px;background:#eee;
margin-right:6px;vertical-align:middle}
.bar span{display:block;height:100%}
table.facts th{background:none;font-weight:600;width:220px}
.row{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
svg.wl-plot{max-width:100%;height:auto}
"""


def page(sections: Sequence[Section], title: str) -> str:
    """A complete, self-contained HTML document with the sections."""
    nav = "".join(f'<a href="#{_e(s.id)}">{_e(s.title)}</a>' for s in sections)
    body = "\n".join(s.to_html() for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>{_e(title)}</h1><nav>{nav}</nav>\n{body}\n"
        '<p class="note">Written by weaklabel; self-contained (no network).</p>'
        "</body></html>\n"
    )
