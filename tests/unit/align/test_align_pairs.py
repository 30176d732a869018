import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
    profile_agreement,
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


def _views(n=400, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 5))
    A = z @ rng.normal(size=(5, 12)) + 0.3 * rng.normal(size=(n, 12))
    B = np.tanh(z @ rng.normal(size=(5, 9))) + 0.3 * rng.normal(size=(n, 9))
    return A, B


def test_profile_agreement_separates_clean_from_shuffled():
    A, B = _views()
    noisy, clean = inject_noise(
        np.c_[np.arange(400), np.arange(400)], 0.5, random_state=0
    )
    s = profile_agreement(A, B, noisy)
    assert s.shape == (400,)
    assert np.all((s >= -1 - 1e-9) & (s <= 1 + 1e-9))
    assert roc_auc_score(clean, s) > 0.9
    # shuffled pairs score about 0; the same anchors give the same scores
    assert abs(s[~clean].mean()) < 0.1
    assert np.array_equal(s, profile_agreement(A, B, noisy))
    # fewer anchors: still informative, and every score still excludes its own pair
    few = profile_agreement(A, B, noisy, n_anchors=50, random_state=1)
    assert roc_auc_score(clean, few) > 0.8


def test_profile_agreement_is_symmetric_and_ignores_feature_scale():
    A, B = _views(120, seed=1)
    P = np.c_[np.arange(120), np.roll(np.arange(120), 3)]
    s = profile_agreement(A, B, P)
    assert np.allclose(s, profile_agreement(B, A, P[:, ::-1]))
    assert np.allclose(s, profile_agreement(A * 1000 + 5, B, P))


def test_profile_agreement_errors():
    A, B = _views(20)
    P = np.c_[np.arange(20), np.arange(20)]
    with pytest.raises(PairError, match="outside"):
        profile_agreement(A, B, P + 100)
    with pytest.raises(PairError, match="integer"):
        profile_agreement(A, B, P.astype(float))
    with pytest.raises(ValueError, match="'n_anchors'"):
        profile_agreement(A, B, P, n_anchors=1)


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 40), st.integers(0, 10_000))
def test_profile_agreement_bounded_and_order_free(n, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(n, 4)), rng.normal(size=(n, 3))
    P = np.c_[rng.integers(0, n, n), rng.integers(0, n, n)]
    s = profile_agreement(A, B, P)  # n <= n_anchors: every pair is an anchor
    assert np.all(np.abs(s) <= 1 + 1e-9)
    order = rng.permutation(n)
    assert np.allclose(profile_agreement(A, B, P[order]), s[order])
