"""The Dask engine reads text files as the pandas engine does (weaklabel.io)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("dask")

from weaklabel.io import read_table
from weaklabel.scale import read_dask


@pytest.mark.parametrize(("sep", "suffix"), [(",", ".csv"), ("\t", ".tsv")])
def test_text_files_read_like_the_pandas_engine(
    tmp_path: Path, sep: str, suffix: str
) -> None:
    first = (
        ['"quoted at the start', "NA", "", "null"]
        if suffix == ".tsv"
        else ["plain", "NA", "", "null"]
    )
    for i, texts in enumerate([first, ["None", "ok", "N/A", "x"]]):
        body = "".join(f"{t}{sep}{n}\n" for n, t in enumerate(texts))
        (tmp_path / f"part{i}{suffix}").write_text(f"text{sep}n\n{body}")
    got = read_dask(str(tmp_path / f"*{suffix}")).compute()
    expected = pd.concat(
        [read_table(tmp_path / f"part{i}{suffix}") for i in range(2)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(got, expected)
    assert got["text"].tolist()[1:4] == ["NA", "", "null"]
