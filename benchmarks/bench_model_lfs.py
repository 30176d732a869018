"""Benchmark: pretrained-model LFs (zero-shot, kNN) next to the hand-written LF libraries.

On the three raw-text sets with this repository's LF libraries
(``labeling_functions/``), with the splits of ``lm_data.load_written_lfs``:

- **YouTube**: fit on videos 1-4 (1586 comments), test on video 5 (370),
  accuracy;
- **SMS**: UCI SMS Spam Collection, fit on the first 80% of the file, test on
  the rest, F1 of spam;
- **spouse**: Snorkel's spouse candidates, fit on dev (2811), test on test
  (2701), F1 of the positive class; the text is the sentence.

New LFs (WordLlama embeddings, the offline default, at their default
thresholds):

- ``zs``: ``zero_shot_lf`` from a one-line description per class (below);
- ``knn25`` / ``knn100``: ``knn_lf`` from 25 / 100 labeled rows drawn at
  random from the fit split (seeds 0, 1, 2; the mean and the spread are
  reported).

For each set it reports each new LF alone on the test split (accuracy where
it votes, coverage), the label model's score (``LabelModel`` defaults, fit on
the fit split's votes, scored on the test split) and the end model's score
(``weaklabel.textmodel.fit_text_classifier``: TF-IDF + the noise-aware MLP,
trained on the label model's soft labels of the fit split, rows where every
LF abstained dropped; seed 0 only for the kNN variants), without and with
the new LFs.  Then throughput: the embedder (texts/s, cold and from the
SQLite cache) and the whole apply (rows/s) with and without the new LFs.

Writes ``benchmarks/results/bench_model_lfs.md`` and ``.json``::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_model_lfs.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lm_data import _lf_module

from weaklabel import LabelModel, load_youtube
from weaklabel.embed import (
    CachedEmbedder,
    WordLlamaEmbedder,
    embed_texts,
    knn_lf,
    zero_shot_lf,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA_CANDIDATES = [Path("/work/shared/data"), ROOT / "shared" / "data"]
SEEDS = (0, 1, 2)

# One line per class, written once from the task definition (not tuned on test).
DESCRIPTIONS = {
    "youtube": {
        "ham": "a comment about the song, the singer or the video",
        "spam": "subscribe to my channel, check out my video, visit my website",
    },
    "sms": {
        "ham": "hey, are you coming home tonight? call me later",
        "spam": "URGENT! You have won a cash prize. Txt WIN to 80086 to claim, T&Cs apply",
    },
    "spouse": {
        "negative": "He worked with his colleague and friend on the film.",
        "positive": "He married his wife; she and her husband have two children.",
    },
}


@dataclass
class TextSet:
    name: str
    fit: pd.DataFrame
    test: pd.DataFrame
    column: str
    classes: tuple[str, str]
    metric: str
    registry: Any


def load_sets(data_dir: Path) -> list[TextSet]:
    yt = _lf_module("youtube")
    sms = _lf_module("sms")
    sp = _lf_module("spouse")
    df = sms.load_sms(data_dir / "raw_sms_spam_uci" / "SMSSpamCollection")
    cut = int(0.8 * len(df))
    folder = data_dir / "raw_spouse_snorkel"
    return [
        TextSet(
            "youtube",
            load_youtube("train"),
            load_youtube("test"),
            "text",
            ("ham", "spam"),
            "acc",
            yt.lfs,
        ),
        TextSet(
            "sms",
            df.iloc[:cut].reset_index(drop=True),
            df.iloc[cut:].reset_index(drop=True),
            "text",
            ("ham", "spam"),
            "f1",
            sms.lfs,
        ),
        TextSet(
            "spouse",
            sp.load_spouse_candidates(folder / "dev.jsonl"),
            sp.load_spouse_candidates(folder / "test.jsonl"),
            "sentence",
            ("negative", "positive"),
            "f1",
            sp.make_registry(sp.read_known_spouses(folder / "dbpedia_spouses.tsv")),
        ),
    ]


def score(metric: str, y: np.ndarray, pred: np.ndarray) -> float:
    if metric == "acc":
        return float(accuracy_score(y, pred))
    return float(f1_score(y, pred, pos_label=1, zero_division=0))


def label_model_run(
    L_fit: np.ndarray, L_test: np.ndarray, y: np.ndarray, metric: str
) -> tuple[float, np.ndarray]:
    model = LabelModel(cardinality=2, random_state=0).fit(L_fit)
    return score(metric, y, model.predict(L_test)), model.predict_proba(L_fit)


def end_model_run(s: TextSet, proba: np.ndarray, L_fit: np.ndarray) -> float:
    from weaklabel.textmodel import fit_text_classifier

    clf = fit_text_classifier(
        s.fit[s.column].fillna("").astype(str),
        proba,
        classes=list(s.classes),
        L=L_fit,
        random_state=0,
        device="cpu",
    )
    pred = clf.predict(s.test[s.column].fillna("").astype(str))
    return score(s.metric, s.test.label.to_numpy(), np.asarray(pred))


def lf_alone(lf: Any, s: TextSet) -> dict[str, float]:
    votes = lf(s.test)
    y = s.test.label.to_numpy()
    fired = np.array([v is not None for v in votes])
    idx = np.array([s.classes.index(v) if v is not None else -1 for v in votes])
    acc = float((idx[fired] == y[fired]).mean()) if fired.any() else float("nan")
    return {"accuracy": acc, "coverage": float(fired.mean()), "votes": int(fired.sum())}


def lf_votes(lf: Any, df: pd.DataFrame, classes: tuple[str, str]) -> np.ndarray:
    return np.array([classes.index(v) if v is not None else -1 for v in lf(df)])


def knn_for(s: TextSet, n: int, seed: int, embedder: Any) -> Any:
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(s.fit), n, replace=False)
    labels = [s.classes[int(y)] for y in s.fit.label.iloc[idx]]
    return knn_lf(
        f"knn{n}", s.fit[s.column].iloc[idx], labels, column=s.column, embedder=embedder
    ), idx


def run_set(s: TextSet, embedder: Any, end_model: bool) -> dict[str, Any]:
    y_test = s.test.label.to_numpy()
    L_fit = np.asarray(s.registry.apply(s.fit), dtype=np.int64)
    L_test = np.asarray(s.registry.apply(s.test), dtype=np.int64)
    out: dict[str, Any] = {
        "name": s.name,
        "metric": s.metric,
        "n_fit": len(s.fit),
        "n_test": len(s.test),
        "n_lfs": L_fit.shape[1],
        "alone": {},
        "label_model": {},
        "end_model": {},
    }
    base_lm, base_proba = label_model_run(L_fit, L_test, y_test, s.metric)
    out["label_model"]["base"] = [base_lm]
    if end_model:
        out["end_model"]["base"] = [end_model_run(s, base_proba, L_fit)]

    zs = zero_shot_lf("zs", DESCRIPTIONS[s.name], column=s.column, embedder=embedder)
    out["alone"]["zs"] = lf_alone(zs, s)
    zs_fit, zs_test = lf_votes(zs, s.fit, s.classes), lf_votes(zs, s.test, s.classes)
    configs: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {
        "+zs": [(zs_fit[:, None], zs_test[:, None])]
    }
    for n in (25, 100):
        alone = []
        for seed in SEEDS:
            lf, _ = knn_for(s, n, seed, embedder)
            alone.append(lf_alone(lf, s))
            f, t = lf_votes(lf, s.fit, s.classes), lf_votes(lf, s.test, s.classes)
            configs.setdefault(f"+knn{n}", []).append((f[:, None], t[:, None]))
            if n == 100:
                configs.setdefault("+zs+knn100", []).append(
                    (np.c_[zs_fit, f], np.c_[zs_test, t])
                )
        out["alone"][f"knn{n}"] = {
            k: float(np.nanmean([a[k] for a in alone])) for k in alone[0]
        }
    for name, variants in configs.items():
        lm_scores = []
        for i, (f, t) in enumerate(variants):
            sc, proba = label_model_run(
                np.c_[L_fit, f], np.c_[L_test, t], y_test, s.metric
            )
            lm_scores.append(sc)
            if end_model and i == 0:
                out["end_model"][name] = [end_model_run(s, proba, np.c_[L_fit, f])]
        out["label_model"][name] = lm_scores
    return out


def throughput(s: TextSet, embedder: Any, folder: Path) -> dict[str, float]:
    texts = (
        s.fit[s.column].fillna("").astype(str).tolist()
        + s.test[s.column].fillna("").astype(str).tolist()
    )
    cold = []
    for _ in range(3):
        fresh = WordLlamaEmbedder()
        fresh.embed(["warm up"])
        t = time.perf_counter()
        embed_texts(fresh, texts)
        cold.append(time.perf_counter() - t)
    folder.mkdir(exist_ok=True)
    cached = CachedEmbedder(WordLlamaEmbedder(), folder / "emb.sqlite")
    t = time.perf_counter()
    embed_texts(cached, texts)
    first = time.perf_counter() - t
    t = time.perf_counter()
    embed_texts(cached, texts)
    warm = time.perf_counter() - t
    frame = pd.concat([s.fit, s.test], ignore_index=True)
    t = time.perf_counter()
    s.registry.apply(frame)
    base = time.perf_counter() - t
    from weaklabel import LFRegistry

    both = LFRegistry(classes=list(s.classes))
    for lf in s.registry:
        both.add(lf)
    both.add(zero_shot_lf("zs", DESCRIPTIONS[s.name], column=s.column))
    both.add(knn_for(s, 100, 0, WordLlamaEmbedder())[0])
    both.apply(frame.iloc[:50])  # load the model once
    t = time.perf_counter()
    both.apply(frame)
    new = time.perf_counter() - t
    n = len(texts)
    return {
        "texts": n,
        "embed_cold_per_s": n / min(cold),
        "embed_cache_write_per_s": n / first,
        "embed_cache_hit_per_s": n / warm,
        "apply_base_rows_per_s": n / base,
        "apply_with_new_rows_per_s": n / new,
    }


def fmt(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def meta() -> dict[str, str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    load = subprocess.run(
        ["uptime"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "commit": commit,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "uptime": load,
    }


def table(
    results: list[dict[str, Any]], speed: dict[str, Any], info: dict[str, str]
) -> str:
    lines = [
        "# Pretrained-model LFs (zero-shot, kNN) with the hand-written LF libraries",
        "",
        f"commit `{info['commit']}`, {info['date']}; uptime: `{info['uptime']}`",
        "",
        "Embedder: WordLlama (`WordLlamaEmbedder`, 256 dims, from its wheel, offline);"
        " default thresholds (zero-shot margin 0.1, kNN similarity 0.3, k=1).",
        "kNN rows: mean ± std over seeds 0, 1, 2 of the labeled rows drawn;"
        " end model: seed 0 only. Metric: accuracy (YouTube), F1 of the positive"
        " class (SMS spam, spouse).",
        "",
        "## Each new LF alone (test split)",
        "",
        "| set | LF | accuracy where it votes | coverage | votes |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        for name, a in r["alone"].items():
            lines.append(
                f"| {r['name']} | {name} | {a['accuracy']:.3f} |"
                f" {a['coverage']:.3f} | {a['votes']:.0f} |"
            )
    lines += [
        "",
        "## Label model and end model, without and with the new LFs",
        "",
        "| set | LFs | label model | Δ vs base | end model | Δ vs base |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        b_lm = r["label_model"]["base"][0]
        b_em = r["end_model"].get("base", [float("nan")])[0]
        for name, lm in r["label_model"].items():
            em = r["end_model"].get(name)
            lines.append(
                f"| {r['name']} | {'repo LFs' if name == 'base' else name} |"
                f" {fmt(lm)} | {np.mean(lm) - b_lm:+.3f} |"
                f" {fmt(em) if em else '-'} |"
                f" {(em[0] - b_em) if em else float('nan'):+.3f} |"
            )
    lines += [
        "",
        "## Throughput (all rows of the set; best of 3 for the cold embedder)",
        "",
        "| set | texts | embed cold (texts/s) | cache write | cache hit |"
        " apply repo LFs (rows/s) | apply + zs + knn100 (rows/s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, sp in speed.items():
        lines.append(
            f"| {name} | {sp['texts']} | {sp['embed_cold_per_s']:,.0f} |"
            f" {sp['embed_cache_write_per_s']:,.0f} | {sp['embed_cache_hit_per_s']:,.0f}"
            f" | {sp['apply_base_rows_per_s']:,.0f} | {sp['apply_with_new_rows_per_s']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--no-end-model", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench_model_lfs.md")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or next((p for p in DATA_CANDIDATES if p.is_dir()), None)
    if data_dir is None:
        parser.error("pass --data-dir (the folder holding raw_sms_spam_uci/ ...)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    info = meta()
    sets = load_sets(data_dir)
    results, speed = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        embedder = CachedEmbedder(WordLlamaEmbedder(), Path(tmp) / "shared.sqlite")
        for s in sets:
            t = time.perf_counter()
            results.append(run_set(s, embedder, not args.no_end_model))
            print(f"{s.name}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
            speed[s.name] = throughput(s, embedder, Path(tmp) / s.name)
    text = table(results, speed, info)
    print(text)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(
        json.dumps({"meta": info, "results": results, "throughput": speed}, indent=1)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
