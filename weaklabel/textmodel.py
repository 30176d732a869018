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

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from weaklabel._files import atomic_folder
from weaklabel._json import JSONFileError, read_bounded_json
from weaklabel._validation import check_gold, default_class_names
from weaklabel.exceptions import ModelFileError, WeakLabelError
from weaklabel.io import (
    proba_from_frame,
    read_soft_labels,
    read_votes,
    soft_label_classes,
)
from weaklabel.typing import ABSTAIN

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


def _vectorizer_from_doc(doc: Any, path: Path, where: str) -> TfidfVectorizer:
    """A fitted vectorizer from its saved document, every field checked first.

    Only the parameters weaklabel writes are accepted, each with the values
    it can write: no ``token_pattern``, ``preprocessor`` or other text that
    would run as a regular expression or code, and n-grams of at most
    :data:`_MAX_NGRAM` characters or words, so predict time stays bounded.
    """
    if not isinstance(doc, dict):
        raise _fail(path, "expected an object", where.rstrip(".") or None)
    for key in ("params", "vocabulary", "idf"):
        if key not in doc:
            raise _fail(path, "the field is missing", f"{where}{key}")
    params = doc["params"]
    if not isinstance(params, dict):
        raise _fail(path, "expected an object", f"{where}params")
    for key, value in params.items():
        check = _PARAM_CHECKS.get(key)
        if check is None:
            raise _fail(
                path,
                f"weaklabel saves only the parameters {sorted(_PARAM_CHECKS)};"
                f" {key!r} is not accepted from a file",
                f"{where}params.{key}",
            )
        if not check(value):
            raise _fail(path, f"invalid value {value!r}", f"{where}params.{key}")
    vocabulary, idf = doc["vocabulary"], doc["idf"]
    if not (
        isinstance(vocabulary, dict)
        and vocabulary
        and all(
            isinstance(i, int) and not isinstance(i, bool) for i in vocabulary.values()
        )
    ):
        raise _fail(
            path, "expected a non-empty object of term: column", f"{where}vocabulary"
        )
    columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
    if not np.array_equal(np.sort(columns), np.arange(len(vocabulary))):
        raise _fail(
            path,
            f"the columns must be 0..{len(vocabulary) - 1}, each once",
            f"{where}vocabulary",
        )
    if not (
        isinstance(idf, list)
        and len(idf) == len(vocabulary)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in idf)
    ):
        raise _fail(
            path,
            f"expected {len(vocabulary)} numbers, one per vocabulary term",
            f"{where}idf",
        )
    idf_arr = np.asarray(idf, dtype=np.float64)
    if not (np.isfinite(idf_arr).all() and (idf_arr > 0).all()):
        raise _fail(path, "weights must be finite and positive", f"{where}idf")
    kwargs = dict(params)
    if "ngram_range" in kwargs:
        kwargs["ngram_range"] = tuple(kwargs["ngram_range"])
    vectorizer = TfidfVectorizer(**kwargs)
    vectorizer.vocabulary_ = dict(vocabulary)
    vectorizer.idf_ = idf_arr
    return vectorizer


_MAX_NGRAM = 10
_MAX_TFIDF_BYTES = 1 << 30
_MAX_DEPTH = 8


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_PARAM_CHECKS: dict[str, Any] = {
    "analyzer": lambda v: v in ("word", "char", "char_wb"),
    "ngram_range": lambda v: (
        isinstance(v, list)
        and len(v) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in v)
        and 1 <= v[0] <= v[1] <= _MAX_NGRAM
    ),
    "min_df": lambda v: _is_number(v) and v >= 0,
    "max_features": lambda v: (
        v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 1)
    ),
    "sublinear_tf": lambda v: isinstance(v, bool),
    "strip_accents": lambda v: v in (None, "unicode", "ascii"),
}
"""The parameters a saved vectorizer may set, and the values each accepts."""


def _fail(path: Path, problem: str, attribute: str | None = None) -> ModelFileError:
    where = f" (attribute {attribute!r})" if attribute else ""
    return ModelFileError(
        f"{str(path)!r} is not a valid weaklabel text model file{where}: {problem}."
        " Text models are written by TextClassifier.save (weaklabel train); train"
        " and save the model again if this one was edited or damaged.",
        path=str(path),
        attribute=attribute,
    )


