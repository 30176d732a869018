"""Benchmark 1 of issue 3: label-model quality on every vote-matrix dataset.

weaklabel's LabelModel / DawidSkene / MajorityVote against Snorkel's
LabelModel and MajorityLabelVoter, crowd-kit's DawidSkene / OneCoinDawidSkene /
GLAD / MACE, FlyingSquid and HyperLM, all in one run.

Table 1 (no gold): every method fits on the fit votes without gold and is
scored on the test rows.  Inductive methods (weaklabel, Snorkel, FlyingSquid)
fit on ``L_fit`` and predict ``L_test``; transductive ones (crowd-kit, HyperLM)
fit on the fit and test rows together (still no gold) and are read on the test
rows.  On the crowd sets the test items are part of the fitted items for every
method.

Table 2 (with gold): on the datasets with a validation split (the WRENCH
sets), the validation rows' gold is given to every method that accepts it:
weaklabel's models get ``fit(vstack(L_fit, L_valid), y=[-1 ... -1, y_valid])``,
Snorkel and FlyingSquid ``Y_dev=y_valid`` (class balance), HyperLM its
semi-supervised mode; the others are n/a.

Table 1b: table 1 scored on the covered test rows only (at least one vote),
so that a lead from predicting the class balance on rows without votes shows
as such.

Table 3 (``--gold-fraction``, default 5%, ``--gold-draws`` 3): weaklabel's
LabelModel and DawidSkene and HyperLM fit on the fit and test rows together,
without gold and with gold for that fraction of the rows (drawn from the test
rows), and are scored on the test rows without gold ("gold never hurts",
issue 13).

Scoring (lm_data.score): argmax, with ties and rows a method cannot predict
given a uniformly random class; each score is the mean over ``--seeds``
seeded draws of that random choice (the expected score under the protocol).
F1 of the positive class for the SMS sets, accuracy otherwise.

``--crowd-regimes`` runs table 1 on issue 13's dense-crowd regimes instead,
simulated from the four shared crowd sets (``crowd_regimes``): every worker
cut into pseudo-workers of 10 answers (``_split10``: many workers with few
answers each) or 5 random answers kept per item (``_sub5``), seeds 0 and 1;
it writes ``results/bench_label_model_crowd_regimes.md``.

Each (method, dataset) runs in a forked child with a time limit
(``--timeout``, default 120 s); a method that runs out is shown as ``>120 s``.

Run (benchmark environment, see benchmarks/README.md)::

    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_label_models.py
    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_label_models.py --only ours
    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_label_models.py \
        --only ours --lm-params '{"max_iter": 200}'
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import inspect
import json
import multiprocessing as mp
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

# One BLAS/OpenMP/torch thread per method unless told otherwise: on a shared
# machine, multi-threaded torch (Snorkel) slows down many-fold under load.
for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ.setdefault(_var, os.environ.get("BENCH_THREADS", "1"))

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import peers  # noqa: E402
from benchmarks.lm_data import (  # noqa: E402
    DEFAULT_DATA_DIR,
    LMDataset,
    dense_votes,
    load_all,
    score,
)

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
CORE_DATASETS = (
    "wrench_youtube",
    "wrench_sms",
    "wrench_trec",
    "tennis",
    "cage_spear_sms",
    "crowd_bluebird",
    "crowd_rte",
    "crowd_dog",
    "crowd_web",
    "crowd_trec",
)
Proba = npt.NDArray[np.float64]
# --crowd-regimes: the shared crowd sets re-cut (issue 13's dense crowd data)
REGIME_SETS = ("crowd_bluebird", "crowd_rte", "crowd_dog", "crowd_web")
PSEUDO_WORKER_ANSWERS = 10
ANSWERS_PER_ITEM = 5


# ------------------------------------------------------------------ crowd regimes
def split_workers(
    V: npt.NDArray[np.int64], size: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Cut every worker (column) into pseudo-workers of ``size`` answers.

    Each worker's answered rows are shuffled and cut in runs of ``size``: many
    workers with few answers each, as on crowd sets with hundreds of workers.
    """
    n, m = V.shape
    cols: list[npt.NDArray[np.int64]] = []
    for j in range(m):  # loop over workers
        rows = np.flatnonzero(V[:, j] >= 0)
        rng.shuffle(rows)
        for start in range(0, rows.size, size):
            col = np.full(n, -1, dtype=np.int64)
            part = rows[start : start + size]
            col[part] = V[part, j]
            cols.append(col)
    return np.stack(cols, axis=1)


