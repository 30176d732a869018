import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weaklabel.align.weighting import (
    choose_weighting,
    combine,
    gmm_clean_probability,
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


def test_choose_weighting_gate():
    scores = {"none": 100.0, "gmm": 101.5, "lf": 90.0, "lf+gmm": 99.0}
    assert choose_weighting(scores) == "none"  # +1.5% is inside the 2% gate
    assert choose_weighting(scores, gate=0.0) == "gmm"
    assert choose_weighting({**scores, "lf+gmm": 103.0}) == "lf+gmm"
    assert choose_weighting({"none": 5.0}) == "none"
    with pytest.raises(ValueError, match="'none'"):
        choose_weighting({"gmm": 1.0})


@given(
    st.dictionaries(
        st.sampled_from(["gmm", "lf", "lf+gmm"]),
        st.floats(0, 600),
        min_size=1,
    ),
    st.floats(0, 600),
    st.floats(0, 1),
)
def test_choose_weighting_never_below_uniform(others, none, gate):
    scores = {"none": none, **others}
    chosen = choose_weighting(scores, gate=gate)
    assert chosen in scores
    assert scores[chosen] >= none
    if chosen != "none":
        assert scores[chosen] == max(others.values())
        assert scores[chosen] > none * (1 + gate)
