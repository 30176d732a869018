"""Labeling functions for spouse relation extraction (negative = 0, positive = 1).

Each row is a *candidate*: a sentence with two person mentions, in the format
of the Snorkel spouse tutorial (Ratner et al., 2018): ``tokens``,
``person1_word_idx`` and ``person2_word_idx`` (inclusive ``[start, end]``
token spans) and ``between_tokens``.  The task: does the sentence say the two
people are (or were) married?  About 7% of candidates are.

Two kinds of evidence:

- text patterns: spouse words ("wife", "husband", "married") between the
  mentions or just left of one, shared last names (positive); family words,
  other relationships, mentions far apart (negative);
- distant supervision: pairs of people known to be married, e.g. the DBpedia
  spouse pairs of the Snorkel tutorial (positive when a candidate's two names,
  or their last names, form a known pair).

The known pairs are data, so this module reads nothing at import time: build
the registry with :func:`make_registry` and a set of pairs, e.g.
``make_registry(read_known_spouses("dbpedia_spouses.tsv"))``.  See
README_spouse.md, including how to use it from the ``weaklabel`` CLI.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from weaklabel import LFRegistry, keyword_lf, lookup_lf

__all__ = [
    "NEGATIVE",
    "POSITIVE",
    "add_mentions",
    "load_spouse_candidates",
    "make_registry",
    "read_known_spouses",
]

NEGATIVE, POSITIVE = "negative", "positive"

SPOUSE_WORDS = ["spouse", "wife", "husband", "widow", "widower", "wives", "husbands"]
FAMILY_WORDS = [
    "father",
    "mother",
    "sister",
    "brother",
    "son",
    "daughter",
    "grandfather",
    "grandmother",
    "uncle",
    "aunt",
    "cousin",
    "nephew",
    "niece",
    "dad",
    "mum",
    "mom",
    "stepfather",
    "stepmother",
    "stepson",
    "stepdaughter",
]
OTHER_RELATIONSHIPS = [
    "boyfriend",
    "girlfriend",
    "boss",
    "employee",
    "secretary",
    "co-worker",
    "colleague",
    "friend",
    "teammate",
    "manager",
    "lawyer",
    "coach",
]
MARRIAGE = re.compile(
    r"\b(?:couple|married|marry|marriage|wife|husband|spouse|wedding|wed|divorced?"
    r"|widow(?:er)?|ex-?wife|ex-?husband)\b",
    re.IGNORECASE,
)
"""Words that place a sentence in the context of marriage."""
CLOSE = 5
"""Spouse-word LFs vote only when the mentions are at most this many tokens apart."""
LEFT_WINDOW = 3
"""Tokens to the left of a mention that the window LFs look at."""
MAX_BETWEEN = 15
"""Mentions further apart than this many tokens are rarely in a spouse relation."""


# ---------------------------------------------------------------- data access


def load_spouse_candidates(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read candidates from a JSON-lines file (one object per candidate).

    Returns a DataFrame with the tutorial's columns, ``label`` when the file
    has it, and the columns :func:`add_mentions` derives.
    """
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return add_mentions(pd.DataFrame(rows))


def read_known_spouses(path: str | os.PathLike[str]) -> set[tuple[str, str]]:
    """Read known married pairs, one ``name<TAB>name`` pair per line."""
    pairs: set[tuple[str, str]] = set()
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                raise ValueError(f"{path}: line {number} is not 'name<TAB>name'.")
            pairs.add((parts[0].strip(), parts[1].strip()))
    return pairs


def add_mentions(df: pd.DataFrame) -> pd.DataFrame:
    """Add the mention columns the LFs read (no-op when already present).

    ``person1`` / ``person2`` (the mention text), ``person1_last`` /
    ``person2_last`` (last token, lower-cased), ``left_window`` (the
    ``LEFT_WINDOW`` tokens left of either mention, space-joined), ``between``
    (the tokens between the mentions, space-joined) and ``n_between``.
    """
    if "between" in df.columns and "left_window" in df.columns:
        return df
    p1, p2, left = [], [], []
    for tokens, s1, s2 in zip(
        df["tokens"], df["person1_word_idx"], df["person2_word_idx"], strict=True
    ):
        p1.append(" ".join(tokens[s1[0] : s1[1] + 1]))
        p2.append(" ".join(tokens[s2[0] : s2[1] + 1]))
        left1 = tokens[max(0, s1[0] - LEFT_WINDOW) : s1[0]]
        left2 = tokens[max(0, s2[0] - LEFT_WINDOW) : s2[0]]
        left.append(" ".join([*left1, "|", *left2]))
    between = df["between_tokens"].map(" ".join)
    return df.assign(
        person1=p1,
        person2=p2,
        person1_last=[_last_name(p) for p in p1],
        person2_last=[_last_name(p) for p in p2],
        left_window=left,
        between=between,
        n_between=df["between_tokens"].map(len),
    )


def _words(words: Iterable[str]) -> re.Pattern[str]:
    """Case-insensitive pattern matching any of ``words`` as whole words."""
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.I)


def _vote(mask: pd.Series, label: str) -> pd.Series:
    """``label`` where ``mask`` holds, abstain (None) elsewhere."""
    return pd.Series(np.where(mask, label, None), index=mask.index)


