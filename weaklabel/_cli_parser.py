"""The ``weaklabel`` command line's parser: commands, options, help and examples.

Kept apart from :mod:`weaklabel.cli` (the commands and ``main``), which
passes its handlers in.  Every option has help text; every command a
description and two or three examples.
"""

from __future__ import annotations

import argparse
import importlib
import textwrap
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any

from weaklabel._version import __version__

__all__ = ["KEEP_PREFIX", "MODEL_CHOICES", "build_parser", "read_gold_option"]

MODEL_CHOICES = ("label-model", "dawid-skene", "majority")
"""The label model types of ``--model-type``."""

KEEP_PREFIX = "source_"
"""Prefix given to a ``--keep-columns`` column whose name an output column has."""


def read_gold_option(
    args: argparse.Namespace, L: Any, classes: Sequence[str] | None = None
) -> Any:
    """The labels of ``--gold`` / ``--gold-column`` as indices (-1 = unknown), or None.

    One reader for every command taking a row-aligned gold file (``fit``,
    ``label``, ``summary``, ``report``, ``suggest``...): class names come from
    ``classes``, else from the votes ``L`` (:func:`weaklabel.io.read_gold`).
    """
    if args.gold is None:
        return None
    from weaklabel._validation import class_names_of
    from weaklabel.exceptions import WeakLabelError
    from weaklabel.io import read_gold

    try:
        return read_gold(
            args.gold,
            column="label" if args.gold_column is None else args.gold_column,
            n_rows=L.shape[0],
            classes=class_names_of(L) if classes is None else classes,
            cardinality=getattr(args, "cardinality", None),
        )
    except ValueError as exc:
        raise WeakLabelError(str(exc)) from exc


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _sub(
    sub: Any, name: str, summary: str, description: str, *examples: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(" ".join(description.split()), 79),
        epilog=_examples(*examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _add_global_flags(p: argparse.ArgumentParser, *, top: bool) -> None:
    """``--debug`` and ``--progress``/``--no-progress``, before or after the command.

    On a sub-parser the defaults are suppressed, so that a flag given before
    the command is not reset by the sub-parser.
    """
    default: Any = None if top else argparse.SUPPRESS
    p.add_argument(
        "--debug",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="show tracebacks and weaklabel's debug log on stderr",
    )
    p.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=default,
        help="show progress bars (default: when stderr is a terminal)",
    )
    p.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=default,
        help="hide progress bars",
    )


def _add_text_na(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--text-na",
        action="store_true",
        help="read empty text cells and NA, null, None, NaN ... in CSV/TSV text"
        " columns as missing values, as pandas does (default: keep the text as"
        " written, empty = '')",
    )


def _add_lfs(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lfs",
        required=True,
        metavar="FILE",
        help="Python file defining an LFRegistry (it is imported: its code runs)",
    )
    p.add_argument(
        "--registry",
        default=None,
        metavar="NAME",
        help="variable name of the registry, when the file defines several",
    )
    p.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="data table: .csv, .tsv, .parquet (or a Parquet folder), .jsonl",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="processes for row-wise LFs (-1 = all cores; default: 1)",
    )
    p.add_argument(
        "--on-error",
        choices=("raise", "abstain"),
        default="raise",
        help="what to do when an LF raises (default: stop with an error)",
    )
    p.add_argument(
        "--text-column",
        default=None,
        metavar="NAME",
        help="column the LFs see as 'text' (row.text, df.text, the LF helpers'"
        " default column); default: the data's own 'text' column",
    )
    _add_text_na(p)


def _add_id_column(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--id-column",
        default=None,
        metavar="NAME",
        help="column of unique row ids, written as the id column of the output"
        " (default: ids 0..n-1, named 'id')",
    )


def _add_keep_columns(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--keep-columns",
        nargs="*",
        default=None,
        metavar="NAME",
        help="data columns to copy into the soft labels; one named like an"
        f" output column (id, label, confidence, proba_*) gets the prefix"
        f" '{KEEP_PREFIX}'",
    )


