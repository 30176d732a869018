"""`weaklabel train` and the TF-IDF text end model behind it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

from weaklabel.cli import main
from weaklabel.datasets import load_youtube
from weaklabel.exceptions import WeakLabelError
from weaklabel.textmodel import TextClassifier


@pytest.fixture(scope="module")
def comments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("train")
    df = load_youtube().sample(400, random_state=0).reset_index(drop=True)
    df[["text", "label"]].to_csv(folder / "comments.csv", index=False)
    return folder


def _label(folder: Path) -> Path:
    lfs_path = Path(__file__).resolve().parents[2] / "labeling_functions" / "youtube.py"
    out = folder / "soft.parquet"
    assert (
        main(
            [
                "label",
                "--lfs",
                str(lfs_path),
                "--data",
                str(folder / "comments.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_train_reports_and_saves_a_loadable_model(
    comments: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    soft = _label(comments)
    out = comments / "model"
    code = main(
        [
            "train",
            "--data",
            str(comments / "comments.csv"),
            "--labels",
            str(soft),
            "--text-column",
            "text",
            "--gold-column",
            "label",
            "--out",
            str(out),
            "--epochs",
            "5",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "end model, validation accuracy" in printed
    acc = float(printed.split("end model, validation accuracy:")[1].split()[0])
    assert acc > 0.7  # spam vs ham from LF-derived soft labels only
    assert (out / "tfidf.json").is_file()
    assert (out / "classifier" / "config.json").is_file()
    model = TextClassifier.load(out)
    texts = pd.read_csv(comments / "comments.csv")["text"]
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert model.classes == ["ham", "spam"]


def test_train_errors(comments: Path, capsys: pytest.CaptureFixture[str]) -> None:
    soft = _label(comments)
    argv = [
        "train",
        "--data",
        str(comments / "comments.csv"),
        "--labels",
        str(soft),
        "--out",
        str(comments / "m2"),
    ]
    assert main([*argv, "--text-column", "nope"]) == 1
    assert "nope" in capsys.readouterr().err
    short = comments / "short.csv"
    pd.read_csv(comments / "comments.csv").head(10).to_csv(short, index=False)
    assert (
        main(
            [
                "train",
                "--data",
                str(short),
                "--labels",
                str(soft),
                "--out",
                str(comments / "m3"),
            ]
        )
        == 1
    )
    assert "rows" in capsys.readouterr().err
    assert not (comments / "m3").exists()


def test_saved_model_predicts_exactly_as_the_fitted_one(tmp_path: Path) -> None:
    import json

    from weaklabel.textmodel import fit_text_classifier

    df = load_youtube().sample(300, random_state=1).reset_index(drop=True)
    y = df["label"].to_numpy()
    proba = np.column_stack([1.0 - y, y]) * 0.8 + 0.1  # soft but informative
    model = fit_text_classifier(df["text"], proba, max_epochs=3, random_state=0)
    doc_names = [name for name, _ in model.vectorizer.transformer_list]
    assert doc_names == ["words", "chars"]
    model.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "tfidf.json").read_text())
    assert doc["format"] == "weaklabel.textmodel/2"
    assert [v["params"]["analyzer"] for v in doc["vectorizers"]] == ["word", "char_wb"]
    loaded = TextClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(
        loaded.predict_proba(df["text"]), model.predict_proba(df["text"])
    )
    # format 1 (a single word vectorizer) still loads
    words = model.vectorizer.transformer_list[0][1]
    single = TextClassifier(words, model.classifier, model.classes)
    single_path = tmp_path / "single"
    single.save(single_path)
    one = json.loads((single_path / "tfidf.json").read_text())["vectorizers"][0]
    v1 = {"format": "weaklabel.textmodel/1", "classes": model.classes, **one}
    del v1["name"]
    (single_path / "tfidf.json").write_text(json.dumps(v1))
    with pytest.raises(ValueError, match="features"):
        # the classifier was fitted on the union's features, not words alone
        TextClassifier.load(single_path).predict_proba(df["text"])


# ------------------------------------------------------------ validation on load
@pytest.fixture(scope="module")
def saved_text_model(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[str]]:
    from weaklabel.textmodel import fit_text_classifier

    df = load_youtube().sample(120, random_state=2).reset_index(drop=True)
    y = df["label"].to_numpy()
    proba = np.column_stack([1.0 - y, y]) * 0.8 + 0.1
    model = fit_text_classifier(
        df["text"], proba, classes=["ham", "spam"], max_epochs=2, random_state=0
    )
    folder = tmp_path_factory.mktemp("text") / "m"
    model.save(folder)
    return folder, df["text"].head(8).tolist()


def _copy_model(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def _edit_tfidf(folder: Path, change) -> None:
    import json

    path = folder / "tfidf.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _first_word_and_column(doc):
    vocab = doc["vectorizers"][0]["vocabulary"]
    return next(iter(vocab.items()))


@pytest.mark.parametrize(
    ("change", "attribute", "match"),
    [
        (
            lambda d: d["vectorizers"][0]["params"].update(token_pattern="(a+)+$"),
            "vectorizers[0].params.token_pattern",
            "not accepted from a file",
        ),
        (
            lambda d: d["vectorizers"][1]["params"].update(preprocessor="os.system"),
            "vectorizers[1].params.preprocessor",
            "not accepted",
        ),
        (
            lambda d: d["vectorizers"][1]["params"].update(ngram_range=[1, 5000]),
            "vectorizers[1].params.ngram_range",
            "invalid value",
        ),
        (
            lambda d: d["vectorizers"][0]["params"].update(analyzer="callable"),
            "vectorizers[0].params.analyzer",
            "invalid value",
        ),
        (
            lambda d: d["vectorizers"][0]["vocabulary"].update(zzzz_new=10**9),
            "vectorizers[0].vocabulary",
            "each once",
        ),
        (
            lambda d: d["vectorizers"][0]["idf"].pop(),
            "vectorizers[0].idf",
            "one per vocabulary term",
        ),
        (
            lambda d: d["vectorizers"][0]["idf"].__setitem__(0, -1.0),
            "vectorizers[0].idf",
            "positive",
        ),
        (
            lambda d: d["vectorizers"].pop(),
            "vocabulary",
            "the classifier takes",
        ),
        (lambda d: d.update(classes=["a", "b", "c"]), "classes", "3 class names"),
        (lambda d: d.update(classes=["a", "a"]), "classes", "distinct"),
        (lambda d: d.update(format="weaklabel.textmodel/9"), "format", "expected"),
        (
            lambda d: d["vectorizers"][0].update(name=d["vectorizers"][1]["name"]),
            "vectorizers",
            "distinct name",
        ),
    ],
)
def test_tampered_tfidf_json_is_refused(
    saved_text_model, tmp_path, change, attribute, match
):
    from weaklabel.exceptions import ModelFileError

    folder = _copy_model(saved_text_model[0], tmp_path / "m")
    _edit_tfidf(folder, change)
    with pytest.raises(ModelFileError, match=match) as info:
        TextClassifier.load(folder)
    assert info.value.path == str(folder / "tfidf.json")
    assert info.value.attribute == attribute
    assert "tfidf.json" in str(info.value)


def test_deep_or_broken_json_is_refused(saved_text_model, tmp_path):
    from weaklabel.exceptions import ModelFileError

    folder = _copy_model(saved_text_model[0], tmp_path / "m")
    (folder / "tfidf.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFileError, match="nest deeper"):
        TextClassifier.load(folder)
    (folder / "tfidf.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="invalid JSON"):
        TextClassifier.load(folder)


def test_tampered_classifier_folder_is_refused(saved_text_model, tmp_path):
    import json

    from weaklabel.exceptions import ModelFileError

    folder = _copy_model(saved_text_model[0], tmp_path / "m")
    config = folder / "classifier" / "config.json"
    doc = json.loads(config.read_text())
    doc["module"]["builtin"] = "os"
    config.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="unknown module 'os'") as info:
        TextClassifier.load(folder)
    assert info.value.path == str(config)


def test_train_with_votes_leaves_out_rows_with_no_vote(comments: Path) -> None:
    from weaklabel.io import read_soft_labels
    from weaklabel.textmodel import train_text_model
    from weaklabel.trainer import NoiseAwareClassifier

    soft = _label(comments)
    data = pd.read_csv(comments / "comments.csv")
    n = len(data)
    L = np.full((n, 2), -1)
    L[: n // 2, 0] = 1  # only the first half has a vote
    assert len(read_soft_labels(soft)) == n
    report = train_text_model(
        data, soft, comments / "with_votes", votes=L, max_epochs=2
    )
    assert report["rows with no vote (left out)"] == n - n // 2
    clf = NoiseAwareClassifier.load(comments / "with_votes" / "classifier")
    assert clf.n_filtered_ == n - n // 2
    with pytest.raises(WeakLabelError, match="votes have shape"):
        train_text_model(data, soft, comments / "bad", votes=L[:5])


def _leaf_paths(doc, path=()):
    if isinstance(doc, dict):
        items = list(doc.items())[:20]  # a few vocabulary terms are enough
    elif isinstance(doc, list):
        items = list(enumerate(doc))[:20]
    else:
        items = []
    for k, v in items:
        yield from _leaf_paths(v, (*path, k))
    yield path


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzzed_tfidf_json_predicts_or_fails_cleanly(saved_text_model, tmp_path, data):
    import json
    import shutil

    src, texts = saved_text_model
    doc = json.loads((src / "tfidf.json").read_text())
    paths = sorted(_leaf_paths(doc), key=repr)
    target = data.draw(st.sampled_from(paths[:-1]), label="path")
    value = data.draw(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-5, 10**6),
            st.floats(allow_nan=True),
            st.text(max_size=10),
            st.lists(st.integers(0, 20), max_size=3),
        ),
        label="value",
    )
    node = doc
    for key in target[:-1]:
        node = node[key]
    node[target[-1]] = value
    folder = tmp_path / f"m{data.draw(st.integers(0, 10**9), label='dir')}"
    shutil.copytree(src, folder)
    try:
        (folder / "tfidf.json").write_text(json.dumps(doc))
        try:
            model = TextClassifier.load(folder)
        except WeakLabelError as exc:
            assert str(folder) in str(exc)  # noqa: PT017
            return
        proba = model.predict_proba(texts)
        assert np.isfinite(proba).all()
        np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    finally:
        shutil.rmtree(folder)
