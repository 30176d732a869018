"""Quick evaluation of label-model variants on every shared vote-matrix dataset.

Research script for ``weaklabel.label_model.generative.LabelModel`` (see
benchmarks/results/label_model_research.md).  It fits each variant on the train
votes without gold (on all items for the crowd sets), scores on the test split
with the protocol of the benchmark issue (argmax, ties broken uniformly at
random with a fixed seed; F1 of the positive class for the two SMS sets,
accuracy otherwise) and prints one table.

Usage::

    python benchmarks/explore_label_model.py                 # default LabelModel
    python benchmarks/explore_label_model.py mv '{"abstain_prior": 10}'
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.exists():  # running from another checkout
    DATA = Path("/work/shared/data")

ORDER = [
    "wrench_youtube",
    "wrench_sms",
    "wrench_trec",
    "tennis",
    "cage_sms",
    "crowd_bluebird",
    "crowd_rte",
    "crowd_dog",
    "crowd_web",
    "crowd_trec",
]

EXTRA = ["wrench_sms_rules", "lfs_youtube", "lfs_sms", "lfs_spouse"]  # not in the mean

# Best peer per dataset, from the benchmark issue (orientation only).
BEST_PEER = {
    "wrench_youtube": 0.856,
    "wrench_sms": 0.232,
    "wrench_trec": 0.660,
    "tennis": 0.891,
    "cage_sms": 0.381,
    "crowd_bluebird": 0.889,
    "crowd_rte": 0.927,
    "crowd_dog": 0.843,
    "crowd_web": 0.838,
    "crowd_trec": 0.702,
}


INSAMPLE = ["wrench_youtube", "wrench_trec", "wrench_sms_rules"]


@dataclass
class DS:
    name: str
    L_fit: Any
    L_test: Any
    y_test: np.ndarray
    cardinality: int
    metric: str  # "acc" or "f1"
    test_rows: np.ndarray | None = None  # rows of L_fit scored (crowd sets)
    y_fit: np.ndarray | None = None  # diagnostics only, never given to a model
    L_valid: Any = None
    y_valid: np.ndarray | None = None


def _wrench(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    d = json.loads((DATA / name / f"{split}.json").read_text())
    ids = sorted(d, key=int)
    L = np.array([d[i]["weak_labels"] for i in ids], dtype=np.int32)
    y = np.array([d[i]["label"] for i in ids], dtype=np.int64)
    return L, y


def load_private() -> dict[str, DS]:
    """Load the ten datasets (private loader, used until benchmarks/lm_data lands)."""
    out: dict[str, DS] = {}
    for short, folder, k, metric in [
        ("wrench_youtube", "wrench_youtube", 2, "acc"),
        ("wrench_sms", "wrench_sms", 2, "f1"),
        ("wrench_trec", "wrench_trec", 6, "acc"),
    ]:
        L_tr, _ = _wrench(folder, "train")
        L_te, y_te = _wrench(folder, "test")
        out[short] = DS(short, L_tr, L_te, y_te, k, metric)
    t = DATA / "tennis_flyingsquid"

    def fs(a: np.ndarray) -> np.ndarray:
        return np.where(a == 0, -1, (a > 0).astype(np.int32)).astype(np.int32)

    out["tennis"] = DS(
        "tennis",
        fs(np.load(t / "L_train_video.npy")),
        fs(np.load(t / "L_dev_video.npy")),
        (np.load(t / "Y_dev_video.npy") > 0).astype(np.int64),
        2,
        "acc",
    )
    c = DATA / "cage_spear_sms"
    tr = np.load(c / "train_L_S_discrete.npy")[:, 0, :]
    te = np.load(c / "test_L_S_discrete.npy")[:, 0, :]
    out["cage_sms"] = DS(
        "cage_sms",
        fs(tr),
        fs(te),
        np.load(c / "true_labels_sms.npy").astype(np.int64),
        2,
        "f1",
    )
    z = DATA / "crowd_spectral_em_zhang2014"
    for name in ["bluebird", "rte", "dog", "web", "trec"]:
        cr = np.loadtxt(z / f"{name}_crowd.txt", dtype=np.int64)
        tr_ = np.loadtxt(z / f"{name}_truth.txt", dtype=np.int64)
        n, m = int(cr[:, 0].max()), int(cr[:, 1].max())
        k = int(max(cr[:, 2].max(), tr_[:, 1].max()))
        S = sp.csr_array(
            (cr[:, 2].astype(np.int32), (cr[:, 0] - 1, cr[:, 1] - 1)), shape=(n, m)
        )  # stores vote + 1
        gold: dict[int, int] = {}
        for i, yv in tr_:
            gold[int(i) - 1] = int(yv) - 1
        rows = np.array(sorted(gold), dtype=np.int64)
        y = np.array([gold[i] for i in rows], dtype=np.int64)
        out[f"crowd_{name}"] = DS(f"crowd_{name}", S, None, y, k, "acc", rows)
    return out


def load() -> dict[str, DS]:
    """Datasets through benchmarks/lm_data.py when it exists, else privately."""
    try:
        import lm_data
    except ImportError:
        return load_private()
    out: dict[str, DS] = {}
    for name, d in lm_data.load_all(str(DATA)).items():
        short = "cage_sms" if name == "cage_spear_sms" else name
        out[short] = DS(
            short,
            d.L_fit,
            None if d.test_rows is not None else d.L_test,
            np.asarray(d.y_test),
            d.cardinality,
            d.metric,
            None if d.test_rows is None else np.asarray(d.test_rows),
            d.notes.get("y_fit"),
            d.L_valid,
            d.y_valid,
        )
    if "wrench_sms_rules" in out and out["wrench_sms"].y_fit is not None:
        out["wrench_sms_rules"].y_fit = out["wrench_sms"].y_fit
    return out


def to_dense(L: Any) -> np.ndarray:
    if sp.issparse(L):
        coo = sp.coo_array(L)
        D = np.full(coo.shape, -1, dtype=np.int32)
        D[coo.row, coo.col] = coo.data - 1
        return D
    return np.asarray(L, dtype=np.int32)


def score(proba: np.ndarray, y: np.ndarray, metric: str, seed: int = 0) -> float:
    """Argmax with uniformly random tie-breaking, then accuracy or positive-class F1."""
    try:
        import lm_data

        return float(lm_data.score(y, proba, metric, seed))  # type: ignore[arg-type]
    except ImportError:
        pass
    rng = np.random.default_rng(seed)
    p = np.asarray(proba, dtype=np.float64)
    top = p.max(axis=1, keepdims=True)
    ties = np.isclose(p, top, rtol=0, atol=1e-9)
    noise = rng.random(p.shape) * ties
    pred = np.argmax(noise + ties * 2.0, axis=1)
    if metric == "acc":
        return float(np.mean(pred == y))
    tp = float(np.sum((pred == 1) & (y == 1)))
    fp = float(np.sum((pred == 1) & (y != 1)))
    fn = float(np.sum((pred != 1) & (y == 1)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def evaluate(fit_predict: Any, data: dict[str, DS]) -> dict[str, float]:
    """fit_predict(L_fit, L_eval, k) -> proba on L_eval; returns scores per set."""
    res: dict[str, float] = {}
    for name in [n for n in ORDER + EXTRA if n in data]:
        d = data[name]
        if d.L_test is None:
            proba = fit_predict(d.L_fit, d.L_fit, d.cardinality)
            proba = proba[d.test_rows]
        else:
            proba = fit_predict(d.L_fit, d.L_test, d.cardinality)
        res[name] = score(proba, d.y_test, d.metric)
    return res


def evaluate_insample(fit_predict: Any, data: dict[str, DS]) -> dict[str, float]:
    """Scores on the fit split (train gold) and the valid split of WRENCH sets.

    The train split is what the model was fitted on (without gold), so these
    are in-distribution checks, unlike wrench_trec's shifted test split.
    """
    res: dict[str, float] = {}
    for name in INSAMPLE:
        d = data.get(name)
        if d is None or d.y_fit is None:
            continue
        proba = fit_predict(d.L_fit, d.L_fit, d.cardinality)
        res[f"{name}:train"] = score(proba, d.y_fit, d.metric)
        if d.L_valid is not None:
            proba = fit_predict(d.L_fit, d.L_valid, d.cardinality)
            res[f"{name}:valid"] = score(proba, d.y_valid, d.metric)
    return res


def mv_fit_predict(L_fit: Any, L_eval: Any, k: int) -> np.ndarray:
    L = to_dense(L_eval)
    counts = np.stack([np.sum(c == L, axis=1) for c in range(k)], axis=1)
    counts = counts.astype(float)
    counts[counts.sum(axis=1) == 0] = 1.0
    return counts / counts.sum(axis=1, keepdims=True)


def weaklabel_fit_predict(**params: Any) -> Any:
    from weaklabel.label_model.generative import LabelModel

    def fp(L_fit: Any, L_eval: Any, k: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = LabelModel(cardinality=k, random_state=0, **params).fit(L_fit)
        return np.asarray(m.predict_proba(L_eval))

    return fp


def print_table(rows: dict[str, dict[str, float]], times: dict[str, float]) -> None:
    short = [n.replace("crowd_", "c_").replace("wrench_", "w_") for n in ORDER]
    print(
        f"{'variant':28s} "
        + " ".join(f"{s[:8]:>8s}" for s in short)
        + "     mean  worst-gap  time  "
        + " ".join(f"{e.replace('wrench_', '')[:9]:>9s}" for e in EXTRA)
    )
    best = " ".join(f"{BEST_PEER[n]:8.3f}" for n in ORDER)
    print(f"{'best peer':28s} {best}  {np.mean(list(BEST_PEER.values())):7.3f}")
    for name, r in rows.items():
        gaps = [r[n] - BEST_PEER[n] for n in ORDER]
        cells = " ".join(f"{r[n]:8.3f}" for n in ORDER)
        print(
            f"{name[:28]:28s} {cells}  {np.mean([r[n] for n in ORDER]):7.3f}"
            f"  {min(gaps):+7.3f}  {times.get(name, 0):5.1f}s  "
            + " ".join(f"{r.get(e, float('nan')):9.3f}" for e in EXTRA)
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "variants",
        nargs="*",
        default=["mv", "default"],
        help='"mv", "default", or JSON LabelModel params, e.g. \'{"tol": 1e-5}\'',
    )
    ap.add_argument(
        "--insample",
        action="store_true",
        help="also score the train (fit) and valid splits of the WRENCH sets",
    )
    args = ap.parse_args(argv)
    data = load()
    rows: dict[str, dict[str, float]] = {}
    times: dict[str, float] = {}
    insample: dict[str, dict[str, float]] = {}
    for v in args.variants:
        if v == "mv":
            fp = mv_fit_predict
        elif v == "default":
            fp = weaklabel_fit_predict()
        else:
            params = json.loads(v)
            research = params.pop("_module", {})  # module constants to override
            import weaklabel.label_model._generative_math as em_module
            import weaklabel.label_model.generative as gen

            for key, val in research.items():
                setattr(em_module if hasattr(em_module, key) else gen, key, val)
            fp = weaklabel_fit_predict(**params)
        t0 = time.perf_counter()
        rows[v] = evaluate(fp, data)
        times[v] = time.perf_counter() - t0
        if args.insample:
            insample[v] = evaluate_insample(fp, data)
    print_table(rows, times)
    if args.insample:
        cols = sorted({c for r in insample.values() for c in r})
        print()
        print(
            f"{'in-distribution':28s} "
            + " ".join(f"{c.replace('wrench_', '')[:14]:>14s}" for c in cols)
        )
        for v, r in insample.items():
            print(
                f"{v[:28]:28s} "
                + " ".join(f"{r.get(c, float('nan')):14.3f}" for c in cols)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
