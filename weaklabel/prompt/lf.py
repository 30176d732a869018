"""Prompted labeling functions (Smith et al. 2022, "Language Models in the Loop").

A prompt template is filled with each row's columns and sent to a language
model; the answer is mapped to a class (or to an abstain) by a label map.
Answers that map to nothing are abstains.  With ``calibrate=True`` the vote
is chosen by contextual calibration (Zhao et al. 2021, "Calibrate Before
Use"): the probabilities of the label-map answers are divided by those the
model gives to content-free inputs (the template filled with ``"N/A"``,
``""``, ``"[MASK]"``), which removes the model's bias toward some answers.

Responses are cached in SQLite (:class:`~weaklabel.prompt.cache.ResponseCache`)
keyed by (backend, model, prompt, parameters), so applying the LF again
sends nothing; every request is written to the cache's ledger.
"""

from __future__ import annotations

import math
import re
import string
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.lf import LabelingFunction
from weaklabel.lf_helpers import _check_label, _pre
from weaklabel.prompt.backends import Backend, PromptError
from weaklabel.prompt.cache import Completion, ResponseCache, response_key

__all__ = ["DEFAULT_CONTENT_FREE", "parse_answer", "prompt_lf"]

Label = str | int
PreArg = Iterable[Callable[[Any], Any]] | Callable[[Any], Any] | None

#: Content-free inputs of contextual calibration (Zhao et al. 2021).
DEFAULT_CONTENT_FREE = ("N/A", "", "[MASK]")
_STRIP = " \t\r\n.,!?;:'\"`()[]{}*_-"
_PREFIX = re.compile(
    r"^(?:the\s+)?(?:answer|label|category|class)\s*(?:is)?\s*[:=-]?\s*"
)


def _norm(text: str) -> str:
    return " ".join(text.lower().strip(_STRIP).split())


def parse_answer(
    text: str, label_map: Mapping[str, Label | None]
) -> tuple[bool, Label | None]:
    """Map a model's answer to a vote: ``(parsed, vote)``.

    The answer matches a label-map key (case, surrounding spaces and
    punctuation ignored) if it is the key, its first line is the key, it is
    the key after a prefix such as ``"Answer:"``, or exactly one key occurs
    in its first line as whole words.  Otherwise it is unparseable:
    ``(False, None)``.

    Examples
    --------
    >>> m = {"yes": "spam", "no": "ham", "unsure": None}
    >>> parse_answer(" Yes.", m), parse_answer("Answer: no", m)
    ((True, 'spam'), (True, 'ham'))
    >>> parse_answer("I think the answer is yes", m), parse_answer("Unsure", m)
    ((True, 'spam'), (True, None))
    >>> parse_answer("yes or no?", m), parse_answer("maybe", m)
    ((False, None), (False, None))
    """
    keys = {_norm(k): v for k, v in label_map.items()}
    whole = _norm(text)
    if whole in keys:
        return True, keys[whole]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    first = _norm(lines[0]) if lines else ""
    for cand in (first, _norm(_PREFIX.sub("", first))):
        if cand in keys:
            return True, keys[cand]
    found = [k for k in keys if k and re.search(rf"(?<!\w){re.escape(k)}(?!\w)", first)]
    if len(found) == 1:
        return True, keys[found[0]]
    return False, None


