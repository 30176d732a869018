"""weaklabel._files: atomic files and folders, stale temporaries, signals, links, modes.

The helpers are tested directly here; tests/e2e/test_atomic_outputs.py tests
the same guarantees through the public writers and the CLI.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel import _files
from weaklabel._files import MARKER, atomic_folder, atomic_write, is_temporary
from weaklabel.exceptions import WeakLabelWarning

POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and modes")


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _temp_name(target: str, pid: int, host: str | None = None) -> str:
    host = host or _files._HOST
    suffix = Path(target).suffix
    return f".{target}.{host}-{pid}-0123abcd.weaklabel-tmp{suffix}"


# ------------------------------------------------------------- temporary names
def test_temporary_names_are_tied_to_the_target():
    name = _temp_name("soft.csv", 42)
    assert is_temporary(name, "soft.csv")
    assert not is_temporary(name, "soft.parquet")
    assert not is_temporary(name, "oft.csv")
    assert is_temporary(".soft.csv.0123456789abcdef.tmp.csv", "soft.csv")  # old
    for other in (".soft.csv.swp", ".soft.csv.1234.tmp.csv", "soft.csv", "x.csv"):
        assert not is_temporary(other, "soft.csv")


def test_a_write_sweeps_stale_temporaries_of_its_target_only(tmp_path):
    target = tmp_path / "soft.csv"
    dead = _temp_name("soft.csv", _dead_pid())
    legacy = ".soft.csv.0123456789abcdef.tmp.csv"
    alive = _temp_name("soft.csv", os.getppid())  # a running process's
    remote = _temp_name("soft.csv", 1, host="ffffffff")  # another machine's
    other_target = _temp_name("votes.csv", _dead_pid())
    users = [".soft.csv.swp", "soft.csv.bak", ".soft.csv.1.tmp.csv"]
    for name in (dead, legacy, alive, remote, other_target, *users):
        (tmp_path / name).write_text("x")
    (tmp_path / _temp_name("soft.csv", _dead_pid())).unlink(missing_ok=True)
    (tmp_path / _temp_name("soft.csv", _dead_pid(), host=_files._HOST)).mkdir()
    atomic_write(target, lambda tmp: tmp.write_text("new"))
    assert listing(tmp_path) == sorted(
        ["soft.csv", alive, remote, other_target, *users]
    )


def test_long_target_names_get_short_temporary_names(tmp_path):
    long = "é" * 60 + "x" * 110 + ".parquet"  # 238 bytes: a legal name
    target = tmp_path / long
    seen = []
    atomic_write(target, lambda tmp: seen.append(tmp.name) or tmp.write_text("a"))
    assert len(os.fsencode(seen[0])) < 200
    assert seen[0].endswith(".parquet")
    assert is_temporary(seen[0], long)
    assert not is_temporary(seen[0], "é" * 60 + "x" * 110 + "y.parquet")
    stale = tmp_path / seen[0].replace(f"-{os.getpid()}-", f"-{_dead_pid()}-")
    stale.write_text("left by a killed run")
    with atomic_folder(tmp_path / ("d" * 250)) as tmp:
        assert len(os.fsencode(tmp.name)) < 200
    atomic_write(target, lambda tmp: tmp.write_text("b"))
    assert listing(tmp_path) == sorted([long, "d" * 250])


def test_no_sweep_skips_the_sweep(tmp_path):
    stale = tmp_path / _temp_name("a.txt", _dead_pid())
    stale.write_text("x")
    with _files.no_sweep():
        atomic_write(tmp_path / "a.txt", lambda tmp: tmp.write_text("a"))
    assert stale.exists()
    atomic_write(tmp_path / "a.txt", lambda tmp: tmp.write_text("a"))
    assert not stale.exists()


# -------------------------------------------------------- killed and interrupted
_SLOW_WRITER = """
import signal, sys, time
from pathlib import Path
from weaklabel._files import atomic_folder, atomic_write

# as in a terminal: a job started in the background of a script (pytest run
# with "&") inherits SIGINT ignored, and the write would rightly go on
signal.signal(signal.SIGINT, signal.default_int_handler)

def slow(tmp):
    tmp.write_text("partial " * 1000)
    print("writing", flush=True)
    time.sleep(60)

target = Path(sys.argv[1])
if sys.argv[2] == "file":
    atomic_write(target, slow)
else:
    with atomic_folder(target) as tmp:
        slow(tmp / "part.0.txt")
