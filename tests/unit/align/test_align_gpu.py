"""CUDA checks; run with ``pytest -m gpu tests/unit/align`` on a machine with a GPU."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from weaklabel.align.evaluate import retrieval_metrics  # noqa: E402
from weaklabel.align.persist import load_aligner, save_aligner  # noqa: E402
from weaklabel.align.train import PairAligner  # noqa: E402

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 6))
    A = (z @ rng.normal(size=(6, 20))).astype(np.float32)
    B = (z @ rng.normal(size=(6, 12))).astype(np.float32)
    return A, B, np.c_[np.arange(n), np.arange(n)]


@pytest.mark.parametrize("weighting", ["none", "gmm", "auto"])
def test_cuda_fit_matches_cpu_quality_and_saves(tmp_path, weighting):
    A, B, P = _data()
    kw = dict(dim=16, epochs=10, batch_size=64, weighting=weighting, random_state=0)
    gpu = PairAligner(device="cuda", **kw).fit(A, B, P)
    assert all(p.device.type == "cuda" for p in gpu.net_.parameters())
    cpu = PairAligner(device="cpu", **kw).fit(A, B, P)

    def rsum(m):
        return retrieval_metrics(
            m.transform(A, side="left"), m.transform(B, side="right"), P
        )["rsum"]

    assert rsum(gpu) > 300
    assert abs(rsum(gpu) - rsum(cpu)) < 60
    again = load_aligner(save_aligner(gpu, tmp_path / "m"))
    assert np.allclose(
        again.transform(A, side="left"), gpu.transform(A, side="left"), atol=1e-5
    )
