"""Model files are data: every learned array is checked on load, sizes are
checked before anything is allocated, and a damaged file fails with a
ModelFileError naming the file and the attribute (issue 11 items 5 and 6)."""

from __future__ import annotations

import json
import math
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weaklabel.cli import main
from weaklabel.exceptions import (
    ModelFileError,
    NotFittedError,
    WeakLabelError,
    WeakLabelWarning,
)
from weaklabel.label_model import (
    DawidSkene,
    LabelModel,
    MajorityVote,
    OnlineLabelModel,
    load_label_model,
)
from weaklabel.synthetic import make_votes

DATA = make_votes(300, 5, 2, random_state=0)
# LF 4 copies LF 3, so the generative model saves a clique
L_COPY = DATA.L.copy()
L_COPY[:, 4] = L_COPY[:, 3]
# three-class crowd-like votes with a clique: the default fits both layouts
# (accuracy_layout_) and averages them
L_CROWD = make_votes(300, 5, 3, random_state=0).L.copy()
L_CROWD[:, 4] = L_CROWD[:, 3]


def _fitted():
    return {
        "MajorityVote": MajorityVote().fit(DATA.L, DATA.y),
        "DawidSkene": DawidSkene().fit(DATA.L),
        "LabelModel": LabelModel(mv_anchor=True, mv_anchor_ties="bound").fit(L_COPY),
        "LabelModelAccuracy": LabelModel(parametrization="accuracy").fit(L_COPY),
        "LabelModelBlend": LabelModel().fit(L_CROWD),
        "OnlineLabelModel": OnlineLabelModel(batch_size=100).fit(DATA.L),
    }


MODELS = _fitted()
DOCS = {}
for _name, _model in MODELS.items():
    DOCS[_name] = _model._to_document()


def _votes(name):
    if name == "LabelModelBlend":
        return L_CROWD
    return L_COPY if name.startswith("LabelModel") else DATA.L


