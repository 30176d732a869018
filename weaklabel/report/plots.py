"""The report's plots as inline SVG strings (matplotlib, no pyplot, no global state).

Each function takes plain arrays and returns one ``<svg>`` element as a string
that can be pasted into any HTML page (the LF report, the workbench app): text
stays text, element ids are prefixed so that several plots share a page, and
no font, script or image is fetched from anywhere.  User-given names (LFs,
classes) are escaped by matplotlib's SVG writer.

Needs matplotlib: ``pip install 'weaklabel[report]'``.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "accuracy_scatter_svg",
    "class_balance_svg",
    "confusion_grid_svg",
    "dependency_graph_svg",
    "figure_to_svg",
    "model_vs_majority_svg",
    "pairwise_heatmaps_svg",
]

_RC: Any = {
    "svg.fonttype": "none",  # text as <text>, not paths: small and selectable
    "svg.hashsalt": "weaklabel",  # deterministic clip-path ids
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')
_BLUE, _ORANGE, _GREEN, _GREY = "#3b6fb6", "#e07b39", "#4a9a5b", "#9a9a9a"


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError(
            "The LF report's plots need matplotlib: pip install 'weaklabel[report]'"
        ) from exc
    return Figure(figsize=(width, height), layout="constrained")


def figure_to_svg(
    fig: Any, id_prefix: str, titles: dict[str, str] | None = None
) -> str:
    """Render a matplotlib figure as one inline ``<svg>`` element.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (built without pyplot).
    id_prefix : str
        Prepended to every element id (and reference to it), so that several
        plots can share one HTML page.
    titles : dict of str to str, default=None
        Hover texts: ``{gid: text}`` adds ``<title>text</title>`` to the group
        of the artist whose gid is ``gid`` (escaped here).

    Returns
    -------
    str
        The ``<svg ...>...</svg>`` markup, without the XML prologue.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = _METADATA.sub("", text)  # rdf/dublin-core block: no use inline
    text = _ID.sub(lambda m: f'id="{id_prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{id_prefix}-{m.group(2)}", text)
    for gid, title in (titles or {}).items():
        tag = f'<g id="{id_prefix}-{gid}">'
        text = text.replace(tag, f"{tag}<title>{html.escape(title)}</title>", 1)
    return text.replace("<svg ", f'<svg class="wl-plot" data-plot="{id_prefix}" ', 1)


def _tick_labels(names: Sequence[str], limit: int = 28) -> list[str]:
    return [n if len(n) <= limit else n[: limit - 1] + "…" for n in names]


def pairwise_heatmaps_svg(
    agreement: npt.ArrayLike,
    conflict: npt.ArrayLike,
    names: Sequence[str],
    *,
    id_prefix: str = "pairs",
) -> str:
    """Two LF x LF heatmaps: agreement where both vote, and conflict rate.

    Parameters
    ----------
    agreement, conflict : array-like of shape (n_lfs, n_lfs)
        As returned by :func:`weaklabel.report.pairwise_rates`.
    names : sequence of str
        LF names.
    id_prefix : str, default="pairs"
        See :func:`figure_to_svg`.

    Returns
    -------
    str
        SVG markup.
    """
    A = np.asarray(agreement, dtype=np.float64)
    C = np.asarray(conflict, dtype=np.float64)
    m = len(names)
    side = float(np.clip(1.5 + 0.16 * m, 3.2, 9.0))
    fig = _figure(2 * side + 1.2, side + 0.6)
    axes = fig.subplots(1, 2)
    labels = _tick_labels(names)
    size = float(np.clip(120 / max(m, 1), 4, 9))
    titles = {}
    for ax, M, title, cmap, vmax in (
        (axes[0], A, "agreement where both vote", "RdYlGn", 1.0),
        (axes[1], C, "conflict rate (share of all rows)", "Reds", None),
    ):
        shown = np.ma.masked_invalid(M)
        top = (
            vmax
            if vmax is not None
            else max(float(np.nanmax(M)) if M.size else 0, 1e-9)
        )
        import matplotlib

        colors = matplotlib.colormaps[cmap].with_extremes(bad="#d9d9d9")
        im = ax.imshow(shown, cmap=colors, vmin=0.0, vmax=top, aspect="equal")
        im.set_gid(f"{'agree' if vmax else 'conflict'}-image")
        ax.set_title(title)
        ax.set_xticks(range(m), labels, rotation=90, fontsize=size)
        ax.set_yticks(range(m), labels, fontsize=size)
        fig.colorbar(im, ax=ax, shrink=0.8)
        if m <= 12:
            for i in range(m):
                for j in range(m):
                    if np.isfinite(M[i, j]):
                        ax.text(
                            j,
                            i,
                            f"{M[i, j]:.2f}",
                            ha="center",
                            va="center",
                            fontsize=7,
                        )
        titles[f"{'agree' if vmax else 'conflict'}-image"] = title
    return figure_to_svg(fig, id_prefix, titles)


def accuracy_scatter_svg(
    learned: npt.ArrayLike,
    empirical: npt.ArrayLike,
    names: Sequence[str],
    *,
    id_prefix: str = "accuracy",
) -> str:
    """Learned vs empirical accuracy, one named dot per LF (hover shows numbers).

    LFs with no vote on a gold row (NaN empirical accuracy) are left out.

    Returns
    -------
    str
        SVG markup.
    """
    x = np.asarray(empirical, dtype=np.float64)
    yv = np.asarray(learned, dtype=np.float64)
    fig = _figure(5.6, 4.6)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color=_GREY, linestyle="--", linewidth=1)
    titles = {}
    shown = np.flatnonzero(np.isfinite(x) & np.isfinite(yv))
    gap = np.abs(yv - x)
    # name the dots off the diagonal (the interesting ones), at most 12; the
    # rest are named on hover, so a cluster at (1, 1) does not turn to ink
    ranked = shown[np.argsort(-gap[shown], kind="stable")]
    named = set(
        ranked[:12].tolist()
        if len(shown) <= 8
        else [j for j in ranked[:12].tolist() if gap[j] > 0.02]
    )
    for j in shown.tolist():
        dot = ax.scatter([x[j]], [yv[j]], s=28, color=_BLUE, alpha=0.8, zorder=3)
        dot.set_gid(f"lf{j}")
        titles[f"lf{j}"] = f"{names[j]}: learned {yv[j]:.3f}, empirical {x[j]:.3f}"
        if j in named:
            ax.annotate(
                _tick_labels([names[j]], 20)[0],
                (x[j], yv[j]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=7,
            )
    lo = (
        float(min(np.nanmin(x[shown]), np.nanmin(yv[shown]), 0.5))
        if len(shown)
        else 0.0
    )
    ax.set_xlim(lo - 0.03, 1.02)
    ax.set_ylim(lo - 0.03, 1.02)
    ax.set_xlabel("empirical accuracy on gold rows")
    ax.set_ylabel("learned accuracy (label model)")
    ax.set_title("learned vs empirical accuracy per LF")
    return figure_to_svg(fig, id_prefix, titles)


def class_balance_svg(
    balances: dict[str, npt.ArrayLike],
    classes: Sequence[str],
    *,
    id_prefix: str = "balance",
) -> str:
    """Grouped bars: one group per class, one bar per source (learned, gold, ...).

    Returns
    -------
    str
        SVG markup.
    """
    k = len(classes)
    fig = _figure(float(np.clip(2.5 + 0.7 * k, 4.5, 10)), 3.4)
    ax = fig.subplots()
    width = 0.8 / max(len(balances), 1)
    colors = [_BLUE, _ORANGE, _GREEN, _GREY]
    titles = {}
    for i, (label, values) in enumerate(balances.items()):
        v = np.asarray(values, dtype=np.float64)
        bars = ax.bar(
            np.arange(k) + (i - (len(balances) - 1) / 2) * width,
            v,
            width,
            label=label,
            color=colors[i % len(colors)],
        )
        for c, (patch, share) in enumerate(zip(bars.patches, v, strict=True)):
            patch.set_gid(f"bar{i}-{c}")
            titles[f"bar{i}-{c}"] = f"{label}, {classes[c]}: {share:.3f}"
    ax.set_xticks(range(k), _tick_labels(classes, 16))
    ax.set_ylabel("share of rows")
    ax.set_title("class balance")
    top = max((float(np.max(np.asarray(v))) for v in balances.values()), default=1.0)
    ax.set_ylim(0, top * 1.45 + 1e-9)  # room for the legend above the bars
    ax.legend(fontsize=8, loc="upper right")
    return figure_to_svg(fig, id_prefix, titles)


def confusion_grid_svg(
    confusions: npt.ArrayLike,
    names: Sequence[str],
    classes: Sequence[str],
    *,
    id_prefix: str = "confusion",
) -> str:
    """Small multiples: per LF, gold class (rows) x vote (columns) counts.

    Parameters
    ----------
    confusions : array-like of shape (n_shown, k, k)
        Counts, as from :func:`weaklabel.report.gold_confusions`.
    names : sequence of str
        The names of the LFs shown.
    classes : sequence of str
        Class names.

    Returns
    -------
    str
        SVG markup.
    """
    conf = np.asarray(confusions, dtype=np.float64)
    count, k = conf.shape[0], len(classes)
    cols = min(max(count, 1), 6)
    rows = max(1, -(-count // cols))
    cell = float(np.clip(0.5 + 0.32 * k, 1.6, 3.2))
    fig = _figure(cols * cell + 0.4, rows * (cell + 0.45) + 0.3)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    short = _tick_labels(classes, 8)
    titles = {}
    for i, ax in enumerate(axes):
        if i >= count:
            ax.set_axis_off()
            continue
        M = conf[i]
        im = ax.imshow(M, cmap="Blues", vmin=0, vmax=max(M.max(), 1))
        im.set_gid(f"lf{i}")
        total = M.sum()
        acc = np.trace(M) / total if total else float("nan")
        titles[f"lf{i}"] = (
            f"{names[i]}: {int(total)} votes on gold rows, accuracy {acc:.3f}"
        )
        ax.set_title(
            f"{_tick_labels([names[i]], 22)[0]}\nacc {acc:.2f} (n={int(total)})",
            fontsize=7,
        )
        ax.set_xticks(
            range(k), short if k <= 6 else [], fontsize=6, rotation=90 if k > 3 else 0
        )
        ax.set_yticks(range(k), short if k <= 6 else [], fontsize=6)
        if k <= 4:
            for a in range(k):
                for b in range(k):
                    dark = M[a, b] > 0.55 * max(M.max(), 1)
                    ax.text(
                        b,
                        a,
                        f"{int(M[a, b])}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if dark else "black",
                    )
    fig.supxlabel("vote", fontsize=8)
    fig.supylabel("gold class", fontsize=8)
    return figure_to_svg(fig, id_prefix, titles)


def model_vs_majority_svg(
    model_right: int,
    majority_right: int,
    neither_right: int,
    *,
    id_prefix: str = "versus",
) -> str:
    """Bars: on gold rows where the label model and majority vote disagree, who was right.

    Returns
    -------
    str
        SVG markup.
    """
    fig = _figure(4.8, 2.6)
    ax = fig.subplots()
    values = [model_right, majority_right, neither_right]
    labels = ["label model", "majority vote", "neither"]
    bars = ax.barh(labels, values, color=[_BLUE, _ORANGE, _GREY])
    titles = {}
    for i, patch in enumerate(bars.patches):
        patch.set_gid(f"bar{i}")
        titles[f"bar{i}"] = f"{labels[i]} right: {values[i]}"
    for y, v in enumerate(values):
        ax.text(v, y, f" {v}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("gold rows where they disagree")
    ax.set_title("who was right when they disagree")
    ax.set_xlim(0, max(max(values), 1) * 1.15)
    return figure_to_svg(fig, id_prefix, titles)


def dependency_graph_svg(
    names: Sequence[str],
    edges: Sequence[tuple[int, int]],
    cliques: Sequence[Sequence[int]] = (),
    *,
    id_prefix: str = "cliques",
) -> str:
    """The modelled dependencies: LFs in a dependency on a circle, edges between.

    Only LFs in at least one edge are drawn; each clique gets its own colour.

    Returns
    -------
    str
        SVG markup.
    """
    # members of a clique sit next to each other on the circle
    order = [int(j) for c in cliques for j in c] + sorted(j for e in edges for j in e)
    linked = {j for e in edges for j in e}
    involved = [j for j in dict.fromkeys(order) if j in linked]
    fig = _figure(6.0, 5.0)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_aspect("equal")
    if not involved:
        ax.text(0.5, 0.5, "no dependencies", ha="center", va="center")
        return figure_to_svg(fig, id_prefix)
    angle = np.linspace(0, 2 * np.pi, len(involved), endpoint=False) + np.pi / 2
    pos = {j: (np.cos(a), np.sin(a)) for j, a in zip(involved, angle, strict=True)}
    palette = ["#3b6fb6", "#e07b39", "#4a9a5b", "#b64a7a", "#7a5cb6", "#b6a03b"]
    clique_of = {}
    for c, members in enumerate(cliques):
        for j in members:
            clique_of[int(j)] = c
    for a, b in edges:
        ax.plot(
            [pos[a][0], pos[b][0]],
            [pos[a][1], pos[b][1]],
            color=_GREY,
            linewidth=1.2,
            zorder=1,
        )
    titles = {}
    for j in involved:
        color = palette[clique_of.get(j, 0) % len(palette)]
        dot = ax.scatter(*pos[j], s=60, color=color, zorder=3)
        dot.set_gid(f"lf{j}")
        titles[f"lf{j}"] = str(names[j])
        x, y = pos[j]
        ax.annotate(
            _tick_labels([names[j]], 24)[0],
            (x, y),
            xytext=(6 * x, 6 * y),
            textcoords="offset points",
            fontsize=7,
            ha="left" if x >= 0 else "right",
            va="center",
        )
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.3, 1.3)
    ax.set_title("modelled dependencies (colour = clique)")
    return figure_to_svg(fig, id_prefix, titles)
