"""weaklabel: programmatic weak supervision.

Write labeling functions, apply them to a DataFrame, fit a label model on the
votes, and train any PyTorch model on the resulting soft labels.

Public names are imported lazily, so ``import weaklabel`` stays fast and never
imports torch or dask (those load only when ``NoiseAwareClassifier`` or the
Dask helpers are first used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from weaklabel._version import __version__
from weaklabel.typing import ABSTAIN

_LAZY: dict[str, str] = {
    # labeling functions and appliers
    "LabelingFunction": "weaklabel.lf",
    "LFRegistry": "weaklabel.lf",
    "labeling_function": "weaklabel.lf",
    "apply_lfs": "weaklabel.apply",
    "load_registry": "weaklabel._registry_loader",
    "keyword_lf": "weaklabel.lf_helpers",
    "regex_lf": "weaklabel.lf_helpers",
    "lookup_lf": "weaklabel.lf_helpers",
    "model_lf": "weaklabel.lf_helpers",
    # model-based LFs (embeddings need the embed extra) and calibrated thresholds
    "zero_shot_lf": "weaklabel.embed",
    "knn_lf": "weaklabel.embed",
    "extend_lf": "weaklabel.embed",
    "extend_votes": "weaklabel.embed",
    "WordLlamaEmbedder": "weaklabel.embed",
    "CachedEmbedder": "weaklabel.embed",
    "calibrate_threshold": "weaklabel.calibration",
    "prompt_lf": "weaklabel.prompt",
    "OpenAIBackend": "weaklabel.prompt",
    # analysis
    "lf_summary": "weaklabel.analysis",
    "label_coverage": "weaklabel.analysis",
    "lf_coverages": "weaklabel.analysis",
    "lf_overlaps": "weaklabel.analysis",
    "lf_conflicts": "weaklabel.analysis",
    "lf_polarities": "weaklabel.analysis",
    "lf_empirical_accuracies": "weaklabel.analysis",
    "matrix_summary": "weaklabel.analysis",
    # label models
    "LabelModel": "weaklabel.label_model",
    "DawidSkene": "weaklabel.label_model",
    "MajorityVote": "weaklabel.label_model",
    "OnlineLabelModel": "weaklabel.label_model",
    "load_label_model": "weaklabel.label_model",
    "probs_to_preds": "weaklabel.soft_labels",
    "filter_unlabeled": "weaklabel.soft_labels",
    # input / output and data
    "write_soft_labels": "weaklabel.io",
    "read_soft_labels": "weaklabel.io",
    "write_votes": "weaklabel.io",
    "read_votes": "weaklabel.io",
    "proba_from_frame": "weaklabel.io",
    "load_youtube": "weaklabel.datasets",
    "load_wrench": "weaklabel.datasets",
    "CrowdVotes": "weaklabel.crowd",
    "votes_from_long_table": "weaklabel.crowd",
    "make_votes": "weaklabel.synthetic",
    # scale-out with Dask (needs the dask extra; imported on first use)
    "apply_dask": "weaklabel.scale",
    "fit_dask": "weaklabel.scale",
    "predict_dask": "weaklabel.scale",
    "label_dask": "weaklabel.scale",
    # trainer (needs torch)
    "NoiseAwareClassifier": "weaklabel.trainer",
    "LogisticRegressionNet": "weaklabel.trainer",
    "MLPNet": "weaklabel.trainer",
}

__all__ = [
    "ABSTAIN",
    "CachedEmbedder",
    "CrowdVotes",
    "DawidSkene",
    "LFRegistry",
    "LabelModel",
    "LabelingFunction",
    "LogisticRegressionNet",
    "MLPNet",
    "MajorityVote",
    "NoiseAwareClassifier",
    "OnlineLabelModel",
    "OpenAIBackend",
    "WordLlamaEmbedder",
    "__version__",
    "apply_dask",
    "apply_lfs",
    "calibrate_threshold",
    "extend_lf",
    "extend_votes",
    "filter_unlabeled",
    "fit_dask",
    "keyword_lf",
    "knn_lf",
    "label_coverage",
    "label_dask",
    "labeling_function",
    "lf_conflicts",
    "lf_coverages",
    "lf_empirical_accuracies",
    "lf_overlaps",
    "lf_polarities",
    "lf_summary",
    "load_label_model",
    "load_registry",
    "load_wrench",
    "load_youtube",
    "lookup_lf",
    "make_votes",
    "matrix_summary",
    "model_lf",
    "predict_dask",
    "proba_from_frame",
    "probs_to_preds",
    "prompt_lf",
    "read_soft_labels",
    "read_votes",
    "regex_lf",
    "votes_from_long_table",
    "write_soft_labels",
    "write_votes",
    "zero_shot_lf",
]

if TYPE_CHECKING:  # pragma: no cover - static type checkers see real imports
    from weaklabel._registry_loader import load_registry
    from weaklabel.analysis import (
        label_coverage,
        lf_conflicts,
        lf_coverages,
        lf_empirical_accuracies,
        lf_overlaps,
        lf_polarities,
        lf_summary,
        matrix_summary,
    )
    from weaklabel.apply import apply_lfs
    from weaklabel.calibration import calibrate_threshold
    from weaklabel.crowd import CrowdVotes, votes_from_long_table
    from weaklabel.datasets import load_wrench, load_youtube
    from weaklabel.embed import (
        CachedEmbedder,
        WordLlamaEmbedder,
        extend_lf,
        extend_votes,
        knn_lf,
        zero_shot_lf,
    )
    from weaklabel.io import (
        proba_from_frame,
        read_soft_labels,
        read_votes,
        write_soft_labels,
        write_votes,
    )
    from weaklabel.label_model import (
        DawidSkene,
        LabelModel,
        MajorityVote,
        OnlineLabelModel,
        load_label_model,
    )
    from weaklabel.lf import LabelingFunction, LFRegistry, labeling_function
    from weaklabel.lf_helpers import keyword_lf, lookup_lf, model_lf, regex_lf
    from weaklabel.prompt import OpenAIBackend, prompt_lf
    from weaklabel.scale import apply_dask, fit_dask, label_dask, predict_dask
    from weaklabel.soft_labels import filter_unlabeled, probs_to_preds
    from weaklabel.synthetic import make_votes
    from weaklabel.trainer import LogisticRegressionNet, MLPNet, NoiseAwareClassifier


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'weaklabel' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
