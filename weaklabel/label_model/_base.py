"""The base class shared by every label model.

Subclassing contract (stable; ``MajorityVote``, ``DawidSkene`` and the
generative ``LabelModel`` rely on it)
----------------------------------------------------------------------------
A label model subclasses :class:`BaseLabelModel` and provides:

``__init__(self, cardinality=None, *, ..., random_state=None)``
    Stores its arguments unchanged (scikit-learn rule: no validation, no
    other attributes).  ``cardinality`` and ``random_state`` are expected.

``_check_params(self) -> None`` (optional)
    Validate the hyperparameters at the start of ``fit`` (use
    :func:`weaklabel._validation.check_int_param` / ``check_real_param`` so
    messages follow the house template).

``_fit(self, L, y, rng, sample_weight=None) -> None``
    Learn from validated votes.  Called by :meth:`BaseLabelModel.fit` after
    ``n_lfs_in_``, ``lf_names_in_``, ``cardinality_`` and ``classes_`` are set.
    ``L`` is a dense C-contiguous ndarray (-1 = abstain) in the smallest
    signed integer dtype holding the votes (``int8`` up to 127 classes; the
    caller's own array when it already is one, so never write to it) or, for
    sparse input, a ``scipy.sparse.csr_array`` of class indices (abstains not
    stored);
    ``y`` is an int64 array (-1 = unknown) or None; ``rng`` a local
    ``numpy.random.Generator`` (never seed globally); ``sample_weight`` a
    validated float64 array of non-negative row weights or None (a subclass
    whose ``_fit`` lacks this argument rejects weights with a TypeError).
    Compress with :func:`weaklabel.label_model._patterns.compress`
    (``compress(L, y, sample_weight)``: pattern counts become summed weights).
    Must set ``class_prior_`` (shape (k,)) and every other learned attribute
    (names end in ``_``).

``_predict_proba_patterns(self, patterns) -> ndarray (u, k)``
    Soft labels of every distinct pattern (a ``Patterns`` without gold).
    Must not change the model.  ``predict_proba`` maps them back to rows.

``_saved_attributes : tuple[str, ...]`` (class variable)
    Learned attributes written by ``save`` besides the base ones
    (``n_lfs_in_``, ``lf_names_in_``, ``cardinality_``, ``classes_``).
    Values may be numpy arrays, numbers, strings, lists, tuples, dicts.

``_added_attributes : dict[str, object]`` (class variable)
    Saved attributes added after a model file of this class could first be
    written, with the value that reproduces the older model's predictions
    (a file without them still loads).

Optionally ``_after_load(self) -> None`` to rebuild derived state after
``load``, and ``_params_from_json(cls, params) -> dict`` to convert decoded
params (JSON has no tuples inside lists unless they were tuples on save:
tuples do round-trip).

Subclasses join the load registry automatically (``__init_subclass__``), so
``load_label_model(path)`` rebuilds the right class from its name.

Helpers a subclass that overrides ``fit`` (e.g. an online model) may call,
kept stable: ``class_names_of(L)`` (from ``weaklabel._validation``: the class
names carried by L),
``self._resolve_cardinality(L_raw, L_valid, y, classes) -> int``,
``self._validate_for_predict(L, method) -> validated L`` (fitted check, column
count, LF names) and ``self._check_fitted(method)``.  ``argmax_ties`` is the
shared tie-breaking argmax.
"""

from __future__ import annotations

import inspect
import os
import warnings
import weakref
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from typing_extensions import Self

from weaklabel._validation import (
    as_generator,
    check_cardinality,
    check_gold,
    check_lf_names,
    check_votes,
    class_names_of,
    default_lf_names,
    lf_names_of,
)
from weaklabel._version import __version__
from weaklabel.exceptions import (
    ClassMismatchError,
    ModelFileError,
    NotFittedError,
    WeakLabelError,
    WeakLabelWarning,
    user_stacklevel,
)
from weaklabel.label_model import _serialize
from weaklabel.label_model._patterns import (
    Patterns,
    as_patterns,
    compress,
    worth_compressing,
)
from weaklabel.metrics import METRICS, score_predictions
from weaklabel.typing import ABSTAIN, RandomStateLike, VoteMatrixLike

