"""Score-based labeling functions and their calibrated thresholds.

A score-based LF (:func:`~weaklabel.lf_helpers.model_lf`,
:func:`~weaklabel.embed.zero_shot_lf`, :func:`~weaklabel.embed.knn_lf`)
computes, for a batch of rows, a candidate class and a score (a probability,
a similarity margin, a neighbour similarity) and votes the candidate where
the score reaches its threshold.  :func:`calibrate_threshold` picks that
threshold on a small labeled dev set, for a target precision or for the best
F1, and returns a new LF with the threshold fixed inside it, so the same
votes come out every time.

Examples
--------
>>> import pandas as pd
>>> def scorer(df):
...     return df.guess.to_numpy(object), df.conf.to_numpy(float)
>>> lf = scored_lf("guess", scorer, threshold=0.5)
>>> dev = pd.DataFrame({"guess": ["a", "b", "a", "b", "a"],
...                     "conf": [0.9, 0.8, 0.7, 0.6, 0.55]})
>>> gold = ["a", "b", "a", "a", "b"]
>>> lf(dev).tolist()
['a', 'b', 'a', 'b', 'a']
>>> cal = calibrate_threshold(lf, dev, gold, target_precision=0.9, min_votes=2)
>>> cal.threshold, cal.precision, cal.coverage
(0.7, 1.0, 0.6)
>>> cal.lf(dev).tolist()
['a', 'b', 'a', None, None]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.exceptions import WeakLabelWarning
from weaklabel.lf import LabelingFunction

__all__ = [
    "ScoredVoter",
    "ThresholdCalibration",
    "calibrate_threshold",
    "lf_scores",
    "scored_lf",
]

Scorer = Callable[[pd.DataFrame], tuple[npt.NDArray[Any], npt.NDArray[np.float64]]]


@dataclass(frozen=True)
class ScoredVoter:
    """The callable behind a score-based LF: vote the candidate where score >= threshold.

    Parameters
    ----------
    name : str
        The LF's name (used in error messages).
    scorer : callable
        ``scorer(df) -> (candidates, scores)``: an object array of length
        ``len(df)`` (a class name or index per row, None where the LF cannot
        vote) and a float array of the same length (NaN = never vote).
    threshold : float
        Minimum score to vote.
    calibration : ThresholdCalibration or None, default=None
        How the threshold was chosen, when :func:`calibrate_threshold` chose it.
    """

    name: str
    scorer: Scorer = field(repr=False)
    threshold: float
    calibration: ThresholdCalibration | None = field(default=None, repr=False)

    @property
    def __name__(self) -> str:
        return self.name

    def scores(
        self, df: pd.DataFrame
    ) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
        """Candidates and scores of every row (before the threshold), checked."""
        candidates, scores = self.scorer(df)
        cand = np.asarray(candidates, dtype=object)
        sc = np.asarray(scores, dtype=np.float64)
        n = len(df)
        if cand.shape != (n,) or sc.shape != (n,):
            raise ValueError(
                f"LF {self.name!r}: its scorer returned candidates of shape"
                f" {cand.shape} and scores of shape {sc.shape} for {n} rows;"
                f" expected ({n},) each."
            )
        return cand, sc

    def __call__(self, df: pd.DataFrame) -> npt.NDArray[Any]:
        """Votes: the candidate where its score reaches the threshold, else None."""
        cand, sc = self.scores(df)
        with np.errstate(invalid="ignore"):
            keep = sc >= self.threshold
        out = np.full(len(cand), None, dtype=object)
        out[keep] = cand[keep]
        return out


def scored_lf(
    name: str,
    scorer: Scorer,
    *,
    threshold: float,
    pre: Sequence[Callable[[Any], Any]] = (),
) -> LabelingFunction:
    """A vectorized LF that votes ``scorer``'s candidate where its score >= ``threshold``.

    Parameters
    ----------
    name : str
        The LF's name.
    scorer : callable
        ``scorer(df) -> (candidates, scores)``, see :class:`ScoredVoter`.
    threshold : float
        Minimum score to vote.
    pre : sequence of callables, default=()
        DataFrame preprocessors.

    Returns
    -------
    LabelingFunction
        Vectorized; ``lf.f`` is the :class:`ScoredVoter`.
    """
    _check_threshold(name, threshold)
    voter = ScoredVoter(name, scorer, float(threshold))
    return LabelingFunction(name=name, f=voter, vectorized=True, pre=tuple(pre))


def _check_threshold(name: str, threshold: Any) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"LF {name!r}: threshold must be a float; got {threshold!r}.")
    if math.isnan(threshold):
        raise ValueError(f"LF {name!r}: threshold must be a number, not NaN.")


def _voter(lf: Any) -> ScoredVoter:
    if isinstance(lf, LabelingFunction) and isinstance(lf.f, ScoredVoter):
        return lf.f
    what = lf.name if isinstance(lf, LabelingFunction) else type(lf).__name__
    raise TypeError(
        f"{what!r} is not a score-based LF; calibrate an LF built by model_lf"
        " (with predict_proba), zero_shot_lf, knn_lf or scored_lf."
    )


def lf_scores(
    lf: LabelingFunction, data: pd.DataFrame
) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
    """Candidates and scores of a score-based LF on ``data`` (its preprocessors run first).

    Returns
    -------
    candidates : ndarray of shape (n_samples,), object
    scores : ndarray of shape (n_samples,), float64
    """
    voter = _voter(lf)
    x: Any = data
    for p in lf.pre:
        x = p(x)
    return voter.scores(x)


@dataclass(frozen=True)
class ThresholdCalibration:
    """The threshold chosen by :func:`calibrate_threshold`, and how it scores.

    Attributes
    ----------
    lf : LabelingFunction
        A copy of the LF with ``threshold`` fixed in it.
    name : str
        The LF's name.
    threshold : float
        The chosen threshold (a score seen on the dev set).
    criterion : str
        ``"precision>=0.9"`` (for example) or ``"f1"``.
    reached : bool
        Whether the target precision was reached (always True for ``"f1"``).
    precision : float
        Accuracy of the votes on the dev set at this threshold.
    coverage : float
        Share of dev rows voted on.
    f1 : float
        Harmonic mean of precision and recall, recall = correct votes / rows.
    n_votes, n_dev : int
        Votes cast on the dev set; dev rows.
    curve : DataFrame
        One row per candidate threshold: threshold, n_votes, precision,
        coverage, f1 (highest threshold first).
    """

    lf: LabelingFunction = field(repr=False)
    name: str
    threshold: float
    criterion: str
    reached: bool
    precision: float
    coverage: float
    f1: float
    n_votes: int
    n_dev: int
    curve: pd.DataFrame = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The numbers (no LF, no curve), for a report or a JSON file."""
        return {
            "name": self.name,
            "threshold": self.threshold,
            "criterion": self.criterion,
            "reached": self.reached,
            "precision": self.precision,
            "coverage": self.coverage,
            "f1": self.f1,
            "n_votes": self.n_votes,
            "n_dev": self.n_dev,
        }


