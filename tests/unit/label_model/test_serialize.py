"""Model-file encoding (label_model/_serialize.py): encode / decode round trips.

Load-time validation of tampered files is in test_model_file_validation.py.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from weaklabel import DawidSkene, LabelModel, MajorityVote, make_votes
from weaklabel.label_model import _serialize


def _roundtrip(value):
    """encode -> JSON text -> decode, as save and load do."""
    return _serialize.decode(json.loads(json.dumps(_serialize.encode(value))))


def test_scalars_tuples_and_nested_containers_round_trip():
    value = {
        "a": [1, 2.5, None, True, "x"],
        "t": (1, (2, 3)),
        "n": np.int64(7),
        "b": np.bool_(True),
    }
    back = _roundtrip(value)
    assert back == {"a": [1, 2.5, None, True, "x"], "t": (1, (2, 3)), "n": 7, "b": True}
    assert isinstance(back["t"], tuple)
    assert isinstance(back["t"][1], tuple)


@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_non_finite_floats_round_trip_through_strict_json(x):
    assert _roundtrip(x) == x
    assert math.isnan(_roundtrip(math.nan))


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.bool_]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
    )
)
def test_numeric_arrays_round_trip_bit_exactly(arr):
    back = _roundtrip(arr)
    assert back.dtype == arr.dtype
    assert back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)  # NaNs compare equal here


def test_string_and_object_arrays_round_trip():
    names = np.array(["ham", "spam"])
    back = _roundtrip(names)
    assert back.tolist() == ["ham", "spam"]
    obj = np.empty(2, dtype=object)
    obj[:] = ["a", 3]
    assert _roundtrip(obj).tolist() == ["a", 3]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({"__x": 1}, "key"),
        (np.array([1 + 2j]), "dtype"),
        (object(), "type"),
    ],
)
def test_values_a_model_file_cannot_hold_are_refused(value, match):
    with pytest.raises(TypeError, match=match):
        _serialize.encode(value)


def test_split_arrays_moves_numeric_arrays_out_of_the_document():
    doc = _serialize.encode({"w": np.arange(3.0), "names": np.array(["a", "b"])})
    arrays: dict[str, np.ndarray] = {}
    split = _serialize.split_arrays(doc, arrays)
    assert list(arrays) == ["a0"]
    np.testing.assert_array_equal(arrays["a0"], np.arange(3.0))
    assert split["w"] == {"__npz__": "a0"}
    assert split["names"] == doc["names"]  # strings stay in the document


@pytest.mark.parametrize("cls", [LabelModel, DawidSkene, MajorityVote])
@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_fitted_models_round_trip_bit_exactly(tmp_path, cls, suffix):
    data = make_votes(400, 6, 3, random_state=0)
    gold = np.full(400, -1)
    gold[:40] = data.y[:40]
    model = cls(cardinality=3).fit(data.L, gold)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    back = cls.load(path)
    np.testing.assert_array_equal(
        back.predict_proba(data.L), model.predict_proba(data.L)
    )
    for name in model._saved_attributes:
        _assert_same(getattr(model, name), getattr(back, name), name)


def _assert_same(a, b, name):
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    elif isinstance(a, dict):
        assert sorted(a) == sorted(b), name
        for key in a:
            _assert_same(a[key], b[key], f"{name}[{key!r}]")
    elif isinstance(a, list):
        assert len(a) == len(b), name
        for i, (x, z) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, z, f"{name}[{i}]")
    else:
        assert a == b, name
