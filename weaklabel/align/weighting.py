"""Per-pair weights against noisy correspondences.

Three sources of trust in a pair:

- ``lf``: P(match) from the label model over the pair LFs;
- ``gmm``: the memorisation effect (NCR): after a warm-up, clean pairs have
  lower loss than noisy ones, so a two-component Gaussian mixture on the
  per-pair losses gives each pair a probability of being clean (the posterior
  of the low-mean component);
- ``lf+gmm``: both, combined as independent evidence (their odds multiply).

Re-weighting costs accuracy on clean data (fewer effective pairs, and the
GMM then splits the hard-but-clean pairs from the easy ones), so ``auto``
gates it: it turns re-weighting off when the data looks clean, that is when
the estimated share of noisy pairs is below ``gate`` (0.1 by default).

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

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "WEIGHTINGS",
    "combine",
    "estimated_noise",
    "gmm_clean_probability",
    "noise_share_vs_null",
    "resolve_auto",
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


def noise_share_vs_null(losses: npt.ArrayLike, null_losses: npt.ArrayLike) -> float:
    """Share of noisy pairs, calibrated on the losses of known-random pairs.

    A noisy pair's loss is distributed like a random pair's, so half of the
    noisy pairs lie above the median random-pair loss, and (once the model
    has learned something) almost no clean pair does: the noisy share is
    about twice the share of pairs above that median.

    Parameters
    ----------
    losses : array-like of shape (n_pairs,)
        Per-pair loss of the training pairs.
    null_losses : array-like of shape (n_null,)
        Per-pair loss of shuffled (random) pairs under the same model.

    Returns
    -------
    float
        In [0, 1]; an upper estimate (clean pairs above the median count too).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> null = rng.normal(5, 0.5, 1000)
    >>> real = np.r_[rng.normal(1, 0.5, 700), rng.normal(5, 0.5, 300)]
    >>> round(noise_share_vs_null(real, null), 1)
    0.3
    """
    x = np.asarray(losses, dtype=np.float64)
    med = float(np.median(np.asarray(null_losses, dtype=np.float64)))
    return min(1.0, 2.0 * float(np.mean(x > med))) if x.size else 0.0


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


def resolve_auto(
    *,
    lf: npt.ArrayLike | None,
    gmm: npt.ArrayLike | None,
    null_noise: float | None = None,
    gate: float = 0.1,
) -> tuple[str, float]:
    """What ``weighting="auto"`` does, given what is known about the pairs.

    Before the warm-up only the label model is known: its estimated noisy
    share decides between its weights and none.  After the warm-up the
    per-pair losses decide: the noisy share is the smaller of the GMM's and
    the null-calibrated estimate (:func:`noise_share_vs_null`), both upper
    estimates, and measured on the data itself rather than through the LFs'
    coverage.  Below ``gate`` nothing is re-weighted; above it the weights
    are the GMM's, combined with the label model's where pair LFs exist.

    Parameters
    ----------
    lf : array-like of shape (n_pairs,) or None
        Label-model P(match), if pair LFs were given.
    gmm : array-like of shape (n_pairs,) or None
        GMM P(clean) after the warm-up (None before it).
    null_noise : float, default=None
        The noisy share from :func:`noise_share_vs_null`.
    gate : float, default=0.1
        Re-weight only when the estimated noise share reaches it.

    Returns
    -------
    weighting : {"none", "lf", "gmm", "lf+gmm"}
    noise : float
        The estimated noisy share the decision used.

    Examples
    --------
    >>> resolve_auto(lf=[0.95, 0.99, 0.97], gmm=None)
    ('none', 0.03)
    >>> resolve_auto(lf=[0.1, 0.99, 0.2], gmm=None)
    ('lf', 0.57)
    >>> resolve_auto(lf=[0.1, 0.99, 0.2], gmm=[0.2, 0.9, 0.1], null_noise=0.6)
    ('lf+gmm', 0.6)
    >>> resolve_auto(lf=[0.1, 0.99, 0.2], gmm=[0.9, 0.9, 0.9], null_noise=0.02)
    ('none', 0.02)
    """
    if gmm is None:
        if lf is None:
            return "none", 0.0
        noise = estimated_noise(lf)
        return ("lf" if noise >= gate else "none"), round(noise, 6)
    noise = estimated_noise(gmm)
    if null_noise is not None:
        noise = min(noise, float(null_noise))
    if noise < gate:
        return "none", round(noise, 6)
    return ("lf+gmm" if lf is not None else "gmm"), round(noise, 6)