def _write(tmp_path, doc, name="model.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _edit(name, attribute, value):
    doc = json.loads(json.dumps(DOCS[name]))
    doc["attributes"][attribute] = value
    return doc


def _array(values, dtype="<f8"):
    arr = np.asarray(values)
    return {
        "__ndarray__": arr.ravel().tolist(),
        "dtype": dtype,
        "shape": list(arr.shape),
    }


def _fails(path, attribute):
    with pytest.raises(ModelFileError) as info:
        load_label_model(path)
    assert str(path) in str(info.value)
    assert info.value.path == str(path)
    if attribute is not None:
        assert repr(attribute) in str(info.value)
        assert info.value.attribute == attribute
    return info.value


@pytest.mark.parametrize("name", list(DOCS))
def test_saved_models_load_and_predict_the_same(tmp_path, name):
    model = MODELS[name]
    for suffix in ("json", "npz"):
        path = tmp_path / f"m.{suffix}"
        model.save(path)
        loaded = load_label_model(path)
        L = _votes(name)
        np.testing.assert_array_equal(loaded.predict_proba(L), model.predict_proba(L))


@pytest.mark.parametrize(
    ("name", "attribute", "value"),
    [
        ("MajorityVote", "class_prior_", _array([-0.5, 1.5])),
        ("MajorityVote", "class_prior_", _array([0.2, 0.2])),
        ("LabelModel", "class_prior_", _array([-0.5, 1.5])),
        ("LabelModel", "class_prior_", _array([math.nan, 0.5])),
        ("DawidSkene", "lf_confusion_", _array(np.full((5, 2, 3), 1 / 3))),
        ("DawidSkene", "lf_accuracy_", _array([0.9, 0.9])),
        ("DawidSkene", "cardinality_", 3),
        ("LabelModel", "lf_polarity_", _array([7, 0, 1, 0, 1], "<i8")),
        ("LabelModel", "lf_polarity_", _array([0.0, 0, 1, 0, 1])),
        ("LabelModel", "lf_fire_rate_", _array(np.full((5, 2), 1.5))),
        ("LabelModel", "cliques_", [{"__tuple__": [3, 9]}]),
        ("LabelModel", "clique_codes_", [_array([5, 1, 3, 2], "<i8")]),
        ("LabelModel", "anchor_table_", _array(np.full((3, 2), 0.9))),
        ("LabelModel", "mv_anchor_ties_", "sometimes"),
        ("LabelModel", "n_lfs_in_", 6),
        ("LabelModel", "lf_names_in_", ["a", "a", "b", "c", "d"]),
        ("LabelModel", "classes_", ["ham"]),
        ("LabelModel", "converged_", "yes"),
        ("OnlineLabelModel", "vote_proba_", _array(np.full((5, 2, 3), 0.5))),
        ("OnlineLabelModel", "stats_prior_", _array([math.inf, 1.0])),
        ("OnlineLabelModel", "n_batches_seen_", -1),
    ],
)
def test_tampered_learned_attributes_are_refused(tmp_path, name, attribute, value):
    path = _write(tmp_path, _edit(name, attribute, value))
    if attribute in ("n_lfs_in_", "cardinality_"):
        _fails(path, None)  # the first array that no longer fits is named
    else:
        _fails(path, attribute)


def test_the_blended_model_saves_its_accuracy_layout():
    tables = MODELS["LabelModelBlend"].accuracy_layout_
    assert tables is not None
    assert len(tables["clique_tables_"]) == 1  # the copied LF's clique
    assert DOCS["LabelModelBlend"]["attributes"]["accuracy_layout_"] is not None
    assert DOCS["LabelModelBlend"]["attributes"]["mace_layout_"] is not None
    assert DOCS["LabelModel"]["attributes"]["accuracy_layout_"] is None
    assert DOCS["LabelModel"]["attributes"]["mace_layout_"] is None


@pytest.mark.parametrize(
    ("key", "value", "attribute"),
    [
        ("lf_fire_rate_", _array(np.full((5, 3), 1.5)), "lf_fire_rate_"),
        ("lf_fire_rate_", _array(np.full((5, 2), 0.5)), "lf_fire_rate_"),
        ("class_prior_", _array([0.5, 0.5, 0.5]), "class_prior_"),
        ("lf_propensity_", _array(np.full((5, 3), 0.5)), "lf_propensity_"),
        ("lf_own_vote_", None, "lf_own_vote_"),
        ("anchor_table_", _array(np.full((4, 3), 0.25)), "anchor_table_"),
        ("clique_tables_", [], "clique_tables_"),
        ("clique_tables_", [_array(np.full((3, 3), 0.1))], "clique_tables_"),
    ],
)
def test_tampered_accuracy_layout_is_refused(tmp_path, key, value, attribute):
    doc = json.loads(json.dumps(DOCS["LabelModelBlend"]))
    doc["attributes"]["accuracy_layout_"][key] = value
    _fails(_write(tmp_path, doc), f"accuracy_layout_[{attribute!r}]")


@pytest.mark.parametrize("value", [[1, 2], {"class_prior_": _array([1.0, 0, 0])}])
@pytest.mark.parametrize("attribute", ["accuracy_layout_", "mace_layout_"])
def test_a_companion_layout_of_the_wrong_form_is_refused(tmp_path, value, attribute):
    path = _write(tmp_path, _edit("LabelModelBlend", attribute, value))
    _fails(path, attribute)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("lf_competence_", _array(np.full(5, 1.5))),
        ("lf_competence_", _array(np.full(4, 0.5))),
        ("lf_spam_", _array(np.full((5, 3), 0.5))),
        ("lf_spam_", _array(np.full((5, 2), 0.5))),
        ("lf_spam_", None),
    ],
)
def test_tampered_mace_layout_is_refused(tmp_path, key, value):
    doc = json.loads(json.dumps(DOCS["LabelModelBlend"]))
    doc["attributes"]["mace_layout_"][key] = value
    _fails(_write(tmp_path, doc), f"mace_layout_[{key!r}]")


