"""Frozen feature helpers for items that come without features.

- Text: any embedder (an object with ``embed(texts)``, like weaklabel's
  ``Embedder`` protocol in :mod:`weaklabel.embed`, or a plain callable
  ``texts -> array``), else TF-IDF + truncated SVD (LSA), fitted on the texts.
- Images: fixed pixel features (downsampled colour thumbnails) plus a
  HOG-like histogram of gradient orientations per cell; no training, no
  download.

Examples
--------
>>> enc = TextEncoder(n_components=2).fit(["red apple", "green apple", "blue sky"])
>>> enc.transform(["red sky"]).shape
(1, 2)
>>> import numpy as np
>>> image_features(np.zeros((3, 32, 32, 3), dtype=np.uint8), size=8).shape
(3, 320)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator

from weaklabel.exceptions import NotFittedError, WeakLabelError

__all__ = ["TextEncoder", "image_features"]


def _resolve_embedder(embedder: Any) -> Any:
    if embedder == "wordllama":
        # weaklabel's offline default Embedder (the embed extra); nothing downloads
        from weaklabel.embed.default import WordLlamaEmbedder

        return WordLlamaEmbedder()
    return embedder


def _call_embedder(embedder: Any, texts: list[str]) -> npt.NDArray[np.float32]:
    if hasattr(embedder, "embed"):
        out = embedder.embed(texts)
    elif callable(embedder):
        out = embedder(texts)
    else:
        raise WeakLabelError(
            "embedder must have an embed(texts) method (weaklabel.embed.Embedder)"
            f" or be a callable texts -> array; got {type(embedder).__name__}."
        )
    arr = np.asarray(out, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] != len(texts):
        raise WeakLabelError(
            f"The embedder returned shape {arr.shape} for {len(texts)} texts; it must"
            " return one row per text."
        )
    return arr


class TextEncoder(BaseEstimator):
    """Text -> dense features: an embedder if given, else TF-IDF + SVD.

    Parameters
    ----------
    n_components : int, default=128
        SVD dimension (capped by the vocabulary and the number of texts).
    analyzer : {"word", "char_wb"}, default="word"
        TF-IDF tokens; "char_wb" (character 2-4-grams) suits short names.
    embedder : object, callable or "wordllama", default=None
        Used instead of TF-IDF: any :class:`weaklabel.embed.Embedder`
        (``embedder.embed(texts)``) or callable ``embedder(texts)``, returning
        (n_texts, dim); "wordllama" is weaklabel's offline default embedder
        (the ``embed`` extra).
    random_state : int, default=0
        Seed of the randomized SVD.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer or None
    svd_ : TruncatedSVD or None
    """

    def __init__(
        self,
        n_components: int = 128,
        *,
        analyzer: str = "word",
        embedder: Any = None,
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.analyzer = analyzer
        self.embedder = embedder
        self.random_state = random_state

    def fit(self, texts: Sequence[str]) -> TextEncoder:
        """Fit TF-IDF and SVD on ``texts`` (nothing to fit with an embedder)."""
        docs = [str(t) for t in texts]
        if self.embedder is not None:
            self.vectorizer_ = None
            self.svd_ = None
            self.embedder_ = _resolve_embedder(self.embedder)
            return self
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self.analyzer == "char_wb":
            vec = TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True
            )
        else:
            vec = TfidfVectorizer(
                token_pattern=r"(?u)\b\w\w+\b", sublinear_tf=True, min_df=1
            )
        X = vec.fit_transform(docs)
        k = max(1, min(self.n_components, X.shape[1] - 1, X.shape[0] - 1))
        self.vectorizer_ = vec
        self.svd_ = TruncatedSVD(k, random_state=self.random_state).fit(X)
        return self

    def transform(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Features of ``texts``: array of shape (n_texts, n_components or dim)."""
        docs = [str(t) for t in texts]
        if self.embedder is not None:
            embedder = getattr(self, "embedder_", None) or _resolve_embedder(
                self.embedder
            )
            return _call_embedder(embedder, docs)
        if not hasattr(self, "svd_"):
            raise NotFittedError("This TextEncoder is not fitted yet; call fit first.")
        assert self.vectorizer_ is not None
        assert self.svd_ is not None
        Z = self.svd_.transform(self.vectorizer_.transform(docs))
        return np.asarray(Z, dtype=np.float32)

    def fit_transform(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """``fit(texts).transform(texts)``."""
        return self.fit(texts).transform(texts)


def _resize(images: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.float64]:
    """Area-average downsampling of (n, H, W, C) to (n, size, size, C)."""
    n, h, w, c = images.shape
    ys = np.linspace(0, h, size + 1).astype(int)
    xs = np.linspace(0, w, size + 1).astype(int)
    out = np.empty((n, size, size, c))
    for i in range(size):
        for j in range(size):
            block = images[
                :, ys[i] : max(ys[i + 1], ys[i] + 1), xs[j] : max(xs[j + 1], xs[j] + 1)
            ]
            out[:, i, j] = block.mean(axis=(1, 2))
    return out


def image_features(
    images: npt.ArrayLike,
    *,
    size: int = 16,
    cells: int = 4,
    bins: int = 8,
    hog: bool = True,
) -> npt.NDArray[np.float32]:
    """Fixed pixel and gradient-orientation features of images.

    Parameters
    ----------
    images : array-like of shape (n, H, W) or (n, H, W, C)
        Pixel values (uint8 0-255 or floats in [0, 1]).
    size : int, default=16
        Side of the colour thumbnail.
    cells : int, default=4
        The HOG-like part uses ``cells x cells`` cells over the grey image...
    bins : int, default=8
        ...each with a histogram of ``bins`` unsigned gradient orientations,
        weighted by gradient magnitude and L2-normalised per cell.
    hog : bool, default=True
        Include the orientation histograms.

    Returns
    -------
    ndarray of shape (n, size * size * C + cells * cells * bins)
    """
    arr = np.asarray(images, dtype=np.float64)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[0] == 0:
        raise WeakLabelError(
            f"images must have shape (n, H, W) or (n, H, W, C); got {arr.shape}."
        )
    if arr.max() > 1.0:
        arr = arr / 255.0
    parts = [_resize(arr, size).reshape(len(arr), -1)]
    if hog:
        grey = arr.mean(axis=3)
        gy, gx = np.gradient(grey, axis=(1, 2))
        mag = np.hypot(gx, gy)
        ang = np.mod(np.arctan2(gy, gx), np.pi)
        b = np.minimum((ang / np.pi * bins).astype(int), bins - 1)
        n, h, w = grey.shape
        ys = np.linspace(0, h, cells + 1).astype(int)
        xs = np.linspace(0, w, cells + 1).astype(int)
        hist = np.zeros((n, cells, cells, bins))
        for i in range(cells):
            for j in range(cells):
                mb = mag[:, ys[i] : ys[i + 1], xs[j] : xs[j + 1]].reshape(n, -1)
                bb = b[:, ys[i] : ys[i + 1], xs[j] : xs[j + 1]].reshape(n, -1)
                for k in range(bins):
                    hist[:, i, j, k] = (mb * (bb == k)).sum(axis=1)
        norm = np.linalg.norm(hist, axis=3, keepdims=True)
        hist = hist / np.where(norm > 0, norm, 1.0)
        parts.append(hist.reshape(n, -1))
    return np.concatenate(parts, axis=1).astype(np.float32)


EmbedFn = Callable[[list[str]], npt.ArrayLike]
