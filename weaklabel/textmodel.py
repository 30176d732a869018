"""A ready-made text end model: TF-IDF features + ``NoiseAwareClassifier``.

Features: TF-IDF of word 1-2-grams and of character 2-5-grams within word
boundaries (spellings, links, obfuscated words), side by side
(scikit-learn's ``FeatureUnion``).  Used by ``weaklabel train`` and
``weaklabel demo``; a user with their own network uses
:class:`weaklabel.trainer.NoiseAwareClassifier` directly.  The saved model is
a folder: ``tfidf.json`` (each vectorizer's parameters, vocabulary and idf
weights) and ``classifier/`` (the trainer's weights and JSON config).
Nothing is pickled.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from weaklabel._validation import check_gold, default_class_names
from weaklabel.exceptions import WeakLabelError
from weaklabel.io import (
    atomic_write,
    proba_from_frame,
    read_soft_labels,
    soft_label_classes,
)

__all__ = ["TextClassifier", "fit_text_classifier", "train_text_model"]

# One entry per vectorizer of the feature union: (name, TfidfVectorizer params).
_VECTORIZERS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "words",
        {
            "analyzer": "word",
            "ngram_range": (1, 2),
            "min_df": 2,
            "max_features": 50_000,
            "sublinear_tf": True,
            "strip_accents": "unicode",
        },
    ),
    (
        "chars",
        {
            "analyzer": "char_wb",
            "ngram_range": (2, 5),
            "min_df": 2,
            "max_features": 100_000,
            "sublinear_tf": True,
            "strip_accents": "unicode",
        },
    ),
)
_SAVED_PARAMS = frozenset(_VECTORIZERS[0][1]) | frozenset(_VECTORIZERS[1][1])


def make_text_features() -> FeatureUnion:
    """An unfitted union of the word and character TF-IDF vectorizers."""
    return FeatureUnion(
        [(name, TfidfVectorizer(**params)) for name, params in _VECTORIZERS]
    )


def _vectorizer_doc(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    params = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in vectorizer.get_params().items()
        if k in _SAVED_PARAMS
    }
    return {
        "params": params,
        "vocabulary": {t: int(i) for t, i in vectorizer.vocabulary_.items()},
        "idf": vectorizer.idf_.tolist(),
    }


def _vectorizer_from_doc(doc: dict[str, Any]) -> TfidfVectorizer:
    params = dict(doc["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    vectorizer = TfidfVectorizer(**params)
    vectorizer.vocabulary_ = dict(doc["vocabulary"])
    vectorizer.idf_ = np.asarray(doc["idf"], dtype=np.float64)
    return vectorizer


class TextClassifier:
    """TF-IDF vectorizer and noise-aware network, fitted together.

    Parameters
    ----------
    vectorizer : FeatureUnion or TfidfVectorizer
        A fitted text vectorizer (see :func:`make_text_features`).
    classifier : NoiseAwareClassifier
        A classifier fitted on the vectorizer's output.
    classes : sequence of str
        Class names, in index order.
    """

    def __init__(
        self,
        vectorizer: FeatureUnion | TfidfVectorizer,
        classifier: Any,
        classes: Sequence[str],
    ) -> None:
        self.vectorizer = vectorizer
        self.classifier = classifier
        self.classes = list(classes)

    def predict_proba(
        self, texts: Sequence[str] | pd.Series
    ) -> npt.NDArray[np.float64]:
        """Class probabilities of shape (n_texts, n_classes)."""
        out: npt.NDArray[np.float64] = self.classifier.predict_proba(
            self.vectorizer.transform(_texts(texts))
        )
        return out

    def predict(self, texts: Sequence[str] | pd.Series) -> npt.NDArray[np.int64]:
        """Most probable class index of each text, shape (n_texts,)."""
        out: npt.NDArray[np.int64] = self.classifier.predict(
            self.vectorizer.transform(_texts(texts))
        )
        return out

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to the folder ``path`` (created if missing)."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        self.classifier.save(out / "classifier")
        parts = (
            self.vectorizer.transformer_list
            if isinstance(self.vectorizer, FeatureUnion)
            else [("words", self.vectorizer)]
        )
        doc = {
            "format": "weaklabel.textmodel/2",
            "classes": self.classes,
            "vectorizers": [
                {"name": name, **_vectorizer_doc(vec)} for name, vec in parts
            ],
        }
        atomic_write(out / "tfidf.json", lambda p: p.write_text(json.dumps(doc)))
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TextClassifier:
        """Load a model written by :meth:`save` (no code is executed)."""
        from weaklabel.trainer import NoiseAwareClassifier

        folder = Path(path)
        try:
            doc = json.loads((folder / "tfidf.json").read_text())
        except FileNotFoundError as exc:
            raise WeakLabelError(
                f"{str(folder)!r} is not a weaklabel text model folder (no tfidf.json)."
            ) from exc
        vectorizer: FeatureUnion | TfidfVectorizer
        if "vectorizers" in doc:  # format 2: a union of vectorizers
            parts = [(d["name"], _vectorizer_from_doc(d)) for d in doc["vectorizers"]]
            vectorizer = FeatureUnion(parts)
        else:  # format 1: one word vectorizer
            vectorizer = _vectorizer_from_doc(doc)
        classifier = NoiseAwareClassifier.load(folder / "classifier")
        return cls(vectorizer, classifier, doc["classes"])


def _texts(texts: Sequence[str] | pd.Series) -> list[str]:
    series = pd.Series(texts) if not isinstance(texts, pd.Series) else texts
    return series.fillna("").astype(str).tolist()


def fit_text_classifier(
    texts: Sequence[str] | pd.Series,
    proba: npt.ArrayLike,
    *,
    classes: Sequence[str] | None = None,
    L: Any = None,
    X_val: Sequence[str] | pd.Series | None = None,
    y_val: npt.ArrayLike | None = None,
    max_epochs: int = 30,
    random_state: int | None = 0,
    progress: bool = False,
    device: str | None = None,
) -> TextClassifier:
    """Fit word and character TF-IDF + a one-hidden-layer MLP on soft labels.

    Parameters
    ----------
    texts : sequence of str of length n_samples
        Training texts.
    proba : array-like of shape (n_samples, n_classes)
        Soft labels (rows sum to 1), e.g. ``LabelModel.predict_proba``.
    classes : sequence of str, default=None
        Class names; "0".."k-1" when None.
    L : vote matrix of shape (n_samples, n_lfs), default=None
        When given, rows on which every LF abstained are not trained on.
    X_val, y_val : texts and gold class indices, default=None
        Validation data for early stopping.
    max_epochs : int, default=30
    random_state : int or None, default=0
    progress : bool, default=False
    device : str, default=None
        "cpu" or "cuda"; CUDA when available if None.

    Returns
    -------
    TextClassifier
    """
    from weaklabel.trainer import NoiseAwareClassifier

    proba_arr = np.asarray(proba, dtype=np.float64)
    vectorizer = make_text_features()
    X = vectorizer.fit_transform(_texts(texts))
    clf = NoiseAwareClassifier(
        max_epochs=max_epochs,
        random_state=random_state,
        progress=progress,
        device=device,
    )
    fit_kwargs: dict[str, Any] = {}
    if X_val is not None and y_val is not None:
        fit_kwargs = {"X_val": vectorizer.transform(_texts(X_val)), "y_val": y_val}
    clf.fit(X, proba_arr, L=L, **fit_kwargs)
    names = (
        list(classes)
        if classes is not None
        else default_class_names(proba_arr.shape[1])
    )
    return TextClassifier(vectorizer, clf, names)


def train_text_model(
    data: pd.DataFrame,
    labels: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    text_column: str = "text",
    gold_column: str | None = None,
    max_epochs: int = 30,
    random_state: int | None = 0,
    progress: bool = False,
    validation_fraction: float = 0.2,
) -> dict[str, Any]:
    """Train and save a text end model from a soft-label file (``weaklabel train``).

    Parameters
    ----------
    data : DataFrame
        The rows the soft labels were computed on, in the same order.
    labels : path
        A soft-label file written by ``write_soft_labels`` / ``weaklabel label``.
    out_dir : path
        Folder the model is saved to.
    text_column : str, default="text"
    gold_column : str, default=None
        Column of gold labels (class names or indices; missing = unknown).  A
        fraction of the gold rows is held out for validation and reported.
    max_epochs, random_state, progress
        Passed to the trainer.
    validation_fraction : float, default=0.2
        Share of the gold rows held out.

    Returns
    -------
    dict
        Metrics and counts to report.
    """
    soft = read_soft_labels(labels)
    if len(soft) != len(data):
        raise WeakLabelError(
            f"The soft-label file {str(labels)!r} has {len(soft)} rows but the data"
            f" has {len(data)}; pass the data the labels were computed on."
        )
    classes = soft_label_classes(soft)
    proba = proba_from_frame(soft)
    texts = data[text_column]
    train_rows = np.arange(len(data))
    report: dict[str, Any] = {"rows": len(data), "classes": ", ".join(classes)}
    X_val = y_val = None
    if gold_column is not None:
        if gold_column not in data.columns:
            raise WeakLabelError(
                f"Data has no gold column {gold_column!r}; columns are"
                f" {list(data.columns)}."
            )
        gold = _gold_to_index(data[gold_column], classes)
        known = np.flatnonzero(gold >= 0)
        rng = np.random.default_rng(random_state)
        val_rows = rng.permutation(known)[
            : max(1, int(len(known) * validation_fraction))
        ]
        train_rows = np.setdiff1d(train_rows, val_rows)
        X_val, y_val = texts.iloc[val_rows], gold[val_rows]
    model = fit_text_classifier(
        texts.iloc[train_rows],
        proba[train_rows],
        classes=classes,
        X_val=X_val,
        y_val=y_val,
        max_epochs=max_epochs,
        random_state=random_state,
        progress=progress,
    )
    model.save(out_dir)
    report["trained on"] = len(train_rows)
    report["epochs"] = model.classifier.n_epochs_
    if X_val is not None and y_val is not None:
        pred = model.predict(X_val)
        label_model_pred = proba[val_rows].argmax(axis=1)
        report["validation rows"] = len(y_val)
        report["label model, validation accuracy"] = round(
            float(np.mean(label_model_pred == y_val)), 4
        )
        report["end model, validation accuracy"] = round(
            float(np.mean(pred == y_val)), 4
        )
    report["saved to"] = str(out_dir)
    return report


def _gold_to_index(gold: pd.Series, classes: Sequence[str]) -> npt.NDArray[np.int64]:
    lookup = {str(c): i for i, c in enumerate(classes)}
    as_str = gold.astype("string")
    mapped = as_str.map(lookup)
    numeric = pd.to_numeric(gold, errors="coerce")
    out = np.where(mapped.notna(), mapped.fillna(-1), numeric.fillna(-1)).astype(
        np.int64
    )
    out[gold.isna().to_numpy()] = -1
    return check_gold(out, len(out), len(classes), name=str(gold.name or "gold"))
