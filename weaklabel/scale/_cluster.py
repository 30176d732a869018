"""Dask set-up: importing the extra, the scheduler, computing with progress."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import uuid
from collections.abc import Iterator
from typing import Any, TypeAlias

import pandas as pd

DaskDataFrame: TypeAlias = Any
"""A ``dask.dataframe.DataFrame`` (Dask ships no type information)."""

__all__ = [
    "DaskDataFrame",
    "check_ddf",
    "compute",
    "current_client",
    "dask_dataframe",
    "import_extra",
    "n_workers",
    "pandas_strings",
    "ship",
    "use_scheduler",
]


_LOCAL_SCHEDULERS = frozenset(
    {"synchronous", "sync", "single-threaded", "threads", "threading", "processes"}
)


def import_extra(name: str) -> Any:
    """Import a module of the ``dask`` extra (untyped, so typed as Any)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ImportError(
            "weaklabel.scale requires Dask: pip install 'weaklabel[dask]'"
        ) from exc


def dask_dataframe() -> Any:
    return import_extra("dask.dataframe")


def check_ddf(ddf: Any, name: str) -> None:
    dd = dask_dataframe()
    if not isinstance(ddf, dd.DataFrame):
        hint = (
            " For a pandas DataFrame use the pandas path (lfs.apply(df), model.fit(L))."
            if isinstance(ddf, pd.DataFrame)
            else ""
        )
        raise TypeError(
            f"{name} must be a dask.dataframe.DataFrame; got {type(ddf).__name__}.{hint}"
        )


def ship(obj: Any) -> Any:
    """Wrap ``obj`` as one key of the task graph (shipped once per worker)."""
    delayed = import_extra("dask").delayed
    return delayed(obj, name=f"weaklabel-{type(obj).__name__}-{uuid.uuid4().hex}")


def pandas_strings() -> Any:
    """Keep text columns as pandas reads them (no conversion to pyarrow strings).

    Dask would turn text into ``string[pyarrow]`` with ``pd.NA`` for missing
    values; LFs must see exactly what the pandas engine gives them.
    """
    return import_extra("dask").config.set({"dataframe.convert-string": False})


def compute(obj: Any, *, progress: bool) -> Any:
    """Compute a Dask collection with an optional progress bar on stderr."""
    client = current_client()
    if client is not None:
        future = client.compute(obj)
        if progress:
            with contextlib.redirect_stdout(sys.stderr):
                import_extra("distributed").progress(future)
        return future.result()
    if progress:
        with import_extra("dask.diagnostics").ProgressBar(out=sys.stderr):
            return obj.compute()
    return obj.compute()


def current_client() -> Any:
    """The distributed Client that ``compute`` would use now, if any."""
    if import_extra("dask").config.get("scheduler", None) in _LOCAL_SCHEDULERS:
        return None  # an explicit local scheduler wins over a default client
    try:
        distributed = importlib.import_module("distributed")
    except ImportError:
        return None
    try:
        return distributed.default_client()
    except ValueError:
        return None


@contextlib.contextmanager
def use_scheduler(scheduler: Any) -> Iterator[None]:
    """Run the body on the scheduler ``label_dask`` was asked for."""
    if isinstance(scheduler, str) and scheduler in _LOCAL_SCHEDULERS:
        with import_extra("dask").config.set(scheduler=scheduler):
            yield
        return
    distributed = import_extra("distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if scheduler is None:
        import psutil

        n = max(1, os.cpu_count() or 1)
        memory = psutil.virtual_memory().total
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                memory_limit=int(memory * 0.9 / n),
                dashboard_address=":0",  # any free port: never fight over 8787
            ) as cluster,
            Client(cluster),
        ):
            yield
    elif isinstance(scheduler, str):
        with Client(scheduler):
            yield
    elif isinstance(scheduler, Client):
        with scheduler.as_current():
            yield
    else:
        raise TypeError(
            "scheduler must be None (a LocalCluster sized to this machine), a"
            " scheduler address such as 'tcp://10.0.0.1:8786', a distributed.Client,"
            f" or one of {sorted(_LOCAL_SCHEDULERS)}; got {scheduler!r}."
        )


def n_workers() -> int:
    client = current_client()
    if client is None:
        return os.cpu_count() or 1
    return len(client.scheduler_info(n_workers=-1)["workers"])
