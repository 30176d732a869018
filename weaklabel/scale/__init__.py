"""Scale out with Dask: apply LFs, fit and predict partition by partition.

Everything here runs on any Dask scheduler — the local threads/processes
schedulers, a :class:`distributed.LocalCluster`, or a real cluster (whose
workers must see the same file system paths) — and needs the ``dask`` extra
(``pip install 'weaklabel[dask]'``).

The pipeline, one pass over the data per step:

1. :func:`apply_dask` maps :meth:`LFRegistry.apply <weaklabel.lf.LFRegistry.apply>`
   over the partitions of a ``dask.dataframe.DataFrame``: the votes of every
   partition are exactly those of the pandas applier on the same rows (a
   vectorized LF sees one partition at a time, so an LF whose output for a
   row depends on *other* rows — a rank, a frequency — must not be used).
   The registry (with its ``resources=``) is put in the task graph once, as
   a single key that every partition's task depends on: each worker
   deserialises it once, not once per partition or row.
2. :func:`write_votes_dask` writes the votes as a Parquet dataset, one file
   per partition, into a hidden temporary folder that replaces the output
   folder only when complete (``weaklabel._files.atomic_folder``): an
   interrupted run leaves the earlier output whole, never a mix; a folder
   weaklabel did not write is refused unless ``overwrite=True``.  Each file
   is itself written to a temporary name and renamed, so a worker killed
   mid-write leaves no partial file and Dask's retry writes it again.
3. :func:`fit_dask` reduces the votes to their distinct *patterns* with
   counts — each partition packs its rows into integer keys and counts them,
   and the tables are merged by a tree of groupby-sums — and fits the label
   model on that (small) table with ``sample_weight=counts``: the same
   sufficient statistics as fitting on all rows.  An
   :class:`~weaklabel.label_model.OnlineLabelModel` is instead fed one
   partition's pattern table at a time (its ``fit_chunks``), for data whose
   distinct patterns are too many for memory.
4. :func:`predict_dask` maps ``predict_proba`` over the partitions and
   :func:`write_soft_labels_dask` writes one soft-label file per partition,
   in the format of :func:`weaklabel.io.write_soft_labels` (into a folder
   swapped in whole, as in step 2), so that ``pd.read_parquet(folder)``
   returns the same columns and values as the pandas engine's single file.

:func:`label_dask` runs all of it from files (``weaklabel label --engine
dask``).  One module per job: ``_cluster`` (the extra, the scheduler),
``_io`` (partitioned files), ``_apply``, ``_fit``, ``_predict`` and
``_pipeline``.  See ``docs/scale.md`` for the memory each path needs.
"""

from weaklabel.scale._apply import apply_dask
from weaklabel.scale._fit import fit_dask, vote_patterns_dask
from weaklabel.scale._io import (
    read_dask,
    read_votes_dask,
    write_soft_labels_dask,
    write_votes_dask,
)
from weaklabel.scale._pipeline import label_dask
from weaklabel.scale._predict import predict_dask

__all__ = [
    "apply_dask",
    "fit_dask",
    "label_dask",
    "predict_dask",
    "read_dask",
    "read_votes_dask",
    "vote_patterns_dask",
    "write_soft_labels_dask",
    "write_votes_dask",
]
