"""The command line, driven through ``main([...])`` (and one subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklabel.cli import main
from weaklabel.io import read_soft_labels, read_votes

LF_MODULE = textwrap.dedent(
    """
    from weaklabel import ABSTAIN, LFRegistry

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text else ABSTAIN

    @lfs.labeling_function()
    def says_check(row):
        return "spam" if "check" in row.text else ABSTAIN

    @lfs.labeling_function(vectorized=True)
    def short(df):
        return df.text.str.len().lt(12).map({True: "ham", False: ABSTAIN})
    """
)

TEXTS = [
    "check http://x.co now",
    "nice song",
    "love it",
    "check my channel",
    "http://spam.biz",
    "great video, really great",
    'quote " and, comma',
    "ünïcödé ok",
]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "lfs.py").write_text(LF_MODULE)
    df = pd.DataFrame({"text": TEXTS, "label": [1, 0, 0, 1, 1, 0, 0, 0]})
    df.to_csv(tmp_path / "data.csv", index=False)
    return tmp_path


def test_apply_writes_int8_votes(workdir: Path) -> None:
    out = workdir / "votes.parquet"
    code = main(
        [
            "--no-progress",
            "apply",
            "--lfs",
            str(workdir / "lfs.py"),
            "--data",
            str(workdir / "data.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    L = read_votes(out)
    assert L.shape == (len(TEXTS), 3)
    assert list(L.columns) == ["has_link", "says_check", "short"]
    assert (L.dtypes == np.int8).all()
    assert L.loc[0, "has_link"] == 1
    assert L.loc[1, "has_link"] == -1
    assert L.loc[1, "short"] == 0


def _apply_fit_predict(
    workdir: Path, votes: Path, model: Path, soft: Path
) -> pd.DataFrame:
    """``apply`` the test LFs, ``fit`` a model file and ``predict`` soft labels."""
    lfs, data = str(workdir / "lfs.py"), str(workdir / "data.csv")
    assert main(["apply", "--lfs", lfs, "--data", data, "--out", str(votes)]) == 0
    assert main(["fit", "--votes", str(votes), "--out", str(model)]) == 0
    args = ["--model", str(model), "--votes", str(votes), "--out", str(soft)]
    assert main(["predict", *args]) == 0
    return read_soft_labels(soft)


def test_fit_predict_summary_round_trip(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes, model, soft = (workdir / n for n in ("v.parquet", "m.json", "s.csv"))
    data = str(workdir / "data.csv")
    frame = _apply_fit_predict(workdir, votes, model, soft)
    assert json.loads(model.read_text())  # plain JSON, no pickle
    assert len(frame) == len(TEXTS)
    proba_cols = [c for c in frame.columns if c.startswith("proba_")]
    assert any("ham" in c for c in proba_cols)
    assert any("spam" in c for c in proba_cols)
    np.testing.assert_allclose(frame[proba_cols].sum(axis=1), 1.0)
    capsys.readouterr()
    assert main(["summary", "--votes", str(votes), "--gold", data]) == 0
    table = capsys.readouterr().out
    assert "has_link" in table
    assert "Coverage" in table


def test_fit_to_npz_predicts_like_json(workdir: Path) -> None:
    votes = workdir / "v.parquet"
    frames = {
        suffix: _apply_fit_predict(
            workdir, votes, workdir / f"m.{suffix}", workdir / f"s_{suffix}.parquet"
        )
        for suffix in ("json", "npz")
    }
    assert (workdir / "m.npz").read_bytes()[:2] == b"PK"  # a NumPy archive
    pd.testing.assert_frame_equal(frames["json"], frames["npz"])


@pytest.mark.parametrize("model", ["label-model", "dawid-skene", "majority"])
def test_label_all_in_one_keeps_row_order(workdir: Path, model: str) -> None:
    out = workdir / "soft.parquet"
    code = main(
        [
            "label",
            "--lfs",
            str(workdir / "lfs.py"),
            "--data",
            str(workdir / "data.csv"),
            "--out",
            str(out),
            "--model",
            model,
            "--keep-columns",
            "text",
        ]
    )
    assert code == 0
    frame = read_soft_labels(out)
    assert frame["text"].tolist() == TEXTS
    spam = frame[
        next(c for c in frame.columns if "spam" in c and c.startswith("proba"))
    ]
    assert spam.iloc[4] > 0.5  # "http://spam.biz"
    if model != "dawid-skene":  # DS ignores abstains: one-sided LFs on 8 rows
        assert spam.iloc[1] < 0.5  # "nice song"


@pytest.mark.parametrize(
    ("body", "lf_name"),
    [
        ("def bad(row):\n    raise RuntimeError('boom')", "bad"),
        ("def bad(row):\n    return 'eggs'", "bad"),
        ("def bad(row):\n    return 7", "bad"),
    ],
)
@pytest.mark.parametrize("command", ["apply", "label"])
def test_bad_lf_exits_1_names_lf_and_leaves_no_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: str,
    lf_name: str,
    command: str,
) -> None:
    module = (
        "from weaklabel import LFRegistry\n"
        "lfs = LFRegistry(classes=['ham', 'spam'])\n"
        "@lfs.labeling_function()\n" + body + "\n"
    )
    (tmp_path / "bad.py").write_text(module)
    pd.DataFrame({"text": ["a", "b"]}).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "out.parquet"
    code = main(
        [
            command,
            "--lfs",
            str(tmp_path / "bad.py"),
            "--data",
            str(tmp_path / "d.csv"),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert lf_name in err
    assert "Traceback" not in err
    assert not out.exists()
    # no temporary or partial file left behind either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.py", "d.csv"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_traceback(tmp_path: Path, where: str) -> None:
    from weaklabel.exceptions import LabelingFunctionError

    (tmp_path / "bad.py").write_text(
        "from weaklabel import LFRegistry\n"
        "lfs = LFRegistry(classes=['ham', 'spam'])\n"
        "@lfs.labeling_function()\n"
        "def bad(row):\n    raise RuntimeError('boom')\n"
    )
    pd.DataFrame({"text": ["a"]}).to_csv(tmp_path / "d.csv", index=False)
    argv = ["apply", "--lfs", str(tmp_path / "bad.py"), "--data",
            str(tmp_path / "d.csv"), "--out", str(tmp_path / "o.parquet")]  # fmt: skip
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    with pytest.raises(LabelingFunctionError, match="'bad'") as info:
        main(argv)
    assert info.value.lf_name == "bad"
    assert info.value.row == 0
    assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["apply", "--lfs", "x.py"],  # missing --data/--out
        ["fit", "--votes", "v.parquet", "--out", "m.json", "--model", "nope"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    assert main(argv) == 2


def test_data_errors_exit_1(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lfs = str(workdir / "lfs.py")
    assert (
        main(
            [
                "apply",
                "--lfs",
                lfs,
                "--data",
                str(workdir / "missing.csv"),
                "--out",
                str(workdir / "o.parquet"),
            ]
        )
        == 1
    )
    assert "missing.csv" in capsys.readouterr().err
    assert (
        main(
            [
                "apply",
                "--lfs",
                str(workdir / "nope.py"),
                "--data",
                str(workdir / "data.csv"),
                "--out",
                str(workdir / "o.parquet"),
            ]
        )
        == 1
    )
    assert "nope.py" in capsys.readouterr().err
    (workdir / "data.txt").write_text("x")
    assert (
        main(
            [
                "apply",
                "--lfs",
                lfs,
                "--data",
                str(workdir / "data.txt"),
                "--out",
                str(workdir / "o.parquet"),
            ]
        )
        == 1
    )
    assert ".csv" in capsys.readouterr().err


def test_two_registries_need_registry_flag(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "two.py").write_text(
        LF_MODULE + "\nother = LFRegistry(classes=['a', 'b'])\n"
    )
    argv = [
        "apply",
        "--lfs",
        str(workdir / "two.py"),
        "--data",
        str(workdir / "data.csv"),
        "--out",
        str(workdir / "v.parquet"),
    ]
    assert main(argv) == 1
    assert "--registry" in capsys.readouterr().err
    assert main([*argv, "--registry", "lfs"]) == 0


def test_jsonl_and_parquet_inputs(workdir: Path) -> None:
    df = pd.read_csv(workdir / "data.csv")
    df.to_json(workdir / "data.jsonl", orient="records", lines=True)
    df.to_parquet(workdir / "data.parquet")
    outs = []
    for name in ("data.csv", "data.jsonl", "data.parquet"):
        out = workdir / f"v_{name}.parquet"
        assert (
            main(
                [
                    "apply",
                    "--lfs",
                    str(workdir / "lfs.py"),
                    "--data",
                    str(workdir / name),
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        outs.append(read_votes(out).to_numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])


def test_console_script_smoke(workdir: Path) -> None:
    out = workdir / "soft.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "weaklabel.cli",
            "label",
            "--lfs",
            str(workdir / "lfs.py"),
            "--data",
            str(workdir / "data.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(read_soft_labels(out)) == len(TEXTS)


def _apply_votes(workdir: Path) -> Path:
    """Apply the test LFs to data.csv; return the votes file."""
    votes = workdir / "votes.parquet"
    argv = ["apply", "--lfs", str(workdir / "lfs.py"), "--data"]
    assert main([*argv, str(workdir / "data.csv"), "--out", str(votes)]) == 0
    return votes


def test_fit_with_partial_gold_matches_the_python_api(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from weaklabel import LabelModel

    votes = _apply_votes(workdir)
    gold = pd.DataFrame({"label": ["spam", "ham", None, None, "spam", None, "", None]})
    gold.to_csv(workdir / "gold.csv", index=False)
    model_path = workdir / "model.json"
    capsys.readouterr()
    code = main(["fit", "--votes", str(votes), "--out", str(model_path),
                 "--gold", str(workdir / "gold.csv")])  # fmt: skip
    assert code == 0
    assert "(3 with gold)" in capsys.readouterr().out
    L = read_votes(votes)
    expected = LabelModel(cardinality=2, random_state=0).fit(
        L, [1, 0, -1, -1, 1, -1, -1, -1]
    )
    fitted = json.loads(model_path.read_text())
    assert fitted["class"].endswith("LabelModel")
    from weaklabel.label_model import load_label_model

    np.testing.assert_allclose(
        load_label_model(model_path).class_prior_, expected.class_prior_
    )


def test_fit_rejects_a_gold_file_of_another_length(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = _apply_votes(workdir)
    pd.DataFrame({"label": ["spam", "ham"]}).to_csv(workdir / "gold.csv", index=False)
    code = main(["fit", "--votes", str(votes), "--out", str(workdir / "m.json"),
                 "--gold", str(workdir / "gold.csv")])  # fmt: skip
    assert code != 0
    err = capsys.readouterr().err
    assert "has 2 rows but the votes file has 8" in err
    assert not (workdir / "m.json").exists()


# ------------------------------------------------------------ gold label files
# The 8 rows of TEXTS; classes ["ham", "spam"] (ham = 0, spam = 1).
GOLD = [1, -1, -1, 1, 0, -1, -1, 0]


def _fit_gold(votes: Path, gold: Path, *extra: str) -> tuple[int, Path]:
    """``weaklabel fit`` with ``--gold gold``; return the exit code and model path."""
    model = votes.parent / "model.json"
    argv = ["fit", "--votes", str(votes), "--out", str(model), "--gold", str(gold)]
    return main([*argv, *extra]), model


def _assert_matches_api(votes: Path, model: Path, y: list[int]) -> None:
    """The CLI's fitted model equals ``LabelModel(...).fit(L, y)``."""
    from weaklabel import LabelModel
    from weaklabel.label_model import load_label_model

    L = read_votes(votes)
    expected = LabelModel(cardinality=2, random_state=0).fit(L, y)
    fitted = load_label_model(model)
    np.testing.assert_allclose(fitted.class_prior_, expected.class_prior_)
    np.testing.assert_allclose(fitted.predict_proba(L), expected.predict_proba(L))


