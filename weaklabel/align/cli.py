"""``weaklabel align fit|eval|embed``: train, score and apply an alignment model.

Tables (CSV or Parquet) have an ``id`` column; every other numeric column is a
feature (or only those starting with ``--features PREFIX``); the other columns
are there for the pair LFs.  Pairs tables have ``left_id`` and ``right_id``.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]

_FIT_EXAMPLES = """examples:
  weaklabel align fit --left images.parquet --right captions.parquet \\
      --pairs pairs.csv --out model/
  weaklabel align fit --left code.csv --right docs.csv --pairs pairs.csv \\
      --pair-lfs pair_lfs.py --weighting lf+gmm --loss siglip --epochs 40 --out model/
  weaklabel align fit --left a.csv --right b.csv --pairs p.csv --features f_ \\
      --seed 3 --device cuda --out model/
"""
_EVAL_EXAMPLES = """examples:
  weaklabel align eval --model model/ --left images.parquet --right captions.parquet \\
      --pairs test_pairs.csv
  weaklabel align eval --model model/ --left a.csv --right b.csv --pairs test.csv \\
      --metrics METRICS.json
  weaklabel align eval --model model/ --left a.csv --right b.csv --pairs test.csv --centre
"""
_EMBED_EXAMPLES = """examples:
  weaklabel align embed --model model/ --side left --data images.parquet --out img_emb.parquet
  weaklabel align embed --model model/ --side right --data captions.csv --out txt_emb.parquet
  weaklabel align embed --model model/ --side right --data new.csv --out new.csv
