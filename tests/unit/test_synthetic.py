import numpy as np
import pytest

from weaklabel.synthetic import SyntheticVotes, make_rule_votes, make_votes


def test_shapes_dtypes_and_defaults():
    data = make_votes(random_state=0)
    assert isinstance(data, SyntheticVotes)
    assert data.L.shape == (1000, 10)
    assert data.L.dtype == np.int8
    assert data.y.shape == (1000,)
    assert data.y.dtype == np.int64
    assert ((data.accuracies >= 0.55) & (data.accuracies <= 0.95)).all()
    assert ((data.coverages >= 0.1) & (data.coverages <= 0.6)).all()
    np.testing.assert_allclose(data.class_balance, [0.5, 0.5])
    assert data.L.min() >= -1
    assert data.L.max() <= 1


def test_deterministic_for_a_seed():
    a = make_votes(500, 5, 3, random_state=3)
    b = make_votes(500, 5, 3, random_state=3)
    c = make_votes(500, 5, 3, random_state=4)
    np.testing.assert_array_equal(a.L, b.L)
    np.testing.assert_array_equal(a.y, b.y)
    assert (a.L != c.L).any()


def test_given_rates_are_realised():
    acc = np.array([0.6, 0.7, 0.8, 0.9])
    cov = np.array([0.2, 0.4, 0.6, 0.8])
    data = make_votes(
        60_000,
        4,
        3,
        accuracies=acc,
        coverages=cov,
        class_balance=[0.6, 0.3, 0.1],
        random_state=0,
    )
    fires = data.L >= 0
    np.testing.assert_allclose(fires.mean(axis=0), cov, atol=0.01)
    correct = (data.y[:, None] == data.L) & fires
    np.testing.assert_allclose(correct.sum(axis=0) / fires.sum(axis=0), acc, atol=0.01)
    np.testing.assert_allclose(
        np.bincount(data.y, minlength=3) / 60_000, [0.6, 0.3, 0.1], atol=0.01
    )
    wrong = data.L[fires & ~correct.astype(bool)]
    assert set(np.unique(wrong)) == {0, 1, 2}


def test_scalar_rates_broadcast():
    data = make_votes(100, 3, accuracies=1.0, coverages=1.0, random_state=0)
    np.testing.assert_array_equal(data.L, np.tile(data.y[:, None], (1, 3)))


def test_dependencies_plant_copies():
    data = make_votes(
        20_000,
        4,
        accuracies=0.7,
        coverages=0.5,
        dependencies=[(0, 1), (2, 3, 1.0)],
        random_state=0,
    )
    assert data.dependencies == [(0, 1, 0.9), (2, 3, 1.0)]
    np.testing.assert_array_equal(data.L[:, 2], data.L[:, 3])
    same = np.mean(data.L[:, 0] == data.L[:, 1])
    # 90% copies, plus agreement by chance on the rest.
    assert 0.9 < same < 0.96


def test_many_classes_use_wider_dtype():
    data = make_votes(50, 3, 300, random_state=0)
    assert data.L.dtype == np.int16
    assert data.L.max() < 300


def test_chunked_generation_covers_all_rows():
    data = make_votes(300_000, 2, coverages=1.0, accuracies=1.0, random_state=0)
    np.testing.assert_array_equal(data.L[:, 0], data.y)
    assert 0.49 < data.y.mean() < 0.51


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_samples": 0}, "'n_samples'"),
        ({"n_lfs": 0}, "'n_lfs'"),
        ({"cardinality": 1}, "'cardinality'"),
        ({"accuracies": [0.5, 0.6]}, "length n_lfs=10"),
        ({"accuracies": 1.5}, r"in \[0, 1\]"),
        ({"coverages": -0.1}, r"in \[0, 1\]"),
        ({"class_balance": [0.2, 0.2]}, "summing to 1"),
        ({"dependencies": [(0, 0)]}, "two different LFs"),
        ({"dependencies": [(0, 10)]}, "two different LFs"),
        ({"dependencies": [(0,)]}, r"\(a, b\) or \(a, b, p\)"),
        ({"dependencies": [(0, 1, 2.0)]}, r"in \[0, 1\]"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_votes(**kwargs)


# ------------------------------------------------------------ make_rule_votes
def test_rule_votes_are_one_sided_and_nested_rules_fire_inside_their_parent():
    data = make_rule_votes(3000, 12, 4, broad_rules=2, nested=1.0, random_state=0)
    assert data.L.shape == (3000, 12)
    for j in range(12):
        voted = data.L[:, j][data.L[:, j] >= 0]
        assert set(np.unique(voted).tolist()) <= {j % 4}
    assert data.parents is not None
    assert np.all(data.parents[:2] == -1)
    assert np.all(data.parents[2:] >= 0)  # nested=1: every narrow rule
    for j in range(2, 12):
        inside = data.L[:, data.parents[j]] >= 0
        assert not np.any((data.L[:, j] >= 0) & ~inside)
    # realised precision and coverage are reported, and match the votes
    j = 5
    fired = data.L[:, j] >= 0
    assert data.coverages[j] == pytest.approx(fired.mean())
    assert data.accuracies[j] == pytest.approx((data.y[fired] == j % 4).mean())
    # the broad rules are broad: they fire on most rows
    assert np.all(data.coverages[:2] > 0.4)


def test_rule_votes_without_broad_rules_nest_nothing():
    a = make_rule_votes(500, 6, 3, broad_rules=0, random_state=1)
    b = make_rule_votes(500, 6, 3, broad_rules=0, random_state=1)
    assert a.parents is not None
    assert np.all(a.parents == -1)
    np.testing.assert_array_equal(a.L, b.L)  # seeded


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"nested": 1.5}, "nested"),
        ({"broad_rules": 30}, "broad_rules"),
        ({"class_balance": [0.5, 0.5]}, "class_balance"),
    ],
)
def test_rule_votes_reject_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_rule_votes(100, 10, 3, **kwargs)
