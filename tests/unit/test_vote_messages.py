"""Vote-matrix mistakes are named for what they are (issue 11, smaller ones):
-1 cast to uint8, a nullable column with NA, and grammatical messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaklabel._validation import check_votes
from weaklabel.io import read_votes
from weaklabel.label_model import DawidSkene, LabelModel, MajorityVote


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32])
@pytest.mark.parametrize("Model", [MajorityVote, DawidSkene, LabelModel])
def test_abstain_cast_to_unsigned_is_caught(Model, dtype):
    L = np.array([[0, -1, 1], [1, 1, -1], [0, 0, 0]]).astype(dtype)
    top = np.iinfo(dtype).max
    with pytest.raises(ValueError, match=f"holds {top} .*-1 \\(ABSTAIN\\) cast to"):
        Model().fit(L)


def test_unsigned_votes_without_wrapped_abstains_are_fine():
    L = np.array([[0, 1], [1, 1]], dtype=np.uint8)
    assert MajorityVote().fit(L).cardinality_ == 2


def test_nullable_column_with_na_is_reported_as_missing_votes():
    df = pd.DataFrame({"a": pd.array([0, None, 1], dtype="Int8"), "b": [0, 1, 1]})
    with pytest.raises(
        ValueError, match=r"missing values \(<NA>\).*Int8 column 'a'"
    ) as info:
        MajorityVote().fit(df)
    assert "object" not in str(info.value)


def test_nullable_column_without_na_is_read_as_integers():
    df = pd.DataFrame({"a": pd.array([0, -1, 1], dtype="Int8"), "b": [0, 1, 1]})
    np.testing.assert_array_equal(check_votes(df), [[0, 0], [-1, 1], [1, 1]])


def test_messages_about_a_vote_file_are_grammatical(tmp_path):
    path = tmp_path / "votes.csv"
    path.write_text(",a\n0,\n")
    with pytest.raises(ValueError, match="the vote matrix contains NaN") as info:
        read_votes(path)
    assert "the votes contains" not in str(info.value)
