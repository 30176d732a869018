"""Text and image embeddings from a locally available CLIP-style model.

:class:`CLIPEmbedder` wraps any Hugging Face ``transformers`` model with the
dual-encoder interface (``get_text_features`` / ``get_image_features``): OpenAI
CLIP, SigLIP, and the open_clip / LAION checkpoints published in transformers
format.  Like the other adapters it loads only from local files (a folder, or a
name already in the Hugging Face cache) unless ``allow_download=True``, loads
on first use, and is never pickled with its weights.

Its text side is an :class:`~weaklabel.embed.Embedder` (usable by
:func:`~weaklabel.embed.zero_shot_lf`, :func:`~weaklabel.embed.knn_lf` and the
embedding cache); :meth:`CLIPEmbedder.embed_images` gives the image side, e.g.
frozen image features for :class:`weaklabel.align.PairAligner`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from weaklabel.embed.adapters import _LazyModel, _missing, offline
from weaklabel.embed.base import normalize_rows

__all__ = ["CLIPEmbedder"]

ImageInput = npt.NDArray[Any] | Sequence[Any]
"""An array (n, H, W[, C]) or a sequence of PIL images, arrays or file paths."""


def _features(output: Any) -> Any:
    """The projected embeddings of ``get_*_features`` in transformers 4 and 5."""
    pooled = getattr(output, "pooler_output", None)
    return output if pooled is None else pooled


def _as_pil(item: Any) -> Any:
    """One image as an RGB PIL image: from a PIL image, an array or a path."""
    from PIL import Image

    if isinstance(item, Image.Image):
        return item.convert("RGB")
    if isinstance(item, (str, os.PathLike)):
        with Image.open(item) as img:
            return img.convert("RGB")
    arr = np.asarray(item)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
        raise ValueError(
            "CLIPEmbedder.embed_images: each image must be (H, W) or (H, W, C)"
            f" with C in 1, 3, 4; got an array of shape {arr.shape}. Pass PIL"
            " images, file paths, or arrays of that shape."
        )
    if arr.dtype != np.uint8:
        if not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr).all():
            raise ValueError(
                "CLIPEmbedder.embed_images: image arrays must hold finite"
                f" numbers; got dtype {arr.dtype}."
            )
        scale = 255.0 if arr.max(initial=0) <= 1.0 else 1.0
        arr = np.clip(np.rint(arr * scale), 0, 255).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return Image.fromarray(arr).convert("RGB")


class CLIPEmbedder(_LazyModel):
    """Embed texts and images with a local CLIP-style ``transformers`` model.

    Parameters
    ----------
    model : str
        A local folder or a model name already in the Hugging Face cache
        (e.g. ``"openai/clip-vit-base-patch32"``,
        ``"google/siglip-base-patch16-224"``).
    batch_size : int, default=32
        Texts or images per forward pass.
    device : str, default="cpu"
        Torch device (``"cuda"`` where present).
    allow_download : bool, default=False
        Let the hub download the model when it is not cached.

    Raises
    ------
    ImportError
        On first use, if transformers (or Pillow, for images) is not installed.
    OSError
        On first use, if the model is not on disk (and downloads are off).

    Examples
    --------
    >>> clip = CLIPEmbedder("openai/clip-vit-base-patch32")  # nothing loads yet
    >>> clip.name
    'clip:openai/clip-vit-base-patch32'
    """

    def __init__(
        self,
        model: str,
        *,
        batch_size: int = 32,
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
        """Cache key: ``"clip:<model>"`` (text and image vectors share a space)."""
        return f"clip:{self.model}"

    def __repr__(self) -> str:
        return f"CLIPEmbedder({self.model!r})"

    def _load(self) -> Any:
        try:
            from transformers import AutoModel, AutoProcessor
        except ImportError as exc:
            raise ImportError(
                "CLIPEmbedder needs transformers and torch: pip install transformers."
            ) from exc
        local = not self.allow_download
        with offline(local):
            try:
                processor = AutoProcessor.from_pretrained(  # type: ignore[no-untyped-call]
                    self.model, local_files_only=local
                )
                net = AutoModel.from_pretrained(self.model, local_files_only=local)
            except OSError as exc:
                raise _missing(self.model, exc, "transformers") from exc
        if not hasattr(net, "get_text_features") or not hasattr(
            net, "get_image_features"
        ):
            raise ValueError(
                f"CLIPEmbedder: model {self.model!r} ({type(net).__name__}) has no"
                " get_text_features / get_image_features; pass a dual-encoder"
                " model such as CLIP or SigLIP."
            )
        net.eval().to(self.device)
        return processor, net

    def _batches(self, n: int) -> range:
        return range(0, n, max(int(self.batch_size), 1))

    def _dim(self, net: Any) -> int:
        dim = getattr(net.config, "projection_dim", None)
        return int(dim if dim else net.config.text_config.hidden_size)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised text embeddings, shape (len(texts), dim)."""
        import torch

        processor, net = self._get()
        texts = [str(t) for t in texts]
        parts = []
        with torch.inference_mode():
            for a in self._batches(len(texts)):
                batch = processor(
                    text=texts[a : a + self.batch_size],
                    padding=True,
                    truncation=True,
                    return_tensors="pt",
                ).to(self.device)
                out = _features(net.get_text_features(**batch))
                parts.append(out.float().cpu().numpy())
        if not parts:
            return np.zeros((0, self._dim(net)), dtype=np.float32)
        return normalize_rows(np.concatenate(parts))

    def embed_images(self, images: ImageInput) -> npt.NDArray[np.float32]:
        """L2-normalised image embeddings, shape (n_images, dim).

        Parameters
        ----------
        images : array of shape (n, H, W) or (n, H, W, C), or sequence
            Grey, RGB or RGBA images as arrays (uint8, or floats in [0, 1]
            or [0, 255]), PIL images, or paths of image files.
        """
        import torch

        processor, net = self._get()
        items = list(images)
        parts = []
        with torch.inference_mode():
            for a in self._batches(len(items)):
                pil = [_as_pil(x) for x in items[a : a + self.batch_size]]
                batch = processor(images=pil, return_tensors="pt").to(self.device)
                out = _features(net.get_image_features(**batch))
                parts.append(out.float().cpu().numpy())
        if not parts:
            return np.zeros((0, self._dim(net)), dtype=np.float32)
        return normalize_rows(np.concatenate(parts))
