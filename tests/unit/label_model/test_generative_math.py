"""The generative model's maths (label_model/_generative_math.py).

Posteriors against Bayes' rule done by hand, the order-constrained firing
rates, the majority-vote anchor's tie weights and the blocked prediction.
"""

import itertools

import numpy as np
import pytest

from weaklabel import LabelModel
from weaklabel.label_model import _generative_math as genmath
from weaklabel.synthetic import make_votes


def _brute_force(votes, prior, fire, confusion, clique, table, configs):
    """P(y | votes) by Bayes' rule: singletons times the clique table."""
    k = prior.size
    joint = prior.copy()
    for c in range(k):
        for j, v in enumerate(votes):
            if j in clique:
                continue
            joint[c] *= 1 - fire[j, c] if v < 0 else fire[j, c] * confusion[j, c, v]
        cfg = configs.index(tuple(votes[list(clique)]))
        joint[c] *= table[cfg, c]
    return joint / joint.sum()


def test_e_step_matches_bayes_rule_with_a_clique():
    rng = np.random.default_rng(0)
    m, k = 3, 3
    patterns = np.array(list(itertools.product(range(-1, k), repeat=m)))
    model = LabelModel(
        cardinality=k, dependencies=[(0, 1)], parametrization="confusion"
    ).fit(patterns)
    assert model.cliques_ == [(0, 1)]
    n_cfg = len(model.clique_codes_[0])
    assert n_cfg == (k + 1) ** 2  # every configuration was seen in fit
    # Arbitrary parameters: predict_proba is then one exact E-step.
    model.class_prior_ = rng.dirichlet(np.ones(k))
    model.lf_fire_rate_ = rng.uniform(0.1, 0.9, size=(m, k))
    model.lf_confusion_ = rng.dirichlet(np.ones(k), size=(m, k))
    table = rng.dirichlet(np.ones(n_cfg), size=k).T  # P(config | c), (n_cfg, k)
    model.clique_tables_ = [table]
    # configuration order: codes sorted; code = (v0 + 1) * (k + 1) + (v1 + 1)
    configs = [(a, b) for a in range(-1, k) for b in range(-1, k)]
    expected = np.array(
        [
            _brute_force(
                p,
                model.class_prior_,
                model.lf_fire_rate_,
                model.lf_confusion_,
                (0, 1),
                table,
                configs,
            )
            for p in patterns
        ]
    )
    np.testing.assert_allclose(model.predict_proba(patterns), expected, rtol=1e-9)


def _assert_bayes_rule_without_cliques(model, patterns, confusion):
    """predict_proba equals Bayes' rule with these confusion rows."""
    k = model.cardinality_
    expected = np.array(
        [
            _brute_force(
                p,
                model.class_prior_,
                model.lf_fire_rate_,
                confusion,
                (),
                np.ones((1, k)),
                [()],
            )
            for p in patterns
        ]
    )
    np.testing.assert_allclose(model.predict_proba(patterns), expected, rtol=1e-9)


@pytest.mark.parametrize("k", [2, 4])
def test_e_step_matches_bayes_rule_accuracy_parametrization(k):
    rng = np.random.default_rng(1)
    m = 3
    patterns = np.array(list(itertools.product(range(-1, k), repeat=m)))
    model = LabelModel(cardinality=k, parametrization="accuracy").fit(patterns)
    assert model.lf_confusion_ is None
    model.class_prior_ = rng.dirichlet(np.ones(k))
    model.lf_fire_rate_ = rng.uniform(0.1, 0.9, size=(m, k))
    model.lf_accuracy_ = rng.uniform(0.3, 0.9, size=m)
    model.lf_propensity_ = rng.dirichlet(np.ones(k), size=m)
    # P(v | c, fires) = a if v == c else (1 - a) r_v / (1 - r_c)
    a, r = model.lf_accuracy_, model.lf_propensity_
    conf = (1 - a)[:, None, None] * r[:, None, :] / (1 - r[:, :, None])
    conf[:, np.arange(k), np.arange(k)] = a[:, None]
    np.testing.assert_allclose(conf.sum(axis=2), 1.0)
    _assert_bayes_rule_without_cliques(model, patterns, conf)


def test_accuracy_parametrization_scores_one_sided_lfs_by_their_own_column():
    rng = np.random.default_rng(3)
    k, m = 3, 3
    # LF 0 and 2 only ever vote class 0 and 2; LF 1 votes every class
    votes = [(-1, 0), tuple(range(-1, k)), (-1, 2)]
    patterns = np.array(list(itertools.product(*votes)))
    model = LabelModel(cardinality=k, parametrization="accuracy", mv_anchor=False).fit(
        patterns
    )
    np.testing.assert_array_equal(model.lf_polarity_, [0, -1, 2])
    model.class_prior_ = rng.dirichlet(np.ones(k))
    model.lf_fire_rate_ = rng.uniform(0.1, 0.9, size=(m, k))
    model.lf_accuracy_ = rng.uniform(0.3, 0.9, size=m)
    model.lf_propensity_ = rng.dirichlet(np.ones(k), size=m)
    model.lf_own_vote_ = rng.uniform(0.2, 1.0, size=(m, k))
    a, r = model.lf_accuracy_, model.lf_propensity_
    conf = (1 - a)[:, None, None] * r[:, None, :] / (1 - r[:, :, None])
    conf[:, np.arange(k), np.arange(k)] = a[:, None]
    for j, own in ((0, 0), (2, 2)):  # P(own vote | c, fires); other votes unseen
        conf[j] = 0.0
        conf[j, :, own] = model.lf_own_vote_[j]
    _assert_bayes_rule_without_cliques(model, patterns, conf)