__all__ = [
    "BaseLabelModel",
    "TieBreak",
    "argmax_ties",
    "convergence_change",
    "load_label_model",
    "match_class_names",
    "remap_votes",
]


def convergence_change(delta: float, tol: float) -> str:
    """How far EM was from converging, for a ``ConvergenceWarning`` message."""
    if not np.isfinite(delta):
        return "a single iteration measures no change"
    return f"last change in log-likelihood per row {delta:.3g} > tol={tol}"


TieBreak = Literal["random", "lowest", "abstain"]
_TIE_BREAKS = ("random", "lowest", "abstain")
_TIE_ATOL = 1e-10

_BASE_ATTRIBUTES = ("n_lfs_in_", "lf_names_in_", "cardinality_", "classes_")

# Models that already warned that their class names could not be compared
# with those of the votes (the warning is given once per model).
_WARNED_CLASSES: weakref.WeakSet[Any] = weakref.WeakSet()


def match_class_names(
    given: list[str] | None,
    fitted: list[str] | None,
    owner: str,
    *,
    what: str = "L",
) -> npt.NDArray[np.int64] | None:
    """How to map votes naming ``given`` classes onto a model's ``fitted`` ones.

    Returns None when nothing needs remapping (same names in the same order,
    or either side names no classes), else ``remap`` with ``remap[i]`` = the
    model's index of the votes' class ``i``.

    Raises
    ------
    ClassMismatchError
        The two lists do not name the same classes.

    Examples
    --------
    >>> match_class_names(["spam", "ham"], ["ham", "spam"], "LabelModel")
    array([1, 0])
    >>> match_class_names(["ham", "spam"], ["ham", "spam"], "LabelModel") is None
    True
    """
    if given is None or fitted is None or list(given) == list(fitted):
        return None
    if sorted(given) != sorted(fitted):
        missing = [c for c in fitted if c not in given]
        extra = [c for c in given if c not in fitted]
        raise ClassMismatchError(
            f"{what} names the classes {list(given)}, but {owner} was fitted on the"
            f" classes {list(fitted)} (missing from {what}: {missing}; unknown to"
            f" the model: {extra}). Apply the same LFs with the same class list,"
            " or refit the model on these votes."
        )
    position = {c: i for i, c in enumerate(fitted)}
    return np.array([position[c] for c in given], dtype=np.int64)


def remap_votes(Lv: Any, remap: npt.NDArray[np.int64]) -> Any:
    """Votes with every class index ``i`` replaced by ``remap[i]`` (abstains kept).

    ``Lv`` is validated votes (a dense signed-integer array or a CSR array of
    class indices); a new array of the same kind and dtype is returned.
    """
    if sp.issparse(Lv):
        out = Lv.copy()
        out.data = remap[out.data].astype(out.data.dtype)
        return out
    # One table look-up: index -1 (abstain) reads the table's last entry, -1.
    table = np.append(remap, ABSTAIN).astype(Lv.dtype)
    return table[Lv]


def _max_vote(L: Any) -> int:
    values = L.data if sp.issparse(L) else L
    return int(values.max()) if values.size else ABSTAIN


def _check_sample_weight(w: Any, n: int, owner: str) -> npt.NDArray[np.float64]:
    arr = np.asarray(w.to_numpy() if isinstance(w, pd.Series) else w)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"sample_weight for {owner} must be 1-D with one weight per row of L"
            f" ({n}); got shape {arr.shape}."
        )
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"sample_weight must be numeric; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"sample_weight must be finite and non-negative; got {arr[i]} at"
            f" position {i}."
        )
    if not arr.sum() > 0:
        raise ValueError("sample_weight sums to 0; at least one row must count.")
    return arr


