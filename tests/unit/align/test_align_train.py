import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.utils.estimator_checks import (  # noqa: E402
    check_get_params_invariance,
    check_no_attributes_set_in_init,
)

from weaklabel.align.evaluate import inject_noise, retrieval_metrics  # noqa: E402
from weaklabel.align.train import AnchorAligner, PairAligner  # noqa: E402
from weaklabel.exceptions import NotFittedError, WeakLabelError  # noqa: E402


def _data(n=300, seed=0, noise=0.3):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 6))
    A = z @ rng.normal(size=(6, 20)) + noise * rng.normal(size=(n, 20))
    B = np.tanh(z @ rng.normal(size=(6, 15))) + noise * rng.normal(size=(n, 15))
    return A.astype(np.float32), B.astype(np.float32), np.c_[np.arange(n), np.arange(n)]


def _rsum(m, A, B, pairs):
    return retrieval_metrics(
        m.transform(A, side="left"), m.transform(B, side="right"), pairs
    )["rsum"]


def test_sklearn_contract():
    est = PairAligner(dim=4)
    check_no_attributes_set_in_init("PairAligner", est)
    check_get_params_invariance("PairAligner", est)
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        est.transform(np.ones((2, 3)))


def test_fit_learns_and_is_deterministic():
    A, B, P = _data()
    kw = dict(dim=16, epochs=12, batch_size=64, weighting="none")
    m1 = PairAligner(random_state=3, **kw)
    assert m1.fit(A[:200], B[:200], P[:200]) is m1
    m2 = PairAligner(random_state=3, **kw).fit(A[:200], B[:200], P[:200])
    e1, e2 = m1.transform(A, side="left"), m2.transform(A, side="left")
    assert np.array_equal(e1, e2)
    test = P[200:] - [200, 200]
    r = _rsum(m1, A[200:], B[200:], test)
    assert r > 250  # chance is about 6 * 100 * k / 100 ~ 96
    assert len(m1.history_) == 12
    assert m1.history_[-1]["loss"] < m1.history_[0]["loss"]
    assert np.exp(-m1.logit_scale_) >= 0.01 - 1e-9  # CLIP clamp
    # the global RNG is untouched
    state = torch.random.get_rng_state()
    PairAligner(random_state=0, **kw).fit(A[:50], B[:50], P[:50])
    assert torch.equal(state, torch.random.get_rng_state())


@pytest.mark.parametrize("loss", ["infonce", "siglip"])
def test_losses_and_mlp_heads_train(loss):
    A, B, P = _data(200, seed=1)
    m = PairAligner(
        dim=8, hidden=16, loss=loss, epochs=10, batch_size=50, random_state=0
    )
    m.fit(A, B, P, confidence=np.full(200, 0.9))
    assert m.weighting_ == "none"  # auto: re-weighting clean pairs does not pay
    assert _rsum(m, A, B, P) > 150


@pytest.mark.parametrize("seed", [1, 2])
def test_auto_gate_keeps_clean_data_uniform(seed):
    A, B, P = _data(300, seed=seed)
    kw = dict(dim=16, epochs=12, warmup=4, batch_size=64, random_state=seed)
    m = PairAligner(weighting="auto", **kw).fit(A, B, P, confidence=np.full(300, 0.9))
    assert m.weighting_ == "none"
    assert set(m.selection_) == {"none", "gmm", "lf", "lf+gmm"}
    if seed == 1:
        # the GMM scores a little above uniform on the held-out pairs, inside the
        # 2% gate: without the gate, auto would re-weight these clean pairs
        assert m.selection_["gmm"] > m.selection_["none"]
        assert PairAligner(weighting="auto", gate=0.0, **kw).fit(
            A, B, P, confidence=np.full(300, 0.9)
        ).weighting_ in ("gmm", "lf+gmm")
    assert np.array_equal(m.pair_weights_[0], np.ones(300))
    uni = PairAligner(weighting="none", **{**kw, "epochs": m.n_epochs_}).fit(A, B, P)
    assert np.array_equal(m.transform(A), uni.transform(A))  # the same training


def test_auto_downweights_noisy_pairs():
    A, B, P = _data(400, seed=3)
    train, test = P[:300], P[300:] - 300
    noisy, clean = inject_noise(train, 0.5, random_state=3)
    rng = np.random.default_rng(3)
    conf = np.clip(np.where(clean, 0.7, 0.4) + rng.normal(0, 0.15, 300), 0, 1)
    kw = dict(dim=16, epochs=12, warmup=4, batch_size=64, random_state=3)
    auto = PairAligner(weighting="auto", **kw).fit(
        A[:300], B[:300], noisy, confidence=conf
    )
    assert auto.weighting_ in ("gmm", "lf+gmm")
    assert auto.selection_[auto.weighting_] > auto.selection_["none"]
    w = auto.pair_weights_[0]
    assert w[clean].mean() > w[~clean].mean() + 0.5
    uni = PairAligner(weighting="none", **kw).fit(A[:300], B[:300], noisy)
    assert _rsum(auto, A[300:], B[300:], test) > _rsum(uni, A[300:], B[300:], test)


