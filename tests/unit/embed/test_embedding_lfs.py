import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from weaklabel import LFRegistry, apply_lfs, labeling_function
from weaklabel.calibration import lf_scores
from weaklabel.embed import extend_lf, extend_votes, knn_lf, zero_shot_lf
from weaklabel.exceptions import LabelingFunctionError

DESCRIPTIONS = {"spam": ["win prize", "free call"], "ham": "lunch at home"}


@pytest.fixture
def df():
    return pd.DataFrame(
        {
            "text": [
                "win a prize",  # spam only
                "lunch at home",  # ham only
                "win lunch",  # a tie: margin 0
                "",  # empty: never votes
                None,  # missing: never votes
                "win win prize lunch",  # spam, smaller margin
            ]
        }
    )


def test_zero_shot_margins_by_hand(df, counts):
    lf = zero_shot_lf("zs", DESCRIPTIONS, embedder=counts, threshold=0.3)
    cand, score = lf_scores(lf, df)
    # spam descriptions: (win+prize)/sqrt2, (free+call)/sqrt2; ham: (lunch+home)/sqrt2
    assert cand[0] == "spam"
    assert score[0] == pytest.approx(1.0, abs=1e-6)
    assert cand[1] == "ham"
    assert score[1] == pytest.approx(1.0, abs=1e-6)
    assert score[2] == pytest.approx(0.0, abs=1e-6)
    assert np.isnan(score[3])
    assert np.isnan(score[4])
    v = np.array([2, 1, 1]) / 6**0.5  # win, prize, lunch counts
    expected = (v[0] + v[1]) / 2**0.5 - v[2] / 2**0.5
    assert score[5] == pytest.approx(expected, abs=1e-6)
    assert lf(df).tolist() == ["spam", "ham", None, None, None, "spam"]
    assert lf.f.threshold == 0.3
    assert lf.vectorized


def test_zero_shot_votes_for_one_class(df, counts):
    lf = zero_shot_lf("zs", DESCRIPTIONS, embedder=counts, vote_for=["spam"])
    assert lf(df).tolist() == ["spam", None, None, None, None, "spam"]
    with pytest.raises(ValueError, match=r"vote_for must name described classes"):
        zero_shot_lf("zs", DESCRIPTIONS, embedder=counts, vote_for=["eggs"])


def test_zero_shot_mean_aggregate(counts):
    lf = zero_shot_lf("zs", DESCRIPTIONS, embedder=counts, aggregate="mean")
    _cand, score = lf_scores(lf, pd.DataFrame({"text": ["win prize"]}))
    assert score[0] == pytest.approx(0.5, abs=1e-6)  # mean of 1 and 0 minus 0


def test_zero_shot_in_a_registry_and_indices(df, counts):
    lfs = LFRegistry(classes=["ham", "spam"])
    lfs.add(zero_shot_lf("zs", {1: "win prize", 0: "lunch home"}, embedder=counts))
    L = lfs.apply(df)
    assert L.zs.tolist() == [1, 0, -1, -1, -1, 1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"descriptions": {"a": "x"}}, ValueError, "at least two classes"),
        ({"descriptions": ["a", "b"]}, TypeError, "must be a dict"),
        ({"descriptions": {"a": "x", "b": ""}}, ValueError, "'b' needs one or more"),
        ({"descriptions": {"a": "x", True: "y"}}, TypeError, "class name"),
        ({"threshold": "high"}, TypeError, "threshold must be a float"),
        ({"aggregate": "sum"}, ValueError, "'max' or 'mean'"),
        ({"embedder": object()}, TypeError, "LF 'zs': embedder must follow"),
    ],
)
def test_zero_shot_errors_name_the_lf(kwargs, error, match, counts):
    args = {"descriptions": DESCRIPTIONS, "embedder": counts, **kwargs}
    with pytest.raises(error, match=match):
        zero_shot_lf("zs", **args)


def test_zero_shot_bad_column_and_unknown_words(counts):
    lf = zero_shot_lf("zs", DESCRIPTIONS, embedder=counts, column="body")
    with pytest.raises(LabelingFunctionError, match=r"LF 'zs'.*column 'body'"):
        apply_lfs([lf], pd.DataFrame({"text": ["x"]}), classes=["ham", "spam"])
    lf = zero_shot_lf("zs2", {"a": "win", "b": "zebra"}, embedder=counts)
    with pytest.raises(LabelingFunctionError, match="zero vector for a description"):
        apply_lfs([lf], pd.DataFrame({"text": ["x"]}), classes=["a", "b"])


