"""Bundled demo data and a loader for WRENCH-format benchmark folders.

``load_youtube`` reads the UCI YouTube Spam Collection that ships inside the
package (see ``weaklabel/data/youtube/ATTRIBUTION.md`` for its licence and
citation).  ``load_wrench`` reads a folder in the format of the WRENCH
benchmark (``train.json`` / ``valid.json`` / ``test.json``, each entry holding
a gold ``label``, the labeling functions' ``weak_labels`` and the raw
``data``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel._validation import default_class_names
from weaklabel.typing import ABSTAIN

__all__ = [
    "YOUTUBE_CLASSES",
    "YOUTUBE_FILES",
    "WrenchSplit",
    "load_wrench",
    "load_youtube",
]

YOUTUBE_CLASSES: Final[tuple[str, str]] = ("ham", "spam")
"""Class names of the YouTube data: ``label`` 0 is ham, 1 is spam."""

YOUTUBE_FILES: Final[dict[str, str]] = {
    "Psy": "Youtube01-Psy.csv",
    "KatyPerry": "Youtube02-KatyPerry.csv",
    "LMFAO": "Youtube03-LMFAO.csv",
    "Eminem": "Youtube04-Eminem.csv",
    "Shakira": "Youtube05-Shakira.csv",
}
"""The five bundled CSV files, keyed by the ``video`` value of their rows."""

_YOUTUBE_SPLITS: Final[dict[str | None, tuple[str, ...]]] = {
    None: ("Psy", "KatyPerry", "LMFAO", "Eminem", "Shakira"),
    "train": ("Psy", "KatyPerry", "LMFAO", "Eminem"),
    "test": ("Shakira",),
}


def load_youtube(split: Literal["train", "test"] | None = None) -> pd.DataFrame:
    """Load the bundled UCI YouTube Spam Collection.

    1956 YouTube comments on five music videos, each labelled ham (0) or
    spam (1) by hand (Alberto, Lochter & Almeida, "TubeSpam: Comment Spam
    Filtering on YouTube", ICMLA 2015; CC BY 4.0).

    Parameters
    ----------
    split : {"train", "test"} or None, default=None
        ``None`` returns all 1956 comments.  ``"train"`` returns the comments
        of the first four videos (files 01-04, 1586 rows) and ``"test"`` those
        of the fifth (file 05, Shakira, 370 rows): the split of the Snorkel
        spam tutorial, which WRENCH's ``youtube`` set also follows (WRENCH
        further cuts file 05 into 120 validation and 250 test comments).

    Returns
    -------
    pandas.DataFrame
        One row per comment, in file order (files 01 to 05), with a fresh
        ``RangeIndex`` and the columns

        - ``comment_id`` (str): YouTube's id; not unique (a few comments are
          listed twice),
        - ``author`` (str),
        - ``date`` (datetime64): missing (``NaT``) for the 245 Eminem rows
          that have no date,
        - ``text`` (str): the comment exactly as stored in the CSV, HTML
          entities and trailing byte-order marks (``"\\ufeff"``) included:
          nothing is stripped or normalised, so that results can be compared
          with other tools reading the same files,
        - ``label`` (int64): 0 = ham, 1 = spam (see ``YOUTUBE_CLASSES``),
        - ``video`` (str): the video the comment was posted on (``"Psy"``,
          ``"KatyPerry"``, ``"LMFAO"``, ``"Eminem"`` or ``"Shakira"``).

    Raises
    ------
    ValueError
        If ``split`` is not one of the values above.

    Examples
    --------
    >>> df = load_youtube()
    >>> df.shape
    (1956, 6)
    >>> df.label.value_counts().sort_index().tolist()
    [951, 1005]
    >>> len(load_youtube("train")), len(load_youtube("test"))
    (1586, 370)
    """
    if split not in _YOUTUBE_SPLITS:
        raise ValueError(
            f"The 'split' parameter of load_youtube must be 'train', 'test' or "
            f"None. Got {split!r} instead."
        )
    folder = resources.files("weaklabel").joinpath("data", "youtube")
    frames = []
    for video in _YOUTUBE_SPLITS[split]:
        with folder.joinpath(YOUTUBE_FILES[video]).open("r", encoding="utf-8") as fh:
            raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
        frame = pd.DataFrame(
            {
                "comment_id": raw["COMMENT_ID"],
                "author": raw["AUTHOR"],
                # ISO 8601, with or without fractional seconds; "" when missing.
                "date": pd.to_datetime(raw["DATE"].replace("", None), format="ISO8601"),
                "text": raw["CONTENT"],
                "label": raw["CLASS"].astype(np.int64),
                "video": video,
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True, eq=False)
class WrenchSplit:
    """One split of a WRENCH-format dataset.

    Attributes
    ----------
    L : ndarray of shape (n_samples, n_lfs), dtype int64
        The labeling functions' votes, ``ABSTAIN`` (-1) where an LF abstains.
    y : ndarray of shape (n_samples,), dtype int64
        Gold class indices, -1 where an entry has no gold label.
    data : pandas.DataFrame
        The entries' ``data`` dicts, one column per key (e.g. ``text``),
        indexed by the entries' ids (as strings, in numeric order).
    classes : tuple of str
        Class names from ``label.json``, position = class index; ``("0",
        "1", ...)`` when the folder has no ``label.json``.
    lf_names : tuple of str or None
        The LF names listed in ``readme.txt`` when it lists exactly one name
        per column of ``L`` (the ``youtube`` set), else None.
    """

    L: npt.NDArray[np.int64]
    y: npt.NDArray[np.int64]
    data: pd.DataFrame
    classes: tuple[str, ...]
    lf_names: tuple[str, ...] | None

    @property
    def ids(self) -> pd.Index:
        """The entries' ids, in row order."""
        return self.data.index

    @property
    def texts(self) -> pd.Series:
        """The ``text`` field of every entry.

        Raises
        ------
        ValueError
            If the entries have no ``text`` field (use ``data`` instead).
        """
        if "text" not in self.data.columns:
            raise ValueError(
                "The entries of this WRENCH split have no 'text' field; their "
                f"data fields are {list(self.data.columns)}. Use .data instead."
            )
        return self.data["text"]


