"""Training projection heads on weighted pairs: ``PairAligner`` and ``AnchorAligner``.

``PairAligner`` learns a joint space for two modalities from their frozen
features and a list of (possibly noisy) pairs; ``AnchorAligner`` does the same
for several modalities that each pair only with one anchor modality
(ImageBind), which makes the other modalities comparable through it.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> z = rng.normal(size=(200, 4))
>>> X_left = z @ rng.normal(size=(4, 12))
>>> X_right = z @ rng.normal(size=(4, 9))
>>> pairs = np.c_[np.arange(200), np.arange(200)]
>>> model = PairAligner(dim=8, epochs=15, random_state=0).fit(X_left, X_right, pairs)
>>> model.transform(X_left, side="left").shape
(200, 8)
>>> from weaklabel.align.evaluate import retrieval_metrics
>>> r = retrieval_metrics(model.transform(X_left, side="left"),
...                       model.transform(X_right, side="right"), pairs)
>>> bool(r["left_to_right"]["r10"] > 50)
True
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import torch
from sklearn.base import BaseEstimator

from weaklabel._validation import check_int_param, check_real_param
from weaklabel.align.evaluate import retrieval_metrics
from weaklabel.align.heads import AlignNet
from weaklabel.align.losses import (
    HardestNegativeLoss,
    InfoNCELoss,
    SigLIPLoss,
    shared_item_mask,
)
from weaklabel.align.weighting import (
    WEIGHTINGS,
    choose_weighting,
    combine,
    estimated_noise,
    gmm_clean_probability,
)
from weaklabel.exceptions import NotFittedError, WeakLabelError
from weaklabel.typing import RandomStateLike

__all__ = ["AnchorAligner", "PairAligner"]

_LOSSES = ("infonce", "siglip")
_MIN_HELD = 20  # fewer held-out pairs than this per link: "auto" trains uniformly


@dataclass
class _Link:
    """Pairs between two modalities: item indices, LF confidence, fixed weights."""

    a: str
    b: str
    pairs: npt.NDArray[np.int64]
    lf: npt.NDArray[np.float64] | None
    sample_weight: npt.NDArray[np.float64]


def _as_features(X: Any, name: str) -> npt.NDArray[np.float32]:
    arr = np.asarray(X, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise WeakLabelError(
            f"{name} must be a non-empty 2-D feature matrix (n_items, n_features);"
            f" got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise WeakLabelError(f"{name} has NaN or infinite values; fill them first.")
    return arr


def _as_pairs(pairs: Any, n_a: int, n_b: int, name: str) -> npt.NDArray[np.int64]:
    arr = np.asarray(pairs)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 2:
        raise WeakLabelError(
            f"{name} must be an integer array of shape (n_pairs, 2) with at least two"
            f" pairs (row positions of the two items); got shape {arr.shape}."
        )
    if not np.issubdtype(arr.dtype, np.integer):
        raise WeakLabelError(
            f"{name} must hold integer row positions; got dtype {arr.dtype}. Map ids"
            " to positions with weaklabel.align.pair_indices."
        )
    arr = arr.astype(np.int64)
    for j, n in enumerate((n_a, n_b)):
        if arr[:, j].min() < 0 or arr[:, j].max() >= n:
            raise WeakLabelError(
                f"{name}[:, {j}] has positions outside 0..{n - 1} (got"
                f" {arr[:, j].min()}..{arr[:, j].max()}); positions index the"
                " feature matrices."
            )
    return arr


def _as_weights(w: Any, n: int, name: str) -> npt.NDArray[np.float64] | None:
    if w is None:
        return None
    arr = np.asarray(w, dtype=np.float64).reshape(-1)
    if (
        arr.shape != (n,)
        or not np.isfinite(arr).all()
        or (arr < 0).any()
        or (arr > 1).any()
    ):
        raise WeakLabelError(
            f"{name} must be {n} probabilities in [0, 1], one per pair; got shape"
            f" {arr.shape} with range"
            f" {arr.min() if arr.size else None}..{arr.max() if arr.size else None}."
        )
    return arr


def _seed_of(random_state: RandomStateLike) -> int:
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    return int(random_state)


def _heldout_rsum(
    net: AlignNet,
    X: Mapping[str, torch.Tensor],
    links: list[_Link],
    held: list[npt.NDArray[np.int64]],
) -> float:
    """Mean over links of the rSum of held-out pairs among the held-out items."""
    net.eval()
    total = 0.0
    with torch.no_grad():
        for lk, pairs in zip(links, held, strict=True):
            A = net.encode(lk.a, X[lk.a]).cpu().numpy()
            B = net.encode(lk.b, X[lk.b]).cpu().numpy()
            total += float(retrieval_metrics(A, B, pairs)["rsum"])
    return total / len(links)


class _BaseAligner(BaseEstimator):
    """Parameters and the training loop shared by the two aligners."""

    net_: AlignNet
    weighting_: str
    noise_estimate_: float | None
    selection_: dict[str, float] | None
    pair_weights_: list[npt.NDArray[np.float64]]
    logit_scale_: float
    history_: list[dict[str, float]]
    n_epochs_: int
    n_features_in_: dict[str, int]
    feature_columns_: dict[str, list[str]]

    def __init__(
        self,
        *,
        dim: int = 64,
        hidden: int | None = None,
        dropout: float = 0.0,
        loss: Literal["infonce", "siglip"] = "infonce",
        weighting: Literal["auto", "none", "lf", "gmm", "lf+gmm"] = "auto",
        epochs: int = 30,
        warmup: int = 5,
        batch_size: int = 128,
        lr: float = 5e-3,
        weight_decay: float = 1e-4,
        hard_negative: float = 0.0,
        margin: float = 0.2,
        gate: float = 0.02,
        holdout: float = 0.2,
        n_folds: int = 5,
        select_epochs: bool = True,
        device: str = "cpu",
        random_state: RandomStateLike = 0,
    ) -> None:
        self.dim = dim
        self.hidden = hidden
        self.dropout = dropout
        self.loss = loss
        self.weighting = weighting
        self.epochs = epochs
        self.warmup = warmup
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.hard_negative = hard_negative
        self.margin = margin
        self.gate = gate
        self.holdout = holdout
        self.n_folds = n_folds
        self.select_epochs = select_epochs
        self.device = device
        self.random_state = random_state

    # ---------------------------------------------------------------- checks
    def _check_params(self) -> None:
        owner = type(self).__name__
        check_int_param(self.dim, "dim", owner, low=1)
        if self.hidden is not None:
            check_int_param(self.hidden, "hidden", owner, low=1)
        check_real_param(self.dropout, "dropout", owner, low=0.0, high=0.95)
        if self.loss not in _LOSSES:
            raise ValueError(
                f"The 'loss' parameter of {owner} must be one of {list(_LOSSES)};"
                f" got {self.loss!r}."
            )
        if self.weighting not in WEIGHTINGS:
            raise ValueError(
                f"The 'weighting' parameter of {owner} must be one of"
                f" {list(WEIGHTINGS)}; got {self.weighting!r}."
            )
        check_int_param(self.epochs, "epochs", owner, low=1)
        check_int_param(self.warmup, "warmup", owner, low=0)
        check_int_param(self.batch_size, "batch_size", owner, low=2)
        check_real_param(self.lr, "lr", owner, low=0.0)
        check_real_param(self.weight_decay, "weight_decay", owner, low=0.0)
        check_real_param(self.hard_negative, "hard_negative", owner, low=0.0)
        check_real_param(self.margin, "margin", owner, low=0.0)
        check_real_param(self.gate, "gate", owner, low=0.0, high=1.0)
        check_real_param(self.holdout, "holdout", owner, low=0.0, high=0.5)
        check_int_param(self.n_folds, "n_folds", owner, low=1)
        if not isinstance(self.select_epochs, bool | np.bool_):
            raise ValueError(
                f"The 'select_epochs' parameter of {owner} must be True or False;"
                f" got {self.select_epochs!r}."
            )

    def _device(self) -> torch.device:
        dev = torch.device(self.device)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise WeakLabelError(
                f"{type(self).__name__}(device={self.device!r}): CUDA is not available"
                " on this machine; use device='cpu'."
            )
        return dev

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit first."
            )

    # --------------------------------------------------------------- training
    def _fit_links(
        self, views: Mapping[str, npt.NDArray[np.float32]], links: list[_Link]
    ) -> None:
        self._check_params()
        device = self._device()
        seed = _seed_of(self.random_state)
        mode = str(self.weighting)
        has_lf = all(lk.lf is not None for lk in links)
        if mode in ("lf", "lf+gmm") and not has_lf:
            raise WeakLabelError(
                f"weighting={mode!r} needs the label model's P(match) of every pair"
                " (confidence=...); give pair LFs or use weighting='gmm' or 'none'."
            )
        # Layer construction and dropout draw from torch's global RNG: run them
        # on a forked, seeded copy so the user's RNG state is left as it was.
        cuda = [device] if device.type == "cuda" else []
        scores: dict[str, float] | None = None
        n_epochs = self.epochs
        with torch.random.fork_rng(devices=cuda):
            if mode == "auto":
                mode, n_epochs, scores = self._select_weighting(
                    views, links, device, seed
                )
            torch.manual_seed(seed)
            run = self._train(views, links, device, seed, mode, epochs=n_epochs)
        net, history, weights, noise = run
        self.net_ = net
        self.n_epochs_ = n_epochs
        self.history_ = history
        self.weighting_ = mode
        self.selection_ = scores
        self.noise_estimate_ = noise
        self.pair_weights_ = weights
        self.logit_scale_ = float(net.logit_scale.detach())

    def _select_weighting(
        self,
        views: Mapping[str, npt.NDArray[np.float32]],
        links: list[_Link],
        device: torch.device,
        seed: int,
    ) -> tuple[str, int, dict[str, float]]:
        """What ``weighting="auto"`` uses: the best weighting on held-out pairs.

        A share ``holdout`` of every link's pairs is set aside; each candidate
        weighting trains on the rest, and its rSum on the held-out pairs
        (retrieved among the held-out items) after every epoch is its score.
        Noisy held-out pairs rank at random under every model, so they add
        variance but no bias: the candidate that retrieves the clean held-out
        pairs best scores highest.  A re-weighting is used only when it beats
        uniform training by more than ``gate`` (relative), so data on which
        re-weighting does not pay trains uniformly.  With ``select_epochs``
        the score is the best over epochs (of the 3-epoch moving average) and
        that epoch count is kept: training on noisy pairs memorises them, and
        stopping early is the oldest defence.

        Returns
        -------
        weighting : str
        n_epochs : int
        scores : dict of str to float
        """
        rng = np.random.default_rng(seed)
        folds: list[tuple[list[_Link], list[npt.NDArray[np.int64]]]] = [
            ([], []) for _ in range(self.n_folds)
        ]
        for lk in links:
            n = len(lk.pairs)
            n_held = round(self.holdout * n)
            if n_held < _MIN_HELD or n - n_held < 2:
                return "none", self.epochs, {}
            order = rng.permutation(n)
            for k, (fit_links, held) in enumerate(folds):
                # fold k holds out the k-th slice (slices wrap around when
                # n_folds * holdout > 1)
                mask = np.zeros(n, dtype=bool)
                mask[
                    np.take(order, np.arange(k * n_held, (k + 1) * n_held), mode="wrap")
                ] = True
                f = np.flatnonzero(~mask)
                lf = None if lk.lf is None else lk.lf[f]
                fit_links.append(
                    _Link(lk.a, lk.b, lk.pairs[f], lf, lk.sample_weight[f])
                )
                held.append(lk.pairs[mask])
        candidates = ["none", "gmm"]
        if all(lk.lf is not None for lk in links):
            candidates += ["lf", "lf+gmm"]
        scores: dict[str, float] = {}
        best_epochs: dict[str, int] = {}
        for how in candidates:
            curves = []
            for fit_links, held in folds:
                torch.manual_seed(seed)
                history = self._train(views, fit_links, device, seed, how, held=held)[1]
                curves.append([h["heldout_rsum"] for h in history])
            curve = np.mean(curves, axis=0)
            if self.select_epochs:
                smooth = np.convolve(curve, np.ones(3), "same")
                smooth /= np.convolve(np.ones(len(curve)), np.ones(3), "same")
                best = int(np.argmax(smooth))
                scores[how] = round(float(smooth[best]), 4)
                best_epochs[how] = best + 1
            else:
                scores[how] = round(float(curve[-1]), 4)
                best_epochs[how] = self.epochs
        chosen = choose_weighting(scores, gate=self.gate)
        return chosen, best_epochs[chosen], scores

    def _train(
        self,
        views: Mapping[str, npt.NDArray[np.float32]],
        links: list[_Link],
        device: torch.device,
        seed: int,
        mode: str,
        *,
        epochs: int | None = None,
        held: list[npt.NDArray[np.int64]] | None = None,
    ) -> tuple[
        AlignNet, list[dict[str, float]], list[npt.NDArray[np.float64]], float | None
    ]:
        """Train one network with a fixed weighting; the caller seeds torch.

        ``held`` (one array of pairs per link) adds the held-out rSum after
        every epoch to the history as ``heldout_rsum``.
        """
        gen = torch.Generator().manual_seed(seed)
        net = AlignNet(
            {k: v.shape[1] for k, v in views.items()},
            self.dim,
            hidden=self.hidden,
            dropout=self.dropout,
            loss=self.loss,
            generator=gen,
        )
        X = {
            k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in views.items()
        }
        for k in views:
            net.head(k).set_standardisation(X[k])
        net.to(device)
        X = {k: v.to(device) for k, v in X.items()}
        opt = torch.optim.AdamW(
            net.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        infonce = InfoNCELoss()
        siglip = SigLIPLoss()
        hinge = HardestNegativeLoss(self.margin)
        gmm_p: list[npt.NDArray[np.float64] | None] = [None] * len(links)
        history: list[dict[str, float]] = []

        def current_weights(i: int) -> npt.NDArray[np.float64]:
            lk = links[i]
            if mode == "none":
                w = np.ones(len(lk.pairs))
            elif mode == "lf":
                w = np.asarray(lk.lf)
            elif mode == "gmm":
                g = gmm_p[i]
                w = np.ones(len(lk.pairs)) if g is None else g
            else:  # lf+gmm: the label model's weights during the warm-up
                w = combine(lk.lf, gmm_p[i])
            return w * lk.sample_weight

        uses_gmm = mode in ("gmm", "lf+gmm")
        # Each pair's loss, standardised per epoch, summed over the epochs so far:
        # the model memorises noisy pairs as it trains, which erodes the last
        # epoch's loss as evidence; the running mean keeps the early signal.
        loss_sums: list[npt.NDArray[np.float64]] = [
            np.zeros(len(lk.pairs)) for lk in links
        ]
        n_seen = 0
        for epoch in range(self.epochs if epochs is None else epochs):
            if uses_gmm and epoch >= min(1, self.warmup):
                for i, lk in enumerate(links):
                    losses = self._pair_losses(net, X, lk, infonce, gen)
                    loss_sums[i] += (losses - losses.mean()) / (losses.std() + 1e-12)
                n_seen += 1
            if uses_gmm and epoch >= self.warmup:
                # NCR: refit the mixture every epoch after the warm-up
                for i in range(len(links)):
                    gmm_p[i] = gmm_clean_probability(
                        loss_sums[i] / n_seen, random_state=seed % 2**31
                    )
            weights = [
                torch.from_numpy(current_weights(i).astype(np.float32)).to(device)
                for i in range(len(links))
            ]
            net.train()
            t0 = time.perf_counter()
            total, n_steps, n_pairs = 0.0, 0, 0
            orders = [torch.randperm(len(lk.pairs), generator=gen) for lk in links]
            n_batches = max(-(-len(lk.pairs) // self.batch_size) for lk in links)
            for step in range(n_batches):
                loss_sum: torch.Tensor | None = None
                for i, lk in enumerate(links):
                    nb = -(-len(lk.pairs) // self.batch_size)
                    s = step % nb
                    idx = orders[i][s * self.batch_size : (s + 1) * self.batch_size]
                    if len(idx) < 2:
                        continue
                    p = torch.from_numpy(lk.pairs[idx.numpy()]).to(device)
                    a = net.encode(lk.a, X[lk.a][p[:, 0]])
                    b = net.encode(lk.b, X[lk.b][p[:, 1]])
                    mask = shared_item_mask(p[:, 0], p[:, 1])
                    w = weights[i][idx.to(device)]
                    if self.loss == "siglip":
                        term = siglip(a, b, net.logit_scale, w, mask, net.logit_bias)
                    else:
                        term = infonce(a, b, net.logit_scale, w, mask)
                    if self.hard_negative > 0 and epoch >= self.warmup:
                        term = term + self.hard_negative * hinge(a, b, w, mask)
                    loss_sum = term if loss_sum is None else loss_sum + term
                    n_pairs += len(idx)
                if loss_sum is None:
                    continue
                opt.zero_grad()
                loss_sum.backward()  # type: ignore[no-untyped-call]
                opt.step()
                net.clamp_()
                total += float(loss_sum.detach())
                n_steps += 1
            secs = max(time.perf_counter() - t0, 1e-9)
            history.append(
                {
                    "epoch": float(epoch),
                    "loss": total / max(n_steps, 1),
                    "pairs_per_s": n_pairs / secs,
                    "temperature": float(1.0 / net.logit_scale.detach().exp()),
                }
            )
            if held is not None:
                history[-1]["heldout_rsum"] = _heldout_rsum(net, X, links, held)
        net.eval()
        noise: float | None = None
        if gmm_p[0] is not None:
            noise = estimated_noise(np.concatenate([g for g in gmm_p if g is not None]))
        elif mode == "lf":
            noise = estimated_noise(np.concatenate([np.asarray(lk.lf) for lk in links]))
        final = [current_weights(i) for i in range(len(links))]
        return net, history, final, noise

    @staticmethod
    def _pair_losses(
        net: AlignNet,
        X: Mapping[str, torch.Tensor],
        lk: _Link,
        loss: InfoNCELoss,
        gen: torch.Generator,
    ) -> npt.NDArray[np.float64]:
        """Per-pair InfoNCE under the current model, in random batches of 128."""
        net.eval()
        out = np.zeros(len(lk.pairs))
        with torch.no_grad():
            A = net.encode(lk.a, X[lk.a])
            B = net.encode(lk.b, X[lk.b])
            order = torch.randperm(len(lk.pairs), generator=gen).numpy()
            size = 128
            for s in range(0, len(order), size):
                idx = order[s : s + size]
                if len(idx) < 2:
                    idx = order[-size:]
                p = torch.from_numpy(lk.pairs[idx]).to(A.device)
                mask = shared_item_mask(p[:, 0], p[:, 1])
                per = loss.per_pair(A[p[:, 0]], B[p[:, 1]], net.logit_scale, mask)
                out[idx] = per.cpu().numpy()
        return out

    def _embed(
        self, modality: str, X: Any, batch: int = 4096
    ) -> npt.NDArray[np.float32]:
        self._check_fitted()
        head = self.net_.head(modality)
        arr = _as_features(X, f"X ({modality})")
        if arr.shape[1] != head.mean.shape[0]:
            raise WeakLabelError(
                f"X ({modality}) has {arr.shape[1]} features; the model was fitted on"
                f" {head.mean.shape[0]}. Give the same feature columns as in fit."
            )
        dev = next(self.net_.parameters()).device
        parts = []
        with torch.no_grad():
            for s in range(0, len(arr), batch):
                x = torch.from_numpy(np.array(arr[s : s + batch])).to(dev)
                parts.append(self.net_.encode(modality, x).cpu().numpy())
        return np.concatenate(parts).astype(np.float32)


class PairAligner(_BaseAligner):
    """Learn a joint embedding space for two modalities from weighted noisy pairs.

    Parameters
    ----------
    dim : int, default=64
        Dimension of the shared space.
    hidden : int or None, default=None
        Hidden width of the MLP heads; None for linear heads.
    dropout : float, default=0.0
        Dropout on the input features.
    loss : {"infonce", "siglip"}, default="infonce"
        Symmetric InfoNCE (CLIP) or SigLIP's pairwise sigmoid loss.
    weighting : {"auto", "none", "lf", "gmm", "lf+gmm"}, default="auto"
        Per-pair weights: none; the label model's P(match) (``confidence``);
        NCR's two-component GMM on per-pair loss after the warm-up; both
        combined.  "auto" chooses by the data, never by a noise rate: it
        holds out a share ``holdout`` of the pairs (``n_folds`` times, a
        different share each time), trains every candidate ("none", "gmm",
        and with ``confidence`` also "lf" and "lf+gmm") on the rest, and uses
        the one that retrieves the held-out pairs best (rSum, averaged over
        the folds); a re-weighting must beat uniform training by more than
        ``gate``.  With ``select_epochs`` it also keeps the epoch count with
        the best held-out rSum (early stopping against memorised noisy
        pairs).  The choice is then trained on all pairs, so "auto" costs
        about ``n_folds * len(candidates) + 1`` fits.
    epochs : int, default=30
        Training epochs ("auto" with ``select_epochs`` may use fewer).
    warmup : int, default=5
        Epochs before the GMM and the hard-negative term start.  The GMM is
        refitted every epoch after it, on each pair's loss averaged over the
        epochs so far (each epoch's losses standardised).
    batch_size : int, default=128
    lr : float, default=5e-3
        AdamW learning rate.
    weight_decay : float, default=1e-4
    hard_negative : float, default=0.0
        Weight of the VSE++ hardest-negative hinge added after the warm-up.
    margin : float, default=0.2
        Margin of that hinge.
    gate : float, default=0.02
        Relative held-out rSum gain over uniform training a re-weighting
        needs before "auto" uses it (the clean-data gate).
    holdout : float, default=0.2
        Share of the pairs "auto" holds out to choose the weighting; with
        fewer than 20 held-out pairs (per modality pair) it trains uniformly.
    n_folds : int, default=5
        How many held-out shares "auto" scores each candidate on (5 with
        ``holdout=0.2`` is 5-fold cross-validation; 1 is a single split, 5
        times cheaper and noisier).
    select_epochs : bool, default=True
        Whether "auto" also chooses the number of epochs (at most ``epochs``)
        by the held-out rSum.
    device : str, default="cpu"
        ``"cpu"`` or ``"cuda"`` (``"cuda:1"``...).
    random_state : int, Generator or None, default=0
        Seed of the initial weights and batch order (the global RNGs are not
        touched); None draws a fresh seed.

    Attributes
    ----------
    net_ : AlignNet
        The two heads (``"left"``, ``"right"``) and the temperature.
    weighting_ : str
        The weighting used ("auto" resolved).
    noise_estimate_ : float or None
        Estimated share of noisy pairs (the GMM's, or the label model's for
        "lf"), None when neither was computed.
    selection_ : dict of str to float or None
        With "auto": the held-out rSum of every candidate weighting (mean
        over the folds, at its best epoch with ``select_epochs``; empty when
        there were too few pairs to hold any out); None otherwise.
    pair_weights_ : list of ndarray of shape (n_pairs,)
        The final weight of every training pair.
    logit_scale_ : float
        The learned log inverse temperature.
    history_ : list of dict
        Per epoch: ``loss``, ``pairs_per_s``, ``temperature``.
    n_epochs_ : int
        Epochs the final model trained for.
    n_features_in_ : dict of str to int
        Feature dimension of each side.

    See Also
    --------
    AnchorAligner : more than two modalities through an anchor.

    Notes
    -----
    Radford et al. (2021), CLIP; Zhai et al. (2023), SigLIP; Faghri et al.
    (2018), VSE++; Huang et al. (2021), NCR (noisy correspondence, GMM on
    per-pair loss).
    """

    def fit(
        self,
        X_left: npt.ArrayLike,
        X_right: npt.ArrayLike,
        pairs: npt.ArrayLike,
        *,
        confidence: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> PairAligner:
        """Train the two heads on the pairs.

        Parameters
        ----------
        X_left : array-like of shape (n_left, n_left_features)
        X_right : array-like of shape (n_right, n_right_features)
        pairs : array-like of shape (n_pairs, 2)
            Row positions ``(i_left, i_right)`` of each pair.
        confidence : array-like of shape (n_pairs,), default=None
            P(match) of each pair from the label model over the pair LFs.
        sample_weight : array-like of shape (n_pairs,), default=None
            Fixed weights in [0, 1] multiplied into whatever the weighting
            gives (mined pairs come with their confidence here).

        Returns
        -------
        self
        """
        L = _as_features(X_left, "X_left")
        R = _as_features(X_right, "X_right")
        P = _as_pairs(pairs, len(L), len(R), "pairs")
        conf = _as_weights(confidence, len(P), "confidence")
        sw = _as_weights(sample_weight, len(P), "sample_weight")
        link = _Link("left", "right", P, conf, np.ones(len(P)) if sw is None else sw)
        self._fit_links({"left": L, "right": R}, [link])
        self.n_features_in_ = {"left": L.shape[1], "right": R.shape[1]}
        return self

    def transform(
        self, X: npt.ArrayLike, *, side: Literal["left", "right"] = "left"
    ) -> npt.NDArray[np.float32]:
        """Embed one side's items: (n, n_features) -> (n, dim), unit rows."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right'; got {side!r}.")
        return self._embed(side, X)

    def score_pairs(
        self, X_left: npt.ArrayLike, X_right: npt.ArrayLike, pairs: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """Cosine similarity of each pair in the joint space, shape (n_pairs,)."""
        A = self.transform(X_left, side="left")
        B = self.transform(X_right, side="right")
        P = _as_pairs(pairs, len(A), len(B), "pairs")
        return np.asarray((A[P[:, 0]] * B[P[:, 1]]).sum(axis=1), dtype=np.float64)


class AnchorAligner(_BaseAligner):
    """Align several modalities through one anchor modality (ImageBind).

    Every other modality pairs only with the anchor; training all heads
    together puts every modality in one space, so two modalities never paired
    directly become comparable (retrieve Spanish names from French ones
    through images).

    Parameters
    ----------
    anchor : str, default="anchor"
        Name of the anchor modality (a key of ``views``).
    dim, hidden, dropout, loss, weighting, epochs, warmup, batch_size, lr, \
weight_decay, hard_negative, margin, gate, holdout, n_folds, select_epochs, \
device, random_state
        Keyword-only, as for :class:`PairAligner` (same meanings and defaults).

    Attributes
    ----------
    net_, weighting_, noise_estimate_, selection_, pair_weights_, logit_scale_,
    history_, n_epochs_
        As in :class:`PairAligner`; ``pair_weights_`` has one array per
        non-anchor modality, in the order of ``pairs``.
    modalities_ : list of str
        Anchor first, then the others.
    n_features_in_ : dict of str to int
    """

    def __init__(
        self,
        anchor: str = "anchor",
        *,
        dim: int = 64,
        hidden: int | None = None,
        dropout: float = 0.0,
        loss: Literal["infonce", "siglip"] = "infonce",
        weighting: Literal["auto", "none", "lf", "gmm", "lf+gmm"] = "auto",
        epochs: int = 30,
        warmup: int = 5,
        batch_size: int = 128,
        lr: float = 5e-3,
        weight_decay: float = 1e-4,
        hard_negative: float = 0.0,
        margin: float = 0.2,
        gate: float = 0.02,
        holdout: float = 0.2,
        n_folds: int = 5,
        select_epochs: bool = True,
        device: str = "cpu",
        random_state: RandomStateLike = 0,
    ) -> None:
        super().__init__(
            dim=dim,
            hidden=hidden,
            dropout=dropout,
            loss=loss,
            weighting=weighting,
            epochs=epochs,
            warmup=warmup,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            hard_negative=hard_negative,
            margin=margin,
            gate=gate,
            holdout=holdout,
            n_folds=n_folds,
            select_epochs=select_epochs,
            device=device,
            random_state=random_state,
        )
        self.anchor = anchor

    def fit(
        self,
        views: Mapping[str, npt.ArrayLike],
        pairs: Mapping[str, npt.ArrayLike],
        *,
        confidence: Mapping[str, npt.ArrayLike] | None = None,
    ) -> AnchorAligner:
        """Train one head per modality on the pairs of each modality with the anchor.

        Parameters
        ----------
        views : mapping of str to array-like of shape (n_items, n_features)
            Features of each modality, the anchor's included.
        pairs : mapping of str to array-like of shape (n_pairs, 2)
            For each non-anchor modality, row positions ``(i_anchor, i_other)``.
        confidence : mapping of str to array-like of shape (n_pairs,), default=None
            P(match) of each modality's pairs.

        Returns
        -------
        self
        """
        if self.anchor not in views:
            raise WeakLabelError(
                f"AnchorAligner(anchor={self.anchor!r}): views has no such modality"
                f" (got {sorted(views)}); name the anchor as in views."
            )
        feats = {k: _as_features(v, f"views[{k!r}]") for k, v in views.items()}
        others = [k for k in pairs if k != self.anchor]
        if not others or set(pairs) - set(views):
            raise WeakLabelError(
                "pairs must map each non-anchor modality of views to its pairs with"
                f" the anchor; got keys {sorted(pairs)} for views {sorted(views)}."
            )
        links = []
        for k in others:
            P = _as_pairs(
                pairs[k], len(feats[self.anchor]), len(feats[k]), f"pairs[{k!r}]"
            )
            conf = None if confidence is None else confidence.get(k)
            links.append(
                _Link(
                    self.anchor,
                    k,
                    P,
                    _as_weights(conf, len(P), f"confidence[{k!r}]"),
                    np.ones(len(P)),
                )
            )
        self._fit_links({k: feats[k] for k in [self.anchor, *others]}, links)
        self.modalities_ = [self.anchor, *others]
        self.n_features_in_ = {k: feats[k].shape[1] for k in self.modalities_}
        return self

    def transform(self, X: npt.ArrayLike, *, modality: str) -> npt.NDArray[np.float32]:
        """Embed one modality's items: (n, n_features) -> (n, dim), unit rows."""
        self._check_fitted()
        if modality not in self.modalities_:
            raise ValueError(
                f"modality must be one of {self.modalities_}; got {modality!r}."
            )
        return self._embed(modality, X)
