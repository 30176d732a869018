"""Human in the loop: which rows to hand-label next, and LF suggestions from them.

:class:`ActiveLearner` refits the label model with the gold rows known so far
and ranks the unlabeled rows by a strategy (``"auto"`` is the one the
benchmark chose); :func:`suggest` is its one-call form.  The answers flow
back through ``fit(L, y)``: gold rows keep their own labels, and the rows that
share their vote pattern move toward them.

Command line: ``weaklabel suggest`` (see ``weaklabel suggest --help``).
"""

from __future__ import annotations

from weaklabel.active._learner import STRATEGIES, ActiveLearner, suggest

__all__ = ["STRATEGIES", "ActiveLearner", "suggest"]
