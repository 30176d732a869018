"""prompt_lf against a real chat-completions server on 127.0.0.1 (stdlib http.server)."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("httpx")

from weaklabel import LFRegistry, apply_lfs
from weaklabel.exceptions import LabelingFunctionError, WeakLabelWarning
from weaklabel.prompt import (
    OpenAIBackend,
    PromptError,
    ResponseCache,
    parse_answer,
    prompt_lf,
)

TEMPLATE = "Is this message spam? Answer yes or no.\n\nMessage: {text}\nAnswer:"
LABELS = {"yes": "spam", "no": "ham"}


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.counts: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list[dict] = []


def _p_yes(prompt: str) -> float:
    """A model biased toward 'yes': 0.7 on content-free inputs, 0.6 on ham."""
    text = prompt.split("Message:")[-1]
    if "win" in text.lower():
        return 0.9
    if text.strip().startswith(("N/A", "[MASK]", "Answer")):
        return 0.7
    return 0.6


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def _send(self, code: int, doc: dict) -> None:
            # A request stops being in flight before its answer is written: the
            # client's next request can arrive before this thread runs on.
            self._leave()
            data = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            prompt = body["messages"][-1]["content"]
            self._sleepy = "SLEEPY" in prompt  # only these count toward in-flight
            with state.lock:
                state.counts[prompt] += 1
                n = state.counts[prompt]
                state.bodies.append(body)
                state.in_flight += self._sleepy
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                self._answer(body, prompt, n)
            finally:
                self._leave()

        def _leave(self) -> None:
            with state.lock:
                state.in_flight -= getattr(self, "_sleepy", False)
                self._sleepy = False

        def _answer(self, body: dict, prompt: str, n: int) -> None:
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": "not found"})
                return
            if "SLOW" in prompt:
                time.sleep(1.0)
            if "SLEEPY" in prompt:
                time.sleep(0.1)
            if ("FLAKY" in prompt and n == 1) or "ALWAYS500" in prompt:
                self._send(500, {"error": {"message": "server overloaded"}})
                return
            if "BADREQ" in prompt:
                self._send(400, {"error": {"message": "bad request"}})
                return
            p = _p_yes(prompt)
            if "GIBBERISH" in prompt:
                text = "I cannot tell."
            elif body.get("logprobs"):
                text = "Yes" if p >= 0.5 else "No"
            else:
                text = "Yes." if "win" in prompt.lower() else "No"
            choice = {"index": 0, "message": {"role": "assistant", "content": text}}
            if body.get("logprobs") and "NOLOGPROBS" not in prompt:
                top = [
                    {"token": "Yes", "logprob": math.log(p)},
                    {"token": "No", "logprob": math.log(1 - p)},
                ]
                choice["logprobs"] = {
                    "content": [{"token": text, "logprob": 0.0, "top_logprobs": top}]
                }
            self._send(
                200,
                {
                    "id": "x",
                    "object": "chat.completion",
                    "model": body["model"],
                    "choices": [choice],
                    "usage": {
                        "prompt_tokens": len(prompt.split()),
                        "completion_tokens": 1,
                    },
                },
            )

    return Handler


@pytest.fixture(scope="module")
def server():
    state = _State()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def api(server):
    url, state = server
    state.reset()
    return url, state


def _backend(url, **kw):
    kw.setdefault("backoff", 0.01)
    return OpenAIBackend("toy-1", base_url=url, api_key_env=None, **kw)


def test_votes_cache_hits_and_ledger(api, tmp_path):
    url, state = api
    df = pd.DataFrame(
        {"text": ["win cash now", "lunch at home?", "GIBBERISH", "win cash now"]}
    )
    cache = tmp_path / "llm.sqlite"
    lfs = LFRegistry(classes=["ham", "spam"])
    lf = lfs.add(prompt_lf("llm", TEMPLATE, LABELS, _backend(url), cache=cache))
    L = lfs.apply(df)
    assert L.llm.tolist() == [1, 0, -1, 1]
    assert sorted(state.counts.values()) == [1, 1, 1]  # the duplicate is sent once
    assert lf.f.stats == {
        "prompts": 3,
        "cache_hits": 0,
        "calls": 3,
        "failed": 0,
        "unparseable": 1,
    }
    assert state.bodies[0]["temperature"] == 0.0
    # a fresh LF on the same cache file: nothing is sent, same votes
    again = prompt_lf("llm", TEMPLATE, LABELS, _backend(url), cache=cache)
    L2 = apply_lfs([again], df, classes=["ham", "spam"])
    assert L2.llm.tolist() == [1, 0, -1, 1]
    assert sum(state.counts.values()) == 3
    assert again.f.stats["cache_hits"] == 3
    ledger = ResponseCache(cache).ledger()
    assert len(ledger) == 3
    assert set(ledger.status) == {"ok"}
    assert ledger.prompt_tokens.sum() == sum(
        len(TEMPLATE.format(text=t).split()) for t in df.text.unique()
    )
    assert ResponseCache(cache).usage()["completion_tokens"] == 3
    # another model or parameter is another key
    other = prompt_lf("llm", TEMPLATE, LABELS, _backend(url, max_tokens=4), cache=cache)
    apply_lfs([other], df, classes=["ham", "spam"])
    assert sum(state.counts.values()) == 6


def test_retry_after_a_500(api, tmp_path):
    url, state = api
    lf = prompt_lf("llm", TEMPLATE, LABELS, _backend(url), cache=tmp_path / "c.sqlite")
    L = apply_lfs([lf], pd.DataFrame({"text": ["FLAKY win"]}), classes=["ham", "spam"])
    assert L.llm.tolist() == [1]
    assert list(state.counts.values()) == [2]
    ledger = lf.f.cache.ledger()
    assert ledger.attempts.tolist() == [2]
    assert ledger.status.tolist() == ["ok"]


def test_timeout_raises_naming_the_lf_and_caches_nothing(api, tmp_path):
    url, state = api
    backend = _backend(url, timeout=0.2, max_retries=1)
    lf = prompt_lf("slow_llm", TEMPLATE, LABELS, backend, cache=tmp_path / "c.sqlite")
    df = pd.DataFrame({"text": ["SLOW one", "win"]})
    with pytest.raises(LabelingFunctionError, match="LF 'slow_llm'") as info:
        apply_lfs([lf], df, classes=["ham", "spam"])
    cause = info.value.__cause__
    assert isinstance(cause, PromptError)
    assert "1 of 2 requests" in str(cause)
    assert "timed out after 0.2 s" in str(cause)
    assert state.counts[TEMPLATE.format(text="SLOW one")] == 2  # first try + 1 retry
    # abstain instead: the other row still votes; the failure is in the ledger
    lf2 = prompt_lf(
        "slow_llm",
        TEMPLATE,
        LABELS,
        backend,
        cache=tmp_path / "c.sqlite",
        on_failure="abstain",
    )
    L = apply_lfs([lf2], df, classes=["ham", "spam"])
    assert L.slow_llm.tolist() == [-1, 1]
    assert lf2.f.stats["cache_hits"] == 1  # "win" was cached by the failed run
    led = lf2.f.cache.ledger()
    assert (led.status == "error").sum() == 2


def test_client_errors_are_not_retried(api):
    url, state = api
    lf = prompt_lf("llm", TEMPLATE, LABELS, _backend(url), on_failure="abstain")
    L = apply_lfs([lf], pd.DataFrame({"text": ["BADREQ"]}), classes=["ham", "spam"])
    assert L.llm.tolist() == [-1]
    assert list(state.counts.values()) == [1]
    assert "HTTP 400" in lf.f.cache.ledger().error.iloc[0]


def test_on_error_abstain_of_the_applier_warns_with_the_lf(api):
    url, _ = api
    lf = prompt_lf("llm", TEMPLATE, LABELS, _backend(url, max_retries=0))
    with pytest.warns(WeakLabelWarning, match="'llm'.*HTTP 500"):
        L = apply_lfs(
            [lf],
            pd.DataFrame({"text": ["ALWAYS500"]}),
            classes=["ham", "spam"],
            on_error="abstain",
        )
    assert L.llm.tolist() == [-1]


def test_bounded_concurrency(api):
    url, state = api
    lf = prompt_lf("llm", TEMPLATE, LABELS, _backend(url, max_concurrency=2))
    df = pd.DataFrame({"text": [f"SLEEPY {i}" for i in range(6)]})
    apply_lfs([lf], df, classes=["ham", "spam"])
    assert sum(n for p, n in state.counts.items() if "SLEEPY" in p) == 6
    assert 1 <= state.max_in_flight <= 2


def test_contextual_calibration(api, tmp_path):
    url, state = api
    df = pd.DataFrame({"text": ["win cash", "lunch at home", "see you soon"]})
    plain = prompt_lf("raw", TEMPLATE, LABELS, _backend(url))
    calibrated = prompt_lf("cal", TEMPLATE, LABELS, _backend(url), calibrate=True)
    L = apply_lfs([plain, calibrated], df, classes=["ham", "spam"])
    assert L.cal.tolist() == [1, 0, 0]  # 0.9/0.7 > 0.1/0.3, but 0.6/0.7 < 0.4/0.3
    content_free = [TEMPLATE.format(text=t) for t in ("N/A", "", "[MASK]")]
    assert all(state.counts[p] == 1 for p in content_free)
    assert all(b.get("top_logprobs") == 10 for b in state.bodies if b.get("logprobs"))
    # without log-probabilities the LF says what it needs
    no_lp = prompt_lf(
        "cal2", "NOLOGPROBS " + TEMPLATE, LABELS, _backend(url), calibrate=True
    )
    with pytest.raises(LabelingFunctionError, match="LF 'cal2'") as info:
        apply_lfs([no_lp], df, classes=["ham", "spam"])
    assert "needs token log-probabilities" in str(info.value.__cause__)


@pytest.mark.parametrize(
    ("template", "label_map", "error", "match"),
    [
        ("no fields", LABELS, ValueError, "uses no column"),
        ("{text!r}", LABELS, ValueError, "plain column name"),
        ("{text", LABELS, ValueError, "not a valid format string"),
        (TEMPLATE, {}, ValueError, "non-empty dict"),
        (TEMPLATE, {"yes": "spam", "Yes.": "ham"}, ValueError, "differ only in case"),
        (TEMPLATE, {"yes": 1.5}, TypeError, "class name"),
    ],
)
def test_construction_errors_name_the_lf(template, label_map, error, match):
    with pytest.raises(error, match=match):
        prompt_lf("p", template, label_map, OpenAIBackend("m"))
    with pytest.raises(TypeError, match="backend must be"):
        prompt_lf("p", TEMPLATE, LABELS, object())


def test_missing_column_names_the_lf(api):
    url, _ = api
    lf = prompt_lf("p", "{body}", LABELS, _backend(url))
    with pytest.raises(LabelingFunctionError, match=r"LF 'p'.*\['body'\]"):
        apply_lfs([lf], pd.DataFrame({"text": ["x"]}), classes=["ham", "spam"])


def test_pickled_lf_keeps_settings_not_connections(api, tmp_path):
    import cloudpickle

    url, _ = api
    lf = prompt_lf("llm", TEMPLATE, LABELS, _backend(url), cache=tmp_path / "c.sqlite")
    df = pd.DataFrame({"text": ["win"]})
    lf(df)
    clone = cloudpickle.loads(cloudpickle.dumps(lf))
    assert clone(df).tolist() == ["spam"]
    assert clone.f.stats["cache_hits"] == 1


@given(
    st.sampled_from(["yes", "no", "not sure"]),
    st.sampled_from(["", " ", "\n", "'", '"', "**"]),
    st.sampled_from(["", ".", "!", " ", "\n\nBecause it says so."]),
    st.booleans(),
)
def test_parse_answer_ignores_case_and_decoration(key, before, after, upper):
    label_map = {"yes": "spam", "no": "ham", "not sure": None}
    word = key.upper() if upper else key.capitalize()
    assert parse_answer(before + word + after, label_map) == (True, label_map[key])


def test_transformers_backend_loads_local_files_only(tmp_path, monkeypatch):
    pytest.importorskip("transformers")
    from weaklabel.prompt import TransformersBackend

    monkeypatch.setenv("HF_HOME", str(tmp_path))
    lf = prompt_lf("local", TEMPLATE, LABELS, TransformersBackend("gpt2"))
    with pytest.raises(LabelingFunctionError, match="LF 'local'"):
        apply_lfs([lf], pd.DataFrame({"text": ["x"]}), classes=["ham", "spam"])
