"""Fixtures of the weaklabel.scale tests: Dask's synchronous scheduler, an LF
registry, a text frame with a non-default index, and synthetic vote frames."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")

from weaklabel.lf import LFRegistry  # noqa: E402
from weaklabel.synthetic import make_votes  # noqa: E402


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture
def registry() -> LFRegistry:
    """Row-wise, vectorized and resource-using LFs (a fresh registry per test)."""
    return _registry()


def _registry() -> LFRegistry:
    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text else None

    @lfs.labeling_function(vectorized=True)
    def short(df):
        return df.text.str.len().lt(12).map({True: "ham", False: None})

    @lfs.labeling_function(resources={"words": frozenset({"check", "subscribe"})})
    def spam_words(row, words):
        return 1 if any(w in row.text.lower() for w in words) else -1

    @lfs.labeling_function()
    def love(row):
        return "ham" if "love" in row.text.lower() else None

    return lfs


@pytest.fixture
def frame() -> pd.DataFrame:
    texts = [
        "check out http://spam.example",
        "love this song",
        "nice",
        "Subscribe to my channel",
        "I love it, http://x.io",
        "meh",
        "great video, really great",
        "CHECK my page",
    ]
    df = pd.DataFrame({"text": texts * 25})
    df.index = pd.Index(np.arange(len(df)) * 3 + 7, name="row")
    return df


@pytest.fixture
def make_votes_frame() -> Callable[..., pd.DataFrame]:
    """``make_votes_frame(n, m, seed)``: synthetic binary votes, index from 100."""
    return _votes


def _votes(n=4000, m=8, seed=0):
    data = make_votes(n, m, 2, random_state=seed)
    L = pd.DataFrame(data.L, columns=[f"lf{j}" for j in range(m)])
    L.index = L.index + 100
    return L
