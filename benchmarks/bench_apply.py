"""Benchmark: applying labeling functions, weaklabel vs Snorkel's PandasLFApplier.

Applies 10 row-wise LFs and the same 10 rules written as vectorized LFs to
``--rows`` rows of YouTube comment text (the UCI YouTube Spam Collection,
repeated), and times:

- Snorkel 0.10.0 ``PandasLFApplier`` on the 10 row-wise LFs (the same Python
  functions, wrapped as ``snorkel.labeling.LabelingFunction``);
- weaklabel ``apply_lfs`` on the 10 row-wise LFs (serial, and ``n_jobs``);
- weaklabel ``apply_lfs`` on the 10 vectorized LFs.

All runs see the same rows in the same process, and every vote matrix is
checked to be identical to Snorkel's before the timings are reported.  The
markdown table is printed and written to ``benchmarks/results/bench_apply.md``.

Run it in the benchmark environment (Snorkel is not a weaklabel dependency)::

    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_apply.py --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path("/work/shared/data/raw_youtube_spam_uci")
RESULTS = ROOT / "benchmarks" / "results" / "bench_apply.md"

SPAM, HAM, ABSTAIN = 1, 0, -1


# ------------------------------------------------------------------ the rules
# Row-wise: one comment at a time, through attribute access (row.text), as a
# user writes them for either library.


def check_out(x):
    return SPAM if "check out" in x.text.lower() else ABSTAIN


def subscribe(x):
    return SPAM if "subscribe" in x.text.lower() else ABSTAIN


def has_link(x):
    return SPAM if "http" in x.text.lower() else ABSTAIN


def my_channel(x):
    return SPAM if "my channel" in x.text.lower() else ABSTAIN


def please(x):
    text = x.text.lower()
    return SPAM if "please" in text or "plz" in text else ABSTAIN


def money(x):
    return SPAM if "$" in x.text or "money" in x.text.lower() else ABSTAIN


def exclamations(x):
    return SPAM if x.text.count("!") >= 3 else ABSTAIN


def short_comment(x):
    return HAM if len(x.text.split()) < 5 else ABSTAIN


def song(x):
    return HAM if "song" in x.text.lower() else ABSTAIN


def love(x):
    return HAM if "love" in x.text.lower() else ABSTAIN


ROW_WISE = [
    check_out,
    subscribe,
    has_link,
    my_channel,
    please,
    money,
    exclamations,
    short_comment,
    song,
    love,
]


# Vectorized: the same rules on the whole column at once, written the way a
# pandas user would for speed (case-insensitive matching instead of lower(),
# one anchored regular expression instead of split() and len()).


def _votes(mask, label):
    return np.where(mask.to_numpy(dtype=bool), label, ABSTAIN)


def _has(df, word):
    return df.text.str.contains(word, case=False, regex=False)


def check_out_vec(df):
    return _votes(_has(df, "check out"), SPAM)


def subscribe_vec(df):
    return _votes(_has(df, "subscribe"), SPAM)


def has_link_vec(df):
    return _votes(_has(df, "http"), SPAM)


def my_channel_vec(df):
    return _votes(_has(df, "my channel"), SPAM)


def please_vec(df):
    return _votes(df.text.str.contains("please|plz", case=False), SPAM)


def money_vec(df):
    hit = df.text.str.contains("$", regex=False) | _has(df, "money")
    return _votes(hit, SPAM)


def exclamations_vec(df):
    return _votes(df.text.str.contains("(?s)!.*!.*!"), SPAM)


# "Fewer than 5 words" as one regular expression, with weaklabel's regex_lf:
# Python's \s is exactly what str.split() splits on, and regex_lf runs the
# pattern through RE2 and falls back to re only for the rows where the two
# engines could differ (pandas' str.contains would use re for every row).
SHORT_COMMENT = r"^\s*(?:\S+\s+){0,3}\S*$"


def song_vec(df):
    return _votes(_has(df, "song"), HAM)


def love_vec(df):
    return _votes(_has(df, "love"), HAM)


VECTORIZED = [
    check_out_vec,
    subscribe_vec,
    has_link_vec,
    my_channel_vec,
    please_vec,
    money_vec,
    exclamations_vec,
    "short_comment",  # regex_lf(SHORT_COMMENT), built in main()
    song_vec,
    love_vec,
]


# -------------------------------------------------------------------- running


def load_rows(data_dir: Path, rows: int) -> pd.DataFrame:
    files = sorted(glob.glob(str(data_dir / "Youtube0*.csv")))
    if not files:
        sys.exit(f"No Youtube0*.csv files in {data_dir}; pass --data.")
    raw = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    raw = raw.rename(
        columns={
            "COMMENT_ID": "comment_id",
            "AUTHOR": "author",
            "DATE": "date",
            "CONTENT": "text",
            "CLASS": "label",
        }
    )
    reps = -(-rows // len(raw))
    df = pd.concat([raw] * reps, ignore_index=True).iloc[:rows]
    return df.reset_index(drop=True)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--snorkel-rows",
        type=int,
        default=None,
        help="measure Snorkel on the first N rows only (default: all --rows)",
    )
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from weaklabel.apply import apply_lfs
    from weaklabel.lf import labeling_function
    from weaklabel.lf_helpers import regex_lf

    load_before = os.getloadavg()[0]
    df = load_rows(args.data, args.rows)
    n = len(df)
    classes = ["ham", "spam"]
    ours_row = [labeling_function(f) for f in ROW_WISE]
    ours_vec = [
        regex_lf(f, SHORT_COMMENT, HAM, flags=0)
        if isinstance(f, str)
        else labeling_function(name=f.__name__.removesuffix("_vec"), vectorized=True)(f)
        for f in VECTORIZED
    ]

    results: list[tuple[str, int, float]] = []
    matrices: dict[str, np.ndarray] = {}

    snorkel_version = "not installed"
    try:
        import snorkel
        from snorkel.labeling import LabelingFunction as SnorkelLF
        from snorkel.labeling import PandasLFApplier

        snorkel_version = snorkel.__version__
    except ImportError:
        PandasLFApplier = None
    if PandasLFApplier is not None:
        n_snorkel = min(args.snorkel_rows or n, n)
        applier = PandasLFApplier([SnorkelLF(f.__name__, f) for f in ROW_WISE])
        print(f"Snorkel PandasLFApplier on {n_snorkel:,} rows ...", flush=True)
        L, sec = timed(lambda: applier.apply(df.iloc[:n_snorkel], progress_bar=False))
        results.append(
            ("Snorkel 0.10.0 PandasLFApplier, 10 row-wise LFs", n_snorkel, sec)
        )
        matrices["snorkel"] = np.asarray(L)

    print(f"weaklabel row-wise on {n:,} rows ...", flush=True)
    L, sec = timed(lambda: apply_lfs(ours_row, df, classes=classes))
    results.append(("weaklabel apply_lfs, 10 row-wise LFs", n, sec))
    matrices["row"] = L.to_numpy()

    if args.n_jobs > 1:
        print(f"weaklabel row-wise n_jobs={args.n_jobs} ...", flush=True)
        L, sec = timed(
            lambda: apply_lfs(ours_row, df, classes=classes, n_jobs=args.n_jobs)
        )
        results.append(
            (f"weaklabel apply_lfs, 10 row-wise LFs, n_jobs={args.n_jobs}", n, sec)
        )
        matrices["row_jobs"] = L.to_numpy()

    print(f"weaklabel vectorized on {n:,} rows ...", flush=True)
    L, sec = timed(lambda: apply_lfs(ours_vec, df, classes=classes))
    results.append(("weaklabel apply_lfs, 10 vectorized LFs", n, sec))
    matrices["vec"] = L.to_numpy()

    # every method must produce the same votes
    ref = matrices["row"]
    for key, M in matrices.items():
        rows = M.shape[0]
        if not np.array_equal(M, ref[:rows]):
            bad = int((ref[:rows] != M).any(axis=1).sum())
            sys.exit(f"Vote matrices differ: {key} vs weaklabel row-wise on {bad} rows")

    snorkel_rate = None
    if PandasLFApplier is not None:
        snorkel_rate = results[0][1] / results[0][2]
    lines = [
        "| method | rows | seconds | rows/s | vs Snorkel |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, rows, sec in results:
        rate = rows / sec
        ratio = "n/a" if snorkel_rate is None else f"{rate / snorkel_rate:.1f}x"
        lines.append(f"| {name} | {rows:,} | {sec:.2f} | {rate:,.0f} | {ratio} |")
    table = "\n".join(lines)
    cpu = platform.processor() or platform.machine()
    from provenance import provenance_line  # benchmarks/provenance.py

    header = [
        "# Applying labeling functions: weaklabel vs Snorkel",
        "",
        provenance_line(),
        "",
        f"Generated by `benchmarks/bench_apply.py --rows {args.rows}` on"
        f" {dt.date.today().isoformat()}: {os.cpu_count()} CPUs ({cpu}), Python"
        f" {platform.python_version()}, pandas {pd.__version__}, numpy"
        f" {np.__version__}, snorkel {snorkel_version}.",
        "",
        f"Data: the {len(glob.glob(str(args.data / 'Youtube0*.csv')))} UCI YouTube"
        f" Spam Collection CSVs (1956 comments, 5 columns) repeated to {n:,} rows."
        " The 10 row-wise LFs are plain Python functions of `row.text`"
        " (substring tests, word and `!` counts); Snorkel wraps the very same"
        " functions. The vectorized LFs are the same 10 rules written with pandas"
        " string methods (9) and `weaklabel.lf_helpers.regex_lf` (the word"
        " count). All vote matrices were checked to be identical."
        " Each method was timed once, in the same process; rows/s makes runs"
        " over different row counts comparable.",
        "",
    ]
    header.append(
        f"Load average (1 min) {load_before:.1f} at the start and"
        f" {os.getloadavg()[0]:.1f} at the end of the run, on {os.cpu_count()} CPUs:"
        " other jobs on the machine slow every method alike, so compare ratios,"
        " not absolute rows/s, across runs."
    )
    header.append("")
    if PandasLFApplier is None:
        header.extend(["Snorkel is not installed in this environment: no ratios.", ""])
    text = "\n".join(header) + "\n" + table + "\n"
    print()
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