def test_a_file_without_accuracy_layout_loads_as_the_confusion_rows_alone(tmp_path):
    """Files written before the averaged layouts predict as they did."""
    doc = json.loads(json.dumps(DOCS["LabelModelBlend"]))
    del doc["attributes"]["accuracy_layout_"]
    del doc["attributes"]["mace_layout_"]
    loaded = load_label_model(_write(tmp_path, doc))
    assert loaded.accuracy_layout_ is None
    assert loaded.mace_layout_ is None
    alone = LabelModel(parametrization="confusion").fit(L_CROWD)
    np.testing.assert_allclose(
        loaded.predict_proba(L_CROWD), alone.predict_proba(L_CROWD), atol=1e-9
    )


def test_tampered_file_gives_one_line_at_the_cli(tmp_path, capsys):
    path = _write(tmp_path, _edit("MajorityVote", "class_prior_", _array([-0.5, 1.5])))
    votes = tmp_path / "votes.csv"
    from weaklabel.io import write_votes

    write_votes(votes, DATA.L)
    out = tmp_path / "soft.csv"
    code = main(
        ["predict", "--model", str(path), "--votes", str(votes), "--out", str(out)]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "class_prior_" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_params_are_refused(tmp_path):
    doc = json.loads(json.dumps(DOCS["LabelModel"]))
    doc["params"]["clique_prior"] = "much"
    _fails(_write(tmp_path, doc), "params")
    doc["params"]["clique_prior"] = 10.0
    doc["params"]["random_state"] = {"seed": 1}
    _fails(_write(tmp_path, doc), "params")


def test_a_subarray_dtype_is_refused_before_allocating(tmp_path):
    doc = _edit(
        "MajorityVote",
        "class_prior_",
        {"__ndarray__": [0.5, 0.5], "dtype": "(10000,10000)f8", "shape": [2]},
    )
    path = _write(tmp_path, doc)
    assert path.stat().st_size < 4096
    tracemalloc.start()
    try:
        _fails(path, "class_prior_")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


@pytest.mark.parametrize(
    "array",
    [
        {"__ndarray__": [0.5, 0.5], "dtype": "<f8", "shape": [100000, 100000]},
        {"__ndarray__": [0.5, 0.5], "dtype": "<f8", "shape": [-2, -1]},
        {"__ndarray__": [0.5, 0.5], "dtype": "V8", "shape": [2]},
        {"__ndarray__": [0.5, 0.5], "dtype": ["<f8"], "shape": [2]},
        {"__ndarray__": ["a", 0.5], "dtype": "<f8", "shape": [2]},
        {"__ndarray__": [[0.5], 0.5], "dtype": "<f8", "shape": [2]},
        {"__ndarray__": [0.5, 2**80], "dtype": "<i8", "shape": [2]},
        {"__float__": "__import__('os')"},
        {"__npz__": "a0"},
    ],
)
def test_malformed_arrays_are_refused(tmp_path, array):
    _fails(
        _write(tmp_path, _edit("MajorityVote", "class_prior_", array)), "class_prior_"
    )


def test_deep_nesting_is_refused_cleanly(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    err = _fails(path, None)
    assert "nest" in str(err)
    doc = json.loads(json.dumps(DOCS["MajorityVote"]))
    doc["params"]["cardinality"] = json.loads("[" * 200 + "]" * 200)
    err = _fails(_write(tmp_path, doc), None)
    assert "nest" in str(err)


def test_npz_reads_only_the_members_it_knows(tmp_path):
    path = tmp_path / "m.npz"
    MODELS["DawidSkene"].save(path)
    # an unused 32 MB member
    with zipfile.ZipFile(path, "a") as zf, zf.open("unused.npy", "w") as fh:
        np.lib.format.write_array(fh, np.zeros(4 * 2**20))
    tracemalloc.start()
    try:
        model = load_label_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
    np.testing.assert_array_equal(
        model.predict_proba(DATA.L), MODELS["DawidSkene"].predict_proba(DATA.L)
    )


def test_npz_member_whose_header_declares_more_than_it_holds(tmp_path):
    path = tmp_path / "m.npz"
    MODELS["MajorityVote"].save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in members if n != "__document__.npy")
    header = members[name]
    old = b"'shape': (2,)"
    assert old in header
    # the same header length (its padding absorbs the longer shape), tiny data
    grown = header.replace(old, b"'shape': (99999999,)")
    extra = len(grown) - len(header)
    end = grown.index(b"\n")
    members[name] = grown[: end - extra] + grown[end:]
    assert len(members[name]) == len(header)
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    err = _fails(bad, None)
    assert "bytes" in str(err) or "unreadable" in str(err)


# ------------------------------------------------------------------ fuzzing


def _paths(doc, prefix=()):
    """Every path to a value inside the document's attributes and params."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _set(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["nan", "inf", "-inf", "", "lf_0", "<f8", "object", "abstain"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=6), inner, max_size=3),
    ),
    max_leaves=8,
)


def _mutation(doc, data):
    paths = [p for p in _paths(doc) if p[0] in ("attributes", "params")]
    path = data.draw(st.sampled_from(paths))
    current = _get(doc, path)
    how = data.draw(st.sampled_from(["replace", "scale", "shift", "drop"]))
    if how == "drop" and isinstance(current, (list, dict)) and len(current):
        key = data.draw(
            st.sampled_from(
                list(range(len(current)))
                if isinstance(current, list)
                else list(current)
            )
        )
        del current[key]
        return
    if how in ("scale", "shift") and type(current) in (int, float):
        factor = data.draw(st.sampled_from([-1.0, 0.0, 0.5, 2.0, 1e300]))
        _set(doc, path, current * factor if how == "scale" else current + factor)
        return
    _set(doc, path, data.draw(_VALUES))


def _check_outcome(path, name):
    """Loads and predicts probabilities, or fails with a WeakLabelError (a
    ModelFileError naming the file when the load fails); nothing else."""
    failure = None
    try:
        model = load_label_model(path)
        L = _votes(name)
        with warnings.catch_warnings():
            # a mutation may give a model class names that the plain array of
            # votes lacks: a valid model, and the warning that says so is right
            warnings.filterwarnings(
                "ignore", ".*was fitted on the classes", WeakLabelWarning
            )
            proba = model.predict_proba(L)
    except WeakLabelError as exc:
        failure = exc
    if failure is None:
        assert np.isfinite(proba).all()
        assert (proba >= 0).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    elif isinstance(failure, ModelFileError):
        assert str(path) in str(failure)
    elif isinstance(failure, NotFittedError):  # "attributes": null: unfitted
        assert model.__sklearn_is_fitted__() is False
    else:  # the last line of defence behind the checks of the file
        assert "not probabilities" in str(failure)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(list(DOCS)), data=st.data())
def test_fuzz_mutated_json_loads_validly_or_fails_naming_the_file(tmp_path, name, data):
    doc = json.loads(json.dumps(DOCS[name]))
    for _ in range(data.draw(st.integers(1, 3))):
        _mutation(doc, data)
    _check_outcome(_write(tmp_path, doc), name)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(list(DOCS)), data=st.data())
def test_fuzz_mutated_npz_loads_validly_or_fails_naming_the_file(tmp_path, name, data):
    from weaklabel.label_model import _serialize

    path = tmp_path / "m.npz"
    if data.draw(st.booleans()):
        # a mutated document, written as an archive
        doc = json.loads(json.dumps(DOCS[name]))
        _mutation(doc, data)
        try:
            _serialize.write_model_document(path, doc)
        except (TypeError, ValueError, KeyError):
            return  # the mutation is not even writable as an archive
    else:
        # flipped bytes in a valid archive
        MODELS[name].save(path)
        raw = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
        path.write_bytes(bytes(raw))
    _check_outcome(path, name)


@pytest.mark.parametrize("name", ["OnlineLabelModel", "LabelModel"])
def test_npz_needing_an_unknown_zip_version_fails_naming_the_file(tmp_path, name):
    """zipfile raises NotImplementedError for it (found by the fuzz test)."""
    path = tmp_path / "m.npz"
    MODELS[name].save(path)
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")  # the first central directory entry
    raw[central + 6] = 64  # "version needed to extract": 6.4
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="unreadable npz") as info:
        load_label_model(path)
    assert str(path) in str(info.value)
