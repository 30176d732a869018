"""Scale benchmark (issue 5): the Dask engine end to end, 1M / 10M / 100M rows.

The data is the bundled YouTube comments' text repeated to N rows, written as
a folder of Parquet files (1M rows each, row groups of 250k rows), labeled by
20 regex LFs, the same rules in two forms: vectorized (Arrow's RE2 engine,
``pyarrow.compute.match_substring_regex``) and row-wise (Python's ``re``).

For each N, on a fresh ``distributed.LocalCluster`` of 2 single-threaded
worker processes (this machine has 2 cores):

* **apply**: read + apply the 20 vectorized LFs + write the int8 votes as a
  Parquet folder (``apply_dask`` + ``write_votes_dask``);
* **fit**: pattern reduction over the votes (``vote_patterns_dask``) + EM
  on the merged pattern table (``LabelModel.fit(patterns,
  sample_weight=counts)``), with the reduction's share of the fit time;
* **predict**: ``predict_dask`` + ``write_soft_labels_dask``;
* wall time, rows/s, peak RSS of the client and of each worker.

Then, for N up to ``--pandas-max`` rows, the in-memory pandas path on one
core in a child process (``pd.read_parquet`` + ``lfs.apply`` + fit +
predict; its own peak RSS), for the throughput-per-core comparison.  And on
``--snorkel-rows`` rows, the apply step with the *row-wise* LFs: Snorkel's
``DaskLFApplier`` against ``apply_dask`` on the same cluster and rows.

Run (benchmark environment, with snorkel)::

    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_scale.py
    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_scale.py \
        --rows 1000000 10000000 100000000 --snorkel-rows 1000000

Writes a markdown table to ``benchmarks/results/bench_scale.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import logging
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RULES: list[tuple[str, str, str]] = [
    ("check_out", r"check\s+(?:it\s+)?out", "spam"),
    ("subscribe", r"subscri", "spam"),
    ("link", r"https?://", "spam"),
    ("my_channel", r"my\s+channel", "spam"),
    ("free", r"\bfree\b", "spam"),
    ("win", r"\bwin(?:ner)?\b", "spam"),
    ("money", r"\bmoney\b|\$\d+", "spam"),
    ("click", r"\bclick\b", "spam"),
    ("visit", r"\bvisit\b", "spam"),
    ("like_share", r"\bplease\b.*\b(?:like|share)\b", "spam"),
    ("follow", r"\bfollow\s+(?:me|us)\b", "spam"),
    ("www", r"\bwww\.", "spam"),
    ("dot_com", r"\.com\b", "spam"),
    ("love", r"\blove\b", "ham"),
    ("song", r"\bsong\b", "ham"),
    ("beautiful", r"\bbeautiful\b", "ham"),
    ("best", r"\bbest\b", "ham"),
    ("views", r"\bbillion\b|\bviews?\b", "ham"),
    ("laugh", r"\b(?:lol|haha+)\b", "ham"),
    ("artist", r"\b(?:perry|shakira|eminem|psy|lmfao)\b", "ham"),
]
CLASSES = ["ham", "spam"]
ROWS_PER_FILE = 1_000_000
ROW_GROUP = 250_000
N_WORKERS = 2


# ------------------------------------------------------------------ the LFs
def _vectorized_function(pattern: str, label: int) -> Any:
    def f(df: pd.DataFrame) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        # Arrow's RE2 engine on the Arrow-backed text column.
        hit = pc.match_substring_regex(pa.array(df.text), pattern, ignore_case=True)
        return np.where(hit.to_numpy(zero_copy_only=False), label, -1)

    return f


def vectorized_registry() -> Any:
    from weaklabel.lf import LabelingFunction, LFRegistry

    lfs = LFRegistry(classes=CLASSES)
    for name, pattern, label in RULES:
        f = _vectorized_function(pattern, CLASSES.index(label))
        lfs.add(LabelingFunction(name, f, vectorized=True))
    return lfs


def _rowwise_function(pattern: str, label: int) -> Any:
    search = re.compile(pattern, re.IGNORECASE).search

    def f(x: Any) -> int:
        # (Snorkel's DaskLFApplier infers Dask's meta by calling the LFs on
        # made-up rows whose text is a float: abstain on those.)
        text = x.text
        return label if isinstance(text, str) and search(text) else -1

    return f


def rowwise_registry() -> Any:
    from weaklabel.lf import LabelingFunction, LFRegistry

    lfs = LFRegistry(classes=CLASSES)
    for name, pattern, label in RULES:
        lfs.add(
            LabelingFunction(name, _rowwise_function(pattern, CLASSES.index(label)))
        )
    return lfs


def snorkel_lfs() -> list[Any]:
    from snorkel.labeling import LabelingFunction

    return [
        LabelingFunction(name, _rowwise_function(pattern, CLASSES.index(label)))
        for name, pattern, label in RULES
    ]


# --------------------------------------------------------------------- data
def generate(folder: Path, n_rows: int) -> float:
    """Write the YouTube text repeated to n_rows rows; return the seconds it took."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from weaklabel.datasets import load_youtube

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    texts = pa.array(load_youtube()["text"].astype(str).tolist(), type=pa.string())
    rng = np.random.default_rng(0)
    for i, first in enumerate(range(0, n_rows, ROWS_PER_FILE)):
        n = min(ROWS_PER_FILE, n_rows - first)
        idx = pa.array(rng.integers(0, len(texts), n))
        table = pa.table({"text": texts.take(idx)})
        pq.write_table(table, folder / f"part{i:05d}.parquet", row_group_size=ROW_GROUP)
    return time.perf_counter() - start