"""


def _start_slow_writer(target: Path, kind: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_SLOW_WRITER), str(target), kind],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # bounded: the child sleeps only 60 s
    assert line.strip() == "writing", line
    return proc


@POSIX
@pytest.mark.parametrize("kind", ["file", "folder"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_write_removes_the_temporary(tmp_path, kind, signum):
    target = tmp_path / ("soft.csv" if kind == "file" else "out")
    if kind == "file":
        target.write_text("old")
    with _start_slow_writer(target, kind) as proc:
        assert len(listing(tmp_path)) == (2 if kind == "file" else 1)
        os.kill(proc.pid, signum)
        rc = proc.wait(timeout=30)
    assert rc != 0
    if signum == signal.SIGTERM:
        assert rc == -signal.SIGTERM  # still ends as killed by the signal
    assert listing(tmp_path) == (["soft.csv"] if kind == "file" else [])
    if kind == "file":
        assert target.read_text() == "old"


@POSIX
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_kill_9_leaves_a_temporary_that_the_next_write_removes(tmp_path, kind):
    target = tmp_path / ("soft.csv" if kind == "file" else "out")
    with _start_slow_writer(target, kind) as proc:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    left = listing(tmp_path)
    assert len(left) == 1
    assert is_temporary(left[0], target.name)
    if kind == "file":
        atomic_write(target, lambda tmp: tmp.write_text("new"))
    else:
        with atomic_folder(target) as tmp:
            (tmp / "a").write_text("new")
    assert listing(tmp_path) == [target.name]


def test_the_handlers_are_restored_after_a_write(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    atomic_write(tmp_path / "a", lambda tmp: tmp.write_text("a"))
    with atomic_folder(tmp_path / "b") as tmp:
        atomic_write(tmp / "c", lambda t: t.write_text("c"))
    assert signal.getsignal(signal.SIGTERM) is before


# ---------------------------------------------------------------- links, modes
@POSIX
def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "soft.csv"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, lambda tmp: tmp.write_text("new"))
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == "new"


@POSIX
def test_a_symlinked_target_is_followed_and_kept(tmp_path):
    real = tmp_path / "store" / "soft.csv"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "soft.csv"
    link.symlink_to(real)
    atomic_write(link, lambda tmp: tmp.write_text("new"))
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert real.stat().st_mode & 0o777 == 0o640
    assert listing(real.parent) == ["soft.csv"]
    # a dangling link: the file is created where it points
    (tmp_path / "later.csv").symlink_to(real.parent / "later.csv")
    atomic_write(tmp_path / "later.csv", lambda tmp: tmp.write_text("x"))
    assert (real.parent / "later.csv").read_text() == "x"


@POSIX
def test_a_symlinked_folder_is_followed_and_kept(tmp_path):
    real = tmp_path / "store" / "out"
    real.parent.mkdir()
    with atomic_folder(real) as tmp:
        (tmp / "a").write_text("old")
    real.chmod(0o750)
    link = tmp_path / "out"
    link.symlink_to(real)
    with atomic_folder(link) as tmp:
        (tmp / "b").write_text("new")
    assert link.is_symlink()
    assert listing(real) == [MARKER, "b"]
    assert real.stat().st_mode & 0o777 == 0o750
    assert listing(real.parent) == ["out"]


# ---------------------------------------------------------------------- errors
@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions"
)
def test_a_read_only_folder_error_names_the_target(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as info:
            atomic_write(folder / "soft.csv", lambda tmp: tmp.write_text("x"))
        with pytest.raises(PermissionError) as info_dir, atomic_folder(folder / "out"):
            pass
    finally:
        folder.chmod(0o700)
    for exc in (info.value, info_dir.value):
        assert "weaklabel-tmp" not in str(exc)
        assert "permissions" in str(exc)
    assert "soft.csv" in str(info.value)
    assert "out" in str(info_dir.value)


@POSIX
def test_a_write_error_names_the_target_not_the_temporary(tmp_path, file_size_limit):
    target = tmp_path / "soft.csv"
    target.write_text("old")
    with file_size_limit(100), pytest.raises(OSError, match="too large") as info:
        atomic_write(target, lambda tmp: tmp.write_text("x" * 1000))
    assert info.value.errno == errno.EFBIG
    assert repr(str(target)) in str(info.value)
    assert "weaklabel-tmp" not in str(info.value)
    assert target.read_text() == "old"
    assert listing(tmp_path) == ["soft.csv"]


# --------------------------------------------------------------------- folders
def test_atomic_folder_writes_a_marker_listing_its_files(tmp_path):
    out = tmp_path / "deep" / "out"
    with atomic_folder(out, info={"kind": "test"}) as tmp:
        assert tmp.parent == out.parent
        assert is_temporary(tmp, out)
        (tmp / "a.txt").write_text("a")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.txt").write_text("b")
        assert not out.exists()
    marker = json.loads((out / MARKER).read_text())
    assert marker["files"] == ["a.txt", "sub/b.txt"]
    assert marker["kind"] == "test"
    assert marker["written_by"] == "weaklabel"
    assert listing(out.parent) == ["out"]


@pytest.mark.parametrize("exchange", [True, False])
def test_atomic_folder_replaces_its_own_output_whole(tmp_path, monkeypatch, exchange):
    if not exchange:  # the portable two-rename path
        monkeypatch.setattr(_files, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    with atomic_folder(out) as tmp:
        for i in range(4):
            (tmp / f"part.{i}").write_text("old")
    with atomic_folder(out) as tmp:
        for i in range(2):
            (tmp / f"part.{i}").write_text("new")
    assert listing(out) == [MARKER, "part.0", "part.1"]
    assert {p.read_text() for p in out.glob("part.*")} == {"new"}
    assert listing(tmp_path) == ["out"]


def test_atomic_folder_failure_keeps_the_old_folder(tmp_path):
    out = tmp_path / "out"
    with atomic_folder(out) as tmp:
        (tmp / "part.0").write_text("old")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def fill(tmp: Path) -> None:
        (tmp / "part.0").write_text("new")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"), atomic_folder(out) as tmp:
        fill(tmp)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert listing(tmp_path) == ["out"]


def test_atomic_folder_refuses_what_it_did_not_write(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.0.parquet").write_text("input")
    with (
        pytest.raises(FileExistsError, match=r"did not write.*--overwrite"),
        atomic_folder(data),
    ):
        pytest.fail("the body must not run")
    assert listing(data) == ["part.0.parquet"]
    with atomic_folder(data, overwrite=True) as tmp:
        (tmp / "new").write_text("new")
    assert listing(data) == [MARKER, "new"]
    # a file added to our output afterwards
    (data / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"notes\.txt"), atomic_folder(data):
        pass
    assert (data / "notes.txt").read_text() == "mine"
    # a forged or broken marker does not make a folder ours
    (data / MARKER).write_text("{not json")
    with pytest.raises(FileExistsError, match="did not write"), atomic_folder(data):
        pass
    # a file where the folder should go
    (tmp_path / "f").write_text("x")
    with (
        pytest.raises(NotADirectoryError, match="is a file"),
        atomic_folder(tmp_path / "f", overwrite=True),
    ):
        pass
    assert (tmp_path / "f").read_text() == "x"
    assert listing(tmp_path) == ["data", "f"]


@pytest.mark.parametrize("exchange", [True, False])
def test_files_added_during_the_write_are_kept(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(_files, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    with atomic_folder(out) as tmp:
        (tmp / "part.0").write_text("old")

    def rewrite() -> None:
        with atomic_folder(out) as tmp:
            (tmp / "part.0").write_text("new")
            (out / "notes.txt").write_text("mine")  # the user, meanwhile

    with pytest.warns(WeakLabelWarning, match=r"notes\.txt.*kept as"):
        rewrite()
    assert (out / "part.0").read_text() == "new"
    (kept,) = (p for p in tmp_path.iterdir() if p.name.startswith("out.replaced-"))
    assert (kept / "notes.txt").read_text() == "mine"
    assert listing(tmp_path) == sorted(["out", kept.name])


def test_atomic_folder_takes_an_empty_folder(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".DS_Store").write_bytes(b"")  # a desktop's, not data
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "a").write_text("a")
    assert listing(tmp_path / "out") == [MARKER, "a"]
    # a desktop's clutter in our own output does not block the next run
    (tmp_path / "out" / ".DS_Store").write_bytes(b"")
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "b").write_text("b")
    assert listing(tmp_path / "out") == [MARKER, "b"]


@POSIX
def test_set_id_bits_are_not_copied_to_a_replaced_file(tmp_path):
    target = tmp_path / "run.sh"
    target.write_text("old")
    target.chmod(0o4755)
    atomic_write(target, lambda tmp: tmp.write_text("new"))
    assert target.stat().st_mode & 0o7777 == 0o755


# -------------------------------------------------------------------- property
@settings(max_examples=40)
@given(st.lists(st.tuples(st.binary(max_size=300), st.booleans()), max_size=6))
def test_only_complete_writes_are_ever_seen(tmp_path_factory, writes):
    """After any mix of successful and failing writes the target holds the last
    successful content (or nothing) and no temporary file remains."""
    folder = tmp_path_factory.mktemp("prop")
    target = folder / "f.bin"
    expected: bytes | None = None
    for data, fails in writes:

        def writer(tmp: Path, data: bytes = data, fails: bool = fails) -> None:
            half = len(data) // 2
            with open(tmp, "wb") as fh:
                fh.write(data[:half])
                if fails:
                    raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
                fh.write(data[half:])

        if fails:
            with pytest.raises(OSError, match=r"f\.bin.*left unchanged"):
                atomic_write(target, writer)
        else:
            atomic_write(target, writer)
            expected = data
        if expected is None:
            assert listing(folder) == []
        else:
            assert listing(folder) == ["f.bin"]
            assert target.read_bytes() == expected
    time.sleep(0)
