"""Backends that answer prompts: an OpenAI-compatible HTTP endpoint, a local pipeline.

A backend has a ``name`` (its kind, part of the cache key), a ``model``, a
``params(logprobs)`` method giving the generation parameters that change
the answer (also part of the key), and ``complete(prompts, logprobs)``
returning one :class:`~weaklabel.prompt.cache.CallRecord` per prompt.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

from weaklabel.exceptions import WeakLabelError
from weaklabel.prompt.cache import CallRecord, Completion

__all__ = ["Backend", "OpenAIBackend", "PromptError", "TransformersBackend"]

_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class PromptError(WeakLabelError, RuntimeError):
    """A backend could not answer (after its retries)."""


@runtime_checkable
class Backend(Protocol):
    """What :func:`~weaklabel.prompt.prompt_lf` needs from a model."""

    @property
    def name(self) -> str:
        """The backend's kind, e.g. ``"openai-chat"`` (part of the cache key)."""
        ...

    @property
    def model(self) -> str:
        """The model's name (part of the cache key)."""
        ...

    def params(self, logprobs: int | None) -> dict[str, Any]:
        """Generation parameters that change the answer (part of the cache key)."""
        ...

    def complete(
        self, prompts: Sequence[str], *, keys: Sequence[str], logprobs: int | None
    ) -> list[CallRecord]:
        """Answer every prompt; one record per prompt, never raising for one."""
        ...


