"""probs_to_preds and filter_unlabeled: Snorkel's one-liners, checked by value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from weaklabel import (
    DawidSkene,
    LabelModel,
    MajorityVote,
    filter_unlabeled,
    make_votes,
    probs_to_preds,
)


@pytest.mark.parametrize("model_cls", [LabelModel, DawidSkene, MajorityVote])
@pytest.mark.parametrize("tie_break", ["random", "lowest", "abstain"])
def test_probs_to_preds_is_the_models_predict(model_cls, tie_break) -> None:
    data = make_votes(500, 6, cardinality=3, random_state=0)
    model = model_cls(cardinality=3, random_state=7).fit(data.L)
    proba = model.predict_proba(data.L)
    got = probs_to_preds(proba, tie_break=tie_break, random_state=7)
    np.testing.assert_array_equal(got, model.predict(data.L, tie_break=tie_break))


def test_probs_to_preds_ties() -> None:
    proba = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3]])
    assert probs_to_preds(proba, tie_break="lowest").tolist() == [0, 2, 0]
    assert probs_to_preds(proba, tie_break="abstain").tolist() == [-1, 2, -1]
    draws = {tuple(probs_to_preds(proba, random_state=s)) for s in range(30)}
    assert {d[0] for d in draws} == {0, 1}  # among the tied classes only
    assert {d[1] for d in draws} == {2}
    assert {d[2] for d in draws} == {0, 1, 2}
    # the default is deterministic
    assert probs_to_preds(proba).tolist() == probs_to_preds(proba).tolist()


def test_probs_to_preds_rejects_what_is_not_probabilities() -> None:
    with pytest.raises(ValueError, match="sum"):
        probs_to_preds([[0.5, 0.6]])
    with pytest.raises(ValueError, match="tie_break"):
        probs_to_preds([[0.5, 0.5]], tie_break="first")  # type: ignore[arg-type]


L = np.array([[0, -1], [-1, -1], [-1, 1], [-1, -1], [1, 1]])
P = np.array([[0.9, 0.1], [0.5, 0.5], [0.3, 0.7], [0.5, 0.5], [0.2, 0.8]])


@pytest.mark.parametrize(
    "data",
    [
        pd.DataFrame({"text": list("abcde")}, index=[10, 11, 12, 13, 14]),
        pd.Series(list("abcde")),
        np.arange(10).reshape(5, 2),
        sp.csr_array(np.arange(10).reshape(5, 2)),
        list("abcde"),
    ],
)
def test_filter_unlabeled_keeps_rows_with_a_vote(data) -> None:
    kept, proba = filter_unlabeled(data, P, L)
    np.testing.assert_array_equal(proba, P[[0, 2, 4]])
    assert type(kept) is type(data)
    if isinstance(data, pd.DataFrame):
        assert kept.index.tolist() == [10, 12, 14]
        assert kept["text"].tolist() == ["a", "c", "e"]
    elif isinstance(data, list):
        assert kept == ["a", "c", "e"]
    else:
        dense = kept.toarray() if sp.issparse(kept) else np.asarray(kept)
        full = data.toarray() if sp.issparse(data) else np.asarray(data)
        np.testing.assert_array_equal(dense, full[[0, 2, 4]])


def test_filter_unlabeled_with_sparse_and_frame_votes() -> None:
    frame = pd.DataFrame(L, columns=["a", "b"])
    for votes in (frame, sp.csr_array(L + 1)):
        kept, proba = filter_unlabeled(list("abcde"), P, votes)
        assert kept == ["a", "c", "e"]
        np.testing.assert_array_equal(proba, P[[0, 2, 4]])


def test_filter_unlabeled_checks_lengths() -> None:
    with pytest.raises(ValueError, match="data has 4 rows but L has 5"):
        filter_unlabeled(list("abcd"), P, L)
    with pytest.raises(ValueError, match="proba"):
        filter_unlabeled(list("abcde"), P[:4], L)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: npst.arrays(np.int64, (n, 3), elements=st.integers(-1, 1))
    )
)
def test_filter_unlabeled_is_the_any_vote_mask(votes) -> None:
    n = len(votes)
    proba = np.full((n, 2), 0.5)
    kept, _ = filter_unlabeled(np.arange(n), proba, votes)
    np.testing.assert_array_equal(kept, [i for i in range(n) if (votes[i] >= 0).any()])