def test_auto_folds_and_epoch_choice():
    A, B, P = _data(200, seed=5)
    noisy, _ = inject_noise(P, 0.4, random_state=5)
    kw = dict(dim=8, epochs=8, warmup=2, batch_size=50, random_state=5)
    m = PairAligner(n_folds=1, **kw).fit(A, B, noisy)
    assert 1 <= m.n_epochs_ <= 8
    assert len(m.history_) == m.n_epochs_
    fixed = PairAligner(n_folds=2, select_epochs=False, **kw).fit(A, B, noisy)
    assert fixed.n_epochs_ == 8
    assert set(fixed.selection_) == {"none", "gmm"}
    for bad, match in (({"n_folds": 0}, "'n_folds'"), ({"select_epochs": 1}, "True")):
        with pytest.raises(ValueError, match=match):
            PairAligner(**bad).fit(A, B, P)


def test_auto_without_enough_pairs_trains_uniformly():
    A, B, P = _data(60)
    m = PairAligner(dim=4, epochs=2, weighting="auto").fit(A, B, P)
    assert m.weighting_ == "none"
    assert m.selection_ == {}
    assert PairAligner(dim=4, epochs=2, weighting="gmm").fit(A, B, P).selection_ is None
    with pytest.raises(ValueError, match="'holdout'"):
        PairAligner(holdout=0.9).fit(A, B, P)


def test_gmm_downweights_noisy_pairs_and_helps():
    A, B, P = _data(400, seed=2)
    train, test = P[:300], P[300:] - 300
    noisy, clean = inject_noise(train, 0.5, random_state=0)
    kw = dict(dim=16, epochs=14, warmup=4, batch_size=64, random_state=0)
    uni = PairAligner(weighting="none", **kw).fit(A[:300], B[:300], noisy)
    gmm = PairAligner(weighting="gmm", **kw).fit(A[:300], B[:300], noisy)
    w = gmm.pair_weights_[0]
    assert w[clean].mean() > w[~clean].mean() + 0.3
    assert gmm.noise_estimate_ == pytest.approx(0.5, abs=0.15)
    auto = PairAligner(weighting="auto", **kw).fit(A[:300], B[:300], noisy)
    assert auto.weighting_ == "gmm"
    r_uni = _rsum(uni, A[300:], B[300:], test)
    assert _rsum(gmm, A[300:], B[300:], test) > r_uni
    # hard negatives after the warm-up run and stay finite
    hn = PairAligner(weighting="lf+gmm", hard_negative=0.5, **{**kw, "epochs": 6})
    hn.fit(A[:300], B[:300], noisy, confidence=np.where(clean, 0.9, 0.2))
    assert np.isfinite(hn.history_[-1]["loss"])


def test_input_errors_name_the_fix():
    A, B, P = _data(20)
    with pytest.raises(WeakLabelError, match="positions outside"):
        PairAligner(epochs=1).fit(A, B, P + 100)
    with pytest.raises(WeakLabelError, match="confidence"):
        PairAligner(epochs=1).fit(A, B, P, confidence=np.ones(3))
    with pytest.raises(WeakLabelError, match="needs the label model"):
        PairAligner(epochs=1, weighting="lf").fit(A, B, P)
    with pytest.raises(ValueError, match="'loss'"):
        PairAligner(loss="triplet").fit(A, B, P)
    m = PairAligner(epochs=1, dim=2).fit(A, B, P)
    with pytest.raises(WeakLabelError, match="features"):
        m.transform(B, side="left")


def test_anchor_aligns_modalities_never_paired():
    rng = np.random.default_rng(4)
    n = 300
    z = rng.normal(size=(n, 6))
    views = {
        "img": z @ rng.normal(size=(6, 20)),
        "fr": z @ rng.normal(size=(6, 12)) + 0.2 * rng.normal(size=(n, 12)),
        "es": z @ rng.normal(size=(6, 14)) + 0.2 * rng.normal(size=(n, 14)),
    }
    idx = np.arange(n)
    # French and Spanish pair only with images, on disjoint halves
    pairs = {"fr": np.c_[idx[:150], idx[:150]], "es": np.c_[idx[150:], idx[150:]]}
    m = AnchorAligner(anchor="img", dim=16, epochs=15, batch_size=50, random_state=0)
    m.fit(views, pairs)
    assert m.modalities_ == ["img", "fr", "es"]
    fr, es = (
        m.transform(views["fr"], modality="fr"),
        m.transform(views["es"], modality="es"),
    )
    r = retrieval_metrics(fr, es, np.c_[idx, idx])
    assert r["rsum"] > 150  # chance about 10
    with pytest.raises(WeakLabelError, match="anchor"):
        AnchorAligner(anchor="audio").fit(views, pairs)