# ------------------------------------------------------------------ memory
class PeakRSS:
    """Sample this process's RSS every 50 ms in a thread; keep the peak."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _maxrss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


@contextlib.contextmanager
def cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=N_WORKERS,
            threads_per_worker=1,
            processes=True,
            memory_limit="10GiB",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as c,
        Client(c) as client,
    ):
        yield client


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f}"


MODEL = "label-model"


def _make_model() -> Any:
    from weaklabel.label_model import DawidSkene, LabelModel, MajorityVote

    make = {
        "label-model": LabelModel,
        "dawid-skene": DawidSkene,
        "majority": MajorityVote,
    }[MODEL]
    return make(cardinality=2, random_state=0)


# --------------------------------------------------------------- dask runs
def _cpu_seconds() -> float:
    """CPU time (user + system, all threads) of this process so far."""
    t = os.times()
    return t.user + t.system


def _warm_up() -> None:
    """Import what the first partition would otherwise pay for."""
    import pyarrow.compute  # noqa: F401

    import weaklabel.apply
    import weaklabel.io  # noqa: F401


def run_dask(folder: Path, work: Path, n_rows: int) -> dict[str, Any]:
    from weaklabel.scale import (
        apply_dask,
        predict_dask,
        read_dask,
        read_votes_dask,
        vote_patterns_dask,
        write_soft_labels_dask,
        write_votes_dask,
    )

    lfs = vectorized_registry()
    out: dict[str, Any] = {"rows": n_rows, "load_before": os.getloadavg()[0]}
    with cluster() as client, PeakRSS() as client_mem:
        client.run(_warm_up)

        def cpu() -> float:  # summed over the workers
            return float(sum(client.run(_cpu_seconds).values()))

        c0, t0 = cpu(), time.perf_counter()
        ddf = read_dask(folder, partition_rows=ROW_GROUP)
        out["partitions"] = ddf.npartitions
        write_votes_dask(apply_dask(lfs, ddf), work / "votes", classes=CLASSES)
        t1, c1 = time.perf_counter(), cpu()
        votes = read_votes_dask(work / "votes")
        patterns, counts = vote_patterns_dask(votes, cardinality=2)
        t2, c2 = time.perf_counter(), cpu()
        patterns.attrs["classes"] = CLASSES
        em_cpu = _cpu_seconds()
        model = _make_model().fit(patterns, sample_weight=counts)
        em_cpu = _cpu_seconds() - em_cpu
        t3 = time.perf_counter()
        write_soft_labels_dask(
            predict_dask(model, votes, classes=CLASSES), work / "soft", classes=CLASSES
        )
        t4, c4 = time.perf_counter(), cpu()
        workers = client.run(_maxrss_bytes)
    out.update(
        model=type(model).__name__,
        patterns=len(patterns),
        apply_s=t1 - t0,
        reduce_s=t2 - t1,
        em_s=t3 - t2,
        predict_s=t4 - t3,
        total_s=t4 - t0,
        apply_cpu=c1 - c0,
        reduce_cpu=c2 - c1,
        em_cpu=em_cpu,
        total_cpu=c4 - c0 + em_cpu,
        client_peak=client_mem.peak,
        worker_peak=max(workers.values()),
        soft_bytes=sum(p.stat().st_size for p in (work / "soft").iterdir()),
        load_after=os.getloadavg()[0],
    )
    check = pd.read_parquet(work / "soft" / "part.00000.parquet")
    out["soft_columns"] = ["id", *check.columns]
    return out


def run_apply_comparison(folder: Path, n_rows: int) -> dict[str, Any]:
    """Row-wise LFs: Snorkel's DaskLFApplier vs apply_dask, same cluster and rows."""
    from weaklabel.scale import apply_dask, read_dask

    out: dict[str, Any] = {"rows": n_rows}
    lfs = rowwise_registry()
    with cluster() as client:
        client.run(_warm_up)

        def cpu() -> float:
            return float(sum(client.run(_cpu_seconds).values()))

        ddf = read_dask(folder, partition_rows=ROW_GROUP)
        c0, t0 = cpu(), time.perf_counter()
        ours = apply_dask(lfs, ddf).compute()
        out["ours_s"], out["ours_cpu"] = time.perf_counter() - t0, cpu() - c0
        try:
            from snorkel.labeling.apply.dask import DaskLFApplier
        except ImportError:
            out["snorkel_s"] = None
            return out
        c0, t0 = cpu(), time.perf_counter()
        theirs = DaskLFApplier(snorkel_lfs()).apply(ddf, scheduler=client)
        out["snorkel_s"], out["snorkel_cpu"] = time.perf_counter() - t0, cpu() - c0
        out["identical"] = bool(np.array_equal(theirs, ours.to_numpy()))
    return out


