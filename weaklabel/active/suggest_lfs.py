"""Suggested LFs from labeled rows: keywords, n-grams and simple regexes, and a rules file.

:func:`suggest_lfs` proposes candidate LFs from the gold rows a user has
labeled, each with its precision on the gold rows and its coverage on all
rows (and, given the current votes, how many rows it adds and how often it
conflicts with the existing LFs), so the user sees them before accepting any.

Accepted suggestions become ordinary LFs through a small declarative JSON
rules file, which the user owns and may edit by hand::

    {"format": "weaklabel-rules", "version": 1, "classes": ["ham", "spam"],
     "rules": [{"name": "kw_subscribe", "kind": "keyword",
                "pattern": "subscribe", "label": "spam", "column": "text"},
               {"name": "re_check_out", "kind": "regex",
                "pattern": "\\\\bcheck\\\\W+out\\\\b", "label": "spam",
                "column": "text"}]}

:func:`write_rules` adds rules to such a file (atomically; it refuses a file
weaklabel did not write), :func:`load_rules` turns it into an
:class:`~weaklabel.lf.LFRegistry`, and :func:`add_rules` adds its rules to an
existing registry.  A ``keyword`` rule is :func:`~weaklabel.lf_helpers.keyword_lf`
(whole words, case-insensitive), a ``regex`` rule is
:func:`~weaklabel.lf_helpers.regex_lf` (case-insensitive search), and a
``zero_shot`` rule (the workbench writes them) is
:func:`~weaklabel.embed.zero_shot_lf` with the pattern describing its class and
every other class described by its name, voting only for its class (the
default offline embedder; needs the ``embed`` extra): see
:func:`zero_shot_rule_lf`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel._files import atomic_write

__all__ = [
    "RULES_FORMAT",
    "SHAPE_REGEXES",
    "add_rules",
    "load_rules",
    "read_rules",
    "suggest_lfs",
    "write_rules",
    "zero_shot_rule_lf",
]

RULES_FORMAT = "weaklabel-rules"
_RULES_VERSION = 1
_KINDS = ("keyword", "regex", "zero_shot")

#: The "simple regex" candidates: surface shapes that often separate classes.
SHAPE_REGEXES: dict[str, str] = {
    "re_url": r"https?://|www\.",
    "re_long_number": r"\d{4,}",
    "re_money": r"[$€£]\s?\d|\d\s?(?:usd|dollars?|euros?)\b",
    "re_all_caps_word": r"\b[A-Z]{4,}\b",
    "re_exclamations": r"!{2,}",
    "re_question": r"\?\s*$",
    "re_email": r"\b[\w.+-]+@[\w-]+\.\w+",
    "re_phone": r"\b\d{3}[\s.-]?\d{3}[\s.-]?\d{4}\b",
}
# shape regexes whose case matters
_CASE_SENSITIVE = frozenset({"re_all_caps_word"})


def _wilson_lower(
    hits: npt.NDArray[np.float64], n: npt.NDArray[np.float64], z: float = 1.64
) -> npt.NDArray[np.float64]:
    """Lower end of the Wilson interval of a proportion (0 where n = 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = hits / n
        centre = p + z * z / (2 * n)
        spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low = (centre - spread) / (1 + z * z / n)
    out: npt.NDArray[np.float64] = np.where(n > 0, low, 0.0)
    return out


def _slug(text: str) -> str:
    slug = re.sub(r"\W+", "_", text.lower()).strip("_")
    return slug[:40] or "rule"


def _matches(
    texts: pd.Series, kind: str, pattern: str, case_sensitive: bool = False
) -> npt.NDArray[np.bool_]:
    if kind == "keyword":
        from weaklabel.lf_helpers import _bounded

        regex = _bounded(pattern)
    else:
        regex = pattern
    flags = 0 if case_sensitive else re.IGNORECASE
    hit = texts.str.contains(re.compile(regex, flags), regex=True, na=False)
    return np.asarray(hit.to_numpy(dtype=bool), dtype=bool)


def suggest_lfs(
    texts: Iterable[Any],
    y: npt.ArrayLike,
    classes: Sequence[str],
    *,
    L: Any = None,
    kinds: Sequence[str] = ("keyword", "ngram", "regex"),
    min_precision: float = 0.8,
    min_support: int = 3,
    max_candidates: int = 30,
    column: str = "text",
) -> pd.DataFrame:
    """Propose keyword, n-gram and regex LFs from the labeled rows.

    Every word and two-word phrase seen in at least ``min_support`` gold rows,
    and every shape regex of :data:`SHAPE_REGEXES`, is scored per class: its
    precision on the gold rows where it matches, and the lower end of that
    precision's 90% Wilson interval (so a rule matching 40 gold rows at 95%
    ranks above one matching 3 at 100%).  The best ``max_candidates`` with
    ``precision >= min_precision`` are returned, matched exactly as the LF
    would match them (whole words, case-insensitive).

    Parameters
    ----------
    texts : iterable of str of length n_samples
        The rows' text (all rows, labeled or not).
    y : array-like of shape (n_samples,)
        Gold class indices, -1 where unknown.
    classes : sequence of str
        Class names (``y`` indexes them).
    L : array-like or DataFrame of shape (n_samples, n_lfs), default=None
        The current votes: adds ``new_coverage`` (rows no LF votes on that the
        rule matches) and ``conflicts`` (matched rows where an existing LF
        votes another class).
    kinds : sequence of {"keyword", "ngram", "regex"}, default all
        Which candidates to consider.
    min_precision : float, default=0.8
        Smallest precision on the gold rows.
    min_support : int, default=3
        Smallest number of gold rows a candidate must match.
    max_candidates : int, default=30
        Most candidates returned.
    column : str, default="text"
        The data column the rules will read (stored in each candidate).

    Returns
    -------
    DataFrame
        One row per candidate, best first: ``name``, ``kind`` ("keyword" or
        "regex"; an n-gram is a regex), ``pattern``, ``label`` (class name),
        ``precision``, ``precision_low`` (Wilson lower bound), ``support``
        (gold rows matched), ``correct``, ``coverage`` (share of all rows
        matched), ``column``, and with ``L`` ``new_coverage`` and ``conflicts``.

    Examples
    --------
    >>> texts = ["win cash now", "cash prize", "nice song", "love this song",
    ...          "win a prize", "great song", "free cash"]
    >>> y = [1, 1, 0, 0, 1, 0, -1]
    >>> table = suggest_lfs(texts, y, ["ham", "spam"], min_support=2)
    >>> table[["pattern", "label", "precision", "support"]].head(3).to_string(index=False)
    'pattern label  precision  support\\n   song   ham        1.0        3\\n   cash  spam        1.0        2\\n  prize  spam        1.0        2'
    """
    from sklearn.feature_extraction.text import CountVectorizer

    series = pd.Series(list(texts), dtype=object).fillna("").astype(str)
    n = len(series)
    gold = np.asarray(y, dtype=np.int64)
    if gold.shape != (n,):
        raise ValueError(
            f"y has shape {gold.shape} but there are {n} texts; give one gold label"
            " per row, -1 where unknown."
        )
    k = len(classes)
    if gold.max(initial=-1) >= k or gold.min(initial=-1) < -1:
        raise ValueError(
            f"y holds labels outside -1..{k - 1}; classes are {list(classes)}."
        )
    unknown = set(kinds) - {"keyword", "ngram", "regex"}
    if unknown:
        raise ValueError(
            f"kinds may hold 'keyword', 'ngram' and 'regex'; got {sorted(unknown)}."
        )
    has = gold >= 0
    if has.sum() == 0:
        raise ValueError("suggest_lfs needs gold rows: y has no label >= 0.")
    # candidate (kind, pattern, case_sensitive) and their gold-row indicator
    candidates: list[tuple[str, str, str, bool]] = []
    gold_texts = series[has]
    ngram_range = (1 if "keyword" in kinds else 2, 2 if "ngram" in kinds else 1)
    if "keyword" in kinds or "ngram" in kinds:
        vec = CountVectorizer(
            binary=True,
            ngram_range=ngram_range,
            min_df=min(min_support, int(has.sum())),
            token_pattern=r"(?u)\b\w\w+\b",
        )
        try:
            Xg = vec.fit_transform(gold_texts)
        except ValueError:  # no term reaches min_df
            Xg = None
        if Xg is not None:
            terms = vec.get_feature_names_out()
            # shortlist on gold stats from the vectorizer, then match exactly
            yg = gold[has]
            counts = np.stack(
                [np.asarray(Xg[yg == c].sum(axis=0)).ravel() for c in range(k)], axis=1
            ).astype(np.float64)
            total = counts.sum(axis=1)
            low = _wilson_lower(counts.max(axis=1), total)
            for t in np.argsort(-low, kind="stable")[: 4 * max_candidates + 50]:
                term = str(terms[t])
                if " " in term:
                    words = [re.escape(w) for w in term.split()]
                    pattern = r"\b" + r"\W+".join(words) + r"\b"
                    candidates.append(("ngram", "regex", pattern, False))
                else:
                    candidates.append(("keyword", "keyword", term, False))
    if "regex" in kinds:
        for name, pattern in SHAPE_REGEXES.items():
            candidates.append((name, "regex", pattern, name in _CASE_SENSITIVE))
    rows = []
    for origin, kind, pattern, case in candidates:
        hit = _matches(series, kind, pattern, case)
        on_gold = gold[hit & has]
        if on_gold.size < min_support:
            continue
        per_class = np.bincount(on_gold, minlength=k)
        c = int(per_class.argmax())
        precision = per_class[c] / on_gold.size
        if precision < min_precision:
            continue
        if origin == "keyword":
            name = f"kw_{_slug(pattern)}"
        elif origin == "ngram":
            name = "ng_" + _slug(re.sub(r"\\[bW]\+?|\\", " ", pattern))
        else:
            name = origin
        rows.append(
            {
                "name": f"{name}_{_slug(classes[c])}",
                "kind": kind,
                "pattern": pattern,
                "label": classes[c],
                "precision": float(precision),
                "precision_low": float(
                    _wilson_lower(
                        np.array([float(per_class[c])]), np.array([float(on_gold.size)])
                    )[0]
                ),
                "support": int(on_gold.size),
                "correct": int(per_class[c]),
                "coverage": float(hit.mean()),
                "column": column,
                "_hit": hit,
                "_class": c,
            }
        )
    columns = [
        "name",
        "kind",
        "pattern",
        "label",
        "precision",
        "precision_low",
        "support",
        "correct",
        "coverage",
        "column",
    ]
    if not rows:
        empty = pd.DataFrame(
            columns=columns + (["new_coverage", "conflicts"] if L is not None else [])
        )
        return empty
    table = pd.DataFrame(rows)
    table = table.sort_values(
        ["precision_low", "coverage", "name"],
        ascending=[False, False, True],
        kind="stable",
    )
    table = table.drop_duplicates("name").head(max_candidates).reset_index(drop=True)
    if L is not None:
        from weaklabel._validation import check_votes

        V = np.asarray(check_votes(L, name="L"))
        if V.shape[0] != n:
            raise ValueError(f"L has {V.shape[0]} rows but there are {n} texts.")
        covered = (V >= 0).any(axis=1)
        new, conflicts = [], []
        for hit, c in zip(table["_hit"], table["_class"], strict=True):
            new.append(float((hit & ~covered).mean()))
            other = ((V >= 0) & (c != V)).any(axis=1)
            conflicts.append(float((hit & other).mean()))
        table["new_coverage"] = new
        table["conflicts"] = conflicts
        columns += ["new_coverage", "conflicts"]
    return table[columns]


# ----------------------------------------------------------------- rules file
def _check_rule(
    rule: Any, i: int, classes: Sequence[str], source: str
) -> dict[str, str]:
    where = f"rule {i} of {source}"
    if not isinstance(rule, dict):
        raise ValueError(f"{where} is {type(rule).__name__}, expected an object.")
    missing = [f for f in ("name", "kind", "pattern", "label") if f not in rule]
    if missing:
        raise ValueError(
            f"{where} lacks {missing}; each rule needs name, kind, pattern and label"
            " (column defaults to 'text')."
        )
    out = {f: rule[f] for f in ("name", "kind", "pattern", "label")}
    out["column"] = rule.get("column", "text")
    for field, value in out.items():
        if not isinstance(value, str) or not value:
            raise ValueError(
                f"{where}: {field} must be a non-empty string; got {value!r}."
            )
    if out["kind"] not in _KINDS:
        raise ValueError(
            f"{where}: kind must be one of {list(_KINDS)}; got {out['kind']!r}."
        )
    if out["label"] not in classes:
        raise ValueError(
            f"{where}: label {out['label']!r} is not one of the file's classes"
            f" {list(classes)}."
        )
    if out["kind"] == "regex":
        try:
            re.compile(out["pattern"])
        except re.error as exc:
            raise ValueError(
                f"{where}: pattern {out['pattern']!r} is not a valid regex: {exc}."
            ) from exc
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", out["name"]):
        raise ValueError(
            f"{where}: name {out['name']!r} must be a snake_case identifier."
        )
    return out


def read_rules(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a rules file: ``{"classes": [...], "rules": [...]}``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Not a weaklabel rules file, or an invalid rule (the message names it).
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"Rules file {str(p)!r} does not exist.")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{str(p)!r} is not a JSON rules file: {exc}.") from exc
    if not isinstance(doc, dict) or doc.get("format") != RULES_FORMAT:
        raise ValueError(
            f"{str(p)!r} is not a weaklabel rules file (expected a JSON object with"
            f' "format": "{RULES_FORMAT}").'
        )
    if doc.get("version") != _RULES_VERSION:
        raise ValueError(
            f"{str(p)!r} has rules-file version {doc.get('version')!r}; this weaklabel"
            f" reads version {_RULES_VERSION}."
        )
    classes = doc.get("classes")
    if (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(c, str) for c in classes)
    ):
        raise ValueError(
            f"{str(p)!r}: classes must be a list of at least two class names."
        )
    rules = doc.get("rules")
    if not isinstance(rules, list):
        raise ValueError(f"{str(p)!r}: rules must be a list.")
    checked = [_check_rule(r, i, classes, repr(str(p))) for i, r in enumerate(rules)]
    names = [r["name"] for r in checked]
    dup = sorted({x for x in names if names.count(x) > 1})
    if dup:
        raise ValueError(f"{str(p)!r}: rule names must be unique; repeated: {dup}.")
    return {
        "format": RULES_FORMAT,
        "version": _RULES_VERSION,
        "classes": classes,
        "rules": checked,
    }


