"""Tests for weaklabel._sqlite_cache: per-thread connections, foreign files refused."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from weaklabel._sqlite_cache import thread_connection

SCHEMA = ["CREATE TABLE IF NOT EXISTS things (key TEXT PRIMARY KEY, value BLOB)"]


def _open(local: threading.local, path: Path) -> sqlite3.Connection:
    return thread_connection(
        local,
        path,
        what="a thing cache",
        schema=SCHEMA,
        table="things",
        columns=["key", "value"],
    )


def test_one_connection_per_thread_and_shared_file(tmp_path: Path) -> None:
    local = threading.local()
    path = tmp_path / "c.sqlite"
    conn = _open(local, path)
    assert _open(local, path) is conn
    conn.execute("INSERT INTO things VALUES ('a', x'01')")
    seen: list[object] = []

    def other() -> None:
        other_conn = _open(local, path)
        seen.append(other_conn is conn)
        seen.append(other_conn.execute("SELECT value FROM things").fetchone()[0])

    worker = threading.Thread(target=other)
    worker.start()
    worker.join()
    assert seen == [False, b"\x01"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_table_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "mine.sqlite"
    with sqlite3.connect(path) as own:
        own.execute("CREATE TABLE things (name TEXT)")
        own.execute("INSERT INTO things VALUES ('keep me')")
    own.close()
    with pytest.raises(ValueError, match="'things' that weaklabel did not write"):
        _open(threading.local(), path)
    with sqlite3.connect(path) as own:
        assert own.execute("SELECT * FROM things").fetchall() == [("keep me",)]
    own.close()


def test_not_a_database_and_missing_folder(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_bytes(b"not sqlite at all, " * 200)
    with pytest.raises(ValueError, match="is not a thing cache"):
        _open(threading.local(), text)
    assert text.read_bytes() == b"not sqlite at all, " * 200
    with pytest.raises(FileNotFoundError, match=r"Thing cache .* does not exist"):
        _open(threading.local(), tmp_path / "no" / "c.sqlite")
