"""Behaviour of sample weights, class weights, sparse batches and self-training."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from weaklabel.trainer import LogisticRegressionNet, NoiseAwareClassifier  # noqa: E402
from weaklabel.trainer._self_training import select_pseudo_labels  # noqa: E402


def make_data(n=120, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    soft = np.where(y[:, None] == 1, [0.2, 0.8], [0.75, 0.25])
    return X, soft, y


def full_batch(**kw):
    """One batch per epoch and no held-out rows: weights act exactly."""
    params = {
        "max_epochs": 15,
        "batch_size": 10_000,
        "early_stopping": False,
        "random_state": 0,
        "device": "cpu",
    }
    params.update(kw)
    return NoiseAwareClassifier(**params)


def weights_of(clf):
    return {k: v.detach().clone() for k, v in clf.module_.state_dict().items()}


def assert_close_states(a, b):
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)


def assert_states_differ(a, b):
    assert any(not torch.allclose(a[k], b[k], atol=1e-4) for k in a)


def flipped(soft, rows):
    out = soft.copy()
    out[rows] = out[rows, ::-1]
    return out


# ------------------------------------------------------------ sample_weight
def test_zero_weight_equals_dropping_the_rows():
    X, soft, _ = make_data()
    drop = np.arange(0, 120, 3)
    noisy = flipped(soft, drop)  # the dropped rows carry wrong labels
    w = np.ones(120)
    w[drop] = 0.0
    keep = np.setdiff1d(np.arange(120), drop)
    weighted = full_batch().fit(X, noisy, sample_weight=w)
    dropped = full_batch().fit(X[keep], noisy[keep])
    assert_close_states(weights_of(weighted), weights_of(dropped))
    # and it is not what ignoring the weights gives
    assert_states_differ(weights_of(weighted), weights_of(full_batch().fit(X, noisy)))


def test_weight_two_equals_duplicating_the_rows():
    X, soft, _ = make_data()
    twice = np.arange(0, 120, 4)
    noisy = flipped(soft, twice)
    w = np.ones(120)
    w[twice] = 2.0
    weighted = full_batch().fit(X, noisy, sample_weight=w)
    X_dup = np.concatenate([X, X[twice]])
    dup = full_batch().fit(X_dup, np.concatenate([noisy, noisy[twice]]))
    assert_close_states(weights_of(weighted), weights_of(dup))
    assert_states_differ(weights_of(weighted), weights_of(full_batch().fit(X, noisy)))


def test_weights_are_relative_scaling_them_changes_nothing():
    X, soft, _ = make_data()
    w = np.random.default_rng(1).uniform(0.1, 2.0, size=120)
    a = full_batch().fit(X, soft, sample_weight=w)
    b = full_batch().fit(X, soft, sample_weight=10 * w)
    assert_close_states(weights_of(a), weights_of(b))


def test_all_zero_weights_is_an_error():
    X, soft, _ = make_data(n=20)
    with pytest.raises(ValueError, match="Every training row has weight 0"):
        full_batch().fit(X, soft, sample_weight=np.zeros(20))


# ------------------------------------------------------------ class_weight
def test_class_weight_zero_drops_that_class():
    X, _, y = make_data()
    hard = np.eye(2)[y]
    a = full_batch(class_weight=[1.0, 0.0]).fit(X, hard)
    b = full_batch().fit(X, hard, sample_weight=(y == 0).astype(float))
    assert_close_states(weights_of(a), weights_of(b))


def test_balanced_is_the_default_and_counts_the_row_weights():
    X, soft, _ = make_data()
    assert NoiseAwareClassifier().class_weight == "balanced"
    w = np.random.default_rng(2).uniform(0.0, 2.0, size=120)
    mass = w @ soft
    cw = w.sum() / (2 * mass)
    a = full_batch().fit(X, soft, sample_weight=w)
    b = full_batch(class_weight=None).fit(X, soft, sample_weight=w * (soft @ cw))
    assert_close_states(weights_of(a), weights_of(b))
    assert_states_differ(
        weights_of(a), weights_of(full_batch(class_weight=None).fit(X, soft))
    )


def test_balanced_class_weight_uses_the_weak_label_mass():
    X, soft, _ = make_data()
    mass = soft.sum(0)
    cw = len(X) / (2 * mass)
    a = full_batch(class_weight="balanced").fit(X, soft)
    b = full_batch(class_weight=list(cw)).fit(X, soft)
    c = full_batch(class_weight=None).fit(X, soft, sample_weight=soft @ cw)
    assert_close_states(weights_of(a), weights_of(b))
    assert_close_states(weights_of(a), weights_of(c))


@pytest.mark.parametrize("bad", ["auto", [1.0], [1.0, -1.0], [1.0, np.nan]])
def test_bad_class_weight_is_refused(bad):
    X, soft, _ = make_data(n=20)
    with pytest.raises(ValueError, match="'class_weight' parameter"):
        full_batch(class_weight=bad).fit(X, soft)


# ------------------------------------------------------------ sparse batches
class Recorder(nn.Module):
    """A linear net that records the layout of each batch it sees."""

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.inner = LogisticRegressionNet(n_features, n_classes)
        self.layouts = []

    def forward(self, x):
        self.layouts.append(x.layout)
        return self.inner(x)


class SparseRecorder(Recorder):
    accepts_sparse = True


@pytest.mark.parametrize(
    ("factory", "layout"),
    [(Recorder, torch.strided), (SparseRecorder, torch.sparse_coo)],
)
def test_sparse_features_stay_sparse_only_for_networks_that_accept_them(
    factory, layout
):
    X, soft, _ = make_data()
    X[X < 0.5] = 0.0
    clf = full_batch(module=factory, max_epochs=2, batch_size=32).fit(
        sp.csr_array(X), soft
    )
    clf.predict(sp.csr_array(X))
    assert set(clf.module_.layouts) == {layout}


def test_sparse_and_dense_training_give_the_same_default_model():
    X, soft, _ = make_data()
    X[X < 0.5] = 0.0
    dense = full_batch(batch_size=16).fit(X, soft)
    sparse = full_batch(batch_size=16).fit(sp.csr_matrix(X), soft)
    assert_close_states(weights_of(dense), weights_of(sparse))


def test_unsorted_csr_input_is_not_changed():
    X, soft, _ = make_data(n=30)
    X[X < 0.5] = 0.0
    A = sp.csr_array(X)
    # reverse the column order inside each row: not canonical any more
    for i in range(A.shape[0]):
        s, e = A.indptr[i], A.indptr[i + 1]
        A.indices[s:e] = A.indices[s:e][::-1].copy()
        A.data[s:e] = A.data[s:e][::-1].copy()
    A.has_sorted_indices = False
    before = A.indices.copy()
    clf = full_batch(batch_size=8, max_epochs=2).fit(A, soft)
    np.testing.assert_array_equal(A.indices, before)
    ref = full_batch(batch_size=8, max_epochs=2).fit(X, soft)
    assert_close_states(weights_of(clf), weights_of(ref))


# ------------------------------------------------------------ self-training
def covered_votes(X):
    """An LF that votes only on the confident third of the rows on each side."""
    s = X[:, 0] + 0.5 * X[:, 1]
    L = np.full((len(X), 1), -1)
    L[s > 0.7, 0] = 1
    L[s < -0.7, 0] = 0
    return L


def test_self_training_labels_the_uncovered_rows():
    X, _, y = make_data(n=400)
    soft = 0.02 + 0.96 * np.eye(2)[y]
    L = covered_votes(X)
    assert 0.2 < (L[:, 0] == -1).mean() < 0.8
    st_params = {"self_training_rounds": 2, "self_training_threshold": 0.8}
    clf = full_batch(max_epochs=40, batch_size=64, **st_params).fit(X, soft, L=L)
    hist = clf.self_training_history_
    assert 1 <= len(hist) <= 2
    assert hist[0]["round"] == 1
    assert hist[0]["n_added"] > 0
    assert hist[0]["n_train"] > (L[:, 0] != -1).sum()
    assert clf.score(X, y) > 0.9
    again = full_batch(max_epochs=40, batch_size=64, **st_params).fit(X, soft, L=L)
    assert again.self_training_history_ == hist
    assert_close_states(weights_of(clf), weights_of(again))


def test_no_self_training_by_default():
    X, soft, _ = make_data()
    clf = full_batch(max_epochs=2).fit(X, soft, L=covered_votes(X))
    assert clf.self_training_history_ == []


def test_threshold_one_adds_nothing_and_stops():
    X, soft, _ = make_data()
    L = covered_votes(X)
    clf = full_batch(
        max_epochs=3, self_training_rounds=3, self_training_threshold=1.0
    ).fit(X, soft, L=L)
    # round 1 changes nothing; round 2 would repeat it exactly and is skipped
    assert [h["n_added"] + h["n_corrected"] for h in clf.self_training_history_] == [0]


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(2, 4),
    n=st.integers(2, 40),
    threshold=st.floats(0.5, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_pseudo_labels_respect_threshold_balance_and_weak_rows(k, n, threshold, seed):
    rng = np.random.default_rng(seed)
    model = rng.dirichlet(np.full(k, 0.3), size=n)
    weak = rng.dirichlet(np.ones(k), size=n).astype(np.float32)
    is_weak = rng.random(n) < 0.5
    weak_rows = np.flatnonzero(is_weak)
    pool = np.flatnonzero(~is_weak)
    out = select_pseudo_labels(model, weak, weak_rows, pool, threshold=threshold)
    # every weak row is kept; added rows come from the pool
    assert set(weak_rows) <= set(out.rows)
    added = np.setdiff1d(out.rows, weak_rows)
    assert set(added) <= set(pool)
    assert len(added) == out.n_added
    conf = model.max(1)
    changed = np.flatnonzero((out.targets != weak).any(1))
    assert len(np.intersect1d(changed, weak_rows)) == out.n_corrected
    for i in np.concatenate([added, changed]):
        assert conf[i] >= threshold
        assert out.targets[i].argmax() == model[i].argmax()
        assert out.targets[i].max() == 1.0
        assert out.weight[i] == pytest.approx(conf[i])
    for i in np.intersect1d(changed, weak_rows):
        assert conf[i] > weak[i].max()
    # class balance: no class takes more than its weak share of the confident pool
    n_conf = int((conf[pool] >= threshold).sum())
    prior = weak[weak_rows].mean(0) if weak_rows.size else np.full(k, 1 / k)
    for c in range(k):
        assert (model[added].argmax(1) == c).sum() <= np.ceil(prior[c] * n_conf)
    # untouched rows keep weight 1 and their weak targets
    rest = np.setdiff1d(np.arange(n), np.concatenate([added, changed]))
    np.testing.assert_array_equal(out.weight[rest], 1.0)
    np.testing.assert_array_equal(out.targets[rest], weak[rest])