def argmax_ties(
    proba: npt.NDArray[np.float64],
    tie_break: str,
    rng: np.random.Generator | None = None,
) -> npt.NDArray[np.int64]:
    """Argmax of each row, with ties (within 1e-10) broken by ``tie_break``.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, k)
    tie_break : {"random", "lowest", "abstain"}
        ``"random"`` picks uniformly among the tied classes using ``rng``;
        ``"lowest"`` the smallest class index; ``"abstain"`` returns -1.
    rng : numpy.random.Generator, default=None
        Needed for ``"random"``.

    Returns
    -------
    ndarray of shape (n_samples,), dtype int64

    Examples
    --------
    >>> import numpy as np
    >>> argmax_ties(np.array([[0.5, 0.5], [0.2, 0.8]]), "abstain")
    array([-1,  1])
    """
    if tie_break not in _TIE_BREAKS:
        raise ValueError(
            f"tie_break must be one of {_TIE_BREAKS}; got {tie_break!r} instead."
        )
    if proba.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    tied = proba >= proba.max(axis=1, keepdims=True) - _TIE_ATOL
    out: npt.NDArray[np.int64]
    if tie_break == "random":
        if rng is None:
            raise ValueError("tie_break='random' needs a random generator.")
        noise = rng.random(proba.shape)
        out = np.argmax(np.where(tied, noise, -1.0), axis=1).astype(np.int64)
    else:
        out = np.argmax(tied, axis=1).astype(np.int64)
        if tie_break == "abstain":
            out[tied.sum(axis=1) > 1] = ABSTAIN
    return out


