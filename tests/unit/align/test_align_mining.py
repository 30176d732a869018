import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from sklearn.metrics import roc_auc_score

from weaklabel.align.evaluate import inject_noise
from weaklabel.align.mining import bootstrap, mine_pairs, model_pair_lf
from weaklabel.align.pairs import pair_confidence, pair_registry
from weaklabel.align.train import PairAligner


def test_margin_beats_hubs():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(30, 8))
    B = A + 0.1 * rng.normal(size=(30, 8))
    hub = A.mean(axis=0) * 5 + 0.01  # close to every left item
    B = np.vstack([B, hub])
    mined = mine_pairs(A, B, k=3, threshold=1.0)
    assert 30 not in mined.right.tolist()
    correct = (mined.left == mined.right).mean()
    assert correct > 0.9
    assert mined.margin.is_monotonic_decreasing
    strict = mine_pairs(A, B, k=3, threshold=1.5)
    assert len(strict) <= len(mined)
    assert strict.confidence.between(0, 1).all()


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 5))
    XL = z @ rng.normal(size=(5, 12)) + 0.2 * rng.normal(size=(n, 12))
    XR = z @ rng.normal(size=(5, 10)) + 0.2 * rng.normal(size=(n, 10))
    return XL.astype(np.float32), XR.astype(np.float32)


def test_bootstrap_mines_correct_pairs_from_unpaired_items():
    XL, XR = _data()
    given = np.c_[np.arange(100), np.arange(100)]  # 200 items of each side unpaired
    model = PairAligner(
        dim=12, epochs=12, batch_size=50, weighting="none", random_state=0
    )
    model, mined = bootstrap(model, XL, XR, given, rounds=1, threshold=1.1)
    assert len(mined) >= 10
    assert (mined.left >= 100).all()
    assert (mined.right >= 100).all()
    assert (mined.left == mined.right).mean() > 0.7


def test_model_pair_lf_scores_pairs():
    XL, XR = _data(200, seed=1)
    cols_l = [f"l{i}" for i in range(XL.shape[1])]
    cols_r = [f"r{i}" for i in range(XR.shape[1])]
    left = pd.DataFrame(XL, columns=cols_l).assign(id=np.arange(200))
    right = pd.DataFrame(XR, columns=cols_r).assign(id=np.arange(200) + 1000)
    P = np.c_[np.arange(200), np.arange(200)]
    noisy, clean = inject_noise(P, 0.4, random_state=0)
    model = PairAligner(dim=12, epochs=10, batch_size=50, random_state=0).fit(
        XL, XR, noisy
    )
    lfs = pair_registry()
    lfs.add(
        model_pair_lf(model, left, right, left_features=cols_l, right_features=cols_r)
    )
    pairs = pd.DataFrame({"left_id": noisy[:, 0], "right_id": noisy[:, 1] + 1000})
    p = pair_confidence(lfs, left, right, pairs)
    assert roc_auc_score(clean, p) > 0.8
