"""The progress bar moves while slow LFs run and ends at 100% (issue 11,
smaller ones): chunks are sized by time, not by a fixed 65,536 rows."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest

from weaklabel.apply import apply_lfs
from weaklabel.lf import labeling_function


@labeling_function()
def slow(row):
    time.sleep(0.0005)  # 0.5 ms a row: about 1 s for the whole frame
    return row.x % 2


def _percentages(text: str) -> list[int]:
    return [int(p) for p in re.findall(r"(\d+)%\|", text)]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_bar_moves_during_a_slow_apply_and_reaches_100(capfd, n_jobs):
    n = 8 * 2 * 256 if n_jobs > 1 else 2000
    df = pd.DataFrame({"x": np.arange(n)})
    L = apply_lfs([slow], df, classes=["even", "odd"], progress=True, n_jobs=n_jobs)
    np.testing.assert_array_equal(L["slow"].to_numpy(), df.x % 2)
    seen = _percentages(capfd.readouterr().err)
    assert seen[-1] == 100
    # several steps in between: one 65,536-row chunk would jump 0% -> 100%
    assert len({p for p in seen if 0 < p < 100}) >= 3
