"""Property: the command line gives the Python API's soft labels, bit for bit."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import hypothesis.extra.numpy as npst
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel import DawidSkene, LabelModel, MajorityVote
from weaklabel.cli import main
from weaklabel.exceptions import ConvergenceWarning
from weaklabel.io import proba_from_frame, read_soft_labels, write_votes

MODELS = {
    "label-model": LabelModel,
    "dawid-skene": DawidSkene,
    "majority": MajorityVote,
}


@st.composite
def votes(draw):
    k = draw(st.integers(2, 3))
    n = draw(st.integers(4, 40))
    m = draw(st.integers(2, 5))
    L = draw(npst.arrays(np.int8, (n, m), elements=st.integers(-1, k - 1)))
    for c in range(k):  # every class voted at least once, so k is known
        L[c % n, c % m] = c
    classes = [f"c{c}" for c in range(k)]
    ids = draw(st.permutations([f"row{i}" for i in range(n)]))
    frame = pd.DataFrame(L, columns=[f"lf{j}" for j in range(m)], index=ids)
    frame.index.name = "doc"
    frame.attrs["classes"] = classes
    return frame


@settings(max_examples=15, deadline=None)
@given(L=votes(), kind=st.sampled_from(sorted(MODELS)), seed=st.integers(0, 3))
def test_fit_predict_from_the_shell_equals_the_python_api(L, kind, seed) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_votes(work / "votes.parquet", L)
        argv = ["fit", "--votes", str(work / "votes.parquet"), "--model-type", kind,
                "--seed", str(seed), "--out", str(work / "model.json")]  # fmt: skip
        assert main(argv) == 0
        assert main(["predict", "--model", str(work / "model.json"), "--votes",
                     str(work / "votes.parquet"), "--out",
                     str(work / "soft.parquet")]) == 0  # fmt: skip
        soft = read_soft_labels(work / "soft.parquet")
    with warnings.catch_warnings():  # tiny degenerate draws may converge slowly;
        # the CLI reports that on one line, the comparison is what matters here
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = MODELS[kind](cardinality=None, random_state=seed).fit(L)
    np.testing.assert_array_equal(proba_from_frame(soft), expected.predict_proba(L))
    assert soft.index.tolist() == L.index.tolist()
    assert soft.index.name == "doc"
    assert [c.removeprefix("proba_") for c in soft.columns[:-2]] == L.attrs["classes"]
