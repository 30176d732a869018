"""A tiny deterministic embedder for the embedding tests (no model files)."""

from __future__ import annotations

import numpy as np
import pytest

VOCAB = ("win", "prize", "free", "call", "lunch", "home", "love", "song")


class WordCounts:
    """Counts of a few words: similarities are easy to compute by hand."""

    batch_size = 3

    def __init__(self, name: str = "wordcounts-v1") -> None:
        self.name = name
        self.calls: list[int] = []

    def embed(self, texts):
        self.calls.append(len(texts))
        out = np.zeros((len(texts), len(VOCAB)), dtype=np.float32)
        for i, t in enumerate(texts):
            words = t.lower().replace("!", " ").replace(",", " ").split()
            for j, w in enumerate(VOCAB):
                out[i, j] = words.count(w)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


@pytest.fixture
def counts() -> WordCounts:
    return WordCounts()
