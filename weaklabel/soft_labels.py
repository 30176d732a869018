"""One-line helpers for soft labels: hard predictions, and the rows LFs labelled.

Both mirror a Snorkel 0.10 call a migrating user knows
(``snorkel.utils.probs_to_preds`` and
``snorkel.labeling.filter_unlabeled_dataframe``); see
``docs/coming_from_snorkel.md``.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from weaklabel._validation import as_generator, check_proba, check_votes
from weaklabel.label_model._base import argmax_ties
from weaklabel.typing import RandomStateLike, VoteMatrixLike

__all__ = ["filter_unlabeled", "probs_to_preds"]

DataT = TypeVar("DataT")


def probs_to_preds(
    proba: npt.ArrayLike | pd.DataFrame,
    *,
    tie_break: Literal["random", "lowest", "abstain"] = "random",
    random_state: RandomStateLike = None,
) -> npt.NDArray[np.int64]:
    """The most probable class of each row of soft labels.

    The same rule as a label model's ``predict``:
    ``probs_to_preds(model.predict_proba(L), random_state=model.random_state)``
    equals ``model.predict(L)``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Soft labels: non-negative rows summing to 1.
    tie_break : {"random", "lowest", "abstain"}, default="random"
        Rows whose top probabilities tie (within 1e-10): a class drawn among
        the tied ones (reproducible through ``random_state``), the lowest
        class index, or ``ABSTAIN`` (-1) as Snorkel's ``"abstain"`` policy.
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the ``"random"`` tie break; None is the fixed seed 0, so the
        default is deterministic.

    Returns
    -------
    ndarray of shape (n_samples,), dtype int64
        Class indices (-1 for a tie with ``tie_break="abstain"``).

    Raises
    ------
    ValueError
        ``proba`` is not a valid matrix of probabilities, or an unknown
        ``tie_break``.

    Examples
    --------
    >>> probs_to_preds([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]], tie_break="abstain")
    array([ 0, -1,  1])
    """
    P = check_proba(proba)
    rng = as_generator(random_state) if tie_break == "random" else None
    return argmax_ties(P, tie_break, rng)


def filter_unlabeled(
    data: DataT,
    proba: npt.ArrayLike | pd.DataFrame,
    L: VoteMatrixLike,
) -> tuple[DataT, npt.NDArray[np.float64]]:
    """Keep the rows at least one labeling function voted on.

    Rows where every LF abstained carry no information from the LFs (their
    soft labels are the class balance): an end model should not train on
    them.

    Parameters
    ----------
    data : DataFrame, Series, ndarray, list or scipy.sparse of shape (n_samples, ...)
        The features or rows, in the order of ``L``.
    proba : array-like of shape (n_samples, n_classes)
        Soft labels of those rows.
    L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
        The votes (-1 = abstain; sparse input stores ``vote + 1``).

    Returns
    -------
    data : same type as ``data``
        The labelled rows (a DataFrame keeps its index labels).
    proba : ndarray of shape (n_labelled, n_classes)

    Raises
    ------
    ValueError
        ``data``, ``proba`` and ``L`` do not have the same number of rows.
    TypeError
        ``data`` cannot be indexed by rows.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"text": ["a", "b", "c"]})
    >>> kept, p = filter_unlabeled(df, [[0.9, 0.1], [0.5, 0.5], [0.3, 0.7]],
    ...                            [[0, -1], [-1, -1], [-1, 1]])
    >>> kept.index.tolist(), p.tolist()
    ([0, 2], [[0.9, 0.1], [0.3, 0.7]])
    """
    V = check_votes(L, accept_sparse=True)
    n = V.shape[0]
    if sp.issparse(V):
        voted = np.diff(sp.csr_array(V).indptr) > 0
    else:
        voted = (np.asarray(V) != -1).any(axis=1)
    P = check_proba(proba, n_samples=n, name="proba")
    length = data.shape[0] if hasattr(data, "shape") else _len(data)
    if length != n:
        raise ValueError(
            f"data has {length} rows but L has {n}; pass the rows the votes were"
            " computed on, in the same order."
        )
    rows = np.flatnonzero(voted)
    return _take(data, rows), P[rows]


def _len(data: Any) -> int:
    try:
        return len(data)
    except TypeError as exc:
        raise TypeError(
            "data must be a DataFrame, Series, array, list or scipy.sparse matrix"
            f" of rows; got {type(data).__name__}."
        ) from exc


def _take(data: Any, rows: npt.NDArray[np.intp]) -> Any:
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data.iloc[rows]
    if sp.issparse(data) or isinstance(data, np.ndarray):
        return data[rows]
    if isinstance(data, list):
        return [data[i] for i in rows]
    if isinstance(data, tuple):
        return tuple(data[i] for i in rows)
    return np.asarray(data)[rows]
