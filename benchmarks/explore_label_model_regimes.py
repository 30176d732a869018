"""Analogues of two held-out regimes of issue 13, every method in one run.

Issue 13 describes held-out sets (not in this repository) where the label
model lost to majority vote.  This research script builds analogues from the
shared data and from a simulator, and scores weaklabel's ``LabelModel``
(default and the variants the issue names) against majority vote and the
peers that are importable:

``topic``
    One-sided keyword sets with r rules per class (r = 1, 2, 3), drawn at
    random (12 draws per r, seed 0) from `wrench_trec`'s 68 one-sided rules:
    fit on the train votes, scored on test (accuracy, the benchmark's tie
    protocol).  Analogue of the topic sets "one keyword LF per class, 5-7
    classes, about 1.2-1.3 votes per covered row".
``crowd``
    Simulated dense crowds: 5 classes, the last one "can't tell" (rarely the
    truth), 20 answers per item, workers of accuracy 0.7-0.97 and unequal
    activity; on "hard" items a worker answers "can't tell" at its own rate.
    Analogue of the crowd set "5 classes, one is can't tell, about 20
    answers per item".  4 seeds per configuration; accuracy on every item.

Writes ``results/label_model_regimes_analogues.md``.  Run with the benchmark
environment for the peers (benchmarks/README.md)::

    PYTHONPATH=. .venv-bench/bin/python benchmarks/explore_label_model_regimes.py
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import numpy.typing as npt

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import peers
from benchmarks.bench_label_models import _git_commit, _uptime
from benchmarks.lm_data import DEFAULT_DATA_DIR, load_all, score
from weaklabel.label_model import LabelModel, MajorityVote

Proba = npt.NDArray[np.float64]
Votes = npt.NDArray[np.int64]
RESULTS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "results",
    "label_model_regimes_analogues.md",
)
SEEDS = 20  # tie-break draws per score
OURS: dict[str, dict[str, Any]] = {
    "LabelModel": {},
    "LM uniform balance": {"class_balance": "uniform"},
    "LM mv_anchor=True": {"mv_anchor": True},
    "LM accuracy": {"parametrization": "accuracy"},
}


def _ours(params: dict[str, Any]) -> Callable[[Votes, Votes, int], Proba]:
    def run(L_fit: Votes, L_pred: Votes, k: int) -> Proba:
        kw = dict(params)
        if kw.get("class_balance") == "uniform":
            kw["class_balance"] = np.full(k, 1.0 / k)
        model = LabelModel(cardinality=k, random_state=0, **kw).fit(L_fit)
        return np.asarray(model.predict_proba(L_pred), dtype=np.float64)

    return run


def _transductive(fn: Callable[..., Proba]) -> Callable[[Votes, Votes, int], Proba]:
    """A peer fitted on fit + scored rows together, read on the scored rows."""

    def run(L_fit: Votes, L_pred: Votes, k: int) -> Proba:
        if L_fit is L_pred:
            return fn(L_fit, k)
        both = np.vstack([L_fit, L_pred])
        return fn(both, k)[L_fit.shape[0] :]

    return run


def methods() -> dict[str, Callable[[Votes, Votes, int], Proba]]:
    out: dict[str, Callable[[Votes, Votes, int], Proba]] = {
        name: _ours(p) for name, p in OURS.items()
    }
    out["MajorityVote"] = lambda L_fit, L_pred, k: np.asarray(
        MajorityVote(cardinality=k).fit(L_fit).predict_proba(L_pred), dtype=np.float64
    )
    out["Snorkel LM"] = lambda L_fit, L_pred, k: peers.snorkel_label_model_proba(
        L_fit, L_pred, k, n_epochs=100, lr=0.01
    )
    for name in ("DawidSkene", "GLAD", "MACE"):
        out[f"ck {name}"] = _transductive(
            lambda L, k, name=name: peers.crowdkit_proba(name, L, k)
        )
    out["HyperLM"] = _transductive(lambda L, k: peers.hyperlm_proba(L, k))
    return out


# -------------------------------------------------------------------- analogues
def topic_draws(
    L_fit: Votes, L_test: Votes, k: int, per_class: int, n_draws: int, seed: int = 0
) -> Iterator[tuple[Votes, Votes]]:
    """``per_class`` one-sided rules per class drawn from the rule columns."""
    classes = [np.unique(L_fit[:, j][L_fit[:, j] >= 0]) for j in range(L_fit.shape[1])]
    by_class = {
        c: [j for j, v in enumerate(classes) if v.size == 1 and v[0] == c]
        for c in range(k)
    }
    rng = np.random.default_rng(seed)
    for _ in range(n_draws):
        cols: list[int] = []
        for c in range(k):
            pool = by_class[c]
            if pool:
                take = min(per_class, len(pool))
                cols += [int(j) for j in rng.choice(pool, take, replace=False)]
        yield L_fit[:, cols], L_test[:, cols]


def simulate_crowd(
    seed: int,
    *,
    n: int = 300,
    workers: int = 110,
    per_item: int = 20,
    hard: float = 0.3,
    cant_tell_rate: float = 0.4,
    true_cant_tell: float = 0.01,
) -> tuple[Votes, npt.NDArray[np.int64]]:
    """Dense 5-class crowd votes (class 4 = "can't tell") and their gold."""
    k, ct = 5, 4
    rng = np.random.default_rng(seed)
    p = np.array([0.3, 0.25, 0.25, 0.19, true_cant_tell])
    y = rng.choice(k, n, p=p / p.sum())
    is_hard = rng.random(n) < hard
    acc = rng.uniform(0.7, 0.97, workers)
    activity = rng.gamma(0.7, 1.0, workers)
    activity /= activity.sum()
    ct_rate = rng.uniform(0.0, 2 * cant_tell_rate, workers)
    L = np.full((n, workers), -1, dtype=np.int64)
    for i in range(n):  # loop over items (simulation only)
        for w in rng.choice(workers, per_item, replace=False, p=activity):
            if is_hard[i] and rng.random() < ct_rate[w]:
                L[i, w] = ct
            elif rng.random() < acc[w]:
                L[i, w] = y[i]
            else:
                L[i, w] = rng.choice([c for c in range(k) if c != y[i]])
    return L[:, (L >= 0).any(axis=0)], y


CROWD_CONFIGS: dict[str, dict[str, Any]] = {
    "300 items, 110 workers, 30% hard": {},
    "300 items, 50% hard, can't-tell rate 0.5": {"hard": 0.5, "cant_tell_rate": 0.5},
    "300 items, 10% truly can't tell": {"true_cant_tell": 0.1},
    "1000 items, 300 workers": {"n": 1000, "workers": 300},
}


def _mean_score(y: Any, proba: Proba) -> float:
    return float(np.mean([score(y, proba, "acc", s) for s in range(SEEDS)]))


def _cell(
    fn: Callable[[Votes, Votes, int], Proba],
    L_fit: Votes,
    L_pred: Votes,
    y: Any,
    k: int,
) -> float | str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _mean_score(y, fn(L_fit, L_pred, k))
    except (ImportError, peers.NotApplicable) as exc:
        return f"n/a ({type(exc).__name__})"


def _row(cells: dict[str, list[float | str]]) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    for name, vals in cells.items():
        nums = [v for v in vals if isinstance(v, float)]
        out[name] = float(np.mean(nums)) if len(nums) == len(vals) else str(vals[0])
    return out


def run(data_dir: str, which: tuple[str, ...]) -> list[tuple[str, str, dict]]:
    table: list[tuple[str, str, dict]] = []
    fns = methods()
    if "topic" in which:
        ds = load_all(data_dir)["wrench_trec"]
        L_fit = np.asarray(ds.L_fit, dtype=np.int64)
        L_test = np.asarray(ds.L_test, dtype=np.int64)
        for r in (1, 2, 3):
            cells: dict[str, list[float | str]] = {m: [] for m in fns}
            covered, votes = [], []
            for Lf, Lt in topic_draws(L_fit, L_test, ds.cardinality, r, 12):
                fired = (Lt >= 0).sum(axis=1)
                covered.append(float((fired > 0).mean()))
                votes.append(float(fired[fired > 0].mean()))
                for m, fn in fns.items():
                    cells[m].append(_cell(fn, Lf, Lt, ds.y_test, ds.cardinality))
            label = (
                f"trec, {r} rule(s) per class (coverage {np.mean(covered):.2f},"
                f" {np.mean(votes):.2f} votes per covered row)"
            )
            table.append(("topic", label, _row(cells)))
            print(table[-1], flush=True)
    if "crowd" in which:
        for label, cfg in CROWD_CONFIGS.items():
            cells = {m: [] for m in fns}
            for seed in range(4):
                L, y = simulate_crowd(seed, **cfg)
                for m, fn in fns.items():
                    cells[m].append(_cell(fn, L, L, y, 5))
            table.append(("crowd", label, _row(cells)))
            print(table[-1], flush=True)
    return table


def render(table: list[tuple[str, str, dict]]) -> str:
    names = list(table[0][2])
    lines = [
        "# Analogues of issue 13's held-out regimes (explore_label_model_regimes.py)",
        "",
        f"Commit `{_git_commit()}`; {_uptime()}; peers: {peers.peer_versions()}.",
        "",
        "Topic: r one-sided rules per class drawn from wrench_trec's rules"
        " (12 draws), fit on train, accuracy on test. Crowd: simulated dense"
        " crowds (5 classes, class 4 = can't tell, 20 answers per item), 4 seeds,"
        " accuracy on every item. Mean over draws / seeds of the mean over"
        f" {SEEDS} tie-break draws. Snorkel: n_epochs=100, lr=0.01 (its"
        " defaults). crowd-kit and HyperLM fitted transductively.",
        "",
        "| regime | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for kind, label, row in table:
        best = max(v for v in row.values() if isinstance(v, float))
        cells = []
        for name in names:
            v = row[name]
            if isinstance(v, float):
                cells.append(f"**{v:.3f}**" if v == best else f"{v:.3f}")
            else:
                cells.append(v)
        lines.append(f"| {kind}: {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--only", choices=["topic", "crowd"], default=None)
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args(argv)
    which = (args.only,) if args.only else ("topic", "crowd")
    text = render(run(args.data_dir, which))
    print(text)
    if args.out:
        from pathlib import Path

        from weaklabel._files import atomic_write

        atomic_write(args.out, lambda tmp: Path(tmp).write_text(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