def _read_tfidf_doc(path: Path) -> dict[str, Any]:
    """Parse tfidf.json with its size and nesting bounded."""
    try:
        doc = read_bounded_json(path, max_bytes=_MAX_TFIDF_BYTES, max_depth=_MAX_DEPTH)
    except JSONFileError as exc:
        raise _fail(path, str(exc)) from exc
    if not isinstance(doc, dict):
        raise _fail(path, "expected a JSON object")
    if doc.get("format") not in _FORMATS:
        raise _fail(
            path, f"format {doc.get('format')!r}, expected one of {_FORMATS}", "format"
        )
    return doc


_FORMATS = ("weaklabel.textmodel/1", "weaklabel.textmodel/2")


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
        """Write the model to the folder ``path``, atomically.

        The folder is written beside ``path`` and swapped in whole, so a
        failed save leaves the old model as it was; a non-empty folder
        weaklabel did not write is refused (choose another path).
        """
        out = Path(path)
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
        with atomic_folder(out, info={"kind": "weaklabel.textmodel/2"}) as tmp:
            self.classifier.save(tmp / "classifier")
            (tmp / "tfidf.json").write_text(json.dumps(doc))
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TextClassifier:
        """Load a model written by :meth:`save` (no code is executed)."""
        from weaklabel.trainer import NoiseAwareClassifier

        folder = Path(path)
        tfidf = folder / "tfidf.json"
        try:
            doc = _read_tfidf_doc(tfidf)
        except FileNotFoundError as exc:
            raise WeakLabelError(
                f"{str(folder)!r} is not a weaklabel text model folder (no tfidf.json)."
            ) from exc
        classes = doc.get("classes")
        if not (
            isinstance(classes, list)
            and len(classes) >= 2
            and all(isinstance(c, str) for c in classes)
            and len(set(classes)) == len(classes)
        ):
            raise _fail(tfidf, "expected a list of 2 or more distinct names", "classes")
        vectorizer: FeatureUnion | TfidfVectorizer
        if doc["format"] == "weaklabel.textmodel/2":  # a union of vectorizers
            docs = doc.get("vectorizers")
            if not (isinstance(docs, list) and 1 <= len(docs) <= 8):
                raise _fail(
                    tfidf, "expected a list of 1 to 8 vectorizers", "vectorizers"
                )
            names = [d.get("name") if isinstance(d, dict) else None for d in docs]
            if not all(isinstance(n, str) for n in names) or len(set(names)) < len(
                names
            ):
                raise _fail(tfidf, "each needs a distinct name", "vectorizers")
            parts = [
                (n, _vectorizer_from_doc(d, tfidf, f"vectorizers[{i}]."))
                for i, (n, d) in enumerate(zip(names, docs, strict=True))
            ]
            vectorizer = FeatureUnion(parts)
            width = sum(len(v.vocabulary_) for _, v in parts)
        else:  # format 1: one word vectorizer
            vectorizer = _vectorizer_from_doc(doc, tfidf, "")
            width = len(vectorizer.vocabulary_)
        classifier = NoiseAwareClassifier.load(folder / "classifier")
        if classifier.n_features_in_ != width:
            raise _fail(
                tfidf,
                f"its vocabularies have {width} terms but the classifier takes"
                f" {classifier.n_features_in_} features",
                "vocabulary",
            )
        if classifier.n_classes_ != len(classes):
            raise _fail(
                tfidf,
                f"{len(classes)} class names for a classifier of"
                f" {classifier.n_classes_} classes",
                "classes",
            )
        return cls(vectorizer, classifier, classes)


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
    """Fit word and character TF-IDF + the default linear head on soft labels.

    The network trains on one torch thread (restored afterwards): a linear
    head on sparse batches gains nothing from more, and on a busy machine
    several threads waiting on each other made an SMS fit 40x slower.

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
    with _one_torch_thread():
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
    votes: str | os.PathLike[str] | npt.ArrayLike | pd.DataFrame | None = None,
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
    votes : path, array-like or DataFrame of shape (n_samples, n_lfs), default=None
        The vote matrix the soft labels came from (a votes file written by
        ``weaklabel apply``, or the matrix): rows on which every LF abstained
        are left out of training, and their count is reported.  Without it
        every row is trained on.
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
    L = None
    if votes is not None:
        if isinstance(votes, (str, os.PathLike)):
            votes = read_votes(votes)
        L = np.asarray(votes.to_numpy() if isinstance(votes, pd.DataFrame) else votes)
        if L.ndim != 2 or L.shape[0] != len(data):
            raise WeakLabelError(
                f"The votes have shape {L.shape} but the data has {len(data)} rows;"
                " pass the vote matrix of these rows (weaklabel apply)."
            )
        report["rows with no vote (left out)"] = int((L == ABSTAIN).all(axis=1).sum())
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
        L=None if L is None else L[train_rows],
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
