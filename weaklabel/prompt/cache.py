"""A SQLite file of model responses and a ledger of the calls that produced them.

Responses are keyed by a SHA-256 of (backend, model, prompt, parameters), so
re-applying a prompted LF is free and gives the same votes.  Every request
sent to a backend (not the cache hits) is written to the ``calls`` table
with its outcome, attempts, latency and token counts: :meth:`ResponseCache.ledger`
reads it back.  Values are JSON and text, never pickle; each write is one
SQLite transaction, and several processes may share the file.

Examples
--------
>>> cache = ResponseCache(":memory:")
>>> key = response_key("openai-chat", "m", "Is it spam?", {"temperature": 0})
>>> cache.get([key])
{}
>>> cache.put(key, Completion(text="spam", prompt_tokens=5, completion_tokens=1),
...           backend="openai-chat", model="m", prompt="Is it spam?", params={})
>>> cache.get([key])[key].text
'spam'
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from weaklabel._sqlite_cache import thread_connection

__all__ = ["CallRecord", "Completion", "ResponseCache", "response_key"]

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS responses (
        key TEXT PRIMARY KEY,
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt TEXT NOT NULL,
        params TEXT NOT NULL,
        text TEXT NOT NULL,
        top_logprobs TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        created REAL NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS calls (
        time REAL NOT NULL,
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        key TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        seconds REAL NOT NULL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        error TEXT
    )
    """,
)
_RESPONSE_COLUMNS = [
    "key",
    "backend",
    "model",
    "prompt",
    "params",
    "text",
    "top_logprobs",
    "prompt_tokens",
    "completion_tokens",
    "created",
]


@dataclass(frozen=True)
class Completion:
    """One model answer.

    Attributes
    ----------
    text : str
        The answer.
    top_logprobs : dict or None
        Log-probabilities of the most likely first tokens (token -> log p),
        when the backend returned them.
    prompt_tokens, completion_tokens : int or None
        Token counts reported by the backend.
    """

    text: str
    top_logprobs: dict[str, float] | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass
class CallRecord:
    """What one request to a backend cost (a row of the ledger)."""

    key: str
    status: str  # "ok" or "error"
    attempts: int
    seconds: float
    completion: Completion | None = None
    error: str | None = None
    time: float = field(default_factory=time.time)


def response_key(
    backend: str, model: str, prompt: str, params: Mapping[str, Any]
) -> str:
    """SHA-256 (hex) of the backend, model, prompt and parameters."""
    doc = json.dumps(
        {"backend": backend, "model": model, "prompt": prompt, "params": params},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


class ResponseCache:
    """Responses and the call ledger in one SQLite file.

    Parameters
    ----------
    path : str or os.PathLike
        The file (created if missing; its folder must exist), or
        ``":memory:"`` for a cache that lives only as long as this object in
        this process.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist.
    ValueError
        If the file is not a response cache weaklabel wrote.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path if path == ":memory:" else Path(path)
        self._local = threading.local()
        self._memory: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.path)!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    def _connect(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._memory is None:
                self._memory = sqlite3.connect(
                    ":memory:", check_same_thread=False, isolation_level=None
                )
                for stmt in _SCHEMA:
                    self._memory.execute(stmt)
            return self._memory
        return thread_connection(
            self._local,
            Path(self.path),
            what="a response cache",
            schema=_SCHEMA,
            table="responses",
            columns=_RESPONSE_COLUMNS,
        )

    def get(self, keys: Sequence[str]) -> dict[str, Completion]:
        """The cached completions of those keys that are in the cache."""
        conn = self._connect()
        out: dict[str, Completion] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for a in range(0, len(unique), 500):
                part = unique[a : a + 500]
                rows = conn.execute(
                    "SELECT key, text, top_logprobs, prompt_tokens, completion_tokens"
                    f" FROM responses WHERE key IN ({','.join('?' * len(part))})",
                    part,
                ).fetchall()
                for key, text, top, pt, ct in rows:
                    out[key] = Completion(
                        text=str(text),
                        top_logprobs=_read_top(top, key, self.path),
                        prompt_tokens=pt,
                        completion_tokens=ct,
                    )
        return out

    def put(
        self,
        key: str,
        completion: Completion,
        *,
        backend: str,
        model: str,
        prompt: str,
        params: Mapping[str, Any],
    ) -> None:
        """Store one completion (replacing an older one with the same key)."""
        row = (
            key,
            backend,
            model,
            prompt,
            json.dumps(dict(params), sort_keys=True, default=str),
            completion.text,
            None
            if completion.top_logprobs is None
            else json.dumps(completion.top_logprobs),
            completion.prompt_tokens,
            completion.completion_tokens,
            time.time(),
        )
        conn = self._connect()
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "INSERT OR REPLACE INTO responses VALUES (?,?,?,?,?,?,?,?,?,?)",
                    row,
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def record(self, backend: str, model: str, calls: Sequence[CallRecord]) -> None:
        """Append requests to the ledger (one transaction)."""
        rows = [
            (
                c.time,
                backend,
                model,
                c.key,
                c.status,
                c.attempts,
                c.seconds,
                None if c.completion is None else c.completion.prompt_tokens,
                None if c.completion is None else c.completion.completion_tokens,
                c.error,
            )
            for c in calls
        ]
        if not rows:
            return
        conn = self._connect()
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT INTO calls VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def ledger(self) -> pd.DataFrame:
        """Every request sent to a backend: time, backend, model, key, status,
        attempts, seconds, prompt_tokens, completion_tokens, error."""
        conn = self._connect()
        with self._lock:
            cur = conn.execute("SELECT * FROM calls ORDER BY time")
            rows = cur.fetchall()
            cols = [d[0] for d in cur.description]
        return pd.DataFrame(rows, columns=cols)

    def usage(self) -> dict[str, int]:
        """Totals of the ledger: calls, failed calls, attempts, tokens."""
        led = self.ledger()
        return {
            "calls": len(led),
            "failed": int((led.status != "ok").sum()) if len(led) else 0,
            "attempts": int(led.attempts.sum()) if len(led) else 0,
            "prompt_tokens": int(led.prompt_tokens.fillna(0).sum()) if len(led) else 0,
            "completion_tokens": int(led.completion_tokens.fillna(0).sum())
            if len(led)
            else 0,
        }

    def __len__(self) -> int:
        conn = self._connect()
        with self._lock:
            return int(conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])


def _read_top(raw: Any, key: str, path: Any) -> dict[str, float] | None:
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise TypeError("not an object")
        return {str(k): float(v) for k, v in doc.items()}
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Response cache {str(path)!r}: the log-probabilities stored for key"
            f" {key[:12]}... are damaged ({exc}); delete the file to rebuild it."
        ) from exc
