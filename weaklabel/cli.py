"""The ``weaklabel`` command line: a thin layer over the public Python API.

Commands
--------
``apply``     LF module + data file -> vote matrix file (Parquet or CSV).
``summary``   vote matrix [+ gold labels] -> LF summary table.
``fit``       vote matrix (or crowd answers) -> label model file (JSON or npz).
``predict``   label model + vote matrix (or crowd answers) -> soft labels.
``label``     all of the above in one go: LF module + data -> soft labels.
``train``     data + soft labels [+ votes] -> a TF-IDF + linear end model (a folder).
``classify``  a trained end model + new data -> predicted soft labels.
``demo``      the whole pipeline on the bundled YouTube spam comments.

Every option, its help text and each command's examples are defined in
:mod:`weaklabel._cli_parser`; this module holds the commands, each a few calls
of the public API, and ``main``.  Global options (``--debug``,
``--progress``/``--no-progress``) go before or after the command.  Exit codes: 0 success, 1 data error (one line on stderr;
``--debug`` shows the traceback), 2 usage error.  Warnings are printed as one
line each: ``weaklabel <command>: warning: <message>``.

The text column
---------------
LFs and the LF helpers (``keyword_lf``, ``regex_lf``, ``model_lf``) read the
column ``text`` unless told otherwise.  ``--text-column NAME`` on ``apply`` and
``label`` hands the LFs the column ``NAME`` under the name ``text`` as well
(``row.text``, ``df.text`` and the helpers' default all see it); the data must
not already have another column called ``text``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weaklabel._cli_parser import KEEP_PREFIX, build_parser, read_gold_option
from weaklabel._registry_loader import load_registry
from weaklabel._validation import class_names_of, default_class_names
from weaklabel.exceptions import WeakLabelError, WeakLabelWarning
from weaklabel.io import read_table

__all__ = ["load_registry", "main", "read_table"]

logger = logging.getLogger(__name__)

# Subcommands owned by the later wings. Each module defines
# ``register(subparsers) -> None``, which adds its sub-parsers with
# ``set_defaults(func=handler)``; the handler takes the parsed namespace and
# returns an exit code. Keep those modules' top-level imports light (argparse
# only): the heavy imports belong inside the handlers, so ``weaklabel --help``
# stays fast and a missing extra fails only the command that needs it.
_EXTENSIONS: tuple[str, ...] = (
    "weaklabel.report.cli",
    "weaklabel.active.cli",
    "weaklabel.align.cli",
    "weaklabel.app.cli",
)


class CLIError(WeakLabelError):
    """A data error reported to the user as one line, exit code 1."""


class _UsageError(Exception):
    """A usage error found after parsing: one line, exit code 2."""


# --------------------------------------------------------------------- helpers
def _classes_of(L: Any, cardinality: int | None) -> list[str] | None:
    classes = class_names_of(L)
    if classes:
        return classes
    if cardinality is not None:
        return default_class_names(cardinality)
    return None


def _make_model(kind: str, cardinality: int | None, seed: int | None) -> Any:
    from weaklabel.label_model import DawidSkene, LabelModel, MajorityVote

    cls = {
        "label-model": LabelModel,
        "dawid-skene": DawidSkene,
        "majority": MajorityVote,
    }[kind]
    return cls(cardinality=cardinality, random_state=seed)


def _read_data(args: argparse.Namespace) -> pd.DataFrame:
    """``--data`` read as a table, indexed by ``--id-column`` when given."""
    df = read_table(args.data, text_na=args.text_na)
    column = getattr(args, "id_column", None)
    if column is None:
        return df
    if column not in df.columns:
        raise CLIError(
            f"--id-column {column!r}: the data has no such column; columns are"
            f" {[str(c) for c in df.columns]}."
        )
    ids = df[column]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise CLIError(
            f"--id-column {column!r} is missing on data row {row + 1}; every row"
            " needs an id. Fill it in, or leave out --id-column (ids 0..n-1)."
        )
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise CLIError(
            f"--id-column {column!r} has the id {dup!r} more than once; ids must"
            " be unique. Pick another column, or leave out --id-column."
        )
    out = df.copy(deep=False)
    out.index = pd.Index(ids.to_numpy(), name=str(column))
    return out


def _for_lfs(df: pd.DataFrame, text_column: str | None) -> pd.DataFrame:
    """The frame the LFs see: ``--text-column`` also under the name ``text``."""
    if text_column is None or text_column == "text":
        return df
    if text_column not in df.columns:
        raise CLIError(
            f"--text-column {text_column!r}: the data has no such column; columns"
            f" are {[str(c) for c in df.columns]}."
        )
    if "text" in df.columns:
        raise CLIError(
            f"--text-column {text_column!r}: the data also has a column 'text',"
            " which the LFs would no longer see; rename one of the two columns,"
            " or leave out --text-column."
        )
    return df.assign(text=df[text_column])


def _keep_columns(
    df: pd.DataFrame,
    names: Sequence[str] | None,
    index_name: str,
    classes: Sequence[str],
) -> pd.DataFrame | None:
    """The ``--keep-columns`` of ``df``; a name an output column has is prefixed."""
    if not names:
        return None
    columns = [str(c) for c in df.columns]
    missing = [c for c in names if c not in columns]
    if missing:
        raise CLIError(
            f"--keep-columns names {missing}, which the data does not have; columns"
            f" are {columns}."
        )
    from weaklabel.io import PROBA_PREFIX

    taken = {index_name, "label", "confidence"} | {PROBA_PREFIX + c for c in classes}
    source = df.iloc[:, [columns.index(c) for c in names]].copy()
    renamed = []
    for name in names:
        new = name
        while new in taken or new.startswith(PROBA_PREFIX):
            new = KEEP_PREFIX + new
        taken.add(new)
        renamed.append(new)
    source.columns = pd.Index(renamed)
    return source


def _write_soft(
    out: str | Path,
    proba: np.ndarray,
    index: pd.Index,
    classes: Sequence[str],
    source: pd.DataFrame | None,
) -> None:
    from weaklabel.io import write_soft_labels

    write_soft_labels(
        out,
        proba,
        classes=classes,
        index=index,
        index_name="id" if index.name is None else str(index.name),
        source=source,
    )


def _gold_of_data(args: argparse.Namespace, df: pd.DataFrame, classes: Any) -> Any:
    """``label --gold-column`` without ``--gold``: a column of ``--data``."""
    from weaklabel.io import gold_indices

    column = args.gold_column
    if column not in df.columns:
        raise CLIError(
            f"--gold-column {column!r}: the data has no such column; columns are"
            f" {[str(c) for c in df.columns]}. Give the gold file with --gold FILE"
            " if the labels are in another file."
        )
    try:
        return gold_indices(
            df[column].reset_index(drop=True), classes, source=repr(str(args.data))
        )
    except ValueError as exc:
        raise CLIError(str(exc)) from exc


def _read_crowd(args: argparse.Namespace, classes: Sequence[str] | None) -> Any:
    """``--crowd FILE``: one answer per row -> a sparse task x worker matrix."""
    from weaklabel.crowd import votes_from_long_table

    df = read_table(args.crowd, text_na=args.text_na)
    try:
        return votes_from_long_table(
            df,
            item=args.task_column,
            worker=args.worker_column,
            label=args.label_column,
            classes=classes,
        )
    except ValueError as exc:
        raise CLIError(f"--crowd {args.crowd!r}: {exc}") from exc


def _align_workers(votes: Any, model: Any, path: str) -> Any:
    """Crowd votes with the model's workers as columns, in the model's order."""
    import scipy.sparse as sp

    from weaklabel.crowd import CrowdVotes

    names = [str(n) for n in getattr(model, "lf_names_in_", None) or []]
    have = votes.lf_names
    if not names or have == names:
        return votes
    position = {n: j for j, n in enumerate(names)}
    unknown = [w for w in have if w not in position]
    if unknown:
        raise CLIError(
            f"--crowd {path!r} has answers from workers the model was not fitted"
            f" on: {unknown[:5]}{' ...' if len(unknown) > 5 else ''}; fit the model"
            " on answers that include them (weaklabel fit --crowd ...)."
        )
    coo = votes.votes.tocoo()
    cols = np.array([position[w] for w in have], dtype=np.int64)[coo.col]
    matrix = sp.csr_array(
        (coo.data, (coo.row, cols)), shape=(votes.shape[0], len(names))
    )
    return CrowdVotes(matrix, votes.items, pd.Index(names), votes.classes)


def _check_writable_folder(out: str | Path) -> None:
    """Fail now, not after training, when ``out`` cannot be written."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise CLIError(f"--out {str(path)!r} is a file; the model is a folder.")
    probe_dir = path
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir() or not os.access(probe_dir, os.W_OK | os.X_OK):
        raise CLIError(
            f"--out {str(path)!r} cannot be written: {str(probe_dir)!r} is not a"
            " writable folder. Pick another --out."
        )
    from weaklabel._files import check_folder_replaceable

    try:
        check_folder_replaceable(path)
    except FileExistsError as exc:
        raise CLIError(f"--out: {exc}") from exc


