"""The command line as a new user meets it (issue 12's "front door").

Every command runs through ``weaklabel.cli.main([...])`` and is compared with
the Python API it stands for.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklabel import DawidSkene, LabelModel, load_label_model
from weaklabel.cli import _build_parser, load_registry, main
from weaklabel.crowd import votes_from_long_table
from weaklabel.io import read_soft_labels, read_votes

LF_MODULE = textwrap.dedent(
    """
    from weaklabel import ABSTAIN, LFRegistry, keyword_lf

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text.lower() else ABSTAIN

    @lfs.labeling_function(vectorized=True)
    def short(df):
        return df.text.str.len().lt(12).map({True: "ham", False: ABSTAIN})

    lfs.add(keyword_lf("check", ["check", "subscribe"], label="spam"))
    """
)

TEXTS = [
    "check http://x.co now",
    "nice song",
    "love it",
    "Check my channel",
    "http://spam.biz",
    "great video, really great",
    "NA",
    "subscribe pls",
    "",
    "null",
]
GOLD = ["spam", "ham", "ham", "spam", "spam", "ham", "", "spam", "", "ham"]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "lfs.py").write_text(LF_MODULE)
    ids = [f"c{i:02d}" for i in range(len(TEXTS))][::-1]
    df = pd.DataFrame({"cid": ids, "text": TEXTS, "label": GOLD})
    df.to_csv(tmp_path / "data.csv", index=False)
    return tmp_path


def _label(work: Path, *extra: str, out: str = "soft.csv") -> int:
    argv = ["label", "--lfs", str(work / "lfs.py"), "--data", str(work / "data.csv"),
            "--out", str(work / out)]  # fmt: skip
    return main([*argv, *extra])


def _api_votes(work: Path, data: pd.DataFrame | None = None) -> pd.DataFrame:
    lfs = load_registry(work / "lfs.py")
    frame = pd.read_csv(work / "data.csv", keep_default_na=False)
    return lfs.apply(frame if data is None else data)


# ------------------------------------------------------------ version, flags, help


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"weaklabel {version('weaklabel')}"


def test_global_flags_after_the_command(work: Path) -> None:
    assert _label(work, "--no-progress") == 0
    assert _label(work, "--progress", out="soft2.csv") == 0
    pd.testing.assert_frame_equal(
        read_soft_labels(work / "soft.csv"), read_soft_labels(work / "soft2.csv")
    )
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        main(["summary", "--votes", str(work / "nope.csv"), "--debug"])
    assert main(["summary", "--votes", str(work / "nope.csv")]) == 1


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_every_option_has_help_and_every_command_examples() -> None:
    parser = _build_parser()
    commands = _subparsers(parser)
    assert {"apply", "summary", "fit", "predict", "label", "train", "classify",
            "demo"} <= set(commands)  # fmt: skip
    for name, sub in [("weaklabel", parser), *commands.items()]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{name} {action.option_strings} has no help"
        if sub is parser:
            continue
        assert sub.description, f"{name} has no description"
        # the examples follow an "examples:" line (in the epilog, or at the end
        # of the description)
        text = f"{sub.description}\n{sub.epilog or ''}"
        assert "\nexamples:\n" in f"\n{text}", f"{name} has no examples"
        lines = f"\n{text}".split("\nexamples:\n", 1)[1].splitlines()
        examples = [ln for ln in lines if ln.strip().startswith("weaklabel ")]
        assert 2 <= len(examples) <= 3, f"{name}: {len(examples)} examples"
        assert all(ln.split()[1] == name for ln in examples), name


# ------------------------------------------------------------------- model type


def test_fit_model_type_and_its_deprecated_alias(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--lfs", str(work / "lfs.py"), "--data",
                 str(work / "data.csv"), "--out", str(work / "v.parquet")]) == 0  # fmt: skip
    base = ["fit", "--votes", str(work / "v.parquet")]
    capsys.readouterr()
    assert (
        main([*base, "--model-type", "dawid-skene", "--out", str(work / "a.json")]) == 0
    )
    assert capsys.readouterr().err == ""
    assert main([*base, "--model", "dawid-skene", "--out", str(work / "b.json")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "weaklabel fit: warning: --model is deprecated for the model type and will"
        " be removed in the next release; use --model-type dawid-skene."
    ]
    a, b = load_label_model(work / "a.json"), load_label_model(work / "b.json")
    assert type(a) is type(b) is DawidSkene
    L = read_votes(work / "v.parquet")
    np.testing.assert_array_equal(a.predict_proba(L), b.predict_proba(L))
    code = main([*base, "--model", "majority", "--model-type", "dawid-skene",
                 "--out", str(work / "c.json")])  # fmt: skip
    assert code == 2
    assert "disagree" in capsys.readouterr().err
    assert not (work / "c.json").exists()


def test_label_model_type_alias_warns_once(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        _label(work, "--model", "majority", "--save-model", str(work / "m.json")) == 0
    )
    assert capsys.readouterr().err.count("warning: --model is deprecated") == 1
    assert type(load_label_model(work / "m.json")).__name__ == "MajorityVote"


# ----------------------------------------------------------- ids and kept columns


def test_label_id_column_carries_the_ids(work: Path) -> None:
    assert _label(work, "--id-column", "cid", "--keep-columns", "text") == 0
    soft = read_soft_labels(work / "soft.csv")
    assert soft.index.name == "cid"
    assert soft.index.tolist() == [f"c{i:02d}" for i in range(len(TEXTS))][::-1]
    assert _label(work, "--id-column", "cid", "--keep-columns", "text",
                  out="soft.parquet") == 0  # fmt: skip
    exact = read_soft_labels(work / "soft.parquet")
    assert exact["text"].tolist() == TEXTS  # text kept as written ("NA", "")
    assert exact.index.tolist() == soft.index.tolist()
    header = (work / "soft.csv").read_text().splitlines()[0]
    assert header.startswith("cid,proba_ham,proba_spam,label,confidence,text")


def test_apply_id_column_then_predict_keeps_them(work: Path) -> None:
    votes = work / "v.parquet"
    assert main(["apply", "--lfs", str(work / "lfs.py"), "--data",
                 str(work / "data.csv"), "--id-column", "cid", "--out",
                 str(votes)]) == 0  # fmt: skip
    assert read_votes(votes).index.tolist()[:2] == ["c09", "c08"]
    assert main(["fit", "--votes", str(votes), "--out", str(work / "m.json")]) == 0
    assert main(["predict", "--model", str(work / "m.json"), "--votes", str(votes),
                 "--out", str(work / "p.csv")]) == 0  # fmt: skip
    soft = read_soft_labels(work / "p.csv")
    assert soft.index.name == "cid"
    assert soft.index.tolist() == read_votes(votes).index.tolist()


def test_duplicate_or_missing_ids_are_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _label(work, "--id-column", "label") == 1
    assert "has the id 'ham' more than once" in capsys.readouterr().err
    assert _label(work, "--id-column", "nope") == 1
    assert "no such column" in capsys.readouterr().err
    assert not (work / "soft.csv").exists()


def test_keep_columns_that_clash_are_prefixed(work: Path) -> None:
    assert _label(work, "--keep-columns", "label", "cid", "text", out="s.parquet") == 0
    soft = read_soft_labels(work / "s.parquet")
    assert list(soft.columns[-3:]) == ["source_label", "cid", "text"]
    assert soft["source_label"].tolist() == GOLD
    assert soft["cid"].tolist() == pd.read_csv(work / "data.csv")["cid"].tolist()
    # the id column's own name clashes too when it is the --id-column
    assert _label(work, "--id-column", "cid", "--keep-columns", "cid",
                  out="soft2.parquet") == 0  # fmt: skip
    soft2 = read_soft_labels(work / "soft2.parquet")
    assert soft2["source_cid"].tolist() == soft2.index.tolist()


# --------------------------------------------------------------- gold and models


def test_label_saves_the_model_and_takes_gold_from_a_data_column(work: Path) -> None:
    model_path = work / "m.npz"
    code = _label(work, "--gold-column", "label", "--save-model", str(model_path))
    assert code == 0
    L = _api_votes(work)
    y = [1 if g == "spam" else 0 if g == "ham" else -1 for g in GOLD]
    expected = LabelModel(cardinality=2, random_state=0).fit(L, y)
    soft = read_soft_labels(work / "soft.csv")
    np.testing.assert_allclose(
        soft[["proba_ham", "proba_spam"]].to_numpy(), expected.predict_proba(L)
    )
    saved = load_label_model(model_path)
    np.testing.assert_allclose(saved.predict_proba(L), expected.predict_proba(L))
    # the same gold from another file gives the same model
    pd.DataFrame({"y": GOLD}).to_csv(work / "gold.csv", index=False)
    assert _label(work, "--gold", str(work / "gold.csv"), "--gold-column", "y",
                  out="soft2.csv") == 0  # fmt: skip
    pd.testing.assert_frame_equal(
        soft, read_soft_labels(work / "soft2.csv"), check_exact=True
    )


def test_label_gold_column_must_exist(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _label(work, "--gold-column", "y") == 1
    assert "--gold-column 'y': the data has no such column" in capsys.readouterr().err


# ------------------------------------------------------------------- text column


def test_text_column_reaches_row_lfs_vectorized_lfs_and_helpers(work: Path) -> None:
    df = pd.read_csv(work / "data.csv", keep_default_na=False)
    df.rename(columns={"text": "body"}).to_csv(work / "body.csv", index=False)
    for name, extra in (("a.parquet", []), ("b.parquet", ["--text-column", "body"])):
        data = "data.csv" if not extra else "body.csv"
        code = main(["apply", "--lfs", str(work / "lfs.py"), "--data",
                     str(work / data), "--out", str(work / name), *extra])  # fmt: skip
        assert code == 0
    a, b = read_votes(work / "a.parquet"), read_votes(work / "b.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert a["check"].tolist()[:4] == [1, -1, -1, 1]  # keyword_lf's default column


def test_text_column_next_to_a_text_column_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _label(work, "--text-column", "cid") == 1
    assert "also has a column 'text'" in capsys.readouterr().err


def test_text_cells_reach_lfs_as_written_unless_text_na(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "NA", "" and "null" rows: a row-wise LF calls .lower() on each
    assert _label(work) == 0
    assert _label(work, "--text-na", out="soft2.csv") == 1
    err = capsys.readouterr().err
    assert "has_link" in err  # the LF that met NaN is named
    assert not (work / "soft2.csv").exists()


def test_tsv_with_quotes_through_the_cli(work: Path) -> None:
    rows = ['"check http://a.b', "nice", 'she said "hi"']
    (work / "d.tsv").write_text("text\n" + "\n".join(rows) + "\n")
    code = main(["apply", "--lfs", str(work / "lfs.py"), "--data",
                 str(work / "d.tsv"), "--out", str(work / "v.csv")])  # fmt: skip
    assert code == 0
    L = read_votes(work / "v.csv")
    assert len(L) == 3
    assert L["has_link"].tolist() == [1, -1, -1]


# ------------------------------------------------------------------- warnings


def test_warnings_are_one_line(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "merged.csv").write_text('text\n"check\nnice\nhttp://x"\nok\n')
    capsys.readouterr()
    code = main(["apply", "--lfs", str(work / "lfs.py"), "--data",
                 str(work / "merged.csv"), "--out", str(work / "v.csv")])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("weaklabel apply: warning: ")
    assert "4 lines after the header but 2 rows" in err[0]
    assert ".py" not in err[0]
    assert "WeakLabelWarning" not in err[0]


# ---------------------------------------------------------------- train, classify


def _corpus(n: int = 60) -> pd.DataFrame:
    spam = ["check out my channel http://spam.biz", "subscribe for free money"]
    ham = ["nice song love it", "great video really great"]
    texts = [(spam if i % 2 else ham)[i % 4 // 2] + f" {i}" for i in range(n)]
    return pd.DataFrame({"post": [f"p{i}" for i in range(n)], "body": texts})


def test_train_then_classify_new_data(work: Path) -> None:
    from weaklabel.textmodel import TextClassifier

    _corpus().to_csv(work / "train.csv", index=False)
    code = main(["label", "--lfs", str(work / "lfs.py"), "--data",
                 str(work / "train.csv"), "--text-column", "body", "--out",
                 str(work / "soft.parquet")])  # fmt: skip
    assert code == 0
    code = main(["train", "--data", str(work / "train.csv"), "--text-column",
                 "body", "--labels", str(work / "soft.parquet"), "--epochs", "3",
                 "--out", str(work / "model")])  # fmt: skip
    assert code == 0
    new = pd.DataFrame(
        {"post": ["n1", "n2"], "body": ["free money http://x", "love it"]}
    )
    new.to_csv(work / "new.csv", index=False)
    code = main(["classify", "--model", str(work / "model"), "--data",
                 str(work / "new.csv"), "--text-column", "body", "--id-column",
                 "post", "--keep-columns", "body", "--out",
                 str(work / "preds.csv")])  # fmt: skip
    assert code == 0
    preds = read_soft_labels(work / "preds.csv")
    expected = TextClassifier.load(work / "model").predict_proba(new["body"])
    np.testing.assert_allclose(
        preds[["proba_ham", "proba_spam"]].to_numpy(), expected, rtol=1e-6
    )
    assert preds.index.tolist() == ["n1", "n2"]
    assert preds["body"].tolist() == new["body"].tolist()


def test_train_checks_out_before_training(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _corpus().to_csv(work / "train.csv", index=False)
    (work / "a_file").write_text("x")
    for out in (work / "a_file", work / "a_file" / "model"):
        # no soft-label file exists: the --out check must come first
        code = main(["train", "--data", str(work / "train.csv"), "--labels",
                     str(work / "missing.parquet"), "--out", str(out)])  # fmt: skip
        assert code == 1
        err = capsys.readouterr().err
        assert f"--out {str(out)!r}" in err
    assert (work / "a_file").read_text() == "x"


def test_classify_needs_a_model_folder(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["classify", "--model", str(work), "--data", str(work / "data.csv"),
                 "--out", str(work / "p.csv")])  # fmt: skip
    assert code == 1
    assert "not a weaklabel text model folder" in capsys.readouterr().err


# ------------------------------------------------------------------------ crowd

ANSWERS = pd.DataFrame(
    {
        "task": ["t1", "t1", "t1", "t2", "t2", "t3", "t3", "t3", "t4", "t4"],
        "worker": ["w1", "w2", "w3", "w1", "w3", "w1", "w2", "w3", "w2", "w3"],
        "label": ["cat", "cat", "dog", "dog", "dog", "cat", "dog", "dog", "cat", "cat"],
    }
)


def test_fit_and_predict_crowd_answers_in_long_format(work: Path) -> None:
    ANSWERS.to_csv(work / "answers.csv", index=False)
    model = work / "crowd.json"
    code = main(["fit", "--crowd", str(work / "answers.csv"), "--model-type",
                 "dawid-skene", "--out", str(model)])  # fmt: skip
    assert code == 0
    votes = votes_from_long_table(ANSWERS, item="task")
    expected = DawidSkene(random_state=0).fit(votes)
    fitted = load_label_model(model)
    assert list(fitted.classes_) == ["cat", "dog"]
    code = main(["predict", "--model", str(model), "--crowd",
                 str(work / "answers.csv"), "--out", str(work / "soft.csv")])  # fmt: skip
    assert code == 0
    soft = read_soft_labels(work / "soft.csv")
    assert soft.index.name == "task"
    assert soft.index.tolist() == ["t1", "t2", "t3", "t4"]
    np.testing.assert_allclose(
        soft[["proba_cat", "proba_dog"]].to_numpy(), expected.predict_proba(votes)
    )


def test_predict_crowd_aligns_workers_by_name(work: Path) -> None:
    renamed = ANSWERS.rename(columns={"task": "item", "worker": "annotator"})
    renamed.to_csv(work / "answers.csv", index=False)
    cols = ["--task-column", "item", "--worker-column", "annotator"]
    model = work / "crowd.json"
    assert main(["fit", "--crowd", str(work / "answers.csv"), *cols,
                 "--out", str(model)]) == 0  # fmt: skip
    # new answers from workers w3 and w2 only (w1 absent, columns in another order)
    later = renamed[renamed["annotator"] != "w1"].iloc[::-1]
    later.to_csv(work / "later.csv", index=False)
    assert main(["predict", "--model", str(model), "--crowd", str(work / "later.csv"),
                 *cols, "--out", str(work / "soft.csv")]) == 0  # fmt: skip
    fitted = load_label_model(model)
    items = sorted(later["item"].unique())
    full = votes_from_long_table(
        pd.concat([later, renamed[renamed["annotator"] == "w1"].iloc[:0]]),
        item="item",
        worker="annotator",
        classes=["cat", "dog"],
    )
    dense = np.full((len(items), 3), -1)
    dense[:, 1:] = full.to_dense()[:, [0, 1]]  # w2, w3 after the absent w1
    soft = read_soft_labels(work / "soft.csv")
    np.testing.assert_allclose(
        soft[["proba_cat", "proba_dog"]].to_numpy(),
        fitted.predict_proba(
            pd.DataFrame(dense, columns=["w1", "w2", "w3"]).pipe(
                lambda f: f.attrs.update(classes=["cat", "dog"]) or f
            )
        ),
    )


def test_crowd_unknown_worker_and_missing_column(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ANSWERS.to_csv(work / "answers.csv", index=False)
    model = work / "crowd.json"
    assert main(["fit", "--crowd", str(work / "answers.csv"), "--out", str(model)]) == 0
    extra = pd.concat(
        [ANSWERS, pd.DataFrame({"task": ["t1"], "worker": ["w9"], "label": ["cat"]})]
    )
    extra.to_csv(work / "extra.csv", index=False)
    assert main(["predict", "--model", str(model), "--crowd", str(work / "extra.csv"),
                 "--out", str(work / "s.csv")]) == 1  # fmt: skip
    assert "workers the model was not fitted on: ['w9']" in capsys.readouterr().err
    code = main(["fit", "--crowd", str(work / "answers.csv"), "--task-column", "item",
                 "--out", str(work / "m2.json")])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "--crowd" in err
    assert "'item'" in err
    assert main(["fit", "--crowd", str(work / "answers.csv"), "--votes", "v.csv",
                 "--out", str(model)]) == 2  # fmt: skip


def test_model_file_records_the_installed_version(work: Path) -> None:
    ANSWERS.to_csv(work / "answers.csv", index=False)
    model = work / "crowd.json"
    assert main(["fit", "--crowd", str(work / "answers.csv"), "--out", str(model)]) == 0
    assert json.loads(model.read_text())["weaklabel_version"] == version("weaklabel")


@pytest.mark.parametrize(
    "flags",
    [
        ["--id-column", "cid"],
        ["--keep-columns", "text"],
        ["--gold-column", "label"],
        ["--text-column", "cid"],
        ["--text-na"],
    ],
)
def test_dask_engine_refuses_what_it_cannot_do_yet(
    work: Path, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    pytest.importorskip("dask")
    assert _label(work, "--engine", "dask", *flags, out="soft_dir") == 2
    err = capsys.readouterr().err
    assert f"{flags[0]} cannot be used with --engine dask" in err
    assert not (work / "soft_dir").exists()


def test_train_with_votes_leaves_uncovered_rows_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``train --votes`` trains on the rows some LF voted on, and says how many."""
    import pandas as pd

    from weaklabel.cli import main

    texts = [f"buy cheap pills now {i}" for i in range(20)] + [
        f"lovely song {i}" for i in range(20)
    ]
    data = tmp_path / "d.csv"
    pd.DataFrame({"text": texts}).to_csv(data, index=False)
    votes = pd.DataFrame(
        {"kw": [1] * 10 + [-1] * 10 + [0] * 10 + [-1] * 10}, dtype="int8"
    )
    votes.attrs["classes"] = ["ham", "spam"]
    from weaklabel.io import write_soft_labels, write_votes

    write_votes(tmp_path / "v.parquet", votes)
    proba = (
        [[0.0, 1.0]] * 10 + [[0.5, 0.5]] * 10 + [[1.0, 0.0]] * 10 + [[0.5, 0.5]] * 10
    )
    write_soft_labels(tmp_path / "s.parquet", proba, classes=["ham", "spam"])
    out = tmp_path / "model"
    code = main(
        [
            "train",
            "--data",
            str(data),
            "--labels",
            str(tmp_path / "s.parquet"),
            "--votes",
            str(tmp_path / "v.parquet"),
            "--epochs",
            "3",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "rows with no vote (left out): 20" in capsys.readouterr().out


def test_train_refuses_a_foreign_folder_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A non-empty --out folder weaklabel did not write fails before any training."""
    from weaklabel.cli import main

    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code = main(
        ["train", "--data", "nope.csv", "--labels", "nope.parquet", "--out", str(out)]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "did not write" in err  # refused first: the missing data is not reached
    assert (out / "notes.txt").read_text() == "keep me"
