import pytest

torch = pytest.importorskip("torch")

from weaklabel.trainer.modules import (  # noqa: E402
    BUILTIN_MODULES,
    LogisticRegressionNet,
    MLPNet,
    default_module,
)


def dense_and_sparse():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 10, generator=g)
    x[x < 0.5] = 0.0
    return x, x.to_sparse()


@pytest.mark.parametrize("factory", [LogisticRegressionNet, MLPNet, default_module])
def test_output_shape_and_sparse_input_agree_with_dense(factory):
    torch.manual_seed(0)  # test-local: only weight initialisation
    net = factory(10, 3).eval()
    dense, coo = dense_and_sparse()
    out = net(dense)
    assert out.shape == (8, 3)
    torch.testing.assert_close(net(coo), out)


@pytest.mark.parametrize("factory", [LogisticRegressionNet, MLPNet])
def test_sparse_input_backpropagates_like_dense(factory):
    torch.manual_seed(0)  # test-local: only weight initialisation
    net = factory(10, 2).eval()
    dense, coo = dense_and_sparse()
    target = torch.tensor([0, 1] * 4)
    grads = []
    for x in (dense, coo):
        net.zero_grad()
        torch.nn.functional.cross_entropy(net(x), target).backward()
        grads.append([p.grad.clone() for p in net.parameters()])
    assert all(g.abs().sum() > 0 for g in grads[0])
    for g_dense, g_sparse in zip(*grads, strict=True):
        torch.testing.assert_close(g_sparse, g_dense)


def test_mlp_layers_and_init_kwargs():
    net = MLPNet(5, 2, hidden_sizes=(16, 8), dropout=0.1)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (5, 16),
        (16, 8),
        (8, 2),
    ]
    assert sum(isinstance(m, torch.nn.Dropout) for m in net.modules()) == 2
    assert net.init_kwargs == {
        "n_features": 5,
        "n_classes": 2,
        "hidden_sizes": [16, 8],
        "dropout": 0.1,
    }
    rebuilt = BUILTIN_MODULES["MLPNet"](**net.init_kwargs)
    rebuilt.load_state_dict(net.state_dict())
    # no hidden layer: logistic regression
    assert (
        len(
            [
                m
                for m in MLPNet(5, 2, hidden_sizes=()).modules()
                if isinstance(m, torch.nn.Linear)
            ]
        )
        == 1
    )


def test_default_module_is_a_linear_head_that_takes_sparse_batches():
    net = default_module(50, 4)
    assert isinstance(net, LogisticRegressionNet)
    assert net.init_kwargs == {"n_features": 50, "n_classes": 4}
    assert net.accepts_sparse
