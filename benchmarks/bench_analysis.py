"""Time weaklabel's lf_summary on a 1M x 100 vote matrix (issue 2, item 3).

Votes: 100 binary LFs with coverages drawn from [0.02, 0.5] and accuracies from
[0.55, 0.95] on 1M rows with uniform gold labels (seed 0).  lf_summary runs on
the same votes as an int8 ndarray, as the int8 DataFrame ``LFRegistry.apply``
returns, and as a scipy.sparse CSR matrix (``vote + 1``), without and with gold
labels; the best of ``--repeats`` runs is reported.  When snorkel is importable
(the benchmark environment), Snorkel 0.10.0's ``LFAnalysis(L).lf_summary(Y)``
runs on the same int64 ndarray in the same process, once (it is slow).

Run::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_analysis.py
    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_analysis.py   # + Snorkel
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
RESULTS = os.path.join(ROOT, "benchmarks", "results", "bench_analysis.md")

from weaklabel.analysis import lf_summary  # noqa: E402


def make_votes(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    coverage = rng.uniform(0.02, 0.5, size=m)
    accuracy = rng.uniform(0.55, 0.95, size=m)
    L = np.full((n, m), -1, dtype=np.int8)
    for j in range(m):  # one column at a time keeps the temporaries small
        fires = rng.random(n) < coverage[j]
        right = rng.random(n) < accuracy[j]
        L[fires, j] = np.where(right[fires], y[fires], 1 - y[fires])
    return L, y


def best_time(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lfs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-snorkel", action="store_true")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)

    L, y = make_votes(args.rows, args.lfs)
    inputs = {
        "ndarray int8": L,
        "DataFrame int8": pd.DataFrame(L, columns=[f"lf_{j}" for j in range(args.lfs)]),
        "scipy.sparse CSR": sp.csr_array(L + np.int8(1)),
    }
    rows: list[tuple[str, str, float]] = []
    reference = lf_summary(L, y)
    for name, X in inputs.items():
        out = lf_summary(X, y)
        pd.testing.assert_frame_equal(out, reference)  # same answer for every form
        rows.append(
            ("weaklabel", name, best_time(lambda X=X: lf_summary(X), args.repeats))
        )
        rows.append(
            (
                "weaklabel",
                f"{name} + gold",
                best_time(lambda X=X: lf_summary(X, y), args.repeats),
            )
        )
        print(f"{rows[-2]}\n{rows[-1]}", flush=True)

    if not args.no_snorkel:
        try:
            from snorkel.labeling import LFAnalysis
        except ImportError:
            print("snorkel not importable: Snorkel row skipped", flush=True)
        else:
            L64 = L.astype(np.int64)
            rows.append(
                (
                    "snorkel 0.10.0",
                    "ndarray int64 + gold",
                    best_time(lambda: LFAnalysis(L64).lf_summary(Y=y), 1),
                )
            )
            print(rows[-1], flush=True)

    header = f"lf_summary on {args.rows:,} rows x {args.lfs} LFs (binary, seed 0)"
    from provenance import provenance_line  # benchmarks/provenance.py

    lines = [
        f"# {header}",
        "",
        provenance_line(),
        "",
        f"{_dt.date.today().isoformat()}, Python {platform.python_version()},"
        f" numpy {np.__version__}, pandas {pd.__version__}, {os.cpu_count()} CPUs;"
        f" best of {args.repeats} runs (Snorkel: 1 run); load average at the end"
        f" {os.getloadavg()[0]:.1f} (other jobs on the machine slow every row).",
        "",
        "| library | input | seconds |",
        "|---|---|---|",
        *[f"| {lib} | {what} | {sec:.2f} |" for lib, what, sec in rows],
    ]
    ours = [
        sec
        for lib, what, sec in rows
        if lib == "weaklabel" and what == "ndarray int8 + gold"
    ]
    peer = [sec for lib, _, sec in rows if lib.startswith("snorkel")]
    if ours and peer:
        lines += ["", f"Snorkel / weaklabel (ndarray + gold): {peer[0] / ours[0]:.1f}x"]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if not args.no_save:
        with open(RESULTS, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"saved to {os.path.relpath(RESULTS, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
