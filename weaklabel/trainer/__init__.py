"""Noise-aware training of PyTorch models on probabilistic labels.

Needs the ``torch`` extra.  ``import weaklabel`` never imports torch; this
subpackage does, and says how to install it when it is missing.
"""

from __future__ import annotations

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without torch only
    raise ImportError(
        "NoiseAwareClassifier requires PyTorch: pip install 'weaklabel[torch]'"
        " (CPU: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
    ) from exc

from weaklabel.trainer.classifier import NoiseAwareClassifier
from weaklabel.trainer.loss import (
    generalized_cross_entropy,
    soft_cross_entropy,
    symmetric_cross_entropy,
)
from weaklabel.trainer.modules import LogisticRegressionNet, MLPNet

__all__ = [
    "LogisticRegressionNet",
    "MLPNet",
    "NoiseAwareClassifier",
    "generalized_cross_entropy",
    "soft_cross_entropy",
    "symmetric_cross_entropy",
]
