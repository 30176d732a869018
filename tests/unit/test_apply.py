"""Tests of apply_lfs / LFRegistry.apply: the vote matrix and every bad-LF error."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from weaklabel.apply import apply_lfs, read_data
from weaklabel.exceptions import LabelingFunctionError, WeakLabelWarning
from weaklabel.lf import LFRegistry, labeling_function
from weaklabel.typing import ABSTAIN


@pytest.fixture
def df():
    return pd.DataFrame(
        {
            "text": [
                "check out my channel http://x.io",
                "great song",
                "SUBSCRIBE NOW",
                "love it",
                "free gift at www.spam.com",
            ],
            "n": [1, 2, 3, 4, 5],
        },
        index=[10, 11, 12, 13, 14],
    )


def make_registry():
    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text or "www" in row.text else ABSTAIN

    @lfs.labeling_function()
    def short(row):
        return 0 if len(row.text.split()) <= 2 else None

    @lfs.labeling_function(vectorized=True)
    def caps(df):
        return np.where(df.text.str.isupper(), 1, ABSTAIN)

    @lfs.labeling_function(vectorized=True)
    def love(df):
        return df.text.str.contains("love").map({True: "ham", False: None})

    return lfs


def test_apply_returns_int8_frame_with_names_and_index(df):
    lfs = make_registry()
    L = lfs.apply(df)
    assert isinstance(L, pd.DataFrame)
    assert L.shape == (5, 4)
    assert list(L.columns) == ["has_link", "short", "caps", "love"]
    assert (L.dtypes == np.int8).all()
    assert L.index.equals(df.index)
    assert L.attrs["classes"] == ["ham", "spam"]
    expected = np.array(
        [
            [1, -1, -1, -1],
            [-1, 0, -1, -1],
            [-1, 0, 1, -1],
            [-1, 0, -1, 0],
            [1, -1, -1, -1],
        ]
    )
    np.testing.assert_array_equal(L.to_numpy(), expected)


def test_apply_lfs_with_a_list(df):
    @labeling_function
    def idx(row):
        return row.n % 3 - 1

    L = apply_lfs([idx], df, classes=["a", "b"])
    np.testing.assert_array_equal(L["idx"], [0, 1, -1, 0, 1])
    L2 = apply_lfs(idx, df, classes=2)
    assert L2.attrs["classes"] == ["0", "1"]


def test_apply_lfs_needs_classes(df):
    @labeling_function
    def f(row):
        return 0

    with pytest.raises(ValueError, match="classes"):
        apply_lfs([f], df)


def test_rows_support_item_access_and_get():
    frame = pd.DataFrame({"my col": ["a", "b"], "text": ["x", "y"], "_p": [1, 2]})
    seen = []

    @labeling_function
    def f(row):
        seen.append((row["my col"], row.text, row["text"], row.get("_p"), row[1]))
        assert row.keys() == ["my col", "text", "_p"]
        assert row.to_dict()["my col"] == row["my col"]
        assert row.get("missing", 7) == 7
        with pytest.raises(KeyError, match="no column 'missing'"):
            row["missing"]
        return None

    apply_lfs([f], frame, classes=["a", "b"])
    assert seen == [("a", "x", "x", 1, "x"), ("b", "y", "y", 2, "y")]


@pytest.mark.parametrize(
    ("value", "code"),
    [("ham", 0), ("spam", 1), (0, 0), (1, 1), (np.int64(1), 1), (None, -1), (-1, -1)],
)
def test_rowwise_value_mapping(value, code):
    @labeling_function
    def f(row):
        return value

    L = apply_lfs([f], pd.DataFrame({"x": [1, 2]}), classes=["ham", "spam"])
    assert L["f"].tolist() == [code, code]


@pytest.mark.parametrize(
    ("out", "codes"),
    [
        (np.array([0, 1, -1]), [0, 1, -1]),
        (pd.Series(["ham", None, "spam"]), [0, -1, 1]),
        (np.array([1.0, np.nan, 0.0]), [1, -1, 0]),
        (["spam", -1, 0], [1, -1, 0]),
        (pd.Series([1, None, 0], dtype="Int64"), [1, -1, 0]),
        (pd.Categorical(["ham", "spam", None]), [0, 1, -1]),
        (pd.Series(["ham", "spam", np.nan], dtype="str"), [0, 1, -1]),
        (pd.Series([None, None, None], dtype=object), [-1, -1, -1]),
    ],
)
def test_vectorized_value_mapping(out, codes):
    @labeling_function(vectorized=True)
    def f(df):
        return out

    L = apply_lfs([f], pd.DataFrame({"x": [1, 2, 3]}), classes=["ham", "spam"])
    assert L["f"].tolist() == codes


def test_vectorized_series_is_matched_by_label_not_position(df):
    # A Series is aligned on the frame's index (issue 11 item 4): one built
    # with a RangeIndex unlike df's is refused, not read by position.
    @labeling_function(vectorized=True)
    def f(frame):
        return pd.Series([1, 0, 1, 0, 1])  # RangeIndex, unlike df's index

    with pytest.raises(LabelingFunctionError, match="lacks row labels"):
        apply_lfs([f], df, classes=["a", "b"])

    @labeling_function(vectorized=True)
    def g(frame):
        return pd.Series([1, 0, 1, 0, 1], index=frame.index)[::-1]

    assert apply_lfs([g], df, classes=["a", "b"])["g"].tolist() == [1, 0, 1, 0, 1]


def test_pre_and_resources_in_apply(df):
    def lower(row):
        return row._replace(text=row.text.lower())

    def add_len(frame):
        return frame.assign(n_words=frame.text.str.split().str.len())

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function(pre=[lower], resources={"words": ("subscribe",)})
    def word(row, words):
        return "spam" if any(w in row.text for w in words) else None

    @lfs.labeling_function(vectorized=True, pre=[add_len], resources={"limit": 2})
    def few_words(frame, limit):
        return np.where(frame.n_words <= limit, 0, ABSTAIN)

    L = lfs.apply(df)
    assert L["word"].tolist() == [-1, -1, 1, -1, -1]
    assert L["few_words"].tolist() == [-1, 0, 0, 0, -1]
    assert "n_words" not in df.columns


def test_n_jobs_equals_serial(df):
    big = pd.concat([df] * 40, ignore_index=True)
    lfs = make_registry()
    serial = lfs.apply(big)
    parallel = lfs.apply(big, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)


def test_n_jobs_with_lf_from_a_file_loaded_module(tmp_path, df):
    import importlib.util

    src = tmp_path / "my_lfs_xyz.py"
    src.write_text(
        "from weaklabel.lf import LFRegistry\n"
        "WORDS = {'love', 'great'}\n"
        "lfs = LFRegistry(classes=['ham', 'spam'])\n"
        "def helper(text):\n"
        "    return bool(WORDS & set(text.split()))\n"
        "@lfs.labeling_function()\n"
        "def kind(row):\n"
        "    return 'ham' if helper(row.text) else None\n"
    )
    spec = importlib.util.spec_from_file_location("my_lfs_xyz", src)
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules["my_lfs_xyz"] = module
    try:
        spec.loader.exec_module(module)
        big = pd.concat([df] * 10, ignore_index=True)
        serial = module.lfs.apply(big)
        parallel = module.lfs.apply(big, n_jobs=2)
    finally:
        del sys.modules["my_lfs_xyz"]
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial["kind"].tolist()[:5] == [-1, 0, -1, 0, -1]


def test_progress_bar(df, capsys):
    lfs = make_registry()
    quiet = lfs.apply(df)
    assert capsys.readouterr().err == ""
    loud = lfs.apply(df, progress=True)
    assert "Applying 4 LFs" in capsys.readouterr().err
    pd.testing.assert_frame_equal(quiet, loud)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_path_input(tmp_path, df, suffix):
    path = tmp_path / f"data{suffix}"
    flat = df.reset_index(drop=True)
    if suffix == ".parquet":
        flat.to_parquet(path)
    elif suffix == ".csv":
        flat.to_csv(path, index=False)
    else:
        flat.to_json(path, orient="records", lines=True)
    lfs = make_registry()
    expected = lfs.apply(flat)
    pd.testing.assert_frame_equal(lfs.apply(path), expected)
    pd.testing.assert_frame_equal(lfs.apply(str(path)), expected)


def test_parquet_dataset_folder(tmp_path, df):
    folder = tmp_path / "ds"
    folder.mkdir()
    flat = df.reset_index(drop=True)
    flat.iloc[:3].to_parquet(folder / "part-0.parquet", index=False)
    flat.iloc[3:].to_parquet(folder / "part-1.parquet", index=False)
    lfs = make_registry()
    L = lfs.apply(folder)
    # the folder's rows in file order, voted on exactly as the whole frame
    pd.testing.assert_frame_equal(L, lfs.apply(flat))


def test_read_data_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_data(tmp_path / "nope.csv")
    bad = tmp_path / "x.xlsx"
    bad.write_text("x")
    with pytest.raises(ValueError, match="suffix"):
        read_data(bad)
    with pytest.raises(TypeError, match="DataFrame"):
        read_data([1, 2])  # type: ignore[arg-type]


def test_empty_inputs(df):
    lfs = make_registry()
    with pytest.raises(ValueError, match="no rows"):
        lfs.apply(df.iloc[:0])
    with pytest.raises(ValueError, match="empty"):
        LFRegistry(classes=["a", "b"]).apply(df)
    with pytest.raises(ValueError, match="empty"):
        apply_lfs([], df, classes=["a", "b"])


def test_bad_parameters(df):
    lfs = make_registry()
    with pytest.raises(ValueError, match="on_error"):
        lfs.apply(df, on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_jobs"):
        lfs.apply(df, n_jobs=0)
    with pytest.raises(TypeError, match="LabelingFunction"):
        apply_lfs([lambda r: 0], df, classes=["a", "b"])


def test_duplicate_names_in_list(df):
    a = labeling_function(name="same")(lambda r: 0)
    b = labeling_function(name="same")(lambda r: 1)
    with pytest.raises(ValueError, match="unique"):
        apply_lfs([a, b], df, classes=["x", "y"])


# ------------------------------------------------------------------ bad LFs


def test_lf_that_raises_names_lf_row_and_exception(df):
    @labeling_function
    def boom(row):
        if row.n == 3:
            raise ZeroDivisionError("nope")
        return None

    with pytest.raises(LabelingFunctionError) as info:
        apply_lfs([boom], df, classes=["ham", "spam"])
    err = info.value
    assert "'boom'" in str(err)
    assert "row index 12" in str(err)
    assert "ZeroDivisionError: nope" in str(err)
    assert isinstance(err.__cause__, ZeroDivisionError)
    assert err.lf_name == "boom"
    assert err.row == 12


def test_lf_that_raises_in_a_worker(df):
    @labeling_function
    def boom(row):
        if row.n == 4:
            raise KeyError("missing")
        return None

    big = pd.concat([df] * 4)
    with pytest.raises(LabelingFunctionError, match="'boom' raised KeyError") as info:
        apply_lfs([boom], big, classes=["ham", "spam"], n_jobs=2)
    assert info.value.row == 13
    assert isinstance(info.value.__cause__, KeyError)
    # the unfinished joblib generator was closed without a stray warning
    gc.collect()


def test_vectorized_lf_that_raises(df):
    @labeling_function(vectorized=True)
    def broken(frame):
        return frame["nope"]

    with pytest.raises(LabelingFunctionError, match="'broken' \\(vectorized\\)"):
        apply_lfs([broken], df, classes=["ham", "spam"])


def test_on_error_abstain_counts_and_warns_once(df):
    @labeling_function
    def flaky(row):
        if row.n % 2:
            raise ValueError("odd")
        return "spam"

    @labeling_function
    def fine(row):
        return "ham"

    @labeling_function(vectorized=True)
    def broken(frame):
        raise RuntimeError("all")

    with pytest.warns(WeakLabelWarning) as record:
        L = apply_lfs(
            [flaky, fine, broken], df, classes=["ham", "spam"], on_error="abstain"
        )
    assert len(record) == 1
    message = str(record[0].message)
    assert "'flaky' on 3 row(s)" in message
    assert "first: row index 10" in message
    assert "'broken' on 5 row(s)" in message
    assert "'fine'" not in message
    assert L["flaky"].tolist() == [-1, 1, -1, 1, -1]
    assert L["fine"].tolist() == [0] * 5
    assert L["broken"].tolist() == [-1] * 5


def test_on_error_abstain_parallel_counts(df):
    @labeling_function
    def flaky(row):
        if row.n % 2:
            raise ValueError("odd")
        return "spam"

    big = pd.concat([df] * 8, ignore_index=True)
    with pytest.warns(WeakLabelWarning, match="'flaky' on 24 row"):
        serial = apply_lfs([flaky], big, classes=["ham", "spam"], on_error="abstain")
    with pytest.warns(WeakLabelWarning, match="'flaky' on 24 row"):
        parallel = apply_lfs(
            [flaky], big, classes=["ham", "spam"], on_error="abstain", n_jobs=2
        )
    pd.testing.assert_frame_equal(serial, parallel)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("sapm", "'sapm' (str)"),
        (2, "2 (int)"),
        (-2, "-2 (int)"),
        (0.5, "0.5 (float)"),
        (1.0, "1.0 (float)"),
        (True, "True (bool)"),
        (False, "False (bool)"),
        (np.True_, "(bool"),
        ([1], "[1] (list)"),
        (float("nan"), "nan (float)"),
    ],
)
def test_rowwise_bad_values(df, value, shown):
    @labeling_function
    def bad(row):
        return value if row.n == 2 else None

    with pytest.raises(LabelingFunctionError) as info:
        apply_lfs([bad], df, classes=["ham", "spam"])
    message = str(info.value)
    assert "LF 'bad' returned" in message
    assert shown in message
    assert "row index 11" in message
    assert "['ham', 'spam']" in message
    assert "0..1" in message
    assert "ABSTAIN" in message
    assert info.value.row == 11


@pytest.mark.parametrize(
    ("out", "row", "shown"),
    [
        (np.array([0, 1, 2, 0, 0]), 12, "2"),
        (np.array([0, -3, 1, 0, 0]), 11, "-3"),
        (np.array([0.0, 0.5, 1, 0, 0]), 11, "0.5"),
        (np.array([True, False, True, False, True]), 10, "True"),
        (
            pd.Series(["ham", "spam", "eggs", None, None], index=range(10, 15)),
            12,
            "'eggs'",
        ),
        (np.array(["-1", "-1", "-1", "spam", "spam"]), 10, "'-1'"),
        ([0, 1, True, 0, 0], 12, "True"),
        ([1, 0, 1, 0, True], 14, "True"),
    ],
)
def test_vectorized_bad_values(df, out, row, shown):
    @labeling_function(vectorized=True)
    def bad(frame):
        return out

    with pytest.raises(LabelingFunctionError) as info:
        apply_lfs([bad], df, classes=["ham", "spam"])
    message = str(info.value)
    assert "LF 'bad' (vectorized) returned" in message
    assert f"row index {row}" in message
    assert shown in message
    assert "expected a class name in ['ham', 'spam']" in message


@pytest.mark.parametrize(
    ("out", "match"),
    [
        (np.zeros(4, dtype=int), "4 values for 5 rows"),
        (np.zeros((5, 2), dtype=int), r"shape \(5, 2\)"),
        ("spam", "single value"),
        (None, "single value"),
        (pd.DataFrame({"a": [0] * 5}), "DataFrame"),
    ],
)
def test_vectorized_wrong_shape(df, out, match):
    @labeling_function(vectorized=True)
    def bad(frame):
        return out

    with pytest.raises(LabelingFunctionError, match=match) as info:
        apply_lfs([bad], df, classes=["ham", "spam"])
    assert "'bad'" in str(info.value)


def test_bad_value_is_an_error_even_with_on_error_abstain(df):
    @labeling_function
    def bad(row):
        return "eggs"

    with pytest.raises(LabelingFunctionError, match="'eggs'"):
        apply_lfs([bad], df, classes=["ham", "spam"], on_error="abstain")


def test_bad_value_hint_for_string_abstain(df):
    @labeling_function(vectorized=True)
    def bad(frame):
        return np.where(frame.n > 2, "spam", str(ABSTAIN))

    with pytest.raises(LabelingFunctionError, match=r"np\.where"):
        apply_lfs([bad], df, classes=["ham", "spam"])


def test_large_frame_crosses_chunks():
    n = 70_000
    frame = pd.DataFrame({"n": np.arange(n)})

    @labeling_function
    def parity(row):
        return row.n % 2

    @labeling_function
    def late_fail(row):
        if row.n == n - 1:
            raise ValueError("last")
        return None

    L = apply_lfs([parity], frame, classes=["even", "odd"])
    np.testing.assert_array_equal(L["parity"], np.arange(n) % 2)
    with pytest.raises(LabelingFunctionError, match=f"row index {n - 1}"):
        apply_lfs([late_fail], frame, classes=["even", "odd"])


def test_many_classes_dtype():
    frame = pd.DataFrame({"n": np.arange(300)})

    @labeling_function
    def ident(row):
        return row.n

    L = apply_lfs([ident], frame, classes=[f"c{i}" for i in range(300)])
    assert L["ident"].dtype == np.int16
    np.testing.assert_array_equal(L["ident"], np.arange(300))
