"""Embedders over sentence-transformers and Hugging Face transformers models.

Both load a model the user already has on disk (a local folder, or a name
found in the Hugging Face cache) with ``local_files_only=True`` and the hub's
offline flags set while loading: no network call unless the user passes
``allow_download=True``.  The model is loaded on first use and never
pickled: a worker process that receives the embedder loads it once.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from weaklabel.embed.base import normalize_rows

__all__ = ["SentenceTransformerEmbedder", "TransformersEmbedder"]

_OFFLINE_FLAGS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


@contextlib.contextmanager
def offline(enabled: bool = True) -> Iterator[None]:
    """Set the Hugging Face offline flags for the duration of a load."""
    if not enabled:
        yield
        return
    saved = {k: os.environ.get(k) for k in _OFFLINE_FLAGS}
    os.environ.update(dict.fromkeys(_OFFLINE_FLAGS, "1"))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _missing(model: str, exc: BaseException, package: str) -> OSError:
    return OSError(
        f"Could not load {package} model {model!r} from local files ({exc}). It"
        " must be a local folder or already in the Hugging Face cache; weaklabel"
        " does not download models unless you pass allow_download=True."
    )


class _LazyModel:
    """A model loaded once, on first use, under a lock; never pickled."""

    model: str
    batch_size: int
    device: str
    allow_download: bool

    def _init_lazy(self) -> None:
        self._loaded: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        raise NotImplementedError

    def _get(self) -> Any:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("_loaded", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._init_lazy()


class SentenceTransformerEmbedder(_LazyModel):
    """Embed texts with a locally available sentence-transformers model.

    Parameters
    ----------
    model : str
        A local folder or a model name already in the Hugging Face cache
        (e.g. ``"sentence-transformers/all-MiniLM-L6-v2"``).
    batch_size : int, default=64
        Texts per forward pass.
    device : str, default="cpu"
        Torch device.
    allow_download : bool, default=False
        Let the hub download the model when it is not cached.

    Raises
    ------
    ImportError
        On first use, if sentence-transformers is not installed.
    OSError
        On first use, if the model is not on disk (and downloads are off).
    """

    def __init__(
        self,
        model: str,
        *,
        batch_size: int = 64,
        device: str = "cpu",
        allow_download: bool = False,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.allow_download = allow_download
        self._init_lazy()

    @property
    def name(self) -> str:
        """Cache key: ``"sentence-transformers:<model>"``."""
        return f"sentence-transformers:{self.model}"

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.model!r})"

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                "SentenceTransformerEmbedder needs sentence-transformers:"
                " pip install sentence-transformers."
            ) from exc
        with offline(not self.allow_download):
            try:
                return SentenceTransformer(
                    self.model,
                    device=self.device,
                    local_files_only=not self.allow_download,
                )
            except OSError as exc:
                raise _missing(self.model, exc, "sentence-transformers") from exc

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised sentence embeddings of shape (len(texts), dim)."""
        out = self._get().encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalize_rows(out)


class TransformersEmbedder(_LazyModel):
    """Mean-pooled hidden states of a locally available Hugging Face model.

    Parameters
    ----------
    model : str
        A local folder or a model name already in the Hugging Face cache.
    batch_size : int, default=32
        Texts per forward pass.
    max_length : int, default=256
        Tokens kept per text.
    device : str, default="cpu"
        Torch device.
    allow_download : bool, default=False
        Let the hub download the model when it is not cached.
    """

    def __init__(
        self,
        model: str,
        *,
        batch_size: int = 32,
        max_length: int = 256,
        device: str = "cpu",
        allow_download: bool = False,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.allow_download = allow_download
        self._init_lazy()

    @property
    def name(self) -> str:
        """Cache key: ``"transformers:<model>:mean:<max_length>"``."""
        return f"transformers:{self.model}:mean:{self.max_length}"

    def __repr__(self) -> str:
        return f"TransformersEmbedder({self.model!r})"

    def _load(self) -> Any:
        try:
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:
            raise ImportError(
                "TransformersEmbedder needs transformers and torch:"
                " pip install transformers."
            ) from exc
        local = not self.allow_download
        with offline(local):
            try:
                tok = AutoTokenizer.from_pretrained(self.model, local_files_only=local)
                net = AutoModel.from_pretrained(self.model, local_files_only=local)
            except OSError as exc:
                raise _missing(self.model, exc, "transformers") from exc
        net.eval().to(self.device)
        return (tok, net)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised mean of the last hidden states, shape (len(texts), dim)."""
        import torch

        tok, net = self._get()
        parts = []
        with torch.inference_mode():
            for a in range(0, len(texts), max(self.batch_size, 1)):
                batch = tok(
                    list(texts[a : a + self.batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                hidden = net(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                parts.append(pooled.float().cpu().numpy())
        if not parts:
            return np.zeros((0, int(net.config.hidden_size)), dtype=np.float32)
        return normalize_rows(np.concatenate(parts))