def keep_answers(
    V: npt.NDArray[np.int64], per_item: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Keep ``per_item`` random answers of every item (row), drop the others."""
    out = V.copy()
    for i in range(out.shape[0]):  # loop over items
        answered = np.flatnonzero(out[i] >= 0)
        if answered.size > per_item:
            drop = rng.choice(answered, answered.size - per_item, replace=False)
            out[i, drop] = -1
    return out


def crowd_regimes(
    data: dict[str, LMDataset], seeds: tuple[int, ...] = (0, 1)
) -> dict[str, LMDataset]:
    """Issue 13's dense-crowd regimes simulated from the shared crowd sets.

    ``<set>_split10_s<seed>``: every worker cut into pseudo-workers of 10
    answers; ``<set>_sub5_s<seed>``: 5 random answers kept per item.  Gold and
    test items as in the original set; the votes stay +1-encoded sparse.
    """
    out: dict[str, LMDataset] = {}
    for name in REGIME_SETS:
        if name not in data:
            continue
        ds = data[name]
        assert ds.test_rows is not None
        for kind in ("split10", "sub5"):
            for seed in seeds:
                rng = np.random.default_rng(seed)
                V = dense_votes(ds.L_fit)
                V = (
                    split_workers(V, PSEUDO_WORKER_ANSWERS, rng)
                    if kind == "split10"
                    else keep_answers(V, ANSWERS_PER_ITEM, rng)
                )
                L = sp.csr_array(V + 1) if ds.is_sparse else V
                key = f"{name}_{kind}_s{seed}"
                out[key] = replace(
                    ds, name=key, L_fit=L, L_test=L[ds.test_rows], notes={}
                )
    return out


# ------------------------------------------------------------------ data plumbing
def _stack(*blocks: Any) -> Any:
    if any(sp.issparse(b) for b in blocks):
        return sp.vstack(
            [b if sp.issparse(b) else sp.csr_array(np.asarray(b) + 1) for b in blocks],
            format="csr",
        )
    return np.vstack([np.asarray(b) for b in blocks])


@dataclass
class Transductive:
    """All rows a transductive method sees, and where test and gold rows are."""

    L_all: Any
    test_rows: npt.NDArray[np.int64]
    gold_rows: npt.NDArray[np.int64] | None
    gold_labels: npt.NDArray[np.int64] | None


def transductive_rows(ds: LMDataset, gold: bool) -> Transductive:
    if ds.test_rows is not None:  # crowd sets: test items are fitted items
        return Transductive(ds.L_fit, ds.test_rows, None, None)
    blocks = [ds.L_fit]
    gold_rows = gold_labels = None
    if gold:
        start = ds.L_fit.shape[0]
        gold_rows = np.arange(start, start + ds.L_valid.shape[0])
        gold_labels = ds.y_valid
        blocks.append(ds.L_valid)
    n_before = sum(b.shape[0] for b in blocks)
    blocks.append(ds.L_test)
    test_rows = np.arange(n_before, n_before + ds.L_test.shape[0])
    return Transductive(_stack(*blocks), test_rows, gold_rows, gold_labels)


def inductive_fit_rows(
    ds: LMDataset, gold: bool
) -> tuple[Any, npt.NDArray[np.int64] | None]:
    """Votes to fit on and, with gold, the partial y (-1 = unknown)."""
    if not gold:
        return ds.L_fit, None
    L = _stack(ds.L_fit, ds.L_valid)
    y = np.concatenate([np.full(ds.L_fit.shape[0], -1, np.int64), ds.y_valid])
    return L, y


# ------------------------------------------------------------------------- methods
def _ours_module() -> Any:
    try:
        import weaklabel.label_model as mod
    except ImportError as exc:
        raise peers.NotApplicable("not importable") from exc
    return mod


def _make_ours(cls_name: str, params: dict[str, Any] | None = None) -> Callable:
    def run(ds: LMDataset, gold: bool) -> Proba:
        mod = _ours_module()
        cls = getattr(mod, cls_name, None)
        if cls is None:
            import weaklabel

            try:
                cls = getattr(weaklabel, cls_name, None)
            except ImportError:
                cls = None
        if cls is None:
            raise peers.NotApplicable("not importable")
        accepted = inspect.signature(cls).parameters
        kwargs: dict[str, Any] = {}
        if "cardinality" in accepted:
            kwargs["cardinality"] = ds.cardinality
        if "random_state" in accepted:
            kwargs["random_state"] = 0
        kwargs.update(params or {})
        model = cls(**kwargs)
        L, y = inductive_fit_rows(ds, gold)
        if y is None:
            model.fit(L)
        else:
            if "y" not in inspect.signature(model.fit).parameters:
                raise peers.NotApplicable("fit takes no y")
            model.fit(L, y=y)
        return np.asarray(model.predict_proba(ds.L_test), dtype=np.float64)

    return run


def _snorkel_lm(ds: LMDataset, gold: bool) -> Proba:
    y_dev = ds.y_valid if gold else None
    return peers.snorkel_label_model_proba(
        ds.L_fit, ds.L_test, ds.cardinality, y_dev=y_dev
    )


def _snorkel_mv(ds: LMDataset, gold: bool) -> Proba:
    if gold:
        raise peers.NotApplicable("no gold input")
    return peers.snorkel_majority_proba(ds.L_fit, ds.L_test, ds.cardinality)


def _flyingsquid(ds: LMDataset, gold: bool) -> Proba:
    y_dev = ds.y_valid if gold else None
    return peers.flyingsquid_proba(ds.L_fit, ds.L_test, ds.cardinality, y_dev=y_dev)


def _make_crowdkit(method: str) -> Callable:
    def run(ds: LMDataset, gold: bool) -> Proba:
        if gold:
            raise peers.NotApplicable("no gold input")
        t = transductive_rows(ds, gold=False)
        proba = peers.crowdkit_proba(method, t.L_all, ds.cardinality, seed=0)
        return proba[t.test_rows]

    return run


def _hyperlm(ds: LMDataset, gold: bool) -> Proba:
    t = transductive_rows(ds, gold)
    proba = peers.hyperlm_proba(
        t.L_all,
        ds.cardinality,
        gold_rows=t.gold_rows,
        gold_labels=t.gold_labels,
        seed=0,
    )
    return proba[t.test_rows]


def method_table(lm_params: dict[str, Any] | None) -> dict[str, tuple[str, Callable]]:
    """name -> (side, function); side is 'ours' or 'peer'."""
    methods: dict[str, tuple[str, Callable]] = {
        "LabelModel": ("ours", _make_ours("LabelModel")),
    }
    if lm_params:
        methods["LabelModel*"] = ("ours", _make_ours("LabelModel", lm_params))
    methods["DawidSkene"] = ("ours", _make_ours("DawidSkene"))
    methods["MajorityVote"] = ("ours", _make_ours("MajorityVote"))
    methods["Snorkel LM"] = ("peer", _snorkel_lm)
    methods["Snorkel MV"] = ("peer", _snorkel_mv)
    methods["FlyingSquid"] = ("peer", _flyingsquid)
    methods["ck DS"] = ("peer", _make_crowdkit("DawidSkene"))
    methods["ck OneCoinDS"] = ("peer", _make_crowdkit("OneCoinDawidSkene"))
    methods["ck GLAD"] = ("peer", _make_crowdkit("GLAD"))
    methods["ck MACE"] = ("peer", _make_crowdkit("MACE"))
    methods["HyperLM"] = ("peer", _hyperlm)
    return methods


# ----------------------------------------------------------------------- execution
@dataclass
class Cell:
    status: str  # "ok", "na", "timeout", "error"
    score: float = float("nan")
    seconds: float = float("nan")
    note: str = ""
    covered: float = float("nan")  # the score on rows with at least one vote

    def covered_cell(self) -> Cell:
        """This cell with its covered-rows score as the score."""
        return Cell(self.status, self.covered, self.seconds, self.note, self.covered)

    def text(self, timeout: float) -> str:
        if self.status == "ok":
            return f"{self.score:.3f}"
        if self.status == "timeout":
            return f">{timeout:g} s"
        if self.status == "na":
            return f"n/a ({self.note})" if self.note else "n/a"
        return self.note if self.note.startswith("killed") else "error"


def _child(conn: Any, fn: Callable, ds: LMDataset, gold: bool) -> None:
    import warnings

    warnings.simplefilter("ignore")  # peers' deprecation chatter
    try:
        start = time.perf_counter()
        proba = fn(ds, gold)
        conn.send(("ok", proba, time.perf_counter() - start))
    except peers.NotApplicable as exc:
        conn.send(("na", str(exc), 0.0))
    except BaseException as exc:  # report anything, the parent goes on
        tb = traceback.format_exc(limit=3)
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{tb}", 0.0))
    finally:
        conn.close()


def run_cell(
    fn: Callable, ds: LMDataset, gold: bool, timeout: float, seeds: int
) -> Cell:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, ds, gold), daemon=True)
    proc.start()
    child.close()
    if not parent.poll(timeout):
        proc.kill()
        proc.join()
        return Cell("timeout", seconds=timeout)
    try:
        status, payload, seconds = parent.recv()
    except EOFError:
        proc.join()
        if proc.exitcode == -9:  # SIGKILL that we did not send: the OOM killer
            return Cell("error", note="killed (out of memory)")
        return Cell("error", note=f"child died (exit code {proc.exitcode})")
    proc.join()
    if status != "ok":
        return Cell(status, note=str(payload).strip().splitlines()[0][:80])
    proba = np.asarray(payload, dtype=np.float64)
    if proba.shape != (ds.L_test.shape[0], ds.cardinality):
        return Cell("error", note=f"proba shape {proba.shape}")
    covered = covered_rows(ds.L_test)
    return Cell(
        "ok",
        score=mean_score(ds, ds.y_test, proba, seeds),
        seconds=seconds,
        covered=mean_score(ds, ds.y_test[covered], proba[covered], seeds),
    )


def covered_rows(L: Any) -> npt.NDArray[np.bool_]:
    """Rows where at least one LF votes."""
    if sp.issparse(L):
        return np.asarray(np.diff(sp.csr_array(L).indptr) > 0)
    return np.asarray((np.asarray(L) >= 0).any(axis=1))


def mean_score(ds: LMDataset, y: Any, proba: Proba, seeds: int) -> float:
    """The protocol's score, averaged over ``seeds`` random tie-break draws."""
    return float(
        np.mean(
            [
                score(y, proba, ds.metric, seed, positive_class=ds.positive_class)
                for seed in range(seeds)
            ]
        )
    )


# ------------------------------------------------------------ table 3: 5% gold
GoldFn = Callable[[Any, "npt.NDArray[np.int64] | None", int], Proba]


def _gold_ours(cls_name: str) -> GoldFn:
    def run(L: Any, y: npt.NDArray[np.int64] | None, k: int) -> Proba:
        cls = getattr(_ours_module(), cls_name)
        model = cls(cardinality=k, random_state=0)
        model.fit(L) if y is None else model.fit(L, y)
        return np.asarray(model.predict_proba(L), dtype=np.float64)

    return run


def _gold_hyperlm(L: Any, y: npt.NDArray[np.int64] | None, k: int) -> Proba:
    if y is None:
        return peers.hyperlm_proba(L, k, seed=0)
    rows = np.flatnonzero(y >= 0)
    return peers.hyperlm_proba(L, k, gold_rows=rows, gold_labels=y[rows], seed=0)


GOLD_METHODS: dict[str, tuple[str, GoldFn]] = {
    "LabelModel": ("ours", _gold_ours("LabelModel")),
    "DawidSkene": ("ours", _gold_ours("DawidSkene")),
    "HyperLM": ("peer", _gold_hyperlm),
}


def gold_draws(
    n_rows: int, test_rows: npt.NDArray[np.int64], fraction: float, draws: int
) -> list[npt.NDArray[np.int64]]:
    """Positions (into ``test_rows``) of the gold rows of each draw.

    ``fraction`` of all fitted rows, drawn from the test rows (the rows with
    known labels), at most half of them.
    """
    size = min(test_rows.size // 2, max(1, round(fraction * n_rows)))
    return [
        np.sort(np.random.default_rng(d).choice(test_rows.size, size, replace=False))
        for d in range(draws)
    ]


def _forked(fn: Callable, args: tuple, timeout: float) -> tuple[str, Any, float]:
    """Run ``fn(*args)`` in a forked child: (status, result or note, seconds)."""

    def child(conn: Any) -> None:
        import warnings

        warnings.simplefilter("ignore")
        try:
            start = time.perf_counter()
            out = fn(*args)
            conn.send(("ok", out, time.perf_counter() - start))
        except peers.NotApplicable as exc:
            conn.send(("na", str(exc), 0.0))
        except BaseException as exc:  # report anything, the parent goes on
            conn.send(("error", f"{type(exc).__name__}: {exc}", 0.0))
        finally:
            conn.close()

    ctx = mp.get_context("fork")
    parent, conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child, args=(conn,), daemon=True)
    proc.start()
    conn.close()
    if not parent.poll(timeout):
        proc.kill()
        proc.join()
        return "timeout", f">{timeout:g} s", timeout
    try:
        result: tuple[str, Any, float] = parent.recv()
    except EOFError:
        proc.join()
        return "error", f"child died (exit code {proc.exitcode})", 0.0
    proc.join()
    return result


def run_gold_table(
    datasets: list[LMDataset],
    methods: dict[str, tuple[str, GoldFn]],
    fraction: float,
    draws: int,
    timeout: float,
    seeds: int,
) -> dict[tuple[str, str], tuple[Cell, Cell]]:
    """(method, dataset) -> (no gold, with gold) cells on the rows without gold.

    Every method fits on the fit and test rows together (transductive; the
    crowd sets' items once), without gold and then with the gold of each draw,
    and is scored on the test rows outside that draw's gold; both cells are
    means over the draws.
    """
    out: dict[tuple[str, str], tuple[Cell, Cell]] = {}
    for ds in datasets:
        t = transductive_rows(ds, gold=False)
        n = t.L_all.shape[0]
        picks = gold_draws(n, t.test_rows, fraction, draws)
        for name, (_side, fn) in methods.items():
            status, base, secs = _forked(fn, (t.L_all, None, ds.cardinality), timeout)
            if status != "ok":
                cell = Cell(status, note=str(base)[:80])
                out[(name, ds.name)] = (cell, cell)
                continue
            base = np.asarray(base, dtype=np.float64)[t.test_rows]
            no_gold, with_gold, gold_secs, note = [], [], [], ""
            for pick in picks:
                keep = np.setdiff1d(np.arange(t.test_rows.size), pick)
                y = np.full(n, -1, dtype=np.int64)
                y[t.test_rows[pick]] = ds.y_test[pick]
                status, proba, s1 = _forked(fn, (t.L_all, y, ds.cardinality), timeout)
                if status != "ok":
                    note = str(proba)[:80]
                    break
                proba = np.asarray(proba, dtype=np.float64)[t.test_rows]
                no_gold.append(mean_score(ds, ds.y_test[keep], base[keep], seeds))
                with_gold.append(mean_score(ds, ds.y_test[keep], proba[keep], seeds))
                gold_secs.append(s1)
            if note:
                out[(name, ds.name)] = (
                    Cell(
                        "ok",
                        float(np.mean([mean_score(ds, ds.y_test, base, seeds)])),
                        secs,
                    ),
                    Cell("error", note=note),
                )
            else:
                out[(name, ds.name)] = (
                    Cell("ok", float(np.mean(no_gold)), secs),
                    Cell("ok", float(np.mean(with_gold)), float(np.mean(gold_secs))),
                )
            print(
                f"[{fraction:.0%} gold] {ds.name:16s} {name:12s}"
                f" {out[(name, ds.name)][0].text(timeout):>8s} ->"
                f" {out[(name, ds.name)][1].text(timeout):>8s}",
                file=sys.stderr,
                flush=True,
            )
    return out


def render_gold_table(
    datasets: list[LMDataset],
    results: dict[tuple[str, str], tuple[Cell, Cell]],
    methods: list[str],
    timeout: float,
    mean_over: list[str],
    fraction: float,
    draws: int,
) -> str:
    lines = [
        f"### Table 3: {fraction:.0%} gold ({draws} random draws), scored on the"
        " rows without gold",
        "",
        "| dataset | "
        + " | ".join(f"{m} no gold | {m} gold | diff" for m in methods)
        + " |",
        "|---|" + "---|---|---|" * len(methods),
    ]
    for ds in datasets:
        cells = []
        for m in methods:
            a, b = results[(m, ds.name)]
            diff = b.score - a.score
            cells += [
                a.text(timeout),
                b.text(timeout),
                f"{diff:+.3f}" if np.isfinite(diff) else "-",
            ]
        lines.append(f"| {_label(ds)} | " + " | ".join(cells) + " |")
    means = []
    for m in methods:
        for i in (0, 1):
            vals = [results[(m, d)][i].score for d in mean_over]
            means.append(f"**{np.mean(vals):.3f}**" if all(np.isfinite(vals)) else "-")
        a = [results[(m, d)][0].score for d in mean_over]
        b = [results[(m, d)][1].score for d in mean_over]
        ok = all(np.isfinite(a)) and all(np.isfinite(b))
        means.append(f"{np.mean(b) - np.mean(a):+.3f}" if ok else "-")
    lines.append(f"| mean ({len(mean_over)} sets) | " + " | ".join(means) + " |")
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------- output
def _label(ds: LMDataset) -> str:
    return f"{ds.name} ({ds.metric})"


def render_table(
    title: str,
    datasets: list[LMDataset],
    results: dict[tuple[str, str], Cell],
    methods: dict[str, tuple[str, Callable]],
    timeout: float,
    mean_over: list[str],
) -> str:
    names = list(methods)
    peer_names = [m for m in names if methods[m][0] == "peer"]
    lines = [f"### {title}", ""]
    show_best = bool(peer_names)
    extra_col = " best peer |" if show_best else ""
    lines.append("| dataset | " + " | ".join(names) + " |" + extra_col)
    lines.append("|---|" + "---|" * (len(names) + int(show_best)))
    best_peer: dict[str, float] = {}
    for ds in datasets:
        cells = [results[(m, ds.name)].text(timeout) for m in names]
        peer_scores = [
            results[(m, ds.name)].score
            for m in peer_names
            if results[(m, ds.name)].status == "ok"
        ]
        best = max(peer_scores) if peer_scores else float("nan")
        best_peer[ds.name] = best
        best_col = f" {best:.3f} |" if show_best else ""
        lines.append(f"| {_label(ds)} | " + " | ".join(cells) + " |" + best_col)
    # mean over the datasets every method was scored on is the fair mean;
    # a method with a missing cell gets its mean over the cells it has, flagged.
    means = []
    for m in names:
        vals = [results[(m, d)].score for d in mean_over]
        ok = [v for v in vals if np.isfinite(v)]
        if not ok:
            means.append("-")
        elif len(ok) == len(vals):
            means.append(f"**{np.mean(ok):.3f}**")
        else:
            means.append(f"{np.mean(ok):.3f} ({len(ok)}/{len(vals)})")
    bp = [best_peer[d] for d in mean_over if np.isfinite(best_peer.get(d, np.nan))]
    best_mean = (f" {np.mean(bp):.3f} |" if bp else " - |") if show_best else ""
    lines.append(
        f"| mean ({len(mean_over)} sets) | " + " | ".join(means) + " |" + best_mean
    )
    return "\n".join(lines) + "\n"


def render_times(
    datasets: list[LMDataset],
    results: dict[tuple[str, str], Cell],
    methods: dict[str, tuple[str, Callable]],
    timeout: float,
) -> str:
    names = list(methods)
    lines = ["| dataset | " + " | ".join(names) + " |"]
    lines.append("|---|" + "---|" * len(names))
    for ds in datasets:
        row = []
        for m in names:
            cell = results[(m, ds.name)]
            if cell.status == "ok":
                row.append(f"{cell.seconds:.2f}")
            elif cell.status == "timeout":
                row.append(f">{timeout:g}")
            else:
                row.append("-")
        lines.append(f"| {ds.name} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _git_commit() -> str:
    """The measured commit (``BENCH_COMMIT`` overrides, e.g. for a snapshot)."""
    import subprocess

    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "weaklabel", "benchmarks"],
        capture_output=True,
        text=True,
        check=False,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    tag = " (with uncommitted changes)" if dirty.stdout.strip() else ""
    return (out.stdout.strip() or "unknown") + tag


def _uptime() -> str:
    """``uptime``'s load averages (1, 5, 15 min)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--only",
        choices=["all", "ours", "peers"],
        default="all",
        help="run only weaklabel's models or only the peers (no file written)",
    )
    parser.add_argument("--methods", help="comma-separated method names to run")
    parser.add_argument("--datasets", help="comma-separated dataset names to run")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument(
        "--lm-params",
        help="JSON dict of extra LabelModel parameters: adds a 'LabelModel*' column",
    )
    parser.add_argument(
        "--no-gold-table", action="store_true", help="skip table 2 (with gold)"
    )
    parser.add_argument(
        "--gold-fraction",
        type=float,
        default=0.05,
        help="table 3: gold for this fraction of the fitted rows (drawn from the"
        " test rows), scored on the test rows without gold; 0 skips table 3",
    )
    parser.add_argument(
        "--gold-draws", type=int, default=3, help="table 3: random gold draws"
    )
    parser.add_argument(
        "--reuse-peers",
        metavar="JSON",
        help="take the peers' cells from the .json of an earlier run "
        "(e.g. benchmarks/results/bench_label_models.json) instead of re-running "
        "them; the output says so",
    )
    parser.add_argument(
        "--crowd-regimes",
        action="store_true",
        help="instead of the shared sets, run issue 13's dense-crowd regimes"
        " simulated from the crowd sets (workers cut into pseudo-workers of 10"
        " answers; 5 answers kept per item; seeds 0 and 1), no gold tables;"
        " writes benchmarks/results/bench_label_model_crowd_regimes.md",
    )
    parser.add_argument(
        "--out",
        help="markdown file to write (default: benchmarks/results/"
        "bench_label_models.md for a full run, none otherwise)",
    )
    args = parser.parse_args(argv)
    if args.crowd_regimes:
        args.no_gold_table = True
        args.gold_fraction = 0.0

    lm_params = json.loads(args.lm_params) if args.lm_params else None
    methods = method_table(lm_params)
    if args.only != "all":
        side = "ours" if args.only == "ours" else "peer"
        methods = {k: v for k, v in methods.items() if v[0] == side}
    if args.methods:
        wanted = [m.strip() for m in args.methods.split(",")]
        unknown = [m for m in wanted if m not in methods]
        if unknown:
            parser.error(f"unknown methods {unknown}; choose from {list(methods)}")
        methods = {m: methods[m] for m in wanted}

    all_data = load_all(args.data_dir)
    if args.crowd_regimes:
        all_data = crowd_regimes(all_data)
    names = list(all_data)
    if args.datasets:
        names = [d.strip() for d in args.datasets.split(",")]
        unknown = [d for d in names if d not in all_data]
        if unknown:
            parser.error(f"unknown datasets {unknown}; choose from {list(all_data)}")
    datasets = [all_data[d] for d in names]
    gold_sets = [ds for ds in datasets if ds.L_valid is not None]

    # Import once in the parent so that every forked child shares the same
    # code (weaklabel's included: one version of it for the whole run).
    for mod in (
        "weaklabel.label_model",
        "snorkel.labeling.model",
        "crowdkit.aggregation",
        "torch",
    ):
        with contextlib.suppress(ImportError):
            __import__(mod)

    cached: dict[str, dict[tuple[str, str], Cell]] = {"table1": {}, "table2": {}}
    if args.reuse_peers:
        with open(args.reuse_peers, encoding="utf-8") as fh:
            raw = json.load(fh)
        for table in cached:
            for key, cell in raw.get(table, {}).items():
                m, d = key.split("|", 1)
                if m in methods and methods[m][0] == "peer":
                    cached[table][(m, d)] = Cell(**cell)

    def run_table(
        table: str, sets: list[LMDataset], gold: bool
    ) -> dict[tuple[str, str], Cell]:
        res: dict[tuple[str, str], Cell] = {}
        tag = "[gold]   " if gold else "[no gold]"
        for ds in sets:
            for m, (_side, fn) in methods.items():
                cell = cached[table].get((m, ds.name))
                reused = cell is not None
                if cell is None:
                    cell = run_cell(fn, ds, gold, args.timeout, args.seeds)
                res[(m, ds.name)] = cell
                note = cell.note if cell.status == "error" else ""
                print(
                    f"{tag} {ds.name:16s} {m:14s} {cell.text(args.timeout):>12s}"
                    f"  {cell.seconds:7.2f} s {'(reused) ' if reused else ''}{note}",
                    file=sys.stderr,
                    flush=True,
                )
        return res

    uptime_start = _uptime()
    results = run_table("table1", datasets, gold=False)
    results_gold: dict[tuple[str, str], Cell] = {}
    if not args.no_gold_table:
        results_gold = run_table("table2", gold_sets, gold=True)
    gold_methods = {
        m: v
        for m, v in GOLD_METHODS.items()
        if m in methods and (args.only == "all" or v[0] == methods[m][0])
    }
    results_frac: dict[tuple[str, str], tuple[Cell, Cell]] = {}
    if args.gold_fraction > 0 and gold_methods:
        results_frac = run_gold_table(
            datasets,
            gold_methods,
            args.gold_fraction,
            args.gold_draws,
            args.timeout,
            args.seeds,
        )

    core = (
        list(names) if args.crowd_regimes else [d for d in CORE_DATASETS if d in names]
    )
    out: list[str] = []
    out.append(
        "# Label-model quality in simulated dense-crowd regimes"
        " (bench_label_models.py --crowd-regimes)\n"
        if args.crowd_regimes
        else "# Label-model quality (bench_label_models.py)\n"
    )
    out.append(
        f"Commit {_git_commit()}; `uptime` at the start: {uptime_start}; at the"
        f" end: {_uptime()} (scores do not depend on the load; seconds do).\n"
    )
    from provenance import provenance_line  # benchmarks/provenance.py

    out.append(provenance_line() + "\n")
    out.append(
        f"Run {_dt.datetime.now().isoformat(timespec='seconds')} on "
        f"{platform.node() or 'this machine'} ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs), Python {platform.python_version()}; peers: "
        + ", ".join(f"{k} {v}" for k, v in peers.peer_versions().items())
        + ".\n"
    )
    out.append(
        "Protocol: fit without gold on the fit split (train; all items for the "
        "crowd sets), score on the test split (tennis: dev; crowd: the items "
        "with gold). Argmax ties and rows a method cannot predict get a uniformly "
        f"random class; each score is the mean over {args.seeds} seeded draws. "
        "F1 of the positive class for the SMS and spouse sets, accuracy otherwise. "
        "crowd-kit and HyperLM are transductive (fitted on fit + test rows, "
        "without gold). `n/a (not importable)`: weaklabel's model is not there "
        f"yet. `>{args.timeout:g} s`: stopped at the time limit. weaklabel's "
        "models use their default settings, one configuration for every set.\n"
    )
    if args.crowd_regimes:
        out.append(
            "Data sets: the shared crowd sets re-cut as issue 13's dense crowd"
            " regimes. `_split10`: every worker's answers shuffled and cut into"
            f" pseudo-workers of {PSEUDO_WORKER_ANSWERS} answers (hundreds to"
            f" thousands of workers with few answers each); `_sub5`:"
            f" {ANSWERS_PER_ITEM} random answers kept per item; `_s0` / `_s1`:"
            " the seed of that draw. Every method fits on all items and is"
            " scored on the items with gold.\n"
        )
    if lm_params:
        out.append(f"`LabelModel*` = LabelModel({lm_params}).\n")
    if args.reuse_peers:
        out.append(
            f"Peer cells reused from {os.path.relpath(args.reuse_peers)} (not re-run).\n"
        )
    out.append(
        render_table(
            "Table 1: no gold",
            datasets,
            results,
            methods,
            args.timeout,
            core,
        )
    )
    covered_results = {key: cell.covered_cell() for key, cell in results.items()}
    out.append(
        render_table(
            "Table 1b: no gold, scored on the covered test rows only (at least one"
            " vote)",
            datasets,
            covered_results,
            methods,
            args.timeout,
            core,
        )
    )
    out.append(
        "Table 1b shows which part of a score comes from the rows where no LF"
        " votes: there a method predicts its class balance (or, for the peers"
        " that cannot predict such rows, a random class).\n"
    )
    extra = [] if args.crowd_regimes else [d for d in names if d not in CORE_DATASETS]
    if extra:
        out.append(
            f"Rows not in the mean: {', '.join(extra)} (wrench_sms_rules = "
            "wrench_sms with the vote matrices recomputed from the 73 ImplyLoss "
            "regex rules, because the released valid/test matrices look "
            "misaligned; lfs_* = raw-text sets voted on by the LF libraries of "
            "labeling_functions/, written in this project: lfs_youtube fits on "
            "UCI YouTube videos 1-4 and scores video 5, lfs_sms fits on the first "
            "80% of the UCI SMS file and scores the rest (F1 of spam), lfs_spouse "
            "fits on Snorkel's spouse dev candidates and scores test (F1 of the "
            "positive class)).\n"
        )
    if "wrench_sms_rules" in all_data and all_data["wrench_sms_rules"].notes:
        notes = all_data["wrench_sms_rules"].notes
        out.append(
            "wrench_sms_rules reproduction of the released WRENCH cells: "
            + ", ".join(f"{k} {v:.4f}" for k, v in notes.items())
            + ".\n"
        )
    if results_gold:
        out.append(
            render_table(
                "Table 2: with the validation split's gold (WRENCH sets)",
                gold_sets,
                results_gold,
                methods,
                args.timeout,
                [d.name for d in gold_sets if d.name in CORE_DATASETS],
            )
        )
        out.append(
            "Gold given as: weaklabel fit(vstack(L_train, L_valid), y = -1 on "
            "train rows, gold on valid rows); Snorkel and FlyingSquid Y_dev "
            "(class balance); HyperLM semi-supervised infer(y_indices, y_vals); "
            "the others take no gold (n/a).\n"
        )
    if results_frac:
        out.append(
            render_gold_table(
                datasets,
                results_frac,
                list(gold_methods),
                args.timeout,
                core,
                args.gold_fraction,
                args.gold_draws,
            )
        )
        out.append(
            "Table 3 protocol: every method fits on the fit and test rows together"
            " (the crowd sets' items once), without gold and with gold labels for"
            f" {args.gold_fraction:.0%} of those rows drawn from the test rows (at"
            f" most half of them; {args.gold_draws} draws, seeds 0..), and is scored"
            " on the test rows that got no gold; both columns are means over the"
            " draws. weaklabel: fit(L, y) with its defaults (LabelModel's"
            " gold_weight='auto'); HyperLM: its semi-supervised mode.\n"
        )
    out.append("### Seconds per fit + predict (table 1)\n")
    out.append(render_times(datasets, results, methods, args.timeout))
    text = "\n".join(out)
    print(text)

    out_path = args.out
    if (
        out_path is None
        and args.only == "all"
        and not args.methods
        and not args.datasets
    ):
        out_path = os.path.join(
            RESULTS_DIR,
            "bench_label_model_crowd_regimes.md"
            if args.crowd_regimes
            else "bench_label_models.md",
        )
    if out_path:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, "w", encoding="utf-8") as fh:
            fh.write(text)
        raw = {
            "table1": {f"{m}|{d}": vars(c) for (m, d), c in results.items()},
            "table2": {f"{m}|{d}": vars(c) for (m, d), c in results_gold.items()},
            "table3": {
                f"{m}|{d}": [vars(a), vars(b)]
                for (m, d), (a, b) in results_frac.items()
            },
        }
        with open(os.path.splitext(out_path)[0] + ".json", "w", encoding="utf-8") as fh:
            json.dump(raw, fh, indent=1, default=float)
        print(f"wrote {out_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
