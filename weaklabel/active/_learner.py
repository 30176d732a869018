"""ActiveLearner: which rows to hand-label next, and the labels that use the answers."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, clone

from weaklabel._validation import as_generator, check_votes
from weaklabel.active import _guard, _scores
from weaklabel.exceptions import NotFittedError, unconverged_fits_unwarned

__all__ = ["STRATEGIES", "ActiveLearner", "suggest"]

Strategy = Literal[
    "auto",
    "expected_error",
    "entropy",
    "margin",
    "disagreement",
    "end_model",
    "random",
]
#: The strategies, "auto" first.  "auto" is the strategy with the best mean at
#: 100 and 200 labels in benchmarks/results/bench_active.md ("disagreement"; see
#: docs/human_in_the_loop.md).
STRATEGIES: tuple[str, ...] = (
    "auto",
    "expected_error",
    "entropy",
    "margin",
    "disagreement",
    "end_model",
    "random",
)
AUTO_STRATEGY = "disagreement"
# A cross-validated gold weight is reused until the gold grows by this factor.
_REUSE_GROWTH = 1.5
# The gold weight is chosen on a weighted subsample of about this many rows
# (LabelModel's max_fit_rows) when the votes have more than _SUBSAMPLE_ABOVE
# rows: there LabelModel alone cross-validates on every s-th row of 32768
# already.  Below, sparse LFs (crowd workers) lose too many votes to a
# subsample: on crowd_trec (19k items x 762 workers) the weight chosen on 8192
# rows hurt at 500 labels (0.732 vs 0.751 on the rows not labeled).
_CV_ROWS = 8192
_SUBSAMPLE_ABOVE = 65536
# Fewer gold rows cannot show that the gold helps: no refit (as gold_weight="auto").
_MIN_CHECK_ROWS = 10
# refit="auto": the label model's own gold weight must beat the fit without
# gold by this many standard errors on the re-weighted held-out gold rows
# (plain semi-supervised EM, weight 1, by _Z_PLAIN): with gold picked by a
# strategy, one standard error let a heavy weight lose an item on crowd_dog.
_Z_WEIGHTED = 2.0
_Z_PLAIN = 1.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _default_model() -> Any:
    from weaklabel.label_model import LabelModel

    return LabelModel(random_state=0)


class ActiveLearner(BaseEstimator):
    """Pick the rows whose hand labels would improve the labels most; use the answers.

    ``fit(L, y)`` fits the label model with the gold rows known so far
    (semi-supervised: ``model.fit(L, y)`` with -1 = unknown) and combines its
    posteriors with the gold: a gold row's own label is final, and the other
    rows of its vote pattern move toward the gold labels seen there (the
    model's posterior of the pattern counts as ``prior_strength`` labelled
    rows).  ``suggest(n)`` then ranks the unlabeled rows.

    Parameters
    ----------
    model : label model, default=None
        An unfitted label model (cloned before each fit); None uses
        ``LabelModel(random_state=0)``.
    strategy : str, default="auto"
        ``"expected_error"``: the expected number of errors one more label in
        a row's vote pattern removes (that row, plus the pattern's other
        unlabeled rows through the updated pattern posterior), as in Active
        WeaSuL; ``"entropy"`` / ``"margin"``: the label model's uncertainty;
        ``"disagreement"``: the entropy of the LFs' votes; ``"end_model"``:
        the uncertainty of a logistic regression trained on ``features`` with
        the current labels (needs ``features``); ``"random"``.  The
        uncertainty scores are weighted by ``1 + log(rows)`` of the pattern,
        since a pattern shared by many rows is worth more than a unique one.
        ``"auto"`` is the strategy that did best in the benchmark
        (``"disagreement"``).
    refit : {"auto", "always", "never"}, default="auto"
        Whether the labels come from the model refitted with the gold
        (semi-supervised) or from the model fitted without it.  Gold rows
        picked by an active strategy are not a random sample, and a
        semi-supervised fit on them can be far worse than the fit without
        gold on the rows nobody labeled (docs/human_in_the_loop.md).  "auto"
        guards the refit: rows are grouped into kinds that do not depend on
        the gold (the no-gold model's class and confidence band, how many LFs
        voted, whether they conflict); the label model's own gold weight and
        plain semi-supervised EM (weight 1) are cross-validated over folds of
        the gold rows and compared with the fit without gold on the held-out
        rows, each gold row weighted by the rows of its kind it stands for;
        the first is kept when it wins by two standard errors (and by at
        least as much as weight 1), the second when it wins by one, else there
        is no refit.  Rows of a kind without gold keep the posterior of the
        fit without gold.  "always": the label model's own fit with the gold
        (``gold_weight="auto"`` cross-validates on the gold rows as they are)
        on every row.
    prior_strength : float, default=5.0
        How many gold rows the label model's posterior of a vote pattern is
        worth when gold labels of that pattern are known; ``np.inf`` ignores
        gold beyond the refit (only gold rows themselves change).
    diversity : {"auto", "patterns", "kcenter", "none"}, default="auto"
        How a batch is kept from being many copies of one pattern.
        ``"patterns"``: each further pick from a pattern counts less (its
        score is recomputed as if the earlier picks were labelled);
        ``"kcenter"``: k-center greedy on ``features`` among the best ``4 n``
        candidates; "auto": "kcenter" when features are given, else
        "patterns".
    random_state : int, numpy.random.Generator or None, default=None
        Seed for picking among equal rows and for ``"random"``; the global
        NumPy state is never touched (None is the fixed seed 0).

    Attributes
    ----------
    model_ : label model
        The label model the labels come from (see ``refit``).  With
        ``gold_weight="auto"`` its ``gold_weight`` may be a number: the
        weight cross-validated in an earlier round, reused until the gold
        grows by half, or chosen on a subsample of more than 65,536 rows
        (docs/human_in_the_loop.md, "Speed").
    refitted_ : bool
        Whether ``model_`` is the fit with gold.  With ``refit="auto"`` its
        posterior is used only on rows of kinds that have gold.
    refit_check_ : dict or None
        ``refit="auto"``'s check: ``n_gold`` (when it was made; ``reused``
        while the gold has grown by less than half), each candidate's
        re-weighted held-out ``gain`` over the fit without gold (in Brier
        score) and its standard error ``se``, the ``chosen`` candidate
        ("label_model", 1.0, "given" for a model without ``gold_weight``, or
        None), ``covered``, the share of rows whose kind has gold, and
        ``unconverged_fold_fits``, how many of the check's cross-validation
        fits stopped at ``max_iter`` (they are thrown away, so they raise no
        ``ConvergenceWarning``; ``model_``'s own fit does).  None without gold
        or with ``refit`` other than "auto".
    proba_ : ndarray of shape (n_samples, k)
        Labels of every row: gold rows one-hot, the others the pattern
        posterior updated with the gold.
    model_proba_ : ndarray of shape (n_samples, k)
        The label model's posterior: that of ``model_``, except on rows that
        ``refit="auto"`` leaves to the fit without gold.
    gold_ : ndarray of shape (n_samples,)
        The gold labels given to ``fit`` (-1 = unknown).
    pattern_ : ndarray of shape (n_samples,)
        Vote-pattern index of every row.
    n_samples_ : int
        Rows seen in ``fit``.

    Examples
    --------
    >>> from weaklabel import make_votes
    >>> data = make_votes(1000, 6, random_state=0)
    >>> y = np.full(1000, -1)
    >>> learner = ActiveLearner(random_state=0).fit(data.L, y)
    >>> rows = learner.suggest(25)
    >>> y[rows] = data.y[rows]                       # the expert's answers
    >>> proba = learner.fit(data.L, y).proba_
    >>> bool((proba[rows].argmax(axis=1) == data.y[rows]).all())
    True
    """

    def __init__(
        self,
        model: Any = None,
        *,
        strategy: Strategy = "auto",
        prior_strength: float = 5.0,
        refit: Literal["auto", "always", "never"] = "auto",
        diversity: Literal["auto", "patterns", "kcenter", "none"] = "auto",
        random_state: Any = None,
    ) -> None:
        self.model = model
        self.strategy = strategy
        self.prior_strength = prior_strength
        self.refit = refit
        self.diversity = diversity
        self.random_state = random_state

    # --------------------------------------------------------------- fit
    def _check_params(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(
                f"ActiveLearner's strategy must be one of {list(STRATEGIES)}; got"
                f" {self.strategy!r}."
            )
        if self.refit not in ("auto", "always", "never"):
            raise ValueError(
                "ActiveLearner's refit must be 'auto', 'always' or 'never'; got"
                f" {self.refit!r}."
            )
        if self.diversity not in ("auto", "patterns", "kcenter", "none"):
            raise ValueError(
                "ActiveLearner's diversity must be 'auto', 'patterns', 'kcenter' or"
                f" 'none'; got {self.diversity!r}."
            )
        s = self.prior_strength
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not s > 0:
            raise ValueError(
                "ActiveLearner's prior_strength must be a positive number (np.inf"
                f" to ignore the gold beyond the refit); got {s!r}."
            )

    def fit(
        self,
        L: Any,
        y: npt.ArrayLike | None = None,
        *,
        features: Any = None,
    ) -> ActiveLearner:
        """Fit the label model with the gold known so far, and the labels.

        Parameters
        ----------
        L : array-like, DataFrame or scipy.sparse of shape (n_samples, n_lfs)
            Votes, -1 = abstain.
        y : array-like of shape (n_samples,), default=None
            Gold class indices, -1 where unknown.
        features : array-like of shape (n_samples, n_features), default=None
            Row features for ``strategy="end_model"`` and k-center diversity.

        Returns
        -------
        self
        """
        from weaklabel._validation import check_gold

        self._check_params()
        V = check_votes(L, owner="ActiveLearner", accept_sparse=True, compact=True)
        n = V.shape[0]
        import scipy.sparse as sp

        features_in = (
            None
            if features is None
            else features
            if sp.issparse(features)
            else np.asarray(features)
        )
        if features_in is not None and features_in.shape[0] != n:
            raise ValueError(
                f"features has {features_in.shape[0]} rows but L has {n}; give one"
                " feature row per vote row."
            )
        template = _default_model() if self.model is None else self.model
        gold = None
        if y is not None:
            y_arr = np.asarray(y)
            if y_arr.shape != (n,):
                raise ValueError(
                    f"y has shape {y_arr.shape} but L has {n} rows; give one gold"
                    " label per row, -1 where unknown."
                )
            if (y_arr >= 0).any():
                gold = y_arr
        base = self._fit_without_gold(template, L, V)
        k = int(base.cardinality_)
        self.gold_ = (
            np.full(n, -1, dtype=np.int64) if gold is None else check_gold(gold, n, k)
        )
        base_proba = self._base_proba_
        from weaklabel.label_model._patterns import compress

        patterns = compress(V)
        self.pattern_ = np.asarray(patterns.inverse, dtype=np.int64)
        n_patterns = patterns.n_patterns
        self._pattern_votes = np.asarray(patterns.vote_counts(k), dtype=np.float64)
        first = np.zeros(n_patterns, dtype=np.int64)
        first[self.pattern_[::-1]] = np.arange(n)[::-1]
        model, proba, refitted = base, base_proba, False
        self.refit_check_: dict[str, Any] | None = None
        if gold is not None and self.refit == "always":
            with_gold = self._fit_with_gold(template, L, gold)
            if with_gold is not None:
                proba = np.asarray(with_gold.predict_proba(L), dtype=np.float64)
                model, refitted = with_gold, True
        elif gold is not None and self.refit == "auto":
            kind = _guard.kinds(base_proba[first], self._pattern_votes)[self.pattern_]
            model, proba, refitted = self._guarded_refit(template, L, V, kind)
        self.model_ = model
        self.model_proba_ = proba
        self.refitted_ = refitted
        self._Q_model = self.model_proba_[first]
        has = self.gold_ >= 0
        self._gold_counts = np.zeros((n_patterns, k))
        np.add.at(self._gold_counts, (self.pattern_[has], self.gold_[has]), 1.0)
        self._Q = _scores.corrected_posterior(
            self._Q_model, self._gold_counts, float(self.prior_strength)
        )
        proba = self._Q[self.pattern_]
        proba[has] = np.eye(k)[self.gold_[has]]
        self.proba_ = proba
        self.n_samples_ = n
        self._features = features_in
        return self

    def _fit_without_gold(self, template: Any, L: Any, V: Any) -> Any:
        """The fit without gold, reused while the votes and the model stay the same."""
        import hashlib

        import scipy.sparse as sp

        digest = hashlib.blake2b(digest_size=16)
        if sp.issparse(V):
            for part in (V.data, V.indices, V.indptr):
                digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(np.ascontiguousarray(V).tobytes())
        digest.update(repr((V.shape, template.get_params(deep=False))).encode())
        key = digest.hexdigest()
        cached = getattr(self, "_base_cache", None)
        if cached is not None and cached[0] == key:
            self._base_proba_ = cached[2]
            return cached[1]
        base = clone(template).fit(L)
        self._base_proba_ = np.asarray(base.predict_proba(L), dtype=np.float64)
        self._base_cache = (key, base, self._base_proba_)
        return base

    def _guarded_refit(
        self, template: Any, L: Any, V: Any, kind: IntArray
    ) -> tuple[Any, FloatArray, bool]:
        """refit="auto": the fit with gold where a held-out, re-weighted check allows.

        Candidates: the label model's own choice (``gold_weight="auto"``,
        cross-validated on the gold rows; see :meth:`_fit_with_gold`) and
        plain semi-supervised EM (gold weight 1).  Each is cross-validated over
        ``_guard.N_FOLDS`` folds of the gold rows and compared with the fit
        without gold on the held-out rows, each gold row weighted by the rows
        of its kind it stands for and every class given the same total
        (``_guard``).  The label model's choice is kept when it gains more than
        ``_Z_WEIGHTED`` standard errors and at least as much as weight 1;
        weight 1 when it gains more than ``_Z_PLAIN``; else no refit.  Rows of
        a kind without gold keep the fit without gold's posterior.  The choice
        is reused, like the weight, until the gold grows by half.
        """
        gold = self.gold_
        base, base_proba = self._base_cache[1], self._base_proba_
        rows = np.flatnonzero(gold >= 0)
        weights, covered = _guard.kind_weights(kind, gold)
        weights = _guard.class_balanced(weights, gold[rows])
        params = template.get_params(deep=False)
        weighted = "gold_weight" in params and params["gold_weight"] == "auto"
        key = self._base_cache[0]
        cache = getattr(self, "_check_cache", None)
        if (
            cache is not None
            and cache[0] == key
            and rows.size < _REUSE_GROWTH * cache[1]
        ):
            choice, check = cache[2], dict(cache[3], reused=True)
        else:
            choice, check = self._check_candidates(template, L, V, rows, weights)
            self._check_cache = (key, int(rows.size), choice, check)
        check["covered"] = float(covered.mean())
        self.refit_check_ = check
        checked = self.__dict__.pop("_checked_fit", None)  # this call's, if any
        if choice is None:
            return base, base_proba, False
        if choice == "label_model":
            model = checked
            if model is None:
                model = self._fit_with_gold(template, L, gold)
            if model is None:
                return base, base_proba, False
        elif weighted:
            model = clone(template).set_params(gold_weight=float(choice)).fit(L, gold)
        else:
            model = clone(template).fit(L, gold)
        proba = np.asarray(model.predict_proba(L), dtype=np.float64)
        proba = np.where(covered[:, None], proba, base_proba)
        return model, proba, True

    def _check_candidates(
        self,
        template: Any,
        L: Any,
        V: Any,
        rows: IntArray,
        weights: FloatArray,
    ) -> tuple[str | float | None, dict[str, Any]]:
        """Cross-validate the candidate fits with gold against the fit without it."""
        import scipy.sparse as sp

        from weaklabel.label_model._gold import gold_score

        gold = self.gold_
        y_gold = gold[rows]
        check: dict[str, Any] = {"n_gold": int(rows.size), "gains": {}}
        if rows.size < _MIN_CHECK_ROWS:
            check["chosen"] = None
            return None, check
        params = template.get_params(deep=False)
        weighted = "gold_weight" in params and params["gold_weight"] == "auto"
        candidates: dict[str | float, float | None] = {}
        if weighted:
            first = self._fit_with_gold(template, L, gold)
            self._checked_fit = first
            chosen = None if first is None else getattr(first, "gold_weight_", None)
            if chosen is not None and float(chosen) not in (0.0, 1.0):
                candidates["label_model"] = float(chosen)
            candidates[1.0] = 1.0
        else:
            candidates["given"] = None
        subsample = (
            "max_fit_rows" in params
            and not params.get("learn_structure", False)
            and V.shape[0] > max(_SUBSAMPLE_ABOVE, 2 * _CV_ROWS)
            and (
                params["max_fit_rows"] is None or int(params["max_fit_rows"]) > _CV_ROWS
            )
        )
        if sp.issparse(V):  # back to the public convention: vote + 1 stored
            V = sp.csr_array((V.data + 1, V.indices, V.indptr), shape=V.shape)
        V_gold = V[rows]
        baseline = gold_score(self._base_proba_[rows], y_gold)
        fold = _guard.pattern_folds(self.pattern_[rows], _guard.N_FOLDS)
        gains: dict[str | float, tuple[float, float]] = {}
        unconverged = 0
        for name, w in candidates.items():  # loop over candidates (two)
            held_out = np.empty(rows.size)
            for f in range(_guard.N_FOLDS):  # loop over folds (few)
                hidden = fold == f
                if not hidden.any():
                    continue
                y_fold = gold.copy()
                y_fold[rows[hidden]] = -1
                model = clone(template)
                if params.get("cardinality", 0) is None:  # as in the fit on L
                    model.set_params(cardinality=self._base_proba_.shape[1])
                if w is not None:
                    # a weight other than 1 keeps its share of the gold shown
                    shown = float((~hidden).sum())
                    w_fold = w if w == 1.0 else w * rows.size / max(shown, 1.0)
                    model.set_params(gold_weight=w_fold)
                if subsample:
                    model.set_params(max_fit_rows=_CV_ROWS)
                with unconverged_fits_unwarned():
                    # a fold's fit is thrown away: counted, not warned about
                    model.fit(V, y_fold)
                unconverged += getattr(model, "converged_", True) is False
                held_out[hidden] = gold_score(
                    np.asarray(model.predict_proba(V_gold[hidden]), dtype=np.float64),
                    y_gold[hidden],
                )
            gains[name] = _guard.gain(held_out, baseline, weights)
        check["gains"] = {
            str(name): {"gain": g, "se": se} for name, (g, se) in gains.items()
        }
        check["unconverged_fold_fits"] = unconverged
        choice: str | float | None = None
        if "label_model" in gains:
            g, se = gains["label_model"]
            if g > _Z_WEIGHTED * se and g >= gains[1.0][0]:
                choice = "label_model"
        if choice is None:
            name = 1.0 if 1.0 in gains else "given"
            if gains[name][0] > _Z_PLAIN * gains[name][1]:
                choice = name
        check["chosen"] = choice
        return choice, check

    def _fit_with_gold(self, template: Any, L: Any, gold: Any) -> Any | None:
        """The semi-supervised refit; a learned gold weight is reused a while.

        ``LabelModel(gold_weight="auto")`` cross-validates the gold rows'
        weight (about 20 fits).  In a labeling loop the gold grows by a batch
        per round, so the weight it chose is reused (passed as a number) until
        the gold has grown by half (``_REUSE_GROWTH``) since it was chosen;
        only then is it chosen again, so it is chosen about
        ``log(n_gold) / log(1.5)`` times in all.  On more than
        ``_SUBSAMPLE_ABOVE`` rows the weight is chosen on a weighted subsample
        (every s-th unlabeled row, weighted s, and every gold row: the
        label model's own ``max_fit_rows`` subsample, so a weight means the
        same on it as on all rows) and the refit on all rows uses it as a
        number.  This keeps every round interactive on large data.  Returns
        None when the weight is 0 on a reused or subsampled choice (the fit
        would be the one without gold).
        """
        model = clone(template)
        gold_arr = np.asarray(gold)
        n_gold = int((gold_arr >= 0).sum())
        params = model.get_params(deep=False)
        if params.get("gold_weight") != "auto":
            return model.fit(L, gold)
        cache = getattr(self, "_weight_cache", None)
        key = self._base_cache[0]
        if cache is not None and cache[0] == key and n_gold < _REUSE_GROWTH * cache[1]:
            if cache[2] == 0.0:  # the gold was left out: that is the base fit
                return None
            return model.set_params(gold_weight=cache[2]).fit(L, gold)
        cap = params.get("max_fit_rows")
        subsample = (
            "max_fit_rows" in params
            and not params.get("learn_structure", False)
            and gold_arr.shape[0] > max(_SUBSAMPLE_ABOVE, 2 * _CV_ROWS)
            and (cap is None or int(cap) > _CV_ROWS)
        )
        if subsample:
            model.set_params(max_fit_rows=_CV_ROWS)
        model.fit(L, gold)
        weight = getattr(model, "gold_weight_", None)
        if weight is None:
            return clone(template).fit(L, gold) if subsample else model
        self._weight_cache = (key, n_gold, float(weight))
        if not subsample:
            return model
        if float(weight) == 0.0:
            return None
        return clone(template).set_params(gold_weight=float(weight)).fit(L, gold)

    # ----------------------------------------------------------- suggest
    def _check_fitted(self) -> None:
        if not hasattr(self, "proba_"):
            raise NotFittedError(
                "This ActiveLearner is not fitted yet; call fit(L, y) first."
            )

    def _end_model_scores(self) -> FloatArray:
        from sklearn.linear_model import LogisticRegression

        X = self._features
        if X is None:
            raise ValueError(
                "strategy='end_model' needs features: fit(L, y, features=X) with one"
                " feature row per vote row."
            )
        target = self.proba_.argmax(axis=1)
        weight = self.proba_.max(axis=1)
        if np.unique(target).size < 2:
            return _scores.entropy(self.proba_)
        clf = LogisticRegression(max_iter=200)
        clf.fit(X, target, sample_weight=weight)
        P = np.zeros_like(self.proba_)
        P[:, clf.classes_] = clf.predict_proba(X)
        return _scores.entropy(P)

    def scores(self, candidates: npt.ArrayLike | None = None) -> FloatArray:
        """The strategy's score of every row (higher = label it sooner).

        Gold rows and rows outside ``candidates`` score ``-inf``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        self._check_fitted()
        strategy = AUTO_STRATEGY if self.strategy == "auto" else self.strategy
        open_rows = self._open_rows(candidates)
        n_open = np.bincount(
            self.pattern_[open_rows], minlength=self._Q.shape[0]
        ).astype(np.float64)
        weight = 1.0 + np.log(np.maximum(n_open, 1.0))
        if strategy == "expected_error":
            per_pattern = _scores.expected_error_gain(
                self._Q,
                self._gold_counts.sum(axis=1),
                n_open,
                float(self.prior_strength),
            )
            row = per_pattern[self.pattern_]
        elif strategy == "entropy":
            row = (_scores.entropy(self._Q) * weight)[self.pattern_]
        elif strategy == "margin":
            row = (_scores.margin(self._Q) * weight)[self.pattern_]
        elif strategy == "disagreement":
            per_pattern = _scores.vote_entropy(self._pattern_votes)
            # ties (no conflict) broken by the model's uncertainty
            per_pattern = per_pattern + 1e-3 * _scores.entropy(self._Q)
            row = (per_pattern * weight)[self.pattern_]
        elif strategy == "end_model":
            row = self._end_model_scores()
        else:  # random
            row = np.asarray(
                as_generator(self.random_state).random(self.n_samples_),
                dtype=np.float64,
            )
        out = np.full(self.n_samples_, -np.inf)
        out[open_rows] = row[open_rows]
        return out

    def _open_rows(self, candidates: npt.ArrayLike | None) -> IntArray:
        mask = self.gold_ < 0
        if candidates is not None:
            c = np.asarray(candidates)
            allowed = np.zeros(self.n_samples_, dtype=bool)
            if c.dtype == bool:
                if c.shape != (self.n_samples_,):
                    raise ValueError(
                        f"candidates is a mask of shape {c.shape}; expected"
                        f" ({self.n_samples_},)."
                    )
                allowed = c
            else:
                idx = c.astype(np.int64)
                if idx.size and (idx.min() < 0 or idx.max() >= self.n_samples_):
                    raise ValueError(
                        "candidates holds a row position outside 0.."
                        f"{self.n_samples_ - 1}."
                    )
                allowed[idx] = True
            mask &= allowed
        return np.flatnonzero(mask).astype(np.int64)

    def suggest(self, n: int, *, candidates: npt.ArrayLike | None = None) -> IntArray:
        """The ``n`` rows to hand-label next, best first.

        Parameters
        ----------
        n : int
            How many rows (fewer when fewer rows are open).
        candidates : array-like of int or bool, default=None
            Only these rows (positions, or a mask) may be suggested; gold rows
            never are.

        Returns
        -------
        ndarray of shape (n_suggested,), dtype int64
            Row positions (0-based), best first.
        """
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer; got {n!r}.")
        score = self.scores(candidates)
        open_rows = np.flatnonzero(np.isfinite(score))
        n = min(int(n), open_rows.size)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        rng = as_generator(self.random_state)
        strategy = AUTO_STRATEGY if self.strategy == "auto" else self.strategy
        # random tie-break among equal scores: a fixed random key per row
        key = np.asarray(rng.random(self.n_samples_), dtype=np.float64)
        order = open_rows[np.lexsort((key[open_rows], -score[open_rows]))]
        diversity = self.diversity
        if diversity == "auto":
            diversity = "kcenter" if self._features is not None else "patterns"
        if strategy == "random" or diversity == "none":
            return order[:n].astype(np.int64)
        if diversity == "kcenter":
            if self._features is None:
                raise ValueError(
                    "diversity='kcenter' needs features: fit(L, y, features=X)."
                )
            return _kcenter(self._features, order[: 4 * n], n)
        return self._pattern_batch(order, score, n, strategy, candidates)

    def _pattern_batch(
        self,
        order: IntArray,
        score: FloatArray,
        n: int,
        strategy: str,
        candidates: npt.ArrayLike | None,
    ) -> IntArray:
        """Greedy batch: a pattern's later picks score as if the earlier were labelled."""
        patterns = self.pattern_
        # Only the n patterns whose best rows rank highest can be picked: a
        # later pick from a pattern never scores above its first.  Keep those
        # patterns' best n rows each, in ranked order (a queue per pattern).
        ranked_patterns = patterns[order]
        uniq, first = np.unique(ranked_patterns, return_index=True)
        top = uniq[np.argsort(first, kind="stable")[:n]]
        sub = order[np.isin(ranked_patterns, top)]
        p_sub = patterns[sub]
        by_pattern = np.argsort(p_sub, kind="stable")
        sorted_p = p_sub[by_pattern]
        starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
        rank = np.arange(sorted_p.size) - np.repeat(
            starts, np.diff(np.r_[starts, sorted_p.size])
        )
        keep = np.zeros(sub.size, dtype=bool)
        keep[by_pattern[rank < n]] = True
        queues: dict[int, list[int]] = {}
        for r in sub[keep].tolist():
            queues.setdefault(int(patterns[r]), []).append(r)
        n_all = np.bincount(patterns[order], minlength=self._Q.shape[0])
        best = {p: score[q[0]] for p, q in queues.items()}
        picks = dict.fromkeys(queues, 0)
        n_open = {p: float(n_all[p]) for p in queues}
        gold = self._gold_counts.sum(axis=1)
        s = float(self.prior_strength)
        out: list[int] = []
        import heapq

        heap = [(-v, queues[p][0], p) for p, v in best.items()]
        heapq.heapify(heap)
        while heap and len(out) < n:
            neg, _, p = heapq.heappop(heap)
            q = queues[p]
            out.append(q[picks[p]])
            picks[p] += 1
            if picks[p] >= len(q):
                continue
            if strategy == "expected_error":
                remaining = np.array([n_open[p] - picks[p]])
                value = float(
                    _scores.expected_error_gain(
                        self._Q[p : p + 1], gold[p : p + 1] + picks[p], remaining, s
                    )[0]
                )
            else:
                value = -neg * picks[p] / (picks[p] + 1)
            heapq.heappush(heap, (-value, q[picks[p]], p))
        return np.asarray(out, dtype=np.int64)