class BaseLabelModel(BaseEstimator):
    """Base class of label models: shared validation, prediction, scoring, I/O.

    Not used directly: see :class:`~weaklabel.label_model.MajorityVote`,
    :class:`~weaklabel.label_model.DawidSkene` and
    :class:`~weaklabel.label_model.LabelModel`.

    Parameters
    ----------
    cardinality : int, default=None
        Number of classes k.  None infers it at fit time: from the class names
        of the vote matrix (``L.attrs["classes"]`` of a DataFrame, or
        ``L.classes``), else from the largest vote (and gold label) + 1, at
        least 2.
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the local generator used by ``fit`` and for random tie
        breaking in ``predict``.  None is the fixed seed 0, so results at the
        defaults are reproducible; pass a ``Generator`` for fresh draws on
        every call.  The global NumPy state is never touched.

    Attributes
    ----------
    n_lfs_in_ : int
        Number of labeling functions seen in ``fit``.
    lf_names_in_ : list of str
        Their names (DataFrame columns, ``L.lf_names``, else ``lf_0, lf_1, ...``).
    cardinality_ : int
        Number of classes used.
    classes_ : list of str or None
        Class names when the vote matrix carried them.
    class_prior_ : ndarray of shape (cardinality_,)
        Class balance.  The soft label of rows where every LF abstains, unless
        the model treats abstains as informative (``LabelModel`` does for
        one-sided LFs: silence from a spam rule is evidence for ham).
    """

    _saved_attributes: ClassVar[tuple[str, ...]] = ("class_prior_",)
    _added_attributes: ClassVar[dict[str, object]] = {}

    def __init__(
        self, cardinality: int | None = None, *, random_state: RandomStateLike = None
    ) -> None:
        self.cardinality = cardinality
        self.random_state = random_state

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _serialize.register(cls)

    # ----------------------------------------------------------------- hooks
    def _check_params(self) -> None:
        """Validate hyperparameters (subclasses extend)."""

    def _fit(
        self,
        L: npt.NDArray[np.signedinteger[Any]] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        rng: np.random.Generator,
    ) -> None:
        # Subclasses that support weights add ``sample_weight=None`` (optional).
        raise NotImplementedError

    def _predict_proba_patterns(self, patterns: Patterns) -> npt.NDArray[np.float64]:
        raise NotImplementedError

    def _after_load(self) -> None:
        """Rebuild derived state after ``load`` (subclasses may override)."""

    @classmethod
    def _params_from_json(cls, params: dict[str, Any]) -> dict[str, Any]:
        return params

    # ------------------------------------------------------------ internals
    def _record_input(
        self, L: Any, n_lfs: int, cardinality: int, classes: list[str] | None
    ) -> None:
        """Set the base learned attributes describing the fitted input."""
        names = lf_names_of(L)
        self.n_lfs_in_ = int(n_lfs)
        self.lf_names_in_ = (
            check_lf_names(names) if names is not None else default_lf_names(n_lfs)
        )
        self.cardinality_ = int(cardinality)
        self.classes_ = classes

    @property
    def _name(self) -> str:
        return type(self).__name__

    def __sklearn_is_fitted__(self) -> bool:
        return all(
            hasattr(self, a) for a in (*_BASE_ATTRIBUTES, *self._saved_attributes)
        )

    def _check_fitted(self, method: str) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {self._name} instance is not fitted yet. Call 'fit' before"
                f" '{method}'."
            )

    def _resolve_cardinality(
        self, L_raw: Any, L: Any, y: Any, classes: list[str] | None
    ) -> int:
        """Number of classes from the parameter, the class names, or the votes.

        ``L_raw`` is the input as given (kept for subclasses' calls; the class
        names come in ``classes``), ``L`` the validated votes.
        """
        del L_raw
        k: int | None = None
        if self.cardinality is not None:
            k = check_cardinality(self.cardinality, self._name)
        if classes is not None:
            if k is None:
                k = check_cardinality(len(classes), self._name)
            elif k != len(classes):
                raise ValueError(
                    f"cardinality={k} but the vote matrix names {len(classes)} classes"
                    f" {classes}; pass cardinality={len(classes)} or None."
                )
        hi = _max_vote(L)
        if k is None:
            gold = None if y is None else np.asarray(y)
            if gold is not None and gold.size and gold.dtype.kind in "iu":
                hi = max(hi, int(gold.max()))  # other dtypes: check_gold explains
            k = max(2, hi + 1)
        elif hi >= k:
            raise ValueError(
                f"L for {self._name} contains the vote {hi}, but cardinality is {k};"
                f" expected integers in {{-1 (ABSTAIN), 0, ..., {k - 1}}}. Check"
                " cardinality or the LF outputs."
            )
        return k

    def _check_class_names(self, L: Any) -> npt.NDArray[np.int64] | None:
        """Compare the class names of ``L`` with ``classes_`` (see
        :func:`match_class_names`); warn once when only one side has names."""
        given = class_names_of(L)
        fitted = getattr(self, "classes_", None)
        fitted = None if fitted is None else [str(c) for c in fitted]
        return match_class_names(given, fitted, self._name)

    def _warn_unmatched_classes(self, L: Any) -> None:
        given = class_names_of(L)
        fitted = getattr(self, "classes_", None)
        fitted = None if fitted is None else [str(c) for c in fitted]
        if (given is None) != (fitted is None) and self not in _WARNED_CLASSES:
            _WARNED_CLASSES.add(self)
            if fitted is not None:
                what = (
                    f"{self._name} was fitted on the classes {fitted}, but L"
                    " (a plain array) names none"
                )
            else:
                what = (
                    f"L names the classes {given}, but {self._name} was fitted on"
                    " votes that named none"
                )
            warnings.warn(
                f"{what}, so the class order cannot be checked: the votes are read"
                " as class indices in the model's order. Pass the votes as a"
                " DataFrame with attrs['classes'] (as LFRegistry.apply and"
                " read_votes return them) to have them matched by name. (Said"
                " once per model.)",
                WeakLabelWarning,
                stacklevel=user_stacklevel(),
            )

    def _validate_for_predict(self, L: Any, method: str) -> Any:
        self._check_fitted(method)
        remap = self._check_class_names(L)
        Lv = check_votes(
            L,
            cardinality=self.cardinality_,
            n_lfs=self.n_lfs_in_,
            owner=self._name,
            accept_sparse=True,
            compact=True,
        )
        names = lf_names_of(L)
        fitted = self.lf_names_in_
        default = default_lf_names(self.n_lfs_in_)
        if names is not None and fitted != default and list(names) != fitted:
            j = next(
                j for j, (a, b) in enumerate(zip(names, fitted, strict=False)) if a != b
            )
            raise ValueError(
                f"L's LF names differ from those seen when {self._name} was fitted:"
                f" column {j} is {names[j]!r} instead of {fitted[j]!r}. Pass the same"
                " LFs, in the same order."
            )
        if remap is not None:
            # The same classes in another order: votes are matched by name.
            Lv = remap_votes(Lv, remap)
        self._warn_unmatched_classes(L)
        return Lv

    def _check_output(self, proba: npt.NDArray[np.float64]) -> None:
        """Refuse soft labels with NaN or infinity (a last line of defence
        behind the checks of ``fit`` and of model files).

        One reduction over the distinct patterns' rows: every model builds
        its rows normalized, so a non-finite total is the failure to catch.
        """
        bad = proba.ndim != 2 or proba.shape[1] != self.cardinality_
        if not bad and proba.size:
            bad = not np.isfinite(np.add.reduce(proba, axis=None))
        if bad:
            raise WeakLabelError(
                f"{self._name} computed soft labels that are not probabilities"
                " (NaN or infinite) with its learned attributes; they are"
                " inconsistent (a model file edited by hand?). Refit the model."
            )

    # ---------------------------------------------------------------- public
    def fit(
        self,
        L: VoteMatrixLike,
        y: npt.ArrayLike | None = None,
        *,
        sample_weight: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit the label model on a vote matrix.

        Parameters
        ----------
        L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
            Votes in {-1 (ABSTAIN), 0, ..., k-1}.  Sparse input stores
            ``vote + 1`` (see :data:`weaklabel.typing.VoteMatrixLike`).
        y : array-like of shape (n_samples,), default=None
            Optional gold labels, -1 where unknown.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights (e.g. the counts of a table of distinct
            vote patterns); a weight of 2 counts a row twice.

        Returns
        -------
        self
            The fitted model.
        """
        self._check_params()
        rng = as_generator(self.random_state)
        Lv = check_votes(L, owner=self._name, accept_sparse=True, compact=True)
        classes = class_names_of(L)
        k = self._resolve_cardinality(L, Lv, y, classes)
        n, m = Lv.shape
        gold = None if y is None else check_gold(y, n, k)
        weight = None
        if sample_weight is not None:
            weight = _check_sample_weight(sample_weight, n, self._name)
            if "sample_weight" not in inspect.signature(self._fit).parameters:
                raise TypeError(
                    f"{self._name} does not support sample_weight; fit it on the"
                    " rows themselves."
                )
        self._record_input(L, m, k, classes)
        try:
            if weight is None:
                self._fit(Lv, gold, rng)
            else:
                fit_weighted: Any = self._fit  # the optional argument is opt-in
                fit_weighted(Lv, gold, rng, sample_weight=weight)
        except BaseException:
            # A failed fit leaves the model unfitted, not half fitted.
            for name in set(_BASE_ATTRIBUTES) | set(self._saved_attributes):
                self.__dict__.pop(name, None)
            raise
        return self

    def predict_proba(self, L: VoteMatrixLike) -> npt.NDArray[np.float64]:
        """Return the probability of every class for every row.

        Parameters
        ----------
        L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
            Votes, with the LFs seen in ``fit`` in the same order.  Votes that
            name their classes (``L.attrs["classes"]``) are matched to
            ``classes_`` by name: the same classes in another order are
            reordered, other names raise :class:`ClassMismatchError`; when
            only one side names its classes a ``WeakLabelWarning`` says so,
            once per model.

        Returns
        -------
        ndarray of shape (n_samples, cardinality_), dtype float64
            Rows sum to 1.
        """
        Lv = self._validate_for_predict(L, "predict_proba")
        # Predictions are computed row by row, so whether the rows are first
        # compressed to patterns changes only the time, never the result.
        patterns = compress(Lv) if worth_compressing(Lv) else as_patterns(Lv)
        proba = np.asarray(self._predict_proba_patterns(patterns), dtype=np.float64)
        self._check_output(proba)
        if patterns.n_patterns == patterns.n_samples and proba.flags.owndata:
            # Every row distinct: the patterns are the rows, in order (compress
            # keeps first-appearance order), so the mapping is the identity.
            return proba
        return proba[patterns.inverse]

    def predict(
        self, L: VoteMatrixLike, *, tie_break: TieBreak = "random"
    ) -> npt.NDArray[np.int64]:
        """Return the most probable class of every row.

        Parameters
        ----------
        L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
            Votes.
        tie_break : {"random", "lowest", "abstain"}, default="random"
            How to break ties between equally probable classes: uniformly at
            random (reproducible through ``random_state``), the lowest class
            index, or -1 (ABSTAIN).

        Returns
        -------
        ndarray of shape (n_samples,), dtype int64
        """
        if tie_break not in _TIE_BREAKS:
            raise ValueError(
                f"tie_break must be one of {_TIE_BREAKS}; got {tie_break!r} instead."
            )
        self._check_fitted("predict")
        proba = self.predict_proba(L)
        rng = as_generator(self.random_state) if tie_break == "random" else None
        return argmax_ties(proba, tie_break, rng)

    def score(
        self,
        L: VoteMatrixLike,
        y: npt.ArrayLike,
        *,
        metric: str = "accuracy",
        tie_break: TieBreak = "random",
    ) -> float:
        """Score the predictions against gold labels.

        Parameters
        ----------
        L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
            Votes.
        y : array-like of shape (n_samples,)
            Gold labels; rows with -1 (unknown) are ignored.  Class indices
            in the order of L's class names when L names its classes.
        metric : {"accuracy", "f1", "f1_macro", "f1_micro"}, default="accuracy"
            ``"f1"`` is the F1 of class 1 (binary tasks only).
        tie_break : {"random", "lowest", "abstain"}, default="random"
            As in :meth:`predict`; an abstained prediction counts as wrong.

        Returns
        -------
        float
        """
        if metric not in METRICS:
            raise ValueError(
                f"metric must be one of {sorted(METRICS)}; got {metric!r} instead."
            )
        self._check_fitted("score")
        pred = self.predict(L, tie_break=tie_break)
        gold = check_gold(y, pred.shape[0], self.cardinality_)
        remap = self._check_class_names(L)
        if remap is not None:
            # y indexes L's classes, like its votes: read it in the model's order
            gold = np.where(gold >= 0, remap[np.maximum(gold, 0)], gold)
        known = gold >= 0
        if not known.any():
            raise ValueError(
                "y has no known labels (all -1); score needs at least one gold label."
            )
        return score_predictions(
            gold[known], pred[known], metric=metric, cardinality=self.cardinality_
        )

    # ------------------------------------------------------------------- I/O
    def _to_document(self) -> dict[str, Any]:
        fitted = self.__sklearn_is_fitted__()
        attributes = None
        if fitted:
            names = _BASE_ATTRIBUTES + tuple(
                a for a in self._saved_attributes if a not in _BASE_ATTRIBUTES
            )
            attributes = {a: _serialize.encode(getattr(self, a)) for a in names}
        return {
            "format": _serialize.FORMAT,
            "format_version": _serialize.FORMAT_VERSION,
            "class": _serialize.registry_key(type(self)),
            "weaklabel_version": __version__,
            "params": _serialize.encode(self.get_params(deep=False)),
            "attributes": attributes,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the model (parameters and learned attributes) as JSON or npz.

        A path ending in ``.npz`` gets a NumPy archive: the arrays in binary
        (smaller and faster to read for large tables), the rest as a JSON
        document inside; any other path gets one JSON document.  Both load
        with :meth:`load` without pickle, bit for bit.  The write is atomic
        (a temporary file renamed over ``path``).  A
        ``numpy.random.Generator`` ``random_state`` is saved as None.

        Parameters
        ----------
        path : str or path-like
            Destination file: ``*.json`` (or any other suffix) or ``*.npz``.
        """
        _serialize.write_model_document(path, self._to_document())

    @classmethod
    def _from_document(cls, doc: dict[str, Any], source: str) -> BaseLabelModel:
        """Rebuild a model from a checked document (see ``_serialize``); every
        problem is a :class:`ModelFileError` naming ``source``."""
        try:
            target = _serialize.lookup(doc["class"])
        except ValueError as exc:
            raise ModelFileError(
                f"{source!r}: {exc}", path=source, attribute="class"
            ) from None
        if not (isinstance(target, type) and issubclass(target, BaseLabelModel)):
            raise ModelFileError(
                f"{source!r} names {doc['class']!r}, not a label model.",
                path=source,
                attribute="class",
            )
        params = target._params_from_json(
            _serialize.decode(doc["params"], source, "params")
        )
        valid = set(target._get_param_names())
        unknown = sorted(set(params) - valid)
        if unknown:
            raise ModelFileError(
                f"{source!r} has parameters {unknown} that {target.__name__} does not"
                " accept; it was saved by another weaklabel version.",
                path=source,
                attribute="params",
            )
        model = target(**params)
        try:
            model._check_params()
            as_generator(model.random_state)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{source!r} is not a valid model file (attribute 'params'): {exc}",
                path=source,
                attribute="params",
            ) from None
        attributes = doc["attributes"]
        if attributes is not None:
            needed = _BASE_ATTRIBUTES + tuple(target._saved_attributes)
            added = {
                a: v for a, v in target._added_attributes.items() if a not in attributes
            }
            missing = [a for a in needed if a not in attributes and a not in added]
            if missing:
                raise ModelFileError(
                    f"{source!r} is missing the learned attributes {missing}; it"
                    " was saved by another weaklabel version. Refit the model"
                    " with this version and save it again.",
                    path=source,
                    attribute=missing[0],
                )
            values = {
                name: _serialize.decode(attributes[name], source, name)
                for name in needed
                if name not in added
            }
            values.update(added)
            _serialize.check_learned(values, source)
            for name, value in values.items():
                setattr(model, name, value)
            model._after_load()
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Load a model saved with :meth:`save`.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        BaseLabelModel
            An instance of the saved class, which must be ``cls`` or a subclass.
        """
        doc = _serialize.read_model_document(path)
        model = cls._from_document(doc, str(path))
        if not isinstance(model, cls):
            raise TypeError(
                f"{str(path)!r} holds a {type(model).__name__}, not a {cls.__name__};"
                " use weaklabel.label_model.load_label_model to load any model."
            )
        return model


def load_label_model(path: str | os.PathLike[str]) -> BaseLabelModel:
    """Load any label model saved with ``model.save(path)``.

    Parameters
    ----------
    path : str or path-like
        A JSON or npz file written by :meth:`BaseLabelModel.save`.

    Returns
    -------
    BaseLabelModel
        A model of the saved class, with its parameters and learned attributes.

    Raises
    ------
    ModelFileError
        The file is not a weaklabel model file, names an unknown class, or
        holds a learned attribute that is not what a fitted model saves (the
        message names the file and the attribute).  A ``ValueError`` too.
    """
    doc = _serialize.read_model_document(path)
    return BaseLabelModel._from_document(doc, str(path))
