"""Fixtures for the workbench tests: a small data file and an LF module."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fastapi", reason="the workbench needs the app extra")

LF_MODULE = """
from weaklabel import ABSTAIN, LFRegistry, keyword_lf

lfs = LFRegistry(classes=["ham", "spam"])
lfs.add(keyword_lf("kw_subscribe", ["subscribe"], label="spam"))
lfs.add(keyword_lf("kw_http", ["http"], label="spam"))

@lfs.labeling_function()
def short(row):
    return "ham" if len(row.text.split()) <= 3 else ABSTAIN
"""

TEXTS = [
    "subscribe to my channel http://x.co",
    "great song",
    "love it",
    "please subscribe for more",
    "check http://y.co now for free gifts",
    "this is the best song of the year by far",
    "<script>alert('x')</script> nice",
    "beautiful voice",
    "subscribe subscribe subscribe",
    "the video is amazing and i watch it every day",
    "free iphone at http://z.co",
    "wow",
]


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "comments.csv"
    pd.DataFrame({"text": TEXTS, "label": [1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0]}).to_csv(
        path, index=False
    )
    return path


@pytest.fixture
def lf_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_lfs.py"
    path.write_text(LF_MODULE)
    return path
