"""Weakly-supervised multimodal alignment: a joint space from noisy pairs.

Frozen per-modality features in, projection heads trained with a contrastive
loss (weighted InfoNCE or SigLIP), each pair weighted by how much the label
model over the pair LFs (or the loss itself) trusts it.  Needs the ``torch``
extra.  Public names load lazily, so ``import weaklabel.align`` stays light.

Modules: ``pairs`` (tables, pair LFs, P(match)), ``losses``, ``heads``,
``weighting``, ``train`` (``PairAligner``, ``AnchorAligner``), ``mining``
(bootstrapping), ``evaluate`` (retrieval metrics, noise injector),
``encoders`` (feature helpers), ``datasets`` (real paired data built from
installed packages), ``persist`` (model folders), ``cli``.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "PAIR_CLASSES": "weaklabel.align.pairs",
    "pair_registry": "weaklabel.align.pairs",
    "join_pairs": "weaklabel.align.pairs",
    "pair_indices": "weaklabel.align.pairs",
    "pair_confidence": "weaklabel.align.pairs",
    "feature_matrix": "weaklabel.align.pairs",
    "profile_agreement": "weaklabel.align.pairs",
    "PairAligner": "weaklabel.align.train",
    "AnchorAligner": "weaklabel.align.train",
    "InfoNCELoss": "weaklabel.align.losses",
    "SigLIPLoss": "weaklabel.align.losses",
    "HardestNegativeLoss": "weaklabel.align.losses",
    "retrieval_metrics": "weaklabel.align.evaluate",
    "modality_gap": "weaklabel.align.evaluate",
    "inject_noise": "weaklabel.align.evaluate",
    "mine_pairs": "weaklabel.align.mining",
    "bootstrap": "weaklabel.align.mining",
    "model_pair_lf": "weaklabel.align.mining",
    "save_aligner": "weaklabel.align.persist",
    "load_aligner": "weaklabel.align.persist",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'weaklabel.align' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
