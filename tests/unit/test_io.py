"""Unit tests of weaklabel.io: soft-label and vote files, atomic writes, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp

from weaklabel.exceptions import ClassMismatchError
from weaklabel.io import (
    METADATA_KEY,
    atomic_write,
    proba_from_frame,
    read_soft_labels,
    read_votes,
    soft_label_classes,
    soft_label_frame,
    write_soft_labels,
    write_votes,
)

SUFFIXES = [".csv", ".parquet", ".pq"]
PROBA = np.array([[0.9, 0.1], [0.25, 0.75], [0.5, 0.5]])


def tricky_source() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [
                "héllo, wörld — ünïcode ☃ 日本語",
                'she said "hi", then left',
                "line one\nline two\r\nline three\rend",
            ],
            "more": ["NA", "null", "nan"],  # look like missing values, are text
            "with_missing": ["a", None, "c"],
            "score": [np.nan, 1e308, 5e-324],
            "tiny": [1e-300, -0.0, 2.2250738585072014e-308],
            "count": [1, 2, 3],
            "flag": [True, False, True],
        },
        index=pd.Index([10, 20, 30], name="row"),
    )


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def assert_no_temp_files(folder: Path) -> None:
    assert not [n for n in listing(folder) if ".tmp" in n]


# --------------------------------------------------------------------------- frame


def test_frame_columns_label_and_confidence():
    frame = soft_label_frame(PROBA, classes=["ham", "spam"])
    assert list(frame.columns) == ["proba_ham", "proba_spam", "label", "confidence"]
    assert frame.index.name == "id"
    assert frame.index.tolist() == [0, 1, 2]
    assert frame["label"].tolist() == ["ham", "spam", "ham"]  # tie -> lowest index
    assert frame["confidence"].tolist() == [0.9, 0.75, 0.5]
    assert (frame.dtypes.iloc[:2] == np.float64).all()


def test_frame_default_class_names_and_custom_index():
    frame = soft_label_frame(PROBA, index=["a", "b", "c"], index_name="doc")
    assert list(frame.columns[:2]) == ["proba_0", "proba_1"]
    assert frame["label"].tolist() == ["0", "1", "0"]
    assert frame.index.name == "doc"
    assert frame.index.tolist() == ["a", "b", "c"]


def test_frame_takes_index_from_source_and_aligns_by_position():
    source = tricky_source()
    frame = soft_label_frame(PROBA, source=source)
    assert frame.index.tolist() == [10, 20, 30]
    assert frame.index.name == "id"
    assert frame["text"].tolist() == source["text"].tolist()
    assert list(frame.columns[4:]) == list(source.columns)


def test_frame_accepts_dataframe_proba_and_series_source():
    frame = soft_label_frame(pd.DataFrame(PROBA), source=pd.Series([1, 2, 3], name="x"))
    assert frame["x"].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(proba_from_frame(frame), PROBA)


def test_classes_and_proba_helpers():
    frame = soft_label_frame(PROBA, classes=["b", "a"])
    assert soft_label_classes(frame) == ["b", "a"]
    out = proba_from_frame(frame)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, PROBA)
    out[0, 0] = 7  # a copy, not a view
    assert frame.iloc[0, 0] == 0.9


def test_helpers_reject_frames_without_proba_columns():
    with pytest.raises(ValueError, match=r"has no proba_<class> columns"):
        soft_label_classes(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match=r"has no proba_<class> columns"):
        proba_from_frame(pd.DataFrame({"x": [1]}))


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_soft_label_round_trip_is_exact(tmp_path, suffix):
    rng = np.random.default_rng(0)
    proba = rng.dirichlet([0.1, 1, 10], size=3)
    proba[0] = [1e-300, 1 - 1e-300, 0.0]
    classes = ["a,b", 'quote"d', "ünï\ncode"]
    kwargs = {"classes": classes, "source": tricky_source()}
    path = write_soft_labels(tmp_path / f"soft{suffix}", proba, **kwargs)
    assert path == tmp_path / f"soft{suffix}"
    back = read_soft_labels(path)
    pd.testing.assert_frame_equal(
        back, soft_label_frame(proba, **kwargs), check_exact=True
    )
    assert soft_label_classes(back) == classes
    np.testing.assert_array_equal(proba_from_frame(back), proba)
    assert listing(tmp_path) == [f"soft{suffix}"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_with_string_ids(tmp_path, suffix):
    ids = pd.Index(["c-1", "c,2", 'c"3'])
    path = write_soft_labels(
        tmp_path / f"s{suffix}", PROBA, index=ids, index_name="comment"
    )
    back = read_soft_labels(path)
    assert back.index.name == "comment"
    assert back.index.tolist() == ids.tolist()


def test_csv_is_plain_csv_with_the_id_first(tmp_path):
    path = write_soft_labels(tmp_path / "s.csv", PROBA, classes=["ham", "spam"])
    plain = pd.read_csv(path)
    assert list(plain.columns) == [
        "id",
        "proba_ham",
        "proba_spam",
        "label",
        "confidence",
    ]
    np.testing.assert_array_equal(plain[["proba_ham", "proba_spam"]], PROBA)


def test_csv_limits_are_the_documented_ones(tmp_path):
    source = pd.DataFrame({"empty": ["", "x", "y"], "digits": ["007", "1", "2"]})
    back = read_soft_labels(write_soft_labels(tmp_path / "s.csv", PROBA, source=source))
    assert np.isnan(back["empty"].iloc[0])  # an empty text reads back as missing
    assert back["digits"].tolist() == [
        7,
        1,
        2,
    ]  # all-numeric text reads back as numbers
    exact = read_soft_labels(
        write_soft_labels(tmp_path / "s.parquet", PROBA, source=source)
    )
    assert exact["empty"].tolist() == ["", "x", "y"]
    assert exact["digits"].tolist() == ["007", "1", "2"]


def test_parquet_metadata_names_the_classes(tmp_path):
    path = write_soft_labels(tmp_path / "s.parquet", PROBA, classes=["ham", "spam"])
    meta = json.loads(pq.read_schema(path).metadata[METADATA_KEY])
    assert meta == {
        "format": "soft_labels",
        "version": 1,
        "classes": ["ham", "spam"],
        "index": "id",
    }
    assert "id" in pq.read_schema(path).names  # the id is a real column


def test_write_replaces_an_existing_file(tmp_path):
    path = tmp_path / "s.parquet"
    write_soft_labels(path, PROBA)
    write_soft_labels(path, PROBA[::-1])
    np.testing.assert_array_equal(proba_from_frame(read_soft_labels(path)), PROBA[::-1])
    assert listing(tmp_path) == ["s.parquet"]


def test_accepts_str_paths(tmp_path):
    path = write_soft_labels(str(tmp_path / "s.csv"), PROBA)
    assert isinstance(path, Path)
    assert read_soft_labels(str(path)).shape == (3, 4)


# --------------------------------------------------------------------------- atomic


def test_atomic_write_cleans_up_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")

    def failing(tmp: Path) -> None:
        tmp.write_text("partial")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(path, failing)
    assert path.read_text() == "old"
    assert listing(tmp_path) == ["out.csv"]


def test_atomic_write_keeps_the_suffix_for_writers_that_care(tmp_path):
    seen = []
    atomic_write(
        tmp_path / "model.npz", lambda tmp: seen.append(tmp) or np.savez(tmp, a=1)
    )
    assert seen[0].suffix == ".npz"
    assert seen[0].parent == tmp_path
    assert np.load(tmp_path / "model.npz")["a"] == 1
    assert listing(tmp_path) == ["model.npz"]


def test_atomic_write_uses_normal_permissions(tmp_path):
    path = atomic_write(tmp_path / "f.txt", lambda tmp: tmp.write_text("x"))
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_soft_label_write_leaves_nothing(tmp_path):
    path = tmp_path / "s.parquet"
    write_soft_labels(path, PROBA)
    before = path.read_bytes()
    bad_source = pd.DataFrame({"mixed": [1, "two", 3.0]})  # pyarrow cannot type this
    with pytest.raises((pa.ArrowException, TypeError, ValueError)):
        write_soft_labels(path, PROBA, source=bad_source)
    assert path.read_bytes() == before
    assert listing(tmp_path) == ["s.parquet"]


def test_failed_new_write_leaves_no_file(tmp_path):
    with pytest.raises(RuntimeError):
        atomic_write(
            tmp_path / "new.txt", lambda tmp: (_ for _ in ()).throw(RuntimeError())
        )
    assert listing(tmp_path) == []


def test_atomic_write_missing_folder_and_directory_target(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the folder .*nope.* does not exist"):
        atomic_write(tmp_path / "nope" / "f.txt", lambda tmp: None)
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        atomic_write(tmp_path, lambda tmp: None)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("name", ["soft.txt", "soft", "soft.json", "soft.parquet.gz"])
def test_unknown_suffix(tmp_path, name):
    msg = r"unknown suffix .*; expected one of \.csv, \.parquet, \.pq"
    with pytest.raises(ValueError, match=msg):
        write_soft_labels(tmp_path / name, PROBA)
    with pytest.raises(ValueError, match=msg):
        read_soft_labels(tmp_path / name)
    with pytest.raises(ValueError, match=msg):
        write_votes(tmp_path / name, [[0]])
    with pytest.raises(ValueError, match=msg):
        read_votes(tmp_path / name)
    assert listing(tmp_path) == []


def test_suffix_is_case_insensitive(tmp_path):
    path = write_soft_labels(tmp_path / "S.CSV", PROBA)
    assert read_soft_labels(path).shape == (3, 4)


@pytest.mark.parametrize(
    ("proba", "kwargs", "error", "match"),
    [
        ([[0.5, 0.6]], {}, ValueError, "must sum to 1; row 0 sums to 1.1"),
        ([[np.nan, 1.0]], {}, ValueError, "NaN or infinity"),
        ([[-0.5, 1.5]], {}, ValueError, "negative probabilities"),
        ([0.5, 0.5], {}, ValueError, "must be 2-D"),
        (np.zeros((0, 2)), {}, ValueError, "empty"),
        ([["a", "b"]], {}, TypeError, "must be numeric"),
        (
            PROBA,
            {"classes": ["a", "b", "c"]},
            ValueError,
            "classes has 3 names but proba has 2",
        ),
        (PROBA, {"classes": ["a", "a"]}, ValueError, "classes must be unique"),
        (PROBA, {"classes": ["a", ""]}, ValueError, "non-empty strings"),
        (PROBA, {"classes": "ab"}, TypeError, "sequence of class names"),
        (PROBA, {"index": [1, 2]}, ValueError, "index has 2 entries but proba has 3"),
        (
            PROBA,
            {"index": pd.MultiIndex.from_tuples([(1, 2)] * 3)},
            ValueError,
            "one-dimensional",
        ),
        (PROBA, {"index_name": ""}, TypeError, "index_name must be a non-empty str"),
        (
            PROBA,
            {"source": pd.DataFrame({"x": [1, 2]})},
            ValueError,
            "source has 2 rows but proba has 3",
        ),
        (PROBA, {"source": [1, 2, 3]}, TypeError, "source must be a DataFrame"),
        (
            PROBA,
            {"source": pd.DataFrame({"label": [1, 2, 3]})},
            ValueError,
            r"source columns \['label'\] clash",
        ),
        (
            PROBA,
            {"source": pd.DataFrame({"id": [1, 2, 3]})},
            ValueError,
            r"source columns \['id'\] clash",
        ),
        (
            PROBA,
            {"source": pd.DataFrame({"proba_x": [1, 2, 3]})},
            ValueError,
            r"clash",
        ),
        (PROBA, {"source": pd.DataFrame({0: [1, 2, 3]})}, TypeError, "must be strings"),
        (
            PROBA,
            {"source": pd.DataFrame([[1, 2]] * 3, columns=["a", "a"])},
            ValueError,
            "duplicate column names",
        ),
    ],
)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_bad_soft_label_inputs(tmp_path, suffix, proba, kwargs, error, match):
    path = tmp_path / f"soft{suffix}"
    path.write_text("keep me")
    with pytest.raises(error, match=match):
        write_soft_labels(path, proba, **kwargs)
    assert path.read_text() == "keep me"
    assert listing(tmp_path) == [path.name]


def test_read_missing_file(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=r"Soft-label file .*missing.csv.* does not exist"
    ):
        read_soft_labels(tmp_path / "missing.csv")
    with pytest.raises(
        FileNotFoundError, match=r"Votes file .*missing.parquet.* does not exist"
    ):
        read_votes(tmp_path / "missing.parquet")


def test_read_a_directory(tmp_path):
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        read_soft_labels(tmp_path / "d.csv")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("a,b\n1,2\n", "no proba_<class> columns"),
        ("id,proba_a,proba_b,confidence\n0,0.5,0.5,0.5\n", "'label' and 'confidence'"),
        (
            "id,proba_a,label,confidence,proba_b\n0,1,a,1,0\n",
            "stray probability columns",
        ),
        ("id\n0\n", "too few columns"),
        ("", "not a readable CSV"),
        ("id,proba_a,proba_b,label,confidence\n0,0.5,0.6,b,0.6\n", "must sum to 1"),
        (
            "id,proba_a,proba_b,label,confidence\n0,x,1,b,1\n",
            "not a valid CSV soft-label",
        ),
    ],
)
def test_read_csv_that_is_not_a_soft_label_file(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=rf"bad\.csv.*{match}|{match}.*bad\.csv"):
        read_soft_labels(path)


def test_read_parquet_that_is_not_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_text("id,proba_a\n")
    with pytest.raises(
        ValueError, match=r"bad\.parquet.* is not a readable Parquet file"
    ):
        read_soft_labels(path)
    with pytest.raises(
        ValueError, match=r"is not a readable Parquet file.*vote matrix"
    ):
        read_votes(path)


def test_read_foreign_parquet_by_its_columns(tmp_path):
    path = tmp_path / "foreign.parquet"
    pd.DataFrame({"x": [1.0]}).to_parquet(path)
    with pytest.raises(ValueError, match="not a weaklabel soft-label file"):
        read_soft_labels(path)
    good = soft_label_frame(PROBA, classes=["a", "b"])
    good.to_parquet(path)  # no weaklabel metadata, but the right layout
    pd.testing.assert_frame_equal(read_soft_labels(path), good)


def test_read_parquet_from_a_newer_version(tmp_path):
    path = write_soft_labels(tmp_path / "s.parquet", PROBA)
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    doc = json.loads(meta[METADATA_KEY])
    doc["version"] = 99
    meta[METADATA_KEY] = json.dumps(doc).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(ValueError, match=r"format version 99.*Upgrade weaklabel"):
        read_soft_labels(path)


def test_read_parquet_with_mismatched_class_metadata(tmp_path):
    path = write_soft_labels(tmp_path / "s.parquet", PROBA, classes=["a", "b"])
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    meta[METADATA_KEY] = json.dumps(
        {"format": "soft_labels", "version": 1, "classes": ["x", "y"]}
    ).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(ValueError, match=r"names the classes \['x', 'y'\]"):
        read_soft_labels(path)


def test_soft_label_and_vote_files_are_not_confused(tmp_path):
    votes_pq = write_votes(tmp_path / "v.parquet", [[0, 1]])
    soft_pq = write_soft_labels(tmp_path / "s.parquet", PROBA)
    soft_csv = write_soft_labels(tmp_path / "s.csv", PROBA)
    with pytest.raises(ValueError, match=r"holds weaklabel 'votes' data.*read_votes"):
        read_soft_labels(votes_pq)
    with pytest.raises(
        ValueError, match=r"holds weaklabel 'soft_labels'.*read_soft_labels"
    ):
        read_votes(soft_pq)
    with pytest.raises(ValueError, match="looks like a soft-label file"):
        read_votes(soft_csv)
    with pytest.raises(ValueError, match="not a weaklabel soft-label file"):
        read_soft_labels(write_votes(tmp_path / "v.csv", [[0, 1]]))


# --------------------------------------------------------------------------- votes


def registry_like_votes() -> pd.DataFrame:
    L = pd.DataFrame(
        {
            "has_link": np.array([1, -1, 1, -1], dtype=np.int8),
            "short": np.array([-1, 0, 0, -1], dtype=np.int8),
        },
        index=pd.Index([101, 102, 105, 107], name="comment"),
    )
    L.attrs["classes"] = ["ham", "spam"]
    return L


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_votes_round_trip(tmp_path, suffix):
    L = registry_like_votes()
    back = read_votes(write_votes(tmp_path / f"v{suffix}", L))
    pd.testing.assert_frame_equal(back, L, check_exact=True)
    assert all(dt == np.int8 for dt in back.dtypes)
    # Parquet keeps the class names in its metadata, CSV in its sidecar
    assert back.attrs["classes"] == ["ham", "spam"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_votes_from_arrays_and_sparse(tmp_path, suffix):
    L = np.array([[0, -1, 2], [-1, -1, 1]])
    dense = read_votes(write_votes(tmp_path / f"d{suffix}", L))
    sparse = read_votes(write_votes(tmp_path / f"s{suffix}", sp.csr_array(L + 1)))
    assert list(dense.columns) == ["lf_0", "lf_1", "lf_2"]
    assert dense.index.tolist() == [0, 1]
    np.testing.assert_array_equal(dense.to_numpy(), L)
    pd.testing.assert_frame_equal(dense, sparse)


def test_votes_many_classes_use_a_wider_dtype(tmp_path):
    L = np.array([[300, -1]])
    back = read_votes(write_votes(tmp_path / "v.parquet", L))
    assert back.dtypes.iloc[0] == np.int16
    back_csv = read_votes(write_votes(tmp_path / "v.csv", L))
    assert back_csv.dtypes.iloc[0] == np.int16
    np.testing.assert_array_equal(back_csv.to_numpy(), L)


def test_votes_explicit_classes_must_agree_with_attrs(tmp_path):
    # one channel: the names travel with the votes; a different list is refused
    with pytest.raises(ClassMismatchError, match=r"\['n', 'p'\].*\['ham', 'spam'\]"):
        write_votes(tmp_path / "v.parquet", registry_like_votes(), classes=["n", "p"])
    assert listing(tmp_path) == []
    same = write_votes(
        tmp_path / "v.parquet", registry_like_votes(), classes=["ham", "spam"]
    )
    assert read_votes(same).attrs["classes"] == ["ham", "spam"]
    renamed = registry_like_votes()
    renamed.attrs["classes"] = ["n", "p"]  # renaming goes through the votes
    assert read_votes(write_votes(tmp_path / "r.parquet", renamed)).attrs[
        "classes"
    ] == ["n", "p"]


def test_votes_beyond_classes(tmp_path):
    with pytest.raises(ValueError, match="contains the vote 2, but cardinality is 2"):
        write_votes(tmp_path / "v.parquet", [[2]], classes=["a", "b"])
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    ("L", "error", "match"),
    [
        (np.zeros((0, 2), dtype=int), ValueError, "empty"),
        (np.array([[0.5]]), TypeError, "must contain integers"),
        (np.array([[np.nan]]), ValueError, "contains NaN"),
        (np.array([0, 1]), ValueError, "must be 2-D"),
        (pd.DataFrame([[0, 1]], columns=["a", "a"]), ValueError, "must be unique"),
    ],
)
def test_bad_votes_to_write(tmp_path, L, error, match):
    with pytest.raises(error, match=match):
        write_votes(tmp_path / "v.parquet", L)
    assert listing(tmp_path) == []


def test_votes_index_named_like_an_lf(tmp_path):
    L = pd.DataFrame({"a": [0]}, index=pd.Index([0], name="a"))
    with pytest.raises(ValueError, match="index of L is named 'a', like one of its"):
        write_votes(tmp_path / "v.parquet", L)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("id,a\n0,0.5\n", "must contain integers"),
        ("id,a\n0,\n", "contains NaN"),
        ("id,a\n0,-3\n", "contains -3"),
        ("id,a\n0,spam\n", "non-numeric columns"),
        ("id\n0\n", "no labeling-function columns"),
    ],
)
def test_read_csv_that_is_not_a_vote_file(tmp_path, content, match):
    path = tmp_path / "v.csv"
    path.write_text(content)
    with pytest.raises(
        ValueError, match=rf"v\.csv.* does not hold a valid vote matrix.*{match}"
    ):
        read_votes(path)


def test_read_votes_from_a_foreign_parquet(tmp_path):
    path = tmp_path / "v.parquet"
    pd.DataFrame({"a": [0, 1, -1]}).to_parquet(path)  # int64, no metadata
    back = read_votes(path)
    assert back.dtypes.iloc[0] == np.int8
    assert "classes" not in back.attrs
    pd.DataFrame({"a": ["x"]}).to_parquet(path)
    with pytest.raises(ValueError, match="does not hold a valid vote matrix"):
        read_votes(path)
