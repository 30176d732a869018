import importlib.util
import os
import pickle
import threading
import time

import pytest

from weaklabel.embed import SentenceTransformerEmbedder, TransformersEmbedder
from weaklabel.embed.adapters import _LazyModel, offline


def test_offline_flags_are_set_then_restored(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    with offline():
        assert os.environ["HF_HUB_OFFLINE"] == "1"
        assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["HF_HUB_OFFLINE"] == "0"
    assert "TRANSFORMERS_OFFLINE" not in os.environ
    with offline(False):
        assert os.environ["HF_HUB_OFFLINE"] == "0"


@pytest.mark.parametrize("cls", [SentenceTransformerEmbedder, TransformersEmbedder])
def test_names_and_pickles_without_a_model(cls):
    emb = cls("some/model", batch_size=8)
    assert "some/model" in emb.name
    clone = pickle.loads(pickle.dumps(emb))
    assert clone.name == emb.name
    assert clone.batch_size == 8
    assert clone._loaded is None


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is not None,
    reason="only meaningful without sentence-transformers",
)
def test_missing_package_says_what_to_install():
    with pytest.raises(ImportError, match="pip install sentence-transformers"):
        SentenceTransformerEmbedder("x").embed(["a"])


def test_sentence_transformers_never_downloads(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(OSError, match="does not download models"):
        SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2").embed(
            ["a"]
        )


def test_transformers_never_downloads(tmp_path, monkeypatch):
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(OSError, match="does not download models"):
        TransformersEmbedder("bert-base-uncased").embed(["a"])


class _Slow(_LazyModel):
    def __init__(self):
        self.model, self.batch_size = "slow", 1
        self.device, self.allow_download = "cpu", False
        self.loads = 0
        self._init_lazy()

    def _load(self):
        self.loads += 1
        time.sleep(0.05)
        return object()


def test_lazy_model_loads_once_across_threads_and_is_not_pickled():
    lazy = _Slow()
    seen = []
    threads = [
        threading.Thread(target=lambda: seen.append(lazy._get())) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert lazy.loads == 1
    assert len({id(x) for x in seen}) == 1
    clone = pickle.loads(pickle.dumps(lazy))
    assert clone._loaded is None
    assert clone.loads == 1
    clone._get()
    assert clone.loads == 2
