import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from weaklabel.exceptions import ConvergenceWarning
from weaklabel.label_model import DawidSkene, MajorityVote
from weaklabel.synthetic import make_votes


def _brute_force_posterior(votes, prior, confusion):
    """P(y | votes) by Bayes' rule, one product per class (abstains ignored)."""
    k = prior.size
    joint = np.array(
        [
            prior[c]
            * np.prod([confusion[j, c, v] for j, v in enumerate(votes) if v >= 0])
            for c in range(k)
        ]
    )
    return joint / joint.sum()


def test_e_step_oracle_three_lfs_three_classes():
    rng = np.random.default_rng(0)
    m, k = 3, 3
    model = DawidSkene(cardinality=k, random_state=0).fit(
        make_votes(50, m, k, random_state=0).L
    )
    # Replace the learned parameters by arbitrary ones: predict_proba is then
    # one E-step, which must agree with Bayes' rule on every vote pattern.
    model.class_prior_ = rng.dirichlet(np.ones(k))
    model.lf_confusion_ = rng.dirichlet(np.ones(k), size=(m, k))
    patterns = np.array(list(itertools.product(range(-1, k), repeat=m)))
    assert patterns.shape == (64, 3)
    expected = np.array(
        [
            _brute_force_posterior(p, model.class_prior_, model.lf_confusion_)
            for p in patterns
        ]
    )
    np.testing.assert_allclose(model.predict_proba(patterns), expected, rtol=1e-10)
    np.testing.assert_allclose(model.predict_proba(patterns[:1]), [model.class_prior_])


def test_fully_supervised_fit_is_the_smoothed_count_estimate():
    data = make_votes(300, 4, 3, random_state=2)
    alpha = 2.0
    model = DawidSkene(alpha=alpha, random_state=0).fit(data.L, data.y)
    k = 3
    A = np.full((k, k), alpha / k)
    np.fill_diagonal(A, alpha)
    for j in range(4):
        counts = np.zeros((k, k))
        for yi, v in zip(data.y, data.L[:, j], strict=True):
            if v >= 0:
                counts[yi, v] += 1
        expected = (counts + A) / (counts + A).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(model.lf_confusion_[j], expected)
    balance = (np.bincount(data.y, minlength=k) + 1) / (300 + k)
    np.testing.assert_allclose(model.class_prior_, balance)
    assert model.converged_
    assert model.n_iter_ <= 2


def test_recovers_accuracies_and_beats_majority_vote():
    data = make_votes(20_000, 10, random_state=0)
    ds = DawidSkene(random_state=0).fit(data.L)
    assert ds.converged_
    np.testing.assert_allclose(ds.lf_accuracy_, data.accuracies, atol=0.03)
    mv = MajorityVote(random_state=0).fit(data.L)
    assert ds.score(data.L, data.y) > mv.score(data.L, data.y) + 0.01
    np.testing.assert_allclose(ds.class_prior_, data.class_balance, atol=0.03)


def test_recovers_multiclass_and_imbalanced():
    data = make_votes(
        20_000, 8, 4, class_balance=[0.55, 0.25, 0.15, 0.05], random_state=1
    )
    ds = DawidSkene(random_state=0).fit(data.L)
    np.testing.assert_allclose(ds.lf_accuracy_, data.accuracies, atol=0.04)
    np.testing.assert_allclose(ds.class_prior_, data.class_balance, atol=0.03)
    mv = MajorityVote(random_state=0).fit(data.L)
    assert ds.score(data.L, data.y) > mv.score(data.L, data.y)


def test_learned_attributes_shapes_and_ranges():
    data = make_votes(1000, 5, 3, random_state=3)
    ds = DawidSkene(random_state=0).fit(data.L)
    assert ds.lf_confusion_.shape == (5, 3, 3)
    np.testing.assert_allclose(ds.lf_confusion_.sum(axis=2), 1.0)
    assert ds.lf_accuracy_.shape == (5,)
    assert ((ds.lf_accuracy_ > 0) & (ds.lf_accuracy_ < 1)).all()
    assert isinstance(ds.n_iter_, int)
    assert isinstance(ds.converged_, bool)
    assert isinstance(ds.log_likelihood_, float)
    assert ds.log_likelihood_ < 0


