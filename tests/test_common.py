"""Contract checks run on every label model.

To add a model, append its class to ``LABEL_MODELS`` (it must be constructible
with no arguments; ``random_state`` is set by the tests).
"""

import inspect
import json
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.exceptions
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_set_params,
)

from weaklabel.exceptions import NotFittedError
from weaklabel.label_model import (
    BaseLabelModel,
    DawidSkene,
    LabelModel,
    MajorityVote,
    OnlineLabelModel,
    load_label_model,
)
from weaklabel.synthetic import make_votes

LABEL_MODELS: list[type[BaseLabelModel]] = [
    MajorityVote,
    DawidSkene,
    LabelModel,
    OnlineLabelModel,
]

# Models in which abstaining is evidence: their all-abstain rows get
# P(y | every LF silent), not class_prior_.
ABSTAIN_IS_INFORMATIVE = {"LabelModel", "OnlineLabelModel"}

ids = [cls.__name__ for cls in LABEL_MODELS]
parametrize_models = pytest.mark.parametrize("Model", LABEL_MODELS, ids=ids)


@pytest.fixture(scope="module")
def data():
    return make_votes(400, 6, 2, random_state=0)


@pytest.fixture(scope="module")
def data3():
    return make_votes(400, 5, 3, random_state=1)


def _fit(Model, L, y=None, sample_weight=None, **params):
    model = Model(random_state=0, **params)
    if sample_weight is None:
        return model.fit(L, y)
    return model.fit(L, y, sample_weight=sample_weight)


# ----------------------------------------------------------------- estimator API
@parametrize_models
def test_default_construction_and_clone(Model):
    model = Model()
    params = model.get_params()
    assert "cardinality" in params
    assert "random_state" in params
    cloned = clone(Model(random_state=3))
    assert cloned.get_params() == Model(random_state=3).get_params()
    assert repr(model).startswith(Model.__name__)


@parametrize_models
def test_sklearn_parameter_checks(Model):
    name = Model.__name__
    check_no_attributes_set_in_init(name, Model())
    check_get_params_invariance(name, Model())
    check_set_params(name, Model())


@parametrize_models
def test_no_public_attributes_after_init(Model):
    model = Model()
    assert set(vars(model)) == set(model.get_params())
    assert not [a for a in vars(model) if a.endswith("_")]


@parametrize_models
def test_fit_returns_self_and_sets_learned_attributes(Model, data):
    model = Model(random_state=0)
    assert model.fit(data.L) is model
    assert model.n_lfs_in_ == 6
    assert model.cardinality_ == 2
    assert model.lf_names_in_ == [f"lf_{j}" for j in range(6)]
    assert model.classes_ is None
    assert model.class_prior_.shape == (2,)
    np.testing.assert_allclose(model.class_prior_.sum(), 1.0)


@parametrize_models
@pytest.mark.parametrize("method", ["predict_proba", "predict", "score"])
def test_not_fitted_error(Model, data, method):
    model = Model()
    args = (data.L, data.y) if method == "score" else (data.L,)
    with pytest.raises(NotFittedError) as info:
        getattr(model, method)(*args)
    assert isinstance(info.value, sklearn.exceptions.NotFittedError)
    assert str(info.value) == (
        f"This {Model.__name__} instance is not fitted yet. Call 'fit' before"
        f" '{method}'."
    )


@parametrize_models
@pytest.mark.parametrize("k", [2, 3])
def test_predict_proba_rows_are_distributions(Model, data, data3, k):
    d = data if k == 2 else data3
    proba = _fit(Model, d.L).predict_proba(d.L)
    assert proba.shape == (d.L.shape[0], k)
    assert proba.dtype == np.float64
    assert np.isfinite(proba).all()
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@parametrize_models
def test_predict_matches_argmax(Model, data3):
    model = _fit(Model, data3.L)
    proba = model.predict_proba(data3.L)
    pred = model.predict(data3.L, tie_break="lowest")
    assert pred.dtype == np.int64
    top = proba.max(axis=1)
    assert np.all(proba[np.arange(len(pred)), pred] >= top - 1e-10)


@parametrize_models
def test_same_random_state_same_output(Model, data):
    a = _fit(Model, data.L)
    b = _fit(Model, data.L)
    np.testing.assert_array_equal(a.predict_proba(data.L), b.predict_proba(data.L))
    np.testing.assert_array_equal(a.predict(data.L), b.predict(data.L))


@parametrize_models
def test_refit_is_idempotent(Model, data, data3):
    model = _fit(Model, data.L)
    first = model.predict_proba(data.L)
    model.fit(data3.L)
    assert model.cardinality_ == 3
    model.fit(data.L)
    np.testing.assert_allclose(model.predict_proba(data.L), first, atol=1e-12)


