"""Atomic writes of files and folders (private; ``weaklabel.io`` re-exports ``atomic_write``).

Every output weaklabel writes goes through one of two functions here:

- :func:`atomic_write` writes one file: a writer fills a temporary file beside
  the target, which is then renamed over it.
- :func:`atomic_folder` writes a folder (the Dask engine's Parquet datasets):
  the caller fills a temporary folder beside the target, which is swapped in
  only when complete.  A folder weaklabel wrote carries a marker file
  (:data:`MARKER`, listing the files it wrote); an existing non-empty folder
  without it, or with files the marker does not list, is refused unless the
  caller passes ``overwrite=True``.

So an interrupted or failed write leaves either the old complete output or, for
a folder, at worst nothing at the target, never a mix, and no file weaklabel
did not write is deleted or replaced unasked.

Temporary names
    ``.<target name>.<host>-<pid>-<random>.weaklabel-tmp<suffix>``: hidden,
    recognisable as weaklabel's, tied to the target, and naming the process
    that writes it (``host`` is a hash of the host name; a target name longer
    than 120 bytes is cut and followed by a hash of it, so the temporary name
    stays within the file system's 255 bytes).  Before each write,
    the stale temporary files and folders of the same target are swept: those
    of a process on this host that no longer runs (for example one killed with
    ``kill -9``), and the ``.<name>.<16 hex>.tmp<suffix>`` files of earlier
    weaklabel versions.  Those of other hosts (a shared file system) are left
    alone, since their process cannot be checked (on Windows, only the earlier
    versions' names are swept).
Signals
    ``SIGINT`` raises ``KeyboardInterrupt`` and so removes the temporary file.
    While a write runs in the main thread, ``SIGTERM`` and ``SIGHUP`` (when
    their handler is the default one) are turned into an exception too: the
    temporary file or folder is removed, then the signal is delivered again,
    so the process still ends as killed by it.
Symbolic links
    A target that is a symbolic link is followed: the file or folder it points
    to is replaced (atomically, in the link target's folder) and the link is
    kept, as editors do.
Permissions
    A replaced file or folder keeps its permission bits; a new one gets the
    usual ones (the umask applies).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from types import FrameType
from typing import Any, TypeGuard

__all__ = [
    "MARKER",
    "atomic_folder",
    "atomic_write",
    "check_folder_replaceable",
    "is_temporary",
    "no_sweep",
]

PathLike = str | os.PathLike[str]

MARKER = "_weaklabel.json"
"""Marker file of a folder weaklabel wrote: its JSON lists the files written.

The leading underscore makes Parquet readers (pyarrow, pandas, Dask, Spark)
skip it when they read the folder as a dataset.
"""

_TAG = "weaklabel-tmp"
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_SWEEP: ContextVar[bool] = ContextVar("weaklabel_sweep", default=True)
_ACTIVE: set[str] = set()  # temporary paths this process is writing now
_LOCK = threading.Lock()
_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


# --------------------------------------------------------------- temporary names


_MAX_STEM = 120
"""Bytes of the target's name kept in a temporary name (names are limited to 255)."""


def _stem(target: Path) -> str:
    """The target's name as it appears in its temporary names (long ones shortened)."""
    raw = os.fsencode(target.name)
    if len(raw) <= _MAX_STEM:
        return target.name
    digest = hashlib.sha1(raw).hexdigest()[:8]
    return f"{raw[: _MAX_STEM - 9].decode(errors='ignore')}~{digest}"


def _suffix(target: Path) -> str:
    return target.suffix if len(target.suffix) <= 32 else ""


def _temp_path(target: Path) -> Path:
    token = secrets.token_hex(4)
    pid = os.getpid()
    name = f".{_stem(target)}.{_HOST}-{pid}-{token}.{_TAG}{_suffix(target)}"
    return target.parent / name


def _temp_pattern(target: Path) -> re.Pattern[str]:
    name, suffix = re.escape(_stem(target)), re.escape(_suffix(target))
    return re.compile(
        rf"^\.{name}\.(?:(?P<host>[0-9a-f]{{8}})-(?P<pid>\d+)-[0-9a-f]{{8}}\.{_TAG}"
        rf"|[0-9a-f]{{16}}\.tmp){suffix}$"
    )


