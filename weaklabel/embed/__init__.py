"""Text embeddings for labeling functions: an offline default, a cache, zero-shot and kNN LFs.

- :class:`Embedder`: the protocol (``name``, ``batch_size``, ``embed(texts)``
  returning L2-normalised float32 rows); :func:`embed_texts` checks it.
- :class:`WordLlamaEmbedder`: the default, shipped in the ``wordllama``
  wheel (``pip install 'weaklabel[embed]'``), never downloads.
- :class:`SentenceTransformerEmbedder`, :class:`TransformersEmbedder`:
  models the user has on disk, loaded offline.
- :class:`CLIPEmbedder`: a CLIP-style dual encoder on disk (CLIP, SigLIP):
  texts and images in one space.
- :class:`CachedEmbedder` / :class:`EmbeddingCache`: vectors kept in a SQLite
  file per (embedder, text).
- :func:`zero_shot_lf`, :func:`knn_lf`, :func:`extend_lf`,
  :func:`extend_votes`: labeling functions on top (see
  :mod:`weaklabel.embed.lfs`); calibrate their thresholds with
  :func:`weaklabel.calibration.calibrate_threshold`.
"""

from __future__ import annotations

from weaklabel.embed.adapters import SentenceTransformerEmbedder, TransformersEmbedder
from weaklabel.embed.base import Embedder, as_texts, embed_texts, normalize_rows
from weaklabel.embed.cache import CachedEmbedder, EmbeddingCache
from weaklabel.embed.clip import CLIPEmbedder
from weaklabel.embed.default import WordLlamaEmbedder
from weaklabel.embed.lfs import (
    DEFAULT_KNN_THRESHOLD,
    DEFAULT_ZERO_SHOT_MARGIN,
    embed_column,
    extend_lf,
    extend_votes,
    knn_lf,
    zero_shot_lf,
)

__all__ = [
    "DEFAULT_KNN_THRESHOLD",
    "DEFAULT_ZERO_SHOT_MARGIN",
    "CLIPEmbedder",
    "CachedEmbedder",
    "Embedder",
    "EmbeddingCache",
    "SentenceTransformerEmbedder",
    "TransformersEmbedder",
    "WordLlamaEmbedder",
    "as_texts",
    "embed_column",
    "embed_texts",
    "extend_lf",
    "extend_votes",
    "knn_lf",
    "normalize_rows",
    "zero_shot_lf",
]
