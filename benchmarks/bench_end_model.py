"""Benchmark: does the default end model beat its label model, and how fast is it?

Six text data sets, each with a train, a validation and a test split:

- **YouTube**, **SMS**, **spouse** with this repository's LF libraries
  (``labeling_functions/``): YouTube = the bundled UCI comments, train on
  videos 01-04, test on video 05; SMS = the raw UCI collection, a fixed 80/20
  train/test split; spouse = the Snorkel tutorial candidates, train on ``dev``,
  test on ``test`` (text = the words left of each mention and between them).
  A fixed 10% of each train split is set aside as the validation split (its
  gold labels are used only by method (e)).
- **WRENCH youtube, sms, trec** (``--data-dir``/wrench_*): the official
  train/valid/test json files, their LF votes and their text.

For each of ``--seeds`` seeds it scores on the test split:

(a) the label model itself (``LabelModel`` at its defaults on the train votes,
    predicting the test votes);
(b) the default end model: ``make_text_features`` TF-IDF (the features of
    ``weaklabel train``) + ``NoiseAwareClassifier()`` at its defaults on the
    label model's soft labels of the train rows (rows with no vote left out,
    early stopping on the noise-aware loss of held-out train rows: no gold);
(b+st) the same with ``self_training_rounds=3``;
(b-cw) the same with ``class_weight=None`` instead of the default
    ``"balanced"`` (which is computed from the weak labels);
(b+mlp) the same with ``module=MLPNet, lr=1e-3`` (one hidden layer of 128;
    only the first ``--mlp-seeds`` seeds: it is ~20x slower);
(c) the default end model on hard majority-vote labels;
(d) the default end model on the gold train labels (the ceiling);
(e) the default end model trained on the validation split's gold labels
    only (Zhu et al. 2023, "Weaker Than You Think");
(f) scikit-learn ``LogisticRegression()`` on the label model's hard labels
    of the covered train rows (a peer on the same features; no seed).

Then it times one epoch of the default end model on the SMS train split
against a plain PyTorch loop over densified batches (what one writes by hand)
and against scikit-learn's ``LogisticRegression`` fit on the same features,
and times ``weaklabel train`` on SMS end to end (a fresh Python process).

The markdown table is printed and written to
``benchmarks/results/bench_end_model.md`` (``bench_end_model_cuda.md`` with
``--device cuda``)::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_end_model.py --threads 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import itertools
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
import torch.nn.functional as F  # noqa: N812
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from weaklabel import MajorityVote, load_youtube, write_soft_labels
from weaklabel.datasets import load_wrench
from weaklabel.label_model import LabelModel
from weaklabel.textmodel import make_text_features
from weaklabel.trainer import MLPNet, NoiseAwareClassifier

ROOT = Path(__file__).resolve().parents[1]
DATA_CANDIDATES = [ROOT / "shared" / "data", ROOT.parent / "shared" / "data"]
RESULTS = ROOT / "benchmarks" / "results"

METHODS = {
    "a": "(a) label model (LabelModel)",
    "b": "(b) **end model, default** (soft labels)",
    "b+st": "(b+st) + self-training, 3 rounds",
    "b-cw": "(b-cw) class_weight=None instead of 'balanced'",
    "b+mlp": "(b+mlp) MLP (128 hidden) instead of linear",
    "c": "(c) end model, majority-vote labels",
    "d": "(d) end model, gold train labels (ceiling)",
    "e": "(e) end model, validation gold only",
    "f": "(f) sklearn LogisticRegression, LM hard labels",
}


@dataclass
class Task:
    name: str
    texts: dict[str, pd.Series]  # train / valid / test
    L_train: np.ndarray
    L_test: np.ndarray
    y: dict[str, np.ndarray]
    k: int
    primary: str  # "accuracy" or "F1"
    note: str


def load_lf_module(name: str) -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"labeling_functions.{name}")


def split_valid(train: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fixed 10% of the train rows as the validation split."""
    perm = np.random.default_rng(0).permutation(len(train))
    n_val = len(train) // 10
    valid = train.iloc[np.sort(perm[:n_val])].reset_index(drop=True)
    rest = train.iloc[np.sort(perm[n_val:])].reset_index(drop=True)
    return rest, valid


