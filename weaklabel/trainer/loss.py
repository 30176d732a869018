"""Noise-aware losses for training on probabilistic (soft) labels.

Every loss takes raw ``logits`` of shape ``(n, k)`` and ``target`` rows of
shape ``(n, k)`` that sum to 1 (a one-hot row is a hard label) and returns one
loss per row, shape ``(n,)``; :func:`reduce_loss` turns them into the scalar
that is minimised, with optional per-row weights.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeAlias

import torch
import torch.nn.functional as F  # noqa: N812

__all__ = [
    "LOSSES",
    "LossName",
    "generalized_cross_entropy",
    "make_loss",
    "reduce_loss",
    "soft_cross_entropy",
    "symmetric_cross_entropy",
]

LossName: TypeAlias = Literal["soft_ce", "gce", "sce"]
RowLoss: TypeAlias = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Expected cross-entropy under the label distribution, one value per row.

    ``-sum_c target[i, c] * log_softmax(logits)[i, c]``; on one-hot targets
    this is the ordinary hard-label cross-entropy.

    Parameters
    ----------
    logits : Tensor of shape (n, k)
        Unnormalised scores.
    target : Tensor of shape (n, k)
        Rows that sum to 1.

    Returns
    -------
    Tensor of shape (n,)

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([[2.0, 0.0]])
    >>> loss = soft_cross_entropy(logits, torch.tensor([[1.0, 0.0]]))
    >>> bool(torch.isclose(loss, torch.nn.functional.cross_entropy(
    ...     logits, torch.tensor([0]), reduction="none")).all())
    True
    """
    # F.cross_entropy has accepted probability targets since PyTorch 1.10.
    return F.cross_entropy(logits, target, reduction="none")


def generalized_cross_entropy(
    logits: torch.Tensor, target: torch.Tensor, *, q: float = 0.7
) -> torch.Tensor:
    """Generalised cross-entropy (Zhang & Sabuncu, 2018) for soft targets.

    ``sum_c target[i, c] * (1 - p[i, c] ** q) / q`` with ``p = softmax(logits)``:
    the expectation of the hard-label GCE under the label distribution.  ``q``
    in (0, 1]: it tends to cross-entropy as ``q -> 0`` and is the (noise
    robust) mean absolute error at ``q = 1``.

    Parameters
    ----------
    logits : Tensor of shape (n, k)
    target : Tensor of shape (n, k)
    q : float, default=0.7
        Truncation exponent; the paper's default.

    Returns
    -------
    Tensor of shape (n,)

    References
    ----------
    Z. Zhang and M. R. Sabuncu. Generalized Cross Entropy Loss for Training
    Deep Neural Networks with Noisy Labels. NeurIPS 2018.
    """
    # p ** q computed as exp(q * log p) stays finite for very confident logits.
    p_q = torch.exp(q * F.log_softmax(logits, dim=1))
    return (target * (1.0 - p_q)).sum(dim=1) / q


def symmetric_cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    alpha: float = 0.1,
    beta: float = 1.0,
    A: float = -4.0,
) -> torch.Tensor:
    """Symmetric cross-entropy (Wang et al., 2019) for soft targets.

    ``alpha * CE(target, p) + beta * RCE`` where the reverse cross-entropy is
    ``RCE = -sum_c p[i, c] * log(target[i, c])``, with ``log 0`` replaced by
    ``A`` (targets are clamped from below at ``exp(A)``).

    Parameters
    ----------
    logits : Tensor of shape (n, k)
    target : Tensor of shape (n, k)
    alpha : float, default=0.1
        Weight of the cross-entropy term (the paper's CIFAR-10 setting).
    beta : float, default=1.0
        Weight of the reverse cross-entropy term.
    A : float, default=-4.0
        Value that stands in for ``log 0``; must be negative.

    Returns
    -------
    Tensor of shape (n,)

    References
    ----------
    Y. Wang, X. Ma, Z. Chen, Y. Luo, J. Yi and J. Bailey. Symmetric Cross
    Entropy for Robust Learning with Noisy Labels. ICCV 2019.
    """
    ce = F.cross_entropy(logits, target, reduction="none")
    p = F.softmax(logits, dim=1)
    log_t = torch.log(target.clamp(min=math.exp(A)))
    rce = -(p * log_t).sum(dim=1)
    return alpha * ce + beta * rce


_LOSS_PARAMS: dict[str, dict[str, tuple[Callable[[float], bool], str]]] = {
    # name -> {param: (is_valid, description of the valid range)}
    "soft_ce": {},
    "gce": {"q": (lambda v: 0.0 < v <= 1.0, "in (0, 1]")},
    "sce": {
        "alpha": (lambda v: v >= 0.0, ">= 0"),
        "beta": (lambda v: v >= 0.0, ">= 0"),
        "A": (lambda v: v < 0.0, "< 0"),
    },
}

LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "soft_ce": soft_cross_entropy,
    "gce": generalized_cross_entropy,
    "sce": symmetric_cross_entropy,
}
"""The built-in losses by the name ``NoiseAwareClassifier(loss=...)`` takes."""


def make_loss(name: str, params: Mapping[str, Any] | None = None) -> RowLoss:
    """Return the per-row loss ``name`` with ``params`` bound, after checking both.

    Parameters
    ----------
    name : {"soft_ce", "gce", "sce"}
        Loss name.
    params : dict, default=None
        Keyword arguments of the loss (``{"q": 0.5}`` for ``"gce"``;
        ``alpha``, ``beta``, ``A`` for ``"sce"``).

    Returns
    -------
    callable
        ``f(logits, target) -> Tensor of shape (n,)``.

    Raises
    ------
    ValueError
        Unknown loss name, unknown parameter, or a parameter out of range.

    Examples
    --------
    >>> f = make_loss("gce", {"q": 0.5})
    >>> make_loss("focal")
    Traceback (most recent call last):
    ...
    ValueError: The 'loss' parameter of NoiseAwareClassifier must be one of ['gce', 'sce', 'soft_ce']. Got 'focal' instead.
    """
    if not isinstance(name, str) or name not in LOSSES:
        raise ValueError(
            "The 'loss' parameter of NoiseAwareClassifier must be one of"
            f" {sorted(LOSSES)}. Got {name!r} instead."
        )
    params = dict(params or {})
    allowed = _LOSS_PARAMS[name]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"loss_params has {unknown} which loss={name!r} does not take; it takes"
            f" {sorted(allowed) or 'no parameters'}."
        )
    for key, value in params.items():
        is_valid, valid_range = allowed[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (ok and math.isfinite(value) and is_valid(float(value))):
            raise ValueError(
                f"loss_params[{key!r}] for loss={name!r} must be a finite float"
                f" {valid_range}. Got {value!r} instead."
            )
    fn = LOSSES[name]
    # functools.partial (not a closure) keeps a fitted classifier picklable.
    return functools.partial(fn, **params) if params else fn


def reduce_loss(
    row_losses: torch.Tensor, weight: torch.Tensor | None = None
) -> torch.Tensor:
    """Average per-row losses, each multiplied by its weight when given.

    The result is ``mean(weight * row_losses)``: an unbiased estimate of the
    weighted objective ``sum_i w_i l_i / n`` that stays defined when a batch
    holds only zero weights.

    Examples
    --------
    >>> import torch
    >>> float(reduce_loss(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 0.0])))
    0.5
    """
    if weight is None:
        return row_losses.mean()
    return (row_losses * weight).mean()
