import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.embed import CachedEmbedder, EmbeddingCache, embed_texts


def test_second_pass_hits_the_file(tmp_path, counts):
    path = tmp_path / "emb.sqlite"
    texts = ["win prize", "lunch at home", "win prize", "love song", ""]
    first = CachedEmbedder(counts, path)
    X = embed_texts(first, texts)
    assert (first.hits, first.misses) == (0, 5)
    assert sum(counts.calls) == 4  # the duplicate is embedded once
    # a new object (a new process would do the same) reads the file
    second = CachedEmbedder(counts, path)
    Y = embed_texts(second, ["love song", *texts])
    assert (second.hits, second.misses) == (6, 0)
    assert sum(counts.calls) == 4
    np.testing.assert_array_equal(Y[1:], X)
    assert len(EmbeddingCache(path)) == 4


def test_no_texts(tmp_path, counts):
    X = embed_texts(CachedEmbedder(counts, tmp_path / "e.sqlite"), [])
    assert X.shape == (0, 8)


def test_names_keep_embedders_apart(tmp_path, counts):
    path = tmp_path / "emb.sqlite"
    embed_texts(CachedEmbedder(counts, path), ["win"])
    other = CachedEmbedder(type(counts)("wordcounts-v2"), path)
    embed_texts(other, ["win"])
    assert other.misses == 1


def test_damaged_and_foreign_files(tmp_path, counts):
    path = tmp_path / "emb.sqlite"
    embed_texts(CachedEmbedder(counts, path), ["win"])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE embeddings SET vector = x'0000'")
    with pytest.raises(ValueError, match="damaged vector"):
        embed_texts(CachedEmbedder(counts, path), ["win"])
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE embeddings (a, b)")
    with pytest.raises(ValueError, match="did not write"):
        embed_texts(CachedEmbedder(counts, foreign), ["win"])
    text = tmp_path / "notes.txt"
    text.write_text("not a database, just some words " * 50)
    with pytest.raises(ValueError, match="not an embedding cache"):
        embed_texts(CachedEmbedder(counts, text), ["win"])
    assert text.read_text().startswith("not a database")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        embed_texts(CachedEmbedder(counts, tmp_path / "no" / "e.sqlite"), ["win"])


class _Letters:
    """A module-level embedder (picklable by reference from this module)."""

    name, batch_size = "letters-v1", 8

    def embed(self, texts):
        out = np.array([[t.count("a"), t.count("b"), 1] for t in texts], np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_pickles_as_a_path(tmp_path):
    import pickle

    cached = CachedEmbedder(_Letters(), tmp_path / "e.sqlite")
    embed_texts(cached, ["ab"])
    data = pickle.dumps(cached)
    assert b"e.sqlite" in data
    clone = pickle.loads(data)
    embed_texts(clone, ["ab"])
    assert clone.hits == 1


@settings(max_examples=25)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=8), st.integers(1, 6))
def test_round_trip_is_exact(tmp_path_factory, texts, dim):
    path = tmp_path_factory.mktemp("c") / "e.sqlite"
    rng = np.random.default_rng(len(texts) * 7 + dim)
    V = rng.normal(size=(len(texts), dim)).astype(np.float32)
    cache = EmbeddingCache(path)
    unique = list(dict.fromkeys(texts))
    vecs = V[: len(unique)]
    cache.put("m", unique, vecs)
    got, found = cache.get("m", texts)
    assert found == len(texts)
    for t, g in zip(texts, got, strict=True):
        np.testing.assert_array_equal(g, vecs[unique.index(t)])
    cache.close()
