import numpy as np

from weaklabel.align.weighting import (
    combine,
    gmm_clean_probability,
    noise_share_vs_null,
    resolve_auto,
)


def test_gmm_separates_two_loss_groups():
    rng = np.random.default_rng(1)
    losses = np.r_[rng.normal(1, 0.3, 300), rng.normal(3, 0.3, 200)]
    p = gmm_clean_probability(losses)
    assert (p[:300] > 0.5).mean() > 0.95
    assert (p[300:] < 0.5).mean() > 0.95


def test_gmm_constant_losses_all_clean():
    assert np.array_equal(gmm_clean_probability(np.ones(10)), np.ones(10))


def test_combine_uninformative_lf_leaves_gmm_unchanged():
    g = np.array([0.6, 0.3, 0.5])
    assert np.allclose(combine(np.full(3, 0.8), g), g, atol=1e-6)
    # an informative LF moves the weight its way
    c = combine(np.array([0.9, 0.1, 0.5]), np.full(3, 0.5))
    assert c[0] > 0.5 > c[1]
    assert np.allclose(combine(None, g), g)


def test_auto_gate():
    assert resolve_auto(lf=np.full(10, 0.97), gmm=None)[0] == "none"
    assert resolve_auto(lf=np.r_[np.ones(5), np.zeros(5)], gmm=None)[0] == "lf"
    assert resolve_auto(lf=None, gmm=np.full(10, 0.5), null_noise=0.02)[0] == "none"
    assert resolve_auto(lf=None, gmm=np.full(10, 0.5), null_noise=0.4)[0] == "gmm"


def test_noise_share_vs_null():
    rng = np.random.default_rng(0)
    null = rng.normal(5, 1, 2000)
    clean = rng.normal(0, 1, 2000)
    assert noise_share_vs_null(clean, null) < 0.02
    mixed = np.r_[clean[:1000], null[:1000] + rng.normal(0, 0.01, 1000)]
    assert abs(noise_share_vs_null(mixed, null) - 0.5) < 0.06
