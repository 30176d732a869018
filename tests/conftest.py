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


@pytest.fixture
def torch_one_thread() -> Iterator[None]:
    """torch on one thread for the test (the trainer's and alignment's tests).

    Their models and batches are tiny: thread start-up dominates, and on a
    loaded machine torch's threads fight over the cores (the align tests took
    263 s instead of 21 s under load with the default thread count).
    """
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