def is_temporary(path: PathLike, target: PathLike) -> bool:
    """Whether ``path`` has the name of a weaklabel temporary file of ``target``.

    Examples
    --------
    >>> is_temporary(".soft.csv.0a1b2c3d-42-0a1b2c3d.weaklabel-tmp.csv", "soft.csv")
    True
    >>> is_temporary(".soft.csv.swp", "soft.csv")
    False
    """
    return bool(_temp_pattern(Path(target)).match(Path(path).name))


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # os.kill would end the process on Windows: never sweep there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or cannot be told: keep
    return True


def _stale(match: re.Match[str], path: Path) -> bool:
    host, pid = match.group("host"), match.group("pid")
    if host is None:  # an earlier version's name: no process writes it now
        return True
    if host != _HOST:
        return False  # another machine's: cannot tell whether it still runs
    if int(pid) == os.getpid():
        with _LOCK:
            return str(path) not in _ACTIVE
    return not _alive(int(pid))


def _sweep(target: Path) -> None:
    """Remove the stale temporary files and folders of ``target`` (see module doc)."""
    if not _SWEEP.get():
        return
    pattern = _temp_pattern(target)
    prefix = f".{_stem(target)}."
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        match = pattern.match(entry.name)
        path = Path(entry.path)
        if match is None or not _stale(match, path):
            continue
        if entry.is_dir(follow_symlinks=False):
            _remove_tree(path)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


@contextlib.contextmanager
def no_sweep() -> Iterator[None]:
    """Skip the sweep of stale temporary files for writes in this context.

    For many files written into a fresh folder of their own (one listing of the
    folder per file would cost O(files**2)).
    """
    token = _SWEEP.set(False)
    try:
        yield
    finally:
        _SWEEP.reset(token)


def _remove_tree(path: Path) -> None:
    """Remove a temporary folder of ours (retried: a worker may still write in it)."""
    for _ in range(3):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return


def _register(path: Path) -> None:
    with _LOCK:
        _ACTIVE.add(str(path))


def _unregister(path: Path) -> None:
    with _LOCK:
        _ACTIVE.discard(str(path))


# ---------------------------------------------------------------------- signals


class _Terminated(BaseException):
    """Raised by the temporary signal handler, so that clean-up code runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(signum)


_depth = 0


@contextlib.contextmanager
def _clean_up_on_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into an exception while the body runs (main thread only).

    Only signals whose handler is the default one (which would end the process
    without running clean-up code) are handled.  The outermost context restores
    the handlers and delivers a caught signal again, so the process ends as the
    signal meant, after the clean-up code of every write has run.
    """
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    outer = _depth == 0
    installed: list[int] = []
    if outer:
        for signum in _SIGNALS:
            try:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    signal.signal(signum, _raise_terminated)
                    installed.append(signum)
            except (ValueError, OSError):  # not the main interpreter
                pass
    _depth += 1
    caught = None
    try:
        yield
    except _Terminated as exc:
        if not outer:
            raise
        caught = exc.signum
    finally:
        _depth -= 1
        for signum in installed:
            signal.signal(signum, signal.SIG_DFL)
    if caught is not None:
        os.kill(os.getpid(), caught)  # the default action: the process ends
        raise SystemExit(128 + caught)  # pragma: no cover - not reached


# ------------------------------------------------------------------------ paths