@parametrize_models
def test_global_random_state_untouched(Model, data):
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    model = Model(random_state=None).fit(data.L)
    model.predict(data.L)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


@parametrize_models
def test_inputs_unchanged(Model, data):
    L = data.L.copy()
    df = pd.DataFrame(data.L.copy(), columns=[f"f{j}" for j in range(6)])
    df_before = df.copy()
    y = data.y.copy()
    model = _fit(Model, L, y)
    model.predict_proba(L)
    model.score(L, y)
    _fit(Model, df).predict_proba(df)
    np.testing.assert_array_equal(L, data.L)
    np.testing.assert_array_equal(y, data.y)
    pd.testing.assert_frame_equal(df, df_before)


@parametrize_models
def test_predict_does_not_change_the_model(Model, data, data3):
    model = _fit(Model, data.L)
    state = pickle.dumps(model)
    model.predict_proba(data.L[:7])
    model.predict(data.L)
    model.score(data.L, data.y)
    assert pickle.dumps(model) == state


@parametrize_models
def test_wrong_number_of_lfs(Model, data):
    model = _fit(Model, data.L)
    with pytest.raises(ValueError, match=r"5 columns but .* fitted with 6"):
        model.predict_proba(data.L[:, :5])


@parametrize_models
def test_lf_names_must_match(Model, data):
    names = [f"f{j}" for j in range(6)]
    model = _fit(Model, pd.DataFrame(data.L, columns=names))
    assert model.lf_names_in_ == names
    swapped = pd.DataFrame(data.L, columns=names[::-1])
    with pytest.raises(ValueError, match="column 0 is 'f5' instead of 'f0'"):
        model.predict_proba(swapped)
    model.predict_proba(data.L)  # plain arrays carry no names: accepted


@parametrize_models
def test_pickle_round_trip(Model, data):
    model = _fit(Model, data.L)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        restored.predict_proba(data.L), model.predict_proba(data.L)
    )


@parametrize_models
@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_json_and_npz_round_trips_are_exact(Model, data3, tmp_path, suffix):
    model = _fit(Model, data3.L)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    for restored in (load_label_model(path), Model.load(path)):
        assert type(restored) is Model
        assert restored.get_params() == model.get_params()
        np.testing.assert_array_equal(
            restored.predict_proba(data3.L), model.predict_proba(data3.L)
        )
        np.testing.assert_array_equal(restored.predict(data3.L), model.predict(data3.L))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp left
    if suffix == ".npz":  # numeric arrays in binary, read without pickle
        with np.load(path, allow_pickle=False) as z:
            assert "__document__" in z.files
            assert len(z.files) > 1


@parametrize_models
def test_json_round_trip_unfitted(Model, tmp_path):
    path = tmp_path / "model.json"
    Model(random_state=4).save(path)
    restored = load_label_model(path)
    assert restored.get_params() == Model(random_state=4).get_params()
    with pytest.raises(NotFittedError):
        restored.predict_proba(np.zeros((1, 2), dtype=int))