"""


def _error(message: str) -> Exception:
    from weaklabel.exceptions import WeakLabelError

    return WeakLabelError(message)


def _read(path: str, what: str) -> Any:
    from pathlib import Path

    from weaklabel.io import read_table

    if not Path(path).exists():
        raise _error(f"The {what} file {path!r} does not exist; check the path.")
    return read_table(path)


def _features(table: Any, prefix: str | None, columns: Any, side: str) -> Any:
    from weaklabel.align.pairs import PairError, feature_matrix

    try:
        return feature_matrix(table, prefix=prefix, columns=columns)
    except PairError as exc:
        raise _error(f"{side} table: {exc}") from None


def _cmd_fit(args: argparse.Namespace) -> int:
    from weaklabel.align.pairs import pair_confidence, pair_indices
    from weaklabel.align.persist import save_aligner
    from weaklabel.align.train import PairAligner

    left = _read(args.left, "--left")
    right = _read(args.right, "--right")
    pairs = _read(args.pairs, "--pairs")
    XL, cols_l = _features(left, args.features, None, "left")
    XR, cols_r = _features(right, args.features, None, "right")
    P = pair_indices(left, right, pairs)
    confidence = None
    if args.pair_lfs is not None:
        from weaklabel._registry_loader import load_registry

        confidence = pair_confidence(load_registry(args.pair_lfs), left, right, pairs)
    elif args.weighting in ("lf", "lf+gmm"):
        raise _error(
            f"--weighting {args.weighting} needs pair LFs; give --pair-lfs FILE or"
            " use --weighting auto, gmm or none."
        )
    model = PairAligner(
        dim=args.dim,
        hidden=args.hidden,
        loss=args.loss,
        weighting=args.weighting,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        device=args.device,
        random_state=args.seed,
    ).fit(XL, XR, P, confidence=confidence)
    save_aligner(model, args.out, feature_columns={"left": cols_l, "right": cols_r})
    noise = model.noise_estimate_
    said = "" if noise is None else f", estimated noisy share {noise:.2f}"
    print(
        f"aligned {len(P)} pairs ({XL.shape[1]} -> {args.dim} <- {XR.shape[1]} features,"
        f" weighting {model.weighting_}, {model.n_epochs_} epochs{said});"
        f" wrote {args.out}"
    )
    return 0


def _load(path: str) -> Any:
    from weaklabel.align.persist import load_aligner
    from weaklabel.align.train import PairAligner

    model = load_aligner(path)
    if not isinstance(model, PairAligner):
        raise _error(
            f"{path!r} holds a {type(model).__name__}; these commands need a PairAligner."
        )
    return model


def _cmd_eval(args: argparse.Namespace) -> int:
    import json

    from weaklabel._files import atomic_write
    from weaklabel.align.evaluate import retrieval_metrics
    from weaklabel.align.pairs import pair_indices

    model = _load(args.model)
    left = _read(args.left, "--left")
    right = _read(args.right, "--right")
    pairs = _read(args.pairs, "--pairs")
    cols = model.feature_columns_
    XL, _ = _features(left, None, cols.get("left"), "left")
    XR, _ = _features(right, None, cols.get("right"), "right")
    P = pair_indices(left, right, pairs)
    metrics = retrieval_metrics(
        model.transform(XL, side="left"),
        model.transform(XR, side="right"),
        P,
        centred=args.centre,
    )
    text = json.dumps(metrics, indent=2)
    if args.metrics is not None:
        atomic_write(
            args.metrics, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8")
        )
    print(text)
    return 0


def _cmd_embed(args: argparse.Namespace) -> int:
    import pandas as pd

    from weaklabel._files import atomic_write

    model = _load(args.model)
    table = _read(args.data, "--data")
    if "id" not in table.columns:
        raise _error(
            f"The --data table has no 'id' column (columns: {list(table.columns)[:8]})."
        )
    X, _ = _features(table, None, model.feature_columns_.get(args.side), args.side)
    E = model.transform(X, side=args.side)
    out = pd.DataFrame(E, columns=[f"emb_{i}" for i in range(E.shape[1])])
    out.insert(0, "id", table["id"].to_numpy())
    if str(args.out).endswith(".csv"):
        atomic_write(args.out, lambda tmp: out.to_csv(tmp, index=False))
    else:
        atomic_write(args.out, lambda tmp: out.to_parquet(tmp, index=False))
    print(
        f"embedded {len(out)} {args.side} items into {E.shape[1]} dimensions; wrote {args.out}"
    )
    return 0


def _parser(sub: Any, name: str, summary: str, description: str, epilog: str) -> Any:
    return sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def register(subparsers: Any) -> None:
    """Add ``align fit``, ``align eval`` and ``align embed`` to ``weaklabel``."""
    top = subparsers.add_parser(
        "align",
        help="learn a joint embedding space for two tables from noisy pairs",
        description="Weakly-supervised multimodal alignment: projection heads"
        " trained with weighted InfoNCE or SigLIP on pairs the pair LFs and the"
        " label model (or the loss itself) decide how far to trust.",
        epilog="examples:\n  weaklabel align fit --left a.csv --right b.csv --pairs p.csv"
        " --out model/\n  weaklabel align eval --model model/ --left a.csv --right"
        " b.csv --pairs test.csv\n  weaklabel align embed --model model/ --side left"
        " --data a.csv --out emb.parquet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = top.add_subparsers(dest="align_command", required=True, metavar="COMMAND")

    fit = _parser(
        sub,
        "fit",
        "train projection heads on the pairs and save the model folder",
        "Train one projection head per side on the pairs (weighted by the pair"
        " LFs' label model and/or the per-pair loss) and write the model folder"
        " (config.json + weights.npz, no pickle).  The same --seed gives the same"
        " model.",
        _FIT_EXAMPLES,
    )
    fit.add_argument(
        "--left", required=True, help="left items: CSV/Parquet with an 'id' column"
    )
    fit.add_argument(
        "--right", required=True, help="right items: CSV/Parquet with an 'id' column"
    )
    fit.add_argument(
        "--pairs", required=True, help="pairs: CSV/Parquet with left_id, right_id"
    )
    fit.add_argument("--out", required=True, help="model folder to write")
    fit.add_argument(
        "--pair-lfs",
        default=None,
        metavar="FILE",
        help="Python file defining an LFRegistry of pair LFs (classes"
        " ['mismatch', 'match'], columns left_<col>/right_<col>; its code runs)",
    )
    fit.add_argument(
        "--weighting",
        choices=("auto", "none", "lf", "gmm", "lf+gmm"),
        default="auto",
        help="per-pair weights (default: auto, which trains each weighting on 5"
        " folds of held-out pairs and keeps the best, and its epoch count;"
        " uniform unless re-weighting retrieves the held-out pairs better)",
    )
    fit.add_argument(
        "--loss",
        choices=("infonce", "siglip"),
        default="infonce",
        help="contrastive loss (default: infonce)",
    )
    fit.add_argument(
        "--epochs", type=int, default=30, help="training epochs (default: 30)"
    )
    fit.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    fit.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    fit.add_argument(
        "--features",
        default=None,
        metavar="PREFIX",
        help="use only numeric columns starting with PREFIX (default: every numeric column but id)",
    )
    fit.add_argument(
        "--dim", type=int, default=64, help="shared space dimension (default: 64)"
    )
    fit.add_argument(
        "--hidden",
        type=int,
        default=None,
        help="hidden width of MLP heads (default: linear heads)",
    )
    fit.add_argument(
        "--batch-size", type=int, default=128, help="pairs per batch (default: 128)"
    )
    fit.add_argument(
        "--lr", type=float, default=5e-3, help="AdamW learning rate (default: 5e-3)"
    )
    fit.set_defaults(func=_cmd_fit)

    ev = _parser(
        sub,
        "eval",
        "retrieval metrics of a model on test pairs (R@1/5/10 both ways, rSum)",
        "Embed the items named by the test pairs and retrieve each side from the"
        " other among all test items: R@1, R@5, R@10 (percent), median rank,"
        " rSum and the modality gap, printed as JSON.",
        _EVAL_EXAMPLES,
    )
    ev.add_argument(
        "--model", required=True, help="model folder written by 'align fit'"
    )
    ev.add_argument(
        "--left", required=True, help="left items (the columns used in fit)"
    )
    ev.add_argument(
        "--right", required=True, help="right items (the columns used in fit)"
    )
    ev.add_argument("--pairs", required=True, help="test pairs: left_id, right_id")
    ev.add_argument(
        "--metrics", default=None, help="also write the metrics to this JSON file"
    )
    ev.add_argument(
        "--centre", action="store_true", help="centre each modality before ranking"
    )
    ev.set_defaults(func=_cmd_eval)

    em = _parser(
        sub,
        "embed",
        "embed one side's items into the joint space",
        "Write the joint-space embedding of every item of a table (id, emb_0..)"
        " as Parquet (or CSV when --out ends in .csv).",
        _EMBED_EXAMPLES,
    )
    em.add_argument(
        "--model", required=True, help="model folder written by 'align fit'"
    )
    em.add_argument(
        "--side", required=True, choices=("left", "right"), help="which head to use"
    )
    em.add_argument(
        "--data",
        required=True,
        help="items: CSV/Parquet with id and the fit's feature columns",
    )
    em.add_argument(
        "--out", required=True, help="output file: .parquet (default) or .csv"
    )
    em.set_defaults(func=_cmd_embed)
