"""End to end on the bundled YouTube data: `weaklabel demo`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from weaklabel.cli import main
from weaklabel.io import read_soft_labels


def test_demo_beats_majority_vote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path), "--no-end-model"]) == 0
    out = capsys.readouterr().out
    assert "Coverage" in out
    scores = {
        line.rsplit(None, 1)[0].strip(): float(line.rsplit(None, 1)[1])
        for line in out.splitlines()
        if "accuracy" in line and line.rsplit(None, 1)[-1].replace(".", "").isdigit()
    }
    assert (
        scores["label model, all-rows accuracy"]
        >= scores["majority vote, all-rows accuracy"]
    )
    assert scores["label model, test accuracy"] >= 0.8
    soft = read_soft_labels(tmp_path / "soft_labels.parquet")
    assert len(soft) == 1956
    gold = soft["gold"].to_numpy()
    pred = (soft["label"] == "spam").to_numpy().astype(int)
    assert np.mean(pred == gold) >= 0.8


@pytest.mark.slow
def test_demo_with_end_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("end model"))
    assert float(line.rsplit(None, 1)[1]) >= 0.8
