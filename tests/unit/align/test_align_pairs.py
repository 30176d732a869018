import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from weaklabel import ABSTAIN, LabelModel, MajorityVote
from weaklabel.align.evaluate import inject_noise
from weaklabel.align.pairs import (
    PairError,
    feature_matrix,
    join_pairs,
    pair_confidence,
    pair_indices,
    pair_registry,
)

WORDS = [
    "red",
    "blue",
    "green",
    "cat",
    "dog",
    "fish",
    "tree",
    "sun",
    "moon",
    "star",
    "car",
    "boat",
]


def _tables(n=300, seed=0):
    rng = np.random.default_rng(seed)
    names = [" ".join(rng.choice(WORDS, 2, replace=False)) for _ in range(n)]
    left = pd.DataFrame({"id": [f"f{i}" for i in range(n)], "name": names})
    docs = []
    for nm in names:
        w = nm.split()
        keep = [x for x in w if rng.random() < 0.7]  # partial mentions
        docs.append(" ".join(keep + list(rng.choice(WORDS, 2))))
    right = pd.DataFrame({"id": np.arange(n) + 1000, "doc": docs})
    right["len"] = right.doc.str.len().astype(float)
    pairs = pd.DataFrame({"left_id": left.id, "right_id": right.id})
    return left, right, pairs


def _lfs():
    lfs = pair_registry()

    @lfs.labeling_function()
    def first_word(row):
        return "match" if row.left_name.split()[0] in row.right_doc else ABSTAIN

    @lfs.labeling_function()
    def second_word(row):
        return "match" if row.left_name.split()[1] in row.right_doc else ABSTAIN

    @lfs.labeling_function(vectorized=True)
    def both_words(df):
        hit = [
            all(w in d for w in n.split())
            for n, d in zip(df.left_name, df.right_doc, strict=True)
        ]
        return np.where(hit, 1, -1)

    return lfs


def test_join_columns_and_order():
    left, right, pairs = _tables(5)
    pairs = pairs.iloc[[3, 1]].assign(source="web")
    j = join_pairs(left, right, pairs)
    assert list(j.columns) == [
        "left_id",
        "right_id",
        "source",
        "left_name",
        "right_doc",
        "right_len",
    ]
    assert j.left_name.tolist() == left.name.iloc[[3, 1]].tolist()
    assert j.index.tolist() == [3, 1]


def test_pair_indices_errors_name_the_problem():
    left, right, pairs = _tables(5)
    bad = pd.DataFrame({"left_id": ["nope"], "right_id": [1000]})
    with pytest.raises(PairError, match=r"left_id.*nope"):
        pair_indices(left, right, bad)
    with pytest.raises(PairError, match="duplicate"):
        pair_indices(pd.concat([left, left]), right, pairs)
    with pytest.raises(PairError, match="right_id"):
        pair_indices(left, right, pairs[["left_id"]])


def test_feature_matrix():
    df = pd.DataFrame({"id": [1, 2], "f_a": [1.0, 2.0], "g": [3, 4], "t": ["x", "y"]})
    X, cols = feature_matrix(df, prefix="f_")
    assert cols == ["f_a"]
    assert X.dtype == np.float32
    with pytest.raises(PairError, match="lacks"):
        feature_matrix(df, columns=["zz"])
    with pytest.raises(PairError, match="missing"):
        feature_matrix(df.assign(f_a=[1.0, np.nan]))


def test_one_sided_label_model_separates_clean_from_shuffled():
    left, right, pairs = _tables(400, seed=1)
    P = pair_indices(left, right, pairs)
    noisy, clean = inject_noise(P, 0.5, random_state=0)
    noisy_pairs = pd.DataFrame(
        {
            "left_id": left.id.to_numpy()[noisy[:, 0]],
            "right_id": right.id.to_numpy()[noisy[:, 1]],
        }
    )
    lfs = _lfs()
    p = pair_confidence(lfs, left, right, noisy_pairs)
    auc = roc_auc_score(clean, p)
    assert auc > 0.8
    # abstaining is informative: shuffled pairs get a clearly lower P(match)
    assert p[clean].mean() - p[~clean].mean() > 0.25
    # a model where abstains say nothing puts every pair near P(match) = 1
    L = lfs.apply(join_pairs(left, right, noisy_pairs))
    sym = LabelModel(cardinality=2, abstain_prior=np.inf).fit(L).predict_proba(L)[:, 1]
    assert sym[clean].mean() - sym[~clean].mean() < 0.05
    # majority vote ranks by vote count only: no better than the label model
    mv = MajorityVote(cardinality=2).fit(L).predict_proba(L)[:, 1]
    assert auc >= roc_auc_score(clean, mv) - 1e-9


def test_pair_confidence_checks_classes():
    from weaklabel import LFRegistry

    left, right, pairs = _tables(5)
    with pytest.raises(PairError, match="mismatch"):
        pair_confidence(LFRegistry(classes=["a", "b"]), left, right, pairs)
