"""Texts -> keyword LFs -> majority vote -> soft-label file -> TF-IDF + trainer -> saved model.

The synthetic comments carry two kinds of evidence: keywords that the LFs look
for (present in ~60% of rows) and context words no LF uses.  The end model
learns the context words from the rows the LFs labelled, so it also labels
the rows where every LF abstained, and beats the label model it learned from.
"""

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from weaklabel.io import proba_from_frame, read_soft_labels, write_soft_labels  # noqa: E402
from weaklabel.label_model import MajorityVote  # noqa: E402
from weaklabel.lf import LFRegistry  # noqa: E402
from weaklabel.lf_helpers import keyword_lf  # noqa: E402
from weaklabel.trainer import NoiseAwareClassifier  # noqa: E402

HAM, SPAM = 0, 1
KEYWORDS = {SPAM: ["subscribe", "free", "click"], HAM: ["love", "song", "beautiful"]}
CONTEXT = {
    SPAM: ["channel", "money", "visit", "offer"],
    HAM: ["voice", "lyrics", "video", "memories"],
}
FILLER = ["the", "this", "a", "is", "my", "so", "and", "you"]


def make_comments(n, rng):
    y = rng.integers(0, 2, size=n)
    texts = []
    for label in y:
        words = list(rng.choice(FILLER, 3)) + list(rng.choice(CONTEXT[label], 2))
        if rng.random() < 0.6:
            words.append(rng.choice(KEYWORDS[label]))
        if rng.random() < 0.1:  # LF noise: a keyword of the other class
            words.append(rng.choice(KEYWORDS[1 - label]))
        rng.shuffle(words)
        texts.append(" ".join(words))
    return pd.DataFrame({"text": texts, "label": y})


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_label_model_to_end_model(tmp_path):
    rng = np.random.default_rng(0)
    train, test = make_comments(300, rng), make_comments(200, rng)

    lfs = LFRegistry(classes=["ham", "spam"])
    for label, words in KEYWORDS.items():
        for w in words:
            lfs.add(keyword_lf(f"kw_{w}", w, lfs.classes[label]))
    L_train, L_test = lfs.apply(train), lfs.apply(test)

    label_model = MajorityVote(cardinality=2).fit(L_train)
    path = write_soft_labels(
        tmp_path / "soft.parquet",
        label_model.predict_proba(L_train),
        classes=lfs.classes,
    )
    proba = proba_from_frame(read_soft_labels(path))

    pipe = make_pipeline(
        TfidfVectorizer(),
        NoiseAwareClassifier(max_epochs=15, lr=1e-2, random_state=0, device="cpu"),
    )
    pipe.fit(train.text, proba, noiseawareclassifier__L=L_train)
    clf = pipe[-1]
    abstained = (L_train.to_numpy() == -1).all(axis=1)
    assert clf.n_filtered_ == abstained.sum() > 0

    lm_acc = (label_model.predict(L_test) == test.label).mean()
    end_acc = pipe.score(test.text, test.label)
    assert end_acc > lm_acc + 0.1
    assert end_acc > 0.85
    no_vote = (L_test.to_numpy() == -1).all(axis=1)
    assert (pipe.predict(test.text[no_vote]) == test.label[no_vote]).mean() > 0.8

    clf.save(tmp_path / "model")
    loaded = NoiseAwareClassifier.load(tmp_path / "model")
    X_test = pipe[0].transform(test.text)
    np.testing.assert_array_equal(
        loaded.predict_proba(X_test), clf.predict_proba(X_test)
    )