class OpenAIBackend:
    """Any OpenAI-compatible chat-completions endpoint, through httpx.

    Works with a local llama.cpp server, vLLM, Ollama (``/v1``), LM Studio or
    a hosted API.  Requests run on ``max_concurrency`` threads; a request
    that times out, fails to connect or gets a 408/409/425/429/5xx answer is
    retried up to ``max_retries`` times after ``backoff * 2**attempt``
    seconds (or the server's ``Retry-After``, capped at ``max_backoff``).

    Parameters
    ----------
    model : str
        The model name sent with each request.
    base_url : str, default="http://127.0.0.1:8080/v1"
        The API root; requests go to ``base_url + "/chat/completions"``.
    api_key : str, default=None
        Sent as a bearer token; None reads the environment variable
        ``api_key_env`` at request time (and sends none if it is unset).
    api_key_env : str, default="OPENAI_API_KEY"
        Where to read the key from.
    system : str, default=None
        A system message sent before each prompt.
    temperature : float, default=0.0
        Sampling temperature (0: the same answer every time, where the
        server is deterministic).
    max_tokens : int, default=16
        Longest answer.
    seed : int, default=0
        Sent to servers that support it.
    timeout : float, default=30.0
        Seconds per request.
    max_retries : int, default=3
        Retries after the first attempt.
    backoff : float, default=0.5
        First wait between attempts, doubled each retry.
    max_backoff : float, default=30.0
        Longest wait.
    max_concurrency : int, default=4
        Requests in flight at once.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str = "http://127.0.0.1:8080/v1",
        api_key: str | None = None,
        api_key_env: str | None = "OPENAI_API_KEY",
        system: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 16,
        seed: int | None = 0,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_concurrency: int = 4,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.api_key = api_key
        self.api_key_env = api_key_env
        self.system = system
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_concurrency = max_concurrency
        self._client: Any = None
        self._lock = threading.Lock()

    name = "openai-chat"

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={self.base_url!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("_client", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._client = None
        self._lock = threading.Lock()

    def params(self, logprobs: int | None) -> dict[str, Any]:
        """The request fields that change the answer."""
        out: dict[str, Any] = {
            "system": self.system,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
        }
        if logprobs:
            out["top_logprobs"] = int(logprobs)
        return out

    def _http(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    try:
                        import httpx
                    except ImportError as exc:
                        raise ImportError(
                            "OpenAIBackend needs httpx: pip install 'weaklabel[llm]'."
                        ) from exc
                    self._client = httpx.Client(
                        timeout=self.timeout,
                        limits=httpx.Limits(
                            max_connections=max(int(self.max_concurrency), 1)
                        ),
                    )
        return self._client

    def close(self) -> None:
        """Close the HTTP connections (a later call opens new ones)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _body(self, prompt: str, logprobs: int | None) -> dict[str, Any]:
        messages = (
            [] if self.system is None else [{"role": "system", "content": self.system}]
        )
        messages.append({"role": "user", "content": prompt})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if self.seed is not None:
            body["seed"] = self.seed
        if logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = int(logprobs)
        return body

    def _headers(self) -> dict[str, str]:
        key = self.api_key
        if key is None and self.api_key_env:
            key = os.environ.get(self.api_key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _one(self, prompt: str, key: str, logprobs: int | None) -> CallRecord:
        import httpx

        client = self._http()
        url = self.base_url.rstrip("/") + "/chat/completions"
        body = self._body(prompt, logprobs)
        start = time.monotonic()
        error = ""
        for attempt in range(int(self.max_retries) + 1):
            wait = min(self.backoff * 2**attempt, self.max_backoff)
            try:
                resp = client.post(url, json=body, headers=self._headers())
            except httpx.TimeoutException as exc:
                error = f"timed out after {self.timeout:g} s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                error = f"could not reach {url} ({type(exc).__name__}: {exc})"
            else:
                if resp.status_code == 200:
                    try:
                        completion = _parse_chat(resp.json())
                    except (ValueError, KeyError, IndexError, TypeError) as exc:
                        return CallRecord(
                            key,
                            "error",
                            attempt + 1,
                            time.monotonic() - start,
                            error=f"malformed response from {url}: {exc}",
                        )
                    return CallRecord(
                        key, "ok", attempt + 1, time.monotonic() - start, completion
                    )
                error = f"HTTP {resp.status_code} from {url}: {resp.text[:200]!r}"
                if resp.status_code not in _RETRY_STATUS:
                    break
                after = resp.headers.get("retry-after")
                if after is not None:
                    with contextlib.suppress(ValueError):
                        wait = min(float(after), self.max_backoff)
            if attempt < self.max_retries:
                time.sleep(wait)
        return CallRecord(
            key, "error", attempt + 1, time.monotonic() - start, error=error
        )

    def complete(
        self, prompts: Sequence[str], *, keys: Sequence[str], logprobs: int | None
    ) -> list[CallRecord]:
        """Send every prompt (``max_concurrency`` at a time); one record each."""
        if not prompts:
            return []
        workers = max(1, min(int(self.max_concurrency), len(prompts)))
        if workers == 1:
            return [
                self._one(p, k, logprobs) for p, k in zip(prompts, keys, strict=True)
            ]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(
                pool.map(
                    lambda pk: self._one(pk[0], pk[1], logprobs),
                    zip(prompts, keys, strict=True),
                )
            )


def _parse_chat(doc: Any) -> Completion:
    """A chat-completions response -> Completion (text, first-token logprobs, usage)."""
    choice = doc["choices"][0]
    content = choice["message"]["content"]
    if not isinstance(content, str):
        raise TypeError(f"message content is {type(content).__name__}, not text")
    top: dict[str, float] | None = None
    lp = choice.get("logprobs")
    if isinstance(lp, dict) and lp.get("content"):
        first = lp["content"][0]
        top = {}
        for item in first.get("top_logprobs") or [first]:
            tok, val = str(item["token"]), float(item["logprob"])
            top[tok] = max(val, top.get(tok, float("-inf")))
    usage = doc.get("usage") or {}
    return Completion(
        text=content,
        top_logprobs=top,
        prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
        completion_tokens=_int_or_none(usage.get("completion_tokens")),
    )


def _int_or_none(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


class TransformersBackend:
    """A local Hugging Face ``text-generation`` pipeline (greedy decoding).

    Parameters
    ----------
    model : str or transformers.Pipeline
        A local folder, a model name already in the Hugging Face cache, or a
        ready pipeline.  Loaded offline (``local_files_only=True``) on first
        use unless ``allow_download=True``.
    max_new_tokens : int, default=16
        Longest answer.
    device : str, default="cpu"
        Torch device.
    allow_download : bool, default=False
        Let the hub download the model when it is not cached.

    Notes
    -----
    No log-probabilities: contextual calibration needs :class:`OpenAIBackend`.
    """

    name = "transformers"

    def __init__(
        self,
        model: Any,
        *,
        max_new_tokens: int = 16,
        device: str = "cpu",
        allow_download: bool = False,
    ) -> None:
        self._pipe = None if isinstance(model, str) else model
        self.model_id = (
            model
            if isinstance(model, str)
            else str(
                getattr(
                    getattr(model, "model", None), "name_or_path", type(model).__name__
                )
            )
        )
        self.max_new_tokens = max_new_tokens
        self.device = device
        self.allow_download = allow_download
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        """The model's name or path."""
        return self.model_id

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("_pipe", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._pipe = None
        self._lock = threading.Lock()

    def params(self, logprobs: int | None) -> dict[str, Any]:
        """Decoding parameters (greedy)."""
        return {"max_new_tokens": self.max_new_tokens, "do_sample": False}

    def _pipeline(self) -> Any:
        if self._pipe is None:
            with self._lock:
                if self._pipe is None:
                    from transformers import pipeline

                    from weaklabel.embed.adapters import offline

                    with offline(not self.allow_download):
                        self._pipe = pipeline(
                            "text-generation",
                            model=self.model_id,
                            device=self.device,
                            model_kwargs={"local_files_only": not self.allow_download},
                        )
        return self._pipe

    def complete(
        self, prompts: Sequence[str], *, keys: Sequence[str], logprobs: int | None
    ) -> list[CallRecord]:
        """Generate an answer per prompt (in this process)."""
        pipe = self._pipeline()
        out = []
        for prompt, key in zip(prompts, keys, strict=True):
            start = time.monotonic()
            try:
                res = pipe(
                    prompt,
                    max_new_tokens=self.max_new_tokens,
                    do_sample=False,
                    return_full_text=False,
                )
                text = str(res[0]["generated_text"])
            except Exception as exc:  # one failing prompt is recorded, not raised
                out.append(
                    CallRecord(
                        key,
                        "error",
                        1,
                        time.monotonic() - start,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                )
                continue
            out.append(
                CallRecord(key, "ok", 1, time.monotonic() - start, Completion(text))
            )
        return out
