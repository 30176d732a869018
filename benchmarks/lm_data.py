"""Vote-matrix datasets of ../shared/data for the label-model benchmarks.

``load_all(data_dir)`` returns every dataset as an ``LMDataset``: the votes to
fit on (no gold), the votes and gold to score on, the metric, and, where the
dataset has one, a validation split with gold (for the "with gold" table).
``score`` implements the scoring protocol of the benchmarks (issue 3):
argmax ties and rows a method cannot predict get a uniformly random class
(seeded), then F1 of the positive class or accuracy.

Datasets (see each folder's PROVENANCE.md):

=====================  ==============================  ====================  ======
name                   fit on                          score on              metric
=====================  ==============================  ====================  ======
wrench_youtube         train (1686 x 10)               test (250)            acc
wrench_sms             train (4571 x 73)               test (500)            f1
wrench_trec            train (5033 x 68), 6 classes    test (500)            acc
tennis                 train (6959 x 6), no gold       dev (746)             acc
cage_spear_sms         train (3700 x 10), no gold      test (1872)           f1
crowd_bluebird/rte/    all items (sparse, workers as   the items with gold   acc
dog/web/trec           LFs)                            (trec: 2275 of 19033)
wrench_sms_rules       as wrench_sms, votes recomputed from the 73 ImplyLoss   f1
                       regex rules (optional: needs weaklabel.lf_helpers)
=====================  ==============================  ====================  ======

For the crowd sets ``L_fit`` is the ``scipy.sparse.csr_array`` storing
``class + 1`` (weaklabel's sparse convention), ``L_test`` is its gold rows and
``test_rows`` gives their positions in ``L_fit`` (transductive methods read
their fitted labels there).  For the others ``L_*`` are dense int64 arrays
with -1 = abstain.

Run ``python benchmarks/lm_data.py [DATA_DIR]`` to print a summary.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from weaklabel.crowd import votes_from_long_table
from weaklabel.datasets import load_wrench

__all__ = [
    "CROWD_SETS",
    "DEFAULT_DATA_DIR",
    "LMDataset",
    "dense_votes",
    "load_all",
    "load_sms_rules",
    "load_written_lfs",
    "long_table",
    "score",
]

DEFAULT_DATA_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"
)
CROWD_SETS = ("bluebird", "rte", "dog", "web", "trec")

Votes = npt.NDArray[np.int64] | sp.csr_array


@dataclass(frozen=True, eq=False)
class LMDataset:
    """One benchmark dataset.

    ``L_fit`` has no gold.  ``L_test`` / ``y_test`` are scored.  ``L_valid``
    / ``y_valid`` (WRENCH sets only) are the gold given to methods in the
    "with gold" table.  ``test_rows`` (crowd sets only) are the positions of
    the test items among the rows of ``L_fit``: ``L_test`` is
    ``L_fit[test_rows]``.
    """

    name: str
    L_fit: Votes
    L_test: Votes
    y_test: npt.NDArray[np.int64]
    cardinality: int
    metric: Literal["acc", "f1"]
    L_valid: Votes | None = None
    y_valid: npt.NDArray[np.int64] | None = None
    positive_class: int = 1
    test_rows: npt.NDArray[np.int64] | None = None
    classes: tuple[Any, ...] = ()
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def transductive(self) -> bool:
        """True when the test rows are part of the fitted rows (crowd sets)."""
        return self.test_rows is not None

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.L_fit)


def dense_votes(L: Votes) -> npt.NDArray[np.int64]:
    """Dense int64 votes with -1 = abstain, from dense or +1-encoded sparse."""
    if sp.issparse(L):
        return np.asarray(L.toarray(), dtype=np.int64) - 1
    return np.asarray(L, dtype=np.int64)


def long_table(L: Votes) -> pd.DataFrame:
    """(task, worker, label) rows of the non-abstain votes (crowd-kit's format).

    ``task`` is the row position, ``worker`` the column position, ``label`` the
    class index.
    """
    if sp.issparse(L):
        coo = sp.coo_array(L)
        rows, cols, labels = coo.row, coo.col, coo.data.astype(np.int64) - 1
    else:
        L = np.asarray(L)
        rows, cols = np.nonzero(L >= 0)
        labels = L[rows, cols].astype(np.int64)
    return pd.DataFrame(
        {
            "task": rows.astype(np.int64),
            "worker": cols.astype(np.int64),
            "label": labels,
        }
    )


def _wrench(data_dir: str, name: str, metric: Literal["acc", "f1"]) -> LMDataset:
    folder = os.path.join(data_dir, f"wrench_{name}")
    train = load_wrench(folder, "train")
    valid = load_wrench(folder, "valid")
    test = load_wrench(folder, "test")
    return LMDataset(
        name=f"wrench_{name}",
        L_fit=train.L,
        L_test=test.L,
        y_test=test.y,
        cardinality=len(train.classes),
        metric=metric,
        L_valid=valid.L,
        y_valid=valid.y,
        classes=train.classes,
        notes={"y_fit": train.y},  # for diagnostics only; never given to methods
    )


def _flyingsquid_to_votes(L: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """FlyingSquid encoding (+1 / -1 classes, 0 abstain) -> 1 / 0 / -1."""
    L = np.asarray(L)
    return np.where(L == 0, -1, (L > 0).astype(np.int64)).astype(np.int64)


def _tennis(data_dir: str) -> LMDataset:
    folder = os.path.join(data_dir, "tennis_flyingsquid")
    L_train = _flyingsquid_to_votes(np.load(os.path.join(folder, "L_train_video.npy")))
    L_dev = _flyingsquid_to_votes(np.load(os.path.join(folder, "L_dev_video.npy")))
    y_dev = (np.load(os.path.join(folder, "Y_dev_video.npy")) > 0).astype(np.int64)
    return LMDataset(
        name="tennis",
        L_fit=L_train,
        L_test=L_dev,
        y_test=y_dev,
        cardinality=2,
        metric="acc",
        classes=("non-rally", "rally"),
    )


def _cage(data_dir: str) -> LMDataset:
    folder = os.path.join(data_dir, "cage_spear_sms")

    def votes(file: str) -> npt.NDArray[np.int64]:
        A = np.load(os.path.join(folder, file))
        # Sign of the LF-output channel is the vote (k.npy does not line up).
        return _flyingsquid_to_votes(A[:, 0, :])

    return LMDataset(
        name="cage_spear_sms",
        L_fit=votes("train_L_S_discrete.npy"),
        L_test=votes("test_L_S_discrete.npy"),
        y_test=np.load(os.path.join(folder, "true_labels_sms.npy")).astype(np.int64),
        cardinality=2,
        metric="f1",
        classes=("ham", "spam"),
    )


def _crowd(data_dir: str, name: str) -> LMDataset:
    folder = os.path.join(data_dir, "crowd_spectral_em_zhang2014")
    crowd = pd.read_csv(
        os.path.join(folder, f"{name}_crowd.txt"),
        sep="\t",
        header=None,
        names=["item", "worker", "label"],
    )
    truth = pd.read_csv(
        os.path.join(folder, f"{name}_truth.txt"),
        sep="\t",
        header=None,
        names=["item", "label"],
    )
    # dog's truth file has one row per annotation: dedupe by item.
    truth = truth.drop_duplicates()
    if truth["item"].duplicated().any():
        raise ValueError(f"{name}: conflicting gold labels for some items")
    k = int(max(crowd["label"].max(), truth["label"].max()))
    classes = tuple(range(1, k + 1))  # labels are 1..K in the files
    items = np.arange(1, int(crowd["item"].max()) + 1)
    cv = votes_from_long_table(crowd, classes=classes, items=items)
    truth = truth.sort_values("item")
    test_rows = cv.items.get_indexer(truth["item"]).astype(np.int64)
    if (test_rows < 0).any():
        raise ValueError(f"{name}: gold items without any crowd label")
    votes = cv.votes
    return LMDataset(
        name=f"crowd_{name}",
        L_fit=votes,
        L_test=votes[test_rows],
        y_test=(truth["label"].to_numpy() - 1).astype(np.int64),
        cardinality=k,
        metric="acc",
        test_rows=test_rows,
        classes=classes,
    )


def load_sms_rules(data_dir: str) -> LMDataset:
    """wrench_sms with votes recomputed from the 73 ImplyLoss regex rules.

    The rules of ``implyloss_sms/rule.txt`` (line j = WRENCH LF column j) are
    applied with ``weaklabel.lf_helpers.regex_lf`` to the lower-cased WRENCH
    texts of every split; gold labels are WRENCH's.  ``notes`` records how
    many cells of the released vote matrices this reproduces.
    """
    from weaklabel import LFRegistry
    from weaklabel.lf_helpers import regex_lf

    folder = os.path.join(data_dir, "wrench_sms")
    with open(
        os.path.join(data_dir, "implyloss_sms", "rule.txt"), encoding="latin-1"
    ) as fh:
        rules = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    splits = {s: load_wrench(folder, s) for s in ("train", "valid", "test")}
    registry = LFRegistry(classes=["ham", "spam"])
    for j, (label, pattern, _exemplar) in enumerate(rules):
        # case-sensitive pattern on the lower-cased text, as ImplyLoss did
        registry.add(regex_lf(f"rule_{j:02d}_{label}", pattern, label, flags=0))
    recomputed: dict[str, npt.NDArray[np.int64]] = {}
    notes: dict[str, Any] = {}
    for s, split in splits.items():
        df = pd.DataFrame({"text": split.texts.str.lower().to_numpy()})
        L = np.asarray(registry.apply(df), dtype=np.int64)
        recomputed[s] = L
        notes[f"{s}_cells_reproduced"] = float((L == split.L).mean())
        notes[f"{s}_fired_cells_reproduced"] = float(
            ((L == split.L) & (split.L >= 0)).sum() / max((split.L >= 0).sum(), 1)
        )
        # accuracy of the fired votes against gold: released vs recomputed
        for which, M in (("released", split.L), ("recomputed", L)):
            fired = M >= 0
            hits = (split.y[:, None] == M) & fired
            notes[f"{s}_vote_acc_{which}"] = float(hits.sum() / max(fired.sum(), 1))
    return LMDataset(
        name="wrench_sms_rules",
        L_fit=recomputed["train"],
        L_test=recomputed["test"],
        y_test=splits["test"].y,
        cardinality=2,
        metric="f1",
        L_valid=recomputed["valid"],
        y_valid=splits["valid"].y,
        classes=("ham", "spam"),
        notes=notes,
    )


LF_MODULES_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "labeling_functions"
)
WRITTEN_LF_SETS = ("lfs_youtube", "lfs_sms", "lfs_spouse")


def _lf_module(name: str) -> Any:
    """Import ``labeling_functions/<name>.py`` (example modules, not installed)."""
    import importlib.util

    path = os.path.join(LF_MODULES_DIR, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_bench_lfs_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the LF module {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_written_lfs(data_dir: str) -> dict[str, LMDataset]:
    """Raw-text sets voted on by the LF libraries of ``labeling_functions/``.

    These LFs were written in this project (issues 2 and 4), not by a third
    party, and the label model's defaults were not tuned on them: they are an
    extra check that the defaults carry over to LF sets other than the ten.

    * ``lfs_youtube``: UCI YouTube, 17 LFs; fit on videos 1-4 (1586 rows),
      scored on video 5 (Shakira, 370 rows), accuracy.
    * ``lfs_sms``: UCI SMS Spam Collection with ``sms.py``'s LFs; fit on the
      first 80% of the file (4459 rows), scored on the rest (1115), F1 of spam.
    * ``lfs_spouse``: Snorkel's spouse candidates with ``spouse.py``'s LFs
      (DBpedia pairs as distant supervision); fit on dev (2811), scored on
      test (2701), F1 of the positive class.
    """
    from weaklabel import load_youtube

    out: dict[str, LMDataset] = {}
    yt = _lf_module("youtube")
    df = load_youtube()
    L = np.asarray(yt.lfs.apply(df), dtype=np.int64)
    train = df.index < len(load_youtube("train"))
    y = df["label"].to_numpy(dtype=np.int64)
    out["lfs_youtube"] = LMDataset(
        "lfs_youtube", L[train], L[~train], y[~train], 2, "acc", classes=("ham", "spam")
    )

    sms = _lf_module("sms")
    df = sms.load_sms(os.path.join(data_dir, "raw_sms_spam_uci", "SMSSpamCollection"))
    L = np.asarray(sms.lfs.apply(df), dtype=np.int64)
    y = df["label"].to_numpy(dtype=np.int64)
    cut = int(0.8 * len(df))
    out["lfs_sms"] = LMDataset(
        "lfs_sms", L[:cut], L[cut:], y[cut:], 2, "f1", classes=("ham", "spam")
    )

    sp_mod = _lf_module("spouse")
    folder = os.path.join(data_dir, "raw_spouse_snorkel")
    registry = sp_mod.make_registry(
        sp_mod.read_known_spouses(os.path.join(folder, "dbpedia_spouses.tsv"))
    )
    dev = sp_mod.load_spouse_candidates(os.path.join(folder, "dev.jsonl"))
    test = sp_mod.load_spouse_candidates(os.path.join(folder, "test.jsonl"))
    out["lfs_spouse"] = LMDataset(
        "lfs_spouse",
        np.asarray(registry.apply(dev), dtype=np.int64),
        np.asarray(registry.apply(test), dtype=np.int64),
        test["label"].to_numpy(dtype=np.int64),
        2,
        "f1",
        classes=("negative", "positive"),
    )
    return out


def load_all(
    data_dir: str | os.PathLike[str] = DEFAULT_DATA_DIR,
    *,
    sms_rules: bool = True,
    written_lfs: bool = True,
) -> dict[str, LMDataset]:
    """Load every benchmark dataset, keyed by name, in table order.

    ``sms_rules=True`` adds ``wrench_sms_rules`` when ``weaklabel.lf_helpers``
    is importable (skipped silently otherwise; see ``load_sms_rules``);
    ``written_lfs=True`` adds the sets of ``load_written_lfs`` likewise.
    """
    data_dir = os.fspath(data_dir)
    out: dict[str, LMDataset] = {}
    out["wrench_youtube"] = _wrench(data_dir, "youtube", "acc")
    out["wrench_sms"] = _wrench(data_dir, "sms", "f1")
    out["wrench_trec"] = _wrench(data_dir, "trec", "acc")
    out["tennis"] = _tennis(data_dir)
    out["cage_spear_sms"] = _cage(data_dir)
    for name in CROWD_SETS:
        out[f"crowd_{name}"] = _crowd(data_dir, name)
    if sms_rules:
        with contextlib.suppress(ImportError):
            out["wrench_sms_rules"] = load_sms_rules(data_dir)
    if written_lfs:
        with contextlib.suppress(ImportError):
            out.update(load_written_lfs(data_dir))
    return out


def _break_ties(
    proba: npt.NDArray[np.float64], rng: np.random.Generator, atol: float = 1e-9
) -> npt.NDArray[np.int64]:
    """Argmax per row; ties (within atol) and NaN rows -> uniform among tied."""
    proba = np.asarray(proba, dtype=np.float64)
    bad = ~np.isfinite(proba).all(axis=1)
    filled = np.where(np.isfinite(proba), proba, -np.inf)
    top = filled.max(axis=1, keepdims=True)
    tied = filled >= top - atol
    tied[bad] = True  # a row the method could not predict: every class
    # uniform choice among the tied classes: the largest random key wins
    keys = rng.random(proba.shape)
    return np.argmax(np.where(tied, keys, -1.0), axis=1).astype(np.int64)


def score(
    y_true: npt.ArrayLike,
    proba_or_pred: npt.ArrayLike,
    metric: Literal["acc", "f1"],
    rng: np.random.Generator | int,
    *,
    cardinality: int | None = None,
    positive_class: int = 1,
) -> float:
    """Score predictions with the benchmarks' protocol.

    ``proba_or_pred`` is either an (n, k) array of class probabilities
    (argmax, ties within 1e-9 broken uniformly at random, rows with NaN get a
    random class) or an (n,) array of predicted classes (-1 or NaN = could
    not predict -> uniformly random class; needs ``cardinality``).  Returns
    accuracy, or F1 of ``positive_class``.
    """
    rng = np.random.default_rng(rng)
    y = np.asarray(y_true, dtype=np.int64)
    arr = np.asarray(proba_or_pred, dtype=np.float64)
    if arr.ndim == 2:
        if arr.shape[0] != y.shape[0]:
            raise ValueError(f"proba has {arr.shape[0]} rows, y_true {y.shape[0]}")
        pred = _break_ties(arr, rng)
    elif arr.ndim == 1:
        if cardinality is None:
            raise ValueError("score needs cardinality for 1-D predictions")
        if arr.shape[0] != y.shape[0]:
            raise ValueError(f"pred has {arr.shape[0]} rows, y_true {y.shape[0]}")
        missing = ~np.isfinite(arr) | (arr < 0)
        pred = np.where(missing, 0, arr).astype(np.int64)
        pred[missing] = rng.integers(0, cardinality, size=int(missing.sum()))
    else:
        raise ValueError(f"proba_or_pred must be 1-D or 2-D; got {arr.ndim}-D")
    if metric == "acc":
        return float((pred == y).mean())
    if metric == "f1":
        tp = int(((pred == positive_class) & (y == positive_class)).sum())
        fp = int(((pred == positive_class) & (y != positive_class)).sum())
        fn = int(((pred != positive_class) & (y == positive_class)).sum())
        denom = 2 * tp + fp + fn
        return 2 * tp / denom if denom else 0.0
    raise ValueError(f"metric must be 'acc' or 'f1'; got {metric!r}")


def _majority_proba(L: Votes, k: int) -> npt.NDArray[np.float64]:
    """Vote counts per class, normalised; all-abstain rows uniform (a tie)."""
    Ld = dense_votes(L)
    counts = np.stack([(Ld == c).sum(axis=1) for c in range(k)], axis=1).astype(float)
    counts[counts.sum(axis=1) == 0] = 1.0
    return counts / counts.sum(axis=1, keepdims=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data_dir = args[0] if args else DEFAULT_DATA_DIR
    datasets = load_all(data_dir)
    print("| dataset | fit rows x LFs | test rows | k | metric | valid | MV |")
    print("|---|---|---|---|---|---|---|")
    for ds in datasets.values():
        proba = _majority_proba(ds.L_test, ds.cardinality)
        mv = np.mean(
            [
                score(
                    ds.y_test,
                    proba,
                    ds.metric,
                    seed,
                    positive_class=ds.positive_class,
                )
                for seed in range(20)
            ]
        )
        valid = "-" if ds.L_valid is None else str(ds.L_valid.shape[0])
        print(
            f"| {ds.name} | {ds.L_fit.shape[0]} x {ds.L_fit.shape[1]} | "
            f"{ds.L_test.shape[0]} | {ds.cardinality} | {ds.metric} | {valid} | "
            f"{mv:.3f} |"
        )
        if ds.notes and ds.name == "wrench_sms_rules":
            print(f"  reproduction: {ds.notes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
