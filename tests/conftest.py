"""Shared pytest configuration: hypothesis profiles.

The default profile has no per-example deadline, so a busy CI machine cannot
turn a slow example into a failure; ``HYPOTHESIS_PROFILE=thorough`` runs more
examples.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def file_size_limit() -> Callable[[int], contextlib.AbstractContextManager[None]]:
    """``with file_size_limit(n):`` makes this process's writes past ``n`` bytes fail.

    A real write error after bytes were written (``OSError(EFBIG)``, as a full
    disk gives ``ENOSPC``), for any writer (pandas, pyarrow, numpy, json), set
    with ``RLIMIT_FSIZE``; ``SIGXFSZ`` is ignored meanwhile so that the write
    fails instead of the process being killed.  POSIX only.
    """
    resource = pytest.importorskip("resource")

    @contextlib.contextmanager
    def limit(n: int) -> Iterator[None]:
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            signal.signal(signal.SIGXFSZ, handler)

    return limit
