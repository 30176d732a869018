"""Class and LF names have one owner (issue 12 item 2): one validator, one
default-name helper, one channel (``L.attrs["classes"]``), and CSV vote
files keep their names in a sidecar."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import weaklabel
from weaklabel import LFRegistry, lf_summary
from weaklabel._validation import (
    check_class_names,
    default_class_names,
    default_lf_names,
)
from weaklabel.apply import apply_lfs
from weaklabel.cli import main
from weaklabel.exceptions import ClassMismatchError, WeakLabelWarning
from weaklabel.io import read_votes, soft_label_frame, write_votes
from weaklabel.label_model import MajorityVote
from weaklabel.lf import labeling_function

PACKAGE = Path(weaklabel.__file__).parent


@pytest.mark.parametrize(
    ("classes", "error", "match"),
    [
        (["ham"], ValueError, "at least 2 classes"),
        (["ham", "ham"], ValueError, "must be unique"),
        (["ham", ""], ValueError, "non-empty strings"),
        (["ham", None], TypeError, "non-empty strings"),
        ([0, 1], TypeError, r"Use strings: \['0', '1'\]"),
        ("hamspam", TypeError, "sequence of class names"),
    ],
)
def test_one_rule_set_for_class_names_everywhere(classes, error, match):
    entries = [
        lambda: LFRegistry(classes=classes),
        lambda: lf_summary(np.array([[0, 1]]), classes=classes),
        lambda: soft_label_frame([[0.5, 0.5]], classes=classes),
        lambda: check_class_names(classes),
    ]
    messages = set()
    for entry in entries:
        with pytest.raises(error, match=match) as info:
            entry()
        messages.add(str(info.value))
    assert len(messages) == 1  # the same rule, worded once


def test_default_names_come_from_one_helper():
    assert default_class_names(3) == ["0", "1", "2"]
    assert default_lf_names(2) == ["lf_0", "lf_1"]
    assert apply_lfs(
        [
            labeling_function(vectorized=True, name="f")(
                lambda df: np.zeros(len(df), int)
            )
        ],
        pd.DataFrame({"x": [1, 2]}),
        classes=3,
    ).attrs["classes"] == default_class_names(3)
    assert MajorityVote().fit(np.array([[0, 1, -1]])).lf_names_in_ == default_lf_names(
        3
    )
    assert list(soft_label_frame([[0.5, 0.5]]).columns[:2]) == ["proba_0", "proba_1"]


def test_no_module_invents_default_names_itself():
    """Default names are made only by the helpers in weaklabel/_validation.py."""
    patterns = [
        re.compile(r"str\((\w+)\) for \1 in range\("),
        re.compile(r"""f["']lf_\{\w+\}["'] for \w+ in range\("""),
    ]
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_validation.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(p.search(line) for p in patterns):
                offenders.append(
                    f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
                )
    assert offenders == []


def _votes():
    L = pd.DataFrame({"a": [0, 1, -1], "b": [1, 1, 0]}, index=[10, 11, 12])
    L = L.astype(np.int8)
    L.attrs["classes"] = ["ham", "spam"]
    return L


def test_csv_votes_keep_their_class_names(tmp_path):
    path = write_votes(tmp_path / "votes.csv", _votes())
    side = tmp_path / "votes.csv.json"
    assert json.loads(side.read_text())["classes"] == ["ham", "spam"]
    back = read_votes(path)
    assert back.attrs["classes"] == ["ham", "spam"]
    pd.testing.assert_frame_equal(back, _votes())


def test_a_csv_changed_after_writing_is_read_without_names(tmp_path):
    path = write_votes(tmp_path / "votes.csv", _votes())
    path.write_text(path.read_text().replace("\r\n11,1,1", "\r\n11,0,0"))
    with pytest.warns(WeakLabelWarning, match="does not match"):
        back = read_votes(path)
    assert "classes" not in back.attrs


def test_a_foreign_file_at_the_sidecar_path_is_never_overwritten(tmp_path):
    side = tmp_path / "votes.csv.json"
    side.write_text('{"mine": true}')
    with pytest.raises(FileExistsError, match="not a sidecar weaklabel wrote"):
        write_votes(tmp_path / "votes.csv", _votes())
    assert side.read_text() == '{"mine": true}'
    assert not (tmp_path / "votes.csv").exists()
    (tmp_path / "votes.csv").write_text(",a\r\n0,1\r\n")
    with pytest.warns(WeakLabelWarning, match="not a sidecar weaklabel wrote"):
        read_votes(tmp_path / "votes.csv")


def test_a_rewrite_replaces_our_own_sidecar(tmp_path):
    write_votes(tmp_path / "votes.csv", _votes())
    plain = np.array([[0, 1]])
    write_votes(tmp_path / "votes.csv", plain)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = read_votes(tmp_path / "votes.csv")
    assert "classes" not in back.attrs


def test_explicit_classes_must_agree_with_the_votes():
    with pytest.raises(ClassMismatchError, match="L names the classes"):
        write_votes("never.csv", _votes(), classes=["spam", "ham"])
    assert not Path("never.csv").exists()


def test_cli_gold_names_match_through_a_csv_votes_file(tmp_path):
    lfs_file = tmp_path / "lfs.py"
    lfs_file.write_text(
        "from weaklabel import LFRegistry\n"
        "lfs = LFRegistry(classes=['ham', 'spam'])\n"
        "@lfs.labeling_function()\n"
        "def has_link(row):\n"
        "    return 'spam' if 'http' in row.text else 'ham'\n"
    )
    data = tmp_path / "data.csv"
    data.write_text("text\nhttp://x\nhello\nhttp://y\n")
    votes = tmp_path / "votes.csv"
    assert (
        main(
            ["apply", "--lfs", str(lfs_file), "--data", str(data), "--out", str(votes)]
        )
        == 0
    )
    gold = tmp_path / "gold.csv"
    gold.write_text("label\nspam\nham\n\n")
    model = tmp_path / "m.json"
    assert (
        main(["fit", "--votes", str(votes), "--gold", str(gold), "--out", str(model)])
        == 0
    )
    assert json.loads(model.read_text())["attributes"]["classes_"] == ["ham", "spam"]
