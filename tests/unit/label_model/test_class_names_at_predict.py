"""Class names at predict: votes are matched to the model's classes by name.

Issue 11 item 3: a model fitted on ``[ham, spam]`` and applied to votes whose
class list was reordered to ``[spam, ham]`` must read them by name (or refuse
other names), not silently swap the classes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.cli import main
from weaklabel.exceptions import ClassMismatchError, WeakLabelWarning
from weaklabel.io import proba_from_frame, read_soft_labels, write_votes
from weaklabel.label_model import (
    DawidSkene,
    LabelModel,
    MajorityVote,
    OnlineLabelModel,
)
from weaklabel.synthetic import make_votes

MODELS = [MajorityVote, DawidSkene, LabelModel, OnlineLabelModel]


def _frame(L: np.ndarray, classes: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(L, columns=[f"lf{j}" for j in range(L.shape[1])])
    df.attrs["classes"] = list(classes)
    return df


def _relabel(L: np.ndarray, old: list[str], new: list[str]) -> np.ndarray:
    """The same votes written with the class list ``new`` instead of ``old``."""
    table = np.array([new.index(c) for c in old] + [-1])
    out: np.ndarray = table[L]
    return out


@pytest.fixture(scope="module")
def data3():
    return make_votes(300, 6, 3, random_state=3)


@pytest.mark.parametrize("Model", MODELS, ids=lambda m: m.__name__)
def test_reordered_class_list_is_matched_by_name(Model, data3):
    classes = ["ham", "spam", "eggs"]
    model = Model(random_state=0).fit(_frame(data3.L, classes))
    expected = model.predict_proba(_frame(data3.L, classes))
    reordered = ["spam", "eggs", "ham"]
    L2 = _frame(_relabel(data3.L, classes, reordered), reordered)
    np.testing.assert_array_equal(model.predict_proba(L2), expected)
    np.testing.assert_array_equal(
        model.predict(L2), model.predict(_frame(data3.L, classes))
    )


@pytest.mark.parametrize("Model", MODELS, ids=lambda m: m.__name__)
def test_other_class_names_are_refused_with_both_lists(Model, data3):
    model = Model(random_state=0).fit(_frame(data3.L, ["ham", "spam", "eggs"]))
    with pytest.raises(ClassMismatchError) as info:
        model.predict_proba(_frame(data3.L, ["ham", "spam", "bacon"]))
    msg = str(info.value)
    assert "['ham', 'spam', 'bacon']" in msg
    assert "['ham', 'spam', 'eggs']" in msg
    assert isinstance(info.value, ValueError)


def test_more_class_names_than_fitted_are_refused(data3):
    model = MajorityVote().fit(_frame(data3.L, ["a", "b", "c"]))
    with pytest.raises(ClassMismatchError, match="'d'"):
        model.predict(_frame(data3.L, ["a", "b", "c", "d"]))


def test_names_that_cannot_be_compared_warn_once(data3):
    model = MajorityVote().fit(_frame(data3.L, ["a", "b", "c"]))
    with pytest.warns(WeakLabelWarning, match="cannot be checked") as record:
        model.predict_proba(data3.L)
    assert len(record) == 1
    assert "test_class_names_at_predict.py" in record[0].filename
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict_proba(data3.L)  # said once per model
    unnamed = MajorityVote().fit(data3.L)
    with pytest.warns(WeakLabelWarning, match="fitted on votes that named none"):
        unnamed.predict_proba(_frame(data3.L, ["a", "b", "c"]))


def test_no_names_on_either_side_is_silent(data3):
    model = MajorityVote().fit(data3.L)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict_proba(data3.L)


def test_sparse_votes_with_names_are_matched():
    import scipy.sparse as sp

    from weaklabel.label_model._base import remap_votes

    L = np.array([[0, -1, 2], [1, 1, -1]])
    S = sp.csr_array(L + 1)
    from weaklabel._validation import check_votes

    Sv = check_votes(S, accept_sparse=True)
    out = remap_votes(Sv, np.array([2, 0, 1]))
    dense = np.full(L.shape, -1)
    coo = out.tocoo()
    dense[coo.row, coo.col] = coo.data
    np.testing.assert_array_equal(dense, [[2, -1, 1], [0, 0, -1]])


@settings(max_examples=25)
@given(perm=st.permutations(["a", "b", "c", "d"]), seed=st.integers(0, 2**16))
def test_property_any_reordering_of_the_class_list_predicts_the_same(perm, seed):
    classes = ["a", "b", "c", "d"]
    rng = np.random.default_rng(seed)
    L = rng.integers(-1, 4, size=(40, 5))
    model = MajorityVote().fit(_frame(L, classes))
    expected = model.predict_proba(_frame(L, classes))
    got = model.predict_proba(_frame(_relabel(L, classes, list(perm)), list(perm)))
    np.testing.assert_array_equal(got, expected)


def test_cli_predict_matches_class_names(tmp_path, data3):
    classes = ["ham", "spam", "eggs"]
    votes = tmp_path / "votes.parquet"
    write_votes(votes, _frame(data3.L, classes))
    model = tmp_path / "model.json"
    assert main(["fit", "--votes", str(votes), "--out", str(model)]) == 0
    first = tmp_path / "a.csv"
    assert (
        main(
            [
                "predict",
                "--model",
                str(model),
                "--votes",
                str(votes),
                "--out",
                str(first),
            ]
        )
        == 0
    )
    reordered = ["eggs", "ham", "spam"]
    votes2 = tmp_path / "votes2.parquet"
    write_votes(votes2, _frame(_relabel(data3.L, classes, reordered), reordered))
    second = tmp_path / "b.csv"
    assert (
        main(
            [
                "predict",
                "--model",
                str(model),
                "--votes",
                str(votes2),
                "--out",
                str(second),
            ]
        )
        == 0
    )
    a, b = read_soft_labels(first), read_soft_labels(second)
    np.testing.assert_allclose(proba_from_frame(a), proba_from_frame(b))
    votes3 = tmp_path / "votes3.parquet"
    write_votes(votes3, _frame(data3.L, ["ham", "spam", "bacon"]))
    assert (
        main(
            [
                "predict",
                "--model",
                str(model),
                "--votes",
                str(votes3),
                "--out",
                str(tmp_path / "c.csv"),
            ]
        )
        == 1
    )
    assert not (tmp_path / "c.csv").exists()


def test_score_reads_gold_in_the_class_order_of_the_votes(data3):
    classes = ["ham", "spam", "eggs"]
    model = DawidSkene(random_state=0).fit(_frame(data3.L, classes))
    expected = model.score(_frame(data3.L, classes), data3.y)
    reordered = ["eggs", "ham", "spam"]
    y2 = _relabel(data3.y.reshape(-1, 1), classes, reordered).ravel()
    L2 = _frame(_relabel(data3.L, classes, reordered), reordered)
    assert model.score(L2, y2) == expected


def test_partial_fit_reads_a_reordered_chunk_and_its_gold_by_name(data3):
    classes = ["ham", "spam", "eggs"]
    reordered = ["spam", "eggs", "ham"]
    first, rest = slice(0, 150), slice(150, None)
    a = OnlineLabelModel(batch_size=50, random_state=0)
    a.partial_fit(_frame(data3.L[first], classes), data3.y[first])
    a.partial_fit(_frame(data3.L[rest], classes), data3.y[rest])
    b = OnlineLabelModel(batch_size=50, random_state=0)
    b.partial_fit(_frame(data3.L[first], classes), data3.y[first])
    y2 = _relabel(data3.y[rest].reshape(-1, 1), classes, reordered).ravel()
    b.partial_fit(_frame(_relabel(data3.L[rest], classes, reordered), reordered), y2)
    L = _frame(data3.L, classes)
    np.testing.assert_array_equal(a.predict_proba(L), b.predict_proba(L))