def _resolve(target: Path) -> Path:
    """Follow a symbolic link at ``target`` (dangling ones too)."""
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def _mode_of(path: Path) -> int | None:
    """The permission bits to give a replacement (set-id bits only for folders)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    mode = stat.S_IMODE(st.st_mode)
    return mode if stat.S_ISDIR(st.st_mode) else mode & 0o777


def _about_target(exc: OSError, target: Path, tmp: Path) -> OSError:
    """The same error, naming the target the user asked for, not our temporary."""
    reason = exc.strerror or str(exc).replace(str(tmp), str(target))
    hint = ""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = " Check the folder's permissions, or choose another path."
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = " Free some space, or choose another path."
    message = f"Cannot write {str(target)!r}: {reason}. It was left unchanged.{hint}"
    return OSError(exc.errno, message) if exc.errno else OSError(message)


_WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EIO}
)


def _mentions(exc: BaseException, tmp: Path) -> TypeGuard[OSError]:
    """Whether ``exc`` is about writing ``tmp`` (so it should name the target)."""
    if not isinstance(exc, OSError):
        return False
    if exc.filename is None and exc.errno in _WRITE_ERRNOS:
        return True  # a failed write to an open file (the disk is full, say)
    return exc.filename in (str(tmp), tmp) or str(tmp) in str(exc)


def _fsync_path(path: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDWR
    try:
        fd = os.open(path, flags)
    except OSError:  # e.g. folders cannot be opened on Windows
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# ----------------------------------------------------------------------- files


def atomic_write(path: PathLike, writer: Callable[[Path], object]) -> Path:
    """Write a file atomically: ``writer`` fills a temporary file, then it is renamed.

    The temporary file sits in the target's folder (so the rename is atomic on
    the same file system), is hidden and named as weaklabel's for this target
    (see the module docstring), and keeps the target's suffix, so writers that
    look at it (``numpy.savez``, pandas' compression inference) behave as for
    the target.  It is flushed to disk before the rename.  If ``writer``
    raises, or the process is interrupted (SIGINT, SIGTERM), the temporary file
    is removed and an existing file at ``path`` is left untouched.  Stale
    temporary files of the same target left by killed processes are removed
    first.  A replaced file keeps its permission bits; a symbolic link is
    followed (the file it points to is replaced, the link kept).

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
    OSError
        The file cannot be written (permissions, disk full): the message names
        ``path``, not the temporary file.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "note.txt", lambda tmp: tmp.write_text("hi")).read_text()
    'hi'
    """
    target = Path(path)
    real = _resolve(target)
    folder = real.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot write {str(target)!r}: the folder {str(folder)!r} does not exist."
            " Create it first."
        )
    if real.is_dir():
        raise IsADirectoryError(f"Cannot write {str(target)!r}: it is a directory.")
    mode = _mode_of(real)
    _sweep(real)
    tmp = _temp_path(real)
    with _clean_up_on_signals():
        _register(tmp)
        try:
            # Reserve the name ("x" fails rather than clobber); the umask
            # applies as for any new file, unlike tempfile.mkstemp's 0600.
            with open(tmp, "xb"):
                pass
            writer(tmp)
            if mode is not None:
                os.chmod(tmp, mode)
            if tmp.is_file():
                _fsync_path(tmp)
            os.replace(tmp, real)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if _mentions(exc, tmp):
                raise _about_target(exc, target, tmp) from exc
            raise
        finally:
            _unregister(tmp)
    return target


# --------------------------------------------------------------------- folders


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("written_by") != "weaklabel":
        return None
    if not isinstance(doc.get("files"), list):
        return None
    return doc


_CLUTTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files a desktop adds to any folder it shows: not the user's data."""


def _files_in(folder: Path) -> list[str]:
    """Every file below ``folder``, as sorted POSIX paths relative to it."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        rel = Path(root).relative_to(folder)
        found += [(rel / f).as_posix() for f in files if f not in _CLUTTER]
    return sorted(found)


def _unknown_files(folder: Path) -> list[str]:
    """Files in ``folder`` that its weaklabel marker does not list (all if none)."""
    present = [f for f in _files_in(folder) if f != MARKER]
    marker = _read_marker(folder)
    if marker is None:
        return present
    listed = {str(f) for f in marker["files"]}
    return [f for f in present if f not in listed]


def _check_replaceable(target: Path, real: Path, overwrite: bool) -> None:
    """Refuse to replace a non-empty folder that is not weaklabel's own output."""
    if os.path.lexists(real) and not real.is_dir():
        raise NotADirectoryError(
            f"Cannot write the folder {str(target)!r}: it is a file. Pass a folder"
            " path (it is created if needed), or remove the file yourself."
        )
    if overwrite or not real.is_dir():
        return
    present = [f for f in _files_in(real) if f != MARKER]
    if not present and all(p.name in _CLUTTER for p in real.iterdir()):
        return  # an empty folder (but for a desktop's clutter): nothing to lose
    if _read_marker(real) is None:
        raise FileExistsError(
            f"Refusing to write into {str(target)!r}: it is a folder that weaklabel"
            f" did not write (no {MARKER} marker) and it is not empty (e.g."
            f" {', '.join(present[:3]) or 'sub-folders'}). Nothing was changed."
            " Choose another output path, or pass overwrite=True (CLI: --overwrite)"
            " to replace the folder and everything in it."
        )
    foreign = _unknown_files(real)
    if foreign:
        raise FileExistsError(
            f"Refusing to replace {str(target)!r}: weaklabel wrote it, but it now"
            f" also holds files weaklabel did not write ({', '.join(foreign[:3])}"
            f"{', ...' if len(foreign) > 3 else ''}). Nothing was changed. Move"
            " them away, choose another output path, or pass overwrite=True (CLI:"
            " --overwrite) to replace the folder and everything in it."
        )


