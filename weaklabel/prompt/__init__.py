"""Prompted labeling functions over a language model, with a response cache and a ledger.

- :func:`prompt_lf`: template over the row's columns -> model -> label map
  -> vote (abstain on unparseable answers), optional contextual calibration.
- :class:`OpenAIBackend`: any OpenAI-compatible chat-completions endpoint
  through httpx (``pip install 'weaklabel[llm]'``): bounded concurrency,
  retries with backoff, timeouts.  :class:`TransformersBackend`: a local
  ``transformers`` text-generation pipeline, when installed.
- :class:`ResponseCache`: responses keyed by (backend, model, prompt,
  parameters) and the ledger of calls and tokens, in one SQLite file.
"""

from __future__ import annotations

from weaklabel.prompt.backends import (
    Backend,
    OpenAIBackend,
    PromptError,
    TransformersBackend,
)
from weaklabel.prompt.cache import CallRecord, Completion, ResponseCache, response_key
from weaklabel.prompt.lf import DEFAULT_CONTENT_FREE, parse_answer, prompt_lf

__all__ = [
    "DEFAULT_CONTENT_FREE",
    "Backend",
    "CallRecord",
    "Completion",
    "OpenAIBackend",
    "PromptError",
    "ResponseCache",
    "TransformersBackend",
    "parse_answer",
    "prompt_lf",
    "response_key",
]
