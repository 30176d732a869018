import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaklabel.crowd import CrowdVotes, votes_from_long_table
from weaklabel.exceptions import WeakLabelWarning


def _toy():
    return pd.DataFrame(
        {
            "item": ["a", "a", "b", "c", "c"],
            "worker": ["w1", "w2", "w1", "w2", "w3"],
            "label": ["cat", "dog", "dog", "cat", "cat"],
        }
    )


def test_basic_names():
    cv = votes_from_long_table(_toy())
    assert isinstance(cv, CrowdVotes)
    assert isinstance(cv.votes, sp.csr_array)
    assert cv.classes == ("cat", "dog")
    assert list(cv.items) == ["a", "b", "c"]
    assert list(cv.workers) == ["w1", "w2", "w3"]
    assert cv.shape == (3, 3)
    # stored value is class index + 1; not stored = abstain
    np.testing.assert_array_equal(cv.votes.toarray(), [[1, 2, 0], [2, 0, 0], [0, 1, 1]])
    np.testing.assert_array_equal(cv.to_dense(), [[0, 1, -1], [1, -1, -1], [-1, 0, 0]])
    assert cv.votes.nnz == 5


def test_label_models_fit_the_crowd_votes_object_itself():
    from weaklabel import DawidSkene, LabelModel, MajorityVote

    cv = votes_from_long_table(_toy())
    for model in (LabelModel(), DawidSkene(), MajorityVote()):
        model.fit(cv)
        assert model.classes_ == ["cat", "dog"]
        assert model.lf_names_in_ == ["w1", "w2", "w3"]
        # plain sparse votes name no classes: said once, then read by index
        with pytest.warns(WeakLabelWarning, match="cannot be checked"):
            unnamed = model.predict_proba(cv.votes)
        np.testing.assert_array_equal(model.predict_proba(cv), unnamed)


def test_explicit_classes_order_and_unused_class():
    cv = votes_from_long_table(_toy(), classes=["dog", "cat", "bird"])
    assert cv.classes == ("dog", "cat", "bird")
    np.testing.assert_array_equal(cv.to_dense(), [[1, 0, -1], [0, -1, -1], [-1, 1, 1]])


def test_one_based_integer_labels_become_classes():
    df = pd.DataFrame({"item": [1, 1, 2], "worker": [1, 2, 2], "label": [1, 2, 2]})
    cv = votes_from_long_table(df)
    assert cv.classes == (1, 2)
    np.testing.assert_array_equal(cv.to_dense(), [[0, 1], [-1, 1]])


def test_integer_labels_as_indices_with_named_classes():
    df = pd.DataFrame({"item": [1, 1, 2], "worker": [1, 2, 2], "label": [0, 1, 1]})
    cv = votes_from_long_table(df, classes=["ham", "spam"])
    assert cv.classes == ("ham", "spam")
    np.testing.assert_array_equal(cv.to_dense(), [[0, 1], [-1, 1]])


def test_abstain_integer_labels_are_skipped():
    df = pd.DataFrame({"item": [1, 1, 2], "worker": [1, 2, 2], "label": [0, -1, 1]})
    cv = votes_from_long_table(df, classes=[0, 1])
    np.testing.assert_array_equal(cv.to_dense(), [[0, -1], [-1, 1]])


def test_custom_column_names():
    df = _toy().rename(
        columns={"item": "task", "worker": "annotator", "label": "answer"}
    )
    cv = votes_from_long_table(df, item="task", worker="annotator", label="answer")
    assert cv.items.name == "task"
    assert cv.votes.nnz == 5


def test_items_fix_rows_and_add_unanswered():
    cv = votes_from_long_table(_toy(), items=["c", "z", "a", "b"])
    assert list(cv.items) == ["c", "z", "a", "b"]
    np.testing.assert_array_equal(
        cv.to_dense(), [[-1, 0, 0], [-1, -1, -1], [0, 1, -1], [1, -1, -1]]
    )


def test_item_not_in_items_is_error():
    with pytest.raises(ValueError, match=r"not in 'items'"):
        votes_from_long_table(_toy(), items=["a", "b"])


def test_duplicate_identical_answers_are_merged():
    df = pd.concat([_toy(), _toy().iloc[[0]]], ignore_index=True)
    cv = votes_from_long_table(df)
    assert cv.votes.nnz == 5
    np.testing.assert_array_equal(
        cv.votes.toarray(), votes_from_long_table(_toy()).votes.toarray()
    )


def test_conflicting_duplicates_are_error_with_hint():
    df = pd.concat(
        [_toy(), pd.DataFrame({"item": ["a"], "worker": ["w1"], "label": ["dog"]})],
        ignore_index=True,
    )
    with pytest.raises(ValueError, match=r"different labels.*drop_duplicates"):
        votes_from_long_table(df)


def test_missing_column_names_the_columns_present():
    df = _toy().rename(columns={"worker": "annotator"})
    with pytest.raises(
        ValueError, match=r"worker='worker'.*\['item', 'annotator', 'label'\]"
    ):
        votes_from_long_table(df)


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="DataFrame"):
        votes_from_long_table([("a", "w", 1)])


def test_unknown_label_is_error():
    with pytest.raises(ValueError, match=r"\['dog'\].*class names"):
        votes_from_long_table(_toy(), classes=["cat", "bird"])


def test_missing_label_is_error():
    df = _toy()
    df.loc[1, "label"] = None
    with pytest.raises(ValueError, match="missing values"):
        votes_from_long_table(df)


def test_missing_item_is_error():
    df = _toy()
    df.loc[1, "item"] = None
    with pytest.raises(ValueError, match="item column 'item' has missing"):
        votes_from_long_table(df)


def test_matches_dense_construction_on_random_table():
    rng = np.random.default_rng(0)
    n_items, n_workers, k = 300, 40, 4
    L = rng.integers(-1, k, size=(n_items, n_workers))
    rows, cols = np.nonzero(L >= 0)
    df = pd.DataFrame({"item": rows, "worker": cols, "label": L[rows, cols]})
    df = df.sample(frac=1.0, random_state=1)  # order must not matter
    cv = votes_from_long_table(df, classes=range(k), items=range(n_items))
    assert list(cv.workers) == list(range(n_workers))
    np.testing.assert_array_equal(cv.to_dense(), L)
    cv.votes.check_format()


def test_large_table_is_sparse_and_exact():
    # Speed is measured by benchmarks, never asserted here (a shared machine's
    # clock says nothing about the code); this checks every answer lands in
    # its cell of a sparse matrix the size of the ids, not of items x workers.
    rng = np.random.default_rng(0)
    n = 300_000
    df = pd.DataFrame(
        {
            "item": rng.integers(0, 100_000, n),
            "worker": rng.integers(0, 10_000, n),
            "label": rng.integers(0, 3, n),
        }
    ).drop_duplicates(["item", "worker"])
    cv = votes_from_long_table(df)
    assert cv.votes.nnz == len(df)
    assert cv.shape == (df["item"].nunique(), df["worker"].nunique())
    rows = cv.items.get_indexer(df["item"])
    cols = cv.workers.get_indexer(df["worker"])
    got = np.asarray(cv.votes[rows, cols]).ravel()
    np.testing.assert_array_equal(got, df["label"].to_numpy() + 1)
