import json

import numpy as np
import pandas as pd
import pytest

from weaklabel.datasets import (
    YOUTUBE_CLASSES,
    YOUTUBE_FILES,
    WrenchSplit,
    load_wrench,
    load_youtube,
)


def test_load_youtube_all_rows_and_columns():
    df = load_youtube()
    assert df.shape == (1956, 6)
    assert list(df.columns) == [
        "comment_id",
        "author",
        "date",
        "text",
        "label",
        "video",
    ]
    assert df["label"].dtype == np.int64
    assert set(df["label"]) == {0, 1}
    assert df["label"].sum() == 1005
    assert isinstance(df.index, pd.RangeIndex)
    assert df["video"].value_counts().to_dict() == {
        "Eminem": 448,
        "LMFAO": 438,
        "Shakira": 370,
        "Psy": 350,
        "KatyPerry": 350,
    }
    assert df["date"].isna().sum() == 245
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert YOUTUBE_CLASSES == ("ham", "spam")


def test_load_youtube_splits():
    train, test = load_youtube("train"), load_youtube("test")
    assert len(train) == 1586
    assert len(test) == 370
    assert set(test["video"]) == {"Shakira"}
    assert "Shakira" not in set(train["video"])
    full = load_youtube()
    pd.testing.assert_frame_equal(pd.concat([train, test], ignore_index=True), full)


def test_load_youtube_text_is_unmodified():
    df = load_youtube()
    first = df.iloc[0]
    assert first["text"] == "Huh, anyway check out this you[tube] channel: kobyoshi02"
    assert first["comment_id"] == "LZQPQhLyRh80UYxNuaDWhIGQYNQ96IuCg-AYWqNPjpU"
    # trailing byte-order marks are kept as in the files
    assert df["text"].str.endswith("\ufeff").sum() > 1000


def test_load_youtube_bad_split():
    with pytest.raises(ValueError, match="'split' parameter of load_youtube"):
        load_youtube("valid")


def test_youtube_files_are_bundled():
    from importlib import resources

    folder = resources.files("weaklabel").joinpath("data", "youtube")
    for name in [*YOUTUBE_FILES.values(), "ATTRIBUTION.md"]:
        assert folder.joinpath(name).is_file()
    text = folder.joinpath("ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text
    assert "TubeSpam" in text


def _write_wrench(folder, split, entries, *, labels=None, readme=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{split}.json").write_text(json.dumps(entries), encoding="utf-8")
    if labels is not None:
        (folder / "label.json").write_text(json.dumps(labels), encoding="utf-8")
    if readme is not None:
        (folder / "readme.txt").write_text(readme, encoding="utf-8")


def test_load_wrench_reads_votes_labels_data(tmp_path):
    entries = {
        "10": {"label": 1, "weak_labels": [1, -1, 0], "data": {"text": "b", "n": 2}},
        "2": {"label": 0, "weak_labels": [-1, -1, 0], "data": {"text": "a", "n": 1}},
        "3": {"label": None, "weak_labels": [0, 1, -1], "data": {"text": "c", "n": 3}},
    }
    readme = "Demo\n\nLabeling functions list:\n\n    lf_a,\n    lf_b,\n    lf_c,\n\nmore text\n"
    _write_wrench(
        tmp_path, "train", entries, labels={"0": "HAM", "1": "SPAM"}, readme=readme
    )
    ds = load_wrench(tmp_path, "train")
    assert isinstance(ds, WrenchSplit)
    # rows sorted by numeric id
    assert list(ds.ids) == ["2", "3", "10"]
    np.testing.assert_array_equal(ds.L, [[-1, -1, 0], [0, 1, -1], [1, -1, 0]])
    np.testing.assert_array_equal(ds.y, [0, -1, 1])
    assert ds.classes == ("HAM", "SPAM")
    assert ds.lf_names == ("lf_a", "lf_b", "lf_c")
    assert list(ds.texts) == ["a", "c", "b"]
    assert list(ds.data["n"]) == [1, 3, 2]


def test_load_wrench_without_label_json_or_names(tmp_path):
    entries = {"0": {"label": 2, "weak_labels": [1, -1], "data": {"x": 1}}}
    _write_wrench(tmp_path, "test", entries, readme="no list here")
    ds = load_wrench(str(tmp_path), "test")
    assert ds.classes == ("0", "1", "2")
    assert ds.lf_names is None
    with pytest.raises(ValueError, match="no 'text' field"):
        _ = ds.texts


def test_load_wrench_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_wrench(tmp_path / "nope", "train")


def test_load_wrench_missing_split_lists_present(tmp_path):
    _write_wrench(tmp_path, "train", {"0": {"label": 0, "weak_labels": [0]}})
    with pytest.raises(FileNotFoundError, match=r"Splits in this folder: \['train'\]"):
        load_wrench(tmp_path, "valid")


def test_load_wrench_ragged_votes(tmp_path):
    entries = {
        "0": {"label": 0, "weak_labels": [0, 1]},
        "1": {"label": 0, "weak_labels": [0]},
    }
    _write_wrench(tmp_path, "train", entries)
    with pytest.raises(ValueError, match="different lengths"):
        load_wrench(tmp_path, "train")


def test_load_wrench_vote_out_of_range(tmp_path):
    entries = {"0": {"label": 0, "weak_labels": [0, 5]}}
    _write_wrench(tmp_path, "train", entries, labels={"0": "a", "1": "b"})
    with pytest.raises(ValueError, match="outside"):
        load_wrench(tmp_path, "train")


def test_load_wrench_not_an_entry(tmp_path):
    _write_wrench(tmp_path, "train", {"0": [1, 2]})
    with pytest.raises(ValueError, match="not a WRENCH entry"):
        load_wrench(tmp_path, "train")
