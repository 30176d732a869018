"""Several modalities through an anchor (ImageBind-style) on real data.

Emoji images are the anchor; their CLDR names in English, French and Spanish
(TF-IDF char n-grams + SVD, one encoder per language) each pair only with
images, on disjoint thirds of the emoji.  Retrieval between two languages
that were never paired with each other is then measured on held-out emoji,
next to image <-> language retrieval and a direct-pairs reference (the two
languages trained on their own pairs, which the anchor setting never sees).

    python benchmarks/bench_align_anchor.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA

from weaklabel.align.datasets import load_emoji
from weaklabel.align.encoders import TextEncoder, image_features
from weaklabel.align.evaluate import retrieval_metrics
from weaklabel.align.train import AnchorAligner, PairAligner

RESULTS = Path(__file__).parent / "results"
LANGS = ("en", "fr", "es")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--out", default=str(RESULTS / "bench_align_anchor.md"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    images, names = load_emoji(LANGS, size=32)
    n = len(names)
    views = {
        "image": PCA(128, random_state=0).fit_transform(image_features(images, size=16))
    }
    for lang in LANGS:
        views[lang] = TextEncoder(128, analyzer="char_wb").fit_transform(
            names[f"name_{lang}"]
        )
    order = np.random.default_rng(0).permutation(n)
    test = np.sort(order[:400])
    train = order[400:]
    thirds = np.array_split(train, 3)
    pairs = {lang: np.c_[part, part] for lang, part in zip(LANGS, thirds, strict=True)}
    tp = np.c_[test, test]
    out = {
        k: []
        for k in (
            "en-fr",
            "en-es",
            "fr-es",
            "image-en",
            "image-fr",
            "image-es",
            "direct en-fr",
        )
    }
    for seed in range(args.seeds):
        model = AnchorAligner(
            anchor="image", dim=64, epochs=args.epochs, random_state=seed
        )
        model.fit(views, pairs)
        E = {k: model.transform(v, modality=k) for k, v in views.items()}
        for a, b in (
            ("en", "fr"),
            ("en", "es"),
            ("fr", "es"),
            ("image", "en"),
            ("image", "fr"),
            ("image", "es"),
        ):
            out[f"{a}-{b}"].append(retrieval_metrics(E[a], E[b], tp)["rsum"])
        # reference: English-French trained directly on the same number of pairs
        direct = PairAligner(dim=64, epochs=args.epochs, random_state=seed)
        direct.fit(views["en"], views["fr"], np.c_[thirds[0], thirds[0]])
        out["direct en-fr"].append(
            retrieval_metrics(
                direct.transform(views["en"], side="left"),
                direct.transform(views["fr"], side="right"),
                tp,
            )["rsum"]
        )
        print(seed, {k: round(v[-1], 1) for k, v in out.items()}, flush=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = os.getloadavg()
    lines = [
        "# Several modalities through an anchor (benchmarks/bench_align_anchor.py)",
        "",
        f"commit {commit}, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average"
        f" {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {n} emoji, {len(test)} held out; each language paired"
        f" with images on its own third of the rest ({len(thirds[0])} pairs); {args.epochs} epochs, {args.seeds} seeds.",
        "rSum (max 600; chance about 16) on the held-out emoji, mean ± std.",
        "",
        "| retrieval | paired in training? | rSum |",
        "|---|---|---|",
    ]
    for k, v in out.items():
        how = (
            "yes (directly)"
            if k.startswith("direct")
            else ("yes" if k.startswith("image") else "never")
        )
        lines.append(f"| {k} | {how} | {np.mean(v):.1f} ± {np.std(v):.1f} |")
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
