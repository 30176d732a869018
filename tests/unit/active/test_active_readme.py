"""The README's human-in-the-loop example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_loop_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    match = re.search(
        r"### Human in the loop[^\n]*\n\n```python\n(.*?)```", README.read_text(), re.S
    )
    assert match is not None, "README.md lost its human-in-the-loop block"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(match.group(1), str(README), "exec"), namespace)
    gold = namespace["gold"]
    assert isinstance(gold, np.ndarray)
    assert (gold >= 0).sum() == 100
    proba = namespace["proba"]
    assert isinstance(proba, np.ndarray)
    labeled = gold >= 0
    np.testing.assert_array_equal(proba[labeled].argmax(axis=1), gold[labeled])
    df = namespace["df"]
    accuracy = (proba.argmax(axis=1) == df.label.to_numpy()).mean()  # type: ignore[attr-defined]
    assert accuracy > 0.85
    assert "<svg" in (tmp_path / "report.html").read_text(encoding="utf-8")
