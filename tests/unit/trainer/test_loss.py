import math

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from weaklabel.trainer.loss import (  # noqa: E402
    generalized_cross_entropy,
    make_loss,
    reduce_loss,
    soft_cross_entropy,
    symmetric_cross_entropy,
)


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    return torch.randn(32, 4, generator=g, dtype=torch.float64) * 3


@pytest.fixture
def hard():
    g = torch.Generator().manual_seed(1)
    return torch.randint(0, 4, (32,), generator=g)


def test_soft_ce_on_one_hot_equals_hard_label_cross_entropy(logits, hard):
    onehot = F.one_hot(hard, 4).double()
    expected = F.cross_entropy(logits, hard, reduction="none")
    torch.testing.assert_close(soft_cross_entropy(logits, onehot), expected)
    torch.testing.assert_close(
        reduce_loss(soft_cross_entropy(logits, onehot)), F.cross_entropy(logits, hard)
    )


def test_soft_ce_is_expectation_of_hard_ce(logits):
    g = torch.Generator().manual_seed(2)
    target = torch.softmax(torch.randn(32, 4, generator=g, dtype=torch.float64), dim=1)
    per_class = torch.stack(
        [
            F.cross_entropy(logits, torch.full((32,), c), reduction="none")
            for c in range(4)
        ],
        dim=1,
    )
    torch.testing.assert_close(
        soft_cross_entropy(logits, target), (target * per_class).sum(1)
    )


def test_weighted_reduction_is_mean_of_weighted_rows(logits, hard):
    onehot = F.one_hot(hard, 4).double()
    w = torch.linspace(0, 1, 32, dtype=torch.float64)
    rows = F.cross_entropy(logits, hard, reduction="none")
    torch.testing.assert_close(
        reduce_loss(soft_cross_entropy(logits, onehot), w), (rows * w).mean()
    )
    assert float(reduce_loss(rows, torch.zeros(32, dtype=torch.float64))) == 0.0


def test_gce_on_one_hot_matches_paper_formula(logits, hard):
    q = 0.7
    onehot = F.one_hot(hard, 4).double()
    p_y = torch.softmax(logits, 1).gather(1, hard[:, None]).squeeze(1)
    torch.testing.assert_close(
        generalized_cross_entropy(logits, onehot, q=q), (1 - p_y**q) / q
    )


def test_gce_limits(logits, hard):
    onehot = F.one_hot(hard, 4).double()
    ce = F.cross_entropy(logits, hard, reduction="none")
    # q -> 0 gives cross-entropy; q = 1 gives the mean absolute error 1 - p_y.
    torch.testing.assert_close(
        generalized_cross_entropy(logits, onehot, q=1e-6), ce, rtol=1e-4, atol=1e-4
    )
    p_y = torch.softmax(logits, 1).gather(1, hard[:, None]).squeeze(1)
    torch.testing.assert_close(
        generalized_cross_entropy(logits, onehot, q=1.0), 1 - p_y
    )
    # bounded by 1/q whatever the logits: robustness to confidently wrong labels
    big = generalized_cross_entropy(
        torch.tensor([[100.0, -100.0]]), torch.tensor([[0.0, 1.0]]), q=0.5
    )
    assert math.isfinite(float(big))
    assert float(big) <= 2.0


def test_sce_on_one_hot(logits, hard):
    onehot = F.one_hot(hard, 4).double()
    p = torch.softmax(logits, 1)
    p_y = p.gather(1, hard[:, None]).squeeze(1)
    ce = F.cross_entropy(logits, hard, reduction="none")
    # RCE = -sum_{c != y} p_c * A = -A (1 - p_y)
    expected = 0.1 * ce + 1.0 * (4.0 * (1 - p_y))
    torch.testing.assert_close(symmetric_cross_entropy(logits, onehot), expected)
    # alpha=1, beta=0 is plain cross-entropy
    torch.testing.assert_close(
        symmetric_cross_entropy(logits, onehot, alpha=1.0, beta=0.0), ce
    )


@pytest.mark.parametrize("name", ["soft_ce", "gce", "sce"])
def test_losses_are_minimised_at_the_target(name):
    target = torch.tensor([[0.0, 1.0]])
    fn = make_loss(name)
    good = fn(torch.tensor([[-5.0, 5.0]]), target)
    bad = fn(torch.tensor([[5.0, -5.0]]), target)
    assert float(good) < float(bad)
    # differentiable
    logits = torch.zeros(3, 2, requires_grad=True)
    fn(logits, torch.tensor([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])).sum().backward()
    assert logits.grad is not None
    assert torch.isfinite(logits.grad).all()


def test_make_loss_binds_params():
    logits = torch.tensor([[1.0, -1.0]])
    target = torch.tensor([[0.0, 1.0]])
    torch.testing.assert_close(
        make_loss("gce", {"q": 0.3})(logits, target),
        generalized_cross_entropy(logits, target, q=0.3),
    )


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("focal", None, "must be one of"),
        ("soft_ce", {"q": 0.5}, "does not take"),
        ("gce", {"q": 0.0}, r"in \(0, 1\]"),
        ("gce", {"q": 1.5}, r"in \(0, 1\]"),
        ("sce", {"A": 1.0}, "< 0"),
        ("sce", {"alpha": float("nan")}, "finite"),
        ("sce", {"beta": "1"}, "finite"),
    ],
)
def test_make_loss_rejects_bad_names_and_params(name, params, match):
    with pytest.raises(ValueError, match=match):
        make_loss(name, params)
