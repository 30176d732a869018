"""Per-pair weights against noisy correspondences.

Three sources of trust in a pair:

- ``lf``: P(match) from the label model over the pair LFs;
- ``gmm``: the memorisation effect (NCR): after a warm-up, clean pairs have
  lower loss than noisy ones, so a two-component Gaussian mixture on the
  per-pair losses gives each pair a probability of being clean (the posterior
  of the low-mean component);
- ``lf+gmm``: both, combined as independent evidence (their odds multiply).

Re-weighting can cost accuracy on clean data (fewer effective pairs, and the
GMM then splits the hard-but-clean pairs from the easy ones), so
``weighting="auto"`` (in :mod:`weaklabel.align.train`) does not trust a noise
estimate: it holds out a share of the pairs, trains each weighting on the
rest and keeps the one that retrieves the held-out pairs best, re-weighting
only when that beats uniform training by a margin (the clean-data gate).
:func:`choose_weighting` is that rule.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> losses = np.r_[rng.normal(1, 0.2, 80), rng.normal(4, 0.3, 20)]
>>> p = gmm_clean_probability(losses)
>>> bool(p[:80].mean() > 0.9 and p[80:].mean() < 0.1)
True
>>> round(estimated_noise(p), 2)
0.2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "WEIGHTINGS",
    "choose_weighting",
    "combine",
    "estimated_noise",
    "gmm_clean_probability",
]

Weighting = Literal["auto", "none", "lf", "gmm", "lf+gmm"]
WEIGHTINGS: tuple[str, ...] = ("auto", "none", "lf", "gmm", "lf+gmm")
_EPS = 1e-4


def gmm_clean_probability(
    losses: npt.ArrayLike, *, random_state: int = 0
) -> npt.NDArray[np.float64]:
    """P(clean) of each pair from a two-component GMM on its loss (NCR).

    Parameters
    ----------
    losses : array-like of shape (n_pairs,)
        Per-pair loss under the current model.
    random_state : int, default=0
        Seed of the mixture's initialisation.

    Returns
    -------
    ndarray of shape (n_pairs,)
        Posterior of the component with the lower mean.  All ones when the
        losses are (nearly) constant.

    Notes
    -----
    As in NCR (Huang et al., 2021): losses are min-max scaled to [0, 1] and
    the mixture uses ``max_iter=10, tol=1e-2, reg_covar=5e-4``.
    """
    from sklearn.mixture import GaussianMixture

    x = np.asarray(losses, dtype=np.float64).reshape(-1)
    if x.size < 4 or np.ptp(x) < 1e-12:
        return np.ones(x.size)
    z = (x - x.min()) / np.ptp(x)
    gmm = GaussianMixture(
        n_components=2, max_iter=10, tol=1e-2, reg_covar=5e-4, random_state=random_state
    )
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # ten EM steps is NCR's choice, not a failure
        warnings.simplefilter("ignore", ConvergenceWarning)
        gmm.fit(z[:, None])
    proba = gmm.predict_proba(z[:, None])
    clean = int(np.argmin(gmm.means_.reshape(-1)))
    return np.asarray(proba[:, clean], dtype=np.float64)


def estimated_noise(clean_probability: npt.ArrayLike) -> float:
    """The expected share of noisy pairs, ``mean(1 - p)``.

    Parameters
    ----------
    clean_probability : array-like of shape (n_pairs,)

    Returns
    -------
    float
    """
    p = np.asarray(clean_probability, dtype=np.float64)
    return float(np.mean(1.0 - p)) if p.size else 0.0


def combine(
    lf: npt.ArrayLike | None, gmm: npt.ArrayLike | None
) -> npt.NDArray[np.float64]:
    """Combine two P(clean) estimates as independent evidence.

    Both are posteriors over the same pairs, so their odds multiply and the
    shared prior is divided out once (naive Bayes); the prior is the label
    model's mean P(match).  An LF estimate that is the same for every pair
    (no information) therefore leaves the GMM's unchanged.

    Parameters
    ----------
    lf, gmm : array-like of shape (n_pairs,) or None
        Either may be None (the other is returned).

    Returns
    -------
    ndarray of shape (n_pairs,)

    Examples
    --------
    >>> combine([0.5, 0.5], [0.8, 0.1]).round(3)
    array([0.8, 0.1])
    >>> combine([0.9, 0.1], [0.8, 0.8]).round(3)
    array([0.973, 0.308])
    """
    if lf is None and gmm is None:
        raise ValueError("combine needs at least one of lf and gmm; got neither.")
    if lf is None or gmm is None:
        only = lf if lf is not None else gmm
        return np.asarray(only, dtype=np.float64)
    a = np.clip(np.asarray(lf, dtype=np.float64), _EPS, 1 - _EPS)
    b = np.clip(np.asarray(gmm, dtype=np.float64), _EPS, 1 - _EPS)
    prior = float(np.clip(a.mean(), _EPS, 1 - _EPS))
    odds = a / (1 - a) * b / (1 - b) / (prior / (1 - prior))
    return np.asarray(odds / (1 + odds), dtype=np.float64)


def choose_weighting(scores: Mapping[str, float], *, gate: float = 0.02) -> str:
    """The weighting ``auto`` uses, from each candidate's held-out rSum.

    Parameters
    ----------
    scores : mapping of str to float
        Held-out score of each candidate weighting, ``"none"`` included.
    gate : float, default=0.02
        The best re-weighting must beat ``"none"`` by more than this share of
        its score; otherwise uniform training wins.

    Returns
    -------
    str

    Examples
    --------
    >>> choose_weighting({"none": 100.0, "gmm": 101.0, "lf+gmm": 99.0})
    'none'
    >>> choose_weighting({"none": 100.0, "gmm": 104.0, "lf+gmm": 110.0})
    'lf+gmm'
    """
    if "none" not in scores:
        raise ValueError(
            f"choose_weighting needs the score of 'none' (uniform training); got"
            f" {sorted(scores)}."
        )
    others = [k for k in scores if k != "none"]
    if not others:
        return "none"
    best = max(others, key=lambda k: scores[k])
    return best if scores[best] > scores["none"] * (1.0 + gate) else "none"
