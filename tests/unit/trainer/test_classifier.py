import itertools
import pickle

import numpy as np
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils.estimator_checks import (  # noqa: E402
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_set_params,
)
from torch import nn  # noqa: E402
from torch.utils.data import Dataset, TensorDataset  # noqa: E402

from weaklabel.exceptions import NotFittedError  # noqa: E402
from weaklabel.trainer import LogisticRegressionNet, MLPNet, NoiseAwareClassifier  # noqa: E402


def make_data(n=240, d=6, k=2, seed=0):
    """Features, soft labels from a noisy labeller, and the gold labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    W = rng.normal(size=(d, k))
    logits = X @ W
    y = logits.argmax(1)
    soft = np.exp(1.5 * logits)
    soft /= soft.sum(1, keepdims=True)
    return X, soft, y


def small(**kw):
    params = {"max_epochs": 4, "batch_size": 32, "random_state": 0, "device": "cpu"}
    params.update(kw)
    return NoiseAwareClassifier(**params)


def state(clf):
    return {k: v.clone() for k, v in clf.module_.state_dict().items()}


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)


# ------------------------------------------------------------------ basics
def test_fit_predict_contract():
    X, soft, y = make_data()
    clf = small(max_epochs=30)
    assert clf.fit(X, soft) is clf
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    pred = clf.predict(X)
    assert pred.dtype == np.int64
    np.testing.assert_array_equal(pred, proba.argmax(1))
    assert clf.score(X, y) > 0.85
    assert clf.n_classes_ == 2
    assert clf.n_features_in_ == 6
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert 1 <= clf.best_epoch_ <= clf.n_epochs_ == len(clf.history_)
    rec = clf.history_[0]
    assert set(rec) == {
        "epoch",
        "lr",
        "train_loss",
        "valid_loss",
        "valid_accuracy",
        "best",
        "dur",
    }
    assert rec["valid_loss"] is not None
    assert rec["valid_accuracy"] is None


def test_multiclass_and_hard_labels_equal_one_hot():
    X, _soft, y = make_data(k=3)
    a = small().fit(X, y)
    b = small().fit(X, np.eye(3)[y])
    assert a.n_classes_ == 3
    assert_same_state(state(a), state(b))


def test_default_module_is_a_linear_head_for_the_input_width():
    X, soft, _ = make_data(d=7)
    clf = small(max_epochs=1).fit(X, soft)
    assert isinstance(clf.module_, LogisticRegressionNet)
    assert clf.module_.init_kwargs["n_features"] == 7


def test_module_instance_is_copied_and_factory_is_called():
    X, soft, _ = make_data()
    net = LogisticRegressionNet(6, 2)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    clf = small(module=net).fit(X, soft)
    assert clf.module_ is not net
    assert_same_state(before, net.state_dict())  # the user's instance is untouched
    calls = []

    def factory(n_features, n_classes):
        calls.append((n_features, n_classes))
        return nn.Sequential(nn.Linear(n_features, n_classes))

    small(module=factory, max_epochs=1).fit(X, soft)
    assert calls == [(6, 2)]


def test_refit_is_idempotent_and_global_rng_untouched():
    X, soft, _ = make_data()
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 (checks it is untouched)
    clf = small(module=MLPNet)
    p1 = clf.fit(X, soft).predict_proba(X)
    p2 = clf.fit(X, soft).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert torch.equal(torch_state, torch.get_rng_state())
    np.testing.assert_array_equal(np_state, np.random.get_state()[1])  # noqa: NPY002


# ------------------------------------------------------------- determinism
def test_same_seed_gives_identical_weights_and_predictions():
    X, soft, _ = make_data()
    a = small(max_epochs=3, random_state=7).fit(X, soft)
    b = small(max_epochs=3, random_state=7).fit(X, soft)
    assert_same_state(state(a), state(b))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = small(max_epochs=3, random_state=8).fit(X, soft)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_numpy_generator_random_state_is_accepted():
    X, soft, _ = make_data()
    a = small(random_state=np.random.default_rng(3)).fit(X, soft)
    b = small(random_state=np.random.default_rng(3)).fit(X, soft)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


# ------------------------------------------------------------ input kinds
@pytest.mark.parametrize(
    "kind",
    ["csr", "coo", "csc_matrix", "torch_sparse", "torch_dense", "dataframe", "list"],
)
def test_other_input_kinds_match_dense_numpy(kind):
    import pandas as pd

    X, soft, _ = make_data()
    X[X < 0.3] = 0.0  # sparse-ish
    ref = small(module=LogisticRegressionNet).fit(X, soft)
    convert = {
        "csr": sp.csr_array,
        "coo": sp.coo_array,
        "csc_matrix": sp.csc_matrix,
        "torch_sparse": lambda a: torch.from_numpy(a).to_sparse(),
        "torch_dense": torch.from_numpy,
        "dataframe": pd.DataFrame,
        "list": lambda a: a.tolist(),
    }[kind]
    other = small(module=LogisticRegressionNet).fit(convert(X), soft)
    for k, v in state(ref).items():
        torch.testing.assert_close(v, state(other)[k])
    np.testing.assert_allclose(
        other.predict_proba(convert(X)), ref.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_sparse_tfidf_with_default_module():
    texts = [
        "free money now",
        "call me later",
        "win a free prize",
        "see you at lunch",
    ] * 20
    proba = np.array([[0.1, 0.9], [0.8, 0.2], [0.2, 0.8], [0.9, 0.1]] * 20)
    X = TfidfVectorizer().fit_transform(texts)
    clf = small(max_epochs=20, lr=1e-2).fit(X, proba)
    np.testing.assert_array_equal(clf.predict(X[:4]), [1, 0, 1, 0])


def test_tensor_dataset_matches_dense():
    X, soft, _ = make_data()
    ref = small(module=LogisticRegressionNet).fit(X, soft)
    ds = TensorDataset(torch.from_numpy(X))
    clf = small(module=LogisticRegressionNet).fit(ds, soft)
    assert clf.n_features_in_ == 6
    np.testing.assert_allclose(
        clf.predict_proba(ds), ref.predict_proba(X), rtol=1e-5, atol=1e-6
    )


class DictDataset(Dataset):
    def __init__(self, X):
        self.X = torch.from_numpy(X)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return {"a": self.X[i, :3], "b": self.X[i, 3:]}


class TwoInputNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)

    def forward(self, a, b):
        return self.a(a) + self.b(b)


def test_dataset_of_dicts_feeds_keyword_arguments():
    X, soft, y = make_data()
    clf = small(module=TwoInputNet(), max_epochs=30, lr=1e-2).fit(DictDataset(X), soft)
    assert clf.n_features_in_ is None
    assert clf.score(DictDataset(X), y) > 0.85
    with pytest.raises(ValueError, match="pass module= explicitly"):
        small().fit(DictDataset(X), soft)


# ------------------------------------------------------------ filtering
def test_all_abstain_rows_are_dropped_from_training():
    X, soft, _ = make_data()
    rng = np.random.default_rng(1)
    L = rng.integers(0, 2, size=(len(X), 3))
    abstain = rng.random(len(X)) < 0.3
    L[abstain] = -1
    L[~abstain & (rng.random(len(X)) < 0.5), 0] = -1  # partial abstains are kept
    clf = small().fit(X, soft, L=L)
    assert clf.n_filtered_ == abstain.sum() > 0
    ref = small().fit(X[~abstain], soft[~abstain])
    assert_same_state(state(clf), state(ref))
    # sparse votes (stored as vote + 1) filter the same rows
    sparse = small().fit(X, soft, L=sp.csr_array(L + 1))
    assert_same_state(state(sparse), state(ref))
    # off: every row is used, L is ignored
    with pytest.raises(ValueError, match="L has 3 rows"):  # checked even when off
        small(filter_abstain=False).fit(X, soft, L=L[:3])
    kept = small(filter_abstain=False).fit(X, soft, L=L)
    assert kept.n_filtered_ == 0
    assert_same_state(state(kept), state(small().fit(X, soft)))


def test_hard_labels_with_abstain_are_dropped():
    X, _, y = make_data()
    y_hard = y.copy()
    y_hard[::4] = -1
    clf = small().fit(X, y_hard)
    assert clf.n_filtered_ == len(y[::4])
    keep = y_hard != -1
    assert_same_state(state(clf), state(small().fit(X[keep], y[keep])))
    with pytest.raises(ValueError, match=r"expected class indices in \{0, \.\.\., 1\}"):
        small(filter_abstain=False).fit(X, y_hard)


def test_everything_abstained_is_an_error():
    X, soft, _ = make_data(n=20)
    with pytest.raises(ValueError, match="every labeling function abstained"):
        small().fit(X, soft, L=np.full((20, 2), -1))


def test_confidence_weighting_equals_sample_weight_of_max_proba():
    X, soft, _ = make_data()
    a = small(confidence_weighting=True).fit(X, soft)
    b = small().fit(X, soft, sample_weight=soft.max(1))
    assert_same_state(state(a), state(b))
    c = small(confidence_weighting=True).fit(
        X, soft, sample_weight=np.full(len(X), 2.0)
    )
    d = small().fit(X, soft, sample_weight=2.0 * soft.max(1))
    for k, v in state(c).items():
        torch.testing.assert_close(v, state(d)[k])


# ------------------------------------------------------------ sklearn
def test_pipeline_with_tfidf_and_clone():
    texts = [
        "free money now",
        "call me later",
        "win a free prize",
        "see you at lunch",
    ] * 15
    proba = np.array([[0.1, 0.9], [0.8, 0.2], [0.2, 0.8], [0.9, 0.1]] * 15)
    pipe = make_pipeline(TfidfVectorizer(), small(max_epochs=20, lr=1e-2))
    pipe.fit(texts, proba)
    np.testing.assert_array_equal(
        pipe.predict(["free prize money", "see you later"]), [1, 0]
    )
    assert pipe.score(texts[:4], [1, 0, 1, 0]) == 1.0
    twin = clone(pipe).fit(texts, proba)
    np.testing.assert_array_equal(twin.predict_proba(texts), pipe.predict_proba(texts))
    L = np.tile([[1], [0], [-1], [0]], (15, 1))
    pipe.fit(texts, proba, noiseawareclassifier__L=L)
    assert pipe[-1].n_filtered_ == 15


def test_sklearn_estimator_checks():
    clf = NoiseAwareClassifier(module=MLPNet, lr=0.01, random_state=3)
    check_no_attributes_set_in_init("NoiseAwareClassifier", clf)
    check_get_params_invariance("NoiseAwareClassifier", clf)
    check_set_params("NoiseAwareClassifier", clf)
    assert clone(clf).get_params() == clf.get_params()


def test_pickle_round_trip():
    X, soft, _ = make_data()
    clf = small(loss="gce", loss_params={"q": 0.5}, lr_schedule="cosine").fit(X, soft)
    twin = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))


# ------------------------------------------------------------ training options
@pytest.mark.parametrize(
    "params",
    [
        {"loss": "gce"},
        {"loss": "sce", "loss_params": {"alpha": 1.0, "beta": 0.5}},
        {"optimizer": "adam", "lr_schedule": "linear"},
        {"optimizer": "sgd", "lr": 0.1, "lr_schedule": "cosine"},
        {"optimizer": torch.optim.RMSprop},
        {"early_stopping": False},
    ],
)
def test_training_options_learn(params):
    X, soft, y = make_data()
    clf = small(max_epochs=30, **params).fit(X, soft)
    assert clf.score(X, y) > 0.8


def test_lr_schedule_decays_to_zero():
    X, soft, _ = make_data()
    clf = small(lr_schedule="cosine", early_stopping=False, max_epochs=5).fit(X, soft)
    lrs = [h["lr"] for h in clf.history_]
    assert lrs[0] == pytest.approx(1e-2)
    assert all(a > b for a, b in itertools.pairwise(lrs))
    assert clf.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_progress_bar_is_off_by_default(capsys):
    X, soft, _ = make_data(n=40)
    small(max_epochs=2).fit(X, soft)
    assert capsys.readouterr().err == ""
    small(max_epochs=2, progress=True).fit(X, soft)
    assert "NoiseAwareClassifier" in capsys.readouterr().err


# ------------------------------------------------------------ early stopping
class Recorder(NoiseAwareClassifier):
    """Keeps a copy of the weights after every epoch."""

    def on_epoch_end(self, record):
        self.snapshots_ = getattr(self, "snapshots_", {})
        self.snapshots_[record["epoch"]] = {
            k: v.clone() for k, v in self.module_.state_dict().items()
        }


def test_early_stopping_on_gold_restores_the_best_epoch():
    # Clean training labels push the weight up forever; 25% of the validation
    # labels are flipped, so validation loss is best at a finite weight and
    # gets worse after a few epochs.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 1)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    X_val = rng.normal(size=(200, 1)).astype(np.float32)
    y_val = (X_val[:, 0] > 0).astype(int)
    flip = rng.random(200) < 0.25
    y_val[flip] = 1 - y_val[flip]
    clf = Recorder(
        LogisticRegressionNet,
        optimizer="sgd",
        lr=0.05,
        batch_size=32,
        max_epochs=100,
        patience=3,
        random_state=0,
        device="cpu",
    )
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    h = clf.history_
    assert (
        clf.n_epochs_ == clf.best_epoch_ + 3 < 100
    )  # stopped after `patience` bad epochs
    best = max(h, key=lambda r: (r["valid_accuracy"], -r["valid_loss"]))
    assert best["epoch"] == clf.best_epoch_
    assert h[-1]["valid_loss"] > best["valid_loss"]
    assert_same_state(state(clf), clf.snapshots_[clf.best_epoch_])
    with pytest.raises(AssertionError):
        assert_same_state(state(clf), clf.snapshots_[clf.n_epochs_])
    assert [r["best"] for r in h].count(True) >= 1
    assert not h[-1]["best"]


def test_early_stopping_without_gold_uses_held_out_noise_aware_loss():
    # Random labels and a wide MLP: the held-out loss rises as it memorises.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 20)).astype(np.float32)
    soft = rng.dirichlet([0.3, 0.3], size=200)
    clf = Recorder(
        lambda d, k: MLPNet(d, k, hidden_sizes=(256,), dropout=0.0),
        lr=1e-2,
        max_epochs=200,
        patience=4,
        validation_fraction=0.25,
        random_state=0,
        device="cpu",
    ).fit(X, soft)
    losses = [r["valid_loss"] for r in clf.history_]
    assert clf.n_epochs_ < 200
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1
    assert_same_state(state(clf), clf.snapshots_[clf.best_epoch_])


def test_validation_metrics_recorded_without_early_stopping():
    X, soft, y = make_data()
    clf = small(early_stopping=False, max_epochs=3).fit(
        X, soft, X_val=X[:50], y_val=y[:50]
    )
    assert clf.n_epochs_ == clf.best_epoch_ == 3
    assert all(r["valid_accuracy"] is not None for r in clf.history_)


def test_nan_loss_raises_floating_point_error_naming_epoch_and_fix():
    X, soft, _ = make_data()
    clf = small(optimizer="sgd", lr=1e30, module=LogisticRegressionNet)
    with pytest.raises(FloatingPointError, match=r"epoch 1.*Lower lr"):
        clf.fit(X * 1e15, soft)


# ------------------------------------------------------------ save / load
def test_save_load_round_trip_builtin(tmp_path):
    X, soft, _ = make_data()
    clf = small(module=MLPNet(6, 2, hidden_sizes=(16, 8)), lr_schedule="cosine").fit(
        X, soft
    )
    out = clf.save(tmp_path / "model")
    assert sorted(p.name for p in out.iterdir()) == [
        "_weaklabel.json",
        "config.json",
        "weights.pt",
    ]
    loaded = NoiseAwareClassifier.load(out)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.history_ == clf.history_
    assert loaded.best_epoch_ == clf.best_epoch_
    params = loaded.get_params()
    assert params.pop("module").init_kwargs == clf.module.init_kwargs
    expected = clf.get_params()
    expected.pop("module")
    assert params == expected


def test_loaded_classifier_refits_like_the_original(tmp_path):
    X, soft, _ = make_data()
    clf = small(module=MLPNet, loss="sce", loss_params={"alpha": 0.5}).fit(X, soft)
    loaded = NoiseAwareClassifier.load(clf.save(tmp_path))
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(
        loaded.fit(X, soft).predict_proba(X), clf.fit(X, soft).predict_proba(X)
    )


def test_save_load_default_module_and_overwrite(tmp_path):
    X, soft, _ = make_data()
    small(max_epochs=1, random_state=1).fit(X, soft).save(tmp_path)
    clf = small().fit(X, soft)
    clf.save(tmp_path)  # overwrites in place
    loaded = NoiseAwareClassifier.load(tmp_path, device="cpu")
    assert loaded.module is None
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert not list(tmp_path.glob(".*tmp"))


def test_load_user_module_requires_it_again(tmp_path):
    X, soft, _ = make_data()
    clf = small(module=TwoInputNet()).fit(DictDataset(X), soft)
    clf.save(tmp_path)
    with pytest.raises(ValueError, match=r"user module .*TwoInputNet.*pass it"):
        NoiseAwareClassifier.load(tmp_path)
    loaded = NoiseAwareClassifier.load(tmp_path, module=TwoInputNet())
    np.testing.assert_array_equal(
        loaded.predict_proba(DictDataset(X)), clf.predict_proba(DictDataset(X))
    )
    with pytest.raises(ValueError, match="do not fit the module"):
        NoiseAwareClassifier.load(tmp_path, module=LogisticRegressionNet(6, 2))


def test_load_detects_mismatched_or_missing_files(tmp_path):
    X, soft, _ = make_data()
    small(max_epochs=1).fit(X, soft).save(tmp_path / "a")
    small(max_epochs=1, random_state=5).fit(X, soft).save(tmp_path / "b")
    (tmp_path / "b" / "weights.pt").replace(tmp_path / "a" / "weights.pt")
    with pytest.raises(ValueError, match="does not match"):
        NoiseAwareClassifier.load(tmp_path / "a")
    with pytest.raises(FileNotFoundError, match=r"config\.json not found"):
        NoiseAwareClassifier.load(tmp_path / "missing")


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("labels", "exc", "match"),
    [
        (np.full((240, 2), 0.6), ValueError, r"must sum to 1; row 0 sums to 1\.2"),
        (np.r_[[[np.nan, 1.0]], np.full((239, 2), 0.5)], ValueError, "NaN"),
        (np.full((200, 2), 0.5), ValueError, "X has 240 rows but proba has 200"),
        (np.full(200, 1), ValueError, "X has 240 rows but proba has 200"),
        (np.ones((240, 1)), ValueError, "at least 2 classes"),
        (np.full((240, 2), -0.5) + np.array([0, 2]), ValueError, "negative"),
        (np.full(240, 0.5), TypeError, "column_stack"),
        (np.full(240, np.nan), ValueError, "NaN"),
        (np.array(["spam"] * 240), TypeError, "integer class indices"),
        (None, TypeError, "needs labels"),
        (np.ones((240, 2, 1)), ValueError, "shape"),
    ],
)
def test_bad_labels(labels, exc, match):
    X, _, _ = make_data()
    with pytest.raises(exc, match=match):
        small().fit(X, labels)


@pytest.mark.parametrize(
    ("X", "exc", "match"),
    [
        (np.zeros((0, 6)), ValueError, "empty"),
        (np.zeros((240, 0)), ValueError, "empty"),
        (np.zeros(240), ValueError, r"2-D.*reshape\(-1, 1\)"),
        (
            np.r_[np.full((1, 6), np.nan), np.zeros((239, 6))],
            ValueError,
            "X contains NaN or infinity",
        ),
        (
            sp.csr_array(
                np.r_[np.zeros((3, 6)), np.full((1, 6), np.inf), np.zeros((236, 6))]
            ),
            ValueError,
            "first at row 3",
        ),
        (np.array(["some text"] * 240), TypeError, "TfidfVectorizer"),
        (np.array([["a", "b"]] * 240), TypeError, "TfidfVectorizer"),
        (None, TypeError, "got None"),
        (TensorDataset(torch.zeros(0, 6)), ValueError, "empty Dataset"),
    ],
)
def test_bad_features(X, exc, match):
    soft = np.full((240, 2), 0.5)
    with pytest.raises(exc, match=match):
        small().fit(X, soft)


def test_module_output_width_must_match_classes():
    X, soft, _ = make_data()
    with pytest.raises(
        ValueError, match=r"logits of shape \(2, 3\) but the labels have 2 classes"
    ):
        small(module=LogisticRegressionNet(6, 3)).fit(X, soft)
    # hard labels whose highest class is missing: say how to fix it
    _, _, y = make_data(k=3)
    y[y == 2] = 1
    with pytest.raises(ValueError, match=r"np\.eye"):
        small(module=LogisticRegressionNet(6, 3)).fit(X, y)


def test_wrong_classes_or_width_against_the_fitted_model():
    X, soft, _y = make_data()
    clf = small(max_epochs=1).fit(X, soft)
    with pytest.raises(
        ValueError, match="X has 5 features, but NoiseAwareClassifier was fitted with 6"
    ):
        clf.predict(X[:, :5])
    with pytest.raises(
        ValueError,
        match=r"contains 2 at position 0; expected class indices in \{0, \.\.\., 1\}",
    ):
        clf.score(X[:3], [2, 0, 1])
    with pytest.raises(ValueError, match=r"y_val contains 2"):
        small().fit(X, soft, X_val=X[:3], y_val=[2, 0, 1])
    with pytest.raises(ValueError, match="X_val has 5 features but X has 6"):
        small().fit(X, soft, X_val=X[:3, :5], y_val=[1, 0, 1])
    with pytest.raises(ValueError, match="together"):
        small().fit(X, soft, X_val=X[:3])
    with pytest.raises(ValueError, match="L has 3 rows but X has 240"):
        small().fit(X, soft, L=np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError, match="cardinality is 2"):
        small().fit(X, soft, L=np.full((240, 2), 2))
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(240,\)"):
        small().fit(X, soft, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        small().fit(X, soft, sample_weight=-np.ones(240))


def test_not_fitted():
    X, _, _ = make_data()
    for method in ("predict", "predict_proba"):
        with pytest.raises(NotFittedError, match=f"Call 'fit' before '{method}'"):
            getattr(small(), method)(X)
    with pytest.raises(NotFittedError, match="save"):
        small().save("unused")


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"max_epochs": 0},
            "'max_epochs' parameter of NoiseAwareClassifier must be an int >= 1. Got 0",
        ),
        ({"batch_size": 2.5}, "'batch_size'"),
        ({"lr": 0}, "'lr'"),
        ({"weight_decay": -1.0}, "'weight_decay'"),
        ({"validation_fraction": 1.0}, "'validation_fraction'"),
        ({"patience": 0}, "'patience'"),
        ({"optimizer": "lbfgs"}, "'optimizer'.*Got 'lbfgs'"),
        ({"lr_schedule": "step"}, "'lr_schedule'"),
        ({"loss": "mse"}, "'loss'"),
        ({"loss": "gce", "loss_params": {"alpha": 1}}, "does not take"),
        ({"early_stopping": "yes"}, "must be a bool"),
        ({"module": 3}, "'module' parameter"),
        ({"module": lambda d, k: "net"}, "returned str"),
        ({"device": "tpu9"}, "'device'"),
    ],
)
def test_bad_params(params, match):
    X, soft, _ = make_data(n=20)
    with pytest.raises((ValueError, TypeError), match=match):
        small(**params).fit(X, soft)


def test_cuda_requested_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    X, soft, _ = make_data(n=20)
    with pytest.raises(ValueError, match=r"CUDA is not available.*device='cpu'"):
        small(device="cuda").fit(X, soft)


def test_holdout_needs_two_rows():
    with pytest.raises(ValueError, match="leaving none to train on"):
        small().fit(np.zeros((1, 2)), [[0.5, 0.5]])
    clf = small(early_stopping=False).fit(np.zeros((1, 2)), [[0.5, 0.5]])
    assert clf.n_epochs_ == 4