def _add_model_type(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model-type",
        choices=MODEL_CHOICES,
        default=None,
        help="label model to fit (default: label-model, the generative model;"
        " dawid-skene suits crowd workers; majority is the baseline)",
    )
    p.add_argument(
        "--model",
        dest="model_type_alias",
        choices=MODEL_CHOICES,
        default=None,
        help="deprecated spelling of --model-type (removed in the next release)",
    )


def _add_seed(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random_state of the model: same seed, same result (default: 0)",
    )


_GOLD_HELP = "data file with gold labels, one row per vote row (empty = unknown)"
_GOLD_COLUMN_HELP = (
    "column of --gold holding the labels: class names or indices 0..k-1, empty"
    " or -1 = unknown (default: label)"
)


def _add_gold(
    p: argparse.ArgumentParser,
    gold_help: str = _GOLD_HELP,
    column_help: str = _GOLD_COLUMN_HELP,
) -> None:
    p.add_argument("--gold", default=None, metavar="FILE", help=gold_help)
    p.add_argument("--gold-column", default=None, metavar="NAME", help=column_help)


def _add_crowd(p: argparse.ArgumentParser, source: Any) -> None:
    source.add_argument(
        "--crowd",
        default=None,
        metavar="FILE",
        help="crowd answers in long format instead of --votes: one row per"
        " answer with a task id, a worker id and a label",
    )
    p.add_argument(
        "--task-column",
        default="task",
        metavar="NAME",
        help="--crowd column of task ids (default: task)",
    )
    p.add_argument(
        "--worker-column",
        default="worker",
        metavar="NAME",
        help="--crowd column of worker ids (default: worker)",
    )
    p.add_argument(
        "--label-column",
        default="label",
        metavar="NAME",
        help="--crowd column of answers: class names or indices (default: label)",
    )
    _add_text_na(p)


def _add_votes_or_crowd(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--votes",
        default=None,
        metavar="FILE",
        help="vote matrix written by 'weaklabel apply' (.parquet or .csv)",
    )
    _add_crowd(p, source)


