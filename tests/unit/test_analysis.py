"""Unit tests of weaklabel.analysis against brute-force loops on small matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaklabel.analysis import (
    label_coverage,
    lf_conflicts,
    lf_coverages,
    lf_empirical_accuracies,
    lf_overlaps,
    lf_polarities,
    lf_summary,
    matrix_summary,
)

# --------------------------------------------------------------------------- oracles


def brute_stats(L: np.ndarray) -> dict[str, list]:
    """Per-LF coverage/overlaps/conflicts/polarity by explicit loops."""
    n, m = L.shape
    cov, ov, conf, pol = [], [], [], []
    for j in range(m):
        c = o = x = 0
        labels = set()
        for i in range(n):
            v = L[i, j]
            if v == -1:
                continue
            labels.add(int(v))
            c += 1
            others = [L[i, t] for t in range(m) if t != j and L[i, t] != -1]
            if others:
                o += 1
            if any(w != v for w in others):
                x += 1
        cov.append(c / n)
        ov.append(o / n)
        conf.append(x / n)
        pol.append(sorted(labels))
    return {"coverage": cov, "overlaps": ov, "conflicts": conf, "polarity": pol}


def brute_accuracy(L: np.ndarray, y: np.ndarray) -> tuple[list, list, list]:
    correct, incorrect, acc = [], [], []
    for j in range(L.shape[1]):
        c = w = 0
        for i in range(L.shape[0]):
            if y[i] == -1 or L[i, j] == -1:
                continue
            if L[i, j] == y[i]:
                c += 1
            else:
                w += 1
        correct.append(c)
        incorrect.append(w)
        acc.append(c / (c + w) if c + w else np.nan)
    return correct, incorrect, acc


def random_votes(rng: np.random.Generator, n: int, m: int, k: int, p_abstain=0.5):
    L = rng.integers(0, k, size=(n, m))
    L[rng.random((n, m)) < p_abstain] = -1
    return L


FORMATS = ["ndarray", "int8", "dataframe", "sparse", "list"]


def as_format(L: np.ndarray, fmt: str):
    if fmt == "ndarray":
        return L
    if fmt == "int8":
        return L.astype(np.int8)
    if fmt == "dataframe":
        return pd.DataFrame(
            L.astype(np.int8), columns=[f"c{j}" for j in range(L.shape[1])]
        )
    if fmt == "sparse":
        return sp.csr_array(L + 1)
    return L.tolist()


EXAMPLE = np.array([[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]])


# --------------------------------------------------------------------------- per LF


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", range(5))
def test_per_lf_stats_match_brute_force(fmt, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    L = random_votes(rng, int(rng.integers(1, 40)), int(rng.integers(1, 6)), k)
    expected = brute_stats(L)
    X = as_format(L, fmt)
    np.testing.assert_allclose(lf_coverages(X), expected["coverage"])
    np.testing.assert_allclose(lf_overlaps(X), expected["overlaps"])
    np.testing.assert_allclose(lf_conflicts(X), expected["conflicts"])
    assert lf_polarities(X) == expected["polarity"]
    assert label_coverage(X) == pytest.approx(np.mean((L != -1).any(axis=1)))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", range(5))
def test_empirical_accuracies_match_brute_force(fmt, seed):
    rng = np.random.default_rng(seed)
    k = 3
    L = random_votes(rng, 30, 4, k, p_abstain=0.6)
    y = rng.integers(-1, k, size=30)
    _, _, acc = brute_accuracy(L, y)
    np.testing.assert_allclose(lf_empirical_accuracies(as_format(L, fmt), y), acc)


def test_example_values():
    np.testing.assert_allclose(lf_coverages(EXAMPLE), [0.5, 0.5, 0.25])
    np.testing.assert_allclose(lf_overlaps(EXAMPLE), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(lf_conflicts(EXAMPLE), [0.25, 0.25, 0.0])
    assert lf_polarities(EXAMPLE) == [[0], [0, 1], [1]]
    assert label_coverage(EXAMPLE) == 0.75


def test_abstains_never_conflict_and_agreement_is_not_conflict():
    L = np.array([[1, 1, -1], [2, -1, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(lf_conflicts(L), [0, 0, 0])
    np.testing.assert_allclose(lf_overlaps(L), [1 / 3, 1 / 3, 0])


def test_lf_that_never_votes():
    L = np.array([[0, -1], [1, -1], [1, -1]])
    assert lf_polarities(L) == [[0, 1], []]
    assert lf_coverages(L)[1] == 0
    acc = lf_empirical_accuracies(L, [0, 0, 1])
    assert acc[0] == pytest.approx(2 / 3)
    assert np.isnan(acc[1])


def test_accuracy_nan_when_lf_never_votes_on_gold_rows():
    L = np.array([[0, -1], [1, 1]])
    acc = lf_empirical_accuracies(L, [0, -1])
    assert acc[0] == 1.0
    assert np.isnan(acc[1])


def test_all_abstain_matrix():
    L = np.full((5, 3), -1)
    assert label_coverage(L) == 0
    np.testing.assert_array_equal(lf_coverages(L), 0)
    assert lf_polarities(L) == [[], [], []]
    summary = matrix_summary(L)
    assert summary["coverage"] == 0
    assert np.isnan(summary["mean_votes_per_covered_row"])
    assert lf_summary(sp.csr_array((5, 3), dtype=np.int8))["Coverage"].eq(0).all()


def test_many_classes_polarity():
    L = np.array([[250, -1], [3, 199], [-1, 0]])
    assert lf_polarities(L) == [[3, 250], [0, 199]]
    assert lf_polarities(sp.csr_array(L + 1)) == [[3, 250], [0, 199]]


def test_sparse_class_zero_is_a_vote():
    S = sp.csr_array(np.array([[1, 0], [1, 2]]))  # stores vote + 1
    np.testing.assert_allclose(lf_coverages(S), [1.0, 0.5])
    np.testing.assert_allclose(lf_conflicts(S), [0.5, 0.5])
    assert lf_polarities(S) == [[0], [1]]


def test_inputs_are_not_modified():
    L = random_votes(np.random.default_rng(0), 20, 4, 3)
    before = L.copy()
    df = pd.DataFrame(L.astype(np.int8))
    lf_summary(L, np.zeros(20, dtype=int))
    lf_summary(df)
    np.testing.assert_array_equal(L, before)
    np.testing.assert_array_equal(df.to_numpy(), before)


# --------------------------------------------------------------------------- matrix


@pytest.mark.parametrize("fmt", FORMATS)
def test_matrix_summary_matches_brute_force(fmt):
    rng = np.random.default_rng(1)
    L = random_votes(rng, 50, 5, 3, p_abstain=0.7)
    counts = (L != -1).sum(axis=1)
    conflict = [len({v for v in row if v != -1}) > 1 for row in L]
    out = matrix_summary(as_format(L, fmt))
    assert out["n_samples"] == 50
    assert out["n_lfs"] == 5
    assert out["coverage"] == pytest.approx(np.mean(counts > 0))
    assert out["overlap"] == pytest.approx(np.mean(counts > 1))
    assert out["conflict"] == pytest.approx(np.mean(conflict))
    assert out["mean_votes_per_row"] == pytest.approx(counts.mean())
    assert out["mean_votes_per_covered_row"] == pytest.approx(counts[counts > 0].mean())


# --------------------------------------------------------------------------- lf_summary


@pytest.mark.parametrize("fmt", FORMATS)
def test_lf_summary_matches_brute_force(fmt):
    rng = np.random.default_rng(2)
    L = random_votes(rng, 40, 4, 3)
    y = rng.integers(-1, 3, size=40)
    out = lf_summary(as_format(L, fmt), y)
    expected = brute_stats(L)
    correct, incorrect, acc = brute_accuracy(L, y)
    assert list(out.columns) == [
        "j",
        "Polarity",
        "Coverage",
        "Overlaps",
        "Conflicts",
        "Correct",
        "Incorrect",
        "Emp. Acc.",
    ]
    names = [f"c{j}" for j in range(4)] if fmt == "dataframe" else None
    assert list(out.index) == (names or [f"lf_{j}" for j in range(4)])
    assert out["j"].tolist() == [0, 1, 2, 3]
    assert out["Polarity"].tolist() == expected["polarity"]
    np.testing.assert_allclose(out["Coverage"], expected["coverage"])
    np.testing.assert_allclose(out["Overlaps"], expected["overlaps"])
    np.testing.assert_allclose(out["Conflicts"], expected["conflicts"])
    assert out["Correct"].tolist() == correct
    assert out["Incorrect"].tolist() == incorrect
    np.testing.assert_allclose(out["Emp. Acc."], acc)


def test_lf_summary_without_gold_has_no_accuracy_columns():
    out = lf_summary(EXAMPLE)
    assert list(out.columns) == ["j", "Polarity", "Coverage", "Overlaps", "Conflicts"]


def test_lf_summary_names_and_classes():
    out = lf_summary(EXAMPLE, lf_names=["a", "b", "c"], classes=["ham", "spam"])
    assert list(out.index) == ["a", "b", "c"]
    assert out["Polarity"].tolist() == [["ham"], ["ham", "spam"], ["spam"]]


def test_lf_summary_reads_classes_from_dataframe_attrs():
    df = pd.DataFrame(EXAMPLE.astype(np.int8), columns=["x", "y", "z"])
    df.attrs["classes"] = ["neg", "pos"]
    out = lf_summary(df, y=pd.Series(["neg", "pos", None, "pos"]))
    assert list(out.index) == ["x", "y", "z"]
    assert out["Polarity"].tolist() == [["neg"], ["neg", "pos"], ["pos"]]
    # Class-name gold: None is unknown, so row 2 (lf z's only vote) is not gold.
    assert out["Correct"].tolist() == [1, 2, 0]
    assert np.isnan(out.loc["z", "Emp. Acc."])


def test_lf_summary_explicit_classes_override_attrs():
    df = pd.DataFrame(EXAMPLE.astype(np.int8))
    df.attrs["classes"] = ["neg", "pos"]
    out = lf_summary(df, classes=["a", "b"])
    assert out["Polarity"].tolist() == [["a"], ["a", "b"], ["b"]]


class FittedModel:
    """A stand-in for a fitted label model exposing the learned structure."""

    def __init__(self, accuracy=None, dependencies=None, names=None):
        if accuracy is not None:
            self.lf_accuracy_ = np.asarray(accuracy)
        if dependencies is not None:
            self.dependencies_ = dependencies
        if names is not None:
            self.lf_names_in_ = names


def test_lf_summary_shows_learned_accuracy_and_dependencies():
    model = FittedModel([0.9, 0.8, 0.7], [("lf_0", "lf_2"), ("lf_1", "lf_2")])
    out = lf_summary(EXAMPLE, model=model)
    np.testing.assert_allclose(out["Learned Acc."], [0.9, 0.8, 0.7])
    assert out["Dependencies"].tolist() == ["lf_2", "lf_2", "lf_0, lf_1"]


def test_lf_summary_dependencies_by_index_and_model_names():
    model = FittedModel(dependencies=[(0, 1)], names=["a", "b", "c"])
    out = lf_summary(EXAMPLE, model=model)
    assert list(out.index) == ["a", "b", "c"]
    assert "Learned Acc." not in out.columns
    assert out["Dependencies"].tolist() == ["b", "a", ""]


def test_lf_summary_model_without_structure_adds_nothing():
    out = lf_summary(EXAMPLE, model=object())
    assert list(out.columns) == ["j", "Polarity", "Coverage", "Overlaps", "Conflicts"]


# --------------------------------------------------------------------------- errors


def test_model_dependency_on_unknown_lf():
    model = FittedModel(dependencies=[("lf_0", "nope")])
    with pytest.raises(ValueError, match=r"dependencies_ refers to the LF 'nope'"):
        lf_summary(EXAMPLE, model=model)


def test_model_accuracy_of_wrong_shape():
    with pytest.raises(ValueError, match=r"lf_accuracy_ has shape \(2,\) but L has 3"):
        lf_summary(EXAMPLE, model=FittedModel([0.9, 0.8]))


def test_lf_names_of_wrong_length():
    with pytest.raises(ValueError, match="lf_names has 2 names but L has 3 columns"):
        lf_summary(EXAMPLE, lf_names=["a", "b"])


def test_duplicate_lf_names():
    with pytest.raises(ValueError, match="must be unique"):
        lf_summary(EXAMPLE, lf_names=["a", "b", "a"])


@pytest.mark.parametrize(
    ("classes", "match"),
    [
        (["a", "a"], "classes must be unique"),
        (["a"], "at least 2 classes"),
        ("ab", "sequence of class names"),
    ],
)
def test_bad_classes(classes, match):
    with pytest.raises((TypeError, ValueError), match=match):
        lf_summary(EXAMPLE, classes=classes)


def test_votes_beyond_classes():
    with pytest.raises(ValueError, match="contains the vote 2, but cardinality is 2"):
        lf_summary(np.array([[2, 0]]), classes=["a", "b"])


@pytest.mark.parametrize(
    "fn",
    [
        label_coverage,
        lf_coverages,
        lf_overlaps,
        lf_conflicts,
        lf_polarities,
        matrix_summary,
        lf_summary,
    ],
)
@pytest.mark.parametrize(
    ("L", "error", "match"),
    [
        (np.zeros((0, 3), dtype=int), ValueError, "empty"),
        (np.zeros((3, 0), dtype=int), ValueError, "empty"),
        (np.array([0, 1, -1]), ValueError, "must be 2-D"),
        (np.array([[0.0, np.nan]]), ValueError, "contains NaN"),
        (np.array([[0.5, 1.0]]), TypeError, "must contain integers"),
        (np.array([[0, -2]]), ValueError, "contains -2"),
        (pd.DataFrame({"a": ["spam"]}), TypeError, "non-numeric columns"),
        (None, TypeError, "got None"),
    ],
)
def test_bad_vote_matrices(fn, L, error, match):
    with pytest.raises(error, match=match):
        fn(L)


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        ([0, 1, 1], ValueError, "y has 3 labels but L has 4 rows"),
        ([0, 1, np.nan, 0], ValueError, "y contains NaN"),
        ([0, 1, -2, 0], ValueError, "y contains -2 at position 2"),
        ([[0, 1, 1, 0]], ValueError, "y must be 1-D"),
        (["ham", "spam", "ham", "ham"], TypeError, "Map class names to indices"),
        ([0.5, 1, 1, 0], TypeError, "integer class indices"),
    ],
)
def test_bad_gold(y, error, match):
    with pytest.raises(error, match=match):
        lf_summary(EXAMPLE, y)
    with pytest.raises(error, match=match):
        lf_empirical_accuracies(EXAMPLE, y)


def test_gold_out_of_range_with_known_classes():
    with pytest.raises(ValueError, match=r"y contains 2 at position 0"):
        lf_summary(EXAMPLE, [2, 0, 0, 0], classes=["a", "b"])


def test_gold_may_name_a_class_no_lf_votes_for():
    out = lf_summary(EXAMPLE, [2, 2, 2, 2])
    assert out["Correct"].tolist() == [0, 0, 0]


def test_unknown_gold_class_name():
    with pytest.raises(ValueError, match=r"labels \['eggs'\] that are not among"):
        lf_summary(EXAMPLE, ["ham", "eggs", "spam", "ham"], classes=["ham", "spam"])
