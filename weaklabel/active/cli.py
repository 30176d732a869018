"""``weaklabel suggest`` (rows to hand-label) and ``weaklabel suggest-lfs`` (new LFs)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]

# weaklabel.active.STRATEGIES, spelled out so that building the parser imports
# nothing heavy (a test checks they agree).
_STRATEGIES = (
    "auto",
    "expected_error",
    "entropy",
    "margin",
    "disagreement",
    "end_model",
    "random",
)

_SUGGEST_EXAMPLES = """examples:
  weaklabel suggest --votes votes.parquet --n 25 --out next.csv
  weaklabel suggest --votes votes.parquet --gold gold.csv --gold-column label \\
      --n 25 --out next.csv --seed 0
  weaklabel suggest --votes votes.parquet --data comments.csv --strategy end_model \\
      --n 50 --out next.csv

next.csv: one row per suggested row, best first; columns position (0-based row
of the votes file) and id (the votes file's index), plus text with --data.
Label them, add the labels to the gold file (one row per vote row, blank =
unknown), and run suggest again: rows in the gold file are never suggested.
"""

_SUGGEST_LFS_EXAMPLES = """examples:
  weaklabel suggest-lfs --data comments.csv --gold gold.csv --out candidates.csv
  weaklabel suggest-lfs --data comments.csv --gold gold.csv --votes votes.parquet \\
      --min-precision 0.9 --out candidates.csv
  weaklabel suggest-lfs --accept candidates.csv --rows 0,3,7 --classes ham,spam \\
      --rules my_rules.json

candidates.csv lists each candidate with its class, precision on the gold
rows and coverage on all rows; --accept writes the chosen ones to a JSON rules
file that weaklabel.suggest_lfs.load_rules (or LFRegistry users) turn into LFs.
"""


def _text_features(data: Any, column: str) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        min_df=2, max_features=20000, sublinear_tf=True
    ).fit_transform(data[column].fillna("").astype(str))


def _text_column(data: Any, column: str | None) -> str | None:
    from weaklabel.cli import CLIError

    if column is not None:
        if column not in data.columns:
            raise CLIError(
                f"--data has no column {column!r}; its columns are {list(data.columns)}."
                " Pick one with --text-column."
            )
        return column
    return "text" if "text" in data.columns else None


def _cmd_suggest(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from weaklabel._files import atomic_write
    from weaklabel.active import ActiveLearner
    from weaklabel.cli import CLIError, read_table
    from weaklabel.io import read_votes
    from weaklabel.report.cli import read_gold

    L = read_votes(args.votes)
    y = read_gold(args, L)
    data = None
    features = None
    text = None
    if args.data is not None:
        data = read_table(args.data)
        if len(data) != len(L):
            raise CLIError(
                f"--data has {len(data)} rows but the votes file has {len(L)}; pass"
                " the data the votes were computed on, row for row."
            )
        column = _text_column(data, args.text_column)
        if column is not None:
            text = data[column]
            features = _text_features(data, column)
    if args.strategy == "end_model" and features is None:
        raise CLIError(
            "--strategy end_model needs row features: give --data with a text column"
            " (--text-column, default text)."
        )
    learner = ActiveLearner(
        strategy=args.strategy,
        diversity="patterns",
        random_state=args.seed,
    )
    rows = learner.fit(L, y, features=features).suggest(args.n)
    out = pd.DataFrame({"position": rows, "id": np.asarray(L.index)[rows]})
    if text is not None:
        out["text"] = np.asarray(text)[rows]
    atomic_write(args.out, lambda tmp: out.to_csv(tmp, index=False))
    n_gold = 0 if y is None else int((np.asarray(y) >= 0).sum())
    print(
        f"suggested {len(out)} of {len(L) - n_gold} unlabeled rows"
        f" (strategy {args.strategy}); wrote {args.out}"
    )
    return 0


def register(subparsers: Any) -> None:
    """Add ``suggest`` and ``suggest-lfs`` to the ``weaklabel`` command line."""
    from weaklabel.report.cli import add_gold_options

    p = subparsers.add_parser(
        "suggest",
        help="pick the rows to hand-label next (active learning)",
        description="Rank the rows whose hand labels would improve the labels most"
        " (the label model is refitted with the gold rows given) and write the best"
        " N to a CSV file, best first. Rows of the gold file are never suggested.",
        epilog=_SUGGEST_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--votes", required=True, help="vote matrix file (from 'weaklabel apply')"
    )
    p.add_argument("--n", type=int, required=True, help="how many rows to suggest")
    p.add_argument(
        "--out", required=True, help="CSV file to write (position, id[, text])"
    )
    add_gold_options(p)
    p.add_argument(
        "--strategy",
        choices=_STRATEGIES,
        default="auto",
        help="how rows are ranked (default auto: the benchmark's best, see"
        " docs/human_in_the_loop.md)",
    )
    p.add_argument(
        "--data",
        default=None,
        help="the data the votes were computed on (same rows): its text is copied"
        " into the output and gives TF-IDF features for --strategy end_model",
    )
    p.add_argument(
        "--text-column", default=None, help="text column of --data (default: text)"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed for ties and 'random' (default 0)"
    )
    p.set_defaults(func=_cmd_suggest)
