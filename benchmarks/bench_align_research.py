"""Research behind ``weighting="auto"``: what limits recovery at 50% noisy pairs.

Uses the data sets, pair LFs and sizes of bench_align.py (50% noise, NCR's
shuffle protocol, noise seed 100) and writes
results/bench_align_research.md with four tables:

1. Evidence ceiling: how well each source separates clean from noisy training
   pairs (ROC AUC): the label model over the pair LFs; the per-pair loss under
   a model trained uniformly on the noisy pairs (in-sample after 2 / 4 / 12
   epochs, the memorisation effect); the same loss cross-fitted (a model
   trained on one half scores the other half); and cross-fitted under a model
   trained on the *clean* pairs only (an upper bound for any loss-based split
   with these features and heads).
2. Recovery against the quality of the weights: uniform InfoNCE with weights
   P(clean) from a synthetic score of known AUC (clean ~ N(d, 1), noisy ~
   N(0, 1), exact posterior), so the weights are as good as evidence of that
   AUC can make them.
3. Ablations of ``auto`` (3 seeds): a single held-out split vs 5 folds,
   with and without the epoch choice.
4. Variants from the noisy-correspondence literature, on a small training
   loop of their own (3 seeds): NCR's co-divide (two networks, each trained on
   the other's GMM split), a hard split (weight 0 below P(clean) 0.5) vs soft
   weights, and the GMM on the last epoch's loss vs the running mean.

    python benchmarks/bench_align_research.py [--sets mfeat emoji stdlib]
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).parent))

from bench_align import (
    data_emoji,
    data_mfeat,
    data_stdlib,
    lf_confidence,
    reduce_views,
)

from weaklabel.align.evaluate import inject_noise, retrieval_metrics
from weaklabel.align.heads import AlignNet
from weaklabel.align.losses import InfoNCELoss, shared_item_mask
from weaklabel.align.train import PairAligner
from weaklabel.align.weighting import combine, gmm_clean_probability

RESULTS = Path(__file__).parent / "results"
BUILDERS = {"mfeat": data_mfeat, "emoji": data_emoji, "stdlib": data_stdlib}
EPOCHS, WARMUP = 12, 4


# ------------------------------------------------------------ a small loop
class Loop:
    """One network, AdamW, InfoNCE with per-pair weights (as PairAligner)."""

    def __init__(self, XL, XR, seed):
        gen = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.net = AlignNet(
                {"left": XL.shape[1], "right": XR.shape[1]}, 64, generator=gen
            )
        self.X = {
            "left": torch.from_numpy(np.asarray(XL, np.float32)),
            "right": torch.from_numpy(np.asarray(XR, np.float32)),
        }
        for k, x in self.X.items():
            self.net.head(k).set_standardisation(x)
        self.opt = torch.optim.AdamW(self.net.parameters(), lr=5e-3, weight_decay=1e-4)
        self.gen = gen
        self.loss = InfoNCELoss()

    def epoch(self, pairs, w):
        self.net.train()
        order = torch.randperm(len(pairs), generator=self.gen)
        wt = torch.from_numpy(np.asarray(w, np.float32))
        for s in range(0, len(pairs), 128):
            idx = order[s : s + 128]
            if len(idx) < 2:
                continue
            p = torch.from_numpy(pairs[idx.numpy()])
            a = self.net.encode("left", self.X["left"][p[:, 0]])
            b = self.net.encode("right", self.X["right"][p[:, 1]])
            loss = self.loss(
                a, b, self.net.logit_scale, wt[idx], shared_item_mask(p[:, 0], p[:, 1])
            )
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.net.clamp_()

    def embed(self):
        self.net.eval()
        with torch.no_grad():
            return (
                self.net.encode("left", self.X["left"]).numpy(),
                self.net.encode("right", self.X["right"]).numpy(),
            )

    def pair_losses(self, pairs):
        A, B = (torch.from_numpy(x) for x in self.embed())
        out = np.zeros(len(pairs))
        order = torch.randperm(len(pairs), generator=self.gen).numpy()
        with torch.no_grad():
            for s in range(0, len(order), 128):
                idx = order[s : s + 128]
                if len(idx) < 2:
                    idx = order[-128:]
                p = torch.from_numpy(pairs[idx])
                mask = shared_item_mask(p[:, 0], p[:, 1])
                out[idx] = self.loss.per_pair(
                    A[p[:, 0]], B[p[:, 1]], self.net.logit_scale, mask
                ).numpy()
        return out


def test_rsum(d, A, B):
    te = d["te"]
    return retrieval_metrics(A, B, np.c_[te, te])["rsum"]


# ------------------------------------------------------------ 1. evidence
def evidence(d, noisy, clean, conf):
    row = {"LF": roc_auc_score(clean, conf)}
    loop = Loop(d["XL"], d["XR"], 0)
    for ep in range(1, EPOCHS + 1):
        loop.epoch(noisy, np.ones(len(noisy)))
        if ep in (2, 4, 12):
            row[f"in-sample loss, epoch {ep}"] = roc_auc_score(
                clean, -loop.pair_losses(noisy)
            )
    half = np.random.default_rng(1).permutation(len(noisy)) % 2 == 0
    for name, keep in (
        ("cross-fitted loss, noisy-trained", np.ones(len(noisy), bool)),
        ("cross-fitted loss, clean-trained", clean),
    ):
        score = np.zeros(len(noisy))
        for part in (half, ~half):
            train = noisy[~part & keep]
            lp = Loop(d["XL"], d["XR"], 0)
            for _ in range(EPOCHS):
                lp.epoch(train, np.ones(len(train)))
            score[part] = lp.pair_losses(noisy)[part]
        row[name] = roc_auc_score(clean, -score)
        if keep is clean:
            row["LF x clean-trained loss"] = roc_auc_score(
                clean, combine(conf, gmm_clean_probability(score))
            )
    return row


# ------------------------------------------------------------ 2. weights of known AUC
def synthetic_weights(clean, auc, rng):
    if auc >= 1:
        return clean.astype(float)
    sep = np.sqrt(2) * norm.ppf(auc)  # AUC of N(sep,1) vs N(0,1)
    s = rng.normal(size=len(clean)) + sep * clean
    prior = clean.mean()
    lr = np.exp(sep * s - sep**2 / 2)
    return prior * lr / (prior * lr + 1 - prior)


def recovery_vs_auc(d, noisy, clean, seeds):
    out = {}
    for auc in (0.7, 0.8, 0.85, 0.9, 0.95, 1.0):
        for kind in ("soft", "hard"):
            rs = []
            for seed in seeds:
                w = synthetic_weights(clean, auc, np.random.default_rng(seed))
                w = w if kind == "soft" else (w > 0.5).astype(float)
                m = PairAligner(
                    dim=64,
                    epochs=EPOCHS,
                    warmup=WARMUP,
                    weighting="lf",
                    random_state=seed,
                )
                m.fit(d["XL"], d["XR"], noisy, confidence=w)
                rs.append(
                    test_rsum(
                        d,
                        m.transform(d["XL"], side="left"),
                        m.transform(d["XR"], side="right"),
                    )
                )
            out[auc, kind] = float(np.mean(rs))
    return out


# ------------------------------------------------------------ 3. auto ablations
def aligner_rsum(d, pairs, conf, seed, **kw):
    m = PairAligner(dim=64, epochs=EPOCHS, warmup=WARMUP, random_state=seed, **kw)
    m.fit(d["XL"], d["XR"], pairs, confidence=conf)
    return test_rsum(
        d, m.transform(d["XL"], side="left"), m.transform(d["XR"], side="right")
    )


AUTO_VARIANTS = {
    "uniform": dict(weighting="none"),
    "oracle": dict(weighting="none"),
    "auto, 1 split, all epochs": dict(n_folds=1, select_epochs=False),
    "auto, 5 folds, all epochs": dict(n_folds=5, select_epochs=False),
    "auto, 1 split, epoch choice": dict(n_folds=1),
    "auto (5 folds, epoch choice)": dict(),
}


# ------------------------------------------------------------ 4. literature variants
def variant(d, noisy, conf, seed, *, codivide=False, split="soft", running=True):
    loops = [
        Loop(d["XL"], d["XR"], seed + 1000 * k) for k in range(2 if codivide else 1)
    ]
    n = len(noisy)
    ws = [np.ones(n) for _ in loops]
    sums = [np.zeros(n) for _ in loops]
    for ep in range(EPOCHS):
        if ep >= 1:
            for k, lp in enumerate(loops):
                z = lp.pair_losses(noisy)
                z = (z - z.mean()) / (z.std() + 1e-12)
                sums[k] = sums[k] + z if running else z
        if ep >= WARMUP:
            ps = [combine(conf, gmm_clean_probability(s)) for s in sums]
            ps = (
                ps[::-1] if codivide else ps
            )  # each network trains on the other's split
            ws = [p if split == "soft" else (p > 0.5).astype(float) for p in ps]
        for lp, w in zip(loops, ws, strict=True):
            lp.epoch(noisy, w)
    return test_rsum(d, *loops[0].embed())


VARIANTS = {
    "LF+GMM, soft, running-mean loss": dict(),
    "LF+GMM, soft, last-epoch loss": dict(running=False),
    "LF+GMM, hard split": dict(split="hard"),
    "LF+GMM, co-divide": dict(codivide=True),
    "LF+GMM, co-divide, hard split": dict(codivide=True, split="hard"),
}


# ------------------------------------------------------------ 5. noise estimates
def gate_statistics(d, tr, conf_of):
    """After a uniform warm-up of WARMUP epochs, what each clean-data test sees."""
    from sklearn.mixture import GaussianMixture

    out = {}
    for noise in (0.0, 0.2, 0.5, 0.8):
        noisy, _ = inject_noise(np.c_[tr, tr], noise, random_state=100)
        loop = Loop(d["XL"], d["XR"], 0)
        for _ in range(WARMUP):
            loop.epoch(noisy, np.ones(len(noisy)))
        losses = loop.pair_losses(noisy)
        shuffled = noisy.copy()
        shuffled[:, 1] = shuffled[np.random.default_rng(0).permutation(len(noisy)), 1]
        null = loop.pair_losses(shuffled)
        z = ((losses - losses.min()) / np.ptp(losses))[:, None]
        bic = [GaussianMixture(k, random_state=0).fit(z).bic(z) for k in (1, 2)]
        out[noise] = {
            "2 x share above the shuffled pairs' median loss (null-calibrated noise estimate)": min(
                1.0, 2 * float(np.mean(losses > np.median(null)))
            ),
            "GMM's noisy share (1 - mean P(clean))": 1
            - float(gmm_clean_probability(losses).mean()),
            "BIC(1 component) - BIC(2)": bic[0] - bic[1],
            "label model's noisy share (1 - mean P(match))": 1
            - float(conf_of(noisy).mean()),
        }
    return out


# ------------------------------------------------------------ main
def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sets", nargs="*", default=["mfeat", "emoji", "stdlib"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=str(RESULTS / "bench_align_research.md"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    seeds = range(args.seeds)
    ev, rec, abl, var, gates, prof = {}, {}, {}, {}, {}, {}
    t0 = time.time()
    for key in args.sets:
        d = reduce_views(BUILDERS[key]())
        tr = d["tr"]
        noisy, clean = inject_noise(np.c_[tr, tr], 0.5, random_state=100)
        conf = lf_confidence(d, noisy)
        name = d["name"]
        ev[name] = evidence(d, noisy, clean, conf)
        print(name, ev[name], f"{time.time() - t0:.0f} s", flush=True)
        rec[name] = recovery_vs_auc(d, noisy, clean, seeds)
        print(name, rec[name], f"{time.time() - t0:.0f} s", flush=True)
        abl[name] = {}
        for label, kw in AUTO_VARIANTS.items():
            pairs = noisy[clean] if label == "oracle" else noisy
            c = None if label in ("uniform", "oracle") else conf
            abl[name][label] = float(
                np.mean([aligner_rsum(d, pairs, c, s, **kw) for s in seeds])
            )
        print(name, abl[name], f"{time.time() - t0:.0f} s", flush=True)
        var[name] = {
            label: float(np.mean([variant(d, noisy, conf, s, **kw) for s in seeds]))
            for label, kw in VARIANTS.items()
        }
        print(name, var[name], f"{time.time() - t0:.0f} s", flush=True)
        with_profile = lf_confidence(d, noisy, with_profile=True)
        prof[name] = {
            "LF AUC": roc_auc_score(clean, conf),
            "LF AUC with profile LFs": roc_auc_score(clean, with_profile),
            "auto": abl[name]["auto (5 folds, epoch choice)"],
            "auto with profile LFs": float(
                np.mean([aligner_rsum(d, noisy, with_profile, s) for s in seeds])
            ),
        }
        print(name, prof[name], f"{time.time() - t0:.0f} s", flush=True)
        gates[name] = gate_statistics(d, tr, lambda p, d=d: lf_confidence(d, p))
        print(name, gates[name], f"{time.time() - t0:.0f} s", flush=True)
    write(args, ev, rec, abl, var, gates, prof)


def _section(title, first, sets):
    return [
        "",
        title,
        "",
        f"| {first} | " + " | ".join(sets) + " |",
        "|---|" + "---|" * len(sets),
    ]


def _rec(x, abl):
    lost = abl["oracle"] - abl["uniform"]
    return f"{x:.1f} ({(x - abl['uniform']) / lost:.0%})"


def write(args, ev, rec, abl, var, gates, prof):
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = os.getloadavg()
    sets = list(ev)
    lines = [
        "# What limits `auto` at 50% noisy pairs (benchmarks/bench_align_research.py)",
        "",
        f"commit {commit}, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average"
        f" {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2-core CPU shared with other jobs), torch {torch.__version__}"
        f" on CPU, 1 thread. Data, pair LFs and sizes as in bench_align.py; 50% of the training pairs"
        f" shuffled (noise seed 100); {EPOCHS} epochs, warm-up {WARMUP}; rSum (max 600) on the clean test pairs,"
        f" mean over {args.seeds} model seeds.",
        "",
        "## 1. How well each source separates clean from noisy training pairs (ROC AUC)",
        "",
        "| evidence | " + " | ".join(sets) + " |",
        "|---|" + "---|" * len(sets),
    ]
    for k in ev[sets[0]]:
        lines.append(f"| {k} | " + " | ".join(f"{ev[s][k]:.3f}" for s in sets) + " |")
    lines += [
        "",
        "## 2. rSum with weights of a known quality (synthetic P(clean) of the given AUC, soft or split at 0.5),"
        " recovered share in brackets",
        "",
        "| weights' AUC | weights | " + " | ".join(sets) + " |",
        "|---|---|" + "---|" * len(sets),
    ]
    for auc, kind in rec[sets[0]]:
        lines.append(
            f"| {auc:.2f} | {kind} | "
            + " | ".join(_rec(rec[s][auc, kind], abl[s]) for s in sets)
            + " |"
        )
    lines += _section(
        "## 3. `auto` ablations: rSum (recovered share of oracle - uniform)",
        "method",
        sets,
    )
    for label in AUTO_VARIANTS:
        cell = (
            (lambda s, label=label: f"{abl[s][label]:.1f}")
            if label in ("uniform", "oracle")
            else (lambda s, label=label: _rec(abl[s][label], abl[s]))
        )
        lines.append(f"| {label} | " + " | ".join(cell(s) for s in sets) + " |")
    lines += _section(
        "## 4. Literature variants on a small loop of their own (uniform warm-up; no held-out choice, all 12 epochs)",
        "variant",
        sets,
    )
    for label in VARIANTS:
        lines.append(
            f"| {label} | "
            + " | ".join(_rec(var[s][label], abl[s]) for s in sets)
            + " |"
        )
    lines += [
        "",
        "## 5. What a clean-data gate on a noise estimate sees after the warm-up (uniform, 4 epochs; model seed 0)",
        "",
        "| data set | statistic | 0% | 20% | 50% | 80% |",
        "|---|---|---|---|---|---|",
    ]
    for s in sets:
        for stat in gates[s][0.0]:
            cells = " | ".join(
                f"{gates[s][n][stat]:.0f}"
                if stat.startswith("BIC")
                else f"{gates[s][n][stat]:.3f}"
                for n in (0.0, 0.2, 0.5, 0.8)
            )
            lines.append(f"| {s} | {stat} | {cells} |")
    lines += _section(
        "## 6. Pair LFs on profile agreement (weaklabel.align.profile_agreement, BiCro-style: match above the"
        " 95th percentile of shuffled pairs' scores, mismatch below their median)",
        "",
        sets,
    )
    for k in prof[sets[0]]:
        fmt = "{:.3f}" if "AUC" in k else "{:.1f}"
        lines.append(
            f"| {k} | " + " | ".join(fmt.format(prof[s][k]) for s in sets) + " |"
        )
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
