import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from weaklabel import apply_lfs, calibrate_threshold, model_lf
from weaklabel.calibration import ScoredVoter, lf_scores, scored_lf
from weaklabel.exceptions import WeakLabelWarning
from weaklabel.lf_helpers import keyword_lf


def _column_lf(name="guess", threshold=0.0):
    def scorer(df):
        return df.guess.to_numpy(object), df.conf.to_numpy(float)

    return scored_lf(name, scorer, threshold=threshold)


def _brute(cand, scores, gold, target, min_votes, metric):
    """Try every threshold from the scores; return the one the rule picks."""
    best = None
    n = sum(g is not None for g in gold)
    usable = [
        i for i in range(len(cand)) if cand[i] is not None and gold[i] is not None
    ]
    table = []
    for t in sorted({scores[i] for i in usable}, reverse=True):
        votes = [i for i in usable if scores[i] >= t]
        k = sum(cand[i] == gold[i] for i in votes)
        p, r = k / len(votes), k / n
        f1 = 0 if k == 0 else 2 * p * r / (p + r)
        table.append((t, len(votes), p, f1))
    floor = min(min_votes, max(v for _, v, _, _ in table))
    ok = [row for row in table if row[1] >= floor]
    if metric == "f1":
        best = max(ok, key=lambda r: r[3])  # first maximum: the highest threshold
        return best[0], True
    good = [row for row in ok if row[2] >= target - 1e-12]
    if good:
        return good[-1][0], True
    return max(ok, key=lambda r: r[2])[0], False


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None]),
            st.integers(0, 6).map(lambda x: x / 6),
            st.sampled_from(["a", "b", None]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from([0.5, 0.8, 1.0]),
    st.integers(1, 5),
    st.sampled_from(["precision", "f1"]),
)
def test_matches_brute_force(rows, target, min_votes, metric):
    cand = [r[0] for r in rows]
    scores = [r[1] for r in rows]
    gold = [r[2] for r in rows]
    dev = pd.DataFrame({"guess": pd.Series(cand, dtype=object), "conf": scores})
    lf = _column_lf()
    if not any(
        c is not None and g is not None for c, g in zip(cand, gold, strict=True)
    ):
        with pytest.raises(ValueError, match="proposes no vote"):
            calibrate_threshold(lf, dev, gold)
        return
    t, reached = _brute(cand, scores, gold, target, min_votes, metric)
    with pytest.warns(WeakLabelWarning) if not reached else _Nothing():
        cal = calibrate_threshold(
            lf, dev, gold, target_precision=target, min_votes=min_votes, metric=metric
        )
    assert cal.threshold == t
    assert cal.reached == reached
    votes = cal.lf(dev)
    fired = [i for i, v in enumerate(votes) if v is not None and gold[i] is not None]
    assert cal.n_votes == len(fired)
    if fired:
        assert cal.precision == pytest.approx(
            np.mean([votes[i] == gold[i] for i in fired])
        )


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_threshold_is_stored_and_reported():
    dev = pd.DataFrame(
        {
            "guess": ["a", "b", "a", "b", "a", "b"],
            "conf": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
        }
    )
    gold = ["a", "b", "a", "a", "b", "b"]
    lf = _column_lf(threshold=0.0)
    cal = calibrate_threshold(lf, dev, gold, metric="f1", min_votes=1)
    assert cal.threshold == 0.7
    assert cal.f1 == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert isinstance(cal.lf.f, ScoredVoter)
    assert cal.lf.f.threshold == 0.7
    assert cal.lf.f.calibration is cal
    assert lf.f.threshold == 0.0
    assert cal.to_dict()["criterion"] == "f1"
    assert list(cal.curve.threshold)[:2] == [
        0.9,
        0.8,
    ]
    # the same votes every time, in any applier
    L1 = apply_lfs([cal.lf], dev, classes=["a", "b"])
    L2 = apply_lfs([cal.lf], dev.iloc[::-1], classes=["a", "b"]).iloc[::-1]
    assert L1.guess.tolist() == L2.guess.tolist() == [0, 1, 0, -1, -1, -1]


def test_gold_as_indices_with_classes_and_missing_gold():
    dev = pd.DataFrame({"guess": ["a", "b", "a"], "conf": [0.9, 0.8, 0.7]})
    cal = calibrate_threshold(
        _column_lf(),
        dev,
        [0, -1, 1],
        classes=["a", "b"],
        target_precision=1.0,
        min_votes=1,
    )
    assert cal.n_dev == 2
    assert cal.threshold == 0.9
    assert cal.precision == 1.0


def test_unreachable_target_warns_with_the_lf_name():
    dev = pd.DataFrame({"guess": ["a"] * 4, "conf": [0.9, 0.8, 0.7, 0.6]})
    with pytest.warns(WeakLabelWarning, match="LF 'guess' reaches precision 0.667"):
        cal = calibrate_threshold(
            _column_lf(), dev, ["a", "b", "a", "b"], target_precision=0.9, min_votes=2
        )
    assert not cal.reached
    assert cal.threshold == 0.7


def test_errors():
    dev = pd.DataFrame({"guess": ["a"], "conf": [0.9]})
    with pytest.raises(TypeError, match="'kw' is not a score-based LF"):
        calibrate_threshold(keyword_lf("kw", ["x"], "a"), dev, ["a"])
    with pytest.raises(ValueError, match="y has 2 labels but data has 1 rows"):
        calibrate_threshold(_column_lf(), dev, ["a", "b"])
    with pytest.raises(ValueError, match="metric must be"):
        calibrate_threshold(_column_lf(), dev, ["a"], metric="recall")
    with pytest.raises(ValueError, match="target_precision must be in"):
        calibrate_threshold(_column_lf(), dev, ["a"], target_precision=1.5)
    with pytest.raises(ValueError, match="LF 'guess': its scorer returned"):
        lf_scores(scored_lf("guess", lambda df: (["a"], [0.1, 0.2]), threshold=0), dev)


def test_model_lf_is_calibrated():
    rng = np.random.default_rng(0)
    words = ["buy", "cash", "win", "song", "love", "nice", "video", "free"]
    texts = [" ".join(rng.choice(words, 4)) for _ in range(300)]
    y = [
        "spam" if sum(w in t for w in ("buy", "cash", "win", "free")) >= 2 else "ham"
        for t in texts
    ]
    clf = make_pipeline(CountVectorizer(), LogisticRegression(C=0.3)).fit(
        texts[:200], y[:200]
    )
    lf = model_lf("clf", clf, threshold=0.5)
    dev = pd.DataFrame({"text": texts[200:]})
    cal = calibrate_threshold(lf, dev, y[200:], target_precision=0.95)
    votes = cal.lf(dev)
    fired = [i for i, v in enumerate(votes) if v is not None]
    acc = np.mean([votes[i] == y[200 + i] for i in fired])
    assert acc >= 0.95
    assert acc == pytest.approx(cal.precision)
    assert 0.5 <= cal.threshold <= 1.0
    assert len(fired) == cal.n_votes
    # a model without predict_proba has no score
    svm = make_pipeline(CountVectorizer(), LinearSVC()).fit(texts[:200], y[:200])
    with pytest.raises(TypeError, match="not a score-based LF"):
        calibrate_threshold(model_lf("svm", svm), dev, y[200:])
