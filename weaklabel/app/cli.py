"""``weaklabel app``: start the workbench server (registered by the CLI)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]

_DESCRIPTION = """\
Open the workbench: a local web app to develop LFs, label rows and watch the
label model. The server binds to 127.0.0.1; the project file (SQLite) keeps
the labels, accepted rules and fits, and the data file is never modified.

examples:
  weaklabel app --demo
  weaklabel app --data comments.csv --lfs my_lfs.py
  weaklabel app --data comments.csv --lfs my_lfs.py --project spam.sqlite --port 8800
"""


def register(subparsers: Any) -> None:
    """Add the ``app`` subcommand."""
    p = subparsers.add_parser(
        "app",
        help="open the workbench web app (LFs, labeling, label model)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", default=None, help="data file (CSV, TSV, Parquet, JSONL)")
    p.add_argument(
        "--lfs", default=None, help="LF module (a Python file with an LFRegistry)"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled YouTube comments and example LFs",
    )
    p.add_argument(
        "--project",
        default="weaklabel-project.sqlite",
        help="SQLite project file, created if missing (default: %(default)s)",
    )
    p.add_argument(
        "--registry", default=None, help="registry name if the module has several"
    )
    p.add_argument(
        "--text-column", default="text", help="column to search and write rules on"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    p.add_argument(
        "--port",
        type=int,
        default=8765,
        help="port (default: %(default)s; 0 = any free port)",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="random_state of the label model"
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="print the URL instead of opening a tab",
    )
    p.set_defaults(func=_cmd_app)


def _cmd_app(args: argparse.Namespace) -> int:
    from weaklabel.app.run import serve

    return serve(
        data=args.data,
        lfs=args.lfs,
        demo=args.demo,
        project=args.project,
        registry=args.registry,
        text_column=args.text_column,
        host=args.host,
        port=args.port,
        seed=args.seed,
        open_browser=not args.no_browser,
        announce=lambda line: print(line, flush=True),
    )
