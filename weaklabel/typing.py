"""Constants and type aliases shared across weaklabel."""

from __future__ import annotations

from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "ABSTAIN",
    "FloatArray",
    "IntArray",
    "RandomStateLike",
    "SoftLabels",
    "VoteMatrixLike",
    "vote_dtype",
]

ABSTAIN: Final[int] = -1
"""The vote of a labeling function that does not label a row."""

IntArray: TypeAlias = npt.NDArray[np.integer]
FloatArray: TypeAlias = npt.NDArray[np.float64]
SoftLabels: TypeAlias = npt.NDArray[np.float64]
"""Probabilistic labels of shape (n_samples, cardinality); rows sum to 1."""

VoteMatrixLike: TypeAlias = npt.ArrayLike | pd.DataFrame | sp.spmatrix | sp.sparray
"""A vote matrix of shape (n_samples, n_lfs): integers in {-1 (ABSTAIN), 0..k-1}.

Dense inputs use -1 for abstain.  ``scipy.sparse`` inputs store ``vote + 1``:
an entry that is not stored is an abstain, a stored 1 is a vote for class 0
(build one with ``scipy.sparse.csr_array(L + 1)``).  This keeps class 0 safe
from scipy dropping explicit zeros, and lets 10k-worker crowd matrices fit in
memory.
"""

RandomStateLike: TypeAlias = int | np.random.Generator | np.random.RandomState | None


def vote_dtype(cardinality: int) -> np.dtype[np.signedinteger]:
    """Return the most compact signed dtype that holds votes of ``cardinality``.

    Parameters
    ----------
    cardinality : int
        Number of classes.

    Returns
    -------
    numpy.dtype
        ``int8`` up to 127 classes, ``int16`` up to 32767, else ``int32``.

    Examples
    --------
    >>> vote_dtype(2)
    dtype('int8')
    >>> vote_dtype(300)
    dtype('int16')
    """
    if cardinality <= np.iinfo(np.int8).max:
        return np.dtype(np.int8)
    if cardinality <= np.iinfo(np.int16).max:
        return np.dtype(np.int16)
    return np.dtype(np.int32)
