"""``weaklabel demo``: the whole pipeline on the bundled YouTube spam comments.

The UCI YouTube Spam Collection (CC BY 4.0, Alberto, Lochter & Almeida 2015)
ships with the package.  The demo follows the Snorkel/WRENCH split: comments
on the first four videos are the unlabeled training set, those on the fifth
(Shakira) are the test set.  Gold labels are used only to report accuracy.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["load_demo_registry", "run_demo"]

_TEST_VIDEO = "Shakira"


def load_demo_registry() -> Any:
    """Return the LFRegistry of the YouTube example LFs.

    The examples ship as ``weaklabel.examples`` (mapped from the repository's
    ``labeling_functions/`` folder); from a source checkout that is not
    installed, the file is imported from ``labeling_functions/youtube.py``.
    """
    try:
        module = importlib.import_module("weaklabel.examples.youtube")
        return module.lfs
    except ImportError:
        from weaklabel._registry_loader import load_registry

        path = Path(__file__).resolve().parents[1] / "labeling_functions" / "youtube.py"
        return load_registry(path)


def _accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(pred == y))


def run_demo(
    out_dir: Path, *, seed: int = 0, train_end_model: bool = True
) -> dict[str, float]:
    """Run LFs -> label model -> soft labels (-> end model) and print a report.

    Parameters
    ----------
    out_dir : Path
        Folder for ``soft_labels.parquet`` (and the end model).
    seed : int, default=0
        ``random_state`` of the label model and the end model.
    train_end_model : bool, default=True
        Also train the TF-IDF + linear end model on the soft labels.

    Returns
    -------
    dict of str to float
        The accuracies printed in the report.
    """
    from weaklabel.analysis import lf_summary
    from weaklabel.datasets import load_youtube
    from weaklabel.io import write_soft_labels
    from weaklabel.label_model import LabelModel, MajorityVote

    df = load_youtube()
    lfs = load_demo_registry()
    L = lfs.apply(df)
    y = df["label"].to_numpy()
    train = (df["video"] != _TEST_VIDEO).to_numpy()
    test = ~train

    print(f"YouTube spam comments: {len(df)} rows, {len(lfs)} labeling functions")
    print(
        f"train = videos 1-4 ({train.sum()} rows), test = Shakira ({test.sum()} rows)\n"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        summary = lf_summary(L[train], y=y[train])
        print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    print()

    model = LabelModel(cardinality=lfs.cardinality, random_state=seed).fit(L[train])
    mv = MajorityVote(cardinality=lfs.cardinality, random_state=seed).fit(L[train])
    results = {
        "majority vote, test accuracy": mv.score(L[test], y[test]),
        "label model, test accuracy": model.score(L[test], y[test]),
        "majority vote, all-rows accuracy": mv.score(L, y),
        "label model, all-rows accuracy": model.score(L, y),
    }
    proba = model.predict_proba(L)
    out_dir.mkdir(parents=True, exist_ok=True)
    soft_path = out_dir / "soft_labels.parquet"
    write_soft_labels(
        soft_path,
        proba,
        classes=list(lfs.classes),
        index=df.index,
        source=df[["comment_id", "video", "text", "label"]].rename(
            columns={"label": "gold"}
        ),
    )

    if train_end_model:
        from weaklabel.textmodel import fit_text_classifier

        clf = fit_text_classifier(  # rows no LF voted on are left out
            df.loc[train, "text"], proba[train], L=L[train], random_state=seed
        )
        results["end model (TF-IDF + linear head on soft labels), test accuracy"] = (
            _accuracy(clf.predict(df.loc[test, "text"]), y[test])
        )

    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:.3f}")
    print(f"\nsoft labels written to {soft_path}")
    return results