def repo_task(
    name: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    lfs: Any,
    text: Callable[[pd.DataFrame], pd.Series],
    primary: str,
    note: str,
) -> Task:
    train, valid = split_valid(train)
    return Task(
        name,
        {"train": text(train), "valid": text(valid), "test": text(test)},
        lfs.apply(train).to_numpy(),
        lfs.apply(test).to_numpy(),
        {
            s: d["label"].to_numpy()
            for s, d in zip(
                ("train", "valid", "test"), (train, valid, test), strict=True
            )
        },
        len(lfs.classes),
        primary,
        note,
    )


def sms_frames(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    module = load_lf_module("sms")
    df = module.load_sms(data_dir / "raw_sms_spam_uci" / "SMSSpamCollection")
    perm = np.random.default_rng(0).permutation(len(df))
    n_test = len(df) // 5
    test = df.iloc[np.sort(perm[:n_test])].reset_index(drop=True)
    train = df.iloc[np.sort(perm[n_test:])].reset_index(drop=True)
    return train, test


def load_tasks(data_dir: Path, names: list[str]) -> list[Task]:
    tasks = []
    text_col = lambda d: d["text"].fillna("")  # noqa: E731
    for name in names:
        if name == "YouTube":
            tasks.append(
                repo_task(
                    name,
                    load_youtube("train"),
                    load_youtube("test"),
                    load_lf_module("youtube").lfs,
                    text_col,
                    "accuracy",
                    "test = another video (05)",
                )
            )
        elif name == "SMS":
            train, test = sms_frames(data_dir)
            tasks.append(
                repo_task(
                    name,
                    train,
                    test,
                    load_lf_module("sms").lfs,
                    text_col,
                    "F1",
                    "80/20 split",
                )
            )
        elif name == "spouse":
            sp_mod = load_lf_module("spouse")
            folder = data_dir / "raw_spouse_snorkel"
            lfs = sp_mod.make_registry(
                sp_mod.read_known_spouses(folder / "dbpedia_spouses.tsv")
            )
            train = sp_mod.load_spouse_candidates(folder / "dev.jsonl")
            test = sp_mod.load_spouse_candidates(folder / "test.jsonl")

            def spouse_text(d: pd.DataFrame) -> pd.Series:
                return d["left_window"] + " [P1] " + d["between"] + " [P2]"

            tasks.append(
                repo_task(
                    name,
                    train,
                    test,
                    lfs,
                    spouse_text,
                    "F1",
                    "train = tutorial dev, test = tutorial test",
                )
            )
        else:  # WRENCH
            short = name.split()[-1]
            splits = {
                s: load_wrench(data_dir / f"wrench_{short}", s)
                for s in ("train", "valid", "test")
            }
            tasks.append(
                Task(
                    name,
                    {
                        s: w.texts.fillna("").reset_index(drop=True)
                        for s, w in splits.items()
                    },
                    splits["train"].L,
                    splits["test"].L,
                    {s: w.y for s, w in splits.items()},
                    len(splits["train"].classes),
                    "F1" if short == "sms" else "accuracy",
                    "official WRENCH splits",
                )
            )
    return tasks


def score(task: Task, pred: np.ndarray) -> tuple[float, float]:
    y = task.y["test"]
    if task.k == 2:
        f1 = f1_score(y, pred, pos_label=1, zero_division=0.0)
    else:
        f1 = f1_score(y, pred, average="macro", zero_division=0.0)
    return accuracy_score(y, pred), f1


def run_task(
    task: Task,
    seeds: list[int],
    variant_seeds: int,
    mlp_seeds: int,
    mlp_tasks: list[str],
    device: str,
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, Any]]:
    vec = make_text_features()
    X = vec.fit_transform(task.texts["train"])
    X_val = vec.transform(task.texts["valid"])
    X_test = vec.transform(task.texts["test"])
    L, k = task.L_train, task.k
    covered = (L != -1).any(axis=1)
    out: dict[str, list[tuple[float, float]]] = {m: [] for m in METHODS}
    epochs: list[int] = []
    st_added: list[int] = []

    def end(seed: int, **kw: Any) -> NoiseAwareClassifier:
        return NoiseAwareClassifier(random_state=seed, device=device, **kw)

    for seed in seeds:
        lm = LabelModel(cardinality=k, random_state=seed).fit(L)
        out["a"].append(score(task, lm.predict(task.L_test)))
        P = lm.predict_proba(L)
        clf = end(seed).fit(X, P, L=L)
        epochs.append(clf.n_epochs_)
        out["b"].append(score(task, clf.predict(X_test)))
        if seed < variant_seeds:
            clf = end(seed, self_training_rounds=3).fit(X, P, L=L)
            st_added.append(
                sum(h["n_added"] + h["n_corrected"] for h in clf.self_training_history_)
            )
            out["b+st"].append(score(task, clf.predict(X_test)))
            clf = end(seed, class_weight=None).fit(X, P, L=L)
            out["b-cw"].append(score(task, clf.predict(X_test)))
        if seed < mlp_seeds and task.name in mlp_tasks:
            clf = end(seed, module=MLPNet, lr=1e-3).fit(X, P, L=L)
            out["b+mlp"].append(score(task, clf.predict(X_test)))
        mv = MajorityVote(cardinality=k, random_state=seed).fit(L).predict(L)
        out["c"].append(score(task, end(seed).fit(X, mv, L=L).predict(X_test)))
        gold = task.y["train"]
        out["d"].append(score(task, end(seed).fit(X, np.eye(k)[gold]).predict(X_test)))
        yv = task.y["valid"]
        out["e"].append(
            score(task, end(seed).fit(X_val, np.eye(k)[yv]).predict(X_test))
        )
    lm = LabelModel(cardinality=k, random_state=0).fit(L)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = LogisticRegression(max_iter=1000).fit(X[covered], lm.predict(L)[covered])
    out["f"] = [score(task, sk.predict(X_test))] * len(seeds)
    facts = {
        "train/valid/test": "/".join(
            str(len(task.texts[s])) for s in ("train", "valid", "test")
        ),
        "LFs": L.shape[1],
        "classes": k,
        "train coverage": f"{covered.mean():.3f}",
        "features": X.shape[1],
        "LM train acc (covered)": f"{accuracy_score(task.y['train'][covered], lm.predict(L)[covered]):.3f}",
        "test rows with no vote": f"{((task.L_test != -1).sum(1) == 0).mean():.3f}",
        "epochs (b)": f"{np.mean(epochs):.0f}",
        "self-training changes/round (b+st)": (
            f"{np.mean(st_added) / 3:.0f}" if st_added else "-"
        ),
    }
    return out, facts


