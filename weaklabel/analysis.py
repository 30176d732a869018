"""How labeling functions behave on a vote matrix: coverage, overlaps, conflicts.

Every function takes a vote matrix ``L`` of shape ``(n_samples, n_lfs)`` in any
of the forms weaklabel accepts (a NumPy integer array with ``-1`` = abstain, the
DataFrame returned by ``LFRegistry.apply``, or a ``scipy.sparse`` matrix that
stores ``vote + 1``) and is vectorized over its rows: column-wise NumPy
reductions for dense input, ``bincount`` over the stored entries for sparse
input, so a 1M x 100 matrix is summarised in about a second.

Definitions (per labeling function ``j``, as fractions of all rows):

- *coverage*: rows where ``j`` votes;
- *overlaps*: rows where ``j`` votes and at least one other LF votes;
- *conflicts*: rows where ``j`` votes and some other LF votes a different
  (non-abstain) label.

So ``conflicts <= overlaps <= coverage`` for every LF.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from weaklabel._validation import (
    check_class_names,
    check_gold,
    check_lf_names,
    check_votes,
    class_names_of,
    default_lf_names,
    lf_names_of,
)
from weaklabel.typing import ABSTAIN, FloatArray, VoteMatrixLike

__all__ = [
    "label_coverage",
    "lf_conflicts",
    "lf_coverages",
    "lf_empirical_accuracies",
    "lf_overlaps",
    "lf_polarities",
    "lf_summary",
    "matrix_summary",
]

# Dense vote tables are counted in blocks of about this many votes, so that the
# int64 bincount keys never need more than ~8 MB whatever the matrix size.
_BLOCK_VOTES = 1 << 20


class _Votes:
    """A validated vote matrix with the per-row facts the analysis functions share.

    Built by :func:`_votes`; :class:`_DenseVotes` and :class:`_SparseVotes`
    compute the same quantities, each in the way that suits its storage.
    """

    n_samples: int
    n_lfs: int
    max_vote: int  # the largest class index voted for (ABSTAIN if none)

    @cached_property
    def row_votes(self) -> npt.NDArray[np.int64]:
        """Number of non-abstain votes in each row."""
        raise NotImplementedError

    @cached_property
    def row_conflict(self) -> npt.NDArray[np.bool_]:
        """Whether a row holds at least two different non-abstain labels."""
        raise NotImplementedError

    def lf_counts(
        self, rows: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.int64]:
        """Number of votes of each LF, on all rows or on the rows in ``rows``."""
        raise NotImplementedError

    def polarities(self) -> list[list[int]]:
        """The sorted distinct labels each LF votes (abstain excluded)."""
        raise NotImplementedError

    def gold_counts(
        self, y: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Per LF: (votes on rows with a gold label, correct votes among them)."""
        raise NotImplementedError


