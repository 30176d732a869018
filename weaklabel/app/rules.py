"""Rules typed in the workbench: keyword, regex and zero-shot LFs, previewed before use.

A rule is an ordinary weaklabel LF on the text column: ``keyword_lf``,
``regex_lf``, or ``zero_shot_lf`` (a description of the rule's class,
compared with the other classes' names, voting only for the rule's class), so
its votes here are exactly the votes it casts as an LF.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.exceptions import WeakLabelError
from weaklabel.typing import ABSTAIN

__all__ = ["RulePreview", "preview_rule", "rule_lf", "rule_mask"]

RULE_KINDS = ("keyword", "regex", "zero_shot")


class ColumnEmbeddings:
    """An embedder that remembers the embeddings of one column of texts.

    Zero-shot rules embed the whole text column; the first preview pays for
    it, later previews and accepted rules reuse it.  Other texts (the class
    descriptions) go to the wrapped embedder.

    Parameters
    ----------
    embedder : Embedder
        The model (``weaklabel.embed``'s protocol).
    texts : list of str
        The column.
    """

    def __init__(self, embedder: Any, texts: list[str]) -> None:
        self._inner = embedder
        self._texts = texts
        self._X: npt.NDArray[np.float32] | None = None
        self.name = str(embedder.name)
        self.batch_size = 1 << 30  # the caller passes the column in one call

    def embed(self, texts: Any) -> npt.NDArray[np.float32]:
        """Embeddings of ``texts`` (the column's are computed once)."""
        from weaklabel.embed import embed_texts

        texts = list(texts)
        if len(texts) == len(self._texts) and texts == self._texts:
            if self._X is None:
                self._X = embed_texts(self._inner, texts)
            return self._X
        return embed_texts(self._inner, texts)


@dataclass
class RulePreview:
    """What a keyword or regex rule would do before it is accepted."""

    kind: str
    pattern: str
    label: int
    n_rows: int
    n_fired: int
    coverage: float
    n_labeled_fired: int
    precision: float | None
    overlaps: float
    conflicts: float
    per_lf: list[dict[str, Any]] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the preview as a JSON-ready dict."""
        return dict(vars(self))


def rule_lf(
    name: str,
    kind: str,
    pattern: str,
    label: int,
    column: str,
    *,
    classes: Sequence[str] = (),
    embedder: Any = None,
) -> Any:
    """The LF a rule stands for, on ``column``.

    ``keyword``: :func:`~weaklabel.lf_helpers.keyword_lf` (whole words,
    case-insensitive); ``regex``: :func:`~weaklabel.lf_helpers.regex_lf`
    (case-insensitive search); ``zero_shot``:
    :func:`~weaklabel.embed.zero_shot_lf` with ``pattern`` describing class
    ``label`` and every other class described by its name, voting only for
    ``label`` (needs ``classes`` and the ``embed`` extra).
    """
    from weaklabel.lf_helpers import keyword_lf, regex_lf

    if kind == "keyword":
        if not pattern.strip():
            raise WeakLabelError("A keyword rule needs a non-empty keyword.")
        return keyword_lf(name, [pattern.strip()], label, column=column)
    if kind == "regex":
        if not pattern:
            raise WeakLabelError("A regex rule needs a non-empty pattern.")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise WeakLabelError(
                f"The regex {pattern!r} does not compile: {exc}. Fix the pattern"
                " (Python 're' syntax)."
            ) from exc
        return regex_lf(name, pattern, label, column=column)
    if kind == "zero_shot":
        if not pattern.strip():
            raise WeakLabelError(
                "A zero-shot rule needs a short description of its class, e.g."
                " 'an advertisement for a channel or a product'."
            )
        from weaklabel.active.suggest_lfs import zero_shot_rule_lf

        names = [str(c) for c in classes]
        try:
            return zero_shot_rule_lf(
                name, pattern, names[label], names, column=column, embedder=embedder
            )
        except ImportError as exc:  # pragma: no cover - the embed extra is missing
            raise WeakLabelError(str(exc)) from exc
    raise WeakLabelError(
        f"A rule's kind must be one of {list(RULE_KINDS)}; got {kind!r}."
    )


def rule_mask(
    frame: pd.DataFrame,
    kind: str,
    pattern: str,
    label: int,
    column: str,
    *,
    classes: Sequence[str] = (),
    embedder: Any = None,
) -> npt.NDArray[np.bool_]:
    """Rows the rule fires on."""
    lf = rule_lf(
        "preview", kind, pattern, label, column, classes=classes, embedder=embedder
    )
    try:
        votes = pd.Series(np.asarray(lf(frame[[column]]), dtype=object))
    except ImportError as exc:  # the embed extra is missing
        raise WeakLabelError(str(exc)) from exc
    return np.asarray((votes.notna() & (votes != ABSTAIN)).to_numpy(), dtype=bool)


def preview_rule(
    fired: npt.NDArray[np.bool_],
    *,
    kind: str,
    pattern: str,
    label: int,
    L: npt.NDArray[np.int8],
    names: list[str],
    gold: npt.NDArray[np.int64],
    text: pd.Series,
    started: float,
) -> RulePreview:
    """Coverage, precision on labeled rows, overlaps, conflicts and examples.

    Parameters
    ----------
    fired : ndarray of shape (n_samples,), dtype bool
        Rows the rule fires on.
    L : ndarray of shape (n_samples, n_lfs)
        The existing LFs' votes.
    gold : ndarray of shape (n_samples,)
        Labels given so far, -1 = none.
    """
    n = fired.shape[0]
    n_fired = int(fired.sum())
    labeled_fired = fired & (gold >= 0)
    n_lab = int(labeled_fired.sum())
    voted = L != ABSTAIN
    others_fire = voted.any(axis=1)
    disagree = (voted & np.not_equal(L, label)).any(axis=1)
    per_lf: list[dict[str, Any]] = []
    for j in np.flatnonzero((voted & fired[:, None]).any(axis=0)):
        both = fired & voted[:, j]
        per_lf.append(
            {
                "lf": names[j],
                "overlap": int(both.sum()),
                "conflict": int((both & np.not_equal(L[:, j], label)).sum()),
            }
        )
    per_lf.sort(key=lambda d: -d["overlap"])
    examples = [
        {"position": int(p), "text": str(text.iloc[int(p)])[:300]}
        for p in np.flatnonzero(fired)[:10]
    ]
    return RulePreview(
        kind=kind,
        pattern=pattern,
        label=label,
        n_rows=n,
        n_fired=n_fired,
        coverage=n_fired / n,
        n_labeled_fired=n_lab,
        precision=float(np.mean(gold[labeled_fired] == label)) if n_lab else None,
        overlaps=float((fired & others_fire).sum() / max(n_fired, 1)),
        conflicts=float((fired & disagree).sum() / max(n_fired, 1)),
        per_lf=per_lf[:10],
        examples=examples,
        seconds=time.perf_counter() - started,
    )