def build_parser(
    handlers: Mapping[str, Callable[[argparse.Namespace], int]],
    extensions: Sequence[str],
) -> argparse.ArgumentParser:
    """The ``weaklabel`` parser: every command, option, help text and example.

    Parameters
    ----------
    handlers : mapping of str to callable
        The handler of each built-in command (``handlers["fit"](args) -> int``).
    extensions : sequence of str
        Modules of the wings' commands, each with ``register(subparsers)``.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="weaklabel",
        description="Programmatic weak supervision: LFs -> votes -> soft labels"
        " -> end model.",
        epilog=_examples(
            "weaklabel demo --out demo/",
            "weaklabel label --lfs my_lfs.py --data comments.csv --out soft.parquet",
            "weaklabel <command> --help",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"weaklabel {__version__}"
    )
    _add_global_flags(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _sub(
        sub,
        "apply",
        "apply LFs to data, write the vote matrix",
        "Apply the labeling functions of an LF module to a data table and write"
        " the vote matrix: one int8 column per LF, -1 = abstain.  Parquet keeps"
        " the class names.",
        "weaklabel apply --lfs my_lfs.py --data comments.csv --out votes.parquet",
        "weaklabel apply --lfs my_lfs.py --data posts.tsv --text-column body"
        " --id-column post_id --out votes.parquet",
        "weaklabel apply --lfs my_lfs.py --data big.parquet --n-jobs -1 --out"
        " votes.parquet",
    )
    _add_lfs(p)
    _add_id_column(p)
    p.add_argument(
        "--out", required=True, metavar="FILE", help="votes file (.parquet or .csv)"
    )
    p.set_defaults(func=handlers["apply"])

    p = _sub(
        sub,
        "summary",
        "print coverage/overlaps/conflicts per LF",
        "Print one row per LF: polarity, coverage, overlaps, conflicts, and with"
        " gold labels the empirical accuracy; with a fitted model its learned"
        " accuracies too.",
        "weaklabel summary --votes votes.parquet",
        "weaklabel summary --votes votes.parquet --gold dev.csv --gold-column y",
        "weaklabel summary --votes votes.parquet --model model.json",
    )
    p.add_argument(
        "--votes",
        required=True,
        metavar="FILE",
        help="vote matrix written by 'weaklabel apply' (.parquet or .csv)",
    )
    _add_gold(p)
    p.add_argument(
        "--model",
        default=None,
        metavar="FILE",
        help="fitted label model file (.json or .npz) whose estimates to add",
    )
    p.set_defaults(func=handlers["summary"])

    p = _sub(
        sub,
        "fit",
        "fit a label model on votes or crowd answers",
        "Fit a label model on a vote matrix, or on crowd answers in long format"
        " (one row per task, worker and label), optionally with some gold"
        " labels, and save it as JSON (or .npz).",
        "weaklabel fit --votes votes.parquet --out model.json",
        "weaklabel fit --votes votes.parquet --gold dev.csv --model-type"
        " dawid-skene --out model.npz",
        "weaklabel fit --crowd answers.csv --model-type dawid-skene --out crowd.json",
    )
    _add_votes_or_crowd(p)
    p.add_argument(
        "--out", required=True, metavar="FILE", help="model file (.json or .npz)"
    )
    _add_model_type(p)
    p.add_argument(
        "--cardinality",
        type=int,
        default=None,
        help="number of classes (default: the class names the votes carry, else"
        " the largest vote + 1)",
    )
    _add_seed(p)
    _add_gold(p)
    p.set_defaults(func=handlers["fit"])

    p = _sub(
        sub,
        "predict",
        "soft labels from a fitted model",
        "Apply a fitted label model to a vote matrix (or crowd answers) and"
        " write soft labels: id, proba_<class>..., label, confidence.",
        "weaklabel predict --model model.json --votes votes.parquet --out soft.parquet",
        "weaklabel predict --model crowd.json --crowd answers.csv --out soft.csv",
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="FILE",
        help="fitted label model file (.json or .npz) from 'weaklabel fit'",
    )
    _add_votes_or_crowd(p)
    p.add_argument(
        "--out", required=True, metavar="FILE", help="soft labels (.parquet or .csv)"
    )
    p.set_defaults(func=handlers["predict"])

    p = _sub(
        sub,
        "label",
        "apply + fit + predict in one go",
        "Apply the LFs, fit a label model and write soft labels in one go."
        "  Gold labels, from another file (--gold) or from a column of the data"
        " (--gold-column alone), sharpen the fit.",
        "weaklabel label --lfs my_lfs.py --data comments.csv --out soft.parquet",
        "weaklabel label --lfs my_lfs.py --data comments.csv --id-column"
        " comment_id --keep-columns text label --gold-column label --save-model"
        " model.json --out soft.csv",
        "weaklabel label --lfs my_lfs.py --data 'events/*.parquet' --engine dask"
        " --out soft/",
    )
    _add_lfs(p)
    _add_id_column(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="soft labels (.parquet/.csv; a folder with --engine dask)",
    )
    _add_model_type(p)
    _add_seed(p)
    _add_keep_columns(p)
    _add_gold(
        p,
        "data file with gold labels, one row per data row (empty = unknown);"
        " without it, --gold-column names a column of --data",
        "column holding the gold labels, of --gold or else of --data: class"
        " names or indices 0..k-1, empty or -1 = unknown (default with --gold:"
        " label)",
    )
    p.add_argument(
        "--save-model",
        default=None,
        metavar="FILE",
        help="also save the fitted label model (.json or .npz)",
    )
    p.add_argument(
        "--engine",
        choices=("pandas", "dask"),
        default="pandas",
        help="pandas: in memory (default); dask: files larger than memory,"
        " written as a folder of Parquet files",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --engine dask: a Dask scheduler address (default: a local cluster)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="with --engine dask: replace an existing non-empty --out folder that"
        " weaklabel did not write, with everything in it (refused otherwise; an"
        " earlier weaklabel output is always replaced)",
    )
    p.set_defaults(func=handlers["label"], gold_in_data=True)

    p = _sub(
        sub,
        "train",
        "train a TF-IDF + linear end model on soft labels",
        "Train the text end model (TF-IDF words and characters + a noise-aware"
        " linear head with balanced class weights) on the soft labels of"
        " 'weaklabel label' and save it as a folder; apply it to new data with"
        " 'weaklabel classify'. Give --votes to leave the rows no LF voted on out"
        " of training (Snorkel's filter_unlabeled_dataframe advice).",
        "weaklabel train --data comments.csv --labels soft.parquet --out model/",
        "weaklabel train --data comments.csv --labels soft.parquet --votes"
        " votes.parquet --out model/",
        "weaklabel train --data posts.tsv --text-column body --labels soft.csv"
        " --gold-column label --epochs 50 --out model/",
    )
    p.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="the data the soft labels were computed on, same rows in the same"
        " order (.csv, .tsv, .parquet, .jsonl)",
    )
    p.add_argument(
        "--labels",
        required=True,
        metavar="FILE",
        help="soft-label file from 'weaklabel label' or 'weaklabel predict'",
    )
    p.add_argument(
        "--votes",
        default=None,
        metavar="FILE",
        help="the votes file the soft labels came from ('weaklabel apply'); rows"
        " where every LF abstained are then left out of training",
    )
    p.add_argument(
        "--text-column",
        default="text",
        metavar="NAME",
        help="column holding the text to learn from (default: text)",
    )
    p.add_argument(
        "--gold-column",
        default=None,
        metavar="NAME",
        help="column of --data with gold labels, held out for validation metrics",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for the model (checked to be writable before training)",
    )
    p.add_argument(
        "--epochs", type=int, default=30, help="maximum training epochs (default: 30)"
    )
    _add_seed(p)
    _add_text_na(p)
    p.set_defaults(func=handlers["train"])

    p = _sub(
        sub,
        "classify",
        "apply a trained end model to new data",
        "Apply an end model saved by 'weaklabel train' to a data table and write"
        " its predictions as soft labels: id, proba_<class>..., label,"
        " confidence.",
        "weaklabel classify --model model/ --data new.csv --out preds.csv",
        "weaklabel classify --model model/ --data new.parquet --text-column body"
        " --id-column post_id --keep-columns body --out preds.parquet",
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="DIR",
        help="model folder written by 'weaklabel train'",
    )
    p.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="data table to classify (.csv, .tsv, .parquet, .jsonl)",
    )
    p.add_argument(
        "--text-column",
        default="text",
        metavar="NAME",
        help="column holding the text (default: text)",
    )
    _add_id_column(p)
    _add_keep_columns(p)
    _add_text_na(p)
    p.add_argument(
        "--out", required=True, metavar="FILE", help="predictions (.parquet or .csv)"
    )
    p.set_defaults(func=handlers["classify"])

    p = _sub(
        sub,
        "demo",
        "run the pipeline on bundled YouTube comments",
        "Run LFs -> label model -> soft labels -> end model on the YouTube spam"
        " comments that ship with weaklabel, and print the accuracies.",
        "weaklabel demo",
        "weaklabel demo --out demo/ --no-end-model",
    )
    p.add_argument(
        "--out",
        default="weaklabel-demo",
        metavar="DIR",
        help="output folder (default: weaklabel-demo)",
    )
    _add_seed(p)
    p.add_argument("--no-end-model", action="store_true", help="skip the end model")
    p.set_defaults(func=handlers["demo"])

    for module_name in extensions:
        importlib.import_module(module_name).register(sub)
    for subparser in sub.choices.values():
        with suppress(argparse.ArgumentError):  # a wing defines one itself
            _add_global_flags(subparser, top=False)
    return parser
