"""What a benchmark result was measured on: the commit, the date, the machine's load.

Every bench script puts :func:`provenance_line` at the top of its results file
(and :func:`provenance` into its JSON), so that a table can be checked
against the code it describes and a slow run against a busy machine::

    from provenance import provenance_line  # benchmarks/ is on sys.path

    text = provenance_line() + "\\n\\n" + table

A run from a tree with uncommitted changes to the package or the benchmarks
says so (``abc1234+dirty``): re-run from a clean commit before quoting it.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["provenance", "provenance_line"]


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def _load() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:  # not available on this platform
        return None


def provenance(load_before: tuple[float, float, float] | None = None) -> dict[str, Any]:
    """The commit, date, machine and load average of this run.

    Parameters
    ----------
    load_before : (float, float, float), default=None
        ``os.getloadavg()`` taken when the run started; the load now is
        recorded as the load after.

    Returns
    -------
    dict
        ``commit`` (short hash, ``+dirty`` when ``weaklabel/`` or
        ``benchmarks/`` have uncommitted changes; ``unknown`` outside git),
        ``date`` (UTC, ISO 8601), ``host``, ``cpus``, ``python``,
        ``load_before`` and ``load_after`` (1, 5 and 15 minute averages).
    """
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if commit != "unknown" and _git(
        "status", "--porcelain", "--untracked-files=no", "--", "weaklabel", "benchmarks"
    ):
        commit += "+dirty"
    return {
        "commit": commit,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node() or "unknown",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": None if load_before is None else list(load_before),
        "load_after": list(_load() or ()) or None,
    }


def _fmt(load: Any) -> str:
    return "n/a" if not load else " / ".join(f"{v:.1f}" for v in load)


def provenance_line(load_before: tuple[float, float, float] | None = None) -> str:
    """One Markdown line for the top of a results file.

    Examples
    --------
    >>> line = provenance_line()
    >>> line.startswith("Commit `")
    True
    """
    p = provenance(load_before)
    before = "" if p["load_before"] is None else f"{_fmt(p['load_before'])} before, "
    return (
        f"Commit `{p['commit']}`, run {p['date']} on {p['host']} ({p['cpus']} CPUs,"
        f" Python {p['python']}); load average (1 / 5 / 15 min) {before}"
        f"{_fmt(p['load_after'])} after."
    )
