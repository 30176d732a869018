"""One SQLite connection per thread and process for weaklabel's cache files.

The embedding cache (:mod:`weaklabel.embed.cache`) and the response cache
(:mod:`weaklabel.prompt.cache`) both keep a SQLite file that several threads
and forked worker processes may read and write.  SQLite connections must not
cross threads or ``fork``, so each thread of each process opens its own, in
WAL mode, creates the tables if missing, and refuses a file whose table was
not written by weaklabel (its columns differ), so that a user's own database
is never written to.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

__all__ = ["thread_connection"]


def thread_connection(
    local: threading.local,
    path: Path,
    *,
    what: str,
    schema: Sequence[str],
    table: str,
    columns: Sequence[str],
) -> sqlite3.Connection:
    """This thread's open connection to the cache file ``path``.

    Parameters
    ----------
    local : threading.local
        The cache object's thread-local slot; the connection and the process
        id that opened it are kept there.
    path : pathlib.Path
        The SQLite file, created with its tables if missing.
    what : str
        The kind of file with its article, for messages (``"an embedding
        cache"``).
    schema : sequence of str
        ``CREATE TABLE IF NOT EXISTS ...`` statements, run on every open.
    table : str
        The table whose columns identify a file weaklabel wrote.
    columns : sequence of str
        Its expected column names, in order.

    Returns
    -------
    sqlite3.Connection
        In autocommit mode (``isolation_level=None``), WAL journal.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.
    ValueError
        If ``path`` is not a SQLite file, or its ``table`` has other columns.
    """
    conn: sqlite3.Connection | None = getattr(local, "conn", None)
    if conn is not None and getattr(local, "pid", None) == os.getpid():
        return conn
    kind = what.split(" ", 1)[1]
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"{kind[0].upper()}{kind[1:]} {str(path)!r}: the folder"
            f" {str(path.parent)!r} does not exist. Create it first."
        )
    conn = sqlite3.connect(path, timeout=60.0, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in schema:
            conn.execute(statement)
        found = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ValueError(
            f"{str(path)!r} is not {what} (SQLite said: {exc}); pass the path"
            " of a new file or of one weaklabel wrote."
        ) from exc
    if found != list(columns):
        conn.close()
        raise ValueError(
            f"{str(path)!r} holds a table {table!r} that weaklabel did not write"
            f" (columns {found}); pass another path."
        )
    local.conn = conn
    local.pid = os.getpid()
    return conn
