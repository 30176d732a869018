"""NoiseAwareClassifier: train any PyTorch module on probabilistic labels."""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F  # noqa: N812
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn
from typing_extensions import Self

from weaklabel._validation import (
    as_generator,
    check_gold,
    check_int_param,
    check_real_param,
)
from weaklabel.exceptions import ModelFileError, NotFittedError, WeakLabelError
from weaklabel.trainer._data import (
    Features,
    SparseFeatures,
    as_features,
    balanced_class_weight,
    check_labels,
    make_loader,
    normalize_weights,
    row_weights,
    split_holdout,
    to_device,
    voted_rows,
)
from weaklabel.trainer._persist import (
    CONFIG_FILE,
    FITTED_ATTRS,
    OPTIONAL_FITTED_ATTRS,
    ModuleSpec,
    build_network,
    read_model,
    write_model,
)
from weaklabel.trainer._self_training import PseudoLabels, select_pseudo_labels
from weaklabel.trainer.loss import make_loss, reduce_loss
from weaklabel.trainer.modules import default_module
from weaklabel.typing import ABSTAIN, RandomStateLike

__all__ = ["NoiseAwareClassifier"]

logger = logging.getLogger(__name__)

_OWNER = "NoiseAwareClassifier"
_OPTIMIZERS = ("adamw", "adam", "sgd")
_SCHEDULES = ("cosine", "linear")

State = dict[str, torch.Tensor]


