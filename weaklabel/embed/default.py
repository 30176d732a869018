"""The offline default embedder: WordLlama, whose wheel ships its model.

WordLlama (``pip install wordllama``, MIT) averages token embeddings
distilled from a large language model's input layer.  Its wheel carries the
256-dimensional ``l2_supercat`` weights (16 MB) and the tokenizer, so this
embedder loads them from the installed package's own folder with downloads
disabled: it never touches the network.  It embeds 7,000 short texts a
second on one idle CPU core here (3,600 on a loaded one; see
``benchmarks/results/bench_model_lfs.md``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from weaklabel.embed.base import normalize_rows

__all__ = ["WordLlamaEmbedder"]

_DIMS = (64, 128, 256)


@functools.lru_cache(maxsize=1)
def _load_wordllama() -> tuple[npt.NDArray[np.float32], Any, str]:
    """Weights, tokenizer and version of the model shipped in the wordllama wheel.

    Loaded once per process and shared (read-only) by every embedder.
    """
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:
        raise ImportError(
            "WordLlamaEmbedder needs the wordllama package: pip install"
            " 'weaklabel[embed]' (or pip install wordllama)."
        ) from exc
    folder = Path(wordllama.__file__).resolve().parent
    try:
        model = WordLlama.load(cache_dir=folder, disable_download=True)
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"The wordllama package at {str(folder)!r} does not ship its model"
            f" files ({exc}); reinstall it from the wheel: pip install"
            " --force-reinstall wordllama."
        ) from exc
    weights = np.ascontiguousarray(model.embedding, dtype=np.float32)
    weights.flags.writeable = False
    if weights.ndim != 2 or weights.shape[1] != 256:
        raise ValueError(
            f"The wordllama model has weights of shape {weights.shape}; expected"
            " (vocabulary, 256). This wordllama version is not supported."
        )
    tokenizer = model.tokenizer
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return weights, tokenizer, str(getattr(wordllama, "__version__", "unknown"))


class WordLlamaEmbedder:
    """Embed texts with the WordLlama model shipped in the ``wordllama`` wheel.

    The model is loaded on the first call to :meth:`embed` (0.1 s), never
    downloaded; pickling the embedder (to send it to a worker process or a
    Dask worker) sends only its settings, and each process loads the model
    once.

    Parameters
    ----------
    dim : {64, 128, 256}, default=256
        Keep the first ``dim`` dimensions (WordLlama is trained with
        Matryoshka loss, so truncated vectors remain good embeddings).
    batch_size : int, default=1024
        Texts tokenized at a time.

    Attributes
    ----------
    name : str
        ``"wordllama-l2_supercat-<dim>"``, the cache key.

    Examples
    --------
    >>> emb = WordLlamaEmbedder()
    >>> X = emb.embed(["free ringtones, text WIN now", "see you at lunch", ""])
    >>> X.shape, X.dtype
    ((3, 256), dtype('float32'))
    >>> bool(abs(np.linalg.norm(X[0]) - 1) < 1e-5), float(np.abs(X[2]).sum())
    (True, 0.0)
    """

    def __init__(self, dim: int = 256, batch_size: int = 1024) -> None:
        self.dim = dim
        self.batch_size = batch_size
        self._model: tuple[npt.NDArray[np.float32], Any] | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Cache key: the model and its dimension."""
        return f"wordllama-l2_supercat-{self.dim}"

    def __repr__(self) -> str:
        return f"WordLlamaEmbedder(dim={self.dim}, batch_size={self.batch_size})"

    def __getstate__(self) -> dict[str, Any]:
        return {"dim": self.dim, "batch_size": self.batch_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def _loaded(self) -> tuple[npt.NDArray[np.float32], Any]:
        if self._model is None:
            if self.dim not in _DIMS:
                raise ValueError(
                    f"WordLlamaEmbedder: dim must be one of {_DIMS}; got {self.dim!r}."
                )
            with self._lock:
                if self._model is None:
                    weights, tokenizer, _ = _load_wordllama()
                    weights = np.ascontiguousarray(weights[:, : self.dim])
                    self._model = (weights, tokenizer)
        return self._model

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Mean of the token vectors of each text, L2-normalised.

        Parameters
        ----------
        texts : sequence of str
            The texts; an empty one gives a zero row.

        Returns
        -------
        ndarray of shape (len(texts), dim), float32
        """
        weights, tokenizer = self._loaded()
        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        size = max(int(self.batch_size), 1)
        for a in range(0, n, size):
            chunk = [t if isinstance(t, str) else str(t) for t in texts[a : a + size]]
            encoded = tokenizer.encode_batch(chunk, add_special_tokens=False)
            lengths = np.fromiter((len(e.ids) for e in encoded), np.int64, len(chunk))
            if not lengths.any():
                continue
            ids = np.fromiter(
                (i for e in encoded for i in e.ids), np.int64, int(lengths.sum())
            )
            np.clip(ids, 0, weights.shape[0] - 1, out=ids)
            # the mean's scale does not matter: rows are normalised below
            _segment_sum(out[a : a + len(chunk)], weights[ids], lengths)
        return normalize_rows(out)


def _segment_sum(
    out: npt.NDArray[np.float32],
    vectors: npt.NDArray[np.float32],
    lengths: npt.NDArray[np.int64],
) -> None:
    """``out[i] = vectors[rows of segment i].sum(0)`` for consecutive segments."""
    nonempty = lengths > 0
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
    out[nonempty] = np.add.reduceat(vectors, starts, axis=0)