class _DenseVotes(_Votes):
    def __init__(self, V: npt.NDArray[np.int32]) -> None:
        self.V = V
        self.n_samples, self.n_lfs = V.shape
        self.max_vote = int(V.max())
        self.voted: npt.NDArray[np.bool_] = V != ABSTAIN

    @cached_property
    def row_votes(self) -> npt.NDArray[np.int64]:
        counts: npt.NDArray[np.int64] = self.voted.sum(axis=1, dtype=np.int64)
        return counts

    @cached_property
    def row_conflict(self) -> npt.NDArray[np.bool_]:
        hi = self.V.max(axis=1)
        # Seen as unsigned, ABSTAIN (-1) is the largest value, so the row minimum
        # is the smallest real vote (votes are >= 0 and < 2**31).
        lo = self.V.view(np.uint32).min(axis=1).astype(np.int64)
        conflict: npt.NDArray[np.bool_] = (hi >= 0) & (lo < hi)
        return conflict

    def lf_counts(
        self, rows: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.int64]:
        voted = self.voted if rows is None else self.voted & rows[:, None]
        counts: npt.NDArray[np.int64] = voted.sum(axis=0, dtype=np.int64)
        return counts

    def polarities(self) -> list[list[int]]:
        # Each LF's smallest and largest vote settle its polarity unless they are
        # two or more classes apart; only such LFs need a full count of votes.
        hi = self.V.max(axis=0).astype(np.int64)
        lo = self.V.view(np.uint32).min(axis=0).astype(np.int64)
        out = [
            [] if h < 0 else [h] if l_ == h else [l_, h]
            for l_, h in zip(lo.tolist(), hi.tolist(), strict=True)
        ]
        gaps = np.flatnonzero((hi >= 0) & (hi - lo >= 2))
        if gaps.size:
            table = self._vote_table(gaps, self.max_vote + 1)
            for j, row in zip(gaps.tolist(), table, strict=True):
                out[j] = np.flatnonzero(row).tolist()
        return out

    def _vote_table(
        self, lfs: npt.NDArray[np.intp], cardinality: int
    ) -> npt.NDArray[np.int64]:
        """``table[i, c]`` = number of rows on which LF ``lfs[i]`` votes ``c``."""
        m, k = lfs.size, cardinality
        # Key of a vote = i * (k + 1) + (vote + 1); column 0 collects abstains.
        offsets = np.arange(m, dtype=np.int64) * (k + 1) + 1
        table = np.zeros(m * (k + 1), dtype=np.int64)
        step = max(1, _BLOCK_VOTES // m)
        for start in range(0, self.n_samples, step):  # blocks of rows, not rows
            keys = self.V[start : start + step, lfs] + offsets
            table += np.bincount(keys.ravel(), minlength=m * (k + 1))
        return table.reshape(m, k + 1)[:, 1:]

    def gold_counts(
        self, y: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        gold = y != ABSTAIN
        labelled = self.lf_counts(None if gold.all() else gold)
        # Unknown rows get -2, which no vote (nor ABSTAIN) equals; comparing in
        # V's own dtype avoids an int64 copy of the whole matrix.
        target = np.where(gold, y, -2).astype(self.V.dtype)
        correct = np.equal(self.V, target[:, None]).sum(axis=0, dtype=np.int64)
        return labelled, correct


class _SparseVotes(_Votes):
    def __init__(self, S: sp.csr_array) -> None:
        # Stored entries are the votes themselves (see check_votes).
        self.S = S
        self.indptr: npt.NDArray[np.int64] = S.indptr.astype(np.int64)
        self.cols: npt.NDArray[np.int32] = S.indices
        self.data: npt.NDArray[np.int32] = S.data
        self.n_samples, self.n_lfs = (int(s) for s in S.shape)
        self.max_vote = int(self.data.max()) if self.data.size else ABSTAIN

    @cached_property
    def _pattern(self) -> Any:
        """L's non-abstain pattern as a 0/1 float matrix: ``rows @ pattern``
        counts each LF's votes on the chosen rows in one C-level pass (exact:
        counts stay far below 2**53)."""
        ones = np.ones(self.cols.shape[0])
        return sp.csr_array((ones, self.cols, self.S.indptr), shape=self.S.shape)

    @cached_property
    def row_votes(self) -> npt.NDArray[np.int64]:
        return np.diff(self.indptr)

    @cached_property
    def row_conflict(self) -> npt.NDArray[np.bool_]:
        has = self.row_votes > 0
        lo = np.full(self.n_samples, ABSTAIN, dtype=np.int64)
        hi = lo.copy()
        if self.data.size:
            starts = self.indptr[:-1][has]
            lo[has] = np.minimum.reduceat(self.data, starts)
            hi[has] = np.maximum.reduceat(self.data, starts)
        conflict: npt.NDArray[np.bool_] = has & (lo != hi)
        return conflict

    def lf_counts(
        self, rows: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.int64]:
        if rows is None:
            # bincount is several times faster on intp input than on int32.
            cols = self.cols.astype(np.intp)
            return np.bincount(cols, minlength=self.n_lfs).astype(np.int64)
        return self._column_sums(self._pattern, rows.astype(np.float64))

    @staticmethod
    def _column_sums(M: Any, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        counts: npt.NDArray[np.int64] = np.rint(weights @ M).astype(np.int64)
        return counts

    def polarities(self) -> list[list[int]]:
        m, k = self.n_lfs, max(self.max_vote + 1, 1)
        keys = self.cols.astype(np.int64) * k + self.data
        table = np.bincount(keys, minlength=m * k).reshape(m, k)
        return [np.flatnonzero(row).tolist() for row in table]  # one item per LF

    def gold_counts(
        self, y: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        labelled = self.lf_counts(y != ABSTAIN)
        # The gold label of each stored vote's row (rows are stored in order, so
        # a repeat, not a gather); a vote never equals the -1 of unknown rows.
        y_entry = np.repeat(y.astype(self.data.dtype), np.diff(self.indptr))
        hits = (self.data == y_entry).astype(np.float64)
        matches = sp.csr_array((hits, self.cols, self.S.indptr), shape=self.S.shape)
        correct = self._column_sums(matches, np.ones(self.n_samples))
        return labelled, correct


def _votes(L: Any, *, cardinality: int | None = None) -> _Votes:
    """Validate ``L`` (staying sparse when it is) and wrap it for analysis."""
    V = check_votes(L, accept_sparse=True, cardinality=cardinality, name="L")
    return _SparseVotes(V) if sp.issparse(V) else _DenseVotes(V)


def _fraction(counts: npt.NDArray[np.int64], n: int) -> FloatArray:
    return counts.astype(np.float64) / n


def _classes_of(L: Any, classes: Sequence[Any] | None) -> list[str] | None:
    """Class names given explicitly, else carried by ``L``; checked."""
    names = classes if classes is not None else class_names_of(L)
    return None if names is None else check_class_names(names)


def _lf_names(
    L: Any, n_lfs: int, lf_names: Sequence[Any] | None, model: Any
) -> list[str]:
    """LF names: ``lf_names``, else L's columns, else the model's, else lf_<j>."""
    names = list(lf_names) if lf_names is not None else lf_names_of(L)
    if names is None and model is not None:
        fitted = getattr(model, "lf_names_in_", None)
        if fitted is not None and len(fitted) == n_lfs:
            names = list(fitted)
    if names is None:
        names = default_lf_names(n_lfs)
    if len(names) != n_lfs:
        raise ValueError(
            f"lf_names has {len(names)} names but L has {n_lfs} columns; pass one"
            " name per labeling function, in column order."
        )
    return check_lf_names(names)


def _gold(y: Any, votes: _Votes, classes: list[str] | None) -> npt.NDArray[np.int64]:
    """Validate gold labels against L: indices (-1 = unknown) or class names."""
    if isinstance(y, (pd.Series, pd.Index)):
        y = y.to_numpy()
    arr = np.asarray(y)
    is_text = arr.dtype.kind in "OSUT" or pd.api.types.is_string_dtype(arr.dtype)
    if is_text and classes is not None and arr.ndim == 1:
        missing = pd.isna(arr)
        codes = pd.Index(classes).get_indexer(pd.Index(arr[~missing]))
        if (codes < 0).any():
            unknown = sorted({str(v) for v in arr[~missing][codes < 0]})[:5]
            raise ValueError(
                f"y contains labels {unknown} that are not among the classes"
                f" {classes}; use the class names (or indices, -1 = unknown)."
            )
        arr = np.full(arr.shape[0], ABSTAIN, dtype=np.int64)
        arr[~missing] = codes
    if classes is not None:
        cardinality = len(classes)
    else:
        cardinality = max(2, votes.max_vote + 1)
        if arr.dtype.kind in "iuf" and arr.size and np.isfinite(arr).all():
            cardinality = max(cardinality, int(arr.max()) + 1)
    return check_gold(arr, votes.n_samples, cardinality)


def label_coverage(L: VoteMatrixLike) -> float:
    """Fraction of rows on which at least one labeling function votes.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.

    Returns
    -------
    float

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> label_coverage(L)
    0.75
    """
    votes = _votes(L)
    return float(np.count_nonzero(votes.row_votes)) / votes.n_samples


def lf_coverages(L: VoteMatrixLike) -> FloatArray:
    """Fraction of rows on which each labeling function votes.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.

    Returns
    -------
    ndarray of shape (n_lfs,)

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> lf_coverages(L)
    array([0.5 , 0.5 , 0.25])
    """
    votes = _votes(L)
    return _fraction(votes.lf_counts(), votes.n_samples)


def lf_overlaps(L: VoteMatrixLike) -> FloatArray:
    """Fraction of rows on which each LF votes and at least one other LF votes.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.

    Returns
    -------
    ndarray of shape (n_lfs,)

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> lf_overlaps(L)
    array([0.5, 0.5, 0. ])
    """
    votes = _votes(L)
    return _fraction(votes.lf_counts(votes.row_votes >= 2), votes.n_samples)


def lf_conflicts(L: VoteMatrixLike) -> FloatArray:
    """Fraction of rows on which each LF votes and another LF votes a different label.

    Abstains never conflict: only two different non-abstain labels in a row do.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.

    Returns
    -------
    ndarray of shape (n_lfs,)

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> lf_conflicts(L)
    array([0.25, 0.25, 0.  ])
    """
    votes = _votes(L)
    return _fraction(votes.lf_counts(votes.row_conflict), votes.n_samples)


def lf_polarities(L: VoteMatrixLike) -> list[list[int]]:
    """The sorted distinct labels each labeling function emits (abstain excluded).

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.

    Returns
    -------
    list of list of int
        One list per LF; empty for an LF that never votes.

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> lf_polarities(L)
    [[0], [0, 1], [1]]
    """
    return _votes(L).polarities()


def lf_empirical_accuracies(L: VoteMatrixLike, y: Any) -> FloatArray:
    """Fraction of each LF's votes on gold-labelled rows that match the gold label.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.
    y : array-like of shape (n_samples,)
        Gold class indices; ``-1`` marks rows whose label is unknown (ignored).
        Class names are accepted too when ``L`` carries them in
        ``L.attrs["classes"]`` (missing values then mean unknown).

    Returns
    -------
    ndarray of shape (n_lfs,)
        NaN for an LF that never votes on a gold-labelled row.

    Raises
    ------
    ValueError
        ``y`` of the wrong length, with NaN, or with labels out of range.

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> lf_empirical_accuracies(L, [0, 1, 1, -1])
    array([0.5, 1. , 1. ])
    """
    votes = _votes(L)
    gold = _gold(y, votes, _classes_of(L, None))
    labelled, correct = votes.gold_counts(gold)
    return _accuracy(correct, labelled)


def _accuracy(
    correct: npt.NDArray[np.int64], labelled: npt.NDArray[np.int64]
) -> FloatArray:
    out = np.full(correct.shape, np.nan)
    np.divide(correct, labelled, out=out, where=labelled > 0)
    return out


def matrix_summary(L: VoteMatrixLike) -> dict[str, float]:
    """Statistics of the whole vote matrix.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.

    Returns
    -------
    dict
        ``n_samples`` and ``n_lfs``; ``coverage`` (fraction of rows with at least
        one vote), ``overlap`` (with at least two votes), ``conflict`` (with two
        different labels), ``mean_votes_per_row`` and ``mean_votes_per_covered_row``
        (NaN when no row is covered).

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> matrix_summary(L)  # doctest: +NORMALIZE_WHITESPACE
    {'n_samples': 4, 'n_lfs': 3, 'coverage': 0.75, 'overlap': 0.5, 'conflict': 0.25,
     'mean_votes_per_row': 1.25, 'mean_votes_per_covered_row': 1.6666666666666667}
    """
    votes = _votes(L)
    n = votes.n_samples
    counts = votes.row_votes
    covered = int(np.count_nonzero(counts))
    total = int(counts.sum())
    return {
        "n_samples": n,
        "n_lfs": votes.n_lfs,
        "coverage": covered / n,
        "overlap": float(np.count_nonzero(counts >= 2)) / n,
        "conflict": float(np.count_nonzero(votes.row_conflict)) / n,
        "mean_votes_per_row": total / n,
        "mean_votes_per_covered_row": total / covered if covered else float("nan"),
    }


def _dependencies(model: Any, names: list[str]) -> list[str]:
    """Comma-joined dependency partners of each LF from ``model.dependencies_``."""
    partners: list[list[str]] = [[] for _ in names]
    position = {name: j for j, name in enumerate(names)}

    def resolve(ref: Any) -> int:
        if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
            if 0 <= ref < len(names):
                return int(ref)
        elif str(ref) in position:
            return position[str(ref)]
        raise ValueError(
            f"model.dependencies_ refers to the LF {ref!r}, which is not among the"
            f" LFs of L ({len(names)} LFs: {names[:5]}{'...' if len(names) > 5 else ''})."
            " Summarise the vote matrix the model was fitted on."
        )

    for edge in model.dependencies_:
        a, b = (resolve(ref) for ref in edge)
        if a != b:
            partners[a].append(names[b])
            partners[b].append(names[a])
    return [", ".join(dict.fromkeys(p)) for p in partners]


def lf_summary(
    L: VoteMatrixLike,
    y: Any = None,
    *,
    lf_names: Sequence[str] | None = None,
    classes: Sequence[Any] | None = None,
    model: Any = None,
) -> pd.DataFrame:
    """One row per labeling function: what it votes, how often, and how well.

    Parameters
    ----------
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        Votes in {-1 (ABSTAIN), 0, ..., k-1}; sparse input stores ``vote + 1``.
    y : array-like of shape (n_samples,), default=None
        Gold class indices, ``-1`` where unknown (or class names when the
        classes are known).  Adds the columns ``Correct``, ``Incorrect`` and
        ``Emp. Acc.`` (NaN for an LF that never votes on a gold row).
    lf_names : sequence of str, default=None
        LF names; by default the DataFrame's columns, else the model's
        ``lf_names_in_``, else ``lf_0`` ... ``lf_{m-1}``.
    classes : sequence of str, default=None
        Class names, shown in ``Polarity`` instead of indices; by default
        ``L.attrs["classes"]`` when present.
    model : fitted label model, default=None
        Adds ``Learned Acc.`` from ``model.lf_accuracy_`` and ``Dependencies``
        (the partners of each LF in ``model.dependencies_``, comma-joined), for
        whichever of these attributes the model has.

    Returns
    -------
    DataFrame
        Indexed by LF name, with columns ``j``, ``Polarity``, ``Coverage``,
        ``Overlaps``, ``Conflicts`` and the optional ones above.

    Raises
    ------
    ValueError
        Invalid votes, names or gold labels (wrong length, NaN, out of range),
        or a model whose attributes do not match ``L``.

    Examples
    --------
    >>> L = [[0, 0, -1], [0, 1, -1], [-1, -1, 1], [-1, -1, -1]]
    >>> summary = lf_summary(L, [0, 1, 1, -1], classes=["ham", "spam"])
    >>> print(summary.to_string())
          j     Polarity  Coverage  Overlaps  Conflicts  Correct  Incorrect  Emp. Acc.
    lf_0  0        [ham]      0.50       0.5       0.25        1          1        0.5
    lf_1  1  [ham, spam]      0.50       0.5       0.25        2          0        1.0
    lf_2  2       [spam]      0.25       0.0       0.00        1          0        1.0
    """
    names_of_classes = _classes_of(L, classes)
    votes = _votes(
        L, cardinality=None if names_of_classes is None else len(names_of_classes)
    )
    n, m = votes.n_samples, votes.n_lfs
    names = _lf_names(L, m, lf_names, model)
    polarity: list[list[Any]] = votes.polarities()
    if names_of_classes is not None:
        polarity = [[names_of_classes[c] for c in p] for p in polarity]
    columns: dict[str, Any] = {
        "j": np.arange(m),
        "Polarity": polarity,
        "Coverage": _fraction(votes.lf_counts(), n),
        "Overlaps": _fraction(votes.lf_counts(votes.row_votes >= 2), n),
        "Conflicts": _fraction(votes.lf_counts(votes.row_conflict), n),
    }
    if y is not None:
        labelled, correct = votes.gold_counts(_gold(y, votes, names_of_classes))
        columns["Correct"] = correct
        columns["Incorrect"] = labelled - correct
        columns["Emp. Acc."] = _accuracy(correct, labelled)
    if model is not None and hasattr(model, "lf_accuracy_"):
        learned = np.asarray(model.lf_accuracy_, dtype=np.float64)
        if learned.shape != (m,):
            raise ValueError(
                f"model.lf_accuracy_ has shape {learned.shape} but L has {m} LFs;"
                " summarise the vote matrix the model was fitted on."
            )
        columns["Learned Acc."] = learned
    if model is not None and hasattr(model, "dependencies_"):
        columns["Dependencies"] = _dependencies(model, names)
    return pd.DataFrame(columns, index=pd.Index(names))
