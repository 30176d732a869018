"""Synthetic vote matrices with known truth, for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from weaklabel._validation import as_generator, check_cardinality, check_int_param
from weaklabel.typing import ABSTAIN, RandomStateLike, vote_dtype

__all__ = ["SyntheticVotes", "make_votes"]

_CHUNK = 1 << 18  # rows generated at a time, to bound temporary memory
_DEFAULT_COPY_PROB = 0.9


@dataclass(frozen=True, eq=False)
class SyntheticVotes:
    """A synthetic vote matrix and the truth behind it.

    Attributes
    ----------
    L : ndarray of shape (n_samples, n_lfs)
        Votes, -1 = abstain, in the smallest signed integer dtype that fits.
    y : ndarray of shape (n_samples,), dtype int64
        True classes.
    accuracies : ndarray of shape (n_lfs,)
        P(vote == y | the LF votes) used to draw each LF's own votes (an LF
        that copies another one has a different realised accuracy).
    coverages : ndarray of shape (n_lfs,)
        P(the LF votes) used to draw each LF's own votes.
    class_balance : ndarray of shape (cardinality,)
        P(y = c).
    dependencies : list of (int, int, float)
        Planted dependencies ``(a, b, p)``: LF b copies LF a's vote with
        probability p on every row.
    """

    L: npt.NDArray[np.signedinteger]
    y: npt.NDArray[np.int64]
    accuracies: npt.NDArray[np.float64]
    coverages: npt.NDArray[np.float64]
    class_balance: npt.NDArray[np.float64]
    dependencies: list[tuple[int, int, float]] = field(default_factory=list)


def _per_lf(
    value: float | npt.ArrayLike | None,
    default: npt.NDArray[np.float64],
    name: str,
    m: int,
) -> npt.NDArray[np.float64]:
    if value is None:
        return default
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(m, float(arr))
    if arr.shape != (m,):
        raise ValueError(
            f"{name} must be a float or an array of length n_lfs={m}; got shape"
            f" {arr.shape}."
        )
    if not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"{name} must lie in [0, 1]; got {arr.tolist()}.")
    return arr


def _check_dependencies(
    dependencies: Sequence[Sequence[float]] | None, m: int
) -> list[tuple[int, int, float]]:
    out: list[tuple[int, int, float]] = []
    for dep in dependencies or []:
        if len(dep) not in (2, 3):
            raise ValueError(
                f"Each dependency must be (a, b) or (a, b, p); got {dep!r}."
            )
        a, b = int(dep[0]), int(dep[1])
        p = float(dep[2]) if len(dep) == 3 else _DEFAULT_COPY_PROB
        if not (0 <= a < m and 0 <= b < m) or a == b:
            raise ValueError(
                f"Dependency {dep!r} must name two different LFs in 0..{m - 1}."
            )
        if not 0 <= p <= 1:
            raise ValueError(
                f"Copy probability of dependency {dep!r} must be in [0, 1]."
            )
        out.append((a, b, p))
    return out


def make_votes(
    n_samples: int = 1000,
    n_lfs: int = 10,
    cardinality: int = 2,
    *,
    accuracies: float | npt.ArrayLike | None = None,
    coverages: float | npt.ArrayLike | None = None,
    class_balance: npt.ArrayLike | None = None,
    dependencies: Sequence[Sequence[float]] | None = None,
    random_state: RandomStateLike = None,
) -> SyntheticVotes:
    """Draw a vote matrix from LFs with known accuracies and coverages.

    Each row's class is drawn from ``class_balance``; each LF votes on a row
    with probability ``coverages[j]``, for the true class with probability
    ``accuracies[j]`` and otherwise for another class chosen uniformly.  LFs
    are conditionally independent given the class except for the planted
    ``dependencies``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_lfs : int, default=10
        Number of labeling functions.
    cardinality : int, default=2
        Number of classes.
    accuracies : float or array-like of shape (n_lfs,), default=None
        P(vote == y | LF votes).  None draws them uniformly from [0.55, 0.95].
    coverages : float or array-like of shape (n_lfs,), default=None
        P(LF votes).  None draws them uniformly from [0.1, 0.6].
    class_balance : array-like of shape (cardinality,), default=None
        P(y = c); None is uniform.
    dependencies : sequence of (a, b) or (a, b, p), default=None
        LF b copies LF a's vote (abstain included) with probability p
        (default 0.9) on every row; applied in the order given.
    random_state : int, numpy.random.Generator or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    SyntheticVotes

    Examples
    --------
    >>> data = make_votes(5, 3, random_state=0)
    >>> data.L.shape, data.L.dtype, data.y.shape
    ((5, 3), dtype('int8'), (5,))
    """
    n = check_int_param(n_samples, "n_samples", "make_votes", low=1)
    m = check_int_param(n_lfs, "n_lfs", "make_votes", low=1)
    k = check_cardinality(cardinality, "make_votes")
    rng = as_generator(random_state)
    acc = _per_lf(accuracies, rng.uniform(0.55, 0.95, m), "accuracies", m)
    cov = _per_lf(coverages, rng.uniform(0.1, 0.6, m), "coverages", m)
    if class_balance is None:
        balance = np.full(k, 1.0 / k)
    else:
        balance = np.asarray(class_balance, dtype=np.float64)
        if (
            balance.shape != (k,)
            or np.any(balance < 0)
            or not np.isclose(balance.sum(), 1.0)
        ):
            raise ValueError(
                f"class_balance must be {k} non-negative probabilities summing to 1;"
                f" got {balance.tolist()}."
            )
    deps = _check_dependencies(dependencies, m)

    dt = vote_dtype(k)
    L = np.empty((n, m), dtype=dt)
    y = np.empty(n, dtype=np.int64)
    cov32 = cov.astype(np.float32)
    acc32 = acc.astype(np.float32)
    for start in range(0, n, _CHUNK):  # loop over row blocks, to bound memory
        stop = min(n, start + _CHUNK)
        c = stop - start
        yc = rng.choice(k, size=c, p=balance)
        fires = rng.random((c, m), dtype=np.float32) < cov32
        right = rng.random((c, m), dtype=np.float32) < acc32
        if k == 2:
            wrong = 1 - yc[:, None]
        else:
            wrong = (yc[:, None] + rng.integers(1, k, size=(c, m))) % k
        block = np.where(right, yc[:, None], wrong)
        block[~fires] = ABSTAIN
        for a, b, p in deps:
            copy = rng.random(c) < p
            block[copy, b] = block[copy, a]
        L[start:stop] = block
        y[start:stop] = yc
    return SyntheticVotes(
        L=L,
        y=y,
        accuracies=acc,
        coverages=cov,
        class_balance=balance,
        dependencies=deps,
    )