def _last_name(name: str) -> str:
    parts = name.split()
    return parts[-1].lower() if len(parts) > 1 else ""


# ------------------------------------------------------------------ the LFs


def make_registry(known_spouses: Iterable[tuple[str, str]]) -> LFRegistry:
    """Build the spouse LFs, with distant supervision from ``known_spouses``.

    Parameters
    ----------
    known_spouses : iterable of (str, str)
        Pairs of people known to be married (order does not matter).  An
        empty iterable gives the text-pattern LFs only (the two
        distant-supervision LFs are left out).


    Returns
    -------
    LFRegistry
        Classes ``["negative", "positive"]``.
    """
    pairs = {(a, b) for a, b in known_spouses}
    last_name_pairs = {
        (_last_name(a), _last_name(b))
        for a, b in pairs
        if _last_name(a) and _last_name(b) and _last_name(a) != _last_name(b)
    }
    lfs = LFRegistry(classes=[NEGATIVE, POSITIVE])
    pre = [add_mentions]

    # -- text patterns, positive
    @lfs.labeling_function(vectorized=True, pre=pre)
    def spouse_word_between(df: pd.DataFrame) -> pd.Series:
        """A spouse word between mentions at most ``CLOSE`` tokens apart."""
        hit = df["between"].str.contains(_words(SPOUSE_WORDS), regex=True)
        return _vote(hit & (df["n_between"] <= CLOSE), POSITIVE)

    @lfs.labeling_function(vectorized=True, pre=pre)
    def spouse_word_left(df: pd.DataFrame) -> pd.Series:
        """A spouse word just left of a mention ("his wife Debby"), mentions close."""
        hit = df["left_window"].str.contains(_words(SPOUSE_WORDS), regex=True)
        return _vote(hit & (df["n_between"] <= CLOSE), POSITIVE)

    @lfs.labeling_function(vectorized=True, pre=pre)
    def married_close(df: pd.DataFrame) -> pd.Series:
        """ "married"/"wed" between two mentions at most 8 tokens apart."""
        hit = df["between"].str.contains(
            _words(["married", "marry", "marrying", "wed", "wedding"]), regex=True
        )
        return _vote(hit & (df["n_between"] <= 8), POSITIVE)

    @lfs.labeling_function(vectorized=True, pre=pre)
    def same_last_name(df: pd.DataFrame) -> pd.Series:
        """Two different full names with the same last name ("Tom and Shelly McMahon")."""
        same = (
            (df["person1_last"] != "")
            & (df["person1_last"] == df["person2_last"])
            & (df["person1"] != df["person2"])
        )
        family = df["between"].str.contains(_words(FAMILY_WORDS), regex=True)
        return _vote(same & ~family, POSITIVE)

    @lfs.labeling_function(vectorized=True, pre=pre)
    def couple_and(df: pd.DataFrame) -> pd.Series:
        """ "A and B" in a sentence that talks about marriage ("the couple", "wedding")."""
        joined = df["between"].str.strip().str.lower().isin(["and", "&"])
        return _vote(joined & df["sentence"].str.contains(MARRIAGE), POSITIVE)

    # -- text patterns, negative
    @lfs.labeling_function(vectorized=True, pre=pre)
    def no_marriage_context(df: pd.DataFrame) -> pd.Series:
        """The sentence never mentions marriage, a spouse or a couple."""
        return _vote(~df["sentence"].str.contains(MARRIAGE), NEGATIVE)

    lfs.add(
        keyword_lf(
            "family_word_between", FAMILY_WORDS, NEGATIVE, column="between", pre=pre
        )
    )
    lfs.add(
        keyword_lf(
            "family_word_left", FAMILY_WORDS, NEGATIVE, column="left_window", pre=pre
        )
    )
    lfs.add(
        keyword_lf(
            "other_relationship",
            OTHER_RELATIONSHIPS,
            NEGATIVE,
            column="between",
            pre=pre,
        )
    )

    @lfs.labeling_function(vectorized=True, pre=pre)
    def far_apart(df: pd.DataFrame) -> pd.Series:
        """Mentions more than ``MAX_BETWEEN`` tokens apart, no spouse word between."""
        spouse = df["between"].str.contains(
            _words([*SPOUSE_WORDS, "married"]), regex=True
        )
        return _vote((df["n_between"] > MAX_BETWEEN) & ~spouse, NEGATIVE)

    @lfs.labeling_function(vectorized=True, pre=pre)
    def same_person(df: pd.DataFrame) -> pd.Series:
        """Both mentions are the same name (or one is the other's last name)."""
        a, b = df["person1"].str.lower(), df["person2"].str.lower()
        same = (a == b) | (df["person1_last"] == b) | (df["person2_last"] == a)
        return _vote(same, NEGATIVE)

    # -- distant supervision (left out when there is nothing to look up)
    if pairs:
        lfs.add(
            lookup_lf(
                "known_spouses",
                pairs,
                columns=["person1", "person2"],
                label=POSITIVE,
                unordered=True,
                pre=pre,
            )
        )
    if last_name_pairs:
        lfs.add(
            lookup_lf(
                "known_spouse_last_names",
                last_name_pairs,
                columns=["person1_last", "person2_last"],
                label=POSITIVE,
                unordered=True,
                pre=pre,
            )
        )
    return lfs
