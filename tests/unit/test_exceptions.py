"""Tests for weaklabel.exceptions: where warnings point, and who silences them."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

from weaklabel.exceptions import ConvergenceWarning, unconverged_fits_unwarned
from weaklabel.label_model import DawidSkene, LabelModel


def _votes() -> np.ndarray:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    right = rng.random((400, 5)) < np.array([0.9, 0.8, 0.7, 0.65, 0.6])
    return np.where(right, y[:, None], 1 - y[:, None])


@pytest.mark.parametrize("make", [LabelModel, DawidSkene])
def test_an_unconverged_fit_warns_at_the_callers_line(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.warns(ConvergenceWarning, match="did not converge") as record:
        model = make(max_iter=1, tol=0.0).fit(_votes())
    assert model.converged_ is False
    assert record[0].filename == __file__


@pytest.mark.parametrize("make", [LabelModel, DawidSkene])
def test_silenced_fits_do_not_warn_and_still_say_they_did_not_converge(make) -> None:  # type: ignore[no-untyped-def]
    # filterwarnings=error turns any warning into a failure here
    with unconverged_fits_unwarned():
        model = make(max_iter=1, tol=0.0).fit(_votes())
    assert model.converged_ is False
    with pytest.warns(ConvergenceWarning):  # the block ended: warns again
        make(max_iter=1, tol=0.0).fit(_votes())


def test_silencing_in_one_thread_leaves_another_threads_fits_warned() -> None:
    # warnings.catch_warnings swaps the process-wide filters; a fold fit
    # silenced in one thread must not hide a kept model's warning in another
    entered, done = threading.Event(), threading.Event()
    silenced: list[bool] = []

    def fold_fits() -> None:
        with unconverged_fits_unwarned():
            entered.set()
            done.wait(timeout=30)
            model = LabelModel(max_iter=1, tol=0.0).fit(_votes())
            silenced.append(model.converged_ is False)

    worker = threading.Thread(target=fold_fits)
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            # the worker enters its block after these filters were set: a
            # process-wide "ignore" would now come first and hide this one
            worker.start()
            assert entered.wait(timeout=30)
            LabelModel(max_iter=1, tol=0.0).fit(_votes())
    finally:
        done.set()
        worker.join(timeout=30)
    caught = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    assert len(caught) == 1
    assert "did not converge" in str(caught[0].message)
    assert silenced == [True]  # and the worker's fit raised nothing


def test_other_warnings_are_not_silenced() -> None:
    with unconverged_fits_unwarned(), pytest.warns(UserWarning, match="kept"):
        warnings.warn("kept", UserWarning, stacklevel=1)
