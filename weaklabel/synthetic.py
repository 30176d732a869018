"""Synthetic vote matrices with known truth, for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from weaklabel._validation import as_generator, check_cardinality, check_int_param
from weaklabel.typing import ABSTAIN, RandomStateLike, vote_dtype

__all__ = ["SyntheticVotes", "make_rule_votes", "make_votes"]

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
    parents : ndarray of shape (n_lfs,), dtype int64, or None
        :func:`make_rule_votes` only: the broad rule whose keyword each rule
        refines (it fires only where that rule's keyword occurs), -1 for
        none; None from :func:`make_votes`.
    """

    L: npt.NDArray[np.signedinteger]
    y: npt.NDArray[np.int64]
    accuracies: npt.NDArray[np.float64]
    coverages: npt.NDArray[np.float64]
    class_balance: npt.NDArray[np.float64]
    dependencies: list[tuple[int, int, float]] = field(default_factory=list)
    parents: npt.NDArray[np.int64] | None = None


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


def _class_balance(
    class_balance: npt.ArrayLike | None, k: int
) -> npt.NDArray[np.float64]:
    """The class balance to draw labels from: uniform when None, else checked."""
    if class_balance is None:
        return np.full(k, 1.0 / k)
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
    return balance


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
    balance = _class_balance(class_balance, k)
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


def make_rule_votes(
    n_samples: int = 1000,
    n_lfs: int = 20,
    cardinality: int = 4,
    *,
    class_balance: npt.ArrayLike | None = None,
    broad_rules: int = 1,
    nested: float = 0.5,
    random_state: RandomStateLike = None,
) -> SyntheticVotes:
    """Draw votes of keyword-rule-like LFs that each vote for one class.

    LF j votes class ``j % cardinality`` or abstains.  The first
    ``broad_rules`` LFs are broad keywords (think "what" in question
    classification): each fires where its keyword occurs, on 80% of the rows
    of its class and 50% of the others.  The other LFs are narrow rules
    (recall drawn from [0.05, 0.5], false-firing rate from [0.002, 0.03]);
    a fraction ``nested`` of them refine a broad rule's keyword ("what year"
    within "what") and fire only where it occurs.

    That nesting is what real keyword rule sets have and
    :func:`make_votes` lacks: a narrow rule and the broad rule it refines
    are dependent given the class, and where they tie, the narrow rule is
    the one to trust.  Conditionally independent one-sided LFs
    (``broad_rules=0`` or ``nested=0``) are the case the generative model's
    tables get right on their own.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_lfs : int, default=20
        Number of labeling functions (broad ones included).
    cardinality : int, default=4
        Number of classes.
    class_balance : array-like of shape (cardinality,), default=None
        P(y = c); None is uniform.
    broad_rules : int, default=1
        Number of broad keyword rules (at most ``n_lfs``).
    nested : float, default=0.5
        Probability that a narrow rule refines a broad rule's keyword (each
        picks one broad rule at random); 0 without broad rules.
    random_state : int, numpy.random.Generator or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    SyntheticVotes
        ``accuracies`` and ``coverages`` are each LF's realised precision
        and coverage; ``parents`` the broad rule each LF refines (-1: none).

    Examples
    --------
    >>> data = make_rule_votes(500, 8, 3, random_state=0)
    >>> sorted({int(v) for v in data.L[:, 4]})
    [-1, 1]
    >>> int((data.parents >= 0).sum()) <= 7
    True
    """
    n = check_int_param(n_samples, "n_samples", "make_rule_votes", low=1)
    m = check_int_param(n_lfs, "n_lfs", "make_rule_votes", low=1)
    k = check_cardinality(cardinality, "make_rule_votes")
    b = check_int_param(broad_rules, "broad_rules", "make_rule_votes", low=0, high=m)
    if not 0.0 <= float(nested) <= 1.0:
        raise ValueError(
            f"nested must be a probability in [0, 1]; got {nested!r}. It is the"
            " share of narrow rules that refine a broad rule's keyword."
        )
    rng = as_generator(random_state)
    balance = _class_balance(class_balance, k)
    y = rng.choice(k, size=n, p=balance)
    polarity = np.arange(m) % k
    L = np.full((n, m), ABSTAIN, dtype=vote_dtype(k))
    keyword = np.zeros((n, b), dtype=bool)
    for j in range(b):  # loop over broad rules (few)
        keyword[:, j] = rng.random(n) < np.where(y == polarity[j], 0.8, 0.5)
        L[keyword[:, j], j] = polarity[j]
    parents = np.full(m, -1, dtype=np.int64)
    recall = rng.uniform(0.05, 0.5, m)
    false_rate = rng.uniform(0.002, 0.03, m)
    for j in range(b, m):  # loop over narrow rules
        fires = rng.random(n) < np.where(y == polarity[j], recall[j], false_rate[j])
        if b and rng.random() < nested:
            parents[j] = int(rng.integers(0, b))
            fires &= keyword[:, parents[j]]
        L[fires, j] = polarity[j]
    voted = L >= 0
    n_votes = voted.sum(axis=0)
    right = (voted & (y[:, None] == L)).sum(axis=0)
    return SyntheticVotes(
        L=L,
        y=y.astype(np.int64),
        accuracies=np.where(n_votes > 0, right / np.maximum(n_votes, 1), np.nan),
        coverages=n_votes / n,
        class_balance=balance,
        parents=parents,
    )
