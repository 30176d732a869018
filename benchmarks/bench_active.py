"""Active learning with a simulated annotator: which strategy buys the most accuracy.

For every data set with gold, a simulated expert labels the rows a strategy
picks, 25 per round up to 500; after each round ``ActiveLearner`` refits the
label model with the gold (semi-supervised) and its labels are scored on the
rows not labeled yet.  Rows of the table: each strategy of
``weaklabel.active``, random selection (mean of 5 seeds), and no gold (the
label model fitted without gold, scored on the same unlabeled rows as
``auto``).  Also the time per round (refit + suggest), and one round on 100k
rows.

Pools (the rows the annotator may label, and the rows scored):

=================  ===========================================  ======
set                pool                                         metric
=================  ===========================================  ======
wrench_youtube     train split (1686 x 10), its gold            acc
wrench_sms         train split (4571 x 73), its gold            f1
wrench_trec        train split (5033 x 68, 6 classes)           acc
cage_spear_sms     test split (1872 x 10; train has no gold)    f1
tennis             dev split (746 x 6; train has no gold)       acc
crowd_rte/dog/web  every item (workers as LFs); all have gold   acc
=================  ===========================================  ======

Left out: crowd_bluebird (108 items, fewer than the largest budget) and
crowd_trec (19033 items x 762 workers: rounds that choose the gold weight take
seconds, and every strategy and seed would take long on the shared 2-core
machine; ``auto`` alone is run for the subsample comparison at the end).

Run: ``python benchmarks/bench_active.py [--sets a,b] [--seeds 5]``; writes
benchmarks/results/bench_active.md and .json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lm_data import DEFAULT_DATA_DIR, load_all, score

from weaklabel.active import ActiveLearner
from weaklabel.active._learner import AUTO_STRATEGY
from weaklabel.label_model import LabelModel

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
BUDGETS = (0, 25, 50, 100, 200, 500)
ROUND = 25
STRATEGIES = ("expected_error", "entropy", "margin", "disagreement")
SETS = (  # cheapest first, so that a cut-short run still covers most sets
    "wrench_youtube",
    "cage_spear_sms",
    "tennis",
    "crowd_rte",
    "crowd_dog",
    "wrench_sms",
    "crowd_web",
    "wrench_trec",
)


def pools(data_dir: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """Per set: votes of the pool, gold (-1 = none), metric, classes."""
    datasets = load_all(data_dir, sms_rules=False, written_lfs=False)
    out = {}
    for name in names:
        d = datasets[name]
        if "y_fit" in d.notes:
            L, y = d.L_fit, np.asarray(d.notes["y_fit"], dtype=np.int64)
        elif d.test_rows is not None:
            L = d.L_fit
            y = np.full(L.shape[0], -1, dtype=np.int64)
            y[d.test_rows] = d.y_test
        else:
            L, y = d.L_test, np.asarray(d.y_test, dtype=np.int64)
        out[name] = {
            "L": L,
            "y": y,
            "metric": d.metric,
            "k": d.cardinality,
            "positive": d.positive_class,
        }
    return out


def _score(p: dict[str, Any], proba: np.ndarray, rows: np.ndarray) -> float:
    return score(
        p["y"][rows], proba[rows], p["metric"], 0, positive_class=p["positive"]
    )


def run_one(
    p: dict[str, Any], strategy: str, seed: int, nogold_proba: np.ndarray
) -> dict[str, Any]:
    """One simulated session: scores at each budget, seconds per round."""
    L, y_true = p["L"], p["y"]
    n = L.shape[0]
    candidates = y_true >= 0
    gold = np.full(n, -1, dtype=np.int64)
    learner = ActiveLearner(
        LabelModel(cardinality=p["k"], random_state=0),
        strategy=strategy,  # type: ignore[arg-type]
        random_state=seed,
    )
    scores: dict[int, float] = {}
    nogold: dict[int, float] = {}
    seconds = []
    labeled = 0
    t = time.perf_counter()
    learner.fit(L, None)
    while True:
        unlabeled = np.flatnonzero(candidates & (gold < 0))
        if labeled in BUDGETS:
            scores[labeled] = _score(p, learner.proba_, unlabeled)
            nogold[labeled] = _score(p, nogold_proba, unlabeled)
        if labeled >= BUDGETS[-1]:
            break
        rows = learner.suggest(ROUND, candidates=candidates)
        gold[rows] = y_true[rows]  # the simulated expert answers
        labeled += len(rows)
        learner.fit(L, gold)
        seconds.append(time.perf_counter() - t)
        t = time.perf_counter()
    return {"scores": scores, "nogold": nogold, "seconds": seconds}


def time_100k(rounds: int = 20, cv_rows: int | None = None) -> dict[str, Any]:
    """Rounds of the loop on 100k rows x 20 LFs: suggest 25, label, refit.

    ``weight_chosen_at``: the gold sizes at which the gold weight was
    cross-validated (the other rounds reuse it); ``acc_unlabeled``: accuracy
    of the labels on the rows not labeled, after the last round.  ``cv_rows``
    replaces ActiveLearner's subsample for choosing the weight (a huge value:
    LabelModel's own 32768-row subsample, as before the subsample).
    """
    from weaklabel import make_votes
    from weaklabel.active import _learner

    if cv_rows is not None:
        saved = _learner._CV_ROWS
        _learner._CV_ROWS = cv_rows
        try:
            return time_100k(rounds)
        finally:
            _learner._CV_ROWS = saved

    data = make_votes(100_000, 20, random_state=0)
    gold = np.full(100_000, -1, dtype=np.int64)
    learner = ActiveLearner(random_state=0)
    t = time.perf_counter()
    learner.fit(data.L)
    first = time.perf_counter() - t
    seconds = []
    chosen = []
    for _ in range(rounds):
        t = time.perf_counter()
        rows = learner.suggest(ROUND)
        gold[rows] = data.y[rows]
        learner.fit(data.L, gold)
        seconds.append(round(time.perf_counter() - t, 3))
        cache = getattr(learner, "_weight_cache", None)
        if cache is not None and cache[1] == int((gold >= 0).sum()):
            chosen.append(cache[1])
    open_rows = gold < 0
    acc = float((learner.proba_[open_rows].argmax(axis=1) == data.y[open_rows]).mean())
    return {
        "fit_without_gold_s": round(first, 3),
        "round_s": seconds,
        "median_round_s": float(np.median(seconds)),
        "max_round_s": float(np.max(seconds)),
        "weight_chosen_at": chosen,
        "acc_unlabeled": round(acc, 4),
    }


def subsample_on_crowd_trec(data_dir: str) -> dict[str, Any]:
    """auto on crowd_trec (19k items x 762 workers), the weight chosen two ways.

    ``all rows``: ActiveLearner's default there (the label model
    cross-validates on every row); ``subsample``: forced onto the 8192-row
    subsample that ActiveLearner uses above 65,536 rows.  Scores on the gold
    items not labeled, seconds per round.
    """
    from weaklabel.active import _learner

    p = pools(data_dir, ["crowd_trec"])["crowd_trec"]
    nogold = (
        ActiveLearner(LabelModel(cardinality=p["k"], random_state=0)).fit(p["L"]).proba_
    )
    out: dict[str, Any] = {}
    saved = _learner._SUBSAMPLE_ABOVE
    for label, above in (("all rows", saved), ("subsample", 0)):
        _learner._SUBSAMPLE_ABOVE = above
        try:
            r = run_one(p, AUTO_STRATEGY, 0, nogold)
        finally:
            _learner._SUBSAMPLE_ABOVE = saved
        out[label] = {
            "auto": {b: round(v, 4) for b, v in r["scores"].items()},
            "no gold": {b: round(v, 4) for b, v in r["nogold"].items()},
            "max_round_s": round(max(r["seconds"]), 2),
        }
    return out


def raw_text_sets(data_dir: str) -> dict[str, tuple[list[str], np.ndarray]]:
    """The raw-text sets with gold: UCI YouTube comments and UCI SMS messages."""
    import glob

    import pandas as pd

    frames = [
        pd.read_csv(f)
        for f in sorted(
            glob.glob(os.path.join(data_dir, "raw_youtube_spam_uci", "*.csv"))
        )
    ]
    yt = pd.concat(frames, ignore_index=True)
    sms = pd.read_csv(
        os.path.join(data_dir, "raw_sms_spam_uci", "SMSSpamCollection"),
        sep="\t",
        header=None,
        names=["label", "text"],
        quoting=3,
    )
    return {
        "youtube": (yt["CONTENT"].astype(str).tolist(), yt["CLASS"].to_numpy(np.int64)),
        "sms": (
            sms["text"].astype(str).tolist(),
            (sms["label"] == "spam").to_numpy(np.int64),
        ),
    }


def lf_suggestion_table(data_dir: str, seeds: int = 3, accept: int = 10) -> str:
    """Suggested LFs from a random annotator's labels, checked on held-out rows.

    Per set and seed: half the rows are the pool, half held out.  The first
    ``budget`` pool rows are labeled; ``suggest_lfs`` proposes LFs (precision
    >= 0.8 on those, support >= 3) and the top ``accept`` are accepted.  Shown:
    their mean precision on the labeled rows (what the user sees), on the
    held-out rows (what they are worth), the held-out coverage of all accepted
    LFs together, and majority vote's accuracy on the covered held-out rows.
    """
    import pandas as pd

    from weaklabel.active.suggest_lfs import load_rules, suggest_lfs, write_rules

    lines = [
        "| set | labels | candidates | precision on labels | precision held out"
        " | coverage held out | MV acc. on covered | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (texts, y) in raw_text_sets(data_dir).items():
        for budget in (50, 100, 200):
            rows = []
            for seed in range(seeds):
                order = np.random.default_rng(seed).permutation(len(texts))
                pool, held = order[: len(order) // 2], order[len(order) // 2 :]
                gold = np.full(len(texts), -1, dtype=np.int64)
                gold[pool[:budget]] = y[pool[:budget]]
                t = time.perf_counter()
                table = suggest_lfs(
                    [texts[i] for i in pool],
                    gold[pool],
                    ["ham", "spam"],
                    max_candidates=accept,
                )
                seconds = time.perf_counter() - t
                if table.empty:
                    rows.append((0, np.nan, np.nan, 0.0, np.nan, seconds))
                    continue
                rules = os.path.join(RESULTS, f".bench_rules_{os.getpid()}.json")
                if os.path.exists(rules):
                    os.remove(rules)
                write_rules(rules, table, ["ham", "spam"])
                L = (
                    load_rules(rules)
                    .apply(pd.DataFrame({"text": [texts[i] for i in held]}))
                    .to_numpy()
                )
                os.remove(rules)
                truth = y[held]
                fired = L >= 0
                prec = [
                    float((L[fired[:, j], j] == truth[fired[:, j]]).mean())
                    for j in range(L.shape[1])
                    if fired[:, j].any()
                ]
                covered = fired.any(axis=1)
                votes = np.stack([(c == L).sum(axis=1) for c in (0, 1)], axis=1)
                mv = votes.argmax(axis=1)
                mv_acc = (
                    float((mv[covered] == truth[covered]).mean())
                    if covered.any()
                    else np.nan
                )
                rows.append(
                    (
                        len(table),
                        float(table["precision"].mean()),
                        float(np.mean(prec)),
                        float(covered.mean()),
                        mv_acc,
                        seconds,
                    )
                )
            m = np.nanmean(np.array(rows, dtype=float), axis=0)
            lines.append(
                f"| {name} | {budget} | {m[0]:.1f} | {m[1]:.3f} | {m[2]:.3f} | {m[3]:.3f}"
                f" | {m[4]:.3f} | {m[5]:.1f} |"
            )
            print(lines[-1], flush=True)
    return "\n".join(lines)


def end_model_table(seeds: int = 5) -> str:
    """Strategies with row features: the bundled YouTube comments, TF-IDF features.

    Votes of the example LFs (labeling_functions/youtube.py) on all 1956
    comments; features are TF-IDF of the text; the annotator labels every
    comment.  margin and end_model (uncertainty of a logistic regression on the
    features, trained on the current labels; k-center diversity on the
    features) against random; scores on the rows not labeled yet.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from weaklabel.examples.youtube import lfs

    from weaklabel import load_youtube

    df = load_youtube()
    L = lfs.apply(df).to_numpy()
    y = df["label"].to_numpy(np.int64)
    X = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform(df["text"])
    p = {"L": L, "y": y, "metric": "acc", "k": 2, "positive": 1}
    runs: dict[str, list[dict[int, float]]] = {}
    for strategy, seed_list in (
        ("margin", [0]),
        ("end_model", [0]),
        ("random", list(range(seeds))),
    ):
        for seed in seed_list:
            gold = np.full(len(y), -1, dtype=np.int64)
            learner = ActiveLearner(strategy=strategy, random_state=seed)  # type: ignore[arg-type]
            learner.fit(L, None, features=X)
            scores = {0: _score(p, learner.proba_, np.arange(len(y)))}
            labeled = 0
            while labeled < 200:
                rows = learner.suggest(ROUND)
                gold[rows] = y[rows]
                labeled += len(rows)
                learner.fit(L, gold, features=X)
                if labeled in BUDGETS:
                    scores[labeled] = _score(
                        p, learner.proba_, np.flatnonzero(gold < 0)
                    )
            runs.setdefault(strategy, []).append(scores)
    budgets = [b for b in BUDGETS if b <= 200]
    lines = [
        "| strategy | " + " | ".join(str(b) for b in budgets) + " |",
        "|---|" + "---|" * len(budgets),
    ]
    for strategy, rs in runs.items():
        name = f"random ({seeds} seeds)" if strategy == "random" else strategy
        cells = [np.mean([r[b] for r in rs]) for b in budgets]
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in cells) + " |")
    return "\n".join(lines)