def _read_label_json(folder: str) -> tuple[str, ...] | None:
    path = os.path.join(folder, "label.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as fh:
        mapping = json.load(fh)
    try:
        pairs = sorted((int(k), str(v)) for k, v in mapping.items())
    except (AttributeError, ValueError) as exc:
        raise ValueError(
            f"{path} must map class indices to names, e.g. "
            f'{{"0": "ham", "1": "spam"}}; got {mapping!r}.'
        ) from exc
    if [k for k, _ in pairs] != list(range(len(pairs))):
        raise ValueError(
            f"{path} must map the class indices 0..k-1 to names; got the "
            f"indices {[k for k, _ in pairs]}."
        )
    return tuple(v for _, v in pairs)


_IDENT_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*,?\s*$")


def _read_lf_names(folder: str, n_lfs: int) -> tuple[str, ...] | None:
    """LF names from a WRENCH readme's 'Labeling functions list:' block."""
    path = os.path.join(folder, "readme.txt")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().splitlines()
    starts = [
        i
        for i, line in enumerate(lines)
        if line.strip().lower().startswith("labeling functions list")
    ]
    if not starts:
        return None
    start = starts[0]
    names: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            if names:
                break
            continue
        match = _IDENT_LINE.match(line)
        if match is None:
            break
        names.append(match.group(1))
    if len(names) != n_lfs or len(set(names)) != n_lfs:
        return None
    return tuple(names)


def load_wrench(folder: str | os.PathLike[str], split: str) -> WrenchSplit:
    """Load one split of a dataset in the format of the WRENCH benchmark.

    A WRENCH folder holds ``train.json``, ``valid.json`` and ``test.json``,
    each one JSON object ``{"<id>": {"label": int, "weak_labels": [int, ...],
    "data": {...}}}`` with -1 in ``weak_labels`` for an abstain; plus
    ``label.json`` (class index -> name) and a ``readme.txt``.

    Parameters
    ----------
    folder : str or path-like
        The dataset's folder, e.g. ``"data/youtube"``.
    split : str
        ``"train"``, ``"valid"`` or ``"test"`` (any name whose ``<name>.json``
        exists in ``folder`` is accepted).

    Returns
    -------
    WrenchSplit
        Votes ``L``, gold ``y``, the raw ``data`` fields, class names and,
        where the readme lists them, the LF names.  Rows are sorted by id.

    Raises
    ------
    FileNotFoundError
        If the folder or the split's file does not exist (the message lists
        the splits that do).
    ValueError
        If the file is not in WRENCH format (ragged ``weak_labels``, missing
        keys, votes or labels out of range of ``label.json``'s classes).

    Examples
    --------
    >>> ds = load_wrench("path/to/wrench/youtube", "test")  # doctest: +SKIP
    >>> ds.L.shape, ds.classes                               # doctest: +SKIP
    ((250, 10), ('HAM', 'SPAM'))
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"WRENCH dataset folder {folder!r} does not exist (or is not a "
            "folder). Pass the folder that holds train.json, valid.json and "
            "test.json."
        )
    path = os.path.join(folder, f"{split}.json")
    if not os.path.isfile(path):
        present = sorted(
            name[: -len(".json")]
            for name in os.listdir(folder)
            if name.endswith(".json") and name not in {"label.json", "labeled_ids.json"}
        )
        raise FileNotFoundError(
            f"WRENCH split {split!r} not found: {path!r} does not exist. "
            f"Splits in this folder: {present or 'none'}."
        )
    with open(path, encoding="utf-8") as fh:
        entries: Any = json.load(fh)
    if not isinstance(entries, dict):
        raise ValueError(
            f"{path} must hold one JSON object mapping ids to entries; got a "
            f"{type(entries).__name__}."
        )
    ids = list(entries)
    if all(str(i).lstrip("-").isdigit() for i in ids):
        ids.sort(key=int)

    rows: list[list[int]] = []
    labels: list[int] = []
    records: list[dict[str, Any]] = []
    for i in ids:
        entry = entries[i]
        if not isinstance(entry, dict) or "weak_labels" not in entry:
            raise ValueError(
                f"Entry {i!r} of {path} is not a WRENCH entry: expected a dict "
                f"with keys 'label', 'weak_labels' and 'data'; got {entry!r:.200}."
            )
        rows.append(entry["weak_labels"])
        label = entry.get("label")
        labels.append(ABSTAIN if label is None else label)
        data = entry.get("data", {})
        records.append(data if isinstance(data, dict) else {"data": data})

    lengths = {len(r) for r in rows}
    if len(lengths) > 1:
        raise ValueError(
            f"The 'weak_labels' lists of {path} have different lengths "
            f"{sorted(lengths)}; every entry must have one vote per LF."
        )
    n_lfs = lengths.pop() if lengths else 0
    L = np.asarray(rows, dtype=np.int64).reshape(len(rows), n_lfs)
    y = np.asarray(labels, dtype=np.int64)

    classes = _read_label_json(folder)
    if classes is None:
        top = int(max(L.max(initial=-1), y.max(initial=-1)))
        classes = tuple(default_class_names(top + 1))
    k = len(classes)
    for name, arr in (("weak_labels", L), ("label", y)):
        bad = (arr < ABSTAIN) | (arr >= k)
        if bad.any():
            raise ValueError(
                f"{path} has {name} values {sorted(set(arr[bad].tolist()))[:5]} "
                f"outside {{-1 (abstain), 0..{k - 1}}} (classes {classes})."
            )
    data = pd.DataFrame.from_records(
        records, index=pd.Index([str(i) for i in ids], name="id")
    )
    return WrenchSplit(
        L=L,
        y=y,
        data=data,
        classes=classes,
        lf_names=_read_lf_names(folder, n_lfs),
    )
