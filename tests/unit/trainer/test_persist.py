"""A saved classifier folder is validated on load (issue 11 items 5 and 6)."""

import hashlib
import json
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from weaklabel.exceptions import ModelFileError, WeakLabelError  # noqa: E402
from weaklabel.trainer import (  # noqa: E402
    MLPNet,
    NoiseAwareClassifier,
    _persist,
)
from weaklabel.trainer.modules import BUILTIN_MODULES  # noqa: E402


def make_data(n=60, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    p = 1 / (1 + np.exp(-3 * X[:, 0]))
    return X, np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small MLP classifier saved once; each test edits a copy."""
    X, soft = make_data()
    clf = NoiseAwareClassifier(
        module=MLPNet, lr=1e-3, max_epochs=2, random_state=0, device="cpu"
    ).fit(X, soft)
    folder = tmp_path_factory.mktemp("model")
    clf.save(folder)
    return folder, X, clf.predict_proba(X)


@pytest.fixture
def model(saved, tmp_path):
    folder, X, proba = saved
    for name in ("config.json", "weights.pt"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    return tmp_path, X, proba


def edit_config(folder, change):
    path = folder / "config.json"
    config = json.loads(path.read_text())
    change(config)
    path.write_text(json.dumps(config))


def write_weights(folder, state):
    torch.save(state, folder / "weights.pt")
    digest = hashlib.sha256((folder / "weights.pt").read_bytes()).hexdigest()
    edit_config(folder, lambda c: c.update(weights_sha256=digest))


def load_state(folder):
    return torch.load(folder / "weights.pt", weights_only=True)


def expect_error(folder, file, attribute, match=None):
    with pytest.raises(ModelFileError, match=match) as info:
        NoiseAwareClassifier.load(folder)
    assert info.value.path == str(folder / file)
    assert info.value.attribute == attribute
    assert file in str(info.value)
    return info.value


def test_round_trip_still_exact(model):
    folder, X, proba = model
    np.testing.assert_array_equal(
        NoiseAwareClassifier.load(folder).predict_proba(X), proba
    )


def test_n_classes_must_match_the_weights(model):
    folder, _, _ = model
    edit_config(folder, lambda c: c.update(n_classes_=3))
    expect_error(folder, "config.json", "n_classes_", "n_classes=2 disagrees")


def test_n_classes_with_matching_kwargs_is_caught_by_the_weights(model):
    folder, _, _ = model

    def change(c):
        c["n_classes_"] = 3
        c["module"]["kwargs"]["n_classes"] = 3

    edit_config(folder, change)
    err = expect_error(folder, "weights.pt", "layers.3.bias", r"shape \(2,\).*\(3,\)")
    assert "MLPNet" in str(err)


def test_unknown_module_name_is_named(model):
    folder, _, _ = model
    edit_config(folder, lambda c: c["module"].update(builtin="os"))
    expect_error(folder, "config.json", "module.builtin", "unknown module 'os'")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_features": 4, "n_classes": 2}, "takes the arguments"),
        (
            {
                "n_features": 4,
                "n_classes": 2,
                "hidden_sizes": [8],
                "dropout": 0.2,
                "bias": False,
            },
            "takes the arguments",
        ),
        (
            {"n_features": 4, "n_classes": 2, "hidden_sizes": "128", "dropout": 0.2},
            "hidden_sizes",
        ),
        (
            {"n_features": 4, "n_classes": 2, "hidden_sizes": [-1], "dropout": 0.2},
            "hidden_sizes",
        ),
        (
            {"n_features": 4, "n_classes": 2, "hidden_sizes": [128], "dropout": 1.5},
            "dropout",
        ),
        (
            {"n_features": True, "n_classes": 2, "hidden_sizes": [128], "dropout": 0.2},
            "n_features",
        ),
    ],
)
def test_module_kwargs_are_checked(model, kwargs, match):
    folder, _, _ = model
    edit_config(folder, lambda c: c["module"].update(kwargs=kwargs))
    expect_error(folder, "config.json", "module.kwargs", match)


class SpyMLP(MLPNet):
    built_on: ClassVar[list[str]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        SpyMLP.built_on.append(next(self.parameters()).device.type)


def test_network_is_not_allocated_before_the_weights_are_checked(model, monkeypatch):
    folder, _, _ = model

    def change(c):  # a consistent config asking for a 100000 x 128 layer
        c["n_features_in_"] = 100_000
        c["module"]["kwargs"]["n_features"] = 100_000

    edit_config(folder, change)
    monkeypatch.setitem(BUILTIN_MODULES, "MLPNet", SpyMLP)
    SpyMLP.built_on = []
    expect_error(folder, "weights.pt", "layers.0.weight", r"\(128, 100000\)")
    assert SpyMLP.built_on == ["meta"]


@pytest.mark.parametrize(
    ("edit", "attribute", "match"),
    [
        (
            lambda s: s.update({"layers.0.bias": torch.full((128,), float("nan"))}),
            "layers.0.bias",
            "NaN",
        ),
        (
            lambda s: s.update({"layers.0.bias": torch.zeros(128, dtype=torch.int64)}),
            "layers.0.bias",
            "float",
        ),
        (lambda s: s.update({"extra": torch.zeros(1)}), "extra", "no such tensor"),
        (lambda s: s.pop("layers.3.bias"), "layers.3.bias", "missing"),
    ],
)
def test_weights_are_checked(model, edit, attribute, match):
    folder, _, _ = model
    state = load_state(folder)
    edit(state)
    write_weights(folder, state)
    expect_error(folder, "weights.pt", attribute, match)


def test_weights_that_are_not_a_state_dict(model):
    folder, _, _ = model
    (folder / "weights.pt").write_bytes(b"not a zip file at all")
    digest = hashlib.sha256(b"not a zip file at all").hexdigest()
    edit_config(folder, lambda c: c.update(weights_sha256=digest))
    expect_error(folder, "weights.pt", None, "not a torch state_dict")
    write_weights(folder, [torch.zeros(2)])
    expect_error(folder, "weights.pt", None, "state_dict")


def test_checksum_mismatch(model):
    folder, _, _ = model
    edit_config(folder, lambda c: c.update(weights_sha256="0" * 64))
    expect_error(folder, "weights.pt", "weights_sha256", "checksum differs")


def test_deeply_nested_json_is_refused_without_recursion_error(model):
    folder, _, _ = model
    (folder / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    expect_error(folder, "config.json", None, "nest deeper")


def test_oversized_config_is_not_read(model, monkeypatch):
    folder, _, _ = model
    monkeypatch.setattr(_persist, "MAX_CONFIG_BYTES", 100)
    expect_error(folder, "config.json", None, "bytes")


def test_invalid_json_and_wrong_format(model):
    folder, _, _ = model
    (folder / "config.json").write_bytes(b"\xff{")
    expect_error(folder, "config.json", None, "invalid JSON")
    (folder / "config.json").write_text('{"format": "something else"}')
    expect_error(folder, "config.json", "format", "expected 'weaklabel")


@pytest.mark.parametrize(
    ("change", "attribute", "match"),
    [
        (lambda c: c.pop("n_epochs_"), "n_epochs_", "missing"),
        (lambda c: c.update(n_epochs_=-1), "n_epochs_", ">= 0"),
        (lambda c: c.update(best_epoch_=99), "best_epoch_", "after the last"),
        (lambda c: c.update(history_="x"), "history_", "list"),
        (lambda c: c["params"].update(os="x"), "params.os", "no parameter 'os'"),
        (lambda c: c["params"].update(max_epochs=-1), "params", "max_epochs"),
        (lambda c: c["params"].update(loss="nope"), "params", "loss"),
        (lambda c: c["params"].update(random_state="0"), "params", "random_state"),
        (lambda c: c.update(n_features_in_=0), "n_features_in_", "positive"),
    ],
)
def test_config_fields_are_checked(model, change, attribute, match):
    folder, _, _ = model
    edit_config(folder, change)
    expect_error(folder, "config.json", attribute, match)


def test_old_file_without_self_training_history_loads(model):
    folder, X, proba = model
    edit_config(folder, lambda c: c.pop("self_training_history_"))
    clf = NoiseAwareClassifier.load(folder)
    assert clf.self_training_history_ == []
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


# ------------------------------------------------------------ fuzzing
def leaves(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, (*path, i))
    yield path


json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.lists(st.integers(-3, 200), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzzed_config_loads_and_predicts_or_fails_cleanly(saved, tmp_path, data):
    folder, X, _ = saved
    config = json.loads((folder / "config.json").read_text())
    paths = sorted(leaves(config), key=repr)
    target = data.draw(st.sampled_from(paths), label="path")
    value = data.draw(json_values, label="value")
    if target == ():
        config = value
    else:
        node = config
        for key in target[:-1]:
            node = node[key]
        if data.draw(st.booleans(), label="delete") and isinstance(node, dict):
            node.pop(target[-1])
        else:
            node[target[-1]] = value
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "weights.pt").write_bytes((folder / "weights.pt").read_bytes())
    try:
        clf = NoiseAwareClassifier.load(tmp_path, device="cpu")
    except WeakLabelError as exc:
        assert str(tmp_path) in str(exc)  # noqa: PT017
        return
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 2)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(1), 1.0)


@settings(max_examples=25, deadline=None)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=4
    )
)
def test_fuzzed_weights_load_and_predict_or_fail_cleanly(saved, flips):
    import tempfile
    from pathlib import Path

    folder, X, _ = saved
    raw = bytearray((folder / "weights.pt").read_bytes())
    for pos, xor in flips:
        raw[pos % len(raw)] ^= xor
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "config.json").write_bytes((folder / "config.json").read_bytes())
        (tmp_path / "weights.pt").write_bytes(bytes(raw))
        digest = hashlib.sha256(bytes(raw)).hexdigest()
        edit_config(tmp_path, lambda c: c.update(weights_sha256=digest))
        try:
            clf = NoiseAwareClassifier.load(tmp_path, device="cpu")
        except WeakLabelError as exc:
            assert str(tmp_path) in str(exc)  # noqa: PT017
            return
        try:
            proba = clf.predict_proba(X[:5])
        except WeakLabelError as exc:  # finite but huge weights overflow
            assert "not finite" in str(exc)  # noqa: PT017
            return
        assert np.isfinite(proba).all()
        np.testing.assert_allclose(proba.sum(1), 1.0)


def test_damaged_weights_fail_at_predict_with_a_clear_error(saved, tmp_path):
    """A finite weight flipped to 1e30 overflows: predict says so, never NaN."""
    folder, X, _ = saved
    clf = NoiseAwareClassifier.load(folder, device="cpu")
    with torch.no_grad():
        for weights in clf.module_.parameters():
            weights.fill_(1e30)
    with pytest.raises(WeakLabelError, match=r"not finite for \d+ of 5 rows"):
        clf.predict_proba(X[:5])
    with pytest.raises(WeakLabelError, match="predict: the network's scores"):
        clf.predict(X[:5])


def test_failed_save_keeps_the_old_model(tmp_path, file_size_limit):
    """A save that fails part-way leaves the old folder whole, and no temporary."""
    X, soft = make_data()
    old = NoiseAwareClassifier(max_epochs=2, random_state=0, device="cpu").fit(X, soft)
    folder = old.save(tmp_path / "model")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    new = NoiseAwareClassifier(
        module=MLPNet, max_epochs=2, random_state=1, device="cpu"
    ).fit(X, soft)
    with file_size_limit(2000), pytest.raises((OSError, RuntimeError)):
        new.save(folder)  # the MLP's weights are larger than 2000 bytes
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    again = NoiseAwareClassifier.load(folder)
    np.testing.assert_array_equal(again.predict_proba(X), old.predict_proba(X))


def test_save_refuses_a_folder_it_did_not_write(tmp_path):
    X, soft = make_data()
    clf = NoiseAwareClassifier(max_epochs=1, random_state=0, device="cpu").fit(X, soft)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"overwrite|another"):
        clf.save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
