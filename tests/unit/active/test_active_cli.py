"""``weaklabel suggest``: the command-line contract a user scripts the loop with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklabel import make_votes
from weaklabel.cli import main
from weaklabel.io import write_votes


@pytest.fixture
def votes(tmp_path: Path) -> tuple[Path, pd.DataFrame, np.ndarray]:
    data = make_votes(600, 5, random_state=1)
    L = pd.DataFrame(
        np.asarray(data.L),
        columns=[f"lf_{j}" for j in range(5)],
        index=pd.Index([f"c{i:04d}" for i in range(600)], name="comment_id"),
    )
    L.attrs["classes"] = ["ham", "spam"]
    path = tmp_path / "votes.parquet"
    write_votes(path, L)
    return path, L, np.asarray(data.y)


def _gold_file(path: Path, labels: dict[int, str], n: int) -> None:
    cells = [labels.get(i, "") for i in range(n)]
    pd.DataFrame({"answer": cells}).to_csv(path, index=False)


def test_suggest_contract(tmp_path: Path, votes, capsys) -> None:  # type: ignore[no-untyped-def]
    path, L, y = votes
    gold = tmp_path / "gold.csv"
    labelled = {i: ("ham", "spam")[y[i]] for i in range(0, 600, 4)}
    _gold_file(gold, labelled, 600)
    out = tmp_path / "next.csv"
    code = main(
        [
            "suggest",
            "--votes",
            str(path),
            "--n",
            "30",
            "--out",
            str(out),
            "--gold",
            str(gold),
            "--gold-column",
            "answer",
            "--seed",
            "3",
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["position", "id"]
    assert len(table) == 30
    assert table["position"].is_unique
    assert not set(table["position"]) & set(labelled)  # never a row of the gold file
    assert table["id"].tolist() == [L.index[p] for p in table["position"]]
    assert "suggested 30 of 450 unlabeled rows" in capsys.readouterr().out
    # the same call gives the same rows; the loop goes on with the answers
    again = tmp_path / "again.csv"
    main(
        [
            "suggest",
            "--votes",
            str(path),
            "--n",
            "30",
            "--out",
            str(again),
            "--gold",
            str(gold),
            "--gold-column",
            "answer",
            "--seed",
            "3",
        ]
    )
    assert pd.read_csv(again).equals(table)
    labelled.update({int(p): ("ham", "spam")[y[p]] for p in table["position"]})
    _gold_file(gold, labelled, 600)
    main(
        [
            "suggest",
            "--votes",
            str(path),
            "--n",
            "30",
            "--out",
            str(again),
            "--gold",
            str(gold),
            "--gold-column",
            "answer",
        ]
    )
    assert not set(pd.read_csv(again)["position"]) & set(labelled)


def test_suggest_with_data_and_strategies(tmp_path: Path, votes) -> None:  # type: ignore[no-untyped-def]
    path, _, y = votes
    words = np.array(["good song", "check my channel", "love it", "subscribe now"])
    data = tmp_path / "data.csv"
    pd.DataFrame({"text": words[(y * 2 + np.arange(600) % 2)]}).to_csv(
        data, index=False
    )
    out = tmp_path / "next.csv"
    for strategy in ("end_model", "random", "disagreement"):
        code = main(
            [
                "suggest",
                "--votes",
                str(path),
                "--n",
                "5",
                "--out",
                str(out),
                "--data",
                str(data),
                "--strategy",
                strategy,
            ]
        )
        assert code == 0
        table = pd.read_csv(out)
        assert list(table.columns) == ["position", "id", "text"]
        assert table["text"].tolist() == [
            pd.read_csv(data)["text"][p] for p in table["position"]
        ]


def test_suggest_errors(tmp_path: Path, votes, capsys) -> None:  # type: ignore[no-untyped-def]
    path, _, _ = votes
    out = tmp_path / "next.csv"
    assert (
        main(
            [
                "suggest",
                "--votes",
                str(path),
                "--n",
                "5",
                "--out",
                str(out),
                "--strategy",
                "end_model",
            ]
        )
        == 1
    )
    assert "needs row features" in capsys.readouterr().err
    bad = tmp_path / "short.csv"
    pd.DataFrame({"label": ["ham"] * 10}).to_csv(bad, index=False)
    assert (
        main(
            [
                "suggest",
                "--votes",
                str(path),
                "--n",
                "5",
                "--out",
                str(out),
                "--gold",
                str(bad),
            ]
        )
        == 1
    )
    assert "10 rows" in capsys.readouterr().err
    assert (
        main(
            [
                "suggest",
                "--votes",
                str(path),
                "--n",
                "5",
                "--out",
                str(out),
                "--strategy",
                "best",
            ]
        )
        == 2
    )
    assert not out.exists()