def _to_index(
    values: Sequence[Any] | npt.NDArray[Any], classes: Sequence[str] | None
) -> list[Any]:
    if classes is None:
        return [None if v is None else (int(v) if _is_int(v) else v) for v in values]
    lookup: Mapping[Any, int] = {c: i for i, c in enumerate(classes)}
    return [
        None if v is None else (int(v) if _is_int(v) else lookup.get(v, v))
        for v in values
    ]


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _curve(
    scores: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_], n: int
) -> pd.DataFrame:
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    c = np.cumsum(correct[order])
    votes = np.arange(1, len(s) + 1)
    # one candidate per distinct score: the last position holding it
    last = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, dtype=bool)
    t, v, k = s[last], votes[last], c[last]
    precision = k / v
    recall = k / n
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(k > 0, 2 * precision * recall / (precision + recall), 0.0)
    return pd.DataFrame(
        {
            "threshold": t,
            "n_votes": v,
            "precision": precision,
            "coverage": v / n,
            "f1": f1,
        }
    )


def calibrate_threshold(
    lf: LabelingFunction,
    data: pd.DataFrame,
    y: Sequence[Any] | npt.ArrayLike | pd.Series,
    *,
    target_precision: float | None = 0.9,
    metric: str = "precision",
    min_votes: int = 10,
    classes: Sequence[str] | None = None,
) -> ThresholdCalibration:
    """Choose a score-based LF's threshold on a small labeled dev set.

    With ``metric="precision"`` the threshold is the lowest score at which the
    LF's votes on the dev set reach ``target_precision`` (so it votes as often
    as it can while staying that precise), among thresholds that leave at
    least ``min_votes`` votes.  With ``metric="f1"`` it maximises the F1 of
    the abstaining LF (precision = accuracy of its votes, recall = correct
    votes / dev rows).  The result carries a copy of the LF with the
    threshold stored in it.

    Parameters
    ----------
    lf : LabelingFunction
        Built by :func:`~weaklabel.lf_helpers.model_lf` (with
        ``predict_proba``), :func:`~weaklabel.embed.zero_shot_lf`,
        :func:`~weaklabel.embed.knn_lf` or :func:`scored_lf`.
    data : DataFrame of shape (n_dev, ...)
        The labeled dev rows.
    y : array-like of shape (n_dev,)
        Their gold classes (names or indices; pass ``classes`` to compare
        names with indices).  Rows whose gold is missing (None / NaN / -1)
        are left out.
    target_precision : float, default=0.9
        For ``metric="precision"``.
    metric : {"precision", "f1"}, default="precision"
        What to aim for.
    min_votes : int, default=10
        Fewest dev votes a threshold may leave (small samples make precision
        noisy).
    classes : sequence of str, default=None
        Class names, to map names to indices on both sides.

    Returns
    -------
    ThresholdCalibration

    Warns
    -----
    WeakLabelWarning
        If no threshold reaches ``target_precision``: the most precise one
        (with at least ``min_votes`` votes) is chosen and ``reached`` is False.

    Raises
    ------
    TypeError
        If ``lf`` is not score-based.
    ValueError
        If ``y`` and ``data`` differ in length, the LF proposes no vote on the
        dev set, or a parameter is out of range.
    """
    voter = _voter(lf)
    if metric not in ("precision", "f1"):
        raise ValueError(
            f"calibrate_threshold: metric must be 'precision' or 'f1'; got {metric!r}."
        )
    if metric == "precision" and (
        target_precision is None or not 0.0 < float(target_precision) <= 1.0
    ):
        raise ValueError(
            "calibrate_threshold: target_precision must be in (0, 1]; got"
            f" {target_precision!r}."
        )
    if isinstance(min_votes, bool) or not isinstance(min_votes, int) or min_votes < 1:
        raise ValueError(
            f"calibrate_threshold: min_votes must be a positive int; got {min_votes!r}."
        )
    gold = list(np.asarray(y, dtype=object).ravel().tolist())
    if len(gold) != len(data):
        raise ValueError(
            f"calibrate_threshold for LF {lf.name!r}: y has {len(gold)} labels but"
            f" data has {len(data)} rows; give one gold label per dev row."
        )
    gold = [
        None
        if g is None or (isinstance(g, float) and g != g) or (_is_int(g) and g < 0)
        else g
        for g in gold
    ]
    cand, scores = lf_scores(lf, data)
    known = np.array([g is not None for g in gold])
    usable = known & np.array([c is not None for c in cand]) & ~np.isnan(scores)
    n_dev = int(known.sum())
    if not usable.any():
        raise ValueError(
            f"calibrate_threshold: LF {lf.name!r} proposes no vote on the"
            f" {n_dev} labeled dev rows, so there is nothing to calibrate."
        )
    c_idx = _to_index(cand[usable], classes)
    g_idx = _to_index([g for g, u in zip(gold, usable, strict=True) if u], classes)
    correct = np.array([a == b for a, b in zip(c_idx, g_idx, strict=True)])
    curve = _curve(scores[usable], correct, n_dev)
    ok = curve[curve.n_votes >= min(min_votes, int(curve.n_votes.max()))]
    reached = True
    if metric == "f1":
        row = ok.iloc[int(np.argmax(ok.f1.to_numpy()))]
        criterion = "f1"
    else:
        target = float(target_precision)  # type: ignore[arg-type]
        criterion = f"precision>={target:g}"
        good = ok[ok.precision >= target - 1e-12]
        if len(good):
            row = good.iloc[-1]  # the lowest threshold, i.e. the most votes
        else:
            reached = False
            row = ok.iloc[int(np.argmax(ok.precision.to_numpy()))]
            warnings.warn(
                f"calibrate_threshold: LF {lf.name!r} reaches precision"
                f" {row.precision:.3f} at best on the dev set (target {target:g});"
                f" using threshold {row.threshold:.4g}. Lower target_precision,"
                " label more dev rows, or improve the LF.",
                WeakLabelWarning,
                stacklevel=2,
            )
    threshold = float(row.threshold)
    cal = ThresholdCalibration(
        lf=lf,
        name=lf.name,
        threshold=threshold,
        criterion=criterion,
        reached=reached,
        precision=float(row.precision),
        coverage=float(row.n_votes) / n_dev,
        f1=float(row.f1),
        n_votes=int(row.n_votes),
        n_dev=n_dev,
        curve=curve,
    )
    new_voter = replace(voter, threshold=threshold, calibration=cal)
    new_lf = replace(lf, f=new_voter)
    object.__setattr__(cal, "lf", new_lf)
    return cal
