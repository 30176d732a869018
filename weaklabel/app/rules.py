"""Rules typed in the workbench: keyword and regex LFs, previewed before use.

A rule is an ordinary weaklabel LF (``keyword_lf`` or ``regex_lf`` on the
text column), so its votes here are exactly the votes it casts once exported
to a rules file and loaded by an ``LFRegistry``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.exceptions import WeakLabelError
from weaklabel.typing import ABSTAIN

__all__ = ["RulePreview", "preview_rule", "rule_lf", "rule_mask"]

RULE_KINDS = ("keyword", "regex")


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


def rule_lf(name: str, kind: str, pattern: str, label: int, column: str) -> Any:
    """The LF a rule stands for: ``keyword_lf`` or ``regex_lf`` on ``column``."""
    from weaklabel.lf_helpers import keyword_lf, regex_lf

    if kind == "keyword":
        if not pattern.strip():
            raise WeakLabelError("A keyword rule needs a non-empty keyword.")
        return keyword_lf(name, [pattern.strip()], label, column=column)
    if kind == "regex":
        try:
            re.compile(pattern)
        except re.error as exc:
            raise WeakLabelError(
                f"The regex {pattern!r} does not compile: {exc}. Fix the pattern"
                " (Python 're' syntax)."
            ) from exc
        if not pattern:
            raise WeakLabelError("A regex rule needs a non-empty pattern.")
        return regex_lf(name, pattern, label, column=column)
    raise WeakLabelError(
        f"A rule's kind must be one of {list(RULE_KINDS)}; got {kind!r}."
    )


def rule_mask(
    frame: pd.DataFrame, kind: str, pattern: str, column: str
) -> npt.NDArray[np.bool_]:
    """Rows the rule fires on."""
    lf = rule_lf("preview", kind, pattern, 0, column)
    votes = np.asarray(lf(frame[[column]]))  # class index 0 where it fires
    return np.asarray(votes != ABSTAIN, dtype=bool)


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
