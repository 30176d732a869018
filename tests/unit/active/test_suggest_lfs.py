"""Suggested LFs: candidates' numbers, the rules file, and ``weaklabel suggest-lfs``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklabel.active.suggest_lfs import (
    add_rules,
    load_rules,
    read_rules,
    suggest_lfs,
    write_rules,
)
from weaklabel.cli import main
from weaklabel.io import write_votes
from weaklabel.lf import LFRegistry
from weaklabel.lf_helpers import keyword_lf

SPAM = [
    "win cash now!!",
    "check out my channel",
    "free cash prize",
    "subscribe to my channel",
    "check out www.example.com",
    "WIN BIG cash today",
    "my channel has cash",
]
HAM = [
    "nice song",
    "love this song",
    "great voice",
    "this song is great",
    "beautiful song",
    "she sings well",
    "best song ever",
]


def _corpus(n_copies: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    texts = (SPAM + HAM) * n_copies
    truth = np.array(([1] * len(SPAM) + [0] * len(HAM)) * n_copies)
    gold = np.where(np.arange(len(texts)) < len(SPAM) + len(HAM), truth, -1)
    return pd.DataFrame({"text": texts}), np.stack([truth, gold])


def test_candidates_report_exact_precision_and_coverage() -> None:
    df, (_, gold) = _corpus()
    table = suggest_lfs(
        df["text"], gold, ["ham", "spam"], min_support=2, min_precision=0.5
    )
    assert len(table) > 0
    assert table["precision_low"].is_monotonic_decreasing
    for row in table.itertuples():
        lfs = load_from(row)
        votes = lfs.apply(df)[row.name].to_numpy()
        fired = votes >= 0
        # coverage is on all rows, precision on the gold rows, as the LF matches
        assert row.coverage == pytest.approx(fired.mean())
        on_gold = fired & (gold >= 0)
        assert row.support == on_gold.sum()
        label = ["ham", "spam"].index(row.label)
        assert row.precision == pytest.approx((gold[on_gold] == label).mean())
    top = table.iloc[0]
    assert top["precision"] >= 0.5
    assert set(table["kind"]) <= {"keyword", "regex"}
    names = table["pattern"].tolist()
    assert "song" in names
    assert r"\bcheck\W+out\b" in names  # a two-word phrase as a regex


def load_from(row: object) -> LFRegistry:
    lfs = LFRegistry(["ham", "spam"])
    rule = {k: getattr(row, k) for k in ("name", "kind", "pattern", "label", "column")}
    import tempfile

    path = Path(tempfile.mkdtemp()) / "rules.json"
    write_rules(path, [rule], ["ham", "spam"])
    return add_rules(lfs, path)


def test_suggest_lfs_with_votes_counts_new_rows_and_conflicts() -> None:
    df, (_, gold) = _corpus()
    L = np.full((len(df), 1), -1)
    L[df["text"].str.contains("song"), 0] = 1  # an existing, wrong LF: song -> spam
    table = suggest_lfs(df["text"], gold, ["ham", "spam"], L=L, min_support=2)
    song = table[table["pattern"] == "song"].iloc[0]
    assert song["label"] == "ham"
    assert song["new_coverage"] == 0.0  # every "song" row already has a vote
    assert song["conflicts"] == pytest.approx(
        song["coverage"]
    )  # ... of the other class


def test_suggest_lfs_errors() -> None:
    with pytest.raises(ValueError, match="needs gold rows"):
        suggest_lfs(["a", "b"], [-1, -1], ["x", "y"])
    with pytest.raises(ValueError, match="y has shape"):
        suggest_lfs(["a", "b"], [0], ["x", "y"])
    with pytest.raises(ValueError, match=r"outside -1\.\.1"):
        suggest_lfs(["a", "b"], [0, 2], ["x", "y"])
    with pytest.raises(ValueError, match="kinds may hold"):
        suggest_lfs(["a", "b"], [0, 1], ["x", "y"], kinds=["embedding"])


def test_rules_file_round_trip_and_merge(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    write_rules(
        path,
        [{"name": "kw_cash", "kind": "keyword", "pattern": "cash", "label": "spam"}],
        ["ham", "spam"],
    )
    write_rules(
        path,
        [
            {
                "name": "re_url",
                "kind": "regex",
                "pattern": r"https?://|www\.",
                "label": "spam",
            },
            {"name": "kw_cash", "kind": "keyword", "pattern": "money", "label": "spam"},
        ],
        ["ham", "spam"],
    )
    doc = read_rules(path)
    assert [r["name"] for r in doc["rules"]] == ["kw_cash", "re_url"]
    assert doc["rules"][0]["pattern"] == "money"  # same name: replaced
    lfs = load_rules(path)
    L = lfs.apply(pd.DataFrame({"text": ["MONEY here", "see www.x.org", "hello"]}))
    assert L.to_numpy().tolist() == [[1, -1], [-1, 1], [-1, -1]]
    # adding to a registry with other LFs
    mine = LFRegistry(["ham", "spam"])
    mine.add(keyword_lf("kw_song", ["song"], "ham"))
    assert add_rules(mine, path).names == ["kw_song", "kw_cash", "re_url"]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"format": "other"}, "not a weaklabel rules file"),
        (
            {
                "format": "weaklabel-rules",
                "version": 9,
                "classes": ["a", "b"],
                "rules": [],
            },
            "version 9",
        ),
        (
            {
                "format": "weaklabel-rules",
                "version": 1,
                "classes": ["a", "b"],
                "rules": [{"name": "x"}],
            },
            "lacks",
        ),
        (
            {
                "format": "weaklabel-rules",
                "version": 1,
                "classes": ["a", "b"],
                "rules": [{"name": "x", "kind": "regex", "pattern": "(", "label": "a"}],
            },
            "not a valid regex",
        ),
        (
            {
                "format": "weaklabel-rules",
                "version": 1,
                "classes": ["a", "b"],
                "rules": [
                    {"name": "x", "kind": "keyword", "pattern": "p", "label": "c"}
                ],
            },
            "not one of the file's classes",
        ),
        (
            {
                "format": "weaklabel-rules",
                "version": 1,
                "classes": ["a", "b"],
                "rules": [
                    {"name": "x", "kind": "lookup", "pattern": "p", "label": "a"}
                ],
            },
            "kind must be one of",
        ),
    ],
)
def test_rules_file_is_validated(tmp_path: Path, doc: dict, message: str) -> None:  # type: ignore[type-arg]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=re.escape(message)):
        read_rules(path)


def test_write_rules_refuses_foreign_files_and_other_classes(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.json"
    foreign.write_text('{"mine": true}')
    rule = [{"name": "kw_a", "kind": "keyword", "pattern": "a", "label": "spam"}]
    with pytest.raises(ValueError, match="not a weaklabel rules file"):
        write_rules(foreign, rule, ["ham", "spam"])
    assert foreign.read_text() == '{"mine": true}'
    ok = tmp_path / "rules.json"
    write_rules(ok, rule, ["ham", "spam"])
    with pytest.raises(ValueError, match="holds rules for the classes"):
        write_rules(ok, rule, ["spam", "ham"])


def test_cli_suggest_then_accept(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    df, (_, gold) = _corpus()
    data = tmp_path / "data.csv"
    df.to_csv(data, index=False)
    gold_file = tmp_path / "gold.csv"
    pd.DataFrame({"y": [("ham", "spam")[g] if g >= 0 else "" for g in gold]}).to_csv(
        gold_file, index=False
    )
    votes = tmp_path / "votes.parquet"
    L = pd.DataFrame({"kw_song": np.where(df["text"].str.contains("song"), 0, -1)})
    L.attrs["classes"] = ["ham", "spam"]
    write_votes(votes, L)
    out = tmp_path / "candidates.csv"
    code = main(
        [
            "suggest-lfs",
            "--data",
            str(data),
            "--gold",
            str(gold_file),
            "--gold-column",
            "y",
            "--votes",
            str(votes),
            "--min-support",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert {"precision", "coverage", "new_coverage", "conflicts"} <= set(table.columns)
    assert "candidates from 14 gold rows" in capsys.readouterr().out
    rules = tmp_path / "rules.json"
    assert (
        main(
            [
                "suggest-lfs",
                "--accept",
                str(out),
                "--pick",
                "0,1",
                "--rules",
                str(rules),
            ]
        )
        == 0
    )
    accepted = [r["name"] for r in read_rules(rules)["rules"]]
    assert accepted == table["name"].head(2).tolist()
    votes_new = load_rules(rules).apply(df)
    assert votes_new.shape == (len(df), 2)
    assert (
        main(
            ["suggest-lfs", "--accept", str(out), "--pick", "99", "--rules", str(rules)]
        )
        == 1
    )
    assert "outside the candidates file's rows" in capsys.readouterr().err
    assert main(["suggest-lfs", "--data", str(data), "--out", str(out)]) == 1


def test_zero_shot_rule_in_a_rules_file(tmp_path: Path) -> None:
    """A zero-shot rule is zero_shot_lf: its description against the other names."""
    pytest.importorskip("wordllama", reason="zero-shot rules need the embed extra")
    from weaklabel.active.suggest_lfs import zero_shot_rule_lf
    from weaklabel.embed import zero_shot_lf
    from weaklabel.lf import LFRegistry

    description = "an advertisement: subscribe to my channel, free gift cards"
    path = write_rules(
        tmp_path / "rules.json",
        [
            {
                "name": "zs_ad",
                "kind": "zero_shot",
                "pattern": description,
                "label": "spam",
                "column": "body",
            }
        ],
        ["ham", "spam", "other"],
    )
    frame = pd.DataFrame(
        {
            "body": [
                "subscribe to my channel for free gift cards!!",
                "this song brings back so many memories",
                "",
                "check out my page, free stuff every day",
            ]
        }
    )
    votes = load_rules(path).apply(frame)["zs_ad"].tolist()
    reference = zero_shot_lf(
        "zs_ad",
        {"ham": "ham", "spam": description, "other": "other"},
        column="body",
        vote_for=["spam"],
    )
    registry = LFRegistry(classes=["ham", "spam", "other"])
    registry.add(reference)
    expected = registry.apply(frame)["zs_ad"].tolist()
    assert votes == expected
    assert votes[0] == 1  # the advertisement
    assert set(votes) <= {-1, 1}  # votes only for its class
    with pytest.raises(ValueError, match="needs a short description"):
        zero_shot_rule_lf("zs", "  ", "spam", ["ham", "spam"])
    with pytest.raises(ValueError, match="not one of"):
        zero_shot_rule_lf("zs", "ads", "eggs", ["ham", "spam"])