@contextmanager
def _one_line_warnings(command: str) -> Iterator[None]:
    """Print warnings as ``weaklabel CMD: warning: ...`` (one line, no path)."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        print(f"weaklabel {command}: warning: {_one_line(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.filterwarnings("default", category=WeakLabelWarning)
        warnings.showwarning = show
        yield


def _say(args: argparse.Namespace, message: str) -> None:
    """A CLI-level warning in the one-line style."""
    print(f"weaklabel {args.command}: warning: {message}", file=sys.stderr)


# --------------------------------------------------------------------- commands
def _cmd_apply(args: argparse.Namespace) -> int:
    from weaklabel.io import write_votes

    lfs = load_registry(args.lfs, args.registry)
    df = _for_lfs(_read_data(args), args.text_column)
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
    y = read_gold_option(args, L)
    model = None
    if args.model is not None:
        from weaklabel.label_model import load_label_model

        model = load_label_model(args.model)
    table = lf_summary(L, y=y, model=model)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:
    from weaklabel.io import read_votes

    if args.crowd is not None:
        L: Any = _read_crowd(args, None)
        y = read_gold_option(args, L, classes=list(L.classes))
        rows = f"{L.shape[0]} tasks ({L.votes.nnz} answers)"
    else:
        L = read_votes(args.votes)
        y = read_gold_option(args, L)
        rows = f"{L.shape[0]} rows"
    model = _make_model(args.model_type, args.cardinality, args.seed).fit(L, y)
    model.save(args.out)
    known = "" if y is None else f" ({int(np.sum(y >= 0))} with gold)"
    print(f"fitted {type(model).__name__} on {rows}{known}; saved to {args.out}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from weaklabel.io import read_votes
    from weaklabel.label_model import load_label_model

    model = load_label_model(args.model)
    if args.crowd is not None:
        votes = _read_crowd(args, getattr(model, "classes_", None))
        L: Any = _align_workers(votes, model, args.crowd)
        index = pd.Index(votes.items, name=args.task_column)
    else:
        L = read_votes(args.votes)
        index = L.index
    proba = model.predict_proba(L)
    classes = getattr(model, "classes_", None) or _classes_of(L, proba.shape[1])
    _write_soft(args.out, proba, index, list(classes or []), None)
    print(f"wrote soft labels for {len(proba)} rows to {args.out}")
    return 0


def _cmd_label(args: argparse.Namespace) -> int:
    lfs = load_registry(args.lfs, args.registry)
    classes = list(lfs.classes)
    if args.engine == "dask":
        return _label_dask(args, lfs)
    df = _read_data(args)
    L = lfs.apply(
        _for_lfs(df, args.text_column),
        n_jobs=args.n_jobs,
        progress=args.progress,
        on_error=args.on_error,
    )
    if args.gold is not None:
        y = read_gold_option(args, L, classes=classes)
    elif args.gold_column is not None:
        y = _gold_of_data(args, df, classes)
    else:
        y = None
    model = _make_model(args.model_type, lfs.cardinality, args.seed).fit(L, y)
    proba = model.predict_proba(L)
    index_name = "id" if df.index.name is None else str(df.index.name)
    source = _keep_columns(df, args.keep_columns, index_name, classes)
    _write_soft(args.out, proba, df.index, classes, source)
    if args.save_model is not None:
        model.save(args.save_model)
    known = "" if y is None else f" ({int(np.sum(y >= 0))} with gold)"
    saved = "" if args.save_model is None else f" and {args.save_model}"
    print(f"labeled {len(df)} rows with {len(lfs)} LFs{known}; wrote {args.out}{saved}")
    return 0


def _label_dask(args: argparse.Namespace, lfs: Any) -> int:
    from weaklabel.scale import label_dask

    unsupported = [
        flag
        for flag, value in (
            ("--keep-columns", args.keep_columns),
            ("--id-column", args.id_column),
            ("--gold", args.gold),
            ("--gold-column", args.gold_column),
            ("--text-column", args.text_column),
            ("--text-na", args.text_na or None),
        )
        if value is not None
    ]
    if unsupported:
        raise _UsageError(
            f"{', '.join(unsupported)} cannot be used with --engine dask yet; use"
            " the pandas engine (the default) for them."
        )
    model = _make_model(args.model_type, lfs.cardinality, args.seed)
    out = label_dask(
        lfs,
        args.data,
        args.out,
        model=model,
        scheduler=args.scheduler,
        progress=args.progress,
        on_error=args.on_error,
        overwrite=args.overwrite,
    )
    if args.save_model is not None:
        model.save(args.save_model)
    print(f"wrote soft labels to {out}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from weaklabel.textmodel import train_text_model

    _check_writable_folder(args.out)
    df = read_table(args.data, text_na=args.text_na)
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
        votes=args.votes,
        max_epochs=args.epochs,
        random_state=args.seed,
        progress=args.progress,
    )
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


def _cmd_classify(args: argparse.Namespace) -> int:
    from weaklabel.textmodel import TextClassifier

    model = TextClassifier.load(args.model)
    df = _read_data(args)
    if args.text_column not in df.columns:
        raise CLIError(
            f"Data has no column {args.text_column!r}; columns are"
            f" {[str(c) for c in df.columns]}. Pick the text with --text-column."
        )
    proba = model.predict_proba(df[args.text_column])
    index_name = "id" if df.index.name is None else str(df.index.name)
    source = _keep_columns(df, args.keep_columns, index_name, model.classes)
    _write_soft(args.out, proba, df.index, model.classes, source)
    print(f"classified {len(df)} rows with {args.model}; wrote {args.out}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from weaklabel.demo import run_demo

    run_demo(Path(args.out), seed=args.seed, train_end_model=not args.no_end_model)
    return 0


# ----------------------------------------------------------------------- parser
def _build_parser() -> argparse.ArgumentParser:
    handlers = {
        "apply": _cmd_apply,
        "summary": _cmd_summary,
        "fit": _cmd_fit,
        "predict": _cmd_predict,
        "label": _cmd_label,
        "train": _cmd_train,
        "classify": _cmd_classify,
        "demo": _cmd_demo,
    }
    return build_parser(handlers, _EXTENSIONS)


def _check_args(args: argparse.Namespace) -> None:
    """Usage rules argparse cannot express; raise _UsageError."""
    if (
        "gold" in vars(args)
        and args.gold is None
        and args.gold_column is not None
        and not getattr(args, "gold_in_data", False)
    ):
        raise _UsageError(
            "--gold-column needs --gold FILE (the file holding that column); add"
            " --gold or drop --gold-column."
        )
    if "model_type_alias" in vars(args):
        alias, chosen = args.model_type_alias, args.model_type
        if alias is not None:
            if chosen is not None and chosen != alias:
                raise _UsageError(
                    f"--model {alias} and --model-type {chosen} disagree; give only"
                    " --model-type."
                )
            _say(
                args,
                "--model is deprecated for the model type and will be removed in"
                f" the next release; use --model-type {alias}.",
            )
        args.model_type = chosen or alias or "label-model"


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
    try:
        _check_args(args)
    except _UsageError as exc:
        print(f"weaklabel {args.command}: error: {exc}", file=sys.stderr)
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
        with _one_line_warnings(args.command):
            return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except _UsageError as exc:
        print(f"weaklabel {args.command}: error: {exc}", file=sys.stderr)
        return 2
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


def _one_line(exc: BaseException | str) -> str:
    text = (
        f"{exc}"
        if isinstance(exc, (WeakLabelError, Warning, str))
        else f"{type(exc).__name__}: {exc}"
    )
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
