"""lf_report: the page's content, escaping, self-containment and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from weaklabel import LabelModel, make_votes
from weaklabel.cli import main
from weaklabel.io import write_votes
from weaklabel.report import lf_report, report_sections


def _votes_frame(
    n: int = 400, m: int = 5, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    data = make_votes(n, m, random_state=seed)
    L = pd.DataFrame(
        np.asarray(data.L),
        columns=[f"lf_{chr(97 + j)}" for j in range(m)],
        index=pd.Index([f"row{i}" for i in range(n)], name="id"),
    )
    L.attrs["classes"] = ["ham", "spam"]
    return L, np.asarray(data.y)


def test_report_has_every_section_and_plot(tmp_path: Path) -> None:
    L, y = _votes_frame()
    gold = np.where(np.arange(len(y)) % 2 == 0, y, -1)
    # a copy of lf_a makes a dependency the model finds
    L["lf_copy"] = L["lf_a"]
    model = LabelModel(random_state=0).fit(L)
    out = tmp_path / "report.html"
    page = lf_report(L, gold, model=model, path=out)
    assert out.read_text(encoding="utf-8") == page
    for anchor in (
        "overview",
        "lfs",
        "pairs",
        "accuracy",
        "confusion",
        "versus",
        "dependencies",
        "rows",
    ):
        assert f'<section id="{anchor}">' in page
    # heatmaps, scatter, balance, confusion grid, versus bars, dependency graph
    assert page.count('<svg class="wl-plot"') == 6
    assert "lf_copy" in page.split('id="dependencies"')[1]
    # scatter dots are named on hover
    assert re.search(r"<title>lf_b: learned 0\.\d+, empirical 0\.\d+</title>", page)
    # empirical accuracy in the table matches the gold rows
    votes_on_gold = int(((L["lf_a"].to_numpy() >= 0) & (gold >= 0)).sum())
    assert f'<td class="num">{votes_on_gold}</td>' in page


def test_report_is_self_contained() -> None:
    L, y = _votes_frame(200, 4)
    page = lf_report(L, y)
    # nothing that a browser would fetch: no external src/href, no @import/url(http
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "http://" not in page.replace("http://www.w3.org/", "")
    assert "<script" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "element ids must be unique across plots"


def test_user_text_is_escaped() -> None:
    L, y = _votes_frame(100, 3)
    L = L.rename(columns={"lf_a": "<b>lf</b>"})
    data = pd.DataFrame({"text": ["<script>alert(1)</script> & co"] * 100})
    page = lf_report(L, y, data=data, title="<i>t</i>", classes=["<ham>", "spam"])
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<b>lf</b>" not in page
    assert "&lt;b&gt;lf&lt;/b&gt;" in page
    assert "<i>t</i>" not in page
    assert "<ham>" not in page


def test_report_without_gold_or_model_fits_one() -> None:
    L, _ = _votes_frame(300, 4)
    sections = report_sections(L)
    ids = [s.id for s in sections]
    assert "confusion" not in ids
    overview = sections[0].body
    assert "fitted here on the votes" in overview
    assert "LabelModel(" in overview
    assert sum(s.plots for s in sections) == 2  # heatmaps and class balance


def test_report_checks_its_inputs() -> None:
    L, y = _votes_frame(50, 3)
    with pytest.raises(ValueError, match="y has 49 labels but L has 50 rows"):
        lf_report(L, y[:-1])
    with pytest.raises(ValueError, match="data has 2 rows but L has 50"):
        lf_report(L, data=pd.DataFrame({"text": ["a", "b"]}))
    with pytest.raises(ValueError, match="no column 'body'"):
        lf_report(L, data=pd.DataFrame({"text": ["a"] * 50}), text_column="body")
    model = LabelModel(random_state=0).fit(L.iloc[:, :2])
    with pytest.raises(ValueError, match="fitted on 2 LFs but L has 3"):
        lf_report(L, model=model)


def test_cli_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    L, y = _votes_frame(300, 4)
    votes = tmp_path / "votes.parquet"
    write_votes(votes, L)
    gold = tmp_path / "gold.csv"
    cells = ["ham" if v == 0 else "spam" if i % 3 == 0 else "" for i, v in enumerate(y)]
    pd.DataFrame({"answer": cells}).to_csv(gold, index=False)
    data = tmp_path / "data.csv"
    pd.DataFrame({"body": [f"comment number {i}" for i in range(len(y))]}).to_csv(
        data, index=False
    )
    out = tmp_path / "report.html"
    code = main(
        [
            "report",
            "--votes",
            str(votes),
            "--gold",
            str(gold),
            "--gold-column",
            "answer",
            "--data",
            str(data),
            "--text-column",
            "body",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "comment number" in page
    n_gold = sum(1 for c in cells if c)
    assert f"<tr><th>rows with gold</th><td>{n_gold}</td></tr>" in page
    assert "wrote the LF report on 300 rows x 4 LFs" in capsys.readouterr().out
    assert (
        main(["report", "--votes", str(tmp_path / "nope.parquet"), "--out", str(out)])
        == 1
    )


def test_report_accepts_sparse_crowd_votes() -> None:
    import scipy.sparse as sp

    L, y = _votes_frame(200, 4)
    dense = L.to_numpy()
    sparse = sp.csr_array(dense + 1)  # weaklabel's sparse convention: vote + 1
    page = lf_report(sparse, y, classes=["ham", "spam"])
    assert page.count('<svg class="wl-plot"') >= 4
    assert "<tr><th>rows</th><td>200</td></tr>" in page
