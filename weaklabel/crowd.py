"""Crowdsourcing input: a sparse vote matrix from a long table of answers.

Crowd data usually comes as one row per answer, ``(item, worker, label)``.
``votes_from_long_table`` turns it into the sparse vote matrix that every
label model accepts: items are rows, workers are columns, and an answer of
class ``c`` is stored as ``c + 1`` (an entry that is not stored is an
abstain; see ``weaklabel.typing.VoteMatrixLike``).  With ``scipy.sparse`` a
table of 10k workers x 100k items holds only the answers given.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from weaklabel.typing import ABSTAIN, vote_dtype

__all__ = ["CrowdVotes", "votes_from_long_table"]


@dataclass(frozen=True, eq=False)
class CrowdVotes:
    """A sparse item x worker vote matrix with its labels.

    Attributes
    ----------
    votes : scipy.sparse.csr_array of shape (n_items, n_workers)
        Stores ``class index + 1`` for every answer; entries that are not
        stored are abstains.  Pass it (or the ``CrowdVotes`` object itself,
        which also carries the class names and worker ids) to a label
        model's ``fit`` as is.
    items : pandas.Index
        The item ids, position = row of ``votes``.
    workers : pandas.Index
        The worker ids, position = column of ``votes``.
    classes : tuple
        The class names, position = class index.
    """

    votes: sp.csr_array
    items: pd.Index
    workers: pd.Index
    classes: tuple[Any, ...]

    def __weaklabel_votes__(self) -> sp.csr_array:
        """The vote matrix (``votes``) that weaklabel's validators read."""
        return self.votes

    @property
    def lf_names(self) -> list[str]:
        """The worker ids as strings: the LF names a label model fitted on
        this object reports (``lf_names_in_``)."""
        return [str(w) for w in self.workers]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_items, n_workers)``."""
        return (len(self.items), len(self.workers))

    def to_dense(self) -> npt.NDArray[np.signedinteger]:
        """Return the votes as a dense matrix with ``ABSTAIN`` (-1) for no answer.

        Only for small tables: the result has ``n_items * n_workers`` cells.

        Returns
        -------
        ndarray of shape (n_items, n_workers)
            Class indices, -1 where a worker gave no answer for an item; the
            most compact signed integer dtype for the number of classes.
        """
        dense: npt.NDArray[np.signedinteger] = self.votes.toarray().astype(
            vote_dtype(len(self.classes))
        )
        dense -= 1
        return dense


def _factorize(
    values: pd.Series, what: str, column: str
) -> tuple[npt.NDArray[np.intp], pd.Index]:
    """Codes and sorted uniques (appearance order if the ids do not sort)."""
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # mixed types that do not compare: keep appearance order
        codes, uniques = pd.factorize(values, sort=False)
    if (codes < 0).any():
        rows = values.index[codes < 0][:5].tolist()
        raise ValueError(
            f"The {what} column {column!r} has missing values (at rows "
            f"{rows}); every answer needs its {what}. Drop those rows first: "
            f"df.dropna(subset=[{column!r}])."
        )
    return codes, pd.Index(uniques, name=column)


def _label_codes(
    labels: pd.Series, classes: Sequence[Any] | None, column: str
) -> tuple[npt.NDArray[np.intp], tuple[Any, ...], npt.NDArray[np.bool_]]:
    """Map labels to class indices; returns (codes, classes, keep-mask)."""
    if labels.isna().any():
        rows = labels.index[labels.isna().to_numpy()][:5].tolist()
        raise ValueError(
            f"The label column {column!r} has missing values (at rows {rows}). "
            f"An answer must name a class; drop rows without one first: "
            f"df.dropna(subset=[{column!r}])."
        )
    is_int = pd.api.types.is_integer_dtype(labels.dtype)
    # Integer labels use weaklabel's ABSTAIN convention: -1 is no answer.
    keep = (labels.to_numpy() != ABSTAIN) if is_int else np.ones(len(labels), bool)
    values = labels[keep] if not keep.all() else labels

    if classes is None:
        try:
            codes, uniques = pd.factorize(values, sort=True)
        except TypeError as exc:
            raise ValueError(
                f"The labels in {column!r} mix types that cannot be sorted "
                f"into a class order; pass classes=[...] explicitly."
            ) from exc
        return codes, tuple(uniques.tolist()), keep

    class_tuple = tuple(classes)
    if len(set(class_tuple)) != len(class_tuple):
        raise ValueError(f"classes must be unique; got {list(class_tuple)}.")
    if len(class_tuple) == 0:
        raise ValueError("classes must name at least one class; got [].")
    codes = pd.Index(class_tuple).get_indexer(values)
    if (codes < 0).any():
        # Not all names: accept integer labels that are class indices.
        if is_int:
            as_int = values.to_numpy()
            if ((as_int >= 0) & (as_int < len(class_tuple))).all():
                return as_int.astype(np.intp), class_tuple, keep
        unknown = pd.unique(values[codes < 0])[:5].tolist()
        raise ValueError(
            f"The label column {column!r} holds {unknown} which are neither "
            f"class names in {list(class_tuple)} nor class indices "
            f"0..{len(class_tuple) - 1}. Fix the labels, or pass the full "
            "list of classes."
        )
    return codes.astype(np.intp), class_tuple, keep


def votes_from_long_table(
    df: pd.DataFrame,
    *,
    item: Hashable = "item",
    worker: Hashable = "worker",
    label: Hashable = "label",
    classes: Sequence[Any] | None = None,
    items: Sequence[Any] | pd.Index | None = None,
) -> CrowdVotes:
    """Build a sparse item x worker vote matrix from one row per answer.

    Parameters
    ----------
    df : pandas.DataFrame
        The answers, one per row, with an item id, a worker id and a label.
    item, worker, label : hashable, default="item", "worker", "label"
        Names of the three columns.
    classes : sequence, default=None
        The class names in class-index order.  Labels may be class names or,
        for integer labels, class indices ``0..k-1``.  ``None`` takes the
        sorted distinct labels as the classes (so labels ``1..K`` become
        classes ``0..K-1``); pass ``classes`` to fix the order or to include
        a class no worker chose.
    items : sequence, default=None
        The item ids to use as rows, in this order (e.g. to align with a
        gold table or include items nobody answered, which become all-abstain
        rows).  ``None``: the distinct items of ``df``, sorted (in order of
        appearance if the ids do not sort).

    Returns
    -------
    CrowdVotes
        ``votes`` (``scipy.sparse.csr_array`` storing ``class index + 1``),
        ``items``, ``workers`` (sorted worker ids) and ``classes``.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame.
    ValueError
        If a column is missing (the message lists the columns present), an
        id or label is missing, a label is not a class, an item is not in
        ``items``, or a worker labelled the same item twice with different
        labels (identical repeats are merged).

    Notes
    -----
    Integer labels equal to ``ABSTAIN`` (-1) are read as "no answer" and
    skipped.  Everything is vectorized (``pandas.factorize`` and one sort),
    so millions of answers take about a second.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["a", "a", "b", "c"],
    ...                    "worker": ["w1", "w2", "w1", "w2"],
    ...                    "label": ["cat", "dog", "dog", "cat"]})
    >>> cv = votes_from_long_table(df)
    >>> cv.classes, list(cv.items), list(cv.workers)
    (('cat', 'dog'), ['a', 'b', 'c'], ['w1', 'w2'])
    >>> cv.to_dense()
    array([[ 0,  1],
           [ 1, -1],
           [-1,  0]], dtype=int8)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            "votes_from_long_table expects a pandas DataFrame with one row per "
            f"answer; got {type(df).__name__}. Build one with "
            "pd.DataFrame({'item': ..., 'worker': ..., 'label': ...})."
        )
    wanted = {"item": item, "worker": worker, "label": label}
    missing = [
        f"{role}={col!r}" for role, col in wanted.items() if col not in df.columns
    ]
    if missing:
        raise ValueError(
            f"The answers table has no column for {', '.join(missing)}. Its "
            f"columns are {list(df.columns)}. Pass the right names, e.g. "
            "votes_from_long_table(df, item='task', worker='annotator', "
            "label='answer')."
        )

    label_codes, class_tuple, keep = _label_codes(df[label], classes, str(label))
    table = df.loc[keep, [item, worker]] if not keep.all() else df[[item, worker]]

    if items is None:
        item_codes, item_index = _factorize(table[item], "item", str(item))
    else:
        item_index = pd.Index(items, name=item)
        if not item_index.is_unique:
            dup = item_index[item_index.duplicated()][:5].tolist()
            raise ValueError(f"items must be unique; {dup} appear more than once.")
        item_codes = item_index.get_indexer(table[item])
        if (item_codes < 0).any():
            unknown = pd.unique(table[item].to_numpy()[item_codes < 0])[:5].tolist()
            raise ValueError(
                f"The answers table names items {unknown} that are not in "
                f"'items' ({len(item_index)} ids). Add them to 'items' or drop "
                "their answers."
            )
    worker_codes, worker_index = _factorize(table[worker], "worker", str(worker))

    n_items, n_workers = len(item_index), len(worker_index)
    key = item_codes.astype(np.int64) * max(n_workers, 1) + worker_codes
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    lab_sorted = label_codes[order]
    same = key_sorted[1:] == key_sorted[:-1]
    if same.any():
        clash = same & (lab_sorted[1:] != lab_sorted[:-1])
        if clash.any():
            first = order[1:][clash][0]
            n_clash = int(np.unique(key_sorted[1:][clash]).size)
            raise ValueError(
                f"{n_clash} (item, worker) pairs have answers with different "
                f"labels, e.g. item {table[item].iloc[first]!r}, worker "
                f"{table[worker].iloc[first]!r}. Keep one answer per pair, "
                f"e.g. df.drop_duplicates([{item!r}, {worker!r}], keep='last')."
            )
        # identical repeats: keep the first of each run
        first_of_run = np.concatenate(([True], ~same))
        key_sorted = key_sorted[first_of_run]
        lab_sorted = lab_sorted[first_of_run]

    rows = key_sorted // max(n_workers, 1)
    cols = key_sorted - rows * max(n_workers, 1)
    data = (lab_sorted + 1).astype(vote_dtype(len(class_tuple)))
    # Keys are unique and sorted by (row, col): build CSR directly.
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_items), out=indptr[1:])
    index_dtype = np.int32 if max(len(data), n_workers) < 2**31 else np.int64
    votes = sp.csr_array(
        (data, cols.astype(index_dtype), indptr.astype(index_dtype)),
        shape=(n_items, n_workers),
    )
    return CrowdVotes(
        votes=votes,
        items=item_index,
        workers=worker_index,
        classes=class_tuple,
    )