def test_lfs_that_never_or_always_fire_give_no_nan():
    data = make_votes(500, 5, random_state=4)
    L = data.L.copy()
    L[:, 0] = -1  # never fires
    L[:, 1] = 1  # fires on every row, always the same class
    ds = DawidSkene(random_state=0).fit(L)
    for value in (ds.lf_confusion_, ds.lf_accuracy_, ds.class_prior_):
        assert np.isfinite(value).all()
    assert np.isfinite(ds.predict_proba(L)).all()
    # A silent LF keeps its prior: better than random.
    assert ds.lf_accuracy_[0] > 0.5


def test_max_likelihood_em_never_decreases_the_likelihood():
    data = make_votes(2000, 6, 3, random_state=5)
    lls = []
    for t in range(1, 12):
        model = DawidSkene(alpha=0.0, max_iter=t, tol=0.0, random_state=0)
        with pytest.warns(ConvergenceWarning):
            model.fit(data.L)
        lls.append(model.log_likelihood_)
    assert all(b >= a - 1e-7 * abs(a) for a, b in itertools.pairwise(lls))


def test_convergence_warning_names_the_fix():
    data = make_votes(1000, 6, random_state=6)
    with pytest.warns(ConvergenceWarning, match="max_iter=1") as record:
        model = DawidSkene(max_iter=1, tol=0.0).fit(data.L)
    assert "Increase max_iter" in str(record[0].message)
    assert record[0].filename == __file__  # points at the call of fit
    assert model.n_iter_ == 1
    assert model.converged_ is False


def test_random_init_is_reproducible():
    data = make_votes(1000, 6, 3, random_state=7)
    a = DawidSkene(init="random", random_state=1).fit(data.L)
    b = DawidSkene(init="random", random_state=1).fit(data.L)
    np.testing.assert_array_equal(a.lf_confusion_, b.lf_confusion_)


def test_gold_labels_improve_a_hard_case():
    # Mostly bad LFs and a few gold labels: clamping the gold rows helps.
    data = make_votes(
        3000, 6, accuracies=[0.9, 0.55, 0.55, 0.55, 0.55, 0.55], random_state=8
    )
    y = np.where(np.arange(3000) < 300, data.y, -1)
    semi = DawidSkene(random_state=0).fit(data.L, y)
    unsup = DawidSkene(random_state=0).fit(data.L)
    rest = slice(300, None)
    assert semi.score(data.L[rest], data.y[rest]) >= unsup.score(
        data.L[rest], data.y[rest]
    )
    assert semi.lf_accuracy_[0] > 0.8


def test_sparse_input_matches_dense():
    data = make_votes(2000, 8, 3, random_state=9)
    dense = DawidSkene(random_state=0).fit(data.L)
    S = sp.csr_array(data.L.astype(np.int64) + 1)
    sparse = DawidSkene(random_state=0).fit(S)
    np.testing.assert_allclose(sparse.lf_confusion_, dense.lf_confusion_, atol=1e-9)
    np.testing.assert_allclose(sparse.predict_proba(S), dense.predict_proba(data.L))
    assert sparse.n_iter_ == dense.n_iter_


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"max_iter": 0}, "'max_iter' parameter of DawidSkene must be an int >= 1"),
        ({"max_iter": 2.5}, "'max_iter'"),
        ({"tol": -1.0}, "'tol' parameter of DawidSkene must be a finite float >= 0"),
        ({"alpha": -0.1}, "'alpha' parameter"),
        ({"alpha": float("nan")}, "'alpha' parameter"),
        ({"init": "kmeans"}, "'init' parameter of DawidSkene must be one of"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        DawidSkene(**params).fit(np.array([[0, 1], [1, 1]]))


def test_many_rows_many_lfs():
    # 200k rows x 30 LFs: nearly every row is its own pattern.
    data = make_votes(200_000, 30, random_state=10)
    model = DawidSkene(random_state=0).fit(data.L)
    assert model.score(data.L, data.y) > 0.9
