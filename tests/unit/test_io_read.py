"""Reading data tables and gold labels: ``weaklabel.io.read_table`` / ``read_gold``."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.exceptions import WeakLabelWarning
from weaklabel.io import (
    DATA_FORMATS,
    gold_indices,
    read_data,
    read_gold,
    read_table,
    table_format,
)

# The UCI SMS spam file as a user saves it: tab-separated with a header, and
# messages that start with a double quote (which a CSV reader takes as the
# start of a quoted cell, swallowing the next lines).
SMS_TSV = (
    "label\ttext\n"
    "ham\tGo until jurong point\n"
    'spam\t"FREE entry in 2 a wkly comp\n'
    "ham\tOk lar... Joking wif u oni\n"
    'ham\t"Hey" she said, "see you"\n'
    "spam\tWINNER!! call 09061701461\n"
    'ham\tI said "yes\n'
)


def test_tsv_is_read_without_quote_processing(tmp_path: Path) -> None:
    path = tmp_path / "sms.tsv"
    path.write_text(SMS_TSV, encoding="utf-8")
    df = read_table(path)
    assert len(df) == 6
    assert df["label"].tolist() == ["ham", "spam", "ham", "ham", "spam", "ham"]
    assert df["text"].tolist() == [
        "Go until jurong point",
        '"FREE entry in 2 a wkly comp',
        "Ok lar... Joking wif u oni",
        '"Hey" she said, "see you"',
        "WINNER!! call 09061701461",
        'I said "yes',
    ]


def test_tsv_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "sms.TSV"
    path.write_text(SMS_TSV, encoding="utf-8")
    assert len(read_table(path)) == 6
    assert table_format(path) == "tsv"


@pytest.mark.parametrize(("sep", "suffix"), [(",", ".csv"), ("\t", ".tsv")])
def test_text_cells_stay_text_by_default(tmp_path: Path, sep: str, suffix: str) -> None:
    rows = [["NA", "1", "x"], ["None", "", "y"], ["null", "3", ""], ["", "4", "N/A"]]
    text = sep.join(["text", "stars", "note"]) + "\n"
    text += "".join(sep.join(r) + "\n" for r in rows)
    path = tmp_path / f"data{suffix}"
    path.write_text(text)
    df = read_table(path)
    assert df["text"].tolist() == ["NA", "None", "null", ""]
    assert df["note"].tolist() == ["x", "y", "", "N/A"]
    # a row-wise LF can call string methods on every text cell
    assert [t.lower() for t in df["text"]] == ["na", "none", "null", ""]
    # numbers are still numbers, an empty number cell is missing
    assert df["stars"].dtype == np.float64
    np.testing.assert_array_equal(df["stars"].to_numpy(), [1.0, np.nan, 3.0, 4.0])


def test_a_column_of_missing_spellings_only_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text,n\nNA,1\nnull,2\n,3\n")
    df = read_table(path)
    assert df["text"].tolist() == ["NA", "null", ""]
    assert df["n"].tolist() == [1, 2, 3]


def test_text_na_opts_back_into_pandas_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text,n\nNA,1\nnull,2\n,3\nok,4\n")
    df = read_table(path, text_na=True)
    assert df["text"].isna().tolist() == [True, True, True, False]
    pd.testing.assert_frame_equal(df, pd.read_csv(path))


def test_duplicate_column_names_keep_their_own_text(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,a,b\nNA,x,1\n,null,2\n")
    df = read_table(path)
    assert df.iloc[:, 0].tolist() == ["NA", ""]
    assert df.iloc[:, 1].tolist() == ["x", "null"]
    assert df.iloc[:, 2].tolist() == [1, 2]


def test_a_stray_quote_that_merges_rows_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "sms.csv"
    path.write_text('label,text\nham,"hi\nspam,call now\nham,ok"\nham,bye\n')
    with pytest.warns(WeakLabelWarning, match=r"4 lines after the header but 2 rows"):
        df = read_table(path)
    assert len(df) == 2


def test_a_consistent_csv_does_not_warn(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    pd.DataFrame({"text": ["a, b", 'say "hi"', ""], "n": [1, 2, 3]}).to_csv(
        path, index=False
    )
    path.write_text(path.read_text() + "\n\n")  # blank lines are not rows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = read_table(path)
    assert df["text"].tolist() == ["a, b", 'say "hi"', ""]


def test_read_data_passes_frames_through_and_is_the_apply_one() -> None:
    import weaklabel.apply
    import weaklabel.cli

    frame = pd.DataFrame({"text": ["a"]})
    assert read_data(frame) is frame
    assert weaklabel.apply.read_data is read_data
    assert weaklabel.cli.read_table is read_table
    with pytest.raises(TypeError, match="DataFrame or the path"):
        read_data([1, 2])  # type: ignore[arg-type]


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(ValueError, match=r"suffix '\.xlsx'.*\.csv, \.tsv"):
        read_table(tmp_path / "data.xlsx")
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        read_table(tmp_path / "nope.csv")


def test_a_folder_is_a_parquet_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    pd.DataFrame({"text": ["a", "NA"]}).to_parquet(folder / "part.0.parquet")
    assert table_format(folder) == "parquet"
    assert read_table(folder)["text"].tolist() == ["a", "NA"]


def test_the_one_suffix_table_covers_every_reader() -> None:
    assert set(DATA_FORMATS.values()) == {"csv", "tsv", "parquet", "jsonl"}


# ------------------------------------------------------------------------- gold


def test_read_gold_names_indices_and_unknowns(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text("label\nspam\n\nham\n-1\n1\nNA\n\n\n")
    got = read_gold(path, n_rows=6, classes=["ham", "spam"])
    assert got.tolist() == [1, -1, 0, -1, 1, -1]
    with pytest.raises(ValueError, match="has 8 rows but the votes file has 9"):
        read_gold(path, n_rows=9, classes=["ham", "spam"])
    with pytest.raises(ValueError, match="no column 'y'"):
        read_gold(path, column="y")


def test_gold_in_a_tsv_with_quotes(tmp_path: Path) -> None:
    path = tmp_path / "gold.tsv"
    path.write_text('text\tlabel\n"hi\tspam\nok\t\n')
    assert read_gold(path, classes=["ham", "spam"]).tolist() == [1, -1]


def test_gold_indices_rejects_what_is_not_a_class() -> None:
    with pytest.raises(ValueError, match=r"Gold label 'hamm'.*data row 2"):
        gold_indices(pd.Series(["ham", "hamm"], name="label"), ["ham", "spam"])


@pytest.mark.parametrize("suffix", ["csv", "tsv"])
def test_a_line_of_blanks_is_a_row_in_a_one_column_file(
    tmp_path: Path, suffix: str
) -> None:
    """pandas skips it as a blank line; it is a text cell (found by the property)."""
    path = tmp_path / f"data.{suffix}"
    path.write_text("text\r\nanchor text\r\n \r\n\r\nlast\r\n", encoding="utf-8")
    # the empty line is skipped (as pandas does), the line of one blank is not
    assert read_table(path)["text"].tolist() == ["anchor text", " ", "last"]


@pytest.mark.parametrize("suffix", ["csv", "tsv"])
def test_a_line_of_blanks_in_a_file_of_several_columns_is_reported(
    tmp_path: Path, suffix: str
) -> None:
    """pandas skips it as a blank line: the rows after it shift, so say so."""
    sep = "," if suffix == "csv" else "\t"
    path = tmp_path / f"data.{suffix}"
    path.write_text(f"n{sep}text\n1{sep}a\n   \n\n2{sep}b\n", encoding="utf-8")
    with pytest.warns(WeakLabelWarning, match=r"1 line \(line 3\) holds only blanks"):
        df = read_table(path)
    assert df["text"].tolist() == ["a", "b"]


def test_a_line_of_blanks_inside_a_quoted_cell_is_no_skipped_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data.csv"
    path.write_text('n,text\n1,"first\n   \nthird"\n2,b\n', encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # the multi-line cell warns; not this
        df = read_table(path)
    assert not any("only blanks" in str(w.message) for w in caught)
    assert df["text"].tolist() == ["first\n   \nthird", "b"]


# ----------------------------------------------------------------- properties

_MISSING = st.sampled_from(["", "NA", "N/A", "None", "null", "NaN", "nan", "<NA>"])
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.one_of(_MISSING, _TEXT), min_size=1, max_size=12))
def test_csv_text_round_trips_exactly(tmp_path_factory, cells: list[str]) -> None:
    path = tmp_path_factory.mktemp("rt") / "data.csv"
    values = ["anchor text", *cells]  # one value that is no number keeps it text
    pd.DataFrame({"text": values}).to_csv(path, index=False, lineterminator="\r\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeakLabelWarning)  # multi-line cells
        df = read_table(path)
    assert df["text"].tolist() == values


_TSV_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x00\t\r\n"
    ),
    max_size=12,
).filter(lambda t: t.strip() != "")


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.one_of(_MISSING, _TSV_TEXT), min_size=1, max_size=12))
def test_tsv_lines_are_rows_verbatim(tmp_path_factory, cells: list[str]) -> None:
    path = tmp_path_factory.mktemp("rt") / "data.tsv"
    values = ["anchor text", *cells]  # one value that is no number keeps it text
    body = "".join(f"{i}\t{c}\n" for i, c in enumerate(values))
    path.write_text("n\ttext\n" + body, encoding="utf-8")
    df = read_table(path)
    assert df["n"].tolist() == list(range(len(values)))
    assert df["text"].tolist() == values
