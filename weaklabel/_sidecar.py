"""The JSON sidecar that keeps a CSV vote file's class names (private).

A CSV file has no place for metadata, so ``write_votes("votes.csv", ...)``
also writes ``votes.csv.json``::

    {"format": "weaklabel.sidecar", "version": 1, "of": "votes.csv",
     "sha256": "<digest of votes.csv>", "content": "votes",
     "classes": ["ham", "spam"]}

and ``read_votes`` reads the class names back from it.  The digest ties the
sidecar to the exact bytes of its CSV: a CSV edited or replaced after
weaklabel wrote it is read without class names, with a warning, rather than
with names that may no longer fit.  A file at the sidecar's path that
weaklabel did not write is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from weaklabel._files import atomic_write
from weaklabel.exceptions import WeakLabelWarning, user_stacklevel

__all__ = ["FORMAT", "read_sidecar", "sidecar_path", "write_with_sidecar"]

FORMAT = "weaklabel.sidecar"
_VERSION = 1
_MAX_BYTES = 1 << 20  # a sidecar holds a few names: refuse anything larger


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar of ``path``: the same name with ``.json`` appended.

    Examples
    --------
    >>> sidecar_path("out/votes.csv").as_posix()
    'out/votes.csv.json'
    """
    p = Path(path)
    return p.with_name(p.name + ".json")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load(side: Path) -> dict[str, Any] | None:
    """The sidecar's document, or None when the file is not one of ours."""
    try:
        if side.stat().st_size > _MAX_BYTES:
            return None
        doc = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None
    return doc


def write_with_sidecar(
    path: str | os.PathLike[str],
    write: Callable[[Path], None],
    content: str,
    fields: dict[str, Any],
) -> Path:
    """Write a file atomically with ``write(tmp)``, then its sidecar.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    write : callable
        Writes the file's bytes to the temporary path it is given.
    content : str
        What the file holds (``"votes"``), checked on reading.
    fields : dict
        JSON-serializable fields of the sidecar (e.g. ``{"classes": [...]}``).

    Raises
    ------
    FileExistsError
        A file weaklabel did not write is in the sidecar's place; nothing is
        written.
    """
    side = sidecar_path(path)
    if side.exists() and _load(side) is None:
        raise FileExistsError(
            f"{str(side)!r} exists and is not a sidecar weaklabel wrote, so it is"
            f" not overwritten; weaklabel keeps the class names of {str(path)!r}"
            " there. Move that file away, or write the votes as Parquet (which"
            " keeps them inside the file)."
        )
    digest: dict[str, str] = {}

    def write_and_hash(tmp: Path) -> None:
        write(tmp)
        digest["sha256"] = _sha256(tmp)

    out = atomic_write(path, write_and_hash)
    document = {
        "format": FORMAT,
        "version": _VERSION,
        "of": Path(path).name,
        "sha256": digest["sha256"],
        "content": content,
        **fields,
    }
    text = json.dumps(document, indent=1) + "\n"
    atomic_write(side, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Path(out)


def read_sidecar(path: str | os.PathLike[str], content: str) -> dict[str, Any] | None:
    """The sidecar document of ``path``, or None when there is none.

    A sidecar that is not weaklabel's, describes other content, or no longer
    matches the file's bytes is ignored with one ``WeakLabelWarning``.
    """
    side = sidecar_path(path)
    if not side.is_file():
        return None
    doc = _load(side)
    problem = None
    if doc is None:
        problem = "is not a sidecar weaklabel wrote"
    elif doc.get("content") != content:
        problem = f"describes {doc.get('content')!r}, not {content}"
    elif doc.get("sha256") != _sha256(Path(path)):
        problem = (
            f"does not match {Path(path).name!r} any more (the file changed after"
            " weaklabel wrote it)"
        )
    if problem is not None:
        warnings.warn(
            f"{str(side)!r} {problem}; its class names are ignored, so"
            f" {str(path)!r} is read without class names. Rewrite the file with"
            " weaklabel (or delete the stale sidecar).",
            WeakLabelWarning,
            stacklevel=user_stacklevel(),
        )
        return None
    return doc