class NoiseAwareClassifier(ClassifierMixin, BaseEstimator):
    """Train a PyTorch classifier on soft (probabilistic) or hard labels.

    The default loss is the expected cross-entropy under the label
    distribution, ``F.cross_entropy(logits, proba)``, so a row labelled
    ``[0.6, 0.4]`` pulls the model less than a confident one.  Mini-batches come
    from a ``DataLoader`` shuffled by a local ``torch.Generator``; the global
    torch and NumPy random states are never touched.

    Extend it by overriding the hooks (as in skorch): :meth:`initialize`
    builds the network and optimiser, :meth:`get_loss` turns logits into the
    loss, :meth:`train_step` runs one optimisation step, :meth:`infer` runs the
    network on a batch and :meth:`on_epoch_end` sees each epoch's record.

    Parameters
    ----------
    module : torch.nn.Module, callable or None, default=None
        The network: a module instance mapping a batch of features to
        ``(batch, n_classes)`` logits (copied at each ``fit``, weights used as
        given), or a factory ``module(n_features, n_classes) -> nn.Module``
        (e.g. a module class, or :class:`~weaklabel.trainer.MLPNet`), built
        afresh under ``random_state``.  ``None`` builds a
        :class:`~weaklabel.trainer.LogisticRegressionNet` (a linear head, the
        strongest cheap model on sparse text features) for the input width.
        Built-in networks receive scipy.sparse features as ``torch.sparse``
        batches; a user network gets dense batches unless it has the class
        attribute ``accepts_sparse = True``.
    max_epochs : int, default=50
        Maximum number of passes over the training rows.
    batch_size : int, default=64
        Rows per mini-batch (also used for prediction).
    lr : float, default=1e-2
        Learning rate (suits the default linear head; an MLP often prefers
        ``1e-3``).
    optimizer : {"adamw", "adam", "sgd"} or callable, default="adamw"
        Optimiser name (``"sgd"`` uses momentum 0.9), or a
        ``torch.optim.Optimizer`` class / factory called as
        ``optimizer(params, lr=lr, weight_decay=weight_decay)``.
    weight_decay : float, default=1e-4
        Weight decay (decoupled for AdamW, L2 otherwise).
    lr_schedule : {None, "cosine", "linear"}, default=None
        Per-step decay of the learning rate to 0 over ``max_epochs``: cosine
        annealing, or linear.  ``None`` keeps it constant.
    loss : {"soft_ce", "gce", "sce"}, default="soft_ce"
        Soft cross-entropy, generalised cross-entropy (Zhang & Sabuncu, 2018)
        or symmetric cross-entropy (Wang et al., 2019); the last two are more
        robust to heavy label noise.  See :mod:`weaklabel.trainer.loss`.
    loss_params : dict, default=None
        Parameters of the loss: ``{"q": 0.7}`` for ``"gce"``; ``alpha``,
        ``beta``, ``A`` for ``"sce"``.
    confidence_weighting : bool, default=False
        Weight each row by the confidence of its label, ``proba.max(axis=1)``,
        so near-uniform rows count less (multiplies ``sample_weight``).
    class_weight : {"balanced"}, sequence of float or None, default="balanced"
        Per-class loss weights; each row weighs the expected weight of its
        label, ``proba @ class_weight``.  ``"balanced"`` uses
        ``n / (n_classes * label mass of the class)`` over the training rows,
        computed from the (weak) training labels and the row weights, never
        from gold labels: rare classes (spam, a relation) are not drowned by
        the common one.  It matched or beat ``None`` on 5 of the 6 data sets of
        ``benchmarks/bench_end_model.py`` (+7 points of F1 on WRENCH sms,
        +1.9 points of accuracy on trec).  ``None`` weighs every class alike.
    filter_abstain : bool, default=True
        Drop the training rows on which every labeling function abstained:
        rows of the vote matrix passed as ``fit(..., L=L)`` with no vote, and
        hard labels equal to ``ABSTAIN`` (-1).
    early_stopping : bool, default=True
        Stop when the validation score has not improved for ``patience``
        epochs and restore the best weights.  The score is accuracy on
        ``(X_val, y_val)`` when given (ties broken by the lower cross-entropy
        there), else the noise-aware loss on a held-out slice of
        ``validation_fraction`` of the training rows.
    patience : int, default=5
        Epochs without improvement before stopping.
    validation_fraction : float, default=0.1
        Share of training rows held out when early stopping has no ``X_val``.
    self_training_rounds : int, default=0
        Rounds of self-training after the fit on the given labels (COSINE-style,
        Yu et al. 2021, without the contrastive term): the network labels the
        rows filtered out for having no vote, and overrides weak labels it
        disagrees with at least ``self_training_threshold`` confidence (and
        more confidently than the weak label), then a fresh network is
        trained on the weak rows plus those pseudo-labels, each weighted by
        its confidence.  Pseudo-labels of unlabelled rows follow the weak
        labels' class balance, and they are recomputed (not accumulated) each
        round; rounds stop early when they no longer change.  0 turns it off.
        ``self_training_history_`` records each round.
    self_training_threshold : float, default=0.9
        Minimum confidence of a pseudo-label or a correction.
    device : str, torch.device or None, default=None
        Where to train: ``"cuda"`` when available, else ``"cpu"``.
    progress : bool, default=False
        Show a tqdm progress bar over epochs (on stderr).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for the weight initialisation, dropout, shuffling and the
        held-out split.  An int makes CPU training exactly reproducible.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network (best epoch's weights when early stopping).
    optimizer_ : torch.optim.Optimizer
        The optimiser (not restored by :meth:`load`).
    scheduler_ : torch.optim.lr_scheduler.LRScheduler or None
        The learning-rate schedule.
    criterion_ : callable
        Per-row loss ``f(logits, target) -> Tensor of shape (n,)``.
    device_ : torch.device
        Device the network lives on.
    n_features_in_ : int or None
        Input width (None for a Dataset of non-vector items).
    n_classes_ : int
        Number of classes.
    classes_ : ndarray of shape (n_classes,)
        ``arange(n_classes_)``.
    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss``, ``valid_loss``,
        ``valid_accuracy`` (None without gold), ``lr``, ``dur`` (seconds),
        ``best`` (whether it improved on the earlier epochs).
    best_epoch_ : int
        Epoch whose weights ``module_`` holds (the last one without early
        stopping).
    n_epochs_ : int
        Epochs run.
    n_filtered_ : int
        Training rows dropped because every labeling function abstained.
    self_training_history_ : list of dict
        One record per self-training round: ``round``, ``n_added`` (unlabelled
        rows pseudo-labelled), ``n_corrected`` (weak labels overridden),
        ``n_train`` (rows trained on) and ``n_epochs``.  Empty without
        self-training.

    See Also
    --------
    weaklabel.trainer.MLPNet, weaklabel.trainer.LogisticRegressionNet

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype("float32")
    >>> p1 = 1 / (1 + np.exp(-4 * X[:, 0]))
    >>> proba = np.column_stack([1 - p1, p1])
    >>> clf = NoiseAwareClassifier(max_epochs=20, random_state=0).fit(X, proba)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.score(X, (X[:, 0] > 0).astype(int)) > 0.9
    True
    """

    def __init__(
        self,
        module: ModuleSpec = None,
        *,
        max_epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-2,
        optimizer: str | Callable[..., torch.optim.Optimizer] = "adamw",
        weight_decay: float = 1e-4,
        lr_schedule: Literal["cosine", "linear"] | None = None,
        loss: Literal["soft_ce", "gce", "sce"] = "soft_ce",
        loss_params: Mapping[str, float] | None = None,
        confidence_weighting: bool = False,
        class_weight: Literal["balanced"] | Sequence[float] | None = "balanced",
        filter_abstain: bool = True,
        early_stopping: bool = True,
        patience: int = 5,
        validation_fraction: float = 0.1,
        self_training_rounds: int = 0,
        self_training_threshold: float = 0.9,
        device: str | torch.device | None = None,
        progress: bool = False,
        random_state: RandomStateLike = None,
    ) -> None:
        self.module = module
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.loss = loss
        self.loss_params = loss_params
        self.confidence_weighting = confidence_weighting
        self.class_weight = class_weight
        self.filter_abstain = filter_abstain
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.self_training_rounds = self_training_rounds
        self.self_training_threshold = self_training_threshold
        self.device = device
        self.progress = progress
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        X: Any,
        proba: Any,
        *,
        L: Any = None,
        sample_weight: Any = None,
        X_val: Any = None,
        y_val: Any = None,
    ) -> Self:
        """Train the network on ``X`` with labels ``proba``.

        Parameters
        ----------
        X : array-like, scipy.sparse, torch.Tensor or torch Dataset
            Features of shape (n_samples, n_features), or a map-style Dataset
            whose items are the network's inputs for one row (a tensor, a
            tuple passed as ``module(*item)`` or a dict passed as
            ``module(**item)``).
        proba : array-like of shape (n_samples, n_classes) or (n_samples,)
            Soft labels whose rows sum to 1 (e.g. ``LabelModel.predict_proba``),
            or hard class indices (``ABSTAIN`` = -1 marks unlabelled rows).
        L : array-like or scipy.sparse of shape (n_samples, n_lfs), default=None
            The vote matrix the labels came from; with ``filter_abstain`` the
            rows on which every LF abstained are left out of training.  Dense
            votes use ``ABSTAIN`` (-1); scipy.sparse votes store ``vote + 1``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight per row of the loss.
        X_val, y_val : features and int array-like of shape (n_val,), default=None
            Gold-labelled validation data, reported in ``history_`` and used
            for early stopping.

        Returns
        -------
        self : NoiseAwareClassifier
            The fitted classifier.
        """
        self._check_params()
        features = as_features(X, owner=_OWNER)
        n = features.n_rows
        targets, hard = check_labels(proba, n, allow_abstain=self.filter_abstain)
        k = targets.shape[1]
        keep = np.ones(n, dtype=bool) if hard is None else hard != ABSTAIN
        if L is not None:
            voted = voted_rows(L, n, k)  # checked even when not filtering
            if self.filter_abstain:
                keep &= voted
        rows = np.flatnonzero(keep).astype(np.int64)
        if rows.size == 0:
            raise ValueError(
                "Every training row was dropped because every labeling function"
                " abstained on it; check the LFs' coverage, or pass"
                " filter_abstain=False with soft labels for those rows."
            )
        sample_weight = row_weights(sample_weight, targets, confidence_weighting=False)
        val = None
        if X_val is not None or y_val is not None:
            val = self._check_validation(X_val, y_val, features, k)

        rng = as_generator(self.random_state)
        init_seed, shuffle_seed = (int(s) for s in rng.integers(2**63 - 1, size=2))
        holdout = np.empty(0, dtype=np.int64)
        if self.early_stopping and val is None:
            rows, holdout = split_holdout(rows, self.validation_fraction, rng)
        class_weight = self._class_weight(
            targets,
            rows,
            k,
            row_weights(
                sample_weight,
                targets,
                confidence_weighting=self.confidence_weighting,
            ),
        )

        def weights_for(
            t: npt.NDArray[np.float32], use: npt.NDArray[np.int64], extra: Any
        ) -> npt.NDArray[np.float32] | None:
            base = sample_weight if extra is None else _times(sample_weight, extra)
            w = row_weights(
                base,
                t,
                confidence_weighting=self.confidence_weighting,
                class_weight=class_weight,
            )
            return normalize_weights(w, use)

        device = _resolve_device(self.device)
        self.self_training_history_: list[dict[str, Any]] = []
        fit_once = functools.partial(
            self._fit_once, features, k, device, init_seed, shuffle_seed
        )
        fit_once(rows, holdout, targets, weights_for(targets, rows, None), val)
        pool = np.flatnonzero(~keep).astype(np.int64)
        previous: PseudoLabels | None = None
        for round_ in range(1, self.self_training_rounds + 1):
            candidates = np.concatenate([rows, pool])
            model_proba = np.zeros((n, k))
            model_proba[candidates] = self._proba_of(features, candidates)
            pseudo = select_pseudo_labels(
                model_proba,
                targets,
                rows,
                pool,
                threshold=self.self_training_threshold,
            )
            if previous is not None and _same_pseudo_labels(previous, pseudo):
                break
            previous = pseudo
            weights = weights_for(pseudo.targets, pseudo.rows, pseudo.weight)
            fit_once(pseudo.rows, holdout, pseudo.targets, weights, val)
            self.self_training_history_.append(
                {
                    "round": round_,
                    "n_added": pseudo.n_added,
                    "n_corrected": pseudo.n_corrected,
                    "n_train": int(pseudo.rows.size),
                    "n_epochs": self.n_epochs_,
                }
            )
        self.n_filtered_ = int(n - keep.sum())
        return self

    def _fit_once(
        self,
        features: Features,
        k: int,
        device: torch.device,
        init_seed: int,
        shuffle_seed: int,
        rows: npt.NDArray[np.int64],
        holdout: npt.NDArray[np.int64],
        targets: npt.NDArray[np.float32],
        weights: npt.NDArray[np.float32] | None,
        val: tuple[Features, torch.Tensor] | None,
    ) -> None:
        """Build a fresh network under ``init_seed`` and train it on ``rows``."""
        with _local_torch_rng(init_seed, device):
            self.initialize(features.n_features, k, device=device)
            self._use_sparse_batches(features, *(() if val is None else (val[0],)))
            self._check_output_width(features, rows[:2])
            generator = torch.Generator().manual_seed(shuffle_seed)
            extras = [torch.from_numpy(targets)]
            if weights is not None:
                extras.append(torch.from_numpy(weights))
            self._train(features, rows, holdout, extras, val, generator)

    def initialize(
        self, n_features: int | None, n_classes: int, *, device: torch.device
    ) -> Self:
        """Build ``module_``, ``criterion_``, ``optimizer_`` and reset ``history_``.

        Called by :meth:`fit` with torch's RNG seeded from ``random_state``.
        """
        module = self.module
        if isinstance(module, nn.Module):
            net = copy.deepcopy(module)
        elif module is None:
            if n_features is None:
                raise ValueError(
                    "module=None builds an MLP for the input width, but the width"
                    " of these Dataset items is unknown (they are not 1-D"
                    " tensors); pass module= explicitly."
                )
            net = default_module(n_features, n_classes)
        elif callable(module):
            if n_features is None:
                raise ValueError(
                    "A module factory is called with the input width, which is"
                    " unknown for these Dataset items (they are not 1-D tensors);"
                    " pass a module instance instead."
                )
            net = module(n_features, n_classes)
            if not isinstance(net, nn.Module):
                raise TypeError(
                    f"The module factory {module!r} returned {type(net).__name__};"
                    " expected a torch.nn.Module."
                )
        else:
            raise TypeError(
                "The 'module' parameter of NoiseAwareClassifier must be a"
                " torch.nn.Module, a factory callable(n_features, n_classes) or"
                f" None. Got {module!r} instead."
            )
        self.device_ = device
        self.module_ = net.to(device)
        self.n_features_in_ = n_features
        self.n_classes_ = n_classes
        self.classes_ = np.arange(n_classes)
        self.criterion_ = make_loss(self.loss, self.loss_params)
        self.optimizer_ = self._make_optimizer()
        self.scheduler_: torch.optim.lr_scheduler.LRScheduler | None = None
        self.history_: list[dict[str, Any]] = []
        return self

    def get_loss(
        self, logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None
    ) -> torch.Tensor:
        """Return the scalar loss of a batch: mean of (weighted) per-row losses."""
        return reduce_loss(self.criterion_(logits, target), weight)

    def train_step(
        self, batch: tuple[Any, torch.Tensor, torch.Tensor | None]
    ) -> torch.Tensor:
        """Run one optimisation step on ``(inputs, target, weight)``; return the loss."""
        x, target, weight = batch
        self.optimizer_.zero_grad(set_to_none=True)
        loss = self.get_loss(self.infer(x), target, weight)
        loss.backward()  # type: ignore[no-untyped-call]
        self.optimizer_.step()
        if self.scheduler_ is not None:
            self.scheduler_.step()
        return loss.detach()

    def infer(self, x: Any) -> torch.Tensor:
        """Run the network on one batch of inputs and return its logits."""
        if isinstance(x, dict):
            out = self.module_(**x)
        elif isinstance(x, (tuple, list)):
            out = self.module_(*x)
        else:
            out = self.module_(x)
        if not isinstance(out, torch.Tensor):
            raise TypeError(
                f"The module returned {type(out).__name__}; NoiseAwareClassifier"
                " needs a tensor of logits of shape (batch, n_classes)."
            )
        return out

    def on_epoch_end(self, record: dict[str, Any]) -> None:
        """Hook called after each epoch with its ``history_`` record (no-op)."""

    # ------------------------------------------------------------ predict
    def predict_proba(self, X: Any) -> npt.NDArray[np.float64]:
        """Return class probabilities, float64 of shape (n_samples, n_classes)."""
        logits = self._logits(X, "predict_proba")
        return F.softmax(logits.double(), dim=1).numpy()

    def predict(self, X: Any) -> npt.NDArray[np.int64]:
        """Return the most probable class index of each row."""
        return self._logits(X, "predict").argmax(dim=1).numpy().astype(np.int64)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Return the accuracy of :meth:`predict` against gold labels ``y``."""
        pred = self.predict(X)
        gold = check_gold(y, len(pred), self.n_classes_, allow_missing=False)
        return float(np.average(pred == gold, weights=sample_weight))

    # -------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the weights and a JSON config to the directory ``path``.

        ``weights.pt`` holds ``torch.save(module_.state_dict())`` and
        ``config.json`` the parameters, how to rebuild the network, the
        fitted attributes and a checksum of the weights.  Each file is
        replaced atomically, the config last.  Returns the directory.
        """
        self._check_fitted("save")
        return write_model(
            path,
            self.module_,
            params=self.get_params(deep=False),
            defaults=type(self)().get_params(deep=False),
            fitted={
                name: getattr(self, name)
                for name in (*FITTED_ATTRS, *OPTIONAL_FITTED_ATTRS)
            },
        )

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        module: ModuleSpec = None,
        device: str | torch.device | None = None,
    ) -> Self:
        """Load a classifier written by :meth:`save`, ready to predict.

        The optimiser state is not saved: calling ``fit`` on the result trains
        afresh with the saved parameters.

        Parameters
        ----------
        path : str or path-like
            Directory given to :meth:`save`.
        module : torch.nn.Module, callable or None, default=None
            The network to load the weights into; required when it was a
            user module (built-in ones are rebuilt from the config).
        device : str, torch.device or None, default=None
            Where to put the network (default: the saved ``device`` parameter,
            i.e. CUDA when available unless it was set).

        Returns
        -------
        NoiseAwareClassifier
        """
        config, state = read_model(path)
        clf = cls._from_params(config["params"], Path(path) / CONFIG_FILE)
        if device is not None:
            clf.device = str(device)
        net, module = build_network(config, state, module, path)
        clf.module = module
        clf.device_ = _resolve_device(clf.device)
        clf.module_ = net.to(clf.device_).eval()
        clf.criterion_ = make_loss(clf.loss, clf.loss_params)
        for name in FITTED_ATTRS:
            setattr(clf, name, config[name])
        for name, default in OPTIONAL_FITTED_ATTRS.items():
            setattr(clf, name, config.get(name, default()))
        clf.classes_ = np.arange(clf.n_classes_)
        return clf

    @classmethod
    def _from_params(cls, params: Mapping[str, Any], path: Path) -> Self:
        """An unfitted classifier with the saved parameters, each one checked."""
        known = set(cls().get_params(deep=False)) - {"module"}
        for name in params:
            if name not in known:
                raise ModelFileError(
                    f"{str(path)!r} is not a valid NoiseAwareClassifier file"
                    f" (attribute 'params.{name}'): {_OWNER} has no parameter"
                    f" {name!r}. Train and save the model again.",
                    path=str(path),
                    attribute=f"params.{name}",
                )
        try:
            clf = cls(**params)
            clf._check_params()
            for name in ("random_state", "device"):
                value = getattr(clf, name)
                kind = int if name == "random_state" else str
                if value is not None and (
                    not isinstance(value, kind) or isinstance(value, bool)
                ):
                    raise ValueError(
                        f"The {name!r} parameter must be {kind.__name__} or None."
                        f" Got {value!r} instead."
                    )
        except (TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{str(path)!r} is not a valid NoiseAwareClassifier file"
                f" (attribute 'params'): {exc} Train and save the model again.",
                path=str(path),
                attribute="params",
            ) from exc
        return clf

    # ------------------------------------------------------------ private
    def _check_params(self) -> None:
        check_int_param(self.max_epochs, "max_epochs", _OWNER, low=1)
        check_int_param(self.batch_size, "batch_size", _OWNER, low=1)
        check_int_param(self.patience, "patience", _OWNER, low=1)
        check_int_param(
            self.self_training_rounds, "self_training_rounds", _OWNER, low=0
        )
        check_real_param(
            self.self_training_threshold,
            "self_training_threshold",
            _OWNER,
            low=0,
            high=1,
        )
        check_real_param(self.lr, "lr", _OWNER, low=0, low_inclusive=False)
        check_real_param(self.weight_decay, "weight_decay", _OWNER, low=0)
        check_real_param(
            self.validation_fraction,
            "validation_fraction",
            _OWNER,
            low=0,
            high=0.9,
            low_inclusive=False,
        )
        if not (callable(self.optimizer) or self.optimizer in _OPTIMIZERS):
            raise ValueError(
                f"The 'optimizer' parameter of {_OWNER} must be one of"
                f" {list(_OPTIMIZERS)} or an optimizer class. Got"
                f" {self.optimizer!r} instead."
            )
        if self.lr_schedule is not None and self.lr_schedule not in _SCHEDULES:
            raise ValueError(
                f"The 'lr_schedule' parameter of {_OWNER} must be None or one of"
                f" {list(_SCHEDULES)}. Got {self.lr_schedule!r} instead."
            )
        for flag in (
            "confidence_weighting",
            "filter_abstain",
            "early_stopping",
            "progress",
        ):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(
                    f"The {flag!r} parameter of {_OWNER} must be a bool. Got"
                    f" {getattr(self, flag)!r} instead."
                )
        make_loss(self.loss, self.loss_params)

    def _class_weight(
        self,
        targets: npt.NDArray[np.float32],
        rows: npt.NDArray[np.int64],
        k: int,
        weights: npt.NDArray[np.float32] | None,
    ) -> npt.NDArray[np.float64] | None:
        """The per-class loss weights: None, balanced on the weak labels, or given.

        ``weights`` (sample and confidence weights) count in the balance, so a
        row of weight 0 is the same as a row left out, with weight 2 the same as
        a row passed twice.
        """
        cw = self.class_weight
        if cw is None:
            return None
        if isinstance(cw, str):
            if cw != "balanced":
                raise ValueError(
                    f"The 'class_weight' parameter of {_OWNER} must be None,"
                    f" 'balanced' or one weight per class. Got {cw!r} instead."
                )
            return balanced_class_weight(targets, rows, weights)
        arr = np.asarray(cw, dtype=np.float64)
        if arr.shape != (k,) or not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError(
                f"The 'class_weight' parameter of {_OWNER} must hold {k}"
                f" non-negative weights, one per class. Got {cw!r} instead."
            )
        return arr

    def _use_sparse_batches(self, *features: Features) -> None:
        """Keep sparse batches sparse when the network says it multiplies them."""
        sparse = bool(getattr(self.module_, "accepts_sparse", False))
        for f in features:
            if isinstance(f, SparseFeatures):
                f.sparse_batches = sparse

    def _proba_of(
        self, features: Features, rows: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        logits = self._logits_of(features, rows)
        return F.softmax(logits.double(), dim=1).numpy()

    def _check_validation(
        self, X_val: Any, y_val: Any, features: Features, k: int
    ) -> tuple[Features, torch.Tensor]:
        if X_val is None or y_val is None:
            raise ValueError(
                "Pass X_val and y_val together (validation features and their gold"
                " labels), or neither."
            )
        val = as_features(X_val, name="X_val", owner=_OWNER)
        if (
            val.n_features is not None
            and features.n_features is not None
            and val.n_features != features.n_features
        ):
            raise ValueError(
                f"X_val has {val.n_features} features but X has"
                f" {features.n_features}; transform both the same way."
            )
        gold = check_gold(y_val, val.n_rows, k, name="y_val", allow_missing=False)
        return val, torch.from_numpy(gold)

    def _check_output_width(
        self, features: Features, rows: npt.NDArray[np.int64]
    ) -> None:
        self.module_.eval()
        with torch.no_grad():
            out = self.infer(to_device(features.take(rows), self.device_))
        if out.ndim != 2 or out.shape[1] != self.n_classes_:
            raise ValueError(
                f"The module returns logits of shape {tuple(out.shape)} but the labels"
                f" have {self.n_classes_} classes; make it output"
                f" (batch, {self.n_classes_}). With hard labels whose highest"
                " class is absent, pass one-hot soft labels with one column per"
                " class instead (np.eye(n_classes)[y])."
            )

    def _make_optimizer(self) -> torch.optim.Optimizer:
        params = self.module_.parameters()
        kw: dict[str, Any] = {"lr": self.lr, "weight_decay": self.weight_decay}
        if self.optimizer == "adamw":
            return torch.optim.AdamW(params, **kw)
        if self.optimizer == "adam":
            return torch.optim.Adam(params, **kw)
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, momentum=0.9, **kw)
        if isinstance(self.optimizer, str):  # unreachable after _check_params
            raise ValueError(f"Unknown optimizer {self.optimizer!r}.")
        return self.optimizer(params, **kw)

    def _train(
        self,
        features: Features,
        rows: npt.NDArray[np.int64],
        holdout: npt.NDArray[np.int64],
        extras: list[torch.Tensor],
        val: tuple[Features, torch.Tensor] | None,
        generator: torch.Generator,
    ) -> None:
        loader = make_loader(
            features, rows, self.batch_size, extras=extras, generator=generator
        )
        total_steps = self.max_epochs * len(loader)
        if self.lr_schedule == "cosine":
            self.scheduler_ = torch.optim.lr_scheduler.CosineAnnealingLR(
                self.optimizer_, T_max=total_steps
            )
        elif self.lr_schedule == "linear":
            self.scheduler_ = torch.optim.lr_scheduler.LinearLR(
                self.optimizer_, 1.0, 0.0, total_iters=total_steps
            )
        best_score: tuple[float, ...] | None = None
        best_state: State | None = None
        self.best_epoch_ = 0
        waited = 0
        epochs = range(1, self.max_epochs + 1)
        bar = _progress(epochs) if self.progress else None
        for epoch in bar if bar is not None else epochs:
            start = time.perf_counter()
            record: dict[str, Any] = {
                "epoch": epoch,
                "lr": self.optimizer_.param_groups[0]["lr"],
            }
            record["train_loss"] = self._run_epoch(loader)
            if not math.isfinite(record["train_loss"]):
                raise FloatingPointError(
                    f"The training loss became {record['train_loss']} in epoch {epoch};"
                    f" the optimisation diverged. Lower lr (now {self.lr}), scale the"
                    " features, or use lr_schedule='cosine'."
                )
            score = self._validate(record, features, holdout, extras, val)
            improved = score is not None and (best_score is None or score > best_score)
            record["best"] = improved
            record["dur"] = time.perf_counter() - start
            self.history_.append(record)
            self.on_epoch_end(record)
            logger.debug("epoch %s", record)
            if bar is not None:
                bar.set_postfix(
                    {
                        k: record[k]
                        for k in ("train_loss", "valid_loss")
                        if record[k] is not None
                    }
                )
            if improved:
                best_score, waited = score, 0
                if self.early_stopping:
                    best_state, self.best_epoch_ = _snapshot(self.module_), epoch
            elif score is not None:
                waited += 1
                if self.early_stopping and waited >= self.patience:
                    break
        self.n_epochs_ = len(self.history_)
        if best_state is not None:
            self.module_.load_state_dict(best_state)
        else:
            self.best_epoch_ = self.n_epochs_
        self.module_.eval()

    def _run_epoch(self, loader: Any) -> float:
        self.module_.train()
        total = torch.zeros((), device=self.device_)
        count = 0
        for batch in loader:
            x, target, *rest = to_device(batch, self.device_)
            loss = self.train_step((x, target, rest[0] if rest else None))
            total += loss * target.shape[0]
            count += target.shape[0]
        return float(total) / count  # one device sync per epoch

    def _validate(
        self,
        record: dict[str, Any],
        features: Features,
        holdout: npt.NDArray[np.int64],
        extras: list[torch.Tensor],
        val: tuple[Features, torch.Tensor] | None,
    ) -> tuple[float, ...] | None:
        """Fill the record's validation entries; return the score to maximise."""
        record["valid_loss"] = record["valid_accuracy"] = None
        if val is not None:
            val_features, gold = val
            logits = self._logits_of(val_features, np.arange(val_features.n_rows))
            loss = float(F.cross_entropy(logits, gold))
            acc = float((logits.argmax(dim=1) == gold).double().mean())
            record["valid_loss"], record["valid_accuracy"] = loss, acc
            return (acc, -loss)
        if holdout.size == 0:
            return None
        self.module_.eval()
        total = torch.zeros((), device=self.device_)
        loader = make_loader(features, holdout, self.batch_size, extras=extras)
        with torch.inference_mode():
            for batch in loader:
                x, target, *rest = to_device(batch, self.device_)
                batch_loss = self.get_loss(
                    self.infer(x), target, rest[0] if rest else None
                )
                total += batch_loss * target.shape[0]
        record["valid_loss"] = float(total) / holdout.size
        return (-record["valid_loss"],)

    def _logits(self, X: Any, method: str) -> torch.Tensor:
        self._check_fitted(method)
        features = as_features(X, owner=_OWNER)
        if (
            features.n_features is not None
            and self.n_features_in_ is not None
            and features.n_features != self.n_features_in_
        ):
            raise ValueError(
                f"X has {features.n_features} features, but {_OWNER} was fitted"
                f" with {self.n_features_in_}; transform X the same way as in fit."
            )
        self._use_sparse_batches(features)
        logits = self._logits_of(features, np.arange(features.n_rows))
        bad = ~torch.isfinite(logits).all(dim=1)
        if bool(bad.any()):
            raise WeakLabelError(
                f"{_OWNER}.{method}: the network's scores are not finite for"
                f" {int(bad.sum())} of {len(bad)} rows (first: row"
                f" {int(torch.nonzero(bad)[0, 0])}) although X is finite, so its"
                " weights are damaged or training diverged. Train again (a lower"
                " lr), or load a saved model you trust."
            )
        return logits

    def _logits_of(
        self, features: Features, rows: npt.NDArray[np.int64]
    ) -> torch.Tensor:
        """Logits of ``rows`` in eval mode, float32 on the CPU."""
        self.module_.eval()
        out = []
        with torch.inference_mode():
            for (x,) in make_loader(features, rows, self.batch_size):
                out.append(self.infer(to_device(x, self.device_)).float().cpu())
        return torch.cat(out)

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "module_"):
            raise NotFittedError(
                f"This {_OWNER} instance is not fitted yet. Call 'fit' before"
                f" '{method}'."
            )