# -------------------------------------------------------------- pandas path
def pandas_child(folder: str) -> None:
    """Run in a child process: the in-memory pandas path; print JSON."""
    from weaklabel.io import write_soft_labels

    lfs = vectorized_registry()
    _warm_up()
    times = [(time.perf_counter(), _cpu_seconds())]
    df = pd.read_parquet(folder)
    times.append((time.perf_counter(), _cpu_seconds()))
    L = lfs.apply(df)
    times.append((time.perf_counter(), _cpu_seconds()))
    model = _make_model().fit(L)
    times.append((time.perf_counter(), _cpu_seconds()))
    proba = model.predict_proba(L)
    with tempfile.TemporaryDirectory() as tmp:
        write_soft_labels(
            Path(tmp) / "soft.parquet", proba, classes=CLASSES, index=df.index
        )
    times.append((time.perf_counter(), _cpu_seconds()))
    result: dict[str, Any] = {}
    for i, step in enumerate(("read", "apply", "fit", "predict")):
        result[f"{step}_s"] = times[i + 1][0] - times[i][0]
        result[f"{step}_cpu"] = times[i + 1][1] - times[i][1]
    result["total_s"] = times[-1][0] - times[0][0]
    result["total_cpu"] = times[-1][1] - times[0][1]
    result["peak"] = _maxrss_bytes()
    result["vote_bytes"] = int(L.memory_usage(index=False).sum())
    print(json.dumps(result))