@parametrize_models
def test_save_is_not_pickle(Model, data, tmp_path):
    path = tmp_path / "model.json"
    _fit(Model, data.L).save(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("{")
    assert '"format": "weaklabel.label_model"' in text


@parametrize_models
def test_dataframe_ndarray_sparse_agree(Model, data):
    L = data.L
    reference = _fit(Model, L).predict_proba(L)
    df = pd.DataFrame(L, columns=[f"lf_{j}" for j in range(L.shape[1])])
    S = sp.csr_array(L.astype(np.int64) + 1)
    for variant in (df, S, sp.csr_matrix(S), L.astype(np.int64), L.astype(np.int16)):
        proba = _fit(Model, variant).predict_proba(variant)
        np.testing.assert_allclose(proba, reference, atol=1e-7)


@parametrize_models
def test_classes_from_dataframe_attrs(Model, data):
    df = pd.DataFrame(data.L)
    df.attrs["classes"] = ["ham", "spam", "eggs"]
    model = _fit(Model, df)
    assert model.cardinality_ == 3
    assert model.classes_ == ["ham", "spam", "eggs"]
    assert model.predict_proba(df).shape == (400, 3)
    with pytest.raises(ValueError, match="names 3 classes"):
        Model(cardinality=2).fit(df)


@parametrize_models
def test_cardinality_inferred_and_explicit(Model):
    L = np.array([[0, -1], [-1, 0], [0, 0]])
    assert Model().fit(L).cardinality_ == 2  # at least 2
    assert Model().fit(L, y=[0, 3, -1]).cardinality_ == 4  # from gold
    assert Model(cardinality=5).fit(L).predict_proba(L).shape == (3, 5)


@parametrize_models
def test_all_abstain_rows_get_class_prior(Model, data):
    if Model.__name__ in ABSTAIN_IS_INFORMATIVE:
        pytest.skip(
            "silence is evidence in this model: all-abstain rows get P(y | silence)"
        )
    L = data.L.copy()
    L[:10] = -1
    model = _fit(Model, L)
    proba = model.predict_proba(L[:10])
    np.testing.assert_allclose(proba, np.tile(model.class_prior_, (10, 1)), atol=1e-9)


@parametrize_models
def test_all_abstain_matrix(Model):
    L = np.full((20, 3), -1)
    model = _fit(Model, L)
    proba = model.predict_proba(L)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@parametrize_models
def test_partial_gold_is_accepted(Model, data):
    y = np.where(np.arange(400) < 100, data.y, -1)
    proba = _fit(Model, data.L, y).predict_proba(data.L)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@parametrize_models
@pytest.mark.parametrize("metric", ["accuracy", "f1", "f1_macro", "f1_micro"])
def test_score_metrics(Model, data, metric):
    model = _fit(Model, data.L)
    score = model.score(data.L, data.y, metric=metric)
    assert 0.5 < score <= 1.0
    y = data.y.copy()
    y[::2] = -1  # unknown rows are ignored
    pred = model.predict(data.L)
    known = y >= 0
    if metric == "accuracy":
        assert model.score(data.L, y) == pytest.approx(np.mean(pred[known] == y[known]))


@parametrize_models
def test_score_errors(Model, data, data3):
    model = _fit(Model, data.L)
    with pytest.raises(ValueError, match="metric must be one of"):
        model.score(data.L, data.y, metric="auc")
    with pytest.raises(ValueError, match="no known labels"):
        model.score(data.L, np.full(400, -1))
    with pytest.raises(ValueError, match="f1_macro"):
        _fit(Model, data3.L).score(data3.L, data3.y, metric="f1")


@parametrize_models
def test_tie_break_options(Model):
    L = np.array([[0, 1], [1, 0], [0, 0], [1, 1]] * 5)
    model = _fit(Model, L, cardinality=2)
    proba = model.predict_proba(L)
    tied = np.isclose(proba[:, 0], proba[:, 1])
    lowest = model.predict(L, tie_break="lowest")
    abstain = model.predict(L, tie_break="abstain")
    assert (lowest[tied] == 0).all()
    assert (abstain[tied] == -1).all()
    np.testing.assert_array_equal(abstain[~tied], lowest[~tied])
    np.testing.assert_array_equal(model.predict(L), model.predict(L))
    with pytest.raises(ValueError, match="tie_break must be one of"):
        model.predict(L, tie_break="first")


# ------------------------------------------------------------------- bad inputs
BAD_VOTES = [
    (np.array([[0.0, np.nan], [1.0, 0.0]]), ValueError, "NaN"),
    (np.array([[0.5, 1.0], [1.0, 0.0]]), TypeError, "must contain integers"),
    (np.array([0, 1, 1]), ValueError, "2-D"),
    (np.zeros((0, 3), dtype=int), ValueError, "empty"),
    (np.zeros((3, 0), dtype=int), ValueError, "empty"),
    (np.array([[0, -2], [1, 0]]), ValueError, "-2"),
    (np.array([[True, False]]), TypeError, "booleans"),
    (np.array([["a", "b"]]), TypeError, "integers"),
    (None, TypeError, "got None"),
]


@parametrize_models
@pytest.mark.parametrize(("L", "exc", "match"), BAD_VOTES)
def test_bad_votes_in_fit(Model, L, exc, match):
    with pytest.raises(exc, match=match):
        Model().fit(L)


@parametrize_models
def test_vote_above_cardinality(Model, data):
    with pytest.raises(ValueError, match="contains the vote 2, but cardinality is 2"):
        Model(cardinality=2).fit(np.array([[0, 2], [1, 0]]))
    model = _fit(Model, data.L)
    with pytest.raises(ValueError, match="cardinality is 2"):
        model.predict_proba(np.full((2, 6), 2))


@parametrize_models
def test_bad_gold(Model, data):
    with pytest.raises(ValueError, match="399 labels but L has 400 rows"):
        Model().fit(data.L, data.y[:-1])
    with pytest.raises(ValueError, match="expected class indices"):
        Model(cardinality=2).fit(data.L, np.full(400, 2))
    with pytest.raises(ValueError, match="NaN"):
        Model().fit(data.L, np.full(400, np.nan))


@parametrize_models
def test_bad_common_params(Model, data):
    with pytest.raises(ValueError, match="'cardinality' parameter"):
        Model(cardinality=1).fit(data.L)
    with pytest.raises(TypeError, match="random_state"):
        Model(random_state="seed").fit(data.L)


@parametrize_models
def test_load_errors(Model, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a weaklabel model file"):
        load_label_model(bad)
    bad.write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a weaklabel model file"):
        load_label_model(bad)
    bad.write_text(
        '{"format": "weaklabel.label_model", "format_version": 99, "class": "x",'
        ' "params": {}, "attributes": null}',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="Upgrade weaklabel"):
        load_label_model(bad)
    bad.write_text(
        '{"format": "weaklabel.label_model", "format_version": 1, "class": "Evil",'
        ' "params": {}, "attributes": null}',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not a known label model"):
        load_label_model(bad)
    with pytest.raises(FileNotFoundError):
        load_label_model(tmp_path / "missing.json")
    other = next(c for c in (MajorityVote, DawidSkene) if c is not Model)
    path = tmp_path / "other.json"
    other().save(path)
    with pytest.raises(TypeError, match=f"not a {Model.__name__}"):
        Model.load(path)


def test_a_file_without_a_learned_attribute_says_to_refit(tmp_path):
    path = tmp_path / "m.json"
    LabelModel().fit(np.array([[0, 1], [1, 1], [0, -1]])).save(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["attributes"]["lf_own_vote_"]  # as saved by an older version
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=r"lf_own_vote_.*Refit the model"):
        load_label_model(path)


def test_npz_load_errors(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, a=np.arange(3))
    with pytest.raises(ValueError, match="without a '__document__' member"):
        load_label_model(bad)
    np.savez(bad, __document__=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="never hold pickled objects"):
        load_label_model(bad)
    bad.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ValueError, match="unreadable npz"):
        load_label_model(bad)
    bad.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="neither JSON nor npz"):
        load_label_model(bad)
    # a document that refers to an array the archive does not hold
    path = tmp_path / "m.npz"
    MajorityVote().fit(np.array([[0, 1], [1, 1]])).save(path)
    with np.load(path, allow_pickle=False) as z:
        members = {name: z[name] for name in z.files}
    first = sorted(n for n in members if n != "__document__")[0]
    del members[first]
    np.savez(path, **members)
    with pytest.raises(ValueError, match=f"refers to the array '{first}'"):
        load_label_model(path)


def test_generator_random_state_is_saved_as_none(tmp_path):
    L = make_votes(50, 3, random_state=0).L
    model = DawidSkene(random_state=np.random.default_rng(0)).fit(L)
    model.save(tmp_path / "m.json")
    restored = load_label_model(tmp_path / "m.json")
    assert restored.random_state is None
    np.testing.assert_array_equal(restored.predict_proba(L), model.predict_proba(L))


def test_failed_fit_leaves_the_model_unfitted(monkeypatch):
    L = make_votes(50, 3, random_state=0).L
    model = DawidSkene(random_state=0)

    def boom(*args):
        raise FloatingPointError("boom")

    monkeypatch.setattr(model, "_fit", boom)
    with pytest.raises(FloatingPointError):
        model.fit(L)
    with pytest.raises(NotFittedError):
        model.predict_proba(L)


@parametrize_models
def test_sample_weight_equals_repeated_rows(Model, data):
    P = data.L[:60]
    w = np.arange(60) % 3  # 0, 1, 2 copies
    repeated = np.repeat(P, w, axis=0)
    if "sample_weight" not in inspect.signature(Model._fit).parameters:
        with pytest.raises(TypeError, match="sample_weight"):
            Model().fit(P, sample_weight=w)
        return
    a = _fit(Model, P, sample_weight=w)
    b = _fit(Model, repeated)
    np.testing.assert_allclose(
        a.predict_proba(data.L), b.predict_proba(data.L), atol=1e-7
    )
    np.testing.assert_allclose(a.class_prior_, b.class_prior_, atol=1e-9)


@parametrize_models
def test_bad_sample_weight(Model, data):
    for w, exc in (
        (np.ones(399), ValueError),
        (-np.ones(400), ValueError),
        (np.full(400, np.nan), ValueError),
        (np.zeros(400), ValueError),
        (np.array(["a"] * 400), TypeError),
    ):
        with pytest.raises(exc, match="sample_weight"):
            Model().fit(data.L, sample_weight=w)
