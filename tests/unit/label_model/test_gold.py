"""Gold labels in the generative LabelModel: gold never hurts (issue 13)."""

import numpy as np
import pytest

from weaklabel import LabelModel
from weaklabel.label_model import _gold
from weaklabel.synthetic import make_votes


def _rare_class_rules(seed: int, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """cage_spear_sms in miniature: a rare class (13%) whose two rules are
    copies-in-spirit of one imprecise trigger, one independent rule, two
    narrow rules for the common class, a default rule firing where nothing
    else does and a rule firing on every row."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.13).astype(np.int64)
    L = np.full((n, 7), -1, dtype=np.int64)
    trigger = np.where(y == 1, rng.random(n) < 0.8, rng.random(n) < 0.3)
    for j in (0, 1):
        L[:, j] = np.where(trigger & (rng.random(n) < 0.8), 1, -1)
    L[:, 2] = np.where(rng.random(n) < np.where(y == 1, 0.5, 0.1), 1, -1)
    for j in (3, 4):
        L[:, j] = np.where(rng.random(n) < np.where(y == 0, 0.05, 0.005), 0, -1)
    L[:, 5] = np.where((L[:, :5] == -1).all(axis=1), 0, -1)
    L[:, 6] = 0
    return L, y


def _f1(model: LabelModel, L: np.ndarray, y: np.ndarray) -> float:
    pred = model.predict_proba(L).argmax(axis=1)
    tp = int(((pred == 1) & (y == 1)).sum())
    return 2 * tp / (int((pred == 1).sum()) + int((y == 1).sum()))


def _five_percent_gold(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = y.shape[0]
    rows = np.random.default_rng(100 + seed).choice(n, n // 20, replace=False)
    gold = np.full(n, -1)
    gold[rows] = y[rows]
    return gold, np.setdiff1d(np.arange(n), rows)


def test_gold_that_used_to_hurt_no_longer_does():
    # Plain semi-supervised EM (every gold row counted once) lowers the rare
    # class's F1 against no gold at all; the cross-validated weight does not.
    none, once, auto = [], [], []
    for seed in (0, 1):
        L, y = _rare_class_rules(seed)
        gold, rest = _five_percent_gold(y, seed)
        none.append(_f1(LabelModel(cardinality=2).fit(L), L[rest], y[rest]))
        once.append(
            _f1(
                LabelModel(cardinality=2, gold_weight=1.0).fit(L, gold),
                L[rest],
                y[rest],
            )
        )
        model = LabelModel(cardinality=2).fit(L, gold)
        auto.append(_f1(model, L[rest], y[rest]))
        assert model.gold_weight_ is not None
    assert np.mean(once) < np.mean(none) - 0.02  # the old behaviour hurt
    assert np.mean(auto) >= np.mean(none)  # gold now helps or is left out


def test_gold_rows_predict_their_own_label():
    # where the votes leave room (here: rows the LFs get wrong), the fitted
    # model learns from the gold rows, so it predicts them better than the
    # fit without gold does (in sample), and the gold rows of a class that
    # the votes never show are predicted as that class.
    L, y = _rare_class_rules(0)
    gold, _ = _five_percent_gold(y, 0)
    rows = np.flatnonzero(gold >= 0)
    plain = LabelModel(cardinality=2).fit(L)
    semi = LabelModel(cardinality=2).fit(L, gold)
    assert semi.gold_weight_ is not None
    assert semi.gold_weight_ > 0
    hit_plain = np.mean(plain.predict(L[rows], tie_break="lowest") == y[rows])
    hit_semi = np.mean(semi.predict(L[rows], tie_break="lowest") == y[rows])
    assert hit_semi > hit_plain
    # every row labelled: the gold decides each distinct vote pattern
    data = make_votes(600, 5, 2, random_state=1)
    full = LabelModel(cardinality=2, gold_weight=1.0).fit(data.L, data.y)
    pred = full.predict(data.L, tie_break="lowest")
    _, inverse = np.unique(data.L, axis=0, return_inverse=True)
    for p in np.unique(inverse):  # loop over patterns (few)
        in_p = inverse.reshape(-1) == p
        counts = np.bincount(data.y[in_p], minlength=2)
        majority = counts.argmax()
        if counts.max() > 0.8 * counts.sum() and counts.sum() >= 10:
            assert np.all(pred[in_p] == majority)


def test_gold_weight_zero_and_too_few_gold_rows_fit_without_gold():
    data = make_votes(1000, 6, 2, random_state=2)
    plain = LabelModel(cardinality=2).fit(data.L)
    assert plain.gold_weight_ is None
    gold = np.full(1000, -1)
    gold[: _gold.MIN_GOLD_ROWS - 1] = data.y[: _gold.MIN_GOLD_ROWS - 1]
    few = LabelModel(cardinality=2).fit(data.L, gold)
    assert few.gold_weight_ == 0.0
    np.testing.assert_array_equal(
        few.predict_proba(data.L), plain.predict_proba(data.L)
    )
    gold[:100] = data.y[:100]
    zero = LabelModel(cardinality=2, gold_weight=0.0).fit(data.L, gold)
    np.testing.assert_array_equal(
        zero.predict_proba(data.L), plain.predict_proba(data.L)
    )


def test_a_fixed_gold_weight_counts_gold_rows_that_many_times():
    data = make_votes(800, 5, 2, random_state=3)
    gold = np.full(800, -1)
    gold[:50] = data.y[:50]
    weighted = LabelModel(cardinality=2, gold_weight=4.0).fit(data.L, gold)
    sw = np.ones(800)
    sw[:50] = 4.0
    by_rows = LabelModel(cardinality=2, gold_weight=1.0).fit(
        data.L, gold, sample_weight=sw
    )
    assert weighted.gold_weight_ == 4.0
    np.testing.assert_allclose(weighted.class_prior_, by_rows.class_prior_)
    np.testing.assert_allclose(weighted.lf_fire_rate_, by_rows.lf_fire_rate_)


def test_gold_weight_is_validated():
    data = make_votes(200, 4, 2, random_state=0)
    with pytest.raises(ValueError, match="gold_weight"):
        LabelModel(cardinality=2, gold_weight=-1.0).fit(data.L)


def test_gold_weight_survives_save_and_load(tmp_path):
    data = make_votes(1500, 6, 2, random_state=4)
    gold = np.full(1500, -1)
    gold[:200] = data.y[:200]
    model = LabelModel(cardinality=2).fit(data.L, gold)
    model.save(tmp_path / "m.json")
    back = LabelModel.load(tmp_path / "m.json")
    assert back.gold_weight_ == model.gold_weight_
    np.testing.assert_array_equal(
        back.predict_proba(data.L), model.predict_proba(data.L)
    )


def test_ranked_needs_a_clear_gain_and_orders_by_score():
    base = np.array([-0.5, -0.5, -0.5, -0.5])
    w = np.ones(4)
    noisy = {2.0: np.array([0.0, -1.0, 0.0, -1.0])}  # same mean, no gain
    assert _gold.ranked(base, noisy, w) == []
    clear = {2.0: base + 0.1, 5.0: base + 0.3, 9.0: base - 0.1}
    order = [wt for wt, _ in _gold.ranked(base, clear, w)]
    assert order == [5.0, 2.0]
