"""JSON documents read from model files with their size and nesting bounded.

A model file is data that may come from anywhere: its size is checked before
it is read, and a document nested deeper than the caller allows is refused
without a ``RecursionError`` traceback.  Callers turn :class:`JSONFileError`
into their own error that names the file and the attribute.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["JSONFileError", "read_bounded_json"]


class JSONFileError(ValueError):
    """The file is too large, not UTF-8 JSON, or nested too deeply."""


def read_bounded_json(path: Path, *, max_bytes: int, max_depth: int) -> Any:
    """Parse the JSON file ``path`` if it is at most ``max_bytes`` and ``max_depth`` deep.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    JSONFileError
        With the problem, worded to follow "is not a valid ... file: ".
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise JSONFileError(f"it is {size} bytes, more than the {max_bytes} allowed")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JSONFileError(f"invalid JSON ({exc})") from exc
    except RecursionError:  # the decoder's own limit, before ours
        raise JSONFileError(
            f"lists or objects nest deeper than {max_depth} levels"
        ) from None
    if not _depth_ok(doc, max_depth):
        raise JSONFileError(f"lists or objects nest deeper than {max_depth} levels")
    return doc


def _depth_ok(doc: Any, max_depth: int) -> bool:
    """Whether lists and objects nest at most ``max_depth`` deep (no recursion)."""
    stack = [(doc, 1)] if isinstance(doc, (list, dict)) else []
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return False
        items = value.values() if isinstance(value, dict) else value
        stack.extend((v, depth + 1) for v in items if isinstance(v, (list, dict)))
    return True
