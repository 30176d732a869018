"""Atomic file writes (private; re-exported as ``weaklabel.io.atomic_write``)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write"]

PathLike = str | os.PathLike[str]


def atomic_write(path: PathLike, writer: Callable[[Path], object]) -> Path:
    """Write a file atomically: ``writer`` fills a temporary file, then it is renamed.

    The temporary file sits in the target's folder (so the rename is atomic on
    the same file system), is hidden (``.<name>.<random>.tmp<suffix>``), and
    keeps the target's suffix, so writers that look at it (``numpy.savez``,
    pandas' compression inference) behave as for the target.  It is flushed to
    disk before the rename.  If ``writer`` raises, the temporary file is removed
    and the error propagates; an existing file at ``path`` is left untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace.  Its folder must exist.
    writer : callable
        ``writer(tmp_path)`` writes the whole content to ``tmp_path`` (an
        existing, empty file that it may overwrite).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        The folder of ``path`` does not exist.
    IsADirectoryError
        ``path`` is a directory.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "note.txt", lambda tmp: tmp.write_text("hi")).read_text()
    'hi'
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot write {str(target)!r}: the folder {str(folder)!r} does not exist."
            " Create it first."
        )
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write {str(target)!r}: it is a directory.")
    tmp = folder / f".{target.name}.{secrets.token_hex(8)}.tmp{target.suffix}"
    # Reserve the name ("x" fails rather than clobber); the umask applies as
    # for any new file, unlike tempfile.mkstemp's private 0600 mode.
    with open(tmp, "xb"):
        pass
    try:
        writer(tmp)
        if tmp.is_file():
            with open(tmp, "r+b") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
