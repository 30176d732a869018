"""Labeling functions from text embeddings: zero-shot, nearest neighbours, extension.

- :func:`zero_shot_lf` votes the class whose descriptions are most similar
  to the row's text, where the margin over the runner-up is large enough.
- :func:`knn_lf` votes the label of the nearest labeled examples, where they
  are similar enough.
- :func:`extend_votes` (on a vote matrix) and :func:`extend_lf` (on one LF)
  copy an LF's vote to the rows it abstains on whose nearest voted row is
  similar enough (Argilla's ``extend_matrix``; Chen et al. 2022, "Shoring
  Up the Foundations", Liger).

All are vectorized: the whole batch of rows is embedded at once.  The
embedder defaults to :class:`~weaklabel.embed.WordLlamaEmbedder`, which
needs no download; any :class:`~weaklabel.embed.Embedder` works (wrap it in
:class:`~weaklabel.embed.CachedEmbedder` to keep vectors on disk).  The
scores (margin, similarity) are cosines of L2-normalised vectors, so a
threshold chosen for one embedder does not carry over to another: choose it
with :func:`weaklabel.calibration.calibrate_threshold` on a few labeled rows.

Examples
--------
>>> import pandas as pd
>>> lf = zero_shot_lf("zs_spam", {
...     "ham": "hey, are you coming home tonight? call me later",
...     "spam": "URGENT! You have won a cash prize. Txt WIN to claim"})
>>> df = pd.DataFrame({"text": ["WIN a FREE prize! Call now to claim",
...                             "are we still meeting for lunch tomorrow?", "ok"]})
>>> lf(df).tolist()
['spam', 'ham', None]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel._validation import default_lf_names
from weaklabel.calibration import _check_threshold, scored_lf
from weaklabel.embed.base import Embedder, as_texts, check_embedder, embed_texts
from weaklabel.lf import LabelingFunction
from weaklabel.lf_helpers import _check_label, _column, _pre
from weaklabel.typing import ABSTAIN

__all__ = [
    "DEFAULT_KNN_THRESHOLD",
    "DEFAULT_ZERO_SHOT_MARGIN",
    "embed_column",
    "extend_lf",
    "extend_votes",
    "knn_lf",
    "zero_shot_lf",
]

Label = str | int
PreArg = Iterable[Callable[[Any], Any]] | Callable[[Any], Any] | None

#: Default cosine margin of :func:`zero_shot_lf` (best class over runner-up),
#: chosen for WordLlama on YouTube, SMS and spouse (see docs/model_lfs.md).
DEFAULT_ZERO_SHOT_MARGIN = 0.1
#: Default cosine similarity of :func:`knn_lf` to its nearest examples, chosen
#: for WordLlama (88-97% precision on YouTube, SMS and spouse; docs/model_lfs.md).
DEFAULT_KNN_THRESHOLD = 0.3
_BLOCK = 4096  # rows per similarity block (bounds memory at BLOCK x n_ref)


def _default_embedder(embedder: Embedder | None, lf_name: str) -> Embedder:
    if embedder is None:
        from weaklabel.embed.default import WordLlamaEmbedder

        return WordLlamaEmbedder()
    return check_embedder(embedder, f"LF {lf_name!r}: embedder")


def embed_column(
    df: pd.DataFrame, column: str, embedder: Embedder, *, lf_name: str = "embed"
) -> npt.NDArray[np.float32]:
    """L2-normalised embeddings of ``df[column]`` (missing values give zero rows).

    Parameters
    ----------
    df : DataFrame
        The rows.
    column : str
        The text column.
    embedder : Embedder
        The model.
    lf_name : str, default="embed"
        Named in error messages.

    Returns
    -------
    ndarray of shape (len(df), dim), float32
    """
    return embed_texts(embedder, as_texts(_column(df, column, lf_name)))


class _Lazy:
    """Reference vectors computed once per process, never pickled."""

    def __init__(self) -> None:
        self._vectors: npt.NDArray[np.float32] | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("_vectors", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._vectors = None
        self._lock = threading.Lock()

    def _compute(self) -> npt.NDArray[np.float32]:
        raise NotImplementedError

    def vectors(self) -> npt.NDArray[np.float32]:
        if self._vectors is None:
            with self._lock:
                if self._vectors is None:
                    self._vectors = self._compute()
        return self._vectors


class _ZeroShotScorer(_Lazy):
    def __init__(
        self,
        name: str,
        labels: list[Label],
        texts: list[str],
        owner: npt.NDArray[np.intp],
        column: str,
        embedder: Embedder,
        aggregate: str,
        votes_for: frozenset[int],
    ) -> None:
        super().__init__()
        self.name, self.labels, self.texts, self.owner = name, labels, texts, owner
        self.column, self.embedder, self.aggregate = column, embedder, aggregate
        self.votes_for = votes_for

    def _compute(self) -> npt.NDArray[np.float32]:
        D = embed_texts(self.embedder, self.texts)
        if not np.linalg.norm(D, axis=1).all():
            raise ValueError(
                f"LF {self.name!r}: the embedder gives a zero vector for a"
                " description (an empty text, or only unknown words); reword it."
            )
        return D

    def class_scores(self, X: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        sims = (X @ self.vectors().T).astype(np.float64)  # (n, n_descriptions)
        k = len(self.labels)
        out = np.full((X.shape[0], k), -np.inf)
        for c in range(k):
            cols = sims[:, self.owner == c]
            out[:, c] = cols.max(axis=1) if self.aggregate == "max" else cols.mean(1)
        return out

    def __call__(self, df: pd.DataFrame) -> tuple[Any, npt.NDArray[np.float64]]:
        X = embed_column(df, self.column, self.embedder, lf_name=self.name)
        S = self.class_scores(X)
        order = np.argsort(-S, axis=1, kind="stable")
        rows = np.arange(len(S))
        top = order[:, 0]
        margin = S[rows, top] - S[rows, order[:, 1]]
        margin[np.linalg.norm(X, axis=1) == 0] = np.nan  # empty text: no vote
        cand = np.empty(len(S), dtype=object)
        cand[:] = [self.labels[i] if i in self.votes_for else None for i in top]
        return cand, margin


def zero_shot_lf(
    name: str,
    descriptions: Mapping[Label, str | Sequence[str]],
    *,
    column: str = "text",
    embedder: Embedder | None = None,
    threshold: float = DEFAULT_ZERO_SHOT_MARGIN,
    aggregate: str = "max",
    vote_for: Sequence[Label] | None = None,
    pre: PreArg = None,
) -> LabelingFunction:
    """Zero-shot LF: vote the class whose descriptions best match the text.

    Each class is described by one or more short texts.  A row's text and the
    descriptions are embedded; a class scores the highest cosine similarity
    of its descriptions (``aggregate="max"``) or their mean.  The LF votes
    the best class when its score exceeds the runner-up's by at least
    ``threshold`` (a cosine margin) and abstains otherwise, and on empty
    texts.

    Parameters
    ----------
    name : str
        The LF's name.
    descriptions : dict
        Class name (or index) -> a description, or a list of them.  At least
        two classes; a class left out is never voted.
    column : str, default="text"
        The text column.
    embedder : Embedder, default=None
        The model; None uses :class:`~weaklabel.embed.WordLlamaEmbedder`
        (offline, shipped in the ``wordllama`` wheel).
    threshold : float, default=DEFAULT_ZERO_SHOT_MARGIN (0.1)
        Minimum margin of the best class over the runner-up.  The default
        was measured with WordLlama on YouTube, SMS and spouse (about 85-95%
        precision, a third to half of the rows; docs/model_lfs.md); for
        another embedder, or to reach a given precision, choose it with
        :func:`weaklabel.calibration.calibrate_threshold`.
    aggregate : {"max", "mean"}, default="max"
        How a class's several descriptions combine.
    vote_for : sequence of str or int, default=None
        The classes the LF may vote (default: every described class); the
        others only compete for the top place, where the LF then abstains.
        Makes a one-sided LF for a class the descriptions capture well.
    pre : list of callables, default=None
        DataFrame preprocessors.

    Returns
    -------
    LabelingFunction
        Vectorized and score-based (its score is the margin).

    Raises
    ------
    ValueError, TypeError
        Fewer than two classes, an empty description, a bad label or parameter.
    """
    if not isinstance(descriptions, Mapping):
        raise TypeError(
            f"LF {name!r}: descriptions must be a dict class -> description(s),"
            f" e.g. {{'spam': 'an advertisement', 'ham': 'a personal message'}};"
            f" got {type(descriptions).__name__}."
        )
    if len(descriptions) < 2:
        raise ValueError(
            f"LF {name!r}: describe at least two classes (the LF votes by"
            f" comparing them); got {list(descriptions)}."
        )
    if aggregate not in ("max", "mean"):
        raise ValueError(
            f"LF {name!r}: aggregate must be 'max' or 'mean'; got {aggregate!r}."
        )
    _check_threshold(name, threshold)
    labels: list[Label] = []
    texts: list[str] = []
    owner: list[int] = []
    for i, (label, desc) in enumerate(descriptions.items()):
        labels.append(_check_label(label, f"LF {name!r}: every label"))
        items = [desc] if isinstance(desc, str) else list(desc)
        if not items or not all(isinstance(d, str) and d.strip() for d in items):
            raise ValueError(
                f"LF {name!r}: class {label!r} needs one or more non-empty"
                f" description strings; got {desc!r}."
            )
        texts.extend(items)
        owner.extend([i] * len(items))
    wanted = labels if vote_for is None else list(vote_for)
    unknown = [v for v in wanted if v not in labels]
    if unknown or not wanted:
        raise ValueError(
            f"LF {name!r}: vote_for must name described classes {labels}; got"
            f" {list(wanted)}."
        )
    scorer = _ZeroShotScorer(
        name,
        labels,
        texts,
        np.asarray(owner, dtype=np.intp),
        column,
        _default_embedder(embedder, name),
        aggregate,
        frozenset(labels.index(v) for v in wanted),
    )
    return scored_lf(name, scorer, threshold=float(threshold), pre=_pre(pre))


def _top_k(
    X: npt.NDArray[np.float32], R: npt.NDArray[np.float32], k: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """Indices and similarities of the ``k`` most similar rows of R, best first."""
    n = X.shape[0]
    k = min(k, R.shape[0])
    idx = np.empty((n, k), dtype=np.intp)
    sim = np.empty((n, k), dtype=np.float32)
    for a in range(0, n, _BLOCK):
        S = X[a : a + _BLOCK] @ R.T
        if k < S.shape[1]:
            part = np.argpartition(-S, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(S.shape[1]), S.shape).copy()
        ps = np.take_along_axis(S, part, axis=1)
        order = np.argsort(-ps, axis=1, kind="stable")
        idx[a : a + _BLOCK] = np.take_along_axis(part, order, axis=1)
        sim[a : a + _BLOCK] = np.take_along_axis(ps, order, axis=1)
    return idx, sim


class _KnnScorer(_Lazy):
    def __init__(
        self,
        name: str,
        examples: list[str],
        codes: npt.NDArray[np.intp],
        labels: list[Label],
        k: int,
        column: str,
        embedder: Embedder,
    ) -> None:
        super().__init__()
        self.name, self.examples, self.codes, self.labels = (
            name,
            examples,
            codes,
            labels,
        )
        self.k, self.column, self.embedder = k, column, embedder

    def _compute(self) -> npt.NDArray[np.float32]:
        return embed_texts(self.embedder, self.examples)

    def __call__(self, df: pd.DataFrame) -> tuple[Any, npt.NDArray[np.float64]]:
        X = embed_column(df, self.column, self.embedder, lf_name=self.name)
        R = self.vectors()
        idx, sim = _top_k(X, R, self.k)
        codes = self.codes[idx]  # (n, k)
        sim64 = sim.astype(np.float64)
        n_lab = len(self.labels)
        weight = np.zeros((len(X), n_lab))
        for j in range(codes.shape[1]):
            np.add.at(weight, (np.arange(len(X)), codes[:, j]), sim64[:, j])
        best = weight.argmax(axis=1)
        agree = codes == best[:, None]
        score = (sim64 * agree).sum(1) - (sim64 * ~agree).sum(1)
        score /= codes.shape[1]
        score[np.linalg.norm(X, axis=1) == 0] = np.nan
        cand = np.empty(len(X), dtype=object)
        cand[:] = [self.labels[i] for i in best]
        return cand, score


def knn_lf(
    name: str,
    examples: Sequence[str] | pd.Series,
    labels: Sequence[Label] | pd.Series,
    *,
    k: int = 1,
    column: str = "text",
    embedder: Embedder | None = None,
    threshold: float = DEFAULT_KNN_THRESHOLD,
    pre: PreArg = None,
) -> LabelingFunction:
    """Nearest-neighbour LF: vote the label of the labeled examples closest to the text.

    For each row, the ``k`` most similar examples (cosine similarity of
    embeddings) vote with their similarity as weight; the score is the
    similarity of those agreeing with the winner minus that of the others,
    over ``k`` (with ``k=1``: the similarity to the nearest example).  The LF
    votes where the score reaches ``threshold`` and abstains elsewhere.

    Parameters
    ----------
    name : str
        The LF's name.
    examples : sequence of str
        Labeled texts, e.g. the rows a user labeled in the loop.
    labels : sequence of str or int
        Their classes (names or indices); None or -1 drops the example.
    k : int, default=1
        Neighbours that vote.
    column : str, default="text"
        The text column of the rows to label.
    embedder : Embedder, default=None
        The model; None uses :class:`~weaklabel.embed.WordLlamaEmbedder`.
    threshold : float, default=DEFAULT_KNN_THRESHOLD (0.3)
        Minimum score to vote (a cosine similarity for ``k=1``); calibrate
        it with :func:`weaklabel.calibration.calibrate_threshold`.
    pre : list of callables, default=None
        DataFrame preprocessors.

    Returns
    -------
    LabelingFunction
        Vectorized and score-based.

    Examples
    --------
    >>> lf = knn_lf("near_labeled", ["win a free phone now", "see you at home"],
    ...             ["spam", "ham"], threshold=0.5)
    >>> lf(pd.DataFrame({"text": ["WIN a FREE phone!!", "ok see you at home later"]})).tolist()
    ['spam', 'ham']
    """
    ex = list(examples.tolist() if isinstance(examples, pd.Series) else examples)
    lab = list(labels.tolist() if isinstance(labels, pd.Series) else labels)
    if len(ex) != len(lab):
        raise ValueError(
            f"LF {name!r}: {len(ex)} examples but {len(lab)} labels; give one"
            " label per example."
        )
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"LF {name!r}: k must be a positive int; got {k!r}.")
    _check_threshold(name, threshold)
    keep = [
        i
        for i, y in enumerate(lab)
        if not (
            y is None
            or (isinstance(y, float) and y != y)
            or (isinstance(y, (int, np.integer)) and not isinstance(y, bool) and y < 0)
        )
    ]
    if not keep:
        raise ValueError(f"LF {name!r}: no labeled example (every label is missing).")
    texts = as_texts([ex[i] for i in keep])
    kept = [_check_label(lab[i], f"LF {name!r}: every label") for i in keep]
    classes = list(dict.fromkeys(kept))
    where = {c: j for j, c in enumerate(classes)}
    codes = np.array([where[y] for y in kept], dtype=np.intp)
    scorer = _KnnScorer(
        name, texts, codes, classes, k, column, _default_embedder(embedder, name)
    )
    return scored_lf(name, scorer, threshold=float(threshold), pre=_pre(pre))


def _thresholds(
    thresholds: float | Mapping[str, float | None] | Sequence[float | None],
    names: list[str],
) -> list[float | None]:
    if isinstance(thresholds, (int, float)) and not isinstance(thresholds, bool):
        return [float(thresholds)] * len(names)
    if isinstance(thresholds, Mapping):
        unknown = sorted(set(thresholds) - set(names))
        if unknown:
            raise ValueError(
                f"extend_votes: thresholds name LFs {unknown} that are not columns"
                f" of the vote matrix ({names})."
            )
        return [
            None if thresholds.get(n) is None else float(thresholds[n])  # type: ignore[arg-type]
            for n in names
        ]
    out = list(cast("Sequence[float | None]", thresholds))
    if len(out) != len(names):
        raise ValueError(
            f"extend_votes: {len(out)} thresholds for {len(names)} LFs; give one"
            " per column (None = leave it), a dict name -> threshold, or one float."
        )
    return [None if t is None else float(t) for t in out]


def extend_votes(
    L: pd.DataFrame | npt.ArrayLike,
    embeddings: npt.ArrayLike,
    thresholds: float | Mapping[str, float | None] | Sequence[float | None],
) -> Any:
    """Extend each LF's votes to the abstained rows near a row it voted on.

    For LF ``j`` with threshold ``t_j``, a row where it abstains takes the
    vote of its most similar row among those ``j`` voted on, when their
    cosine similarity is at least ``t_j``.  This is Argilla's
    ``WeakLabels.extend_matrix`` (after Chen et al. 2022, "Shoring Up the
    Foundations: Fusing Model Embeddings and Weak Supervision", Liger).

    Parameters
    ----------
    L : DataFrame or array-like of shape (n_samples, n_lfs)
        Votes, -1 = abstain.
    embeddings : array-like of shape (n_samples, dim)
        One vector per row (normalised here), e.g. from :func:`embed_column`.
    thresholds : float, dict or sequence
        One threshold for all LFs, a dict LF name -> threshold (LFs left out
        are not extended), or one per column (None = not extended).

    Returns
    -------
    DataFrame or ndarray of shape (n_samples, n_lfs)
        A new vote matrix of the same type, dtype, index, columns and attrs.

    Examples
    --------
    >>> L = np.array([[0, -1], [-1, 1], [-1, -1]])
    >>> E = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]])
    >>> extend_votes(L, E, [0.95, 0.95])
    array([[ 0, -1],
           [-1,  1],
           [ 0, -1]])
    """
    from weaklabel.embed.base import normalize_rows

    frame = L if isinstance(L, pd.DataFrame) else None
    V = np.array(frame.to_numpy() if frame is not None else L, copy=True)
    if V.ndim != 2:
        raise ValueError(f"extend_votes: L must be 2-d; got shape {V.shape}.")
    E = normalize_rows(embeddings)
    if E.shape[0] != V.shape[0]:
        raise ValueError(
            f"extend_votes: {E.shape[0]} embeddings for {V.shape[0]} rows of L;"
            " give one vector per row, in the same order."
        )
    names = (
        [str(c) for c in frame.columns]
        if frame is not None
        else default_lf_names(V.shape[1])
    )
    ts = _thresholds(thresholds, names)
    source = V.copy()
    for j, t in enumerate(ts):
        if t is None:
            continue
        voted = np.flatnonzero(source[:, j] != ABSTAIN)
        empty = np.flatnonzero(source[:, j] == ABSTAIN)
        if not voted.size or not empty.size:
            continue
        idx, sim = _top_k(E[empty], E[voted], 1)
        near = sim[:, 0] >= t
        V[empty[near], j] = source[voted[idx[near, 0]], j]
    if frame is None:
        return V
    out = pd.DataFrame(V, index=frame.index, columns=frame.columns)
    out = out.astype(frame.dtypes.to_dict())
    out.attrs.update(frame.attrs)
    return out


def extend_lf(
    lf: LabelingFunction,
    *,
    threshold: float,
    classes: Sequence[str],
    column: str = "text",
    embedder: Embedder | None = None,
    name: str | None = None,
) -> LabelingFunction:
    """An LF that votes like ``lf``, extended to rows near those it votes on.

    The new LF applies ``lf`` to the batch, then gives each row where ``lf``
    abstains the vote of its most similar voted row of the same batch, when
    their cosine similarity is at least ``threshold`` (see
    :func:`extend_votes`).  Neighbours are looked for within the batch: the
    whole frame with :func:`~weaklabel.apply.apply_lfs`, one partition with
    :func:`~weaklabel.scale.apply_dask`.

    Parameters
    ----------
    lf : LabelingFunction
        The LF to extend (row-wise or vectorized).
    threshold : float
        Minimum cosine similarity to copy a vote.
    classes : sequence of str
        The class names (to read ``lf``'s votes).
    column : str, default="text"
        The text column.
    embedder : Embedder, default=None
        The model; None uses :class:`~weaklabel.embed.WordLlamaEmbedder`.
    name : str, default=None
        The new LF's name; default ``lf.name + "_ext"``.

    Returns
    -------
    LabelingFunction
        Vectorized; votes class indices.
    """
    if not isinstance(lf, LabelingFunction):
        raise TypeError(f"extend_lf takes a LabelingFunction; got {type(lf).__name__}.")
    new_name = name if name is not None else f"{lf.name}_ext"
    _check_threshold(new_name, threshold)
    model = _default_embedder(embedder, new_name)
    class_names = list(classes)

    def extended(df: pd.DataFrame) -> npt.NDArray[np.int64]:
        from weaklabel.apply import apply_lfs

        votes = apply_lfs([lf], df, classes=class_names).to_numpy()
        X = embed_column(df, column, model, lf_name=new_name)
        return np.asarray(
            extend_votes(votes, X, [float(threshold)])[:, 0], dtype=np.int64
        )

    extended.__name__ = new_name
    extended.__qualname__ = new_name
    return LabelingFunction(name=new_name, f=extended, vectorized=True)