def _template_fields(name: str, template: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(
            f"LF {name!r}: the template is not a valid format string ({exc});"
            " write columns as {text} and literal braces as {{ and }}."
        ) from exc
    fields = []
    for _, field, spec, conv in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conv:
            raise ValueError(
                f"LF {name!r}: template field {{{field}}} must be a plain column"
                " name such as {text} (no indexing, attributes or format specs)."
            )
        fields.append(field)
    if not fields:
        raise ValueError(
            f"LF {name!r}: the template uses no column; put the row's text in it"
            " with {text} (or another column name)."
        )
    return list(dict.fromkeys(fields))


def _as_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return v if isinstance(v, str) else str(v)


class _PromptVoter:
    """The callable behind a prompted LF (pickles as its settings)."""

    def __init__(
        self,
        name: str,
        template: str,
        fields: list[str],
        label_map: dict[str, Label | None],
        backend: Backend,
        cache: ResponseCache,
        calibrate: bool,
        content_free: tuple[str, ...],
        top_logprobs: int,
        on_failure: str,
    ) -> None:
        self.name, self.template, self.fields = name, template, fields
        self.label_map, self.backend, self.cache = label_map, backend, cache
        self.calibrate, self.content_free = calibrate, content_free
        self.top_logprobs, self.on_failure = top_logprobs, on_failure
        self.targets: list[Label | None] = list(dict.fromkeys(label_map.values()))
        self.stats: dict[str, int] = {}
        self._cf: npt.NDArray[np.float64] | None = None
        self._lock = threading.Lock()

    @property
    def __name__(self) -> str:
        return self.name

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("_cf", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._cf = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- prompts
    def prompts(self, df: pd.DataFrame) -> list[str]:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(
                f"LF {self.name!r} is vectorized and expects the whole DataFrame;"
                f" got {type(df).__name__}."
            )
        missing = [f for f in self.fields if f not in df.columns]
        if missing:
            raise KeyError(
                f"LF {self.name!r}: the template uses column(s) {missing} that the"
                f" data lacks; its columns are {[str(c) for c in df.columns]}."
            )
        cols = {f: [_as_text(v) for v in df[f].tolist()] for f in self.fields}
        return [
            self.template.format(**{f: cols[f][i] for f in self.fields})
            for i in range(len(df))
        ]

    def _logprobs(self) -> int | None:
        return self.top_logprobs if self.calibrate else None

    def answers(self, prompts: Sequence[str]) -> dict[str, Completion | None]:
        """Completion per distinct prompt (None where the backend failed)."""
        b = self.backend
        params = b.params(self._logprobs())
        unique = list(dict.fromkeys(prompts))
        keys = {p: response_key(b.name, b.model, p, params) for p in unique}
        found = self.cache.get(list(keys.values()))
        todo = [p for p in unique if keys[p] not in found]
        failed: list[str] = []
        if todo:
            records = b.complete(
                todo, keys=[keys[p] for p in todo], logprobs=self._logprobs()
            )
            for p, rec in zip(todo, records, strict=True):
                if rec.status == "ok" and rec.completion is not None:
                    found[keys[p]] = rec.completion
                    self.cache.put(
                        keys[p],
                        rec.completion,
                        backend=b.name,
                        model=b.model,
                        prompt=p,
                        params=params,
                    )
                else:
                    failed.append(rec.error or "unknown error")
            self.cache.record(b.name, b.model, records)
        self.stats = {
            "prompts": len(unique),
            "cache_hits": len(unique) - len(todo),
            "calls": len(todo),
            "failed": len(failed),
        }
        if failed and self.on_failure == "raise":
            raise PromptError(
                f"LF {self.name!r}: {len(failed)} of {len(todo)} requests to"
                f" {b.name} model {b.model!r} failed after retries; first:"
                f" {failed[0]}. The answers that came back are cached: fix the"
                " backend and apply again, or pass on_failure='abstain'."
            )
        return {p: found.get(keys[p]) for p in unique}

    # ----------------------------------------------------------- calibration
    def _distribution(self, c: Completion | None) -> npt.NDArray[np.float64] | None:
        """Probability of each target from the first token's top log-probs."""
        if c is None:
            return None
        if c.top_logprobs is None:
            raise PromptError(
                f"LF {self.name!r}: calibrate=True needs token log-probabilities,"
                f" but {self.backend.name} model {self.backend.model!r} returned"
                " none. Use a server that supports 'logprobs' (llama.cpp, vLLM,"
                " OpenAI) or calibrate=False."
            )
        keys = [(_norm(k), self.targets.index(v)) for k, v in self.label_map.items()]
        p = np.zeros(len(self.targets))
        for tok, lp in c.top_logprobs.items():
            t = _norm(tok)
            if not t:
                continue
            hits = [j for k, j in keys if k.startswith(t)]
            for j in hits:
                p[j] += math.exp(lp) / len(hits)
        total = p.sum()
        return p / total if total > 0 else None

    def content_free_distribution(self) -> npt.NDArray[np.float64]:
        if self._cf is None:
            with self._lock:
                if self._cf is None:
                    prompts = [
                        self.template.format(**dict.fromkeys(self.fields, cf))
                        for cf in self.content_free
                    ]
                    ans = self.answers(prompts)
                    dists = [self._distribution(ans[p]) for p in prompts]
                    good = [d for d in dists if d is not None]
                    if not good:
                        raise PromptError(
                            f"LF {self.name!r}: no content-free prompt gave"
                            " probabilities for the label-map answers"
                            f" {list(self.label_map)}; check that the model answers"
                            " with those words, or calibrate=False."
                        )
                    cf = np.mean(good, axis=0)
                    self._cf = np.maximum(cf, 1e-6)
        return self._cf

    # ------------------------------------------------------------------ votes
    def __call__(self, df: pd.DataFrame) -> npt.NDArray[Any]:
        prompts = self.prompts(df)
        cf = self.content_free_distribution() if self.calibrate else None
        ans = self.answers(prompts)
        votes: dict[str, Label | None] = {}
        unparseable = 0
        for p, c in ans.items():
            if c is None:
                votes[p] = None
            elif cf is not None:
                d = self._distribution(c)
                if d is None:
                    unparseable += 1
                    votes[p] = None
                else:
                    votes[p] = self.targets[int(np.argmax(d / cf))]
            else:
                ok, vote = parse_answer(c.text, self.label_map)
                unparseable += not ok
                votes[p] = vote
        self.stats["unparseable"] = unparseable
        out = np.empty(len(prompts), dtype=object)
        out[:] = [votes[p] for p in prompts]
        return out


def prompt_lf(
    name: str,
    template: str,
    label_map: Mapping[str, Label | None],
    backend: Backend,
    *,
    cache: str | Any | None = None,
    calibrate: bool = False,
    content_free: Sequence[str] = DEFAULT_CONTENT_FREE,
    top_logprobs: int = 10,
    on_failure: Literal["raise", "abstain"] = "raise",
    pre: PreArg = None,
) -> LabelingFunction:
    """A prompted LF: fill ``template`` with the row, ask ``backend``, map the answer.

    Parameters
    ----------
    name : str
        The LF's name.
    template : str
        A :meth:`str.format` template over the row's columns, e.g.
        ``"Is this SMS spam? Answer yes or no.\\n\\nSMS: {text}\\nAnswer:"``.
        Missing values become ``""``.
    label_map : dict
        Answer -> class name, class index, or None (abstain), e.g.
        ``{"yes": "spam", "no": "ham"}``; matched as in :func:`parse_answer`.
        Answers that match no key are abstains (counted in ``lf.f.stats``).
    backend : Backend
        :class:`~weaklabel.prompt.OpenAIBackend` (any OpenAI-compatible
        endpoint) or :class:`~weaklabel.prompt.TransformersBackend`.
    cache : str, os.PathLike or ResponseCache, default=None
        The SQLite response cache and ledger; None keeps responses in memory
        for this process only.
    calibrate : bool, default=False
        Contextual calibration from the first answer token's log-probabilities
        (needs a backend that returns them).
    content_free : sequence of str, default=("N/A", "", "[MASK]")
        Inputs for calibration; each fills every template field.
    top_logprobs : int, default=10
        Log-probabilities requested per answer when calibrating.
    on_failure : {"raise", "abstain"}, default="raise"
        When requests still fail after the backend's retries: raise
        :class:`~weaklabel.prompt.PromptError` (the answers received are
        cached), or abstain on those rows (not cached: a later apply retries).
    pre : list of callables, default=None
        DataFrame preprocessors.

    Returns
    -------
    LabelingFunction
        Vectorized: the distinct prompts of the batch are sent once,
        ``max_concurrency`` at a time.  ``lf.f.stats`` holds the last
        batch's counts (prompts, cache_hits, calls, failed, unparseable).

    Examples
    --------
    >>> from weaklabel.prompt import OpenAIBackend
    >>> lf = prompt_lf(
    ...     "llm_spam",
    ...     "Is this message spam? Answer yes or no.\\n\\n{text}\\nAnswer:",
    ...     {"yes": "spam", "no": "ham"},
    ...     OpenAIBackend("llama-3.2-1b", base_url="http://127.0.0.1:8080/v1"),
    ...     cache="llm_cache.sqlite",
    ... )
    >>> lf.name, lf.vectorized
    ('llm_spam', True)
    """
    if not isinstance(template, str):
        raise TypeError(
            f"LF {name!r}: template must be a str; got {type(template).__name__}."
        )
    fields = _template_fields(name, template)
    if not isinstance(label_map, Mapping) or not label_map:
        raise ValueError(
            f"LF {name!r}: label_map must be a non-empty dict answer -> class (or"
            " None to abstain), e.g. {'yes': 'spam', 'no': 'ham'}."
        )
    lm: dict[str, Label | None] = {}
    for k, v in label_map.items():
        if not isinstance(k, str) or not _norm(k):
            raise ValueError(
                f"LF {name!r}: label_map keys are the model's answers (non-empty"
                f" strings); got {k!r}."
            )
        lm[k] = None if v is None else _check_label(v, f"LF {name!r}: label_map value")
    if len({_norm(k) for k in lm}) != len(lm):
        raise ValueError(
            f"LF {name!r}: label_map has keys that differ only in case or"
            f" punctuation: {list(lm)}."
        )
    if not isinstance(backend, Backend):
        raise TypeError(
            f"LF {name!r}: backend must be a weaklabel.prompt backend"
            " (OpenAIBackend, TransformersBackend, or an object with name, model,"
            f" params() and complete()); got {type(backend).__name__}."
        )
    if on_failure not in ("raise", "abstain"):
        raise ValueError(
            f"LF {name!r}: on_failure must be 'raise' or 'abstain'; got {on_failure!r}."
        )
    if calibrate and (
        isinstance(top_logprobs, bool) or not 1 <= int(top_logprobs) <= 20
    ):
        raise ValueError(
            f"LF {name!r}: top_logprobs must be in 1..20; got {top_logprobs!r}."
        )
    store = (
        cache
        if isinstance(cache, ResponseCache)
        else ResponseCache(":memory:" if cache is None else cache)
    )
    voter = _PromptVoter(
        name,
        template,
        fields,
        lm,
        backend,
        store,
        bool(calibrate),
        tuple(content_free),
        int(top_logprobs),
        on_failure,
    )
    return LabelingFunction(name=name, f=voter, vectorized=True, pre=_pre(pre))
