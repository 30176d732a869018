"""Small built-in networks for :class:`NoiseAwareClassifier`.

Both take ``(n_features, n_classes)`` first, so the classes themselves are
valid ``module=`` factories, and both accept dense or ``torch.sparse`` input
batches of shape ``(batch, n_features)``.  They remember their constructor
arguments in ``init_kwargs`` so that a saved classifier can rebuild them by
name.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import nn

__all__ = ["BUILTIN_MODULES", "LogisticRegressionNet", "MLPNet", "default_module"]


class _SparseFriendlyLinear(nn.Linear):
    """``nn.Linear`` that also multiplies ``torch.sparse`` inputs without densifying."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.layout != torch.strided:
            out: torch.Tensor = torch.sparse.mm(x, self.weight.t()) + self.bias
            return out
        return super().forward(x)


class LogisticRegressionNet(nn.Module):
    """Multinomial logistic regression: one linear layer to ``n_classes`` logits.

    Parameters
    ----------
    n_features : int
        Input width.
    n_classes : int
        Number of classes (logits).

    Examples
    --------
    >>> import torch
    >>> LogisticRegressionNet(4, 3)(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    accepts_sparse: ClassVar[bool] = True
    """Batches of scipy.sparse features reach it as ``torch.sparse`` tensors."""

    def __init__(self, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.init_kwargs: dict[str, Any] = {
            "n_features": n_features,
            "n_classes": n_classes,
        }
        self.linear = _SparseFriendlyLinear(n_features, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits of shape (batch, n_classes)."""
        out: torch.Tensor = self.linear(x)
        return out


class MLPNet(nn.Module):
    """Multi-layer perceptron: ReLU hidden layers with dropout, then logits.

    Parameters
    ----------
    n_features : int
        Input width.
    n_classes : int
        Number of classes (logits).
    hidden_sizes : sequence of int, default=(128,)
        Width of each hidden layer.
    dropout : float, default=0.2
        Dropout probability after each hidden layer.

    Examples
    --------
    >>> import torch
    >>> MLPNet(4, 2, hidden_sizes=(8, 8))(torch.zeros(5, 4)).shape
    torch.Size([5, 2])
    """

    accepts_sparse: ClassVar[bool] = True
    """Batches of scipy.sparse features reach it as ``torch.sparse`` tensors."""

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        *,
        hidden_sizes: Sequence[int] = (128,),
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        hidden_sizes = [int(h) for h in hidden_sizes]
        self.init_kwargs: dict[str, Any] = {
            "n_features": n_features,
            "n_classes": n_classes,
            "hidden_sizes": hidden_sizes,
            "dropout": float(dropout),
        }
        widths = [n_features, *hidden_sizes, n_classes]
        layers: list[nn.Module] = []
        for i, (w_in, w_out) in enumerate(itertools.pairwise(widths)):
            # The first layer receives the (possibly sparse) input.
            layers.append(
                _SparseFriendlyLinear(w_in, w_out) if i == 0 else nn.Linear(w_in, w_out)
            )
            if i < len(hidden_sizes):
                layers += [nn.ReLU(), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits of shape (batch, n_classes)."""
        out: torch.Tensor = self.layers(x)
        return out


BUILTIN_MODULES: dict[str, type[nn.Module]] = {
    "LogisticRegressionNet": LogisticRegressionNet,
    "MLPNet": MLPNet,
}
"""Built-in modules by name; a saved classifier names its module here."""


def default_module(n_features: int, n_classes: int) -> nn.Module:
    """Build the network used when ``module=None``: :class:`LogisticRegressionNet`.

    A linear (multinomial logistic) head: on sparse TF-IDF text features it
    matches or beats a one-hidden-layer MLP at a small fraction of the cost
    (``benchmarks/results/bench_end_model.md``), and it multiplies sparse
    batches without densifying them.  Pass ``module=MLPNet`` for dense
    embedding features.
    """
    return LogisticRegressionNet(n_features, n_classes)
