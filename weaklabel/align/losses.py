"""Contrastive losses over a batch of paired embeddings, each a small ``nn.Module``.

Every loss takes L2-normalised embeddings ``a`` and ``b`` of shape
``(batch, dim)`` (row ``i`` of each is the ``i``-th pair), the learned
``logit_scale`` (log of the inverse temperature, as in CLIP), optional
per-pair ``weights`` of shape ``(batch,)`` and an optional boolean
``positives`` mask of shape ``(batch, batch)`` that is True wherever the two
items are known to belong together (the diagonal, and pairs that share an
item): those off-diagonal entries are never used as negatives.  A pair's
weight scales only its own positive term; it still serves as a negative for
every other pair.

The options live in ``__init__`` and the maths in ``forward``, as in
open_clip's ``ClipLoss`` and ``SigLipLoss``; the temperature lives on the
model and is clamped by the training loop.

Examples
--------
>>> import torch
>>> g = torch.Generator().manual_seed(0)
>>> a = torch.nn.functional.normalize(torch.randn(4, 8, generator=g), dim=1)
>>> loss = InfoNCELoss()(a, a, torch.tensor(2.0))
>>> bool(loss < InfoNCELoss()(a, a.flip(0), torch.tensor(2.0)))
True
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

__all__ = ["HardestNegativeLoss", "InfoNCELoss", "SigLIPLoss", "shared_item_mask"]


def shared_item_mask(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """Which pairs of a batch share an item (True on the diagonal too).

    Parameters
    ----------
    left, right : Tensor of shape (batch,)
        Item indices of each pair's two sides.

    Returns
    -------
    Tensor of shape (batch, batch), dtype bool
        ``mask[i, j]`` is True when pair ``j``'s right item is a known partner of
        pair ``i``'s left item (same left item or same right item).

    Examples
    --------
    >>> shared_item_mask(torch.tensor([0, 0, 1]), torch.tensor([5, 6, 5])).int()
    tensor([[1, 1, 1],
            [1, 1, 0],
            [1, 0, 1]], dtype=torch.int32)
    """
    return (left[:, None] == left[None, :]) | (right[:, None] == right[None, :])


def _weights(weights: torch.Tensor | None, n: int, like: torch.Tensor) -> torch.Tensor:
    if weights is None:
        return torch.ones(n, dtype=like.dtype, device=like.device)
    return weights.to(dtype=like.dtype, device=like.device)


def _mask_off_diagonal(
    positives: torch.Tensor | None, n: int, like: torch.Tensor
) -> torch.Tensor:
    """True where an off-diagonal entry must not count as a negative."""
    eye = torch.eye(n, dtype=torch.bool, device=like.device)
    if positives is None:
        return torch.zeros(n, n, dtype=torch.bool, device=like.device)
    return positives.to(like.device) & ~eye


class InfoNCELoss(nn.Module):
    """Symmetric InfoNCE (CLIP) with per-pair weights.

    ``loss = sum_i w_i (CE(row_i) + CE(col_i)) / 2 / sum_i w_i`` where row ``i``
    of ``scale * a @ b.T`` scores ``a_i`` against every ``b_j``.

    Parameters
    ----------
    reduction_eps : float, default=1e-6
        Floor of the weight sum, so a batch of zero-weight pairs gives 0.
    """

    def __init__(self, reduction_eps: float = 1e-6) -> None:
        super().__init__()
        self.reduction_eps = reduction_eps

    def per_pair(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        logit_scale: torch.Tensor,
        positives: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Unweighted loss of each pair, shape (batch,)."""
        n = a.shape[0]
        logits = logit_scale.exp() * (a @ b.T)
        off = _mask_off_diagonal(positives, n, logits)
        logits = logits.masked_fill(off, float("-inf"))
        target = torch.arange(n, device=a.device)
        row = F.cross_entropy(logits, target, reduction="none")
        col = F.cross_entropy(logits.T, target, reduction="none")
        return (row + col) / 2

    def forward(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        logit_scale: torch.Tensor,
        weights: torch.Tensor | None = None,
        positives: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Weighted mean of the per-pair losses (a scalar)."""
        per = self.per_pair(a, b, logit_scale, positives)
        w = _weights(weights, a.shape[0], per)
        return (w * per).sum() / w.sum().clamp_min(self.reduction_eps)


class SigLIPLoss(nn.Module):
    """SigLIP's pairwise sigmoid loss with per-pair weights.

    Every entry of ``scale * a @ b.T + bias`` is a binary problem: the
    diagonal is a match, every other unmasked entry a mismatch.  A pair's
    weight scales its diagonal term; entries masked by ``positives`` are left
    out.  The sum is divided by the batch size, as in SigLIP.
    """

    def per_pair(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        logit_scale: torch.Tensor,
        logit_bias: torch.Tensor,
        positives: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Unweighted positive-term loss of each pair, shape (batch,)."""
        logits = logit_scale.exp() * (a * b).sum(dim=1) + logit_bias
        return -F.logsigmoid(logits)

    def forward(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        logit_scale: torch.Tensor,
        weights: torch.Tensor | None = None,
        positives: torch.Tensor | None = None,
        logit_bias: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Weighted pairwise sigmoid loss (a scalar)."""
        n = a.shape[0]
        bias = torch.zeros((), device=a.device) if logit_bias is None else logit_bias
        logits = logit_scale.exp() * (a @ b.T) + bias
        eye = torch.eye(n, dtype=torch.bool, device=a.device)
        off = _mask_off_diagonal(positives, n, logits)
        neg = -F.logsigmoid(-logits).masked_fill(eye | off, 0.0).sum()
        w = _weights(weights, n, logits)
        pos = -(w * F.logsigmoid(torch.diagonal(logits))).sum()
        return (pos + neg) / n


class HardestNegativeLoss(nn.Module):
    """VSE++ hinge on the hardest in-batch negative, both ways, per-pair weights.

    ``w_i [m - s_ii + max_j s_ij]_+ + w_i [m - s_ii + max_j s_ji]_+`` over the
    unmasked negatives ``j``, averaged over the batch (cosine similarities,
    no temperature).  Hard negatives amplify label noise, so the training
    loop adds this only after the warm-up.

    Parameters
    ----------
    margin : float, default=0.2
    """

    def __init__(self, margin: float = 0.2) -> None:
        super().__init__()
        self.margin = margin

    def forward(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        weights: torch.Tensor | None = None,
        positives: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Weighted mean hinge (a scalar)."""
        n = a.shape[0]
        sim = a @ b.T
        eye = torch.eye(n, dtype=torch.bool, device=a.device)
        blocked = eye | _mask_off_diagonal(positives, n, sim)
        pos = torch.diagonal(sim)
        neg = sim.masked_fill(blocked, float("-inf"))
        hard_row = neg.max(dim=1).values
        hard_col = neg.max(dim=0).values
        cost = F.relu(self.margin - pos + hard_row) + F.relu(
            self.margin - pos + hard_col
        )
        cost = torch.where(torch.isfinite(cost), cost, torch.zeros_like(cost))
        w = _weights(weights, n, sim)
        return (w * cost).sum() / w.sum().clamp_min(1e-6)