def _meta() -> dict[str, str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    load = subprocess.run(
        ["uptime"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "commit": commit,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "uptime": load,
    }


def table(results: dict[str, Any], seeds: int) -> str:
    """Markdown: rows = strategy x budget means, per set."""
    sets = list(results)
    lines = []
    header = "| method | budget | " + " | ".join(sets) + " | mean |"
    lines += [header, "|" + "---|" * (len(sets) + 3)]
    methods = [*STRATEGIES, f"random ({seeds} seeds)", "no gold"]
    for method in methods:
        for b in BUDGETS:
            cells = []
            for s in sets:
                r = results[s]
                if method == "no gold":
                    v = r["auto"]["nogold"][str(b)]
                elif method.startswith("random"):
                    v = float(np.mean([run["scores"][str(b)] for run in r["random"]]))
                else:
                    v = r[method]["scores"][str(b)]
                cells.append(v)
            mean = float(np.mean(cells))
            name = f"{method} = auto" if method == AUTO_STRATEGY else method
            lines.append(
                f"| {name} | {b} | "
                + " | ".join(f"{v:.3f}" for v in cells)
                + f" | {mean:.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--seeds", type=int, default=5, help="random-selection seeds")
    parser.add_argument("--out", default=os.path.join(RESULTS, "bench_active"))
    parser.add_argument(
        "--suggest-lfs",
        action="store_true",
        help="only the LF-suggestion table (raw-text sets) -> bench_active_lfs.md",
    )
    parser.add_argument(
        "--end-model",
        action="store_true",
        help="only the strategies-with-features table -> bench_active_end_model.md",
    )
    parser.add_argument(
        "--no-crowd-trec",
        action="store_true",
        help="skip the crowd_trec subsample comparison (minutes on 2 cores)",
    )
    args = parser.parse_args(argv)
    if args.end_model:
        doc = (end_model_table.__doc__ or "").split("\n\n")[1]
        text = (
            "# Active learning with row features (benchmarks/bench_active.py --end-model)"
            "\n\nMeta: "
            + json.dumps(_meta())
            + "\n\n"
            + " ".join(doc.split())
            + "\n\n"
            + end_model_table(args.seeds)
            + "\n"
        )
        with open(os.path.join(RESULTS, "bench_active_end_model.md"), "w") as fh:
            fh.write(text)
        print(text)
        return 0
    if args.suggest_lfs:
        text = (
            "# Suggested LFs from a random annotator's labels (benchmarks/bench_active.py"
            " --suggest-lfs)\n\nMeta: "
            + json.dumps(_meta())
            + "\n\n"
            + " ".join((lf_suggestion_table.__doc__ or "").split("\n\n")[1].split())
            + " Means over 3 seeds.\n\n"
            + lf_suggestion_table(args.data_dir)
            + "\n"
        )
        with open(os.path.join(RESULTS, "bench_active_lfs.md"), "w") as fh:
            fh.write(text)
        print(text)
        return 0
    names = args.sets.split(",")
    data = pools(args.data_dir, names)
    json_path = args.out + ".json"
    results: dict[str, Any] = {}
    # the commit each set's rows were computed at (a cached set keeps its own)
    commits: dict[str, str] = {}
    if os.path.exists(json_path):
        with open(json_path) as fh:
            cached = json.load(fh)
        results = cached.get("results", {})
        earlier = cached.get("meta", {}).get("commit", "unknown")
        commits = {n: cached.get("commits", {}).get(n, earlier) for n in results}
    for name in names:
        if name in results:
            print(f"{name}: cached")
            continue
        p = data[name]
        nogold = (
            ActiveLearner(LabelModel(cardinality=p["k"], random_state=0))
            .fit(p["L"])
            .proba_
        )
        entry: dict[str, Any] = {}
        for strategy in STRATEGIES:
            t = time.perf_counter()
            entry[strategy] = run_one(p, strategy, 0, nogold)
            print(
                f"{name} {strategy}: "
                + " ".join(f"{b}:{v:.3f}" for b, v in entry[strategy]["scores"].items())
                + f" ({time.perf_counter() - t:.0f} s)",
                flush=True,
            )
        entry["auto"] = entry[AUTO_STRATEGY]
        entry["random"] = [
            run_one(p, "random", seed, nogold) for seed in range(args.seeds)
        ]
        print(
            f"{name} random: "
            + " ".join(
                f"{b}:{np.mean([r['scores'][b] for r in entry['random']]):.3f}"
                for b in BUDGETS
            ),
            flush=True,
        )
        results[name] = json.loads(json.dumps(entry))  # str keys, as when reloaded
        commits[name] = _meta()["commit"]
        with open(json_path, "w") as fh:
            json.dump({"meta": _meta(), "results": results, "commits": commits}, fh)
    load_before = _meta()["uptime"]
    speed = time_100k()
    before = time_100k(cv_rows=10**9)
    load_after = _meta()["uptime"]
    trec = (
        "not re-run here (--no-crowd-trec); the last run is in commit e2880b6's"
        " bench_active.md"
        if args.no_crowd_trec
        else json.dumps(subsample_on_crowd_trec(args.data_dir))
    )
    per_round = {
        s: float(np.mean([x for run in [results[s]["auto"]] for x in run["seconds"]]))
        for s in results
    }
    md = [
        "# Active learning: simulated annotator (benchmarks/bench_active.py)",
        "",
        "Meta: " + json.dumps(_meta()),
        "",
        f"Score on the pool rows not labeled yet (acc, or F1 of the positive class) after"
        f" each budget of hand labels, rounds of {ROUND}, refit each round."
        f" auto = {AUTO_STRATEGY}.",
        "",
        table(results, args.seeds),
        "",
        "Commit each set's rows were computed at (sets already in bench_active.json"
        " are not re-run): " + ", ".join(f"{n} {commits[n]}" for n in results) + ".",
        "",
        "Seconds per round (refit with gold + suggest 25), auto: "
        + ", ".join(f"{s} {v:.2f}" for s, v in per_round.items()),
        "",
        f"Rounds on 100k rows x 20 LFs (suggest {ROUND} + refit with the gold), auto: "
        + json.dumps(speed),
        "",
        "The same rounds with the weight cross-validated on LabelModel's own"
        " 32768-row subsample (before ActiveLearner's 8192-row one): "
        + json.dumps(before),
        "",
        f"Load: before the timings `{load_before}`; after `{load_after}`.",
        "",
        "Why the subsample only above 65,536 rows: auto on crowd_trec (19033 items x"
        " 762 sparse workers; not in the table above), the gold weight chosen on"
        " all rows (the default there) vs forced onto the 8192-row subsample: " + trec,
    ]
    worst = []
    for m in [*STRATEGIES, "random"]:
        per_set: dict[str, float] = {}
        for name, entry in results.items():
            for r in entry[m] if m == "random" else [entry[m]]:
                gap = min(r["scores"][b] - r["nogold"][b] for b in r["scores"])
                per_set[name] = min(per_set.get(name, 0.0), gap)
        lowest = min(per_set, key=per_set.__getitem__)
        worst.append(f"{m} {per_set[lowest]:+.3f} ({lowest})")
    md += [
        "",
        "Gold never hurts? The largest drop below the fit without gold, each run"
        " against the fit without gold scored on that run's own unlabeled rows,"
        " over every set and budget (random: over its seeds): "
        + ", ".join(worst)
        + ".",
    ]
    means = {
        m: float(
            np.mean(
                [results[s][m]["scores"][str(b)] for s in results for b in (100, 200)]
            )
        )
        for m in STRATEGIES
    }
    best = max(means, key=means.__getitem__)
    md += [
        "",
        "Mean over the sets at 100 and 200 labels: "
        + ", ".join(f"{m} {v:.3f}" for m, v in means.items())
        + f". Best: {best} (the package's auto is {AUTO_STRATEGY}).",
    ]
    text = "\n".join(md) + "\n"
    print(text)
    with open(args.out + ".md", "w") as fh:
        fh.write(text)
    with open(json_path, "w") as fh:
        json.dump(
            {
                "meta": _meta(),
                "results": results,
                "commits": commits,
                "speed_100k": speed,
            },
            fh,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
