"""Tests for weaklabel.embed.clip: a real (tiny, randomly initialised) CLIP on disk."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

from weaklabel.embed import CLIPEmbedder, embed_texts  # noqa: E402

DIM = 16


def _byte_alphabet() -> list[str]:
    """GPT-2 / CLIP byte-to-unicode table: one printable symbol per byte."""
    keep = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    codes, extra = list(keep), 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            codes.append(256 + extra)
            extra += 1
    return [chr(c) for c in codes]


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 2-layer CLIP with a byte-level vocabulary, saved as a local folder."""
    folder = tmp_path_factory.mktemp("tiny-clip")
    chars = _byte_alphabet()
    vocab = {c: i for i, c in enumerate(chars + [c + "</w>" for c in chars])}
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = transformers.CLIPTokenizer(
        str(folder / "vocab.json"), str(folder / "merges.txt")
    )
    images = transformers.CLIPImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    processor = transformers.CLIPProcessor(image_processor=images, tokenizer=tokenizer)
    end = vocab["<|endoftext|>"]
    config = transformers.CLIPConfig(
        text_config={
            "vocab_size": len(vocab),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 64,
            "bos_token_id": vocab["<|startoftext|>"],
            "eos_token_id": end,
            "pad_token_id": end,
        },
        vision_config={
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
        },
        projection_dim=DIM,
    )
    torch.manual_seed(0)
    transformers.CLIPModel(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return str(folder)


def _images(n: int, seed: int = 0) -> Any:
    return np.random.default_rng(seed).integers(0, 256, (n, 40, 36, 3), dtype=np.uint8)


def test_texts_and_images_share_one_unit_space(tiny_clip: str) -> None:
    clip = CLIPEmbedder(tiny_clip, batch_size=2)
    texts = ["a red apple", "a dog", "", "ünïcode ✓"]
    T = embed_texts(clip, texts)  # the Embedder protocol's own checks
    V = clip.embed_images(_images(3))
    assert T.shape == (4, DIM)
    assert V.shape == (3, DIM)
    assert T.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(T, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-5)
    assert np.abs(T[0] - T[1]).max() > 1e-3  # texts are told apart
    assert clip.embed([]).shape == (0, DIM)
    assert clip.embed_images([]).shape == (0, DIM)


def test_same_vectors_as_the_model_itself(tiny_clip: str) -> None:
    """The adapter returns CLIPModel's own text_embeds / image_embeds."""
    model = transformers.CLIPModel.from_pretrained(tiny_clip).eval()
    processor = transformers.CLIPProcessor.from_pretrained(tiny_clip)
    imgs = _images(2, seed=3)
    batch = processor(
        text=["a cat", "two cats"],
        images=[Image.fromarray(x) for x in imgs],
        padding=True,
        return_tensors="pt",
    )
    with torch.inference_mode():
        out = model(**batch)
    clip = CLIPEmbedder(tiny_clip)
    np.testing.assert_allclose(
        clip.embed(["a cat", "two cats"]), out.text_embeds.numpy(), atol=1e-5
    )
    np.testing.assert_allclose(
        clip.embed_images(imgs), out.image_embeds.numpy(), atol=1e-5
    )


@settings(max_examples=10, deadline=None)
@given(batch_size=st.integers(1, 5), n=st.integers(1, 6))
def test_batch_size_does_not_change_vectors(
    tiny_clip: str, batch_size: int, n: int
) -> None:
    texts = [f"item number {i}" for i in range(n)]
    one = CLIPEmbedder(tiny_clip, batch_size=64)
    other = CLIPEmbedder(tiny_clip, batch_size=batch_size)
    np.testing.assert_allclose(one.embed(texts), other.embed(texts), atol=1e-5)
    imgs = _images(n, seed=n)
    np.testing.assert_allclose(
        one.embed_images(imgs), other.embed_images(imgs), atol=1e-5
    )


def test_image_inputs_arrays_floats_pil_paths_grey(
    tiny_clip: str, tmp_path: Path
) -> None:
    clip = CLIPEmbedder(tiny_clip)
    imgs = _images(2, seed=5)
    ref = clip.embed_images(imgs)
    np.testing.assert_allclose(clip.embed_images(imgs / 255.0), ref, atol=1e-5)
    pil = [Image.fromarray(x) for x in imgs]
    np.testing.assert_allclose(clip.embed_images(pil), ref, atol=1e-6)
    paths = []
    for i, img in enumerate(pil):
        paths.append(tmp_path / f"{i}.png")
        img.save(paths[-1])
    np.testing.assert_allclose(clip.embed_images(paths), ref, atol=1e-6)
    grey = imgs[:, :, :, 0]
    as_rgb = np.repeat(grey[:, :, :, None], 3, axis=3)
    np.testing.assert_allclose(
        clip.embed_images(grey), clip.embed_images(as_rgb), atol=1e-6
    )
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\).*\(4, 4, 2\)"):
        clip.embed_images(np.zeros((1, 4, 4, 2)))
    with pytest.raises(ValueError, match="finite"):
        clip.embed_images(np.full((1, 4, 4, 3), np.nan))


def test_pickles_without_weights_and_reloads(tiny_clip: str) -> None:
    clip = CLIPEmbedder(tiny_clip)
    before = clip.embed(["hello"])
    clone = pickle.loads(pickle.dumps(clip))
    assert clone._loaded is None
    assert clone.name == f"clip:{tiny_clip}"
    np.testing.assert_allclose(clone.embed(["hello"]), before, atol=1e-6)


def test_never_downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(OSError, match="does not download models"):
        CLIPEmbedder("openai/clip-vit-base-patch32").embed(["a"])


def test_features_train_an_aligner(tiny_clip: str) -> None:
    """Image features from the adapter feed weaklabel.align like any array."""
    from weaklabel.align import PairAligner

    clip = CLIPEmbedder(tiny_clip)
    left = clip.embed_images(_images(12, seed=7))
    right = clip.embed([f"caption {i}" for i in range(12)])
    pairs = np.stack([np.arange(12), np.arange(12)], axis=1)
    aligner = PairAligner(dim=8, epochs=2, batch_size=6, random_state=0)
    aligner.fit(left, right, pairs)
    assert aligner.transform(left, side="left").shape == (12, 8)
