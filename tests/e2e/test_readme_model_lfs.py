"""The README's zero-shot snippet runs as written (offline) and prints what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("wordllama")

README = Path(__file__).resolve().parents[2] / "README.md"


def test_zero_shot_snippet_runs():
    match = re.search(
        r"### A pretrained model as a labeling function\n\n```python\n(.*?)```",
        README.read_text(),
        re.S,
    )
    assert match is not None, "README.md lost its zero-shot snippet"
    code = match.group(1)
    printed: list[object] = []
    namespace: dict[str, object] = {"print": lambda *a, **k: printed.extend(a)}
    exec(compile(code, str(README), "exec"), namespace)
    claimed = re.search(r"print\(.*\)\s+# (\[.*?\])", code)
    assert claimed is not None
    assert str(printed[0]) == claimed.group(1)