def write_rules(
    path: str | os.PathLike[str],
    rules: pd.DataFrame | Iterable[dict[str, Any]],
    classes: Sequence[str],
) -> Path:
    """Add accepted rules to a rules file (created if missing), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The JSON rules file.  An existing file must be a weaklabel rules file
        with the same classes; its rules are kept, and a rule with the name
        of an existing one replaces it.
    rules : DataFrame or iterable of dict
        Rows with ``name``, ``kind``, ``pattern``, ``label`` (and ``column``),
        e.g. the accepted rows of :func:`suggest_lfs`.
    classes : sequence of str
        The class names, in class-index order.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    classes = [str(c) for c in classes]
    p = Path(path)
    existing: list[dict[str, str]] = []
    if p.exists():
        doc = read_rules(p)
        if doc["classes"] != classes:
            raise ValueError(
                f"{str(p)!r} holds rules for the classes {doc['classes']}, not"
                f" {classes}; write to another rules file."
            )
        existing = doc["rules"]
    records = (
        rules.to_dict("records") if isinstance(rules, pd.DataFrame) else list(rules)
    )
    new = [_check_rule(r, i, classes, "the new rules") for i, r in enumerate(records)]
    by_name = {r["name"]: r for r in existing}
    for r in new:
        by_name[r["name"]] = r
    doc = {
        "format": RULES_FORMAT,
        "version": _RULES_VERSION,
        "classes": classes,
        "rules": list(by_name.values()),
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return atomic_write(p, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def zero_shot_rule_lf(
    name: str,
    description: str,
    label: str,
    classes: Sequence[str],
    *,
    column: str = "text",
    embedder: Any = None,
) -> Any:
    """The LF of a zero-shot rule: ``description`` against the other class names.

    A :func:`~weaklabel.embed.zero_shot_lf` where class ``label`` is described
    by ``description`` and every other class by its own name, voting only for
    ``label`` (it abstains where another class wins).

    Parameters
    ----------
    name : str
        The LF's name.
    description : str
        A short description of class ``label``, e.g. ``"an advertisement for a
        channel or a product"``.
    label : str
        The class the rule votes for; one of ``classes``.
    classes : sequence of str
        All class names.
    column : str, default="text"
        The text column.
    embedder : Embedder, default=None
        None uses the offline default (``WordLlamaEmbedder``).

    Raises
    ------
    ImportError
        Without the ``embed`` extra.
    ValueError
        On an empty description or a label not in ``classes``.
    """
    names = [str(c) for c in classes]
    if not description.strip():
        raise ValueError(
            f"Zero-shot rule {name!r} needs a short description of its class,"
            " e.g. 'an advertisement for a channel or a product'."
        )
    if label not in names:
        raise ValueError(
            f"Zero-shot rule {name!r}: label {label!r} is not one of {names}."
        )
    try:
        from weaklabel.embed import zero_shot_lf
    except ImportError as exc:  # pragma: no cover - the embed extra is missing
        raise ImportError(
            f"Zero-shot rule {name!r} needs the embed extra:"
            " pip install 'weaklabel[embed]'."
        ) from exc
    descriptions: dict[str | int, str | Sequence[str]] = {
        c: (description.strip() if c == label else c) for c in names
    }
    return zero_shot_lf(
        name, descriptions, column=column, embedder=embedder, vote_for=[label]
    )


def _rule_lf(rule: dict[str, str], classes: Sequence[str]) -> Any:
    from weaklabel.lf_helpers import keyword_lf, regex_lf

    if rule["kind"] == "zero_shot":
        return zero_shot_rule_lf(
            rule["name"],
            rule["pattern"],
            rule["label"],
            classes,
            column=rule["column"],
        )
    if rule["kind"] == "keyword":
        return keyword_lf(
            rule["name"], [rule["pattern"]], rule["label"], column=rule["column"]
        )
    flags = 0 if rule["name"].startswith(tuple(_CASE_SENSITIVE)) else re.IGNORECASE
    return regex_lf(
        rule["name"], rule["pattern"], rule["label"], column=rule["column"], flags=flags
    )


def add_rules(registry: Any, path: str | os.PathLike[str]) -> Any:
    """Add the rules of a rules file to an existing ``LFRegistry``.

    The registry's classes must be the file's.  Returns the registry.
    """
    doc = read_rules(path)
    if list(registry.classes) != doc["classes"]:
        raise ValueError(
            f"The registry's classes {list(registry.classes)} differ from the rules"
            f" file's {doc['classes']}; the rules cannot be added."
        )
    for rule in doc["rules"]:
        registry.add(_rule_lf(rule, doc["classes"]))
    return registry


def load_rules(path: str | os.PathLike[str]) -> Any:
    """A new ``LFRegistry`` holding one LF per rule of a rules file.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "rules.json"
    >>> rules = [{"name": "kw_cash", "kind": "keyword", "pattern": "cash", "label": "spam"}]
    >>> _ = write_rules(out, rules, ["ham", "spam"])
    >>> lfs = load_rules(out)
    >>> lfs.apply(pd.DataFrame({"text": ["Cash now!", "nice"]}))["kw_cash"].tolist()
    [1, -1]
    """
    from weaklabel.lf import LFRegistry

    doc = read_rules(path)
    registry = LFRegistry(classes=doc["classes"])
    for rule in doc["rules"]:
        registry.add(_rule_lf(rule, doc["classes"]))
    return registry
