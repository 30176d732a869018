"""The generative label model's maths: log joint, E- and M-steps (private, pure).

The model (see :class:`weaklabel.label_model.LabelModel`): a latent class
``y`` with prior ``pi``; every labeling function ``j`` that is not in a clique
abstains with probability ``1 - fire[j, c]`` given ``y = c`` and otherwise
votes ``v`` with probability ``confusion[j, c, v]``; the LFs of a clique
(2-3 LFs that are dependent given ``y``) have one joint table over their
observed vote configurations.  Given ``y`` the singletons and cliques are
independent, so the posterior is exact and each row's log-likelihood is a
sum of table entries:

    log P(y=c, votes) = log pi_c + sum_j log(1 - fire[j, c])
                        + sum_{j votes v} [log fire[j, c] + log confusion[j, c, v]
                                           - log(1 - fire[j, c])]
                        + sum_cliques log table_S[config, c]

The per-vote sum is one sparse product of the one-hot vote matrix of the
distinct vote patterns with an ``(m * k, k)`` table ("confusion" layout), or,
when ``m * k * k`` would be too large, with a parametrisation by per-LF
accuracy and vote propensity whose cost is linear in ``k`` ("accuracy"
layout).  The M-step statistics are the transposed products weighted by the
pattern counts.  Nothing here loops over rows, patterns or votes in Python;
the loops are over cliques (few).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from weaklabel.label_model._estep import e_step
from weaklabel.label_model._grouped import (
    all_sub_patterns,
    group_bounds,
    group_size,
    worth_grouping,
)
from weaklabel.label_model._patterns import (
    OneHotEM,
    Patterns,
)

__all__ = [
    "Clique",
    "Design",
    "Hyper",
    "Params",
    "anchor_coverage_bound",
    "anchor_design",
    "anchor_specificity",
    "anchor_votes",
    "build_design",
    "clique_columns",
    "coverage_bound",
    "e_step_joint",
    "m_step",
]

FloatArray = npt.NDArray[np.float64]
# Votes per block of rows in predict_log_joint (about 24 MB of one-hot).
_PREDICT_BLOCK_VOTES = 1 << 21
_PREDICT_BLOCK_BYTES = 1 << 26  # grouped codes: memory of a block
_EPS = 1e-12
_ACC_A1 = 2.0
_ACC_A0 = 1.0
# Pseudo-votes spread evenly over each confusion row (the one-sided LFs'
# own-vote column of the accuracy layout is that row's column: same value)
_CONFUSION_SMOOTHING = 1e-3


@dataclass(frozen=True)
class Hyper:
    """Prior strengths of the M-step (pseudo-counts), see LabelModel."""

    abstain_prior: FloatArray  # (m,) per LF; inf = abstaining says nothing
    confusion_prior: FloatArray  # (m,) per LF
    accuracy_prior: FloatArray  # (m,) per LF
    clique_prior: float
    balance_prior: float
    class_balance: FloatArray | None
    polarity: npt.NDArray[np.int64] | None = None  # (m,) the one class voted, or -1


@dataclass
class Clique:
    """A group of LFs modelled jointly: its observed vote configurations."""

    members: tuple[int, ...]
    codes: npt.NDArray[np.int64]  # sorted config codes seen at fit time
    member_votes: npt.NDArray[np.int64]  # (n_cfg, s) votes (-1 = abstain)
    index: npt.NDArray[np.intp]  # (u,) config of every pattern
    indicator: sp.csr_array  # (u, n_cfg)


@dataclass
class Design:
    """What EM needs about the training patterns, built once."""

    k: int
    m: int
    counts: FloatArray
    gold: npt.NDArray[np.int64] | None
    layout: str  # "confusion" or "accuracy"
    em: OneHotEM
    fired: sp.csr_array | None  # (u, m); built for the accuracy layout only
    fire_totals: FloatArray  # (m,) count-weighted number of votes of each LF
    cliques: list[Clique] = field(default_factory=list)
    in_clique: npt.NDArray[np.bool_] = field(
        default_factory=lambda: np.zeros(0, dtype=bool)
    )
    vote_class: npt.NDArray[np.intp] | None = None  # accuracy layout: class of entry
    entry_lf: npt.NDArray[np.intp] | None = None  # accuracy layout: LF of entry
    entry_row: npt.NDArray[np.intp] | None = None  # accuracy layout: row of entry
    anchor_index: npt.NDArray[np.intp] | None = None  # (u,) MV anchor vote, k = none
    anchor_indicator: sp.csr_array | None = None  # (u, k + 1)

    @property
    def n(self) -> float:
        return float(self.counts.sum())


@dataclass
class Params:
    """Model parameters (probabilities, not logs)."""

    prior: FloatArray  # (k,)
    fire: FloatArray  # (m, k) P(LF votes | y=c)
    accuracy: FloatArray  # (m,) pooled P(vote = y | votes)
    propensity: FloatArray  # (m, k) vote distribution of each LF
    confusion: FloatArray | None  # (m, k, k) P(vote v | y=c, votes), or None
    clique_tables: list[FloatArray] = field(default_factory=list)  # (n_cfg, k)
    clique_class_weight: list[FloatArray] = field(default_factory=list)  # (k,)
    anchor_table: FloatArray | None = None  # (k + 1, k) P(anchor vote | y)
    # accuracy layout: (m, k) P(vote = the LF's one class | y = c, votes) of
    # every one-sided LF (rows of the other LFs unused), or None
    own_vote: FloatArray | None = None
    polarity: npt.NDArray[np.int64] | None = None  # (m,) class voted, or -1


def config_codes(votes: npt.NDArray[np.integer], k: int) -> npt.NDArray[np.int64]:
    """Encode each row of member votes (-1 = abstain) as one int64 code."""
    base = np.int64(k + 1)
    code = np.zeros(votes.shape[0], dtype=np.int64)
    for i in range(votes.shape[1]):  # loop over clique members (<= 3)
        code = code * base + (votes[:, i].astype(np.int64) + 1)
    return code


def clique_columns(
    patterns: Patterns, members: tuple[int, ...]
) -> npt.NDArray[np.int64]:
    """Dense votes (-1 = abstain) of the given LFs for every pattern, (u, s)."""
    V = patterns.votes
    if not sp.issparse(V):
        return np.asarray(V[:, list(members)], dtype=np.int64)
    csc = sp.csc_array(V)
    out = np.full((V.shape[0], len(members)), -1, dtype=np.int64)
    for i, j in enumerate(members):  # loop over clique members
        lo, hi = csc.indptr[j], csc.indptr[j + 1]
        out[csc.indices[lo:hi], i] = csc.data[lo:hi]
    return out


def anchor_votes(
    patterns: Patterns,
    k: int,
    em: OneHotEM | None = None,
    specificity: FloatArray | None = None,
) -> npt.NDArray[np.intp]:
    """Majority vote of every pattern as an extra voter: its class, or k.

    With ``specificity`` (per LF, summing to less than 1, so that it never
    overrules a vote) classes tied on votes are separated by the summed
    specificity of their voters.  ``k`` (no anchor vote) where every LF
    abstains or the top classes still tie.
    """
    em = em if em is not None else OneHotEM(patterns, k)
    C = em.vote_counts()
    if specificity is not None:
        w = np.asarray(specificity, dtype=np.float64).reshape(-1, 1)
        # sum over the voters of each class of their specificity, (u, k):
        # vote v of LF j adds w[j] to column v
        C = C + em.product(np.asarray(np.kron(w, np.eye(k)), dtype=np.float64))
    top = C.max(axis=1)
    winner = np.argmax(C, axis=1)
    tie = (top[:, None] == C).sum(axis=1) > 1
    out: npt.NDArray[np.intp] = np.where(tie | (top <= 0), k, winner).astype(np.intp)
    return out


def anchor_specificity(fire_totals: FloatArray, n: float) -> FloatArray:
    """Tie-break weights: -log(coverage) of each LF, scaled to sum below 1/2.

    Encodes "a rule that fires on most rows is less precise than a rare one".
    """
    cov = np.clip(np.asarray(fire_totals, dtype=np.float64) / max(n, _EPS), 1e-9, 1.0)
    spec = -np.log(cov)
    out: FloatArray = 0.5 * spec / (spec.sum() + 1.0)
    return out


def coverage_bound(vote_totals: FloatArray, n: float) -> FloatArray:
    """Upper bound on each LF's precision from its coverage.

    An LF voting class c on a fraction ``cov`` of the rows is right on at
    most ``pi_c / cov`` of its votes, whatever its recall: a rule firing on
    more rows than its class holds must be wrong on the excess.  ``pi_c`` is
    taken as ``max(share of all votes going to c, 1 / k)`` (generous, so
    that only rules clearly broader than their class are bounded below 1).

    Parameters
    ----------
    vote_totals : ndarray of shape (m, k)
        Votes of each LF for each class (rows weighted by their counts).
    n : float
        Number of rows (weighted).

    Returns
    -------
    ndarray of shape (m,)
        ``min(1, pi_c / cov)`` with c the class the LF votes for most.
    """
    vt = np.asarray(vote_totals, dtype=np.float64)
    k = vt.shape[1]
    share = vt.sum(axis=0) / max(float(vt.sum()), _EPS)
    pi = np.maximum(share, 1.0 / k)
    cov = np.clip(vt.sum(axis=1) / max(n, _EPS), 1e-9, 1.0)
    out: FloatArray = np.minimum(1.0, pi[np.argmax(vt, axis=1)] / cov)
    return out


def anchor_coverage_bound(vote_totals: FloatArray, n: float) -> FloatArray:
    """Tie-break weights, shape (m,), from :func:`coverage_bound` (same inputs).

    ``log(bound_j) - min_l log(bound_l)``, scaled to sum below 1/2 so that
    the weights never overrule a vote count; all zeros where no bound binds.
    """
    log_bound = np.log(coverage_bound(vote_totals, n))
    spec = log_bound - float(log_bound.min())
    out: FloatArray = 0.5 * spec / (spec.sum() + 1.0)
    return out


def anchor_design(design: Design, index: npt.NDArray[np.intp]) -> None:
    """Attach the majority-vote anchor voter (see LabelModel's ``mv_anchor``)."""
    u, k = index.size, design.k
    design.anchor_index = index
    design.anchor_indicator = sp.csr_array(
        (np.ones(u), (np.arange(u), index)), shape=(u, k + 1)
    )


def _anchor_m_step(design: Design, wq: FloatArray, hyper: Hyper) -> FloatArray | None:
    """P(anchor vote | y): a Dawid-Skene row per class, voting pooled over classes."""
    if design.anchor_indicator is None:
        return None
    k = design.k
    M = np.asarray(design.anchor_indicator.T @ wq, dtype=np.float64)  # (k+1, k)
    n = float(M.sum())
    votes = M[:k]  # (v, c)
    rate = (float(votes.sum()) + 0.5) / (n + 1.0)
    d = float(np.mean(hyper.accuracy_prior)) if hyper.accuracy_prior.size else 0.1
    C = votes + d * np.eye(k) + 1e-3 / k
    out = np.empty((k + 1, k))
    out[:k] = rate * C / C.sum(axis=0, keepdims=True)
    out[k] = 1.0 - rate
    return np.maximum(out, _EPS)


def fired_from_onehot(onehot: sp.csr_array, k: int) -> sp.csr_array:
    """(u, m) indicator of the LFs that voted, from the (u, m*k) one-hot votes."""
    m = onehot.shape[1] // k
    return sp.csr_array(
        (
            np.ones(onehot.indices.size),
            (onehot.indices // k).astype(onehot.indices.dtype),
            onehot.indptr.copy(),
        ),
        shape=(onehot.shape[0], m),
    )


def build_design(
    patterns: Patterns,
    k: int,
    cliques: list[tuple[int, ...]],
    layout: str,
    em: OneHotEM | None = None,
    fired: sp.csr_array | None = None,
) -> Design:
    """Precompute the sparse matrices of the training patterns.

    ``em`` (the one-hot votes of ``patterns``) and ``fired`` (which LFs
    voted) are built when not given.
    """
    m = patterns.n_lfs
    if em is None:
        em = OneHotEM(patterns, k)
    F = fired
    if F is None and layout == "accuracy":
        F = fired_from_onehot(em.onehot, k)
    counts = np.asarray(patterns.counts, dtype=np.float64)
    design = Design(
        k=k,
        m=m,
        counts=counts,
        gold=patterns.gold,
        layout=layout,
        em=em,
        fired=F,
        fire_totals=em.vote_totals.reshape(m, k).sum(axis=1),
        in_clique=np.zeros(m, dtype=bool),
    )
    if layout == "accuracy":
        oh = em.onehot
        design.vote_class = (oh.indices % k).astype(np.intp)
        design.entry_lf = (oh.indices // k).astype(np.intp)
        design.entry_row = np.repeat(
            np.arange(oh.shape[0], dtype=np.intp), np.diff(oh.indptr)
        )
    for members in cliques:  # loop over cliques (few)
        votes = clique_columns(patterns, members)
        codes = config_codes(votes, k)
        uniq, index = np.unique(codes, return_inverse=True)
        first = np.zeros(uniq.size, dtype=np.intp)
        first[index[::-1]] = np.arange(index.size - 1, -1, -1)
        ind = sp.csr_array(
            (np.ones(index.size), (np.arange(index.size), index.reshape(-1))),
            shape=(index.size, uniq.size),
        )
        design.cliques.append(
            Clique(
                members=tuple(int(j) for j in members),
                codes=uniq.astype(np.int64),
                member_votes=votes[first],
                index=index.reshape(-1).astype(np.intp),
                indicator=ind,
            )
        )
        design.in_clique[list(members)] = True
    return design


# --------------------------------------------------------------------- E-step
def _log(x: FloatArray) -> FloatArray:
    return np.log(np.maximum(x, _EPS))


def _abstain_log(params: Params) -> FloatArray:
    """log P(abstain | c) of every LF, (m, k)."""
    return _log(1.0 - params.fire)


def singleton_log_table(params: Params, in_clique: npt.NDArray[np.bool_]) -> FloatArray:
    """Log table (m, vote, class) of the confusion layout, relative to abstain.

    Entry ``[j, v, c] = log fire[j,c] + log confusion[j,c,v] - log(1 - fire[j,c])``;
    zero for LFs in a clique (their votes are scored by the clique tables).
    """
    assert params.confusion is not None
    lf = _log(params.fire) - _abstain_log(params)  # (m, k)
    T = _log(params.confusion).transpose(0, 2, 1) + lf[:, None, :]  # (m, v, c)
    T[in_clique] = 0.0
    return np.ascontiguousarray(T)


def abstain_constant(params: Params, in_clique: npt.NDArray[np.bool_]) -> FloatArray:
    """sum_j log(1 - fire[j, c]) over the singleton LFs, shape (k,)."""
    la = _abstain_log(params)
    la[in_clique] = 0.0
    out: FloatArray = la.sum(axis=0)
    return out


def accuracy_terms(
    params: Params, in_clique: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Terms of the accuracy layout: (G (m,k), D (m,k), E (m,k)).

    For a vote ``v`` of LF ``j`` the log-likelihood relative to abstaining is
    ``G[j, c] + E[j, v] + [v == c] * D[j, v]``.  An LF that only ever voted
    one class ``o`` in ``fit`` (``params.polarity``) is scored by its own
    column ``params.own_vote`` instead (``G = log fire + log own_vote``,
    ``D[j, o] = E[j, o] = 0``; see :func:`own_vote_rates`): one accuracy
    cannot express a vote that is the same whatever the class, and EM would
    otherwise explain an LF voting one class on most rows by a class balance
    collapsed onto that class.  A vote ``v != o`` that such an LF casts in
    ``predict`` keeps the accuracy model's terms, ``E = log((1 - a) r_v)``
    and ``D = log a - E``: its propensity ``r_v`` is tiny, so like an unseen
    vote in a confusion row it is strong evidence for class ``v`` (and is
    never scored as the LF's usual vote).
    """
    k = params.fire.shape[1]
    a = np.clip(params.accuracy, 1e-6, 1 - 1e-6)[:, None]
    r = np.clip(params.propensity, 1e-9, 1 - 1e-9)
    fire_log = _log(params.fire) - _abstain_log(params)
    if k == 2:
        # Off-diagonal mass (1 - a) all goes to the single other class.
        G = fire_log.copy()
        E = np.broadcast_to(np.log1p(-a), r.shape).copy()
        D = np.broadcast_to(np.log(a) - np.log1p(-a), r.shape).copy()
    else:
        G = fire_log - np.log1p(-r)
        E = np.log1p(-a) + np.log(r)
        D = np.log(a) - np.log1p(-a) - np.log(r) + np.log1p(-r)
    if params.polarity is not None and params.own_vote is not None:
        one = np.flatnonzero(params.polarity >= 0)
        own = params.polarity[one]
        G[one] = fire_log[one] + _log(params.own_vote[one])
        E[one] = np.log1p(-a[one]) + np.log(r[one])
        D[one] = np.log(a[one]) - E[one]
        E[one, own] = 0.0
        D[one, own] = 0.0
    for X in (G, D, E):
        X[in_clique] = 0.0
    return G, D, E


def e_step_joint(design: Design, params: Params) -> tuple[FloatArray, float]:
    """Return (log joint up to a per-pattern constant (u, k), that constant's total).

    ``e_step(rel)`` of the first value gives the exact posteriors;
    ``counts @ ll + offset`` is the exact log-likelihood.
    """
    const = abstain_constant(params, design.in_clique) + _log(params.prior)
    if design.layout == "confusion":
        T = singleton_log_table(params, design.in_clique)
        rel, offset = design.em.log_likelihood(T, const)
    else:
        rel, offset = _accuracy_log_joint(design, params, const)
    for clique, table in zip(design.cliques, params.clique_tables, strict=True):
        rel += _log(table)[clique.index]  # loop over cliques (few)
    if design.anchor_index is not None and params.anchor_table is not None:
        rel += _log(params.anchor_table)[design.anchor_index]
    return rel, offset


def _accuracy_log_joint(
    design: Design, params: Params, const: FloatArray
) -> tuple[FloatArray, float]:
    G, D, E = accuracy_terms(params, design.in_clique)
    k = design.k
    F = design.fired
    assert F is not None
    rel = np.asarray(F @ G, dtype=np.float64).reshape(-1, k)
    oh = design.em.onehot
    assert design.vote_class is not None
    vals = D.reshape(-1)[oh.indices]
    diag = sp.csr_array((vals, design.vote_class, oh.indptr), shape=(oh.shape[0], k))
    rel += diag.toarray()  # duplicates (never, one vote per LF) would be summed
    rel += const
    offset = float(design.em.vote_totals @ E.reshape(-1))
    return rel, offset


def posterior(design: Design, params: Params) -> tuple[FloatArray, float]:
    """Return (posterior (u, k), total log-likelihood of the training votes)."""
    rel, offset = e_step_joint(design, params)
    post, ll = e_step(rel, design.gold, overwrite=True)
    return post, float(design.counts @ ll) + offset


# --------------------------------------------------------------------- M-step
def m_step(design: Design, post: FloatArray, hyper: Hyper) -> Params:
    """MAP estimates of every table from the posteriors (u, k)."""
    k, m = design.k, design.m
    w = design.counts
    n_c = np.asarray(w @ post, dtype=np.float64)  # expected rows per class
    # count-weighted posteriors, (u, k): only the accuracy layout, cliques and
    # the anchor need them (the confusion layout's statistics weigh inside)
    wq: FloatArray | None = None
    if (
        design.layout != "confusion"
        or design.cliques
        or design.anchor_indicator is not None
    ):
        wq = w[:, None] * post
    n = float(n_c.sum())

    # class balance
    if hyper.class_balance is not None:
        prior = np.asarray(hyper.class_balance, dtype=np.float64)
    else:
        b = hyper.balance_prior
        prior = (n_c + b) / (n + k * b)

    # expected votes per (LF, class): fires[j, c]
    if design.layout == "confusion":
        N: FloatArray | None = design.em.statistics(post).transpose(0, 2, 1)
        assert N is not None  # (m, c, v)
        fires = N.sum(axis=2)
    else:
        N = None
        assert design.fired is not None
        assert wq is not None
        fires = np.asarray(design.fired.T @ wq, dtype=np.float64).reshape(m, k)
    fires = np.minimum(fires, n_c[None, :])

    # firing rates: per class, shrunk toward the LF's pooled rate
    pooled = (design.fire_totals + 0.5) / (n + 1.0)  # (m,)
    s = np.asarray(hyper.abstain_prior, dtype=np.float64)[:, None]
    finite = np.isfinite(s)
    sf = np.where(finite, s, 0.0)
    fire = np.where(
        finite,
        (fires + (sf + 0.5) * pooled[:, None]) / (n_c[None, :] + sf + 0.5),
        pooled[:, None],
    )
    if hyper.polarity is not None:  # one-sided LFs: own class fires most
        pol = hyper.polarity
        one = np.flatnonzero((pol >= 0) & finite[:, 0])
        if one.size:
            den = np.broadcast_to(n_c[None, :] + sf[one] + 0.5, (one.size, k))
            fire[one] = monotone_rates(fire[one] * den, den, pol[one])
    fire = np.clip(fire, 1e-9, 1 - 1e-9)

    # vote propensity (how often the LF votes each class when it votes)
    vt = design.em.vote_totals.reshape(m, k)
    propensity = (vt + 1.0 / k) / (vt.sum(axis=1, keepdims=True) + 1.0)

    d = np.asarray(hyper.accuracy_prior, dtype=np.float64)
    if N is not None:
        correct = np.einsum("jcc->j", N)
    else:
        assert design.entry_row is not None
        assert design.entry_lf is not None
        assert design.vote_class is not None
        assert wq is not None
        vals = wq[design.entry_row, design.vote_class]
        correct = np.bincount(design.entry_lf, weights=vals, minlength=m)
    total = fires.sum(axis=1)
    # pooled accuracy: Beta(2, 1) prior (better than random, weak)
    accuracy = (correct + _ACC_A1) / (total + _ACC_A1 + _ACC_A0)
    accuracy = np.clip(accuracy, 1e-6, 1 - 1e-6)

    confusion = None
    if N is not None:
        t = np.asarray(hyper.confusion_prior, dtype=np.float64)[:, None, None]
        eye = np.eye(k)
        if k == 2:
            off = np.ones((m, k, k)) - eye
        else:
            r = propensity[:, None, :] * (1 - eye)[None]  # (m, c, v)
            off = r / np.maximum(r.sum(axis=2, keepdims=True), _EPS)
        onecoin = accuracy[:, None, None] * eye + (1 - accuracy)[:, None, None] * off
        C = N + t * onecoin + d[:, None, None] * eye + _CONFUSION_SMOOTHING / k
        confusion = C / C.sum(axis=2, keepdims=True)

    params = Params(
        prior=prior,
        fire=fire,
        accuracy=accuracy,
        propensity=propensity,
        confusion=confusion,
    )
    if N is None and hyper.polarity is not None:
        params.polarity = hyper.polarity
        params.own_vote = own_vote_rates(
            fires, accuracy, propensity, hyper.polarity, hyper
        )
    if wq is not None:
        _clique_m_step(design, wq, n_c, params, hyper)
        params.anchor_table = _anchor_m_step(design, wq, hyper)
    return params


def own_vote_rates(
    fires: FloatArray,
    accuracy: FloatArray,
    propensity: FloatArray,
    polarity: npt.NDArray[np.int64],
    hyper: Hyper,
) -> FloatArray:
    """P(vote = own class | y = c, LF votes) of one-sided LFs, (m, k).

    The own column of the confusion rows that the confusion layout would
    estimate: the expected votes ``fires`` (m, k), all for the LF's one
    class, plus ``confusion_prior`` pseudo-votes spread as the accuracy
    model spreads them and ``accuracy_prior`` on the diagonal.  Cost linear
    in k.  Rows of LFs that vote several classes are 1 (unused).
    """
    m, k = fires.shape
    out = np.ones((m, k))
    one = np.flatnonzero(polarity >= 0)
    if one.size == 0:
        return out
    own = polarity[one]
    is_own = np.arange(k)[None, :] == own[:, None]  # (s, k)
    a = accuracy[one][:, None]
    p = propensity[one]
    if k == 2:
        off = np.ones((one.size, k))
    else:  # share of the wrong votes of a class-c row that go to the own class
        p_own = p[np.arange(one.size), own][:, None]
        off = p_own / np.maximum(1.0 - p, _EPS)
    onecoin = np.where(is_own, a, (1.0 - a) * off)
    t = np.asarray(hyper.confusion_prior, dtype=np.float64)[one][:, None]
    d = np.asarray(hyper.accuracy_prior, dtype=np.float64)[one][:, None]
    f = fires[one]
    eps = _CONFUSION_SMOOTHING
    out[one] = (f + t * onecoin + d * is_own + eps / k) / (f + t + d + eps)
    return out


def monotone_rates(
    num: FloatArray, den: FloatArray, own: npt.NDArray[np.int64]
) -> FloatArray:
    """Rates ``num / den`` per row, pooled so that no class exceeds ``own``'s.

    The maximum-likelihood binomial rates under the order constraint
    ``rate[own] >= rate[c]`` for every ``c``: the own class is pooled with the
    classes that would exceed it, highest first (pool-adjacent-violators).
    """
    rows, k = num.shape
    idx = np.arange(rows)
    rate = num / den
    other = rate.copy()
    other[idx, own] = -np.inf
    order = np.argsort(-other, axis=1)  # other classes, highest rate first
    pooled_num = num[idx, own].copy()
    pooled_den = den[idx, own].copy()
    in_pool = np.zeros((rows, k), dtype=bool)
    in_pool[idx, own] = True
    active = np.ones(rows, dtype=bool)
    for step in range(k - 1):  # loop over classes, vectorised over LFs
        c = order[:, step]
        join = active & (rate[idx, c] > pooled_num / pooled_den) & (c != own)
        pooled_num += np.where(join, num[idx, c], 0.0)
        pooled_den += np.where(join, den[idx, c], 0.0)
        in_pool[idx[join], c[join]] = True
        active &= join
    out: FloatArray = np.where(in_pool, (pooled_num / pooled_den)[:, None], rate)
    return out


def member_marginals(
    params: Params, members: tuple[int, ...], member_votes: npt.NDArray[np.int64]
) -> FloatArray:
    """Product over members of the singleton model P(vote_i | c), (n_cfg, k)."""
    k = params.fire.shape[1]
    out = np.ones((member_votes.shape[0], k))
    for i, j in enumerate(members):  # loop over clique members
        v = member_votes[:, i]
        p = np.empty((v.size, k))
        ab = v < 0
        p[ab] = 1.0 - params.fire[j]
        vv = v[~ab]
        if params.confusion is not None:
            cond = params.confusion[j][:, vv].T  # (n, k)
        else:
            a = params.accuracy[j]
            r = params.propensity[j]
            if k == 2:
                cond = np.where(np.arange(k)[None, :] == vv[:, None], a, 1 - a)
            else:
                off = (1 - a) * r[vv][:, None] / np.maximum(1 - r[None, :], _EPS)
                cond = np.where(np.arange(k)[None, :] == vv[:, None], a, off)
        p[~ab] = params.fire[j][None, :] * cond
        out *= p
    return out


def _clique_m_step(
    design: Design, wq: FloatArray, n_c: FloatArray, params: Params, hyper: Hyper
) -> None:
    g = hyper.clique_prior
    tables: list[FloatArray] = []
    weights: list[FloatArray] = []
    informative = np.isfinite(np.asarray(hyper.abstain_prior, dtype=np.float64))
    for clique in design.cliques:  # loop over cliques (few)
        M = np.asarray(clique.indicator.T @ wq, dtype=np.float64)  # (n_cfg, k)
        base = member_marginals(params, clique.members, clique.member_votes)
        T = (M + g * base) / (n_c[None, :] + g)
        if not informative[list(clique.members)].any():
            T = _uninformative_firing(T, M, clique.member_votes)
        tables.append(np.maximum(T, _EPS))
        weights.append(n_c.copy())
    params.clique_tables = tables
    params.clique_class_weight = weights


def _uninformative_firing(
    T: FloatArray, M: FloatArray, member_votes: npt.NDArray[np.int64]
) -> FloatArray:
    """Make which members vote independent of the class, as for singletons.

    ``T[cfg, c]`` becomes ``P(firing pattern) * P(cfg | firing pattern, c)``,
    with the firing-pattern probability pooled over classes.
    """
    s = member_votes.shape[1]
    fp = ((member_votes >= 0) * (1 << np.arange(s))[None, :]).sum(axis=1)
    n_fp = 1 << s
    within = np.zeros((n_fp, T.shape[1]))
    np.add.at(within, fp, T)  # P(firing pattern | c) under T
    rows = np.bincount(fp, weights=M.sum(axis=1), minlength=n_fp)
    pooled = (rows + 1e-3) / (rows.sum() + 1e-3 * n_fp)
    out: FloatArray = T / np.maximum(within[fp], _EPS) * pooled[fp][:, None]
    return out


def clique_log_table_for(
    params: Params,
    index: int,
    members: tuple[int, ...],
    codes_fit: npt.NDArray[np.int64],
    votes: npt.NDArray[np.int64],
    k: int,
    clique_prior: float,
) -> FloatArray:
    """Log P(config | c) of new patterns' configurations, (u, k).

    Configurations seen at fit time use the fitted table; unseen ones get the
    prior share of the member-product model.
    """
    codes = config_codes(votes, k)
    pos = np.searchsorted(codes_fit, codes)
    pos = np.minimum(pos, codes_fit.size - 1)
    seen = codes_fit[pos] == codes
    out = np.empty((codes.size, k))
    table = params.clique_tables[index]
    out[seen] = table[pos[seen]]
    if (~seen).any():
        base = member_marginals(params, members, votes[~seen])
        nc = params.clique_class_weight[index]
        out[~seen] = clique_prior * base / (nc[None, :] + clique_prior)
    return _log(out)


def predict_grouped(params: Params) -> bool:
    """Whether prediction uses grouped codes (see ``OneHotEM``), from the model.

    The expected votes per row under the model decide, so that a row's
    prediction does not depend on the rows predicted with it.
    """
    m, k = params.fire.shape
    expected_votes = float((params.fire @ params.prior).sum())
    return worth_grouping(expected_votes, m, k, group_size(k))


def predict_log_joint(
    patterns: Patterns,
    params: Params,
    k: int,
    in_clique: npt.NDArray[np.bool_],
    cliques: list[tuple[tuple[int, ...], npt.NDArray[np.int64]]],
    clique_prior: float,
    anchor_weights: FloatArray | None = None,
) -> FloatArray:
    """Log joint (up to a per-pattern constant) of new patterns, (u, k).

    Computed in blocks of rows, so that the one-hot matrix (or the grouped
    codes) of a large input is never built whole (prediction memory does
    not grow with the rows beyond the output).
    """
    u = patterns.votes.shape[0]
    m = max(int(patterns.votes.shape[1]), 1)
    grouped = (
        params.confusion is not None
        and not patterns.is_sparse
        and predict_grouped(params)
    )
    every = None
    if grouped:
        bounds = group_bounds(m, group_size(k))
        # per row: the codes (2 bytes per group) and a few k-wide rows
        step = max(1, _PREDICT_BLOCK_BYTES // (2 * len(bounds) + 4 + 24 * k))
        n_codes = sum((k + 1) ** (stop - start) for start, stop in bounds)
        if u >= n_codes:
            # the tables of every code, built once and shared by the blocks
            # (the same sums as tables of the codes that occur)
            every = all_sub_patterns(m, k, group_size(k))
    else:
        step = max(1, _PREDICT_BLOCK_VOTES // m)
    args = (params, k, in_clique, cliques, clique_prior, anchor_weights, grouped, every)
    if u <= step:
        return _predict_log_joint_block(patterns, *args)
    out = np.empty((u, k))
    for s in range(0, u, step):  # loop over blocks of rows
        e = min(u, s + step)
        block = Patterns(
            votes=patterns.votes[s:e],
            counts=patterns.counts[s:e],
            inverse=np.arange(e - s, dtype=np.intp),
        )
        out[s:e] = _predict_log_joint_block(block, *args)
    return out


def _predict_log_joint_block(
    patterns: Patterns,
    params: Params,
    k: int,
    in_clique: npt.NDArray[np.bool_],
    cliques: list[tuple[tuple[int, ...], npt.NDArray[np.int64]]],
    clique_prior: float,
    anchor_weights: FloatArray | None,
    grouped: bool,
    every: list[sp.csr_array] | None,
) -> FloatArray:
    """:func:`predict_log_joint` on one block of patterns.

    Grouped codes (with the tables ``every``, when given) where ``grouped``,
    decided by :func:`predict_grouped` from the model alone, with a fixed
    group size: a row's prediction does not depend on the rows predicted
    with it.  The accuracy layout needs the one-hot matrix.
    """
    const = abstain_constant(params, in_clique) + _log(params.prior)
    em = OneHotEM(patterns, k, grouped=grouped, group=group_size(k), every=every)
    if params.confusion is not None:
        rel = em.relative_log_joint(singleton_log_table(params, in_clique), const)
    else:
        oh = em.onehot
        G, D, _ = accuracy_terms(params, in_clique)
        F = fired_from_onehot(oh, k)
        rel = np.asarray(F @ G, dtype=np.float64).reshape(-1, k)
        vals = D.reshape(-1)[oh.indices]
        diag = sp.csr_array((vals, oh.indices % k, oh.indptr), shape=(oh.shape[0], k))
        rel += diag.toarray() + const
    for i, (members, codes_fit) in enumerate(cliques):  # loop over cliques
        votes = clique_columns(patterns, members)
        rel += clique_log_table_for(
            params, i, members, codes_fit, votes, k, clique_prior
        )
    if params.anchor_table is not None:
        anchor = anchor_votes(patterns, k, em=em, specificity=anchor_weights)
        rel += _log(params.anchor_table)[anchor]
    return rel