def _child(*args: str) -> dict[str, Any]:
    """Run this script in a fresh process (clean peak memory); return its JSON."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    res = subprocess.run(
        [sys.executable, __file__, *args, "--model", MODEL],
        capture_output=True,
        text=True,
        env=env,
    )
    if res.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{res.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return result


def run_pandas(folder: Path) -> dict[str, Any]:
    return _child("--pandas-child", str(folder))


# ----------------------------------------------------------------- report
def report(
    dask_runs: list[dict[str, Any]],
    pandas_runs: dict[int, dict[str, Any]],
    comparison: dict[str, Any] | None,
    gen: dict[int, float],
) -> str:
    import dask
    from provenance import provenance_line  # benchmarks/provenance.py

    lines = [
        "# Scale benchmark: the Dask engine (issue 5)",
        "",
        provenance_line(),
        "",
        f"Run {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC on"
        f" {os.cpu_count()} cores ({platform.processor() or platform.machine()}),"
        f" Python {platform.python_version()}, dask {dask.__version__},"
        f" pandas {pd.__version__}, label model {MODEL}. Produced by"
        " `benchmarks/bench_scale.py`.",
        "",
        "Data: the bundled YouTube comments' text repeated (random draws) to N rows,"
        f" Parquet files of {ROWS_PER_FILE:,} rows (row groups of {ROW_GROUP:,},"
        f" one partition each); {len(RULES)} regex LFs. Dask: `distributed.LocalCluster`,"
        f" {N_WORKERS} single-threaded worker processes. Peak memory is the peak"
        " RSS in GiB (client: sampled every 50 ms; workers and the pandas child:"
        " `ru_maxrss`). *CPU s* is the CPU time (user + system) of the worker"
        " processes (Dask) or of the pandas process: throughput per CPU second is"
        " the per-core figure, and is not skewed by other load on the machine"
        " (the load average during each run is shown).",
        "",
        "## Dask engine, end to end (20 vectorized LFs)",
        "",
        "| rows | partitions | apply (read+LFs+write votes) s | apply CPU s"
        " | fit: reduce s | fit: EM s | reduce share of fit | predict+write s"
        " | total s | rows/s | apply rows per CPU s | client peak | worker peak"
        " | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in dask_runs:
        fit = r["reduce_s"] + r["em_s"]
        lines.append(
            f"| {r['rows']:,} | {r['partitions']} | {r['apply_s']:.1f} |"
            f" {r['apply_cpu']:.1f} | {r['reduce_s']:.1f} | {r['em_s']:.2f} |"
            f" {r['reduce_s'] / fit:.0%} | {r['predict_s']:.1f} |"
            f" {r['total_s']:.1f} | {r['rows'] / r['total_s']:,.0f} |"
            f" {r['rows'] / r['apply_cpu']:,.0f} |"
            f" {_gib(r['client_peak'])} | {_gib(r['worker_peak'])} |"
            f" {r['load_before']:.1f}-{r['load_after']:.1f} |"
        )
    if dask_runs:
        r = dask_runs[0]
        lines += [
            "",
            "Worker CPU seconds per million rows: "
            + "; ".join(
                f"{x['rows'] / 1e6:,.0f}M rows: apply {x['apply_cpu'] / x['rows'] * 1e6:.1f},"
                f" reduce {x['reduce_cpu'] / x['rows'] * 1e6:.2f}"
                for x in dask_runs
            )
            + ".",
            "",
            "Distinct vote patterns: "
            + ", ".join(f"{x['patterns']} ({x['rows']:,} rows)" for x in dask_runs)
            + f"; label model: {r['model']}; soft-label columns: {r['soft_columns']}.",
        ]
    if pandas_runs:
        lines += [
            "",
            "## In-memory pandas path, one process (same LFs, same rows)",
            "",
            "| rows | read+apply s | read+apply CPU s | fit s | predict+write s"
            " | total s | rows/s | read+apply rows per CPU s | peak | votes in memory"
            " | Dask ÷ pandas, rows per CPU s (apply) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        by_rows = {r["rows"]: r for r in dask_runs}
        for n, p in sorted(pandas_runs.items()):
            d = by_rows.get(n)
            cpu = p["read_cpu"] + p["apply_cpu"]
            ratio = f"{(n / d['apply_cpu']) / (n / cpu):.2f}" if d else "n/a"
            lines.append(
                f"| {n:,} | {p['read_s'] + p['apply_s']:.1f} | {cpu:.1f} |"
                f" {p['fit_s']:.1f} | {p['predict_s']:.1f} | {p['total_s']:.1f} |"
                f" {n / p['total_s']:,.0f} | {n / cpu:,.0f} | {_gib(p['peak'])} |"
                f" {p['vote_bytes'] / 2**20:.0f} MiB | {ratio} |"
            )
    if comparison:
        c = comparison
        lines += [
            "",
            "## Apply step, row-wise LFs: Snorkel's DaskLFApplier vs apply_dask"
            f" ({c['rows']:,} rows, same cluster)",
            "",
            "| applier | seconds | worker CPU s | rows/s | speed-up (CPU) |",
            "|---|---:|---:|---:|---:|",
            f"| weaklabel apply_dask | {c['ours_s']:.1f} | {c['ours_cpu']:.1f} |"
            f" {c['rows'] / c['ours_s']:,.0f} | |",
        ]
        if c.get("snorkel_s"):
            lines.append(
                f"| snorkel DaskLFApplier | {c['snorkel_s']:.1f} |"
                f" {c['snorkel_cpu']:.1f} | {c['rows'] / c['snorkel_s']:,.0f} |"
                f" {c['snorkel_cpu'] / c['ours_cpu']:.1f}x |"
            )
            lines.append("")
            lines.append(f"Identical vote matrices: {c.get('identical')}.")
            if c["rows"] < 10_000_000:
                per_10m = c["snorkel_cpu"] / c["rows"] * 1e7 / 60
                lines.append("")
                lines.append(
                    f"Snorkel needs {per_10m:.0f} CPU minutes per 10M rows at this"
                    f" rate, so the comparison runs on {c['rows']:,} rows."
                )
    if gen:
        lines += [
            "",
            "Data generation: "
            + ", ".join(f"{n:,} rows in {s:.0f} s" for n, s in sorted(gen.items()))
            + ".",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--pandas-max", type=int, default=10_000_000)
    parser.add_argument("--snorkel-rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "bench_scale.md"
    )
    parser.add_argument(
        "--model",
        choices=("label-model", "dawid-skene", "majority"),
        default="label-model",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the rows of the earlier run saved beside --out (.json) that this"
        " run does not measure again (e.g. add --rows 100000000 to a 1M/10M table)",
    )
    parser.add_argument("--pandas-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--dask-child", nargs=3, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--generate-child", nargs=2, default=None, help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    global MODEL
    MODEL = args.model
    if args.pandas_child:
        pandas_child(args.pandas_child)
        return 0
    if args.dask_child:
        folder, work_dir, n_rows = args.dask_child
        print(json.dumps(run_dask(Path(folder), Path(work_dir), int(n_rows))))
        return 0
    if args.generate_child:
        folder, n_rows = args.generate_child
        print(json.dumps({"seconds": generate(Path(folder), int(n_rows))}))
        return 0
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_scale_"))
    dask_runs, pandas_runs, gen = [], {}, {}
    comparison = None
    try:
        for n in args.rows:
            folder = work / f"data_{n}"
            gen[n] = _child("--generate-child", str(folder), str(n))["seconds"]
            print(f"generated {n:,} rows in {gen[n]:.0f} s", flush=True)
            run_dir = work / f"run_{n}"
            dask_runs.append(_child("--dask-child", str(folder), str(run_dir), str(n)))
            print(json.dumps(dask_runs[-1], default=str), flush=True)
            shutil.rmtree(run_dir, ignore_errors=True)
            if n <= args.pandas_max:
                pandas_runs[n] = run_pandas(folder)
                print("pandas", json.dumps(pandas_runs[n]), flush=True)
            if n == args.snorkel_rows:
                comparison = run_apply_comparison(folder, n)
                print("apply", json.dumps(comparison), flush=True)
            if n != args.snorkel_rows:
                shutil.rmtree(folder, ignore_errors=True)
        if comparison is None and args.snorkel_rows:
            n = args.snorkel_rows
            folder = work / f"data_{n}"
            if not folder.exists():
                gen[n] = _child("--generate-child", str(folder), str(n))["seconds"]
            comparison = run_apply_comparison(folder, n)
            print("apply", json.dumps(comparison), flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    raw = args.out.with_suffix(".json")
    if args.merge and raw.exists():
        old = json.loads(raw.read_text())
        ours = {r["rows"] for r in dask_runs}
        dask_runs = sorted(
            [r for r in old["dask"] if r["rows"] not in ours] + dask_runs,
            key=lambda r: r["rows"],
        )
        pandas_runs = {int(n): p for n, p in old["pandas"].items()} | pandas_runs
        comparison = comparison or old["apply"]
        gen = {int(n): t for n, t in old["generation"].items()} | gen
    text = report(dask_runs, pandas_runs, comparison, gen)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    raw.write_text(
        json.dumps(
            {
                "dask": dask_runs,
                "pandas": pandas_runs,
                "apply": comparison,
                "generation": gen,
            },
            indent=1,
            default=str,
        )
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
