"""How LF outputs are read (issue 11 items 4, 9 and the smaller ones):
a vectorized LF's Series is aligned on the frame's index, a column wins over
the row helpers, an LF cannot change the caller's frame, and messages stay
short."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel import ABSTAIN, LFRegistry
from weaklabel.apply import apply_lfs
from weaklabel.exceptions import LabelingFunctionError
from weaklabel.lf import labeling_function


def _frame(n=10_000):
    return pd.DataFrame({"x": np.arange(n)})


@labeling_function(vectorized=True)
def sorted_parity(df):
    # sorts the frame, then maps: the Series keeps the (sorted) row labels
    ordered = df.sort_values("x", ascending=False)
    return ordered.x.mod(2).map({0: "even", 1: "odd"})


def test_a_series_from_a_sorted_frame_is_aligned_by_label():
    df = _frame()
    L = apply_lfs([sorted_parity], df, classes=["even", "odd"])
    np.testing.assert_array_equal(L["sorted_parity"].to_numpy(), df.x % 2)


def test_arrays_and_lists_are_taken_by_position():
    df = _frame(6).set_axis([50, 40, 30, 20, 10, 0])

    @labeling_function(vectorized=True)
    def as_array(df):
        return (df.x.to_numpy() % 2).astype(int)

    @labeling_function(vectorized=True)
    def as_list(df):
        return [int(v) % 2 for v in df.x]

    L = apply_lfs([as_array, as_list], df, classes=["even", "odd"])
    expected = df.x.to_numpy() % 2
    np.testing.assert_array_equal(L["as_array"].to_numpy(), expected)
    np.testing.assert_array_equal(L["as_list"].to_numpy(), expected)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda df: pd.Series(np.zeros(len(df), dtype=int)), "lacks row labels"),
        (lambda df: df.x.mod(2).iloc[:-1], "lacks row labels of the frame: 1"),
        (
            lambda df: pd.concat([df.x.mod(2), pd.Series([0], index=[999])]),
            "has labels the frame does not have: 1 \\(999\\)",
        ),
        (
            lambda df: df.x.mod(2).set_axis([100, 100, 101, 102]),
            "duplicate labels",
        ),
    ],
)
def test_a_series_with_other_labels_is_an_error_naming_the_lf(make, match):
    df = _frame(4).set_axis([100, 101, 102, 103])
    lf = labeling_function(vectorized=True, name="misaligned")(make)
    with pytest.raises(LabelingFunctionError, match=match) as info:
        apply_lfs([lf], df, classes=["even", "odd"])
    assert info.value.lf_name == "misaligned"
    assert "'misaligned'" in str(info.value)


@settings(max_examples=50)
@given(data=st.data(), n=st.integers(1, 40))
def test_property_alignment_under_any_permutation(data, n):
    labels = data.draw(
        st.lists(st.integers(-1000, 1000), min_size=n, max_size=n, unique=True)
    )
    df = pd.DataFrame(
        {"v": data.draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))},
        index=labels,
    )
    perm = data.draw(st.permutations(range(n)))

    @labeling_function(vectorized=True)
    def shuffled(frame):
        return frame.v.iloc[list(perm)]

    L = apply_lfs([shuffled], df, classes=["a", "b", "c"])
    np.testing.assert_array_equal(L["shuffled"].to_numpy(), df.v.to_numpy())
    assert L.index.equals(df.index)


@pytest.mark.parametrize("column", ["get", "keys", "to_dict"])
def test_a_column_named_like_a_row_helper_wins(column):
    df = pd.DataFrame({column: ["spam", "ham"], "text": ["a", "b"]})

    @labeling_function()
    def by_column(row):
        return getattr(row, column)

    @labeling_function()
    def by_key(row):
        return row[column]

    L = apply_lfs([by_column, by_key], df, classes=["ham", "spam"])
    assert L["by_column"].tolist() == [1, 0]
    assert L["by_key"].tolist() == [1, 0]


def test_row_helpers_still_work_without_such_columns():
    df = pd.DataFrame({"text": ["spam here", "hi"], "n": [1, 2]})

    @labeling_function()
    def helpers(row):
        assert row.keys() == ["text", "n"]
        assert row.to_dict() == {"text": row.text, "n": row.n}
        return "spam" if "spam" in row.get("text", "") else ABSTAIN

    L = apply_lfs([helpers], df, classes=["ham", "spam"])
    assert L["helpers"].tolist() == [1, -1]


def test_a_vectorized_lf_cannot_change_the_callers_frame():
    df = pd.DataFrame({"text": ["a", "b"], "n": [1, 2]})
    before = df.copy()

    @labeling_function(vectorized=True)
    def vandal(frame):
        frame["text"] = "spam"
        frame.loc[0, "n"] = 99
        frame["new"] = 1
        return pd.Series(["spam", "spam"], index=frame.index)

    @labeling_function(vectorized=True)
    def sees(frame):
        assert "new" not in frame.columns
        return np.where(frame.text == "spam", 1, ABSTAIN)

    L = apply_lfs([vandal, sees], df, classes=["ham", "spam"])
    pd.testing.assert_frame_equal(df, before)
    assert L["sees"].tolist() == [-1, -1]


def test_a_dict_output_is_not_repeated_whole_in_the_message():
    df = _frame(5000)

    @labeling_function(vectorized=True)
    def as_dict(frame):
        return {i: "even" for i in frame.index}

    with pytest.raises(LabelingFunctionError) as info:
        apply_lfs([as_dict], df, classes=["even", "odd"])
    assert len(str(info.value)) < 500
    assert "dict" in str(info.value)


def test_registry_apply_aligns_too():
    lfs = LFRegistry(classes=["even", "odd"])
    lfs.add(sorted_parity)
    df = _frame(100)
    L = lfs.apply(df)
    np.testing.assert_array_equal(L["sorted_parity"].to_numpy(), df.x % 2)