def test_knn_one_and_three_neighbours(counts):
    examples = ["win prize", "free call", "lunch home", "love song"]
    labels = ["spam", "spam", "ham", "ham"]
    rows = pd.DataFrame({"text": ["win prize", "win lunch", "song", "", "zebra"]})
    lf = knn_lf("nn", examples, labels, embedder=counts, threshold=0.6)
    cand, score = lf_scores(lf, rows)
    assert cand[0] == "spam"
    assert score[0] == pytest.approx(1.0, abs=1e-6)
    assert score[1] == pytest.approx(0.5, abs=1e-6)
    assert cand[2] == "ham"
    assert score[2] == pytest.approx(2**-0.5, abs=1e-6)
    assert np.isnan(score[3])
    assert np.isnan(score[4])
    assert lf(rows).tolist() == ["spam", None, "ham", None, None]
    lf3 = knn_lf("nn3", examples, labels, k=3, embedder=counts, threshold=-1)
    cand, score = lf_scores(lf3, rows.iloc[:1])
    # neighbours of "win prize": itself (1.0, spam) then two at 0 (one spam, one ham)
    assert cand[0] == "spam"
    assert score[0] == pytest.approx(1 / 3, abs=1e-6)


def test_knn_drops_missing_labels_and_checks_lengths(counts):
    lf = knn_lf(
        "nn", ["win", "lunch", "x"], ["spam", None, -1], embedder=counts, threshold=0.0
    )
    assert lf(pd.DataFrame({"text": ["lunch"]})).tolist() == ["spam"]
    with pytest.raises(ValueError, match="3 examples but 2 labels"):
        knn_lf("nn", ["a", "b", "c"], ["x", "y"], embedder=counts)
    with pytest.raises(ValueError, match="no labeled example"):
        knn_lf("nn", ["a"], [None], embedder=counts)
    with pytest.raises(ValueError, match="k must be a positive int"):
        knn_lf("nn", ["a"], ["x"], k=0, embedder=counts)


def _brute_extend(L, E, ts):
    E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-30)
    E[np.linalg.norm(E, axis=1) < 0.5] = 0
    out = L.copy()
    for j, t in enumerate(ts):
        voted = [i for i in range(len(L)) if L[i, j] != -1]
        for i in range(len(L)):
            if L[i, j] != -1 or not voted or t is None:
                continue
            sims = [float(E[i] @ E[v]) for v in voted]
            best = int(np.argmax(sims))
            if sims[best] >= t:
                out[i, j] = L[voted[best], j]
    return out


@given(
    st.integers(1, 12).flatmap(
        lambda n: st.tuples(
            npst.arrays(np.int64, (n, 3), elements=st.integers(-1, 2)),
            npst.arrays(np.float64, (n, 4), elements=st.integers(-3, 3).map(float)),
            st.lists(
                st.one_of(st.none(), st.sampled_from([-1.0, 0.0, 0.5, 0.99])),
                min_size=3,
                max_size=3,
            ),
        )
    )
)
def test_extend_votes_matches_brute_force(args):
    L, E, ts = args
    # distinct similarities only, so that the nearest voted row is unique
    E = E + np.arange(E.shape[0])[:, None] * 1e-3 * np.array([1, 2, 3, 5])
    got = extend_votes(L, E, ts)
    np.testing.assert_array_equal(got, _brute_extend(L, E.astype(np.float32), ts))
    assert got.dtype == L.dtype
    assert (got[L != -1] == L[L != -1]).all()  # votes are never changed


def test_extend_votes_frame_and_thresholds_by_name():
    L = pd.DataFrame({"a": [0, -1, -1], "b": [-1, 1, -1]}, dtype="int8")
    L.attrs["classes"] = ["x", "y"]
    E = np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]])
    out = extend_votes(L, E, {"a": 0.75})
    assert out.a.tolist() == [0, -1, 0]
    assert out.b.tolist() == [-1, 1, -1]
    assert out.dtypes.tolist() == L.dtypes.tolist()
    assert out.attrs == L.attrs
    assert extend_votes(L, E, 0.5).b.tolist() == [-1, 1, 1]
    with pytest.raises(ValueError, match=r"name LFs \['c'\]"):
        extend_votes(L, E, {"c": 0.5})
    with pytest.raises(ValueError, match="1 thresholds for 2 LFs"):
        extend_votes(L, E, [0.5])
    with pytest.raises(ValueError, match="2 embeddings for 3 rows"):
        extend_votes(L, E[:2], 0.5)


def test_extend_lf_rowwise_and_vectorized(counts):
    @labeling_function()
    def says_prize(row):
        return "spam" if "prize" in (row.text or "") else None

    ext = extend_lf(says_prize, threshold=0.7, classes=["ham", "spam"], embedder=counts)
    assert ext.name == "says_prize_ext"
    assert ext.vectorized
    df = pd.DataFrame({"text": ["win prize", "win", "lunch", "win win prize"]})
    L = apply_lfs([says_prize, ext], df, classes=["ham", "spam"])
    assert L.says_prize.tolist() == [1, -1, -1, 1]
    assert L.says_prize_ext.tolist() == [1, 1, -1, 1]


def test_extend_lf_error_names_the_lf(counts):
    @labeling_function()
    def broken(row):
        raise RuntimeError("boom")

    ext = extend_lf(
        broken, threshold=0.5, classes=["a", "b"], embedder=counts, name="wider"
    )
    with pytest.raises(LabelingFunctionError, match="LF 'wider'"):
        apply_lfs([ext], pd.DataFrame({"text": ["x"]}), classes=["a", "b"])
