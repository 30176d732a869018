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
  weaklabel suggest-lfs --data comments.csv --gold gold.csv --votes votes.parquet \\
      --out candidates.csv
  weaklabel suggest-lfs --data comments.csv --gold gold.csv --classes ham,spam \\
      --min-precision 0.9 --out candidates.csv
  weaklabel suggest-lfs --accept candidates.csv --pick 0,3,7 --rules rules.json

The first form writes the candidates (name, kind, pattern, label, precision on
the gold rows, support, coverage on all rows, with --votes also new_coverage
and conflicts) to a CSV file and prints them; look, then accept the rows you
want (by their 0-based number in that file) into a JSON rules file, which
weaklabel.active.suggest_lfs.load_rules turns into an LFRegistry.
"""


def _text_features(data: Any, column: str) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        min_df=2, max_features=20000, sublinear_tf=True
    ).fit_transform(data[column].fillna("").astype(str))


def _text_column(data: Any, column: str | None) -> str | None:
    from weaklabel.exceptions import WeakLabelError as CLIError

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
    from weaklabel.exceptions import WeakLabelError as CLIError
    from weaklabel.io import read_table, read_votes
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

    p = subparsers.add_parser(
        "suggest-lfs",
        help="propose keyword/n-gram/regex LFs from the labeled rows; accept some",
        description="Propose candidate LFs (keywords, two-word phrases, simple"
        " regexes) from the gold rows, with their precision on the gold rows and"
        " coverage on all rows; then accept chosen ones into a JSON rules file.",
        epilog=_SUGGEST_LFS_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", default=None, help="data file with the rows' text")
    p.add_argument(
        "--text-column", default=None, help="text column of --data (default: text)"
    )
    add_gold_options(p)
    p.add_argument(
        "--votes",
        default=None,
        help="current vote matrix (same rows): gives the class names and adds"
        " new_coverage and conflicts with the existing LFs",
    )
    p.add_argument(
        "--classes",
        default=None,
        help="comma-separated class names in class-index order (default: from --votes)",
    )
    p.add_argument(
        "--min-precision",
        type=float,
        default=0.8,
        help="smallest precision on the gold rows (default 0.8)",
    )
    p.add_argument(
        "--min-support",
        type=int,
        default=3,
        help="smallest number of gold rows a candidate matches (default 3)",
    )
    p.add_argument(
        "--top", type=int, default=30, help="most candidates listed (default 30)"
    )
    p.add_argument("--out", default=None, help="CSV file for the candidates")
    p.add_argument(
        "--accept",
        default=None,
        help="a candidates CSV written before: accept its rows given by --pick",
    )
    p.add_argument(
        "--pick",
        default=None,
        help="comma-separated 0-based row numbers of the candidates file to accept",
    )
    p.add_argument(
        "--rules",
        default=None,
        help="JSON rules file to add the accepted candidates to (created if missing)",
    )
    p.set_defaults(func=_cmd_suggest_lfs)


def _cmd_suggest_lfs(args: argparse.Namespace) -> int:
    from weaklabel.exceptions import WeakLabelError as CLIError

    if args.accept is not None:
        return _accept(args)
    if args.data is None or args.gold is None or args.out is None:
        raise CLIError(
            "suggest-lfs needs --data, --gold and --out to propose LFs (or --accept"
            " CANDIDATES --pick ROWS --rules FILE to accept some)."
        )
    import numpy as np

    from weaklabel._files import atomic_write
    from weaklabel.active.suggest_lfs import suggest_lfs
    from weaklabel.io import read_gold, read_table, read_votes

    data = read_table(args.data)
    L = None
    classes: list[str] | None = None
    if args.votes is not None:
        L = read_votes(args.votes)
        if len(L) != len(data):
            raise CLIError(
                f"--votes has {len(L)} rows but --data has {len(data)}; they must be"
                " the same rows, in the same order."
            )
        classes = L.attrs.get("classes")
    if args.classes is not None:
        classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    if not classes:
        raise CLIError(
            "suggest-lfs needs the class names: give --classes ham,spam (in class"
            " order) or a Parquet --votes file that names them."
        )
    column = _text_column(data, args.text_column)
    if column is None:
        raise CLIError(
            f"--data has no column 'text'; its columns are {list(data.columns)}."
            " Pick the text with --text-column."
        )
    try:
        y = read_gold(
            args.gold,
            column=args.gold_column or "label",
            n_rows=len(data),
            classes=classes,
        )
    except ValueError as exc:
        raise CLIError(str(exc)) from exc
    table = suggest_lfs(
        data[column],
        np.asarray(y),
        classes,
        L=L,
        min_precision=args.min_precision,
        min_support=args.min_support,
        max_candidates=args.top,
        column=column,
    )
    table["classes"] = ",".join(classes)
    atomic_write(args.out, lambda tmp: table.to_csv(tmp, index=False))
    shown = table.drop(columns=["classes", "column"])
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(shown.to_string(float_format=lambda v: f"{v:.3f}"))
    print(
        f"{len(table)} candidates from {int((np.asarray(y) >= 0).sum())} gold rows;"
        f" wrote {args.out}. Accept some: weaklabel suggest-lfs --accept {args.out}"
        " --pick 0,1 --rules rules.json"
    )
    return 0


def _accept(args: argparse.Namespace) -> int:
    import pandas as pd

    from weaklabel.active.suggest_lfs import write_rules
    from weaklabel.exceptions import WeakLabelError as CLIError

    if args.pick is None or args.rules is None:
        raise CLIError("--accept needs --pick ROWS (e.g. 0,3,7) and --rules FILE.")
    table = pd.read_csv(args.accept, dtype={"pattern": str}, keep_default_na=False)
    need = {"name", "kind", "pattern", "label", "column", "classes"}
    if not need <= set(table.columns):
        raise CLIError(
            f"{args.accept!r} is not a candidates file from weaklabel suggest-lfs (it"
            f" lacks {sorted(need - set(table.columns))})."
        )
    try:
        picks = [int(x) for x in args.pick.split(",") if x.strip()]
    except ValueError as exc:
        raise CLIError(
            f"--pick must be comma-separated row numbers; got {args.pick!r}."
        ) from exc
    bad = [i for i in picks if not 0 <= i < len(table)]
    if bad:
        raise CLIError(
            f"--pick {bad} is outside the candidates file's rows 0..{len(table) - 1}."
        )
    classes = str(table["classes"].iloc[0]).split(",")
    chosen = table.iloc[picks]
    write_rules(args.rules, chosen, classes)
    print(
        f"accepted {len(chosen)} rules into {args.rules}: {', '.join(chosen['name'])}"
    )
    return 0
