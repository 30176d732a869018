"""The generative label model: EM over LF accuracies, abstain rates and correlations."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from weaklabel._validation import check_int_param, check_real_param
from weaklabel.exceptions import ConvergenceWarning
from weaklabel.label_model import _em
from weaklabel.label_model._base import BaseLabelModel
from weaklabel.label_model._patterns import (
    Patterns,
    compress,
    e_step,
    majority_posterior,
)
from weaklabel.label_model._structure import components, learn_edges, merge_edges
from weaklabel.typing import RandomStateLike

__all__ = ["LabelModel"]

_PARAMETRIZATIONS = ("auto", "confusion", "accuracy")
# Largest n_lfs * k * k for which "auto" keeps full confusion rows.
_CONFUSION_BUDGET = 4_000_000


class LabelModel(BaseLabelModel):
    """Generative label model: latent class, LF accuracies, abstain rates, cliques.

    Every row has a latent true class ``y`` drawn from the class balance.
    Given ``y``, each labeling function (LF) abstains with a class-dependent
    probability and otherwise votes according to a class-conditional
    confusion row; LFs that are dependent given ``y`` (copies, near-copies,
    rules sharing a keyword) are grouped into small cliques whose joint votes
    are modelled directly.  Everything is fitted by EM on the distinct vote
    patterns of ``L``, started from majority vote; the posterior of a row is
    exact (a product over LFs and cliques).

    Parameters
    ----------
    cardinality : int, default=None
        Number of classes k; None infers it in ``fit``.
    class_balance : array-like of shape (k,), default=None
        Fixed class balance P(y); None learns it.
    dependencies : sequence of (lf, lf) pairs, default=None
        Pairs of LFs (names or column indices) that are dependent given the
        class.  Connected pairs form cliques of at most ``max_clique_size`` LFs.
    learn_structure : bool, default=False
        Learn further dependencies from the votes: fit without them, test every
        pair of co-voting LFs for dependence given the posterior, add the
        significant ones (see ``structure_alpha``), refit.
    max_clique_size : int, default=3
        Largest number of LFs modelled jointly.
    structure_alpha : float, default=1e-3
        Family-wise significance level (Bonferroni over all pairs) of the
        dependence tests of ``learn_structure``.
    structure_min_cmi : float, default=0.01
        Smallest conditional mutual information (nats) of a learned edge.
    abstain_prior : float, default=0.0
        Pseudo-rows pulling each LF's per-class firing rates toward its
        overall firing rate: 0 lets abstaining be fully informative; large
        values make abstains carry no information.
    confusion_prior : float, default=10.0
        Pseudo-votes pulling each confusion row toward the one-parameter
        accuracy model (the LF's accuracy on the diagonal, its vote propensity
        elsewhere).
    accuracy_prior : float, default=2.0
        Pseudo-votes for the true class in every confusion row (and in the
        pooled accuracy): the prior belief that LFs are better than random.
    clique_prior : float, default=10.0
        Pseudo-rows pulling a clique's joint table toward the product of its
        members' singleton tables.
    parametrization : {"auto", "confusion", "accuracy"}, default="auto"
        Full (shrunk) confusion rows, cost O(n_lfs k^2); or per-LF accuracy
        and vote propensity, cost linear in k.  "auto" uses confusion rows
        unless ``n_lfs * k * k`` exceeds 4 million.
    max_iter : int, default=300
        Maximum number of EM iterations (per fit; structure learning fits
        twice).
    tol : float, default=1e-6
        Stop when the log-likelihood per row improves by less.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for random tie breaking in ``predict``; fitting is deterministic.

    Attributes
    ----------
    class_prior_ : ndarray of shape (k,)
        Learned (or given) class balance P(y).
    lf_accuracy_ : ndarray of shape (n_lfs_in_,)
        P(vote == y | the LF votes), pooled over classes.
    lf_fire_rate_ : ndarray of shape (n_lfs_in_, k)
        P(LF votes | y = c).
    lf_confusion_ : ndarray of shape (n_lfs_in_, k, k) or None
        P(LF votes v | y = c, LF votes); None with the accuracy
        parametrization.
    lf_propensity_ : ndarray of shape (n_lfs_in_, k)
        Fraction of each LF's votes that go to each class.
    cliques_ : list of tuple of int
        LF indices modelled jointly.
    dependencies_ : list of (str, str)
        Modelled dependencies (given and learned), as LF names.
    clique_tables_ : list of ndarray
        P(configuration | y) for the configurations of each clique seen in fit.
    clique_codes_ : list of ndarray
        Their configuration codes.
    n_iter_ : int
        EM iterations of the final fit.
    converged_ : bool
        Whether the final EM converged within ``tol``.
    log_likelihood_ : float
        Log-likelihood of the training votes (and gold) under the model.
    n_lfs_in_, lf_names_in_, cardinality_, classes_
        As in :class:`~weaklabel.label_model.BaseLabelModel`.

    Examples
    --------
    >>> from weaklabel import LabelModel, make_votes
    >>> data = make_votes(2000, 8, random_state=0)
    >>> model = LabelModel(cardinality=2, random_state=0).fit(data.L)
    >>> model.predict_proba(data.L).shape
    (2000, 2)
    >>> bool(model.score(data.L, data.y) > 0.8)
    True
    """

    _saved_attributes: ClassVar[tuple[str, ...]] = (
        "class_prior_",
        "lf_accuracy_",
        "lf_fire_rate_",
        "lf_confusion_",
        "lf_propensity_",
        "cliques_",
        "dependencies_",
        "clique_tables_",
        "clique_codes_",
        "clique_class_weight_",
        "n_iter_",
        "converged_",
        "log_likelihood_",
    )

    def __init__(
        self,
        cardinality: int | None = None,
        *,
        class_balance: npt.ArrayLike | None = None,
        dependencies: Sequence[tuple[int | str, int | str]] | None = None,
        learn_structure: bool = False,
        max_clique_size: int = 3,
        structure_alpha: float = 1e-3,
        structure_min_cmi: float = 0.01,
        abstain_prior: float = 0.0,
        confusion_prior: float = 10.0,
        accuracy_prior: float = 2.0,
        clique_prior: float = 10.0,
        parametrization: Literal["auto", "confusion", "accuracy"] = "auto",
        max_iter: int = 300,
        tol: float = 1e-6,
        random_state: RandomStateLike = None,
    ) -> None:
        self.cardinality = cardinality
        self.class_balance = class_balance
        self.dependencies = dependencies
        self.learn_structure = learn_structure
        self.max_clique_size = max_clique_size
        self.structure_alpha = structure_alpha
        self.structure_min_cmi = structure_min_cmi
        self.abstain_prior = abstain_prior
        self.confusion_prior = confusion_prior
        self.accuracy_prior = accuracy_prior
        self.clique_prior = clique_prior
        self.parametrization = parametrization
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    # ------------------------------------------------------------ validation
    def _check_params(self) -> None:
        name = self._name
        check_int_param(self.max_iter, "max_iter", name, low=1)
        check_real_param(self.tol, "tol", name, low=0)
        check_int_param(self.max_clique_size, "max_clique_size", name, low=1)
        check_real_param(self.structure_alpha, "structure_alpha", name, low=0, high=1)
        check_real_param(self.structure_min_cmi, "structure_min_cmi", name, low=0)
        for p in ("abstain_prior", "confusion_prior", "accuracy_prior", "clique_prior"):
            check_real_param(getattr(self, p), p, name, low=0)
        if self.parametrization not in _PARAMETRIZATIONS:
            raise ValueError(
                f"The 'parametrization' parameter of {name} must be one of"
                f" {_PARAMETRIZATIONS}. Got {self.parametrization!r} instead."
            )
        if not isinstance(self.learn_structure, (bool, np.bool_)):
            raise ValueError(
                f"The 'learn_structure' parameter of {name} must be a bool."
                f" Got {self.learn_structure!r} instead."
            )

    def _check_class_balance(self, k: int) -> npt.NDArray[np.float64] | None:
        if self.class_balance is None:
            return None
        cb = np.asarray(self.class_balance, dtype=np.float64)
        if (
            cb.shape != (k,)
            or not np.all(np.isfinite(cb))
            or np.any(cb <= 0)
            or not np.isclose(cb.sum(), 1.0)
        ):
            raise ValueError(
                f"The 'class_balance' parameter of {self._name} must be {k} positive"
                f" probabilities summing to 1 (one per class). Got"
                f" {np.asarray(self.class_balance).tolist()!r} instead."
            )
        out: npt.NDArray[np.float64] = cb / cb.sum()
        return out

    def _lf_index(self, lf: Any) -> int:
        m = self.n_lfs_in_
        if isinstance(lf, (Integral, np.integer)) and not isinstance(lf, bool):
            j = int(lf)
            if not 0 <= j < m:
                raise ValueError(
                    f"Dependency names LF index {j}, but L has {m} labeling"
                    f" functions (indices 0..{m - 1})."
                )
            return j
        if isinstance(lf, str):
            try:
                return self.lf_names_in_.index(lf)
            except ValueError:
                raise ValueError(
                    f"Dependency names LF {lf!r}, which is not a column of L; known"
                    f" LFs: {self.lf_names_in_[:10]}"
                    + (" ..." if m > 10 else "")
                    + ". Pass names of L's columns or integer indices."
                ) from None
        raise TypeError(
            f"Dependencies must name LFs by str name or int index; got {lf!r}"
            f" ({type(lf).__name__})."
        )

    def _given_edges(self) -> list[tuple[int, int]]:
        edges: list[tuple[int, int]] = []
        for dep in self.dependencies or []:
            if isinstance(dep, (str, bytes)) or len(dep) != 2:
                raise ValueError(
                    f"Each dependency must be a pair (lf_a, lf_b); got {dep!r}."
                )
            a, b = self._lf_index(dep[0]), self._lf_index(dep[1])
            if a == b:
                raise ValueError(
                    f"Dependency {dep!r} pairs an LF with itself; name two different"
                    " LFs."
                )
            edges.append((min(a, b), max(a, b)))
        size_limit = int(self.max_clique_size)
        for clique in components(self.n_lfs_in_, edges):
            if len(clique) > size_limit:
                names = [self.lf_names_in_[j] for j in clique]
                raise ValueError(
                    f"The dependencies join {len(clique)} LFs {names} into one"
                    f" clique, more than max_clique_size={size_limit}. Drop some"
                    " dependencies (or LFs), or raise max_clique_size (the joint"
                    " table grows as (k+1)^size)."
                )
        return sorted(set(edges))

    # -------------------------------------------------------------------- fit
    def _layout(self, m: int, k: int) -> str:
        if self.parametrization == "auto":
            return "confusion" if m * k * k <= _CONFUSION_BUDGET else "accuracy"
        return str(self.parametrization)

    def _hyper(self, k: int) -> _em.Hyper:
        return _em.Hyper(
            abstain_prior=float(self.abstain_prior),
            confusion_prior=float(self.confusion_prior),
            accuracy_prior=float(self.accuracy_prior),
            clique_prior=float(self.clique_prior),
            balance_prior=1.0,
            class_balance=self._check_class_balance(k),
        )

    def _run_em(
        self,
        design: _em.Design,
        hyper: _em.Hyper,
        post: npt.NDArray[np.float64],
    ) -> tuple[_em.Params, npt.NDArray[np.float64], float, int, bool, float]:
        n = design.n
        ll = -np.inf
        converged = False
        delta = np.inf
        it = 0
        params = _em.m_step(design, post, hyper)
        for it in range(1, int(self.max_iter) + 1):  # noqa: B007
            post, new_ll = _em.posterior(design, params)
            params = _em.m_step(design, post, hyper)
            delta = (new_ll - ll) / n
            ll = new_ll
            if abs(delta) <= self.tol:
                converged = True
                break
        return params, post, ll, it, converged, delta

    def _fit(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        rng: np.random.Generator,
    ) -> None:
        k, m = self.cardinality_, self.n_lfs_in_
        hyper = self._hyper(k)
        given = self._given_edges()
        patterns = compress(L, y)
        layout = self._layout(m, k)

        init = majority_posterior(patterns, k)
        if patterns.gold is not None:
            known = np.flatnonzero(patterns.gold >= 0)
            init[known] = 0.0
            init[known, patterns.gold[known]] = 1.0

        edges = given
        design = _em.build_design(patterns, k, components(m, edges), layout)
        params, post, ll, it, conv, delta = self._run_em(design, hyper, init)
        if self.learn_structure:
            wq = design.counts[:, None] * post
            in_clique = design.in_clique
            tests = learn_edges(
                design.em.onehot,
                design.fired,
                wq,
                k,
                alpha=float(self.structure_alpha),
                min_cmi=float(self.structure_min_cmi),
                exclude=None,
            )
            del in_clique
            edges = merge_edges(m, given, tests, int(self.max_clique_size))
            if len(edges) > len(given):
                design = _em.build_design(patterns, k, components(m, edges), layout)
                params, post, ll, it, conv, delta = self._run_em(design, hyper, post)

        if not conv:
            warnings.warn(
                f"{self._name} did not converge in max_iter={self.max_iter} EM"
                f" iterations (last change in log-likelihood per row {delta:.3g} >"
                f" tol={self.tol}). Increase max_iter or loosen tol; raising"
                " accuracy_prior or abstain_prior also steadies EM on LFs that"
                " vote on very few rows.",
                ConvergenceWarning,
                stacklevel=3,
            )

        self.class_prior_ = params.prior
        self.lf_accuracy_ = params.accuracy
        self.lf_fire_rate_ = params.fire
        self.lf_confusion_ = params.confusion
        self.lf_propensity_ = params.propensity
        self.cliques_ = [tuple(c.members) for c in design.cliques]
        self.clique_codes_ = [c.codes for c in design.cliques]
        self.clique_tables_ = list(params.clique_tables)
        self.clique_class_weight_ = list(params.clique_class_weight)
        names = self.lf_names_in_
        self.dependencies_ = [(names[a], names[b]) for a, b in sorted(set(edges))]
        self.n_iter_ = int(it)
        self.converged_ = bool(conv)
        self.log_likelihood_ = float(ll)
        del rng

    # --------------------------------------------------------------- predict
    def _params(self) -> _em.Params:
        return _em.Params(
            prior=np.asarray(self.class_prior_, dtype=np.float64),
            fire=np.asarray(self.lf_fire_rate_, dtype=np.float64),
            accuracy=np.asarray(self.lf_accuracy_, dtype=np.float64),
            propensity=np.asarray(self.lf_propensity_, dtype=np.float64),
            confusion=None
            if self.lf_confusion_ is None
            else np.asarray(self.lf_confusion_, dtype=np.float64),
            clique_tables=[
                np.asarray(t, dtype=np.float64) for t in self.clique_tables_
            ],
            clique_class_weight=[
                np.asarray(t, dtype=np.float64) for t in self.clique_class_weight_
            ],
        )

    def _predict_proba_patterns(self, patterns: Patterns) -> npt.NDArray[np.float64]:
        k, m = self.cardinality_, self.n_lfs_in_
        in_clique = np.zeros(m, dtype=bool)
        cliques = []
        for members, codes in zip(self.cliques_, self.clique_codes_, strict=True):
            mem = tuple(int(j) for j in members)
            in_clique[list(mem)] = True
            cliques.append((mem, np.asarray(codes, dtype=np.int64)))
        rel = _em.predict_log_joint(
            patterns, self._params(), k, in_clique, cliques, float(self.clique_prior)
        )
        post, _ = e_step(rel)
        return post

    def _after_load(self) -> None:
        self.cliques_ = [tuple(int(j) for j in c) for c in self.cliques_]
        self.dependencies_ = [(str(a), str(b)) for a, b in self.dependencies_]
