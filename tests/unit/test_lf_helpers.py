"""Tests of keyword_lf, regex_lf, lookup_lf, model_lf and search_mask."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from weaklabel.exceptions import LabelingFunctionError
from weaklabel.lf import LabelingFunction, LFRegistry
from weaklabel.lf_helpers import keyword_lf, lookup_lf, model_lf, regex_lf, search_mask

TEXTS = [
    "Check out my channel!",
    "subscribe please",
    "I subscribed yesterday",
    "win $100 now",
    None,
    "café olé",
    "line one\nline two",
]


@pytest.fixture(params=["str", "object"])
def df(request):
    return pd.DataFrame({"text": pd.Series(TEXTS, dtype=request.param)})


def votes(lf, frame, classes=("ham", "spam")):
    reg = LFRegistry(classes=list(classes))
    reg.add(lf)
    return reg.apply(frame)[lf.name].tolist()


def test_keyword_lf_whole_words_and_case(df):
    lf = keyword_lf("kw", ["subscribe", "check out"], "spam")
    assert isinstance(lf, LabelingFunction)
    assert lf.vectorized
    assert votes(lf, df) == [1, 1, -1, -1, -1, -1, -1]
    strict = keyword_lf("kw_cs", "Check out", "spam", case_sensitive=True)
    assert votes(strict, df) == [1, -1, -1, -1, -1, -1, -1]


def test_keyword_lf_punctuation_and_unicode(df):
    assert votes(keyword_lf("money", ["$100"], 1), df) == [-1, -1, -1, 1, -1, -1, -1]
    assert votes(keyword_lf("cafe", ["café"], 0), df) == [-1, -1, -1, -1, -1, 0, -1]
    assert votes(keyword_lf("ole", ["OLÉ"], 0), df) == [-1, -1, -1, -1, -1, 0, -1]


def test_keyword_lf_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        keyword_lf("kw", [], "spam")
    with pytest.raises(TypeError, match="non-empty string"):
        keyword_lf("kw", ["a", 3], "spam")
    with pytest.raises(TypeError, match="label"):
        keyword_lf("kw", ["a"], True)


def test_regex_lf(df):
    lf = regex_lf("re_sub", r"\bsubscri\w+", "spam")
    assert votes(lf, df) == [-1, 1, 1, -1, -1, -1, -1]
    case = regex_lf("re_case", r"^check", 1, flags=0)
    assert votes(case, df) == [-1] * 7
    compiled = regex_lf("re_comp", re.compile(r"two$"), "ham")
    assert votes(compiled, df) == [-1, -1, -1, -1, -1, -1, 0]


def test_regex_lf_python_only_syntax(df):
    # look-behind and back-references are not RE2: they fall back to re
    assert votes(regex_lf("lb", r"(?<=win )\$", "spam"), df)[3] == 1
    assert votes(regex_lf("br", r"(l)ine one\n\1", "spam"), df)[6] == 1


def test_regex_lf_invalid_pattern():
    with pytest.raises(
        ValueError, match=r"'bad'.*invalid regular expression.*position"
    ):
        regex_lf("bad", r"(unclosed", "spam")
    with pytest.raises(TypeError, match="pattern must be a str"):
        regex_lf("bad", 12, "spam")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes"):
        regex_lf("bad", re.compile(rb"x"), "spam")  # type: ignore[arg-type]


def test_regex_lf_missing_column_is_an_lf_error(df):
    lf = regex_lf("re", "x", "spam", column="body")
    with pytest.raises(LabelingFunctionError, match=r"'re'.*column 'body'"):
        votes(lf, df)


def test_regex_lf_on_non_text_column():
    frame = pd.DataFrame({"n": [10, 200, None]})
    assert votes(regex_lf("three_digits", r"^\d{3}", 1, column="n"), frame) == [
        -1,
        1,
        -1,
    ]
    cat = pd.DataFrame({"text": pd.Categorical(["spam it", "ok", None])})
    assert votes(keyword_lf("kw", ["spam"], 1), cat) == [1, -1, -1]


def test_lookup_lf_set_single_column():
    frame = pd.DataFrame({"author": ["Bot42", "ann", None, "bot42"]})
    lf = lookup_lf("bots", {"bot42"}, columns="author", label="spam")
    assert votes(lf, frame) == [-1, -1, -1, 1]
    nocase = lookup_lf(
        "bots_ci", ["BOT42"], columns="author", label="spam", case_sensitive=False
    )
    assert votes(nocase, frame) == [1, -1, -1, 1]


def test_lookup_lf_pairs_and_dict():
    frame = pd.DataFrame({"a": ["x", "y", "z"], "b": ["y", "x", "x"]})
    ordered = lookup_lf("pairs", {("x", "y")}, columns=["a", "b"], label=1)
    assert votes(ordered, frame) == [1, -1, -1]
    either = lookup_lf(
        "pairs_any", [("x", "y")], columns=("a", "b"), label=1, unordered=True
    )
    assert votes(either, frame) == [1, 1, -1]
    table = {("x", "y"): "spam", ("z", "x"): "ham", ("y", "x"): None}
    mapped = lookup_lf("pairs_map", table, columns=["a", "b"])
    assert votes(mapped, frame) == [1, -1, 0]


def test_lookup_lf_bad_arguments():
    with pytest.raises(ValueError, match="label="):
        lookup_lf("t", {"a"}, columns="x")
    with pytest.raises(ValueError, match="left out"):
        lookup_lf("t", {"a": "spam"}, columns="x", label="spam")
    with pytest.raises(ValueError, match="tuples of 2"):
        lookup_lf("t", {"a"}, columns=["x", "y"], label=1)
    with pytest.raises(ValueError, match="two columns"):
        lookup_lf("t", {"a"}, columns="x", label=1, unordered=True)
    with pytest.raises(ValueError, match="empty"):
        lookup_lf("t", set(), columns="x", label=1)
    with pytest.raises(TypeError, match="set/list"):
        lookup_lf("t", "abc", columns="x", label=1)


def test_lookup_lf_unhashable_values_abstain():
    frame = pd.DataFrame({"x": [["a"], "a"]})
    assert votes(lookup_lf("t", {"a"}, columns="x", label=0), frame) == [-1, 0]


def test_lookup_lf_with_pre_extracting_a_key():
    def domain(frame):
        return frame.assign(
            domain=frame.text.str.extract(r"https?://(?:www\.)?([^/\s]+)")[0]
        )

    lf = lookup_lf("bad_domain", {"spam.com"}, columns="domain", label=1, pre=[domain])
    frame = pd.DataFrame({"text": ["go http://www.spam.com/x", "http://ok.org", "no"]})
    assert votes(lf, frame) == [1, -1, -1]


def _toy_model(y):
    model = make_pipeline(CountVectorizer(), LogisticRegression(C=10.0))
    model.fit(["buy cheap pills", "win cash now", "lovely song", "great video"], y)
    return model


def test_model_lf_predict_proba_and_threshold():
    model = _toy_model(["spam", "spam", "ham", "ham"])
    frame = pd.DataFrame({"text": ["win cheap cash", "lovely great song", "zzz", None]})
    assert votes(model_lf("clf", model), frame)[:2] == [1, 0]
    strict = model_lf("clf_strict", model, threshold=0.99)
    assert votes(strict, frame) == [-1, -1, -1, -1]
    assert votes(model_lf("clf_all", model, threshold=0.0), frame)[2] in (0, 1)


def test_model_lf_indices_featurizer_and_label_map():
    model = _toy_model([1, 1, 0, 0])
    frame = pd.DataFrame({"body": ["WIN CASH", "great song"]})
    lf = model_lf("clf", model, column="body", featurizer=lambda s: s.str.lower())
    assert votes(lf, frame) == [1, 0]
    mapped = model_lf("clf_map", model, column="body", label_map={1: "spam", 0: None})
    assert votes(mapped, frame) == [1, -1]


def test_model_lf_predict_only():
    class Rule:
        def predict(self, X):
            return np.where(X.str.len() > 5, "spam", "ham")

    frame = pd.DataFrame({"text": ["short", "much longer"]})
    assert votes(model_lf("rule", Rule()), frame) == [0, 1]


def test_model_lf_bad_arguments():
    with pytest.raises(TypeError, match="predict_proba or predict"):
        model_lf("m", object())
    model = _toy_model([1, 1, 0, 0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model_lf("m", model, threshold=1.5)
    with pytest.raises(TypeError, match="threshold"):
        model_lf("m", model, threshold="high")  # type: ignore[arg-type]


# ------------------------------------------- search_mask agrees with Python's re

_ALPHABET = [
    *"ab xyz_-$.\n\t\x0b\x1c19",
    *"éß€K\u212aſİı\ufeff😀中\u0301\u00a0½①\U00010400\u2028\u3000",
]
_PATTERNS = [
    r"\bab",
    r"a\s+b",
    r"\S$",
    r"^a",
    r"x.z",
    r"[a-c]{2,}",
    r"k",
    r"s",
    r"i",
    r"\w+\b",
    r"\d",
    r"(?<=a)b",
    r"\$",
    r"b$",
    r"[^\w\s]",
    r"a{,2}b",
    r"[\[:a]",
]
_FLAGS = [0, re.IGNORECASE, re.MULTILINE, re.DOTALL, re.ASCII, re.VERBOSE]


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.none(), st.text(alphabet=_ALPHABET, max_size=10)),
        min_size=1,
        max_size=30,
    ),
    pattern=st.sampled_from(_PATTERNS),
    flags=st.sampled_from(_FLAGS),
    dtype=st.sampled_from(["str", "object"]),
)
def test_search_mask_matches_python_re(texts, pattern, flags, dtype):
    compiled = re.compile(pattern, flags)
    series = pd.Series(["pad", *texts], dtype=dtype).iloc[1:]  # a sliced array
    got = search_mask(series, compiled)
    expected = [isinstance(t, str) and compiled.search(t) is not None for t in texts]
    assert got.tolist() == expected


def test_search_mask_on_chunked_arrow_strings():
    import pyarrow as pa

    chunked = pa.chunked_array([["a ab", "é ab"], ["\ufeffab", None, "xab"]])
    series = pd.Series(pd.arrays.ArrowStringArray(chunked))
    compiled = re.compile(r"\bab")
    assert search_mask(series, compiled).tolist() == [True, True, True, False, False]
