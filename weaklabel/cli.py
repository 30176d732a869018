"""The ``weaklabel`` command line: a thin layer over the public Python API.

Commands
--------
``apply``    LF module + data file -> vote matrix file (Parquet or CSV).
``summary``  vote matrix [+ gold labels] -> LF summary table.
``fit``      vote matrix -> label model file (JSON).
``predict``  label model + vote matrix -> soft labels (CSV or Parquet).
``label``    all of the above in one go: LF module + data -> soft labels.
``train``    data + soft labels -> a TF-IDF + MLP end model (a directory).
``demo``     the whole pipeline on the bundled YouTube spam comments.

Exit codes: 0 success, 1 data error (one line on stderr; ``--debug`` shows the
traceback), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from weaklabel._validation import class_names_of
from weaklabel.exceptions import WeakLabelError
from weaklabel.io import read_table

__all__ = ["load_registry", "main", "read_table"]

logger = logging.getLogger(__name__)

_MODEL_CHOICES = ("label-model", "dawid-skene", "majority")

# Subcommands owned by the later wings. Each module defines
# ``register(subparsers) -> None``, which adds its sub-parsers with
# ``set_defaults(func=handler)``; the handler takes the parsed namespace and
# returns an exit code. Keep those modules' top-level imports light (argparse
# only): the heavy imports belong inside the handlers, so ``weaklabel --help``
# stays fast and a missing extra fails only the command that needs it.
_EXTENSIONS: tuple[str, ...] = ()


class CLIError(WeakLabelError):
    """A data error reported to the user as one line, exit code 1."""


# --------------------------------------------------------------------------- io
def _load_module(path: str | Path) -> ModuleType:
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"LF module {str(p)!r} does not exist; check the --lfs path.")
    name = f"_weaklabel_lfs_{p.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise CLIError(f"Cannot import {str(p)!r} as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # lets joblib/cloudpickle find it again
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise CLIError(
            f"Importing LF module {str(p)!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    return module


def load_registry(path: str | Path, name: str | None = None) -> Any:
    """Import an LF module from a file and return the ``LFRegistry`` it defines.

    Parameters
    ----------
    path : str or Path
        A Python file defining one ``LFRegistry`` at module level.
    name : str, default=None
        The variable name of the registry when the module defines several.

    Returns
    -------
    LFRegistry
    """
    from weaklabel.lf import LFRegistry

    module = _load_module(path)
    found = {k: v for k, v in vars(module).items() if isinstance(v, LFRegistry)}
    if name is not None:
        if name not in found:
            raise CLIError(
                f"LF module {str(path)!r} has no LFRegistry named {name!r}; it"
                f" defines {sorted(found) or 'none'}."
            )
        return found[name]
    if len(found) != 1:
        what = sorted(found) if found else "none"
        raise CLIError(
            f"LF module {str(path)!r} must define exactly one LFRegistry (found"
            f" {what}); pick one with --registry NAME."
        )
    return next(iter(found.values()))


def _classes_of(L: pd.DataFrame, cardinality: int | None) -> list[str] | None:
    classes = class_names_of(L)
    if classes:
        return classes
    if cardinality is not None:
        return [str(i) for i in range(cardinality)]
    return None


def _make_model(kind: str, cardinality: int | None, seed: int | None) -> Any:
    from weaklabel.label_model import DawidSkene, LabelModel, MajorityVote

    cls = {
        "label-model": LabelModel,
        "dawid-skene": DawidSkene,
        "majority": MajorityVote,
    }[kind]
    return cls(cardinality=cardinality, random_state=seed)


# --------------------------------------------------------------------- commands
def _cmd_apply(args: argparse.Namespace) -> int:
    from weaklabel.io import write_votes

    lfs = load_registry(args.lfs, args.registry)
    df = read_table(args.data)
    L = lfs.apply(
        df, n_jobs=args.n_jobs, progress=args.progress, on_error=args.on_error
    )
    write_votes(args.out, L, classes=list(lfs.classes))
    print(f"wrote {L.shape[0]} x {L.shape[1]} votes to {args.out}")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from weaklabel.analysis import lf_summary
    from weaklabel.io import read_votes

    L = read_votes(args.votes)
    y = _read_gold(args, L)
    model = None
    if args.model is not None:
        from weaklabel.label_model import load_label_model

        model = load_label_model(args.model)
    table = lf_summary(L, y=y, model=model)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    return 0


def _read_gold(args: argparse.Namespace, L: pd.DataFrame) -> np.ndarray | None:
    """Gold labels of ``--gold`` / ``--gold-column`` as indices (-1 = unknown).

    One gold row per vote row; an empty cell (a blank line in a one-column
    CSV), a missing value or -1 means unknown.  Blank lines at the end of the
    file beyond the vote rows are not rows.
    """
    if args.gold is None:
        return None
    from weaklabel.io import read_gold

    try:
        return read_gold(
            args.gold,
            column="label" if args.gold_column is None else args.gold_column,
            n_rows=len(L),
            classes=_classes_of(L, None),
            cardinality=getattr(args, "cardinality", None),
        )
    except ValueError as exc:
        raise CLIError(str(exc)) from exc


def _cmd_fit(args: argparse.Namespace) -> int:
    from weaklabel.io import read_votes

    L = read_votes(args.votes)
    y = _read_gold(args, L)
    model = _make_model(args.model, args.cardinality, args.seed).fit(L, y)
    model.save(args.out)
    known = "" if y is None else f" ({int(np.sum(y >= 0))} with gold)"
    print(
        f"fitted {type(model).__name__} on {L.shape[0]} rows{known};"
        f" saved to {args.out}"
    )
    return 0


def _write_soft(
    out: str | Path,
    proba: np.ndarray,
    index: pd.Index,
    classes: Sequence[str] | None,
    source: pd.DataFrame | None,
) -> None:
    from weaklabel.io import write_soft_labels

    write_soft_labels(out, proba, classes=classes, index=index, source=source)


def _cmd_predict(args: argparse.Namespace) -> int:
    from weaklabel.io import read_votes
    from weaklabel.label_model import load_label_model

    model = load_label_model(args.model)
    L = read_votes(args.votes)
    proba = model.predict_proba(L)
    classes = getattr(model, "classes_", None) or _classes_of(L, proba.shape[1])
    _write_soft(args.out, proba, L.index, classes, None)
    print(f"wrote soft labels for {len(proba)} rows to {args.out}")
    return 0


def _keep_columns(df: pd.DataFrame, names: Sequence[str] | None) -> pd.DataFrame | None:
    if not names:
        return None
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise CLIError(
            f"--keep-columns names {missing}, which the data does not have; columns"
            f" are {list(df.columns)}."
        )
    return df[list(names)]


def _cmd_label(args: argparse.Namespace) -> int:
    lfs = load_registry(args.lfs, args.registry)
    if args.engine == "dask":
        from weaklabel.scale import label_dask

        model = _make_model(args.model, lfs.cardinality, args.seed)
        out = label_dask(
            lfs,
            args.data,
            args.out,
            model=model,
            scheduler=args.scheduler,
            progress=args.progress,
            on_error=args.on_error,
        )
        print(f"wrote soft labels to {out}")
        return 0
    df = read_table(args.data)
    L = lfs.apply(
        df, n_jobs=args.n_jobs, progress=args.progress, on_error=args.on_error
    )
    model = _make_model(args.model, lfs.cardinality, args.seed).fit(L)
    proba = model.predict_proba(L)
    _write_soft(
        args.out,
        proba,
        df.index,
        list(lfs.classes),
        _keep_columns(df, args.keep_columns),
    )
    print(f"labeled {len(df)} rows with {len(lfs)} LFs; wrote {args.out}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from weaklabel.textmodel import train_text_model

    df = read_table(args.data)
    if args.text_column not in df.columns:
        raise CLIError(
            f"Data has no column {args.text_column!r}; columns are {list(df.columns)}."
            " Pick the text with --text-column."
        )
    result = train_text_model(
        df,
        args.labels,
        args.out,
        text_column=args.text_column,
        gold_column=args.gold_column,
        max_epochs=args.epochs,
        random_state=args.seed,
        progress=args.progress,
    )
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from weaklabel.demo import run_demo

    run_demo(Path(args.out), seed=args.seed, train_end_model=not args.no_end_model)
    return 0


# ----------------------------------------------------------------------- parser
def _add_common_apply(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lfs", required=True, help="Python file defining an LFRegistry")
    p.add_argument("--registry", default=None, help="registry variable name")
    p.add_argument("--data", required=True, help="CSV, Parquet or JSON Lines file")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel processes")
    p.add_argument(
        "--on-error",
        choices=("raise", "abstain"),
        default="raise",
        help="what to do when an LF raises (default: stop with an error)",
    )


_GOLD_COLUMN_HELP = (
    "column of --gold holding the labels: class names or indices 0..k-1, empty"
    " or -1 = unknown (default: label)"
)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weaklabel",
        description="Programmatic weak supervision: LFs -> votes -> soft labels.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show progress bars (default: when stderr is a terminal)",
    )
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="hide progress bars",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("apply", help="apply LFs to data, write the vote matrix")
    _add_common_apply(p)
    p.add_argument("--out", required=True, help="votes file (.parquet or .csv)")
    p.set_defaults(func=_cmd_apply)

    p = sub.add_parser("summary", help="print coverage/overlaps/conflicts per LF")
    p.add_argument("--votes", required=True)
    p.add_argument(
        "--gold",
        default=None,
        help="data file with gold labels, one row per vote row (empty = unknown)",
    )
    p.add_argument("--gold-column", default=None, help=_GOLD_COLUMN_HELP)
    p.add_argument("--model", default=None, help="fitted label model (.json or .npz)")
    p.set_defaults(func=_cmd_summary)

    for name, helptext in (("fit", "fit a label model on votes"),):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--votes", required=True)
        p.add_argument("--out", required=True, help="model file (.json or .npz)")
        p.add_argument("--model", choices=_MODEL_CHOICES, default="label-model")
        p.add_argument("--cardinality", type=int, default=None)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument(
            "--gold",
            default=None,
            help="data file with gold labels, one row per vote row (empty = unknown)",
        )
        p.add_argument("--gold-column", default=None, help=_GOLD_COLUMN_HELP)
        p.set_defaults(func=_cmd_fit)

    p = sub.add_parser("predict", help="soft labels from a fitted model")
    p.add_argument("--model", required=True, help="fitted label model (.json or .npz)")
    p.add_argument("--votes", required=True)
    p.add_argument("--out", required=True, help="soft labels (.parquet or .csv)")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("label", help="apply + fit + predict in one go")
    _add_common_apply(p)
    p.add_argument(
        "--out",
        required=True,
        help="soft labels (.parquet/.csv; a folder with --engine dask)",
    )
    p.add_argument("--model", choices=_MODEL_CHOICES, default="label-model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--keep-columns", nargs="*", default=None, help="source columns to copy"
    )
    p.add_argument("--engine", choices=("pandas", "dask"), default="pandas")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address")
    p.set_defaults(func=_cmd_label)

    p = sub.add_parser("train", help="train a TF-IDF + MLP end model on soft labels")
    p.add_argument("--data", required=True)
    p.add_argument("--labels", required=True, help="soft-label file from 'label'")
    p.add_argument("--text-column", default="text")
    p.add_argument(
        "--gold-column", default=None, help="gold column for validation metrics"
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("demo", help="run the pipeline on bundled YouTube comments")
    p.add_argument("--out", default="weaklabel-demo", help="output directory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-end-model", action="store_true", help="skip the end model")
    p.set_defaults(func=_cmd_demo)

    for module_name in _EXTENSIONS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 data error, 2 usage).

    Parameters
    ----------
    argv : sequence of str, default=None
        Arguments without the program name (``sys.argv[1:]`` when None).

    Returns
    -------
    int
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if "gold" in vars(args) and args.gold is None and args.gold_column is not None:
        print(
            f"weaklabel {args.command}: error: --gold-column needs --gold FILE (the"
            " file holding that column); add --gold or drop --gold-column.",
            file=sys.stderr,
        )
        return 2
    if args.progress is None:
        args.progress = sys.stderr.isatty()
    if args.debug:  # configure only our own logger, never the root logger
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        pkg_logger = logging.getLogger("weaklabel")
        pkg_logger.addHandler(handler)
        pkg_logger.setLevel(logging.DEBUG)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (
        WeakLabelError,
        ValueError,
        TypeError,
        OSError,
        KeyError,
        ImportError,
    ) as exc:
        if args.debug:
            raise
        print(f"weaklabel {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    text = (
        f"{exc}" if isinstance(exc, WeakLabelError) else f"{type(exc).__name__}: {exc}"
    )
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