@pytest.mark.parametrize(
    "text",
    [
        "label\nspam\n\n\nspam\nham\n\n\nham\n",  # trailing newline: no extra row
        "label\nspam\n\n\nspam\nham\n\n\nham",  # no trailing newline
        "label\nspam\n\n\nspam\nham\n\n\nham\n\n\n",  # surplus blank lines at the end
        "label\r\nspam\r\n\r\n\r\nspam\r\nham\r\n\r\n\r\nham\r\n",  # CRLF
        "label\nspam\n  \n\nspam\nham\n\t\n\nham\n",  # whitespace-only cells
    ],
)
def test_fit_gold_blank_lines_of_a_one_column_csv_are_unknown_rows(
    workdir: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / "gold.csv"
    gold.write_bytes(text.encode())
    code, model = _fit_gold(votes, gold)
    assert code == 0, capsys.readouterr().err
    assert "(4 with gold)" in capsys.readouterr().out
    _assert_matches_api(votes, model, GOLD)


def test_fit_gold_trailing_blank_lines_are_unknown_rows_when_needed(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / "gold.csv"
    gold.write_text("label\nspam\nham\n\nspam\n\n\n\n\n")  # rows 5-8 unknown
    code, model = _fit_gold(votes, gold)
    assert code == 0, capsys.readouterr().err
    _assert_matches_api(votes, model, [1, 0, -1, 1, -1, -1, -1, -1])


def test_fit_gold_csv_with_blank_lines_of_another_length_is_rejected(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / "gold.csv"
    gold.write_text("label\nspam\n\nham\n")
    code, model = _fit_gold(votes, gold)
    assert code == 1
    err = capsys.readouterr().err
    assert "has 3 rows but the votes file has 8" in err
    assert not model.exists()


def test_fit_gold_empty_cell_of_a_several_column_csv_is_unknown(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / "gold.csv"
    rows = ["spam", "", "", "spam", "ham", "", "", "ham"]
    body = "".join(f"{i},{lab},x\n" for i, lab in enumerate(rows))
    gold.write_text("id,label,note\n" + body)
    code, model = _fit_gold(votes, gold)
    assert code == 0, capsys.readouterr().err
    _assert_matches_api(votes, model, GOLD)


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_fit_gold_empty_string_none_and_blank_mean_unknown(
    workdir: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / f"gold{suffix}"
    labels = ["spam", "", None, "spam", "ham", "  ", "", "ham"]
    frame = pd.DataFrame({"label": labels})
    if suffix == ".parquet":
        frame.to_parquet(gold)
    else:
        frame.to_json(gold, orient="records", lines=True)
    code, model = _fit_gold(votes, gold)
    assert code == 0, capsys.readouterr().err
    _assert_matches_api(votes, model, GOLD)


def test_fit_gold_class_names_mix_with_indices_and_minus_one(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / "gold.csv"
    gold.write_text("label\nspam\n-1\nNA\n1\nham\n-1\n\n0\n")
    code, model = _fit_gold(votes, gold)
    assert code == 0, capsys.readouterr().err
    _assert_matches_api(votes, model, GOLD)
    # -1 as an integer (JSON Lines) next to class names
    jsonl = workdir / "gold.jsonl"
    labels: list[object] = ["spam", -1, None, "spam", "ham", -1, -1, "ham"]
    pd.DataFrame({"label": labels}).to_json(jsonl, orient="records", lines=True)
    code, model = _fit_gold(votes, jsonl)
    assert code == 0, capsys.readouterr().err
    _assert_matches_api(votes, model, GOLD)


def test_fit_gold_class_names_win_over_missing_value_spellings(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = workdir / "votes.parquet"
    from weaklabel.io import write_votes

    renamed = read_votes(_apply_votes(workdir))
    renamed.attrs["classes"] = ["NA", "None"]
    write_votes(votes, renamed)
    gold = workdir / "gold.csv"
    gold.write_text("label\nNone\n\n\nNone\nNA\n\n-1\nNA\n")
    code, model = _fit_gold(votes, gold)
    assert code == 0, capsys.readouterr().err
    _assert_matches_api(votes, model, GOLD)


@pytest.mark.parametrize("bad", ["hamm", "2", "-2", "0.5"])
def test_fit_gold_rejection_names_the_value_the_forms_and_the_fix(
    workdir: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / "gold.csv"
    gold.write_text(f"label\nspam\n\n{bad}\nspam\nham\n\n\nham\n")
    code, model = _fit_gold(votes, gold)
    assert code == 1
    err = capsys.readouterr().err
    assert f"Gold label {bad!r}" in err
    assert "data row 3" in err
    assert "['ham', 'spam']" in err  # class names
    assert "0..1" in err  # indices
    assert "empty cell or -1" in err  # unknown
    assert "fix those cells" in err
    assert not model.exists()


def test_fit_gold_names_with_csv_votes_says_how_to_fix(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = workdir / "votes.csv"
    read_votes(_apply_votes(workdir)).to_csv(votes)  # CSV keeps no class names
    gold = workdir / "gold.csv"
    gold.write_text("label\nspam\n\n\nspam\nham\n\n\nham\n")
    code, model = _fit_gold(votes, gold, "--cardinality", "2")
    assert code == 1
    err = capsys.readouterr().err
    assert "Gold label 'spam'" in err
    assert "indices 0..1" in err
    assert "Parquet" in err
    assert not model.exists()
    gold.write_text("label\n1\n\n\n1\n0\n\n-1\n0\n")  # indices work
    code, model = _fit_gold(votes, gold, "--cardinality", "2")
    assert code == 0, capsys.readouterr().err
    _assert_matches_api(votes, model, GOLD)


@pytest.mark.parametrize("command", ["fit", "summary"])
def test_gold_column_without_gold_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    votes = _apply_votes(workdir)
    model = workdir / "model.json"
    argv = [command, "--votes", str(votes), "--gold-column", "label"]
    if command == "fit":
        argv += ["--out", str(model)]
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "--gold-column needs --gold" in captured.err
    assert captured.out == ""
    assert not model.exists()


def test_summary_reads_gold_with_blank_lines(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = _apply_votes(workdir)
    gold = workdir / "gold.csv"
    gold.write_text("y\nspam\n\n\nspam\nham\n\n\nham\n")
    capsys.readouterr()
    code = main(["summary", "--votes", str(votes), "--gold", str(gold),
                 "--gold-column", "y"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "Emp. Acc." in capsys.readouterr().out
