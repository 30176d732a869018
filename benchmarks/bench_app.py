"""Workbench speed: time to first page, to filter rows, to preview a rule,
to save a label and to refit, through a real uvicorn server on 127.0.0.1.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_app.py [--rows 1000000] [--lfs 20]

Targets (issue 17): page and filter under 300 ms, rule preview under 1 s on
100k rows, a label saved under 50 ms.  The rule preview is measured on a
100k-row project and on the big one.  Writes benchmarks/results/bench_app.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = [
    "song",
    "love",
    "great",
    "video",
    "subscribe",
    "channel",
    "check",
    "free",
    "gift",
    "win",
    "money",
    "http",
    "www",
    "music",
    "voice",
    "best",
    "amazing",
    "watch",
    "like",
    "comment",
    "share",
    "click",
    "link",
    "prize",
    "dance",
    "beautiful",
    "cool",
    "nice",
    "old",
    "new",
    "year",
    "girl",
    "boy",
    "listen",
    "play",
]


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` short comments drawn from a small vocabulary (about 8 words each)."""
    rng = np.random.default_rng(seed)
    vocab = np.array(WORDS)
    lengths = rng.integers(3, 14, size=n)
    flat = vocab[rng.integers(0, len(vocab), size=int(lengths.sum()))]
    ends = np.cumsum(lengths)
    starts = ends - lengths
    text = [" ".join(flat[s:e]) for s, e in zip(starts, ends, strict=True)]
    return pd.DataFrame({"text": text})


def lf_module(n_lfs: int, path: Path) -> Path:
    """An LF module with ``n_lfs`` vectorized keyword LFs."""
    lines = [
        "from weaklabel import LFRegistry, keyword_lf",
        "lfs = LFRegistry(classes=['ham', 'spam'])",
    ]
    spam = [
        "subscribe",
        "channel",
        "check",
        "free",
        "gift",
        "win",
        "money",
        "http",
        "click",
        "link",
        "prize",
        "www",
    ]
    ham = ["song", "love", "great", "music", "voice", "best", "amazing", "beautiful"]
    for j in range(n_lfs):
        word, label = (
            (spam[j // 2 % len(spam)], "spam")
            if j % 2 == 0
            else (ham[j // 2 % len(ham)], "ham")
        )
        lines.append(
            f"lfs.add(keyword_lf('lf_{j}_{word}', [{word!r}], label={label!r}))"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(fn: Any, repeat: int = 5) -> tuple[float, float]:
    """Median and max wall time of ``fn`` in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times), max(times)


def serve(wb: Any) -> tuple[Any, str, Any]:
    import uvicorn

    from weaklabel.app.run import free_port
    from weaklabel.app.server import AppSettings, create_app

    port = free_port()
    settings = AppSettings(port=port, csrf_token="bench")
    app = create_app(wb, settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}", thread


def measure(n: int, n_lfs: int, tmp: Path) -> list[tuple[str, float, float, str]]:
    import httpx

    from weaklabel.app.workbench import Workbench

    frame = make_data(n)
    module = lf_module(n_lfs, tmp / f"lfs_{n}.py")
    t0 = time.perf_counter()
    wb = Workbench(frame, module, tmp / f"p_{n}.sqlite")
    status = wb.start_job("apply", wait=True)
    assert status.state == "done", status.error
    load_s = time.perf_counter() - t0
    server, url, thread = serve(wb)
    rows: list[tuple[str, float, float, str]] = []
    with httpx.Client(base_url=url, timeout=120) as client:
        headers = {"X-CSRF-Token": "bench"}

        def get(path: str, **params: Any) -> Any:
            r = client.get(path, params=params)
            r.raise_for_status()
            return r

        first = timed(lambda: get("/"), repeat=1)
        rows.append((f"first overview page ({n:,} rows)", *first, "< 300 ms"))
        rows.append(("overview page", *timed(lambda: get("/")), "< 300 ms"))
        rows.append(("rows page, no filter", *timed(lambda: get("/rows")), "< 300 ms"))
        rows.append(
            (
                "rows page, text search",
                *timed(lambda: get("/rows", text="free gift")),
                "< 300 ms",
            )
        )
        rows.append(
            (
                "rows page, LF fired + conflict",
                *timed(lambda: get("/rows", lf="lf_0_subscribe", conflict="1")),
                "< 300 ms",
            )
        )
        rows.append(
            (
                "rows page, confidence < 0.6",
                *timed(lambda: get("/rows", confidence_below="0.6")),
                "< 300 ms",
            )
        )
        rows.append(
            (
                "rows API, page 1000",
                *timed(lambda: get("/api/rows", offset=50_000, limit=50)),
                "< 300 ms",
            )
        )
        rows.append(
            (
                f"rule preview, keyword ({n:,} rows)",
                *timed(
                    lambda: get(
                        "/api/rules/preview", kind="keyword", pattern="prize", label="1"
                    )
                ),
                "< 1 s at 100k",
            )
        )
        rows.append(
            (
                f"rule preview, regex ({n:,} rows)",
                *timed(
                    lambda: get(
                        "/api/rules/preview",
                        kind="regex",
                        pattern=r"win\s+\w+\s+money",
                        label="1",
                    )
                ),
                "< 1 s at 100k",
            )
        )
        counter = iter(range(10**9))

        def label() -> None:
            r = client.post(
                "/api/labels",
                json={"position": next(counter), "label": 1},
                headers=headers,
            )
            r.raise_for_status()

        rows.append(
            (
                "save a label (POST, one transaction)",
                *timed(label, repeat=20),
                "< 50 ms",
            )
        )

        def refit() -> None:
            client.post("/api/jobs/fit", headers=headers).raise_for_status()
            time.sleep(0.01)
            wb.wait()

        rows.append(
            (f"refit ({n:,} x {n_lfs}, background job)", *timed(refit, repeat=3), "-")
        )
    rows.append(
        (
            f"load data + apply {n_lfs} LFs + first fit",
            1000 * load_s,
            1000 * load_s,
            "-",
        )
    )
    server.should_exit = True
    thread.join(10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lfs", type=int, default=20)
    parser.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results" / "bench_app.md")
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = measure(100_000, args.lfs, Path(tmp))
        big = measure(args.rows, args.lfs, Path(tmp))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    load = os.getloadavg()
    lines = [
        "# Workbench speed",
        "",
        f"commit {commit}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())},"
        f" load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} cores;"
        " a real uvicorn server on 127.0.0.1, requests from httpx; times in ms"
        " (median and max of 5 requests, 20 for labels, 3 for refits).",
        "",
        f"Synthetic comments (3-13 words from a 36-word vocabulary), {args.lfs} keyword LFs.",
        "",
        "| what | median ms | max ms | target |",
        "|---|---|---|---|",
    ]
    for name, med, mx, target in small + big:
        lines.append(f"| {name} | {med:.0f} | {mx:.0f} | {target} |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
