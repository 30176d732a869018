"""CUDA checks; run with ``pytest -m gpu tests/unit/trainer`` on a machine with a GPU."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import scipy.sparse as sp  # noqa: E402

from weaklabel.trainer import LogisticRegressionNet, NoiseAwareClassifier  # noqa: E402

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def make_data(n=600, d=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    logits = X @ rng.normal(size=(d, 3))
    soft = np.exp(logits)
    return X, soft / soft.sum(1, keepdims=True), logits.argmax(1)


def test_default_device_is_cuda_and_module_lives_there():
    X, soft, y = make_data()
    clf = NoiseAwareClassifier(max_epochs=5, random_state=0).fit(X, soft)
    assert clf.device_.type == "cuda"
    assert all(p.device.type == "cuda" for p in clf.module_.parameters())
    proba = clf.predict_proba(X)
    assert isinstance(proba, np.ndarray)
    assert proba.dtype == np.float64
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize("sparse", [False, True])
def test_cuda_agrees_with_cpu(sparse):
    # No dropout, same seed: initial weights (drawn on the CPU) and batch order
    # are identical, so the two runs differ only by floating-point rounding.
    X, soft, _ = make_data()
    Xin = sp.csr_array(X) if sparse else X
    kw = {"module": LogisticRegressionNet, "max_epochs": 5, "random_state": 0}
    cpu = NoiseAwareClassifier(device="cpu", **kw).fit(Xin, soft)
    gpu = NoiseAwareClassifier(device="cuda", **kw).fit(Xin, soft)
    assert cpu.n_epochs_ == gpu.n_epochs_
    np.testing.assert_allclose(
        gpu.predict_proba(Xin), cpu.predict_proba(Xin), atol=1e-3
    )
    assert (gpu.predict(Xin) == cpu.predict(Xin)).mean() > 0.99


def test_cuda_determinism_and_rng_isolation():
    X, soft, _ = make_data()
    before = torch.cuda.get_rng_state()
    a = NoiseAwareClassifier(max_epochs=3, random_state=1, device="cuda").fit(X, soft)
    b = NoiseAwareClassifier(max_epochs=3, random_state=1, device="cuda").fit(X, soft)
    assert torch.equal(before, torch.cuda.get_rng_state())
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-5)


def test_save_on_cuda_load_on_cpu(tmp_path):
    X, soft, _ = make_data()
    clf = NoiseAwareClassifier(max_epochs=2, random_state=0, device="cuda").fit(X, soft)
    loaded = NoiseAwareClassifier.load(clf.save(tmp_path), device="cpu")
    assert next(loaded.module_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-5)


def test_input_tensor_already_on_cuda():
    X, soft, y = make_data()
    Xt = torch.from_numpy(X).cuda()
    clf = NoiseAwareClassifier(max_epochs=5, random_state=0).fit(Xt, soft)
    assert clf.score(Xt, y) > 0.8


def test_sparse_batches_self_training_and_class_weight_on_cuda():
    X, soft, y = make_data()
    X[X < 0.5] = 0.0
    L = np.where(X[:, :1] > 0, 1, -1)  # two thirds of the rows get no vote
    kw = {
        "max_epochs": 30,
        "random_state": 0,
        "self_training_rounds": 2,
        "self_training_threshold": 0.6,
        "class_weight": "balanced",
    }
    gpu = NoiseAwareClassifier(device="cuda", **kw).fit(sp.csr_array(X), soft, L=L)
    cpu = NoiseAwareClassifier(device="cpu", **kw).fit(sp.csr_array(X), soft, L=L)
    assert gpu.self_training_history_[0]["n_added"] > 0
    assert (gpu.predict(sp.csr_array(X)) == cpu.predict(sp.csr_array(X))).mean() > 0.97
    assert gpu.score(sp.csr_array(X), y) > 0.65  # 0.70 on the CPU
