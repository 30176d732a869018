"""Projection heads into a shared space, and the network that holds them.

Each modality gets its own head (a linear map, or a small MLP) from its frozen
features into a shared ``dim``-dimensional space, where embeddings are
L2-normalised.  The network also holds the learned temperature: CLIP's
``logit_scale`` (initialised to ``log(1 / 0.07)``, clamped by the training
loop to at most ``log(100)``), and SigLIP's ``logit_bias``.

Weights are initialised from an explicit ``torch.Generator``, so the same
seed gives the same network and the global RNG is never touched.

Examples
--------
>>> import torch
>>> net = AlignNet({"img": 6, "txt": 4}, dim=3, generator=torch.Generator().manual_seed(0))
>>> z = net.encode("img", torch.ones(2, 6))
>>> z.shape, bool(torch.allclose(z.norm(dim=1), torch.ones(2)))
(torch.Size([2, 3]), True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

__all__ = ["CLIP_INIT_SCALE", "MAX_LOGIT_SCALE", "AlignNet", "ProjectionHead"]

CLIP_INIT_SCALE = math.log(1 / 0.07)
"""CLIP's initial ``logit_scale`` (temperature 0.07)."""
MAX_LOGIT_SCALE = math.log(100.0)
"""CLIP's clamp: the inverse temperature never exceeds 100."""
SIGLIP_INIT_SCALE = math.log(10.0)
SIGLIP_INIT_BIAS = -10.0


def _init_linear(layer: nn.Linear, generator: torch.Generator) -> None:
    # PyTorch's default (uniform in +-1/sqrt(fan_in)), drawn from the given RNG
    bound = 1.0 / math.sqrt(layer.in_features)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        if layer.bias is not None:
            layer.bias.uniform_(-bound, bound, generator=generator)


class ProjectionHead(nn.Module):
    """A linear map or a one-hidden-layer MLP, followed by L2 normalisation.

    Parameters
    ----------
    in_dim : int
        Input feature dimension.
    dim : int
        Output (shared space) dimension.
    hidden : int or None, default=None
        Hidden width of the MLP (GELU); None for a linear head.
    dropout : float, default=0.0
        Dropout on the input features.
    generator : torch.Generator, default=None
        RNG of the initial weights.
    """

    mean: torch.Tensor
    scale: torch.Tensor

    def __init__(
        self,
        in_dim: int,
        dim: int,
        *,
        hidden: int | None = None,
        dropout: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        g = generator if generator is not None else torch.Generator().manual_seed(0)
        layers: list[nn.Module] = [nn.Dropout(dropout)] if dropout > 0 else []
        if hidden is None:
            layers.append(nn.Linear(in_dim, dim))
        else:
            layers += [nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, dim)]
        self.net = nn.Sequential(*layers)
        # feature standardisation learned in fit (saved with the weights)
        self.register_buffer("mean", torch.zeros(in_dim))
        self.register_buffer("scale", torch.ones(in_dim))
        for layer in self.net:
            if isinstance(layer, nn.Linear):
                _init_linear(layer, g)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Standardise, project and L2-normalise: (n, in_dim) -> (n, dim)."""
        return F.normalize(self.net((x - self.mean) / self.scale), dim=1)

    def set_standardisation(self, x: torch.Tensor) -> None:
        """Store the per-feature mean and standard deviation of ``x`` (n, in_dim)."""
        with torch.no_grad():
            self.mean.copy_(x.mean(dim=0))
            std = x.std(dim=0, unbiased=False)
            self.scale.copy_(torch.where(std > 1e-8, std, torch.ones_like(std)))


class AlignNet(nn.Module):
    """One projection head per modality plus the learned temperature (and bias).

    Parameters
    ----------
    in_dims : mapping of str to int
        Feature dimension of each modality, by name.
    dim : int
        Shared space dimension.
    hidden : int or None, default=None
        Hidden width of every head (None: linear heads).
    dropout : float, default=0.0
    loss : {"infonce", "siglip"}, default="infonce"
        Chooses the temperature (and bias) initialisation.
    generator : torch.Generator, default=None
    """

    def __init__(
        self,
        in_dims: Mapping[str, int],
        dim: int,
        *,
        hidden: int | None = None,
        dropout: float = 0.0,
        loss: str = "infonce",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        g = generator if generator is not None else torch.Generator().manual_seed(0)
        self.heads = nn.ModuleDict(
            {
                name: ProjectionHead(
                    d, dim, hidden=hidden, dropout=dropout, generator=g
                )
                for name, d in in_dims.items()
            }
        )
        siglip = loss == "siglip"
        self.logit_scale = nn.Parameter(
            torch.tensor(SIGLIP_INIT_SCALE if siglip else CLIP_INIT_SCALE)
        )
        self.logit_bias = nn.Parameter(
            torch.tensor(SIGLIP_INIT_BIAS if siglip else 0.0)
        )

    def head(self, modality: str) -> ProjectionHead:
        """The projection head of one modality."""
        head = self.heads[modality]
        assert isinstance(head, ProjectionHead)
        return head

    def encode(self, modality: str, x: torch.Tensor) -> torch.Tensor:
        """Embed features of one modality: (n, in_dim) -> (n, dim), unit rows."""
        out: torch.Tensor = self.head(modality)(x)
        return out

    def clamp_(self) -> None:
        """Clamp the temperature to CLIP's range (``0 <= logit_scale <= log 100``)."""
        with torch.no_grad():
            self.logit_scale.clamp_(0.0, MAX_LOGIT_SCALE)