# ------------------------------------------------------------------ timing
Clock = tuple[float, float]  # (wall seconds, process CPU seconds)


def clock() -> Clock:
    return time.perf_counter(), time.process_time()


def since(start: Clock) -> Clock:
    now = clock()
    return now[0] - start[0], now[1] - start[1]


class TimedClassifier(NoiseAwareClassifier):
    """Reads the clocks at the end of every epoch, through the public hook."""

    def on_epoch_end(self, record: dict[str, Any]) -> None:
        self.epoch_ends_ = [*getattr(self, "epoch_ends_", []), clock()]


def plain_epochs(
    X: sp.csr_array, proba: np.ndarray, epochs: int, device: str
) -> list[Clock]:
    """The loop one writes by hand: densified batches, nn.Linear, AdamW."""
    dev = torch.device(device)
    torch.manual_seed(0)  # benchmark process only
    model = torch.nn.Linear(X.shape[1], proba.shape[1]).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    targets = torch.from_numpy(proba.astype(np.float32))
    g = torch.Generator().manual_seed(0)
    clocks = []
    for _ in range(epochs):
        start = clock()
        total = torch.zeros((), device=dev)
        perm = torch.randperm(X.shape[0], generator=g).numpy()
        for i in range(0, len(perm), 64):
            idx = perm[i : i + 64]
            xb = torch.from_numpy(X[idx].toarray()).to(dev)
            loss = F.cross_entropy(model(xb), targets[idx].to(dev))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * len(idx)
        float(total)
        clocks.append(since(start))
    return clocks[1:]


