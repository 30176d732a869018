"""The offline default: WordLlama from its wheel, with the network cut off."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("wordllama")

from weaklabel.embed import WordLlamaEmbedder, embed_texts


def test_matches_wordllama_own_embed():
    import wordllama
    from wordllama import WordLlama

    texts = ["free ringtones, text WIN now", "see you at lunch", "ok", "naïve café"]
    ref = WordLlama.load(
        cache_dir=os.path.dirname(wordllama.__file__), disable_download=True
    ).embed(texts, norm=True)
    X = WordLlamaEmbedder(batch_size=3).embed(texts)
    np.testing.assert_allclose(X, ref, atol=1e-6)


def test_empty_text_gives_zero_row_and_truncation():
    X = embed_texts(WordLlamaEmbedder(dim=64), ["", "hello there"])
    assert X.shape == (2, 64)
    assert not X[0].any()
    assert abs(np.linalg.norm(X[1]) - 1) < 1e-5
    full = WordLlamaEmbedder().embed(["hello there"])[0, :64]
    np.testing.assert_allclose(X[1], full / np.linalg.norm(full), atol=1e-6)


def test_pickle_is_small_and_reloads():
    emb = WordLlamaEmbedder()
    emb.embed(["load it"])
    data = pickle.dumps(emb)
    assert len(data) < 500  # settings only, never the 16 MB of weights
    np.testing.assert_array_equal(pickle.loads(data).embed(["x y"]), emb.embed(["x y"]))


def test_bad_dim():
    with pytest.raises(ValueError, match="dim must be one of"):
        WordLlamaEmbedder(dim=100).embed(["x"])


def test_zero_shot_runs_without_network(tmp_path):
    """A fresh interpreter whose sockets all fail still builds and applies the LF."""
    script = textwrap.dedent(
        """
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network is disabled in this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        import pandas as pd
        from weaklabel import LFRegistry, zero_shot_lf
        lfs = LFRegistry(classes=["ham", "spam"])
        lfs.add(zero_shot_lf("zs", {
            "ham": "hey, are you coming home tonight? call me later",
            "spam": "URGENT! You have won a cash prize. Txt WIN to claim"}))
        L = lfs.apply(pd.DataFrame({"text": [
            "WIN a FREE prize! Call now to claim",
            "are we still meeting for lunch tomorrow?"]}))
        print(L.zs.tolist())
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env["HOME"] = str(tmp_path)  # no cache folder of a previous run to fall back on
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[1, 0]"
