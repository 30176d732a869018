"""Numbers quoted in README.md and docs/ equal the committed benchmark tables.

README's benchmark table names, in its last column, the results file(s) each
row comes from; every decimal number in the row's weaklabel and peer cells
must appear in those files.  In docs/, a paragraph that names a results file
(``bench_*.md`` or ``.json``, ``label_model_research.md``) must quote only
numbers found in the files it names.
A re-run that changes a table therefore fails this test until the prose is
updated with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?![\d])")
DOC_RESULT_FILE = re.compile(
    r"((?:bench_[a-z_]+|label_model_research|profile_label_model)\.(?:md|json))"
)
RESULT_FILE = re.compile(r"(?:benchmarks/results/)?`?([A-Za-z0-9_]+\.(?:md|json))`?")


def _table_rows() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Benchmarks", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    return [r for r in rows[2:] if r]  # skip the header and the rule


def _numbers(text: str) -> list[str]:
    """Decimal numbers quoted as results; differences ("1.4 points") are derived."""
    return [
        m.group(0)
        for m in NUMBER.finditer(text)
        if not re.match(r"\s*(?:points?|pp)\b", text[m.end() :])
    ]


def _found(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None


def test_readme_rows_name_their_tables() -> None:
    rows = _table_rows()
    assert len(rows) >= 5
    for row in rows:
        assert len(row) == 4, f"README benchmark row without a table column: {row}"
        files = RESULT_FILE.findall(row[3])
        assert files, f"README benchmark row names no results file: {row}"
        for name in files:
            assert (RESULTS / name).is_file(), f"{name} is not in benchmarks/results"


@pytest.mark.parametrize("row", _table_rows(), ids=lambda r: r[0][:40])
def test_readme_numbers_are_in_their_tables(row: list[str]) -> None:
    files = RESULT_FILE.findall(row[3]) if len(row) == 4 else []
    text = "\n".join((RESULTS / f).read_text(encoding="utf-8") for f in files)
    missing = [n for n in _numbers(row[1] + " " + row[2]) if not _found(n, text)]
    assert not missing, (
        f"README quotes {missing} in the row {row[0]!r}, but {files} do not hold"
        " them: re-read the committed table and update README."
    )


def _doc_paragraphs() -> list[tuple[str, int, str]]:
    """Paragraphs (blank-line separated blocks) of docs/ that name a results file."""
    out = []
    for path in sorted((ROOT / "docs").glob("**/*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        start, block = 1, []
        for i, line in enumerate([*lines, ""], 1):
            if line.strip():
                if not block:
                    start = i
                block.append(line)
                continue
            text = "\n".join(block)
            if block and DOC_RESULT_FILE.search(text) and _numbers(text):
                out.append((str(path.relative_to(ROOT)), start, text))
            block = []
    return out


@pytest.mark.parametrize("where", _doc_paragraphs(), ids=lambda w: f"{w[0]}:{w[1]}")
def test_doc_numbers_are_in_the_table_they_name(where: tuple[str, int, str]) -> None:
    doc, lineno, text = where
    files = sorted(set(DOC_RESULT_FILE.findall(text)))
    tables = "\n".join(
        (RESULTS / f).read_text(encoding="utf-8")
        for f in files
        if (RESULTS / f).is_file()
    )
    missing = [n for n in _numbers(text) if not _found(n, tables)]
    assert not missing, (
        f"{doc}:{lineno}: the paragraph quotes {missing}, not found in {files}"
    )