def check_folder_replaceable(path: PathLike, *, overwrite: bool = False) -> None:
    """Raise now what :func:`atomic_folder` would raise on entering for ``path``.

    Lets a command fail before long work (training) rather than after it.
    """
    target = Path(path)
    _check_replaceable(target, _resolve(target), overwrite)


def _dispose(old: Path, real: Path, overwrite: bool) -> None:
    """Remove the replaced folder, unless files weaklabel did not write appeared
    in it while this write ran: then keep it beside ``real`` and warn."""
    foreign = [] if overwrite else _unknown_files(old)
    if not foreign:
        _remove_tree(old)
        return
    import time
    import warnings

    from weaklabel.exceptions import WeakLabelWarning

    kept = real.with_name(f"{real.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}")
    os.rename(old, kept)
    warnings.warn(
        f"Files weaklabel did not write appeared in {str(real)!r} while it was"
        f" being rewritten ({', '.join(foreign[:3])}); the replaced folder is kept"
        f" as {str(kept)!r}. Move what you need out of it, then delete it.",
        WeakLabelWarning,
        stacklevel=4,
    )


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    fn.argtypes += [ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, real: Path, overwrite: bool) -> None:
    """Put the folder ``tmp`` at ``real``; dispose of the old ``real`` (if any)."""
    if not os.path.lexists(real):
        os.rename(tmp, real)
        return
    if _exchange(tmp, real):  # now tmp holds the old folder
        _dispose(tmp, real, overwrite)
        return
    # Two renames: between them nothing is at ``real`` (never a mix); a crash
    # there leaves the old folder under a stale temporary name, swept later.
    old = _temp_path(real)
    _register(old)
    try:
        os.rename(real, old)
        os.rename(tmp, real)
        _dispose(old, real, overwrite)
    finally:
        _unregister(old)


@contextlib.contextmanager
def atomic_folder(
    path: PathLike,
    *,
    overwrite: bool = False,
    info: dict[str, Any] | None = None,
) -> Iterator[Path]:
    """Write a folder atomically: fill the yielded temporary folder; it is swapped in.

    On entering, ``path`` is checked: a file there, or an existing non-empty
    folder that weaklabel did not write (no :data:`MARKER`), or that holds
    files its marker does not list, is refused with ``FileExistsError`` (or
    ``NotADirectoryError``) unless ``overwrite=True``; stale temporary folders
    of ``path`` are swept; the parent folders are created.  The body writes
    into the yielded folder, a hidden sibling of ``path``.  When the body ends
    without an error, the marker (listing every file written, and ``info``)
    is added, the files are flushed to disk and the folder replaces ``path``
    in one rename (an atomic exchange on Linux; elsewhere two renames, with
    nothing at ``path`` in between).  On an error or a signal the temporary
    folder is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The folder to create or replace.
    overwrite : bool, default=False
        Replace whatever folder is at ``path``, with everything in it.
    info : dict, default=None
        JSON-serialisable entries for the marker (e.g. ``{"kind": "votes"}``).

    Yields
    ------
    pathlib.Path
        The temporary folder to fill.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_folder(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("a")
    >>> sorted(p.name for p in out.iterdir())
    ['_weaklabel.json', 'a.txt']
    """
    target = Path(path)
    real = _resolve(target)
    _check_replaceable(target, real, overwrite)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _about_target(exc, target, real.parent) from exc
    _sweep(real)
    mode = _mode_of(real)
    tmp = _temp_path(real)
    with _clean_up_on_signals():
        _register(tmp)
        try:
            try:
                tmp.mkdir()
            except OSError as exc:
                raise _about_target(exc, target, tmp) from exc
            yield tmp
            files = _files_in(tmp)
            doc = {"written_by": "weaklabel", "format": 1, **(info or {})}
            doc["files"] = [f for f in files if f != MARKER]
            (tmp / MARKER).write_text(json.dumps(doc, indent=1), encoding="utf-8")
            for f in [*files, MARKER]:
                _fsync_path(tmp / f)
            if mode is not None:
                os.chmod(tmp, mode)
            _fsync_path(tmp)
            _swap_in(tmp, real, overwrite)
            _fsync_path(real.parent)
        except BaseException as exc:
            _remove_tree(tmp)
            if _mentions(exc, tmp):
                raise _about_target(exc, target, tmp) from exc
            raise
        finally:
            _unregister(tmp)
