"""`weaklabel train` and the TF-IDF text end model behind it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from weaklabel.cli import main
from weaklabel.datasets import load_youtube
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
