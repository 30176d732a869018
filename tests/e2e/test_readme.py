"""The README's quick start runs as written and gives sensible labels."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quick_start_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    match = re.search(
        r"## Quick start\n\n```python\n(.*?)```", README.read_text(), re.S
    )
    assert match is not None, "README.md lost its quick-start block"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"print": lambda *a, **k: None}
    exec(compile(match.group(1), str(README), "exec"), namespace)
    soft = pd.read_parquet(tmp_path / "soft.parquet")
    assert list(soft.columns[:2]) == ["proba_ham", "proba_spam"]
    np.testing.assert_allclose(soft[["proba_ham", "proba_spam"]].sum(axis=1), 1.0)
    assert soft["label"].tolist() == ["spam", "ham", "ham", "spam"]
    # the quick start ends with an end model trained on the soft labels
    clf, tfidf = namespace["clf"], namespace["tfidf"]
    pred = clf.predict(tfidf.transform(["win a prize at http://z.co", "great song"]))
    assert pred.tolist() == [1, 0]
    fitted = clf.predict(tfidf.transform(namespace["df"].text))
    assert fitted.tolist() == [1, 0, 0, 1]  # the label model's argmax