def _kcenter(X: Any, ranked: IntArray, n: int) -> IntArray:
    """k-center greedy among ``ranked`` rows: start at the best, then the farthest."""
    import scipy.sparse as sp

    rows = X[ranked]
    Xc = np.asarray(rows.toarray() if sp.issparse(rows) else rows, dtype=np.float64)
    chosen = [0]
    dist = np.linalg.norm(Xc - Xc[0], axis=1)
    while len(chosen) < min(n, len(ranked)):
        j = int(np.argmax(dist))
        if dist[j] <= 0:  # only duplicates left: take them in rank order
            rest = [i for i in range(len(ranked)) if i not in set(chosen)]
            chosen += rest[: n - len(chosen)]
            break
        chosen.append(j)
        dist = np.minimum(dist, np.linalg.norm(Xc - Xc[j], axis=1))
    return ranked[np.asarray(chosen, dtype=np.int64)]


def suggest(
    L: Any,
    n: int,
    y: npt.ArrayLike | None = None,
    *,
    strategy: Strategy = "auto",
    model: Any = None,
    features: Any = None,
    candidates: npt.ArrayLike | None = None,
    random_state: Any = None,
) -> IntArray:
    """The ``n`` rows to hand-label next, best first (never a gold row).

    A shortcut for ``ActiveLearner(model, strategy=...).fit(L, y,
    features=...).suggest(n, candidates=...)``; see :class:`ActiveLearner`.

    Returns
    -------
    ndarray of shape (n_suggested,), dtype int64
        Row positions (0-based).

    Examples
    --------
    >>> from weaklabel import make_votes
    >>> data = make_votes(500, 5, random_state=0)
    >>> rows = suggest(data.L, 10, random_state=0)
    >>> len(rows), len(set(rows.tolist()))
    (10, 10)
    """
    learner = ActiveLearner(model, strategy=strategy, random_state=random_state)
    return learner.fit(L, y, features=features).suggest(n, candidates=candidates)
