"""The whole Dask pipeline from files to a soft-label folder (``label --engine dask``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from weaklabel._files import atomic_folder
from weaklabel.lf import LFRegistry
from weaklabel.scale._apply import apply_dask
from weaklabel.scale._cluster import use_scheduler
from weaklabel.scale._fit import fit_dask
from weaklabel.scale._io import read_dask, read_votes_dask, write_partitions
from weaklabel.scale._predict import predict_dask

__all__ = ["label_dask"]


def label_dask(
    lfs: LFRegistry,
    data_glob: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    model: Any = None,
    scheduler: Any = None,
    progress: bool = True,
    on_error: Literal["raise", "abstain"] = "raise",
    overwrite: bool = False,
) -> Path:
    """Label files with Dask: apply the LFs, fit the label model, write soft labels.

    The engine of ``weaklabel label --engine dask``.  Everything is written
    into a hidden temporary folder beside ``out_dir``: the votes (in a
    ``_votes`` sub-folder, removed at the end), then the soft labels, one
    Parquet file per partition; the model is fitted out of core
    (:func:`fit_dask`).  Only when all of it succeeded is the folder swapped
    in at ``out_dir`` (with a ``_weaklabel.json`` marker), so a failed or
    interrupted run leaves the earlier output as it was (or nothing), never a
    mix; the temporary folder is removed on errors, SIGINT and SIGTERM, and a
    later run removes one left by a killed process.  An existing non-empty
    ``out_dir`` that weaklabel did not write (the input data, say) is refused
    before any work is done, unless ``overwrite=True``.

    Parameters
    ----------
    lfs : LFRegistry
        The labeling functions.
    data_glob : str, path or list of paths
        Parquet, CSV or JSON Lines files: a glob, a folder or a file (see
        :func:`read_dask`).
    out_dir : str or path-like
        Folder for the soft labels (created if needed); ``pd.read_parquet``
        of it has the columns of the pandas engine's soft-label file.
    model : label model, default=None
        Fitted in place; default ``LabelModel(cardinality=lfs.cardinality)``.
    scheduler : None, str or distributed.Client, default=None
        None starts a ``distributed.LocalCluster`` with one single-threaded
        worker process per CPU (memory split evenly); an address string
        (``'tcp://host:8786'``) connects to that cluster; a ``Client`` is used
        as is; ``'synchronous'``, ``'threads'`` or ``'processes'`` use Dask's
        local schedulers.
    progress : bool, default=True
        Show Dask's progress bars on stderr.
    on_error : {"raise", "abstain"}, default="raise"
        As in :func:`apply_dask`.
    overwrite : bool, default=False
        Replace an existing non-empty ``out_dir`` that weaklabel did not
        write, with everything in it (``--overwrite`` on the command line).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        ``out_dir`` is a file.
    FileExistsError
        ``out_dir`` is a non-empty folder that weaklabel did not write, or
        holds files it did not write.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"--out {str(out)!r} is a file; the Dask engine writes a folder of"
            " Parquet files. Pass a folder path."
        )
    if model is None:
        from weaklabel.label_model import LabelModel

        model = LabelModel(cardinality=lfs.cardinality)
    classes = list(lfs.classes)
    info = {"kind": "soft", "classes": classes}
    # The folder is the outer context: on an error or a signal the cluster is
    # shut down first (no worker writes any more), then the folder is removed.
    with atomic_folder(out, overwrite=overwrite, info=info) as tmp:
        votes_dir = tmp / "_votes"
        with use_scheduler(scheduler):
            ddf = read_dask(data_glob)
            write_partitions(
                apply_dask(lfs, ddf, on_error=on_error),
                votes_dir,
                classes,
                "votes",
                progress,
            )
            votes = read_votes_dask(votes_dir)
            fit_dask(model, votes, classes=classes, progress=progress)
            proba = predict_dask(model, votes, classes=classes)
            write_partitions(proba, tmp, classes, "soft", progress)
        shutil.rmtree(votes_dir)
    return out
