"""The README's alignment snippet runs as written (offline) and prints what it says."""

import re
from pathlib import Path

import pytest

pytest.importorskip("torch")

README = Path(__file__).resolve().parents[3] / "README.md"


def test_alignment_snippet_runs():
    match = re.search(
        r"### Aligning two modalities from noisy pairs\n\n```python\n(.*?)```",
        README.read_text(),
        re.S,
    )
    assert match is not None, "README.md lost its alignment snippet"
    code = match.group(1)
    printed: list[object] = []
    namespace: dict[str, object] = {"print": lambda *a, **k: printed.extend(a)}
    exec(compile(code, str(README), "exec"), namespace)
    claimed = re.search(r"print\(.*\)\s+# (\S+) (\S+)", code)
    assert claimed is not None
    assert [str(x) for x in printed] == [claimed.group(1), claimed.group(2)]
