"""Benchmark 2 of issue 3: label-model fit + predict_proba time and peak memory.

Synthetic vote matrices (``weaklabel.synthetic.make_votes``: LF accuracies
drawn from [0.55, 0.9], coverages from [0.1, 0.9], uniform classes, seed 0):
10k, 100k and 1M rows x 50 LFs, 1M x 200 LFs, and 1M x 50 LFs with k = 10
classes (``--big`` adds 10M x 50).  Methods: weaklabel's LabelModel,
DawidSkene and MajorityVote against Snorkel 0.10.0's LabelModel at its defaults
(n_epochs=100, lr=0.01: a user's first call; issue 13) and MajorityLabelVoter, and
crowd-kit 1.4.2's DawidSkene, all in the same run.

Each (method, size) runs in a fresh subprocess that loads the votes from an
``.npy`` file, then times ``fit(L)`` + ``predict_proba(L)`` on all rows.
Memory: the child's peak resident set (``ru_maxrss``) and the part of it above
the resident set just before fitting (imports and the loaded votes excluded).
crowd-kit takes a long (task, worker, label) table; building it is done
before the clock starts and is not counted.  Accuracy is scored with the
protocol of bench_label_models (random tie-breaking, seed 0).

A peer is skipped at a size where it would take more than ``--peer-limit``
seconds (default 300): predicted from its time on the previous size
(linear in rows and LFs) or killed at the limit.

Run (benchmark environment, see benchmarks/README.md)::

    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_label_model_speed.py
    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_label_model_speed.py --big
    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_label_model_speed.py --only ours
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
RESULTS_DIR = os.path.join(ROOT, "benchmarks", "results")

OURS = ("LabelModel", "DawidSkene", "MajorityVote")
PEERS = ("Snorkel LM", "Snorkel MV", "ck DS")
ROUNDS_MAX_VOTES = 1_000_000 * 50  # --rounds applies up to 1M x 50
RATIOS = (
    ("Snorkel LM", "LabelModel"),
    ("Snorkel MV", "MajorityVote"),
    ("ck DS", "DawidSkene"),
)


@dataclass(frozen=True)
class Size:
    n: int
    m: int
    k: int

    @property
    def label(self) -> str:
        def short(x: int) -> str:
            if x >= 1_000_000 and x % 1_000_000 == 0:
                return f"{x // 1_000_000}M"
            if x >= 1000 and x % 1000 == 0:
                return f"{x // 1000}k"
            return str(x)

        return f"{short(self.n)} x {self.m}, k={self.k}"


def sizes(big: bool) -> list[Size]:
    out = [
        Size(10_000, 50, 2),
        Size(100_000, 50, 2),
        Size(1_000_000, 50, 2),
    ]
    if big:
        out.append(Size(10_000_000, 50, 2))
    out += [Size(1_000_000, 200, 2), Size(1_000_000, 50, 10)]
    return out


def make_data(size: Size, folder: str) -> tuple[str, str]:
    """Write votes and gold of ``size`` to .npy files; return their paths."""
    from weaklabel.synthetic import make_votes

    path_L = os.path.join(folder, f"L_{size.n}_{size.m}_{size.k}.npy")
    path_y = os.path.join(folder, f"y_{size.n}_{size.m}_{size.k}.npy")
    if not os.path.exists(path_L):
        rng = np.random.default_rng(0)
        acc = rng.uniform(0.55, 0.9, size.m)
        cov = rng.uniform(0.1, 0.9, size.m)
        data = make_votes(
            size.n, size.m, size.k, accuracies=acc, coverages=cov, random_state=0
        )
        np.save(path_L, np.asarray(data.L))
        np.save(path_y, np.asarray(data.y, dtype=np.int64))
    return path_L, path_y


# ---------------------------------------------------------------------------- child
THREADS = 1
_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def thread_env(threads: int) -> dict[str, str]:
    """Environment that caps BLAS/OpenMP (and so torch) threads for a child."""
    return {var: str(threads) for var in _THREAD_VARS}


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _rss_mb()


def child(
    method: str, path_L: str, path_y: str, k: int, repeat: int = 2
) -> dict[str, Any]:
    import warnings

    warnings.simplefilter("ignore")
    from benchmarks.lm_data import score

    L = np.load(path_L)
    y = np.load(path_y)
    prepared: Any = L
    if method in OURS:
        import weaklabel.label_model as lm_mod

        cls = getattr(lm_mod, method, None)
        if cls is None:
            import weaklabel

            cls = getattr(weaklabel, method)
        model = cls(cardinality=k, random_state=0)

        def run() -> Any:
            return model.fit(L).predict_proba(L)

    elif method == "Snorkel LM":
        import torch
        from snorkel.labeling.model import LabelModel

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))

        prepared = L.astype(np.int64)  # Snorkel's documented input: int64
        del L

        def run() -> Any:
            model = LabelModel(cardinality=k, verbose=False)
            # Snorkel's defaults (n_epochs=100, lr=0.01), as a user's first call
            model.fit(prepared, seed=0, progress_bar=False)
            return model.predict_proba(prepared)

    elif method == "Snorkel MV":
        from snorkel.labeling.model import MajorityLabelVoter

        prepared = L.astype(np.int64)
        del L

        def run() -> Any:
            return MajorityLabelVoter(cardinality=k).predict_proba(prepared)

    elif method == "ck DS":
        import pandas as pd
        from crowdkit.aggregation import DawidSkene

        rows, cols = np.nonzero(L >= 0)
        prepared = pd.DataFrame({"task": rows, "worker": cols, "label": L[rows, cols]})
        n = L.shape[0]
        del L, rows, cols

        def run() -> Any:
            probas = DawidSkene(n_iter=100).fit_predict_proba(prepared)
            return probas.reindex(index=np.arange(n), columns=np.arange(k)).to_numpy()

    else:
        raise ValueError(f"unknown method {method!r}")

    base = _current_rss_mb()
    times = []
    first_peak = 0.0
    proba: Any = None
    for i in range(max(1, repeat)):
        proba = None  # free the previous result before the next call
        start = time.perf_counter()
        proba = run()
        times.append(time.perf_counter() - start)
        if i == 0:  # peak after the first call: what one fit + predict needs
            first_peak = _rss_mb()
    proba = np.asarray(proba, dtype=np.float64)
    acc = score(y, proba, "acc", 0)
    return {
        "seconds": times[0],
        "warm_seconds": min(times[1:]) if len(times) > 1 else None,
        "peak_mb": first_peak,
        "extra_mb": max(first_peak - base, 0.0),
        "acc": acc,
    }


# --------------------------------------------------------------------------- parent
def run_child(
    method: str, path_L: str, path_y: str, k: int, limit: float, repeat: int = 2
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        method,
        path_L,
        path_y,
        str(k),
        str(repeat),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(thread_env(THREADS))
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=limit * repeat,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        return {
            "status": "error",
            "note": tail[-1][:120] if tail else f"rc {proc.returncode}",
        }
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["status"] = "ok"
    return out


def median_of_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several fresh-process runs of a method on a size.

    The run with the median cold time stands for the others; its cold and
    warm times are replaced by the medians over the runs (warm: of each
    run's fastest repeat call).  Any failed run makes the result that run's.
    """
    failed = [r for r in runs if r["status"] != "ok"]
    if failed:
        return failed[0]
    order = sorted(runs, key=lambda r: r["seconds"])
    out = dict(order[(len(order) - 1) // 2])
    out["seconds"] = float(np.median([r["seconds"] for r in runs]))
    warm = [r["warm_seconds"] for r in runs if r.get("warm_seconds") is not None]
    if warm:
        out["warm_seconds"] = float(np.median(warm))
    out["rounds"] = [
        {"seconds": r["seconds"], "warm_seconds": r.get("warm_seconds")} for r in runs
    ]
    return out


def _fmt_cell(res: dict[str, Any] | None, limit: float) -> str:
    if res is None:
        return "-"
    st = res["status"]
    if st == "ok":
        warm = res.get("warm_seconds")
        warm_text = f" ({warm:.2f} s)" if warm is not None else ""
        return (
            f"{res['seconds']:.2f} s{warm_text} / {res['peak_mb']:.0f} MB"
            f" / {res['acc']:.3f}"
        )
    if st == "timeout":
        return f">{limit:g} s"
    if st == "skipped":
        return f"skipped (est. {res['estimate']:.0f} s)"
    if st == "na":
        return f"n/a ({res.get('note', '')})"
    return f"error ({res.get('note', '')})"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        method, path_L, path_y, k = argv[1], argv[2], argv[3], int(argv[4])
        repeat = int(argv[5]) if len(argv) > 5 else 1
        print(json.dumps(child(method, path_L, path_y, k, repeat)))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="add 10M x 50")
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="fit + predict calls per child: the first is reported cold, the "
        "fastest of the others warm (default 2)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="fresh processes per method for sizes up to 1M x 50, run in turn"
        " across the methods; cells give the medians (default 3; larger sizes"
        " run once)",
    )
    parser.add_argument(
        "--big-peers",
        action="store_true",
        help="also run the peers at 10M rows (Snorkel needs int64 votes: 4 GB+)",
    )
    parser.add_argument("--only", choices=["all", "ours", "peers"], default="all")
    parser.add_argument("--methods", help="comma-separated methods")
    parser.add_argument("--peer-limit", type=float, default=300.0)
    parser.add_argument("--ours-limit", type=float, default=600.0)
    parser.add_argument("--sizes", help="comma-separated indices into the size list")
    parser.add_argument("--data-dir", help="cache folder for the synthetic .npy files")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/OpenMP/torch threads per method (default 1: stable timings "
        "on a shared machine; every method gets the same)",
    )
    parser.add_argument(
        "--out", help="markdown file (default: results/ for a full run)"
    )
    args = parser.parse_args(argv)

    global THREADS
    THREADS = args.threads
    methods = list(OURS + PEERS)
    if args.only == "ours":
        methods = list(OURS)
    elif args.only == "peers":
        methods = list(PEERS)
    if args.methods:
        methods = [m.strip() for m in args.methods.split(",")]
    size_list = sizes(args.big)
    if args.sizes:
        size_list = [size_list[int(i)] for i in args.sizes.split(",")]

    data_dir = args.data_dir or os.path.join(tempfile.gettempdir(), "weaklabel_speed")
    os.makedirs(data_dir, exist_ok=True)

    load_before = os.getloadavg()
    results: dict[tuple[str, str], dict[str, Any]] = {}
    last_ok: dict[str, tuple[Size, float]] = {}
    for size in size_list:
        t0 = time.perf_counter()
        path_L, path_y = make_data(size, data_dir)
        print(f"data {size.label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        rounds = max(1, args.rounds) if size.n * size.m <= ROUNDS_MAX_VOTES else 1
        to_run: list[tuple[str, float]] = []
        for method in methods:
            is_peer = method not in OURS
            limit = args.peer_limit if is_peer else args.ours_limit
            prev = last_ok.get(method)
            if is_peer and size.n >= 10_000_000 and not args.big_peers:
                results[(method, size.label)] = {
                    "status": "na",
                    "note": "not run at 10M: memory; --big-peers",
                }
                continue
            if is_peer and prev is not None:
                prev_size, prev_sec = prev
                estimate = (
                    prev_sec
                    * (size.n * size.m * max(size.k, 2))
                    / (prev_size.n * prev_size.m * max(prev_size.k, 2))
                )
                if estimate > limit:
                    results[(method, size.label)] = {
                        "status": "skipped",
                        "estimate": estimate,
                    }
                    print(
                        f"{size.label:18s} {method:13s} skipped (est. {estimate:.0f} s)",
                        file=sys.stderr,
                    )
                    continue
            to_run.append((method, limit))
        # Rounds in turn across the methods, so that a slow spell of the
        # machine hits every method alike; the medians are reported.
        runs: dict[str, list[dict[str, Any]]] = {method: [] for method, _ in to_run}
        for round_no in range(rounds):  # loop over rounds of fresh processes
            for method, limit in to_run:
                if runs[method] and runs[method][-1]["status"] != "ok":
                    continue  # failed once: not run again
                res = run_child(method, path_L, path_y, size.k, limit, args.repeat)
                runs[method].append(res)
                print(
                    f"{size.label:18s} {method:13s} {_fmt_cell(res, limit)}"
                    + (f"  (round {round_no + 1} of {rounds})" if rounds > 1 else ""),
                    file=sys.stderr,
                )
        for method, _ in to_run:
            res = median_of_rounds(runs[method])
            results[(method, size.label)] = res
            if res["status"] == "ok":
                last_ok[method] = (size, res["seconds"])

    # ------------------------------------------------------------------ report
    load_after = os.getloadavg()
    from provenance import provenance_line  # benchmarks/provenance.py

    lines = ["# Label-model speed (bench_label_model_speed.py)", ""]
    lines += [provenance_line(load_before), ""]
    lines.append(
        f"Run {_dt.datetime.now().isoformat(timespec='seconds')} on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} CPUs, "
        f"{platform.machine()}), Python {platform.python_version()}, numpy "
        f"{np.__version__}.  Each cell: seconds of the first fit + predict_proba "
        "call in a fresh process (cold: every page of memory is touched for the "
        "first time, which is slow on this VM), in parentheses the fastest of the "
        f"next {args.repeat - 1} call(s) in the same process (warm); for sizes up "
        f"to 1M x 50 both are medians over {max(1, args.rounds)} fresh processes "
        "per method, run in turn across the methods / peak RSS of "
        "the process after the first call (MB, includes the interpreter, imports "
        "and the votes) / accuracy on the synthetic gold.  Snorkel LabelModel: its defaults "
        "(n_epochs=100, lr=0.01); crowd-kit DS: n_iter=100, timed from its long table.  "
        f"weaklabel models: default settings.  Threads per method: {THREADS} "
        "(BLAS, OpenMP and torch).  Machine load average (1/5/15 min) "
        f"before {'/'.join(f'{x:.1f}' for x in load_before)}, after "
        f"{'/'.join(f'{x:.1f}' for x in load_after)}: other jobs running at the "
        "same time slow every method alike only if the load is steady; compare "
        "ratios, not absolute seconds, across runs.",
    )
    lines.append("")
    lines.append("| size | " + " | ".join(methods) + " |")
    lines.append("|---|" + "---|" * len(methods))
    for size in size_list:
        row = [
            _fmt_cell(
                results.get((m, size.label)),
                args.peer_limit if m not in OURS else args.ours_limit,
            )
            for m in methods
        ]
        lines.append(f"| {size.label} | " + " | ".join(row) + " |")
    lines.append("")
    ratio_pairs = [(p, o) for p, o in RATIOS if p in methods and o in methods]
    if ratio_pairs:
        for key, what in (("seconds", "cold"), ("warm_seconds", "warm")):
            lines.append(
                f"Speed-up of weaklabel over the peer ({what}: peer seconds /"
                " ours, same run):"
            )
            lines.append("")
            lines.append(
                "| size | " + " | ".join(f"{p} / {o}" for p, o in ratio_pairs) + " |"
            )
            lines.append("|---|" + "---|" * len(ratio_pairs))
            for size in size_list:
                row = []
                for p, o in ratio_pairs:
                    rp = results.get((p, size.label))
                    ro = results.get((o, size.label))
                    ours_ok = bool(ro and ro["status"] == "ok" and ro.get(key))
                    if ours_ok and rp and rp["status"] == "ok" and rp.get(key):
                        row.append(f"{rp[key] / ro[key]:.1f}x")  # type: ignore[index]
                    elif ours_ok and rp and rp["status"] in ("timeout", "skipped"):
                        lim = rp.get("estimate", args.peer_limit)
                        row.append(f">{lim / ro[key]:.0f}x")  # type: ignore[index]
                    else:
                        row.append("-")
                lines.append(f"| {size.label} | " + " | ".join(row) + " |")
            lines.append("")
        lines.append(
            "Extra memory over the loaded votes (MB, peak RSS minus RSS before fit):"
        )
        lines.append("")
        lines.append("| size | " + " | ".join(methods) + " |")
        lines.append("|---|" + "---|" * len(methods))
        for size in size_list:
            row = []
            for m in methods:
                r = results.get((m, size.label))
                row.append(f"{r['extra_mb']:.0f}" if r and r["status"] == "ok" else "-")
            lines.append(f"| {size.label} | " + " | ".join(row) + " |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    out_path = args.out
    if out_path is None and args.only == "all" and not args.methods and not args.sizes:
        out_path = os.path.join(RESULTS_DIR, "bench_label_model_speed.md")
    if out_path:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        with open(os.path.splitext(out_path)[0] + ".json", "w", encoding="utf-8") as fh:
            json.dump({f"{m}|{s}": r for (m, s), r in results.items()}, fh, indent=1)
        print(f"wrote {out_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
