"""An on-disk embedding cache: one SQLite file, keyed by (embedder name, text).

Re-applying LFs after editing one rule then costs a look-up per text instead
of a forward pass.  Vectors are stored as raw float32 bytes with their
dimension and read back with :func:`numpy.frombuffer` (never pickle); a
row whose size does not match its dimension is an error.  SQLite makes each
write atomic, and several processes (joblib or Dask workers) may share one
file: they wait for each other's writes (WAL mode, a busy timeout).

Examples
--------
>>> import tempfile, pathlib
>>> from weaklabel.embed.base import embed_texts
>>> class Letters:
...     name, batch_size, calls = "letters-v1", 64, 0
...     def embed(self, texts):
...         Letters.calls += len(texts)
...         return np.array([[t.count("a"), t.count("b")] for t in texts], "float32")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "emb.sqlite"
>>> cached = CachedEmbedder(Letters(), path)
>>> X = embed_texts(cached, ["ab", "b", "ab"])
>>> Y = embed_texts(cached, ["b", "ab"])
>>> Letters.calls, cached.name, bool((Y == X[1::-1]).all())
(2, 'letters-v1', True)
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from weaklabel._sqlite_cache import thread_connection
from weaklabel.embed.base import Embedder, check_embedder, normalize_rows

__all__ = ["CachedEmbedder", "EmbeddingCache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    embedder TEXT NOT NULL,
    key BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, key)
) WITHOUT ROWID
"""
_BATCH = 500  # SQLite host parameters per query


def text_key(text: str) -> bytes:
    """The 16-byte key of a text (BLAKE2b of its UTF-8 bytes)."""
    return hashlib.blake2b(
        text.encode("utf-8", "surrogatepass"), digest_size=16
    ).digest()


class EmbeddingCache:
    """A SQLite file of embeddings keyed by (embedder name, text).

    Parameters
    ----------
    path : str or os.PathLike
        The SQLite file; created (with its table) if missing.  Its folder
        must exist.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist.
    ValueError
        If ``path`` exists and is not an embedding cache written by weaklabel.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.path)!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    def _connect(self) -> sqlite3.Connection:
        return thread_connection(
            self._local,
            self.path,
            what="an embedding cache",
            schema=[_SCHEMA],
            table="embeddings",
            columns=["embedder", "key", "dim", "vector"],
        )

    def get(
        self, embedder: str, texts: Sequence[str]
    ) -> tuple[list[npt.NDArray[np.float32] | None], int]:
        """The stored vector of each text (None if absent) and the number found."""
        conn = self._connect()
        keys = [text_key(t) for t in texts]
        found: dict[bytes, npt.NDArray[np.float32]] = {}
        unique = list(dict.fromkeys(keys))
        for a in range(0, len(unique), _BATCH):
            part = unique[a : a + _BATCH]
            marks = ",".join("?" * len(part))
            rows = conn.execute(
                "SELECT key, dim, vector FROM embeddings WHERE embedder = ?"
                f" AND key IN ({marks})",
                [embedder, *part],
            ).fetchall()
            for key, dim, blob in rows:
                if not isinstance(blob, bytes) or len(blob) != 4 * int(dim):
                    raise ValueError(
                        f"Embedding cache {str(self.path)!r} holds a damaged vector"
                        f" for embedder {embedder!r} ({len(blob)} bytes for"
                        f" dimension {dim}); delete the file to rebuild it."
                    )
                found[key] = np.frombuffer(blob, dtype="<f4")
        out = [found.get(k) for k in keys]
        return out, sum(v is not None for v in out)

    def put(
        self, embedder: str, texts: Sequence[str], vectors: npt.NDArray[np.float32]
    ) -> None:
        """Store one vector per text (one transaction: all or nothing)."""
        V = np.ascontiguousarray(vectors, dtype="<f4")
        dim = int(V.shape[1])
        rows = [
            (embedder, text_key(t), dim, V[i].tobytes()) for i, t in enumerate(texts)
        ]
        conn = self._connect()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows
            )

    def __len__(self) -> int:
        row = self._connect().execute("SELECT COUNT(*) FROM embeddings").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close this thread's connection (a later call reopens it)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class CachedEmbedder:
    """An :class:`Embedder` that looks texts up in an :class:`EmbeddingCache` first.

    Only texts missing from the cache are sent to ``embedder``; their vectors
    are stored.  The name (and so the cache key of anything built on it) is
    the wrapped embedder's.

    Parameters
    ----------
    embedder : Embedder
        The model.
    path : str or os.PathLike
        The SQLite cache file.

    Attributes
    ----------
    hits, misses : int
        Texts found in / missing from the cache, in this process, since creation.
    """

    def __init__(self, embedder: Embedder, path: str | os.PathLike[str]) -> None:
        self.embedder = check_embedder(embedder, "CachedEmbedder's embedder")
        self.cache = EmbeddingCache(path)
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        """The wrapped embedder's name."""
        return self.embedder.name

    @property
    def batch_size(self) -> int:
        """Texts looked up at a time (at least the wrapped embedder's batch)."""
        return max(int(self.embedder.batch_size), 4096)

    def __repr__(self) -> str:
        return f"CachedEmbedder({self.embedder!r}, {str(self.cache.path)!r})"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Vectors of ``texts``: from the cache, or computed and stored."""
        if not texts:
            return np.asarray(self.embedder.embed([]), dtype=np.float32)
        stored, n_found = self.cache.get(self.name, texts)
        self.hits += n_found
        missing = [i for i, v in enumerate(stored) if v is None]
        self.misses += len(missing)
        new: npt.NDArray[np.float32] | None = None
        if missing:
            todo = list(dict.fromkeys(texts[i] for i in missing))
            from weaklabel.embed.base import embed_texts

            new = embed_texts(self.embedder, todo)
            self.cache.put(self.name, todo, new)
            where = {t: j for j, t in enumerate(todo)}
            for i in missing:
                stored[i] = new[where[texts[i]]]
        dims = {v.shape[0] for v in stored if v is not None}
        if len(dims) != 1:
            raise ValueError(
                f"Embedding cache {str(self.cache.path)!r} holds vectors of"
                f" dimensions {sorted(dims)} for embedder {self.name!r}; two models"
                " share this name. Give them distinct names, or use a new cache file."
            )
        return normalize_rows(np.stack(stored))  # type: ignore[arg-type]
