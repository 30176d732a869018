"""The SQLite project file: labels with history, undo, rules, runs, safety."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from weaklabel.app.project import Project, ProjectError


def test_labels_persist_and_supersede(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    project = Project(path)
    project.add_label(3, 1, "ann")
    project.add_label(5, 0, "bob")
    project.add_label(3, 0, "bob")  # a later label supersedes the earlier one
    reopened = Project(path)
    assert reopened.labels() == {3: 0, 5: 0}
    assert [lab.author for lab in reopened.label_history()] == ["ann", "bob", "bob"]


def test_undo_withdraws_only_the_authors_last_label(tmp_path: Path) -> None:
    project = Project(tmp_path / "p.sqlite")
    project.add_label(1, 1, "ann")
    project.add_label(2, 1, "bob")
    project.add_label(1, 0, "ann")
    undone = project.undo("ann")
    assert undone is not None
    assert (undone.position, undone.label) == (1, 0)
    assert project.labels() == {1: 1, 2: 1}  # ann's earlier label is back
    assert project.undo("carol") is None


def test_rules_and_runs_round_trip(tmp_path: Path) -> None:
    project = Project(tmp_path / "p.sqlite")
    project.add_rule("kw_free", "keyword", "free", 1)
    with pytest.raises(ProjectError, match="already has a rule named 'kw_free'"):
        project.add_rule("kw_free", "regex", "fr.e", 1)
    with pytest.raises(ProjectError, match="'keyword', 'regex' or 'zero_shot'"):
        project.add_rule("x", "glob", "*", 1)
    run = project.add_run({"model": "LabelModel"}, {"coverage": 0.5})
    again = Project(tmp_path / "p.sqlite")
    assert [r.pattern for r in again.rules()] == ["free"]
    assert again.runs()[0].metrics == {"coverage": 0.5}
    assert again.runs()[0].id == run.id
    assert again.remove_rule("kw_free")
    assert not again.remove_rule("kw_free")


def test_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Project(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_refuses_foreign_files(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ProjectError, match="not a weaklabel project"):
        Project(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello, these are my notes" * 100)
    with pytest.raises(ProjectError, match="not a weaklabel project file"):
        Project(text)
    assert text.read_text().startswith("hello")  # never touched
    with pytest.raises(ProjectError, match="is a folder"):
        Project(tmp_path)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_positions(tmp_path: Path, bad: object) -> None:
    project = Project(tmp_path / "p.sqlite")
    with pytest.raises(ProjectError, match="position"):
        project.add_label(bad, 0)  # type: ignore[arg-type]


def _label_many(path: str, author: str, start: int) -> None:
    project = Project(path)
    for i in range(start, start + 50):
        project.add_label(i, i % 2, author)


def test_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "p.sqlite")
    Project(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_label_many, args=(path, "tab1", 0)),
        ctx.Process(target=_label_many, args=(path, "tab2", 50)),
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(Project(path).labels()) == 100


def _label_then_die(path: str, conn_out: object) -> None:
    import os

    project = Project(path)
    project.add_label(7, 1, "ann")
    conn_out.send("acknowledged")  # type: ignore[attr-defined]
    os._exit(1)  # killed right after the acknowledgement


def test_acknowledged_label_survives_a_killed_process(tmp_path: Path) -> None:
    path = str(tmp_path / "p.sqlite")
    Project(path)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_label_then_die, args=(path, child))
    proc.start()
    assert parent.recv() == "acknowledged"
    proc.join(60)
    assert Project(path).labels() == {7: 1}
