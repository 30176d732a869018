"""Property tests of weaklabel.io: CSV and Parquet round trips are exact."""

from __future__ import annotations

import tempfile
from pathlib import Path

import hypothesis.extra.numpy as npst
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaklabel.io import (
    proba_from_frame,
    read_soft_labels,
    read_votes,
    soft_label_classes,
    soft_label_frame,
    write_soft_labels,
    write_votes,
)

# Text that CSV can carry unambiguously (see the weaklabel.io docstring): never
# empty and never number-like, hence the leading letter; anything else goes,
# commas, quotes, newlines, carriage returns and any unicode included.
csv_text = st.text(max_size=12).map(lambda s: "x" + s)


@st.composite
def soft_labels(draw, text=csv_text):
    n = draw(st.integers(1, 8))
    k = draw(st.integers(2, 4))
    raw = draw(
        npst.arrays(np.float64, (n, k), elements=st.floats(0, 1, allow_subnormal=True))
    )
    sums = raw.sum(axis=1, keepdims=True)
    proba = np.where(sums > 0, raw / np.where(sums > 0, sums, 1), 1 / k)
    classes = draw(st.lists(csv_text, min_size=k, max_size=k, unique=True))
    source = pd.DataFrame(
        {
            "text": draw(st.lists(text, min_size=n, max_size=n)),
            "value": draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n)),
            "count": draw(
                st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)
            ),
        }
    )
    ids = draw(
        st.one_of(
            st.none(),
            st.lists(st.integers(-(2**40), 2**40), min_size=n, max_size=n),
            st.lists(csv_text, min_size=n, max_size=n),
        )
    )
    return proba, {"classes": classes, "source": source, "index": ids}


def round_trip(suffix: str, proba, kwargs) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = write_soft_labels(Path(folder) / f"soft{suffix}", proba, **kwargs)
        return read_soft_labels(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@settings(deadline=None)  # file writes take variable time
@given(data=soft_labels())
def test_soft_label_round_trip_is_exact(suffix, data):
    proba, kwargs = data
    back = round_trip(suffix, proba, kwargs)
    expected = soft_label_frame(proba, **kwargs)
    pd.testing.assert_frame_equal(back, expected, check_exact=True)
    np.testing.assert_array_equal(proba_from_frame(back), proba)
    assert soft_label_classes(back) == kwargs["classes"]


@settings(deadline=None)  # file writes take variable time
@given(data=soft_labels(text=st.one_of(st.none(), st.text(max_size=12))))
def test_parquet_round_trip_keeps_any_text(data):
    proba, kwargs = data
    back = round_trip(".parquet", proba, kwargs)
    pd.testing.assert_frame_equal(
        back, soft_label_frame(proba, **kwargs), check_exact=True
    )


@settings(deadline=None)  # file writes take variable time
@given(data=soft_labels())
def test_label_is_the_first_argmax(data):
    proba, kwargs = data
    frame = soft_label_frame(proba, **kwargs)
    best = [int(np.flatnonzero(row == row.max())[0]) for row in proba]
    assert frame["label"].tolist() == [kwargs["classes"][b] for b in best]
    assert frame["confidence"].tolist() == proba.max(axis=1).tolist()


@st.composite
def vote_frames(draw):
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 20))
    m = draw(st.integers(1, 6))
    L = draw(npst.arrays(np.int64, (n, m), elements=st.integers(-1, k - 1)))
    names = draw(st.lists(csv_text, min_size=m, max_size=m, unique=True))
    frame = pd.DataFrame(L.astype(np.int8), columns=names)
    frame.attrs["classes"] = [f"c{i}" for i in range(k)]
    return frame


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@settings(deadline=None)  # file writes take variable time
@given(L=vote_frames())
def test_vote_round_trip_is_exact(suffix, L):
    with tempfile.TemporaryDirectory() as folder:
        back = read_votes(write_votes(Path(folder) / f"votes{suffix}", L))
    pd.testing.assert_frame_equal(back, L, check_exact=True)
    if suffix == ".parquet":
        assert back.attrs["classes"] == L.attrs["classes"]
