"""The workbench engine: votes, fits with labels, filters, rules, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from weaklabel.app.project import ProjectError
from weaklabel.app.workbench import RowFilter, Workbench
from weaklabel.exceptions import WeakLabelError
from weaklabel.typing import ABSTAIN


@pytest.fixture
def wb(data_file: Path, lf_file: Path, tmp_path: Path) -> Workbench:
    bench = Workbench(data_file, lf_file, tmp_path / "p.sqlite")
    status = bench.start_job("apply", wait=True)
    assert status.state == "done", status.error
    return bench


def test_apply_and_fit(wb: Workbench) -> None:
    assert wb.names == ["kw_subscribe", "kw_http", "short"]
    L = wb.votes
    assert L.shape == (12, 3)
    assert L[0, 0] == 1
    assert L[0, 1] == 1
    assert L[1, 2] == 0
    assert L[5].tolist() == [-1] * 3
    assert wb.proba is not None
    assert np.allclose(wb.proba.sum(axis=1), 1)
    o = wb.overview()
    assert o["n_rows"] == 12
    assert o["n_labeled"] == 0
    assert o["n_runs"] == 1
    assert [lf["name"] for lf in o["lfs"]] == wb.names
    assert o["lfs"][0]["coverage"] == pytest.approx(3 / 12)
    assert o["lfs"][0]["learned_accuracy"] is not None


def test_labels_reach_the_fit_and_the_overview(wb: Workbench) -> None:
    wb.add_label(5, "ham")
    wb.add_label(0, 1)
    wb.add_label(1, "spam")  # 'short' voted ham here: empirical accuracy 0 on it
    o = wb.overview()
    assert o["n_labeled"] == 3
    short = next(lf for lf in o["lfs"] if lf["name"] == "short")
    assert short["empirical_accuracy"] == 0.0
    wb.start_job("fit", wait=True)
    assert wb.fitted_labels == 3
    assert wb.project.runs()[-1].metrics["n_labeled"] == 3
    # exported soft labels: a person's label is final
    soft = wb.soft_labels_frame()
    assert soft["label"].iloc[[0, 1, 5]].tolist() == ["spam", "spam", "ham"]
    assert soft["confidence"].iloc[[0, 1, 5]].tolist() == [1.0, 1.0, 1.0]
    # the model's own view is kept for the "disagrees with the label" filter
    assert wb.proba is not None
    disagree = [r["position"] for r in wb.rows(RowFilter(disagrees=True))["rows"]]
    assert disagree == [
        p for p in (0, 1, 5) if wb.proba[p].argmax() != {0: 1, 1: 1, 5: 0}[p]
    ]


def test_filters(wb: Workbench) -> None:
    total = wb.rows(RowFilter())["total"]
    assert total == 12
    assert wb.rows(RowFilter(text="SUBSCRIBE"))["total"] == 3
    assert wb.rows(RowFilter(lf="kw_http"))["total"] == 3
    fired = wb.rows(RowFilter(lf="kw_http"))["rows"]
    assert all(any(v["lf"] == "kw_http" for v in r["votes"]) for r in fired)
    wb.add_label(2, "spam")
    assert [r["position"] for r in wb.rows(RowFilter(labeled="yes"))["rows"]] == [2]
    assert wb.rows(RowFilter(labeled="no"))["total"] == 11
    wb.start_job("fit", wait=True)
    assert wb.proba is not None
    low = wb.rows(RowFilter(confidence_below=0.99))["total"]
    assert low == int((wb.proba.max(axis=1) < 0.99).sum())
    spam = wb.rows(RowFilter(predicted=1))["total"]
    assert spam == int((wb.proba.argmax(axis=1) == 1).sum())
    page = wb.rows(RowFilter(), offset=10, limit=5)
    assert [r["position"] for r in page["rows"]] == [10, 11]
    with pytest.raises(WeakLabelError, match="No LF or rule named 'nope'"):
        wb.rows(RowFilter(lf="nope"))


def test_conflict_filter(wb: Workbench) -> None:
    L = wb.votes
    expected = [
        i for i in range(len(L)) if len({int(v) for v in L[i] if v != ABSTAIN}) > 1
    ]
    got = [r["position"] for r in wb.rows(RowFilter(conflict=True))["rows"]]
    assert got == expected


def test_rule_preview_and_accept(wb: Workbench) -> None:
    wb.add_label(4, "spam")
    wb.add_label(10, "spam")
    wb.add_label(7, "ham")
    p = wb.preview_rule("keyword", "free", "spam")
    assert p.n_fired == 2
    assert p.n_labeled_fired == 2
    assert p.precision == 1.0
    assert {e["position"] for e in p.examples} == {4, 10}
    assert p.overlaps == 1.0  # kw_http fires on both
    assert p.conflicts == 0.0
    bad = wb.preview_rule("regex", r"voice|wow", "spam")
    assert bad.n_fired == 2
    assert bad.precision == 0.0
    rule = wb.accept_rule("kw_free", "keyword", "free", "spam")
    assert wb.names[-1] == "kw_free"
    assert rule.label == 1
    assert wb.votes[:, -1].tolist().count(1) == 2
    with pytest.raises(WeakLabelError, match="already has an LF named 'short'"):
        wb.accept_rule("short", "keyword", "x", "ham")
    with pytest.raises(WeakLabelError, match="does not compile"):
        wb.preview_rule("regex", "(", "ham")
    assert wb.remove_rule("kw_free")
    assert wb.names[-1] == "short"


def test_reopen_restores_labels_and_rules(
    data_file: Path, lf_file: Path, tmp_path: Path
) -> None:
    project = tmp_path / "p.sqlite"
    first = Workbench(data_file, lf_file, project)
    first.start_job("apply", wait=True)
    first.add_label(1, "ham")
    first.accept_rule("kw_free", "keyword", "free", "spam")
    second = Workbench(data_file, lf_file, project)
    second.start_job("apply", wait=True)
    assert second.gold()[1] == 0
    assert second.names[-1] == "kw_free"


def test_reload_picks_up_edited_lfs(wb: Workbench, lf_file: Path) -> None:
    lf_file.write_text(
        lf_file.read_text()
        + "\nlfs.add(keyword_lf('kw_free', ['free'], label='spam'))\n"
    )
    status = wb.start_job("reload", wait=True)
    assert status.state == "done", status.error
    assert "kw_free" in wb.names


def test_failed_reload_is_reported_not_raised(wb: Workbench, lf_file: Path) -> None:
    lf_file.write_text("this is not python")
    status = wb.start_job("reload", wait=True)
    assert status.state == "failed"
    assert "LF module" in status.error
    assert wb.names == ["kw_subscribe", "kw_http", "short"]  # last good state kept


def test_project_tied_to_its_data(
    data_file: Path, lf_file: Path, tmp_path: Path
) -> None:
    import pandas as pd

    project = tmp_path / "p.sqlite"
    Workbench(data_file, lf_file, project)
    other = tmp_path / "other.csv"
    pd.DataFrame({"text": ["a", "b"]}).to_csv(other, index=False)
    with pytest.raises(ProjectError, match="made for data of 12 rows"):
        Workbench(other, lf_file, project)


def test_data_is_never_modified(wb: Workbench, data_file: Path) -> None:
    before = data_file.read_bytes()
    wb.add_label(0, "spam")
    wb.accept_rule("kw_free", "keyword", "free", "spam")
    wb.start_job("fit", wait=True)
    assert data_file.read_bytes() == before


def test_export(wb: Workbench) -> None:
    wb.add_label(3, "spam")
    soft = wb.soft_labels_frame()
    assert list(soft.columns[:2]) == ["proba_ham", "proba_spam"]
    gold = wb.gold_frame()
    assert gold[["position", "label"]].values.tolist() == [[3, "spam"]]


def test_missing_text_column(data_file: Path, lf_file: Path, tmp_path: Path) -> None:
    with pytest.raises(WeakLabelError, match="no column 'body'"):
        Workbench(data_file, lf_file, tmp_path / "p.sqlite", text_column="body")


def test_exported_rules_load_as_the_same_lfs(wb: Workbench, tmp_path: Path) -> None:
    from weaklabel.active.suggest_lfs import load_rules

    wb.accept_rule("kw_free", "keyword", "FREE", "spam")
    wb.accept_rule("re_song", "regex", r"SONG\b", "ham")
    path = wb.write_rules(tmp_path / "rules.json")
    registry = load_rules(path)
    assert registry.classes == ("ham", "spam")
    votes = registry.apply(wb.frame)
    assert votes.to_numpy().tolist() == wb.votes[:, -2:].tolist()


def test_zero_shot_rule(wb: Workbench) -> None:
    pytest.importorskip("wordllama", reason="zero-shot rules need the embed extra")
    from weaklabel.embed import WordLlamaEmbedder, zero_shot_lf

    description = "subscribe to my channel, free gifts and links"
    p = wb.preview_rule("zero_shot", description, "spam")
    # the rule is zero_shot_lf: the spam description against the name 'ham'
    lf = zero_shot_lf(
        "zs",
        {"ham": "ham", "spam": description},
        embedder=WordLlamaEmbedder(),
        vote_for=["spam"],
    )
    expected = [i for i, v in enumerate(lf(wb.frame[["text"]])) if v == "spam"]
    assert p.n_fired == len(expected)
    assert {e["position"] for e in p.examples} == set(expected[:10])
    wb.accept_rule("zs_spam", "zero_shot", description, "spam")
    assert np.flatnonzero(wb.votes[:, -1] == 1).tolist() == expected
    with pytest.raises(WeakLabelError, match="needs a short description"):
        wb.preview_rule("zero_shot", "  ", "spam")


def test_exported_zero_shot_rule_loads_as_the_same_lf(
    wb: Workbench, tmp_path: Path
) -> None:
    pytest.importorskip("wordllama", reason="zero-shot rules need the embed extra")
    from weaklabel.active.suggest_lfs import load_rules, read_rules

    description = "subscribe to my channel, free gifts and links"
    wb.accept_rule("kw_free", "keyword", "FREE", "spam")
    wb.accept_rule("zs_spam", "zero_shot", description, "spam")
    path = wb.write_rules(tmp_path / "rules.json")
    kinds = [(r["name"], r["kind"]) for r in read_rules(path)["rules"]]
    assert kinds == [("kw_free", "keyword"), ("zs_spam", "zero_shot")]
    votes = load_rules(path).apply(wb.frame)
    assert votes.to_numpy().tolist() == wb.votes[:, -2:].tolist()
    assert (votes["zs_spam"] == 1).any()