# ---------------------------------------------------------------- helpers
def _resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"The 'device' parameter of {_OWNER} must be None, 'cpu', 'cuda' or a"
            f" torch.device. Got {device!r} instead."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available here; pass"
            " device='cpu' (or None to pick automatically)."
        )
    return dev


@contextlib.contextmanager
def _local_torch_rng(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's RNGs for the block and restore the caller's state after it.

    Weight initialisation and dropout draw from torch's global generators; the
    fork keeps those draws reproducible without changing the user's RNG state.
    """
    cuda = device.type == "cuda"
    index = (
        (device.index if device.index is not None else torch.cuda.current_device())
        if cuda
        else None
    )
    with torch.random.fork_rng(devices=[index] if cuda else []):
        torch.default_generator.manual_seed(seed)
        if cuda:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield


def _times(
    a: npt.NDArray[np.float32] | None, b: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    return b if a is None else a * b


def _same_pseudo_labels(a: PseudoLabels, b: PseudoLabels) -> bool:
    return np.array_equal(a.rows, b.rows) and np.array_equal(a.targets, b.targets)


def _snapshot(module: nn.Module) -> State:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _progress(epochs: range) -> Any:
    from tqdm import tqdm

    return tqdm(epochs, desc=_OWNER, unit="epoch")