def test_monotone_rates_pool_the_violators():
    from weaklabel.label_model._generative_math import monotone_rates

    num = np.array([[1.0, 5.0, 3.0, 0.0], [6.0, 1.0, 1.0, 2.0], [2.0, 4.0, 1.0, 3.0]])
    den = np.full((3, 4), 10.0)
    out = monotone_rates(num, den, np.array([0, 0, 2]))
    # row 0: class 0 (.1) is exceeded by .5 and .3: all three pooled at 9/30
    np.testing.assert_allclose(out[0], [0.3, 0.3, 0.3, 0.0])
    np.testing.assert_allclose(out[1], num[1] / 10)  # already ordered
    np.testing.assert_allclose(out[2], [0.2, 8 / 30, 8 / 30, 8 / 30])
    for row, own in zip(out, [0, 0, 2], strict=True):
        assert row[own] >= row.max() - 1e-12


def test_e_step_with_the_mv_anchor_matches_bayes_rule():
    rng = np.random.default_rng(1)
    k = m = 3  # LF j votes class j or abstains
    patterns = np.array(list(itertools.product(*[(-1, j) for j in range(m)])))
    model = LabelModel(cardinality=k, mv_anchor=True).fit(patterns)
    model.class_prior_ = rng.dirichlet(np.ones(k))
    model.lf_fire_rate_ = rng.uniform(0.1, 0.9, size=(m, k))
    model.lf_confusion_ = rng.dirichlet(np.ones(k), size=(m, k))
    model.anchor_table_ = rng.dirichlet(np.ones(k + 1), size=k).T  # (k + 1, k)
    expected = []
    for p in patterns:
        fired = np.flatnonzero(p >= 0)
        anchor = int(p[fired[0]]) if fired.size == 1 else k  # unique winner
        joint = model.class_prior_ * model.anchor_table_[anchor]
        for j in range(m):
            f = model.lf_fire_rate_[j]
            vote = f * model.lf_confusion_[j, :, j]  # LF j only votes j
            joint = joint * (vote if p[j] >= 0 else 1 - f)
        expected.append(joint / joint.sum())
    np.testing.assert_allclose(model.predict_proba(patterns), expected, rtol=1e-9)


def test_anchor_ties_go_to_the_rarer_rule():
    from weaklabel.label_model._patterns import compress

    # LF 0 (class 0) fires on every row but the last, LF 1 (class 1) rarely
    L = np.array([[0, -1]] * 8 + [[0, 1], [-1, 1]])
    patterns = compress(L)
    weights = genmath.anchor_specificity(np.array([9.0, 2.0]), 10.0)
    assert weights.sum() < 0.5
    plain = genmath.anchor_votes(patterns, 2)[patterns.inverse]
    broken = genmath.anchor_votes(patterns, 2, specificity=weights)[patterns.inverse]
    assert plain.tolist() == [0] * 8 + [2, 1]  # 2 = no vote (tie)
    assert broken.tolist() == [0] * 8 + [1, 1]


def test_coverage_bound_marks_only_rules_broader_than_their_class():

    # 3 classes, 100 rows: LF 0 votes class 0 on 70 rows, more than class 0
    # can hold at the generous pi_0 = max(70 / 180 of the votes, 1/3)
    totals = np.array([[70.0, 0, 0], [0, 40.0, 0], [0, 40.0, 0], [0, 0, 30.0]])
    weights = genmath.anchor_coverage_bound(totals, 100.0)
    assert 0 < weights.sum() < 0.5
    assert weights[0] == 0.0
    assert weights[1] == weights[2] == weights[3] > 0.0
    # no rule broader than its class: no tie-break at all
    narrow = np.array([[20.0, 0, 0], [0, 10.0, 0], [0, 0, 8.0]])
    assert np.all(genmath.anchor_coverage_bound(narrow, 100.0) == 0.0)


@pytest.mark.parametrize(
    ("k", "m", "every"),
    [(3, 12, False), (2, 4, True)],  # 600 rows vs 4**8 + 4**5 codes; vs 3**5
)
def test_grouped_prediction_in_row_blocks_equals_prediction_at_once(
    monkeypatch: pytest.MonkeyPatch, k: int, m: int, every: bool
) -> None:

    data = make_votes(600, m, k, coverages=0.8, random_state=1)
    L = np.column_stack([data.L, data.L[:, 3]])  # an exact copy: a clique
    model = LabelModel(cardinality=k, dependencies=[(0, 1)]).fit(L)
    assert genmath.predict_grouped(model._params())  # many votes per row
    # rows as they are (not compressed to fewer patterns than codes)
    monkeypatch.setattr(
        "weaklabel.label_model._base.worth_compressing", lambda L: False
    )
    built = []
    real = genmath.all_sub_patterns
    monkeypatch.setattr(
        genmath, "all_sub_patterns", lambda *a: built.append(a) or real(*a)
    )
    whole = model.predict_proba(L)
    assert bool(built) == every  # tables of every code only when they pay
    monkeypatch.setattr(genmath, "_PREDICT_BLOCK_BYTES", 100)  # blocks of 1-2 rows
    np.testing.assert_array_equal(model.predict_proba(L), whole)
    np.testing.assert_array_equal(model.predict_proba(L[::-1]), whole[::-1])
    np.testing.assert_array_equal(model.predict_proba(L[:7]), whole[:7])
