"""Zero-shot, kNN and prompted LFs through apply_dask on a real LocalCluster.

The votes equal the pandas applier's; the embedder reaches each worker
process once (not once per partition); the prompted LF's workers share one
SQLite response cache and reach a real chat-completions server.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")
pytest.importorskip("httpx")
distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from weaklabel import LFRegistry, apply_dask  # noqa: E402
from weaklabel.embed import knn_lf, zero_shot_lf  # noqa: E402
from weaklabel.prompt import OpenAIBackend, ResponseCache, prompt_lf  # noqa: E402

VOCAB = ("win", "prize", "free", "call", "lunch", "home", "love", "song")
TEXTS = [
    "win a free prize",
    "lunch at home",
    "love this song",
    "call now win",
    "home soon",
    "free call",
    "song of love",
    "nothing here",
]


class LoggedCounts:
    """A word-count embedder that logs each process that unpickles it."""

    batch_size = 64
    name = "logged-counts-v1"

    def __init__(self, log: str) -> None:
        self.log = log

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        with open(self.log, "a") as fh:
            fh.write(f"{os.getpid()}\n")

    def embed(self, texts):
        out = np.array(
            [[t.lower().split().count(w) for w in VOCAB] for t in texts], np.float32
        )
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


class _Chat(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        text = "spam" if "win" in prompt or "free" in prompt else "ham"
        data = json.dumps(
            {
                "choices": [{"message": {"content": text}}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1},
            }
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data.encode())


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture
def chat_url():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Chat)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_model_lfs_on_dask_match_pandas(client, tmp_path, chat_url):
    log = tmp_path / "unpickled.txt"
    emb = LoggedCounts(str(log))
    lfs = LFRegistry(classes=["ham", "spam"])
    lfs.add(
        zero_shot_lf(
            "zs",
            {"spam": "win prize free", "ham": "lunch home love"},
            embedder=emb,
            threshold=0.1,
        )
    )
    lfs.add(
        knn_lf(
            "nn",
            ["free prize", "love song"],
            ["spam", "ham"],
            embedder=emb,
            threshold=0.5,
        )
    )
    cache = tmp_path / "llm.sqlite"
    lfs.add(
        prompt_lf(
            "llm",
            "Spam or ham? {text}",
            {"spam": "spam", "ham": "ham"},
            OpenAIBackend("toy", base_url=chat_url, api_key_env=None),
            cache=cache,
        )
    )
    df = pd.DataFrame({"text": TEXTS * 25})
    votes = apply_dask(lfs, dd.from_pandas(df, npartitions=10)).compute()
    expected = lfs.apply(df)
    pd.testing.assert_frame_equal(votes, expected, check_flags=False)
    assert (votes.zs != -1).any()
    assert (votes.nn != -1).any()
    workers = set(client.run(os.getpid).values())
    counts = Counter(int(line) for line in log.read_text().split())
    on_workers = {pid: n for pid, n in counts.items() if pid in workers}
    assert on_workers
    assert all(n <= 2 for n in on_workers.values()), counts  # not once per partition
    # the workers shared the cache: each distinct prompt was sent once in all
    assert len(ResponseCache(cache)) == len(set(TEXTS))
    assert ResponseCache(cache).usage()["calls"] <= 2 * len(set(TEXTS))
