import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch.nn import functional as F  # noqa: E402, N812

from weaklabel.align.losses import (  # noqa: E402
    HardestNegativeLoss,
    InfoNCELoss,
    SigLIPLoss,
    shared_item_mask,
)


def _emb(n, d=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(n, d, generator=g), dim=1)


def test_infonce_matches_clip_formula():
    a, b = _emb(5, seed=1), _emb(5, seed=2)
    scale = torch.tensor(1.5)
    logits = scale.exp() * a @ b.T
    t = torch.arange(5)
    expected = (F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t)) / 2
    assert torch.allclose(InfoNCELoss()(a, b, scale), expected, atol=1e-6)


def test_downweighted_pair_still_serves_as_negative():
    a, b = _emb(4, seed=3), _emb(4, seed=4)
    scale = torch.tensor(2.0)
    w = torch.tensor([1.0, 1.0, 1.0, 0.0])
    with_neg = InfoNCELoss()(a, b, scale, w)
    # dropping pair 3 entirely removes it as a negative: a different loss
    without = InfoNCELoss()(a[:3], b[:3], scale)
    assert not torch.allclose(with_neg, without)
    # but a zero weight removes its own positive term
    per = InfoNCELoss().per_pair(a, b, scale)
    assert torch.allclose(with_neg, per[:3].mean(), atol=1e-6)


def test_shared_items_are_not_negatives():
    a = _emb(3, seed=5)
    b = torch.cat([a[:1], a[:1], a[2:]])  # pairs 0 and 1 share the right item
    mask = shared_item_mask(torch.tensor([0, 1, 2]), torch.tensor([7, 7, 8]))
    assert mask[0, 1]
    assert mask[1, 0]
    assert not mask[0, 2]
    scale = torch.tensor(3.0)
    masked = InfoNCELoss().per_pair(a, b, scale, mask)
    unmasked = InfoNCELoss().per_pair(a, b, scale)
    assert masked[0] < unmasked[0]


def test_siglip_matches_pairwise_formula():
    a, b = _emb(4, seed=6), _emb(4, seed=7)
    scale, bias = torch.tensor(1.0), torch.tensor(-2.0)
    logits = scale.exp() * a @ b.T + bias
    labels = 2 * torch.eye(4) - 1
    expected = -F.logsigmoid(labels * logits).sum() / 4
    got = SigLIPLoss()(a, b, scale, logit_bias=bias)
    assert torch.allclose(got, expected, atol=1e-6)


def test_hinge_zero_when_positives_far_ahead():
    a = torch.eye(3)
    assert HardestNegativeLoss(margin=0.2)(a, a).item() == 0.0
    assert HardestNegativeLoss(margin=0.2)(a, a.flip(0)).item() > 0


@settings(max_examples=25)
@given(st.integers(2, 9), st.integers(0, 10_000))
def test_losses_finite_and_nonnegative(n, seed):
    a, b = _emb(n, seed=seed), _emb(n, seed=seed + 1)
    rng = np.random.default_rng(seed)
    left = torch.from_numpy(rng.integers(0, 3, n))
    right = torch.from_numpy(rng.integers(0, 3, n))
    mask = shared_item_mask(left, right)
    w = torch.from_numpy(rng.uniform(0, 1, n)).float()
    s = torch.tensor(2.0)
    for loss in (
        InfoNCELoss()(a, b, s, w, mask),
        SigLIPLoss()(a, b, s, w, mask, torch.tensor(-1.0)),
        HardestNegativeLoss()(a, b, w, mask),
    ):
        assert torch.isfinite(loss)
        assert loss.item() >= 0
