"""The SMS and spouse example LF modules on hand-written rows."""

from __future__ import annotations

import pandas as pd

from labeling_functions import sms, spouse


def _votes_for(lfs, df: pd.DataFrame) -> pd.DataFrame:
    L = lfs.apply(df)
    assert L.shape == (len(df), len(lfs))
    assert list(L.columns) == lfs.names
    return L


def _majority(L: pd.DataFrame) -> list[int]:
    spam = (L == 1).sum(axis=1)
    ham = (L == 0).sum(axis=1)
    return [1 if s > h else 0 if h > s else -1 for s, h in zip(spam, ham, strict=True)]


def test_sms_lfs_separate_spam_from_ham() -> None:
    df = pd.DataFrame(
        {
            "text": [
                "URGENT! You have WON a 1000 cash prize. Call 09061701461 to claim now",
                "FREE entry in 2 a wkly comp to win FA Cup final tkts. Text FA to 87121",
                "Ok lar, see you at home later :)",
                "Are you coming to dinner tonight?",
            ]
        }
    )
    L = _votes_for(sms.lfs, df)
    assert sms.lfs.classes == ("ham", "spam")
    assert _majority(L) == [1, 1, 0, 0]


def _candidate(tokens: list[str], p1: tuple[int, int], p2: tuple[int, int]) -> dict:
    return {
        "sentence": " ".join(tokens),
        "tokens": tokens,
        "person1_word_idx": list(p1),
        "person2_word_idx": list(p2),
        "between_tokens": tokens[p1[1] + 1 : p2[0]],
    }


def test_spouse_distant_supervision_and_patterns() -> None:
    rows = [
        _candidate(
            [
                "Barack",
                "Obama",
                "and",
                "his",
                "wife",
                "Michelle",
                "Obama",
                "attended",
                ".",
            ],
            (0, 1),
            (5, 6),
        ),
        _candidate(
            [
                "John",
                "Smith",
                "met",
                "his",
                "brother",
                "Paul",
                "Smith",
                "in",
                "town",
                ".",
            ],
            (0, 1),
            (5, 6),
        ),
        _candidate(
            ["Ann", "Lee", "spoke", "with", "Bob", "Kay", "at", "length", "."],
            (0, 1),
            (4, 5),
        ),
    ]
    df = spouse.add_mentions(pd.DataFrame(rows))
    known = {("Ann Lee", "Bob Kay")}
    lfs = spouse.make_registry(known)
    L = _votes_for(lfs, df)
    positive = (L == 1).sum(axis=1).tolist()
    negative = (L == 0).sum(axis=1).tolist()
    assert positive[0] > negative[0]  # "his wife" between the mentions
    assert negative[1] > positive[1]  # "brother": family, not spouse
    assert positive[2] >= 1  # the pair is in the knowledge base
    assert "known_spouses" in lfs.names
    text_only = spouse.make_registry([])  # no knowledge base: pattern LFs only
    assert "known_spouses" not in text_only.names
    empty = _votes_for(text_only, df)
    assert (empty[text_only.names].to_numpy() == L[text_only.names].to_numpy()).all()
