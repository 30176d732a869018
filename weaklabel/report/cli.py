"""``weaklabel report``: the LF report as one self-contained HTML file."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["read_gold", "register"]

_EXAMPLES = """examples:
  weaklabel report --votes votes.parquet --out report.html
  weaklabel report --votes votes.parquet --gold gold.csv --gold-column label \\
      --data comments.csv --out report.html
  weaklabel report --votes votes.parquet --model model.json --out report.html
"""


def read_gold(args: argparse.Namespace, L: Any) -> Any:
    """The ``--gold``/``--gold-column`` labels as indices (-1 = unknown), or None.

    The same row-aligned gold file ``weaklabel fit --gold`` takes, read by the
    same function (:func:`weaklabel._cli_parser.read_gold_option`).
    """
    from weaklabel._cli_parser import read_gold_option

    return read_gold_option(args, L)


def add_gold_options(parser: argparse.ArgumentParser) -> None:
    """``--gold`` and ``--gold-column``, worded as for ``weaklabel fit``."""
    parser.add_argument(
        "--gold",
        default=None,
        help="row-aligned gold file (CSV/Parquet, one row per vote row; an empty"
        " cell or -1 = unknown), as for 'weaklabel fit --gold'",
    )
    parser.add_argument(
        "--gold-column",
        default=None,
        help="column of the gold file holding the labels (default: label)",
    )


def _cmd_report(args: argparse.Namespace) -> int:
    from weaklabel.io import read_table, read_votes
    from weaklabel.report import lf_report

    L = read_votes(args.votes)
    y = read_gold(args, L)
    model = None
    if args.model is not None:
        from weaklabel.label_model import load_label_model

        model = load_label_model(args.model)
    data = None if args.data is None else read_table(args.data)
    lf_report(
        L,
        y,
        model=model,
        data=data,
        text_column=args.text_column,
        path=args.out,
        title=args.title,
        n_rows=args.rows,
    )
    print(f"wrote the LF report on {L.shape[0]} rows x {L.shape[1]} LFs to {args.out}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``report`` to the ``weaklabel`` command line."""
    p = subparsers.add_parser(
        "report",
        help="write an HTML report on the LFs (plots, conflicts, rows to look at)",
        description="Write one self-contained HTML file (inline SVG plots, no"
        " network) describing the labeling functions: per-LF metrics, agreement"
        " and conflict heatmaps, learned vs empirical accuracy, class balance,"
        " confusion against gold, label model vs majority vote, dependencies and"
        " the rows worth a look.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--votes", required=True, help="vote matrix file (from 'weaklabel apply')"
    )
    add_gold_options(p)
    p.add_argument(
        "--model",
        default=None,
        help="fitted label model file (from 'weaklabel fit'); default: fit"
        " LabelModel(random_state=0) on the votes without gold",
    )
    p.add_argument(
        "--data",
        default=None,
        help="the data the votes were computed on (same rows, same order), to show"
        " the rows' text",
    )
    p.add_argument(
        "--text-column",
        default=None,
        help="column of --data to show (default: text, else the first text column)",
    )
    p.add_argument("--out", required=True, help="HTML file to write")
    p.add_argument("--title", default="weaklabel LF report", help="page title")
    p.add_argument(
        "--rows",
        type=int,
        default=20,
        help="rows per 'rows to look at' table (default 20)",
    )
    p.set_defaults(func=_cmd_report)