def time_training(data_dir: Path, device: str, epochs: int) -> dict[str, Any]:
    train, _ = sms_frames(data_dir)
    lfs = load_lf_module("sms").lfs
    L = lfs.apply(train).to_numpy()
    proba = LabelModel(cardinality=2, random_state=0).fit(L).predict_proba(L)
    X = sp.csr_array(
        make_text_features().fit_transform(train["text"]), dtype=np.float32
    )
    ours = TimedClassifier(
        max_epochs=epochs, early_stopping=False, random_state=0, device=device
    ).fit(X, proba, L=L)
    ends = ours.epoch_ends_
    ours_clocks = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(ends)]
    covered = (L != -1).any(axis=1)
    plain = plain_epochs(X[np.flatnonzero(covered)], proba[covered], 3, device)
    start = clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        LogisticRegression(max_iter=1000).fit(
            X[np.flatnonzero(covered)], proba[covered].argmax(1)
        )
    sk = since(start)
    start = clock()
    NoiseAwareClassifier(random_state=0, device=device).fit(X, proba, L=L)
    full_fit = since(start)
    # weaklabel train, end to end, in a fresh process
    with tempfile.TemporaryDirectory() as tmp:
        data_csv = Path(tmp) / "sms.csv"
        train[["text"]].to_csv(data_csv, index=False)
        write_soft_labels(Path(tmp) / "soft.parquet", proba, classes=list(lfs.classes))
        cmd = [
            sys.executable,
            "-c",
            "import sys; from weaklabel.cli import main; sys.exit(main(sys.argv[1:]))",
            "train",
            "--data",
            str(data_csv),
            "--labels",
            str(Path(tmp) / "soft.parquet"),
            "--out",
            str(Path(tmp) / "model"),
        ]
        start_wall = time.perf_counter()
        child_cpu = _children_cpu()
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        cli_wall = time.perf_counter() - start_wall
        cli_cpu = _children_cpu() - child_cpu
        cli_ok = done.returncode == 0
        cli_err = done.stderr.strip().splitlines()[-1:] if not cli_ok else []
    med = lambda c, i: statistics.median(x[i] for x in c)  # noqa: E731
    return {
        "rows": X.shape[0],
        "covered": int(covered.sum()),
        "features": X.shape[1],
        "ours": (med(ours_clocks, 0), med(ours_clocks, 1)),
        "plain": (med(plain, 0), med(plain, 1)),
        "sklearn": sk,
        "full_fit": full_fit,
        "full_fit_epochs": None,
        "cli": (cli_wall, cli_ok, cli_err, cli_cpu),
    }


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ report
def fmt(values: list[tuple[float, float]], i: int) -> str:
    if not values:
        return "-"
    v = [x[i] for x in values]
    return f"{np.mean(v):.3f} ± {np.std(v):.3f}"


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--variant-seeds", type=int, default=2)
    parser.add_argument("--mlp-seeds", type=int, default=1)
    parser.add_argument("--mlp-datasets", nargs="+", default=["YouTube", "SMS"])
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=[
            "YouTube",
            "SMS",
            "spouse",
            "WRENCH youtube",
            "WRENCH sms",
            "WRENCH trec",
        ],
    )
    parser.add_argument("--timing-epochs", type=int, default=8)
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument(
        "--timing-only",
        action="store_true",
        help="only the speed section, to bench_end_model_speed.md",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or next(
        (d for d in DATA_CANDIDATES if (d / "raw_sms_spam_uci").is_dir()), None
    )
    if data_dir is None:
        parser.error("data not found; pass --data-dir (the shared/data folder)")
    out_path = args.out or RESULTS / (
        "bench_end_model.md" if args.device == "cpu" else "bench_end_model_cuda.md"
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    seeds = list(range(args.seeds))
    started = time.perf_counter()
    device_name = args.device + (
        f" ({torch.cuda.get_device_name()})" if args.device == "cuda" else ""
    )
    lines = [
        "# End model vs label model (bench_end_model.py)",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC at commit"
        f" `{git_commit()}`, device `{device_name}`, torch {torch.__version__},"
        f" Python {platform.python_version()}, {torch.get_num_threads()} torch CPU"
        f" thread(s); load average at start {os.getloadavg()[0]:.2f}"
        f" {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (`uptime`)."
        f"  Mean ± std over {len(seeds)} seeds ({seeds}); (b+st) and (b-cw) over"
        f" the first {args.variant_seeds}, (b+mlp) over the first"
        f" {args.mlp_seeds} on {', '.join(args.mlp_datasets)} only (the machine is"
        " shared by several jobs).  Second column: F1 of the positive class (binary) or"
        " macro F1 (trec).",
        "",
        "Methods: see the module docstring of `benchmarks/bench_end_model.py`."
        "  (b), (b+*), (c) see no gold label.",
        "",
    ]
    # Timing first: a failure there shows before the long accuracy runs.
    t = (
        None
        if args.no_timing
        else time_training(data_dir, args.device, args.timing_epochs)
    )
    print(f"timing done ({time.perf_counter() - started:.0f} s): {t}", file=sys.stderr)
    verdicts = []
    summary_rows = []
    if args.timing_only:
        args.datasets = []
        out_path = args.out or RESULTS / "bench_end_model_speed.md"
        lines[0] = "# End model speed (bench_end_model.py --timing-only)"
    for task in load_tasks(data_dir, args.datasets):
        res, facts = run_task(
            task,
            seeds,
            args.variant_seeds,
            args.mlp_seeds,
            args.mlp_datasets,
            args.device,
        )
        lines += [
            f"## {task.name} ({task.note}; judged on {task.primary})",
            "",
            "| method | accuracy | F1 |",
            "|---|---|---|",
        ]
        for key, title in METHODS.items():
            lines.append(f"| {title} | {fmt(res[key], 0)} | {fmt(res[key], 1)} |")
        lines += ["", "; ".join(f"{k}: {v}" for k, v in facts.items()), ""]
        i = 0 if task.primary == "accuracy" else 1
        b = [x[i] for x in res["b"]]
        a = [x[i] for x in res["a"]]
        gap = np.mean(b) - np.mean(a)
        spread = max(np.std(b), np.std(a))
        verdict = (
            "beats"
            if gap > spread
            else ("ties (inside the seed spread)" if gap >= -spread else "loses to")
        )
        verdicts.append(
            f"- {task.name}: default end model {verdict} the label model on"
            f" {task.primary}: {np.mean(b):.3f} vs {np.mean(a):.3f}"
            f" (gap {gap:+.3f}, seed spread {spread:.3f})."
        )
        summary_rows.append(
            f"| {task.name} | {task.primary} | "
            + " | ".join(
                f"{np.mean([x[i] for x in res[m]]):.3f}" if res[m] else "-"
                for m in METHODS
            )
            + " |"
        )
        print(
            f"{task.name} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr
        )
    lines[6:6] = (
        []
        if not summary_rows
        else [
            "## Summary (mean of the judged metric)",
            "",
            "| data | metric | " + " | ".join(m for m in METHODS) + " |",
            "|---|---|" + "---|" * len(METHODS),
            *summary_rows,
            "",
            *verdicts,
            "",
        ]
    )
    if t is not None:
        cli_wall, cli_ok, cli_err, cli_cpu = t["cli"]
        lines += [
            "## Speed (SMS train split)",
            "",
            f"{t['rows']} rows ({t['covered']} with a vote), {t['features']} sparse"
            " TF-IDF features (`make_text_features`), 2 classes.  Per-epoch figures:"
            " median over the epochs after the first; batch 64, AdamW.",
            "",
            "| what | wall s | process CPU s | ratio to ours (wall) |",
            "|---|---|---|---|",
            f"| ours: one epoch, default linear head, sparse batches | {t['ours'][0]:.3f} | {t['ours'][1]:.3f} | 1.0 |",
            f"| plain PyTorch loop: one epoch, nn.Linear on densified batches | {t['plain'][0]:.3f} | {t['plain'][1]:.3f} | {t['plain'][0] / t['ours'][0]:.1f} |",
            f"| ours: whole default fit (early stopping) | {t['full_fit'][0]:.3f} | {t['full_fit'][1]:.3f} | - |",
            f"| scikit-learn LogisticRegression: whole fit (lbfgs) | {t['sklearn'][0]:.3f} | {t['sklearn'][1]:.3f} | - |",
            f"| `weaklabel train` end to end (fresh process, features + fit + save) | {cli_wall:.1f} | {cli_cpu:.1f} | - |",
            "",
            f"Targets: an epoch under 0.5 s: {t['ours'][0] < 0.5}; `weaklabel train`"
            f" under 30 s: {cli_wall < 30 and cli_ok}"
            + ("" if cli_ok else f" (the command failed: {cli_err})")
            + ".",
            "",
        ]
    lines += [f"Total time {time.perf_counter() - started:.0f} s.", ""]
    text = "\n".join(lines)
    print(text)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    notes = ""
    if out_path.exists() and "## Notes" in out_path.read_text():
        notes = out_path.read_text().split("## Notes", 1)[1]
        notes = "\n## Notes" + notes
    out_path.write_text(text + notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
