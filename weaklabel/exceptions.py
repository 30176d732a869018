"""Exceptions and warnings raised by weaklabel."""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from sklearn.exceptions import ConvergenceWarning as _SkConvergenceWarning
from sklearn.exceptions import NotFittedError as _SkNotFittedError

__all__ = [
    "ClassMismatchError",
    "ConvergenceWarning",
    "LabelingFunctionError",
    "ModelFileError",
    "NotFittedError",
    "WeakLabelError",
    "WeakLabelWarning",
]


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """``stacklevel`` for :func:`warnings.warn` that points at the user's code.

    Counts the frames from the caller of this function up to the first one
    outside the weaklabel package, so that a warning raised deep inside
    ``fit`` is reported at the line that called ``fit``.
    """
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and os.path.abspath(
        frame.f_code.co_filename
    ).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


class WeakLabelError(Exception):
    """Base class of every error weaklabel raises on purpose."""


class LabelingFunctionError(WeakLabelError, ValueError):
    """A labeling function raised, or returned a value that is not a vote.

    Parameters
    ----------
    message : str
        The full, human-readable message.
    lf_name : str
        Name of the labeling function at fault.
    row : object, default=None
        Index label of the row on which it failed (None when not row-specific).
    """

    def __init__(self, message: str, *, lf_name: str, row: object = None) -> None:
        super().__init__(message)
        self.lf_name = lf_name
        self.row = row

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only arguments need help to survive pickling (process pools,
        # Dask workers send exceptions back to the client this way)
        return (_rebuild_lf_error, (str(self), self.lf_name, self.row))


def _rebuild_lf_error(message: str, lf_name: str, row: object) -> LabelingFunctionError:
    return LabelingFunctionError(message, lf_name=lf_name, row=row)


class ModelFileError(WeakLabelError, ValueError):
    """A model file is not valid: unreadable, tampered with, or inconsistent.

    Parameters
    ----------
    message : str
        The full, human-readable message (it names the file).
    path : str
        The model file.
    attribute : str, default=None
        The learned attribute (or document key) at fault, when there is one.
    """

    def __init__(self, message: str, *, path: str, attribute: str | None = None):
        super().__init__(message)
        self.path = path
        self.attribute = attribute

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_model_file_error, (str(self), self.path, self.attribute))


def _rebuild_model_file_error(
    message: str, path: str, attribute: str | None
) -> ModelFileError:
    return ModelFileError(message, path=path, attribute=attribute)


class ClassMismatchError(WeakLabelError, ValueError):
    """Votes name other classes than the model (or the call) expects."""


class NotFittedError(WeakLabelError, _SkNotFittedError):
    """An estimator was used before ``fit`` was called."""


class WeakLabelWarning(UserWarning):
    """Base class of every warning weaklabel issues."""


class ConvergenceWarning(WeakLabelWarning, _SkConvergenceWarning):
    """An iterative fit stopped before it converged."""


# Set by ``unconverged_fits_unwarned``; a context variable, so each thread (and
# each asyncio task) has its own value, unlike the process-wide filters that
# ``warnings.catch_warnings`` swaps in and out.
_UNWARNED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "weaklabel_unconverged_fits_unwarned", default=False
)


@contextlib.contextmanager
def unconverged_fits_unwarned() -> Iterator[None]:
    """Within the block, and in this thread only, unconverged fits do not warn.

    For fits whose model is thrown away (a cross-validation fold): the
    caller reads ``converged_`` and reports the count itself.  Fits in other
    threads still warn, which ``warnings.catch_warnings`` (process-wide in
    Python < 3.14) would not guarantee.
    """
    token = _UNWARNED.set(True)
    try:
        yield
    finally:
        _UNWARNED.reset(token)


def warn_unconverged(message: str) -> None:
    """Warn a :class:`ConvergenceWarning` at the user's line, unless silenced.

    Parameters
    ----------
    message : str
        What did not converge, and the fix.
    """
    if _UNWARNED.get():
        return
    warnings.warn(message, ConvergenceWarning, stacklevel=user_stacklevel())
