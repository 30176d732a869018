"""The generative label model: EM over LF accuracies, abstain rates and correlations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from weaklabel._validation import check_int_param, check_real_param
from weaklabel.exceptions import warn_unconverged
from weaklabel.label_model import _generative_math as genmath
from weaklabel.label_model import _gold, _mace
from weaklabel.label_model._base import BaseLabelModel, convergence_change
from weaklabel.label_model._estep import clamp_gold, e_step
from weaklabel.label_model._patterns import (
    OneHotEM,
    Patterns,
    compress,
    majority_posterior,
    one_hot,
)
from weaklabel.label_model._structure import components, learn_edges, merge_edges
from weaklabel.typing import RandomStateLike

__all__ = ["LabelModel"]

_PARAMETRIZATIONS = ("auto", "confusion", "accuracy")
# Largest n_lfs * k * k for which "auto" keeps full confusion rows.
_CONFUSION_BUDGET = 4_000_000
# Structure learning adds one edge per round (and refits), at most this often.
_MAX_STRUCTURE_ROUNDS = 20
# confusion_prior="auto": pseudo-votes for one-sided and for multi-class LFs
# (the latter in tasks of more than two classes, and of two).
_CONFUSION_ONE_SIDED = 10.0
_CONFUSION_MULTI = 1.0
_CONFUSION_MULTI_BINARY = 0.0
# A vote matrix is crowd-like when more than this share of its votes come from
# LFs that vote for several classes: its one-sided LFs are then taken for
# workers who happened to answer one class, and get the workers' prior.
_CROWD_VOTE_SHARE = 0.5


def _duplicate_edges(
    patterns: Patterns, vote_totals: npt.NDArray[np.float64], k: int
) -> list[tuple[int, int]]:
    """Edges chaining LFs whose vote columns are identical on every row.

    Exact copies are modelled as one clique whatever ``max_clique_size``
    says: their joint table has no more configurations than one LF.  Only
    LFs with identical vote totals per class can be copies; those candidates
    are compared exactly.
    """
    V = patterns.votes
    m = V.shape[1]
    totals = np.asarray(vote_totals).reshape(m, k)
    voting = totals.sum(axis=1) > 0
    _, group = np.unique(totals, axis=0, return_inverse=True)
    group = group.reshape(-1)
    sizes = np.bincount(group)
    cand = np.flatnonzero(voting & (sizes[group] > 1))
    if cand.size == 0:
        return []
    csc = sp.csc_array(V) if sp.issparse(V) else None
    dense = None if csc is not None else np.asarray(V)

    def column(j: int) -> tuple[Any, ...]:
        if dense is not None:
            return (dense[:, j].tobytes(),)
        assert csc is not None
        lo, hi = csc.indptr[j], csc.indptr[j + 1]
        return (csc.indices[lo:hi].tobytes(), csc.data[lo:hi].tobytes())

    edges: list[tuple[int, int]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for j in cand:  # loop over candidate LFs (usually none)
        key = (int(group[j]), *column(int(j)))
        first = seen.setdefault(key, int(j))
        if first != j:
            edges.append((first, int(j)))
    return edges


def _one_sided(
    vote_totals: npt.NDArray[np.float64], m: int, k: int
) -> npt.NDArray[np.bool_]:
    """Whether each LF votes, and only ever for a single class."""
    vt = np.asarray(vote_totals).reshape(m, k)
    out: npt.NDArray[np.bool_] = np.asarray((vt > 0).sum(axis=1) == 1)
    return out


def _complement_lfs(
    em: OneHotEM, counts: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.bool_]:
    """LFs that fire exactly on the rows where no other LF fires.

    LFs that fire on every row are left out of "other LF"; such a default
    rule ("none of the rules matched: ham") is a function of the other LFs'
    abstains.
    """
    m = em.n_lfs
    totals = np.asarray(em.vote_totals, dtype=np.float64).reshape(m, k).sum(axis=1)
    n = float(counts.sum())
    varying = (totals > 0) & (totals < n)
    out = np.zeros(m, dtype=bool)
    if varying.sum() < 2:
        return out
    n_firing = em.product(np.repeat(varying, k).astype(np.float64)[:, None])[:, 0]
    if float(counts[n_firing == 0].sum()) > 0:
        return out  # some row has no varying LF firing: no complement
    solo = counts * (n_firing == 1)
    solo_fires = em.rproduct(solo[:, None]).reshape(m, k).sum(axis=1)
    out = np.asarray(varying & np.isclose(solo_fires, totals), dtype=bool)
    return out


def _auto_confusion_prior(
    vote_totals: npt.NDArray[np.float64], polarity: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """confusion_prior="auto": pseudo-votes of every LF, shape (n_lfs,).

    ``vote_totals`` (n_lfs, k) counts each LF's votes per class; ``polarity``
    is the one class an LF voted, or -1.  One-sided LFs get 10 unless the
    matrix is crowd-like (most votes from LFs voting several classes); LFs
    voting several classes (and then every LF) get 1, or 0 when k = 2.

    >>> vt = np.array([[5.0, 4.0], [3.0, 6.0], [2.0, 0.0]])
    >>> _auto_confusion_prior(vt, np.array([-1, -1, 0])).tolist()
    [0.0, 0.0, 0.0]
    >>> _auto_confusion_prior(vt[:, ::-1][[2]], np.array([1])).tolist()
    [10.0]
    """
    k = vote_totals.shape[1]
    multi_prior = _CONFUSION_MULTI if k > 2 else _CONFUSION_MULTI_BINARY
    one_sided = polarity >= 0
    crowd = _crowd_like(vote_totals, polarity)
    out: npt.NDArray[np.float64] = np.where(
        one_sided & ~crowd, _CONFUSION_ONE_SIDED, multi_prior
    ).astype(np.float64)
    return out


def _crowd_like(
    vote_totals: npt.NDArray[np.float64], polarity: npt.NDArray[np.int64]
) -> bool:
    """Whether most votes come from LFs voting several classes (crowd data).

    ``vote_totals`` (n_lfs, k) counts each LF's votes per class; ``polarity``
    is the one class an LF voted, or -1.

    >>> _crowd_like(np.array([[5.0, 4.0], [2.0, 0.0]]), np.array([-1, 0]))
    True
    >>> _crowd_like(np.array([[5.0, 4.0], [20.0, 0.0]]), np.array([-1, 0]))
    False
    """
    total = float(vote_totals.sum())
    several = float(vote_totals[polarity < 0].sum())
    return total > 0 and several > _CROWD_VOTE_SHARE * total


def _layout_attributes(params: genmath.Params) -> dict[str, Any]:
    """The tables of a fitted accuracy layout (``LabelModel.accuracy_layout_``).

    Keyed by the names of the model attributes they mirror; the model file
    checks them under those names (``_serialize._COMPANION_RULES``).
    """
    return {
        "class_prior_": params.prior,
        "lf_accuracy_": params.accuracy,
        "lf_fire_rate_": params.fire,
        "lf_propensity_": params.propensity,
        "lf_own_vote_": params.own_vote,
        "clique_tables_": list(params.clique_tables),
        "clique_class_weight_": list(params.clique_class_weight),
        "anchor_table_": params.anchor_table,
    }


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

    How much an abstain says is decided per LF from the votes
    (``abstain_prior="auto"``): an LF that only ever votes for one class
    (a keyword rule) carries all its information in *whether* it votes, so its
    per-class firing rates are learned freely; an LF that votes for several
    classes (a crowd worker, a classifier) carries it in *what* it votes, and
    when it votes is treated as unrelated to the class (Dawid-Skene).  A
    one-sided LF is assumed better than random: it fires at least as often on
    rows of its class as on rows of any other class (the firing rates are the
    maximum-likelihood ones under that order).  LFs whose vote columns are
    identical are modelled as one clique, so copies are not counted twice.

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
        Learn further dependencies from the votes: fit, test every pair of
        co-voting LFs for dependence given the fitted posterior (G-test with
        Williams' correction of their expected joint counts per class, each
        vote taken as "votes the class", "votes another", "abstains";
        Bonferroni over all pairs),
        add the significant ones strongest first while cliques stay within
        ``max_clique_size``, and refit.
    max_clique_size : int, default=3
        Largest number of LFs modelled jointly (exact copies excepted).
    structure_alpha : float, default=1e-3
        Family-wise significance level of the dependence tests.
    structure_min_cmi : float, default=0.01
        Smallest conditional mutual information (nats) of a learned edge, so
        that negligible dependences in large data are not modelled.
    abstain_prior : float or "auto", default="auto"
        Pseudo-rows pulling each LF's per-class firing rates toward its overall
        firing rate: 0 lets abstaining be fully informative, ``np.inf`` makes
        it carry nothing (then rows where every LF abstains get exactly
        ``class_prior_``, or its mean with ``accuracy_layout_``'s and, from
        ``mace_layout_``, a uniform one).  "auto":
        0 for LFs that only ever vote for one class, infinite for the others
        and for a "default" LF that fires exactly on the rows where no other
        LF does (its abstains are a function of the other LFs' votes; LFs
        that fire on every row do not count).
    confusion_prior : float or "auto", default="auto"
        Pseudo-votes pulling each confusion row toward the one-parameter
        accuracy model (the LF's pooled accuracy on the diagonal, its vote
        propensity elsewhere).  "auto": 10 for LFs that only ever vote for
        one class (what their vote says beyond firing comes from this row);
        for LFs that vote for several classes (crowd workers, classifiers),
        1 with more than two classes and 0 with two (their own confusion
        rows are estimable, a binary row has one free number per class, and
        with a few answers per worker a stronger pull toward one accuracy
        hides their bias).  When more than half of the votes come from LFs
        that vote for several classes (crowd data), the LFs that voted one
        class get the same prior as the others: they are workers who happened
        to answer one class, not keyword rules.
    accuracy_prior : float, default=0.1
        Extra pseudo-votes for the true class in every confusion row: the
        prior belief that LFs are better than random (the pooled accuracy has
        a Beta(2, 1) prior).
    clique_prior : float, default=10.0
        Pseudo-rows pulling a clique's joint table toward the product of its
        members' singleton tables.
    parametrization : {"auto", "confusion", "accuracy"}, default="auto"
        Full (shrunk) confusion rows, cost O(n_lfs k^2); or per-LF accuracy
        and vote propensity, cost linear in k.  "auto" uses confusion rows
        unless ``n_lfs * k * k`` exceeds 4 million; on crowd-like votes with
        more than two classes (most votes from LFs that vote for several
        classes) it fits three worker models and predicts the mean of their
        posteriors: confusion rows, one accuracy per worker, and MACE's model
        (a worker answers the true class with its competence, or else guesses
        from its own answer distribution whatever the class; no class
        balance).  No one model wins on every crowd: workers who confuse
        particular classes (dog breeds) need their confusion rows, workers
        with a few answers each over many classes fill them with noise, and
        workers who answer "can't tell" or favour a class when unsure are
        MACE's guessers; the votes alone do not tell these apart (the
        measurements are in docs/label_model.md).
    mv_anchor : bool or "auto", default="auto"
        Add majority vote (its class where it has a unique winner) as one
        extra voter with its own learned confusion table (voting pooled over
        classes, like a crowd worker).  In a multi-class task whose LFs each
        vote for one class, only *whether* an LF fires is modelled, so
        nothing but the majority-vote start ties each latent class to a
        class label, and EM drifts (one class absorbs the rows where its
        broad rules fire); the anchor's votes keep the classes in place.
        "auto": on when k > 2 and more than half of the votes come from LFs
        that only ever vote for one class.
    mv_anchor_ties : {"auto", "abstain", "bound", "rarer"}, default="auto"
        What the anchor votes where majority vote ties.  "abstain": no
        anchor vote (the LFs' tables decide those rows).  "bound": the tied
        class whose voters are not broader than their class can be (an LF
        voting c on a fraction ``cov`` of the rows is right on at most
        ``pi_c / cov`` of its votes, with ``pi_c`` taken as ``max(c's share
        of all votes, 1 / k)``).  "rarer": the tied class whose voters fire
        on fewer rows.  Both help where a broad rule wins ties it should
        lose and hurt where the vote share misjudges the class sizes (the
        measured effects are in docs/label_model.md).  "auto": "rarer"
        (real keyword rule sets nest: a specific rule refines a broad one,
        so the specific rule is right on their ties, which the
        conditionally independent tables cannot learn), unless gold labels
        are given to ``fit`` (and the anchor is on): then "abstain" is
        fitted too and kept if its posterior (from the votes alone) is
        strictly more accurate on the gold rows.
    gold_weight : float or "auto", default="auto"
        How much each gold row (``fit(L, y)``) weighs in the M-step, in
        unlabeled rows: 1 is plain semi-supervised EM, 0 fits without the
        gold labels.  "auto": chosen per data set by 5-fold cross-validation
        on the gold rows (the log-likelihood of each hidden gold label under
        the posterior from its votes) among 0, 1 and the weights that give
        the gold rows 35%, 65% or 90% of the total weight; a weight other
        than 0 is kept only when it beats the fit without gold by more than
        one standard error, so gold the model cannot use is left out rather
        than allowed to hurt.  Fewer than 10 gold rows: 0.  Costs about 20
        extra fits when gold is given, on every s-th unlabeled row of inputs
        of more than 65,536 rows (weighted s) and every gold row.
    max_fit_rows : int or None, default=131072
        Inputs of more than twice this many rows are fitted on every s-th
        row, ``s = ceil(n_samples / max_fit_rows)``, each weighted s (gold
        rows are all kept, with their own weight): at a million rows the
        tables' sampling error is far below what EM can resolve, and the fit
        costs an eighth.  ``predict_proba`` still scores every row.  None
        fits on every row.  Ignored with ``learn_structure=True``.
    max_iter : int, default=300
        Maximum number of EM iterations (per fit; structure learning fits
        twice).
    tol : float, default=1e-6
        Stop when the log-likelihood per row changes by less.
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
    lf_abstain_informative_ : ndarray of shape (n_lfs_in_,), dtype bool
        Whether the LF's abstains were allowed to depend on the class.
    lf_polarity_ : ndarray of shape (n_lfs_in_,), dtype int64
        The one class each LF voted in ``fit``, or -1 for an LF that voted
        several classes (or none).
    lf_own_vote_ : ndarray of shape (n_lfs_in_, k) or None
        Accuracy parametrization: P(LF votes its one class | y = c, LF votes)
        of every one-sided LF (the own column of the confusion rows, which a
        single accuracy cannot express; 1 in the rows of the other LFs).
        None with confusion rows.
    cliques_ : list of tuple of int
        LF indices modelled jointly.
    dependencies_ : list of (str, str)
        Modelled dependencies (given, exact copies, and learned), as LF names.
    clique_tables_ : list of ndarray of shape (n_configurations, k)
        P(configuration | y) for the vote configurations of each clique seen
        in ``fit``.
    clique_codes_ : list of ndarray
        Codes of those configurations.
    clique_class_weight_ : list of ndarray of shape (k,)
        Expected rows per class behind each clique table.
    n_iter_ : int
        EM iterations of the final fit.
    converged_ : bool
        Whether the final EM converged within ``tol``.
    log_likelihood_ : float
        Log-likelihood of the training votes (and gold) under the model.
    anchor_table_ : ndarray of shape (k + 1, k) or None
        P(majority vote's vote v | y = c) of the majority-vote anchor (last
        row: no anchor vote), or None when ``mv_anchor`` was off.
    anchor_weight_ : ndarray of shape (n_lfs_in_,) or None
        Tie-break weights of the anchor (``mv_anchor_ties="bound"``: the
        log of each LF's coverage bound on its precision, relative to the
        smallest; "rarer": ``-log`` of its coverage; scaled to sum below 1/2),
        or None when the anchor is off or ties abstain.
    accuracy_layout_ : dict or None
        ``parametrization="auto"`` on crowd-like votes with more than two
        classes: the accuracy layout's tables (keys ``class_prior_``,
        ``lf_accuracy_``, ``lf_fire_rate_``, ``lf_propensity_``,
        ``lf_own_vote_``, ``clique_tables_``, ``clique_class_weight_``,
        ``anchor_table_``, shaped as the attributes of those names), fitted
        beside the confusion rows; ``predict_proba`` averages the layouts'
        posteriors.  None otherwise.  The other attributes describe the
        confusion-row fit.
    mace_layout_ : dict or None
        With ``accuracy_layout_``: MACE's tables, ``lf_competence_`` of shape
        (n_lfs_in_,) (P(a vote is the true class answered knowingly)) and
        ``lf_spam_`` of shape (n_lfs_in_, k) (the LF's answer distribution
        when it guesses).  None otherwise.
    mv_anchor_ties_ : str or None
        The tie rule used ("abstain", "bound" or "rarer"), None when the
        anchor was off.
    gold_weight_ : float or None
        Weight of each gold row in the fit (0: the gold labels were not
        used, see ``gold_weight``), or None when ``fit`` got no gold.
    n_lfs_in_, lf_names_in_, cardinality_, classes_
        As in :class:`~weaklabel.label_model.BaseLabelModel`.

    See Also
    --------
    DawidSkene : confusion matrices with abstains ignored.
    MajorityVote : the unweighted baseline, and this model's starting point.

    Notes
    -----
    ``log P(y=c, votes) = log pi_c + sum_j log P(vote_j | c)`` over singleton
    LFs, plus ``log P(configuration | c)`` over cliques.  The per-vote sum is
    one sparse product of the one-hot matrix of the distinct vote patterns
    with an ``(n_lfs * k, k)`` log table; the M-step statistics are the
    transposed product weighted by pattern counts.  With gold labels
    (``fit(L, y)``, -1 where unknown) the posterior of every labelled row is
    clamped to its class (semi-supervised EM), which also informs the class
    balance.  Rows where every LF abstains get ``P(y | no vote)``, which is
    ``class_prior_`` unless some LF's abstains are informative.

    Dawid, A. P. and Skene, A. M. (1979). Maximum likelihood estimation of
    observer error-rates using the EM algorithm. *Applied Statistics* 28(1).
    Ratner, A. et al. (2017). Snorkel: rapid training data creation with weak
    supervision. *PVLDB* 11(3).

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
        "lf_abstain_informative_",
        "lf_polarity_",
        "lf_own_vote_",
        "cliques_",
        "dependencies_",
        "clique_tables_",
        "clique_codes_",
        "clique_class_weight_",
        "n_iter_",
        "converged_",
        "log_likelihood_",
        "anchor_table_",
        "anchor_weight_",
        "mv_anchor_ties_",
        "gold_weight_",
        "accuracy_layout_",
        "mace_layout_",
    )
    # files written before the averaged layouts predict as they did
    _added_attributes: ClassVar[dict[str, object]] = {
        "accuracy_layout_": None,
        "mace_layout_": None,
    }

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
        abstain_prior: float | Literal["auto"] = "auto",
        confusion_prior: float | Literal["auto"] = "auto",
        accuracy_prior: float = 0.1,
        clique_prior: float = 10.0,
        parametrization: Literal["auto", "confusion", "accuracy"] = "auto",
        mv_anchor: bool | Literal["auto"] = "auto",
        mv_anchor_ties: Literal["auto", "abstain", "bound", "rarer"] = "auto",
        gold_weight: float | Literal["auto"] = "auto",
        max_fit_rows: int | None = 131072,
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
        self.mv_anchor = mv_anchor
        self.mv_anchor_ties = mv_anchor_ties
        self.gold_weight = gold_weight
        self.max_fit_rows = max_fit_rows
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
        if self.abstain_prior != "auto":
            check_real_param(
                self.abstain_prior,
                "abstain_prior",
                name,
                low=0,
                allow_inf=True,
                alternatives="'auto'",
            )
        if self.confusion_prior != "auto":
            check_real_param(
                self.confusion_prior,
                "confusion_prior",
                name,
                low=0,
                alternatives="'auto'",
            )
        for p in ("accuracy_prior", "clique_prior"):
            check_real_param(getattr(self, p), p, name, low=0)
        if self.parametrization not in _PARAMETRIZATIONS:
            raise ValueError(
                f"The 'parametrization' parameter of {name} must be one of"
                f" {_PARAMETRIZATIONS}. Got {self.parametrization!r} instead."
            )
        if not (
            self.mv_anchor == "auto" or isinstance(self.mv_anchor, (bool, np.bool_))
        ):
            raise ValueError(
                f"The 'mv_anchor' parameter of {name} must be 'auto' or a bool."
                f" Got {self.mv_anchor!r} instead."
            )
        if self.mv_anchor_ties not in ("auto", "abstain", "bound", "rarer"):
            raise ValueError(
                f"The 'mv_anchor_ties' parameter of {name} must be 'auto',"
                f" 'abstain', 'bound' or 'rarer'. Got {self.mv_anchor_ties!r} instead."
            )
        if self.max_fit_rows is not None:
            check_int_param(self.max_fit_rows, "max_fit_rows", name, low=1)
        if self.gold_weight != "auto":
            check_real_param(
                self.gold_weight, "gold_weight", name, low=0, alternatives="'auto'"
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
            if not isinstance(dep, (tuple, list, np.ndarray)) or len(dep) != 2:
                raise ValueError(
                    f"Each dependency must be a pair (lf_a, lf_b); got {dep!r}."
                    " Pass a list of pairs, e.g. dependencies=[('lf_a', 'lf_b')]"
                    " or [(0, 1)]."
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

    def _blend_layouts(
        self,
        layout: str,
        hyper: genmath.Hyper,
        vote_totals: npt.NDArray[np.float64],
        k: int,
    ) -> bool:
        """Whether to average the two layouts' posteriors (see parametrization)."""
        if self.parametrization != "auto" or layout != "confusion" or k <= 2:
            return False
        assert hyper.polarity is not None
        m = self.n_lfs_in_
        return _crowd_like(np.asarray(vote_totals).reshape(m, k), hyper.polarity)

    def _use_anchor(self, vote_totals: npt.NDArray[np.float64], m: int, k: int) -> bool:
        """Whether to add majority vote as an extra voter ("auto": see mv_anchor)."""
        if self.mv_anchor != "auto":
            return bool(self.mv_anchor)
        vt = np.asarray(vote_totals).reshape(m, k)
        total = float(vt.sum())
        one = _one_sided(vote_totals, m, k)
        return k > 2 and total > 0 and float(vt[one].sum()) > 0.5 * total

    def _hyper(
        self, em: OneHotEM, k: int, counts: npt.NDArray[np.float64]
    ) -> genmath.Hyper:
        m = self.n_lfs_in_
        if self.abstain_prior == "auto":
            # An LF that only ever votes for one class says everything by
            # *whether* it votes: its abstains are informative (no shrinkage).
            # An LF that votes for several classes (a crowd worker, a model)
            # says it by *what* it votes; when it votes is taken as
            # uninformative (infinite shrinkage to its overall rate).
            # A "default" LF that fires exactly on the rows where no other
            # LF does is a function of the others' abstains: its abstains
            # repeat what they say, so they are not counted again.
            informative = _one_sided(em.vote_totals, m, k)
            if informative.any():  # only a one-sided LF can be a default LF
                informative &= ~_complement_lfs(em, counts, k)
            abstain = np.where(informative, 0.0, np.inf)
        else:
            abstain = np.full(m, float(self.abstain_prior))
        vt = np.asarray(em.vote_totals).reshape(m, k)
        polarity = np.where((vt > 0).sum(axis=1) == 1, vt.argmax(axis=1), -1)
        return genmath.Hyper(
            polarity=polarity.astype(np.int64),
            abstain_prior=abstain,
            confusion_prior=_auto_confusion_prior(vt, polarity)
            if self.confusion_prior == "auto"
            else np.full(m, float(self.confusion_prior)),
            accuracy_prior=np.full(m, float(self.accuracy_prior)),
            clique_prior=float(self.clique_prior),
            balance_prior=1.0,
            class_balance=self._check_class_balance(k),
        )

    def _run_em(
        self,
        design: genmath.Design,
        hyper: genmath.Hyper,
        post: npt.NDArray[np.float64],
    ) -> tuple[genmath.Params, npt.NDArray[np.float64], float, int, bool, float]:
        n = design.n
        ll = -np.inf
        converged = False
        delta = np.inf
        it = 0
        params = genmath.m_step(design, post, hyper)
        for it in range(1, int(self.max_iter) + 1):  # noqa: B007
            post, new_ll = genmath.posterior(design, params)
            params = genmath.m_step(design, post, hyper)
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
        sample_weight: npt.NDArray[np.float64] | None = None,
    ) -> None:
        del rng  # fitting is deterministic (majority-vote start)
        self._fit_kept(L, y, sample_weight)
        if not self.converged_:
            warn_unconverged(
                f"{self._name} did not converge in max_iter={self.max_iter} EM"
                f" iterations ({convergence_change(self._em_change, self.tol)})."
                " Increase max_iter or loosen tol; raising"
                " accuracy_prior or confusion_prior also steadies EM on LFs that"
                " vote on very few rows."
            )

    def _fit_kept(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        sample_weight: npt.NDArray[np.float64] | None,
    ) -> None:
        """Fit, gold weight and tie rule chosen; the model kept is the last fit."""
        L, y, sample_weight = self._fit_rows(L, y, sample_weight, self.max_fit_rows)
        if y is None or not np.any(y >= 0):
            self._fit_ties(L, None, sample_weight)
            self.gold_weight_ = None
            return
        if self.gold_weight != "auto":
            w = float(self.gold_weight)
            if w > 0:
                self._fit_ties(L, y, _gold.weigh_gold(sample_weight, y, w))
            else:
                self._fit_ties(L, None, sample_weight)
            self.gold_weight_ = w
            return
        rows = np.flatnonzero(y >= 0)
        row_w = np.ones(rows.size) if sample_weight is None else sample_weight[rows]
        for w, floor in self._rank_gold_weights(L, y, sample_weight):
            self._fit_ties(L, y, _gold.weigh_gold(sample_weight, y, w))
            score = _gold.gold_score(self._proba_of(L[rows]), y[rows])
            if _gold.mean_score(score, row_w) >= floor:
                self.gold_weight_ = w
                return
        self._fit_ties(L, None, sample_weight)
        self.gold_weight_ = 0.0

    def _fit_rows(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        sample_weight: npt.NDArray[np.float64] | None,
        cap: int | None,
    ) -> tuple[
        npt.NDArray[np.int32] | sp.csr_array,
        npt.NDArray[np.int64] | None,
        npt.NDArray[np.float64] | None,
    ]:
        """The rows to fit on: every s-th row of an input of more than 2 cap."""
        n = L.shape[0]
        if cap is None or self.learn_structure or n <= 2 * int(cap):
            return L, y, sample_weight
        step = -(-n // int(cap))  # ceil
        keep = np.zeros(n, dtype=bool)
        keep[::step] = True
        weight = np.where(keep, float(step), 1.0)
        if y is not None:
            keep |= y >= 0  # every gold row, with its own weight
            weight[y >= 0] = 1.0
        rows = np.flatnonzero(keep)
        w = (
            weight[rows]
            if sample_weight is None
            else weight[rows] * sample_weight[rows]
        )
        return L[rows], None if y is None else y[rows], w

    def _rank_gold_weights(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64],
        sample_weight: npt.NDArray[np.float64] | None,
    ) -> list[tuple[float, float]]:
        """gold_weight="auto": cross-validated gold weights, best first (_gold)."""
        if int(np.sum(y >= 0)) < _gold.MIN_GOLD_ROWS:
            return []
        # the comparison runs on every s-th unlabeled row (weighted s) and
        # every gold row: the final fit uses them all
        cap = _gold.CV_ROWS
        if self.max_fit_rows is not None:
            cap = min(cap, int(self.max_fit_rows))
        L, y_cv, sample_weight = self._fit_rows(L, y, sample_weight, cap)
        assert y_cv is not None
        y = y_cv
        rows = np.flatnonzero(y >= 0)
        y_gold = y[rows]
        sw = np.ones(y.shape[0]) if sample_weight is None else sample_weight
        row_w = sw[rows]
        gold_total = float(row_w.sum())
        unlabeled_total = float(sw.sum()) - gold_total
        L_gold = L[rows]
        # the fit without gold never sees the gold labels: score every row
        self._fit_ties(L, None, sample_weight)
        baseline = _gold.gold_score(self._proba_of(L_gold), y_gold)
        folds = _gold.stratified_folds(y_gold, _gold.N_FOLDS)
        scores: dict[float, npt.NDArray[np.float64]] = {}
        for w in _gold.candidate_weights(gold_total, unlabeled_total):
            ll = np.empty(rows.size)
            for f in range(_gold.N_FOLDS):  # loop over folds (few)
                hidden = folds == f
                if not hidden.any():
                    continue
                y_fold = y.copy()
                y_fold[rows[hidden]] = -1
                # the weight keeps its share: scaled to the gold still shown
                shown = float(row_w[~hidden].sum())
                w_fold = w if w == 1.0 else w * gold_total / max(shown, 1e-12)
                self._fit_ties(
                    L, y_fold, _gold.weigh_gold(sample_weight, y_fold, w_fold)
                )
                ll[hidden] = _gold.gold_score(
                    self._proba_of(L_gold[hidden]), y_gold[hidden]
                )
            scores[w] = ll
        return _gold.ranked(baseline, scores, row_w)

    def _proba_of(
        self, L: npt.NDArray[np.int32] | sp.csr_array
    ) -> npt.NDArray[np.float64]:
        """Posterior of the rows of validated votes ``L`` (votes only)."""
        patterns = compress(L)
        return self._predict_proba_patterns(patterns)[patterns.inverse]

    def _fit_ties(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        sample_weight: npt.NDArray[np.float64] | None,
    ) -> None:
        """One fit, with the anchor's tie rule chosen by mv_anchor_ties."""
        if self.mv_anchor_ties != "auto":
            self._fit_once(L, y, sample_weight, self.mv_anchor_ties)
            return
        self._fit_once(L, y, sample_weight, "rarer")
        if self.anchor_table_ is None or y is None or not np.any(y >= 0):
            return
        # Gold rows given and the anchor on: keep the tie rule that predicts
        # the gold rows better from their votes ("rarer" unless "abstain",
        # the LFs' own tables, is strictly better).
        first = {
            name: getattr(self, name)
            for name in (*self._saved_attributes, "_em_change")
            if hasattr(self, name)
        }
        first_score = self._gold_accuracy(L, y, sample_weight)
        self._fit_once(L, y, sample_weight, "abstain")
        if self._gold_accuracy(L, y, sample_weight) <= first_score:
            self.__dict__.update(first)

    def _gold_accuracy(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64],
        sample_weight: npt.NDArray[np.float64] | None,
    ) -> float:
        """Accuracy of the fitted posterior (votes only) on the gold rows.

        Argmax ties earn the fraction of the tied classes that is right.
        """
        rows = np.flatnonzero(y >= 0)
        patterns = compress(L[rows])
        proba = self._predict_proba_patterns(patterns)[patterns.inverse]
        top = np.isclose(proba, proba.max(axis=1, keepdims=True), rtol=0, atol=1e-12)
        credit = top[np.arange(rows.size), y[rows]] / top.sum(axis=1)
        w = np.ones(rows.size) if sample_weight is None else sample_weight[rows]
        total = float(w.sum())
        return float(credit @ w) / total if total > 0 else 0.0

    def _fit_once(
        self,
        L: npt.NDArray[np.int32] | sp.csr_array,
        y: npt.NDArray[np.int64] | None,
        sample_weight: npt.NDArray[np.float64] | None,
        ties: str,
    ) -> None:
        """One fit with the anchor's tie rule ``ties`` (see mv_anchor_ties)."""
        k, m = self.cardinality_, self.n_lfs_in_
        given = self._given_edges()
        patterns = compress(L, y, sample_weight)
        layout = self._layout(m, k)
        # learn_structure and the accuracy layout need the one-hot matrix itself
        em = OneHotEM(
            patterns,
            k,
            grouped=False if self.learn_structure or layout == "accuracy" else None,
        )
        hyper = self._hyper(em, k, np.asarray(patterns.counts, dtype=np.float64))

        init = majority_posterior(patterns, k, counts=em.vote_counts())
        clamp_gold(init, patterns.gold)

        fired = (
            genmath.fired_from_onehot(em.onehot, k)
            if self.learn_structure or layout == "accuracy"
            else None
        )
        copies = _duplicate_edges(patterns, em.vote_totals, k)
        edges = sorted(set(given) | set(copies))
        anchor = None
        self.anchor_weight_ = None
        if self._use_anchor(em.vote_totals, m, k):
            totals = np.asarray(em.vote_totals).reshape(m, k)
            n_rows = float(np.sum(patterns.counts))
            if ties == "rarer":
                self.anchor_weight_ = genmath.anchor_specificity(
                    totals.sum(axis=1), n_rows
                )
            elif ties == "bound":
                self.anchor_weight_ = genmath.anchor_coverage_bound(totals, n_rows)
            anchor = genmath.anchor_votes(
                patterns, k, em=em, specificity=self.anchor_weight_
            )
        design = genmath.build_design(
            patterns, k, components(m, edges), layout, em, fired
        )
        if anchor is not None:
            genmath.anchor_design(design, anchor)
        params, post, ll, it, conv, delta = self._run_em(design, hyper, init)
        if self.learn_structure:
            fired_all = (
                genmath.fired_from_onehot(em.onehot, k) if fired is None else fired
            )
            # an exact copy is tested through its original and is not counted
            # toward max_clique_size
            copy_lfs = {b for _, b in copies}
            is_copy = np.zeros(m, dtype=bool)
            is_copy[list(copy_lfs)] = True
            for _ in range(_MAX_STRUCTURE_ROUNDS):  # one edge per round
                tests = learn_edges(
                    design.em.onehot,
                    fired_all,
                    design.counts[:, None] * post,
                    k,
                    alpha=float(self.structure_alpha),
                    min_cmi=float(self.structure_min_cmi),
                    exclude=is_copy,
                )
                learned = merge_edges(
                    m,
                    edges,
                    tests,
                    int(self.max_clique_size),
                    one_edge=True,
                    copies=copy_lfs,
                )
                if len(learned) == len(edges):
                    break
                edges = learned
                design = genmath.build_design(
                    patterns, k, components(m, edges), layout, em, fired
                )
                if anchor is not None:
                    genmath.anchor_design(design, anchor)
                # restart from majority vote: the previous posterior was fitted
                # under the wrong structure
                params, post, ll, it, conv, delta = self._run_em(design, hyper, init)

        self.accuracy_layout_ = None
        self.mace_layout_ = None
        if self._blend_layouts(layout, hyper, em.vote_totals, k):
            # many-class crowd data: the accuracy layout is fitted as well, on
            # the same cliques and anchor, and predictions average the two
            # posteriors (see parametrization)
            companion = genmath.build_design(
                patterns, k, [c.members for c in design.cliques], "accuracy", em
            )
            if anchor is not None:
                genmath.anchor_design(companion, anchor)
            acc, _, _, _, acc_conv, acc_delta = self._run_em(companion, hyper, init)
            self.accuracy_layout_ = _layout_attributes(acc)
            if conv and not acc_conv:
                conv, delta = False, acc_delta
            competence, spam, mace_conv, mace_delta = _mace.fit(
                em.onehot,
                k,
                np.asarray(patterns.counts, dtype=np.float64),
                patterns.gold,
                init,
                max_iter=int(self.max_iter),
                tol=float(self.tol),
            )
            self.mace_layout_ = {"lf_competence_": competence, "lf_spam_": spam}
            if conv and not mace_conv:
                conv, delta = False, mace_delta

        # the warning, if any, is _fit's: it is about the model kept, not
        # about the cross-validation and tie-rule fits along the way
        self._em_change = float(delta)

        self.class_prior_ = params.prior
        self.lf_accuracy_ = params.accuracy
        self.lf_fire_rate_ = params.fire
        self.lf_confusion_ = params.confusion
        self.lf_propensity_ = params.propensity
        self.lf_abstain_informative_ = np.isfinite(hyper.abstain_prior)
        assert hyper.polarity is not None
        self.lf_polarity_ = hyper.polarity
        self.lf_own_vote_ = params.own_vote
        self.cliques_ = [tuple(c.members) for c in design.cliques]
        self.clique_codes_ = [c.codes for c in design.cliques]
        self.clique_tables_ = list(params.clique_tables)
        self.clique_class_weight_ = list(params.clique_class_weight)
        names = self.lf_names_in_
        self.dependencies_ = [(names[a], names[b]) for a, b in sorted(set(edges))]
        self.n_iter_ = int(it)
        self.converged_ = bool(conv)
        self.log_likelihood_ = float(ll)
        self.anchor_table_ = params.anchor_table
        self.mv_anchor_ties_ = ties if anchor is not None else None

    # --------------------------------------------------------------- predict
    def _params(self) -> genmath.Params:
        return self._params_from(vars(self))

    def _params_from(self, tables: Mapping[str, Any]) -> genmath.Params:
        """Params from tables keyed by attribute name: the model's own
        (``vars(self)``) or a companion layout's (``accuracy_layout_``, which
        has no ``lf_confusion_``)."""

        def arr(name: str) -> npt.NDArray[np.float64] | None:
            v = tables.get(name)
            return None if v is None else np.asarray(v, dtype=np.float64)

        def arrays(name: str) -> list[npt.NDArray[np.float64]]:
            return [np.asarray(t, dtype=np.float64) for t in tables[name]]

        return genmath.Params(
            prior=np.asarray(tables["class_prior_"], dtype=np.float64),
            fire=np.asarray(tables["lf_fire_rate_"], dtype=np.float64),
            accuracy=np.asarray(tables["lf_accuracy_"], dtype=np.float64),
            propensity=np.asarray(tables["lf_propensity_"], dtype=np.float64),
            confusion=arr("lf_confusion_"),
            clique_tables=arrays("clique_tables_"),
            clique_class_weight=arrays("clique_class_weight_"),
            anchor_table=arr("anchor_table_"),
            own_vote=arr("lf_own_vote_"),
            polarity=np.asarray(self.lf_polarity_, dtype=np.int64),
        )

    def _predict_proba_patterns(self, patterns: Patterns) -> npt.NDArray[np.float64]:
        k, m = self.cardinality_, self.n_lfs_in_
        in_clique = np.zeros(m, dtype=bool)
        cliques = []
        for members, codes in zip(self.cliques_, self.clique_codes_, strict=True):
            mem = tuple(int(j) for j in members)
            in_clique[list(mem)] = True
            cliques.append((mem, np.asarray(codes, dtype=np.int64)))
        weights = self.anchor_weight_
        layouts = [self._params()]
        companion = getattr(self, "accuracy_layout_", None)
        if companion is not None:
            layouts.append(self._params_from(companion))
        post = np.zeros((patterns.n_patterns, k))
        for params in layouts:  # one or two layouts
            rel = genmath.predict_log_joint(
                patterns,
                params,
                k,
                in_clique,
                cliques,
                float(self.clique_prior),
                None if weights is None else np.asarray(weights, dtype=np.float64),
            )
            post += e_step(rel)[0]
        n_layouts = len(layouts)
        mace = getattr(self, "mace_layout_", None)
        if mace is not None:
            rel = _mace.log_joint(
                one_hot(patterns, k),
                k,
                np.asarray(mace["lf_competence_"], dtype=np.float64),
                np.asarray(mace["lf_spam_"], dtype=np.float64),
            )
            post += e_step(rel)[0]
            n_layouts += 1
        out: npt.NDArray[np.float64] = post / n_layouts
        return out

    def _after_load(self) -> None:
        self.cliques_ = [tuple(int(j) for j in c) for c in self.cliques_]
        self.dependencies_ = [(str(a), str(b)) for a, b in self.dependencies_]
