"""Tests of the example LF module labeling_functions/youtube.py on hand-written comments."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklabel.lf import LFRegistry

MODULE = Path(__file__).resolve().parents[2] / "labeling_functions" / "youtube.py"

SPAM = [
    "Check out my channel for new music videos!",
    "please subscribe to my channel, sub4sub",
    "Make money from home, $3000 per month: http://www.firepa.com",
    "go to https://adf.ly/KlD3Y for a free gift card",
    "Hey guys I'm a rapper with a dream, give me a chance and check out my mixtape",
]
HAM = [
    "wow",
    "I love this song so much",
    "Shakira is the best",
    "who's still watching this in 2015?",
]
# a link back to YouTube itself: no spam link (and no other LF fires)
SHARE = "Katy Perry - Roar (Official): http://youtu.be/CevxZvSJLk8"


@pytest.fixture(scope="module")
def youtube():
    spec = importlib.util.spec_from_file_location("youtube_lfs_under_test", MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture(scope="module")
def votes(youtube):
    df = pd.DataFrame({"text": [*SPAM, *HAM, SHARE]})
    return youtube.lfs.apply(df)


def test_module_defines_one_registry_with_enough_lfs(youtube):
    registries = [v for v in vars(youtube).values() if isinstance(v, LFRegistry)]
    assert registries == [youtube.lfs]
    assert youtube.lfs.classes == ("ham", "spam")
    assert len(youtube.lfs) >= 10
    kinds = {lf.vectorized for lf in youtube.lfs}
    assert kinds == {True, False}
    names = youtube.lfs.names
    for expected in ("known_spam_domain", "seed_classifier", "short_comment"):
        assert expected in names


def test_vote_matrix_shape_and_dtype(votes, youtube):
    assert votes.shape == (len(SPAM) + len(HAM) + 1, len(youtube.lfs))
    assert (votes.dtypes == np.int8).all()


def _majority(votes):
    V = votes.to_numpy()
    spam = (V == 1).sum(axis=1)
    ham = (V == 0).sum(axis=1)
    return np.where(spam > ham, 1, np.where(ham > spam, 0, -1))


def test_majority_vote_gets_the_hand_written_comments_right(votes):
    mv = _majority(votes)
    assert mv.tolist() == [1] * len(SPAM) + [0] * len(HAM) + [-1]


def test_individual_lfs(votes):
    row = {text: i for i, text in enumerate([*SPAM, *HAM, SHARE])}
    assert votes["kw_check_out"].iloc[row[SPAM[0]]] == 1
    assert votes["kw_subscribe"].iloc[row[SPAM[1]]] == 1
    assert votes["re_link"].iloc[row[SPAM[2]]] == 1
    assert votes["known_spam_domain"].iloc[row[SPAM[2]]] == 1
    assert votes["known_spam_domain"].iloc[row[SPAM[3]]] == 1
    assert votes["self_promotion"].iloc[row[SPAM[4]]] == 1
    assert votes["short_comment"].iloc[row["wow"]] == 0
    assert votes["mentions_artist"].iloc[row["Shakira is the best"]] == 0
    assert votes["views_and_records"].iloc[row[HAM[3]]] == 0
    # a link back to YouTube is not counted as a spam link
    assert votes["re_link"].iloc[row[SHARE]] == -1


def test_missing_and_odd_text_does_not_break_the_lfs(youtube):
    df = pd.DataFrame({"text": [None, "", "&#39;\ufeff", "🎵" * 50]})
    L = youtube.lfs.apply(df)
    assert list(L.columns) == youtube.lfs.names
    # no spam cue anywhere: every LF abstains, except that a short text with
    # no cue is a plain reaction (ham); a missing text says nothing at all
    others = L.drop(columns="short_comment")
    assert (others == -1).all().all(), others.loc[:, (others != -1).any()]
    assert L["short_comment"].tolist() == [-1, 0, 0, 0]


def test_seed_classifier_is_deterministic(youtube):
    df = pd.DataFrame({"text": SPAM + HAM})
    first = youtube.lfs["seed_classifier"](df)
    second = youtube._seed_model().predict_proba(df["text"].str.lower())
    again = youtube._seed_model().predict_proba(df["text"].str.lower())
    np.testing.assert_array_equal(second, again)
    assert len(first) == len(df)
