"""The :class:`Embedder` protocol and the checks every embedding goes through.

An embedder turns a list of texts into a float32 array with one
L2-normalised row per text.  Anything with a ``name`` (which identifies the
model and its settings, used as the cache key), a ``batch_size`` and an
``embed(texts)`` method is an embedder; :func:`embed_texts` calls it and
checks what comes back.

Examples
--------
>>> import numpy as np
>>> class Letters:
...     name, batch_size = "letters-v1", 64
...     def embed(self, texts):
...         return np.array([[t.count("a"), t.count("b")] for t in texts], "float32")
>>> isinstance(Letters(), Embedder)
True
>>> embed_texts(Letters(), ["aab", "b", ""]).round(3)
array([[0.894, 0.447],
       [0.   , 1.   ],
       [0.   , 0.   ]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["Embedder", "as_texts", "embed_texts", "normalize_rows"]


@runtime_checkable
class Embedder(Protocol):
    """Anything that embeds texts: ``name``, ``batch_size`` and ``embed(texts)``.

    Attributes
    ----------
    name : str
        Identifies the model and every setting that changes the vectors (for
        example ``"wordllama-l2_supercat-256"``); embeddings are cached under
        it, so two embedders with the same name must give the same vectors.
    batch_size : int
        How many texts ``embed`` is given at a time by the cache and the LFs.
    """

    @property
    def name(self) -> str:
        """Identifies the model and its settings (the cache key)."""
        ...

    @property
    def batch_size(self) -> int:
        """Texts per call to ``embed``."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts``: an array of shape (len(texts), dim), rows L2-normalised.

        An empty text may give a zero row.
        """
        ...


def normalize_rows(X: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Rows of ``X`` scaled to unit L2 norm (zero rows stay zero), as float32.

    Examples
    --------
    >>> normalize_rows([[3, 4], [0, 0]])
    array([[0.6, 0.8],
           [0. , 0. ]], dtype=float32)
    """
    A = np.array(X, dtype=np.float32, copy=True)
    if A.ndim != 2:
        raise ValueError(f"Expected a 2-d array of embeddings; got shape {A.shape}.")
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    np.divide(A, norms, out=A, where=norms > 0)
    return A


def as_texts(values: Iterable[Any] | pd.Series) -> list[str]:
    """The values as a list of str: missing values become ``""``, others ``str(v)``.

    Examples
    --------
    >>> as_texts(pd.Series(["a", None, 3, float("nan")]))
    ['a', '', '3', '']
    """
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(v)
        elif v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            out.append("")
        else:
            out.append(str(v))
    return out


def check_embedder(embedder: Any, what: str = "embedder") -> Embedder:
    """Raise a TypeError naming ``what`` unless ``embedder`` follows the protocol."""
    if not isinstance(embedder, Embedder):
        missing = [
            a for a in ("name", "batch_size", "embed") if not hasattr(embedder, a)
        ]
        raise TypeError(
            f"{what} must follow the weaklabel.embed.Embedder protocol (a name, a"
            f" batch_size and an embed(texts) method); got"
            f" {type(embedder).__name__}, which lacks {missing}. Use"
            " weaklabel.embed.WordLlamaEmbedder() or wrap your model in a class"
            " with those three members."
        )
    if not isinstance(embedder.name, str) or not embedder.name:
        raise TypeError(
            f"{what}.name must be a non-empty str (the cache key); got"
            f" {embedder.name!r}."
        )
    return embedder


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Call ``embedder.embed`` in batches and check the result.

    Parameters
    ----------
    embedder : Embedder
        The model.
    texts : sequence of str
        The texts.

    Returns
    -------
    ndarray of shape (len(texts), dim), float32
        L2-normalised rows (zero rows for texts the embedder gave a zero
        vector, e.g. empty ones).

    Raises
    ------
    ValueError
        If the embedder returns the wrong number of rows, a non-2-d array, or
        non-finite values; the message names the embedder.
    """
    check_embedder(embedder)
    n = len(texts)
    size = int(embedder.batch_size) if int(embedder.batch_size) > 0 else 256
    parts = []
    for a in range(0, max(n, 1), size):
        chunk = list(texts[a : a + size])
        if not chunk and n:
            break
        out = np.asarray(embedder.embed(chunk))
        if out.ndim != 2 or out.shape[0] != len(chunk):
            raise ValueError(
                f"Embedder {embedder.name!r} returned an array of shape"
                f" {out.shape} for {len(chunk)} texts; expected ({len(chunk)}, dim)."
            )
        if out.size and not np.isfinite(out).all():
            raise ValueError(
                f"Embedder {embedder.name!r} returned NaN or infinite values;"
                " check the model (an empty text should give a zero row)."
            )
        parts.append(out)
        if n == 0:
            break
    X = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
    return normalize_rows(X)
