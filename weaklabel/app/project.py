"""The workbench's project file: one SQLite database (WAL mode) per project.

The project holds what a person adds to the data, never the data itself:

- ``labels``: every label given, with who gave it and when.  A label is never
  updated in place: a new label for the same row supersedes the old one, and
  an undo marks one label as withdrawn, so the history stays readable.
- ``skips``: rows a person chose to skip in the labeling queue.
- ``rules``: keyword, regex and zero-shot rules accepted into the project.
- ``runs``: each label-model fit with its parameters and metrics.
- ``meta``: key/value facts about the project (the data file it was made for).

Every write is one transaction, committed before the call returns, so killing
the server loses nothing that was acknowledged; two browser tabs writing at
once are serialised by SQLite.  Each call opens its own short-lived
connection, so the object is safe to share between the server's threads.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weaklabel.exceptions import WeakLabelError

__all__ = ["Label", "Project", "ProjectError", "Rule", "Run"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    position INTEGER NOT NULL,
    label INTEGER NOT NULL,
    author TEXT NOT NULL,
    created REAL NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS labels_position ON labels (position, withdrawn);
CREATE TABLE IF NOT EXISTS skips (
    position INTEGER NOT NULL,
    author TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    pattern TEXT NOT NULL,
    label INTEGER NOT NULL,
    author TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    params TEXT NOT NULL,
    metrics TEXT NOT NULL
);
"""


class ProjectError(WeakLabelError):
    """The project file cannot be used (not a weaklabel project, or bad input)."""


@dataclass(frozen=True)
class Label:
    """One label given to one row."""

    id: int
    position: int
    label: int
    author: str
    created: float


@dataclass(frozen=True)
class Rule:
    """A keyword or regex rule accepted into the project."""

    id: int
    name: str
    kind: str
    pattern: str
    label: int
    author: str
    created: float


@dataclass(frozen=True)
class Run:
    """One label-model fit: its parameters and metrics."""

    id: int
    created: float
    params: dict[str, Any]
    metrics: dict[str, Any]


class Project:
    """A workbench project stored in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The project file.  Created (with its folder left as it is) when it
        does not exist; an existing file must be a weaklabel project.

    Raises
    ------
    ProjectError
        The file exists but is not a weaklabel project (another SQLite
        database, or not a database at all).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ProjectError(
                f"Project path {str(self.path)!r} is a folder; expected a file"
                " such as project.sqlite."
            )
        existed = self.path.exists() and self.path.stat().st_size > 0
        try:
            with self._connect() as conn:
                tables = {
                    r[0]
                    for r in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    )
                }
                if existed and "meta" not in tables:
                    raise ProjectError(
                        f"{str(self.path)!r} is a SQLite database but not a"
                        " weaklabel project (it has no 'meta' table); choose"
                        " another --project path."
                    )
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
        except sqlite3.DatabaseError as exc:
            raise ProjectError(
                f"{str(self.path)!r} is not a weaklabel project file ({exc});"
                " choose another --project path."
            ) from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        """Return the stored value for ``key``, or None."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT value FROM meta WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (one transaction)."""
        with self._connect() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---------------------------------------------------------------- labels
    def add_label(self, position: int, label: int, author: str = "user") -> Label:
        """Record ``label`` for the row at ``position``; return the stored label."""
        position, label = _check_int(position, "position"), _check_int(label, "label")
        created = time.time()
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO labels (position, label, author, created)"
                " VALUES (?, ?, ?, ?)",
                (position, label, str(author), created),
            )
            row_id = int(cur.lastrowid or 0)
        return Label(row_id, position, label, str(author), created)

    def undo(self, author: str = "user") -> Label | None:
        """Withdraw ``author``'s most recent label; return it (None if none)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, position, label, author, created FROM labels"
                " WHERE author = ? AND withdrawn = 0 ORDER BY id DESC LIMIT 1",
                (str(author),),
            ).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE labels SET withdrawn = 1 WHERE id = ?", (row[0],))
        return Label(*row)

    def labels(self) -> dict[int, int]:
        """Return the current label of every labeled row: position -> class index."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT position, label FROM labels WHERE withdrawn = 0 ORDER BY id"
            ).fetchall()
        return {int(p): int(y) for p, y in rows}  # later labels supersede

    def label_history(self) -> list[Label]:
        """Return every label ever given that is not withdrawn, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, position, label, author, created FROM labels"
                " WHERE withdrawn = 0 ORDER BY id"
            ).fetchall()
        return [Label(*r) for r in rows]

    def add_skip(self, position: int, author: str = "user") -> None:
        """Record that ``author`` skipped the row at ``position`` in the queue."""
        position = _check_int(position, "position")
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO skips VALUES (?, ?, ?)",
                (position, str(author), time.time()),
            )

    def skips(self) -> set[int]:
        """Return the positions skipped by anyone."""
        with self._connect() as conn:
            rows = conn.execute("SELECT DISTINCT position FROM skips").fetchall()
        return {int(r[0]) for r in rows}

    # ----------------------------------------------------------------- rules
    def add_rule(
        self, name: str, kind: str, pattern: str, label: int, author: str = "user"
    ) -> Rule:
        """Store an accepted rule; its name must be new in the project."""
        if kind not in ("keyword", "regex", "zero_shot"):
            raise ProjectError(
                f"A rule's kind must be 'keyword', 'regex' or 'zero_shot'; got"
                f" {kind!r}."
            )
        label = _check_int(label, "label")
        created = time.time()
        try:
            with self._connect() as conn:
                cur = conn.execute(
                    "INSERT INTO rules (name, kind, pattern, label, author, created)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (name, kind, pattern, label, str(author), created),
                )
                row_id = int(cur.lastrowid or 0)
        except sqlite3.IntegrityError as exc:
            raise ProjectError(
                f"The project already has a rule named {name!r}; choose another"
                " name or remove the old rule first."
            ) from exc
        return Rule(row_id, name, kind, pattern, label, str(author), created)

    def remove_rule(self, name: str) -> bool:
        """Remove the rule called ``name``; return whether one was removed."""
        with self._connect() as conn:
            cur = conn.execute("DELETE FROM rules WHERE name = ?", (name,))
            return cur.rowcount > 0

    def rules(self) -> list[Rule]:
        """Return the accepted rules, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, name, kind, pattern, label, author, created FROM rules"
                " ORDER BY id"
            ).fetchall()
        return [Rule(*r) for r in rows]

    # ------------------------------------------------------------------ runs
    def add_run(self, params: dict[str, Any], metrics: dict[str, Any]) -> Run:
        """Record one label-model fit."""
        created = time.time()
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO runs (created, params, metrics) VALUES (?, ?, ?)",
                (created, json.dumps(params), json.dumps(metrics)),
            )
            row_id = int(cur.lastrowid or 0)
        return Run(row_id, created, params, metrics)

    def runs(self) -> list[Run]:
        """Return every recorded fit, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, created, params, metrics FROM runs ORDER BY id"
            ).fetchall()
        return [
            Run(int(i), float(c), json.loads(p), json.loads(m)) for i, c, p, m in rows
        ]


def _check_int(value: Any, what: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value != int(value)
    ):
        raise ProjectError(f"A {what} must be a whole number; got {value!r}.")
    if value < 0:
        raise ProjectError(f"A {what} must be >= 0; got {value!r}.")
    return int(value)
