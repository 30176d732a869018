"""Every output is atomic, through the public writers and the command line.

Each write here fails *after* bytes were written: the process's file size
limit (``RLIMIT_FSIZE``, the ``file_size_limit`` fixture) makes the write
fail part-way with a real ``OSError``, as a full disk does.  A writer that
wrote straight to the target would leave a truncated file and fail these
tests; an atomic one leaves the old file byte for byte and no temporary.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklabel.cli import main
from weaklabel.io import write_soft_labels, write_votes
from weaklabel.label_model import DawidSkene, LabelModel, load_label_model
from weaklabel.synthetic import make_votes

pytestmark = pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")

LIMIT = 4096  # bytes; every new file below is larger


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones included) with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _votes(n: int = 2000, m: int = 6, seed: int = 0) -> np.ndarray:
    return np.asarray(make_votes(n, m, 2, random_state=seed).L)


def _proba(n: int, seed: int) -> np.ndarray:
    p = np.random.default_rng(seed).uniform(0.01, 0.99, n)
    return np.column_stack([p, 1 - p])


def _write(kind: str, path: Path, seed: int) -> None:
    if kind == "soft":
        write_soft_labels(path, _proba(2000, seed), classes=["ham", "spam"])
    elif kind == "votes":
        write_votes(path, _votes(seed=seed), classes=["ham", "spam"])
    else:  # a model file
        L = _votes(m=40, seed=seed)
        LabelModel(cardinality=2, random_state=seed).fit(L).save(path)


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("soft", "soft.csv"),
        ("soft", "soft.parquet"),
        ("votes", "votes.csv"),
        ("votes", "votes.parquet"),
        ("model", "model.json"),
        ("model", "model.npz"),
    ],
)
def test_a_write_failing_part_way_keeps_the_old_file(
    tmp_path, file_size_limit, kind, name
):
    path = tmp_path / name
    _write(kind, path, seed=0)
    before = snapshot(tmp_path)
    assert len(before[name]) > LIMIT  # so the new write does fail part-way
    with file_size_limit(LIMIT), pytest.raises(OSError, match="too large") as info:
        _write(kind, path, seed=1)
    assert snapshot(tmp_path) == before  # old file intact, no temporary left
    assert "weaklabel-tmp" not in str(info.value)
    if kind == "model":
        load_label_model(path)  # and it still loads
    _write(kind, path, seed=1)  # without the limit the new file goes in
    assert snapshot(tmp_path)[name] != before[name]
    # a CSV vote file keeps its class names in the sidecar <name>.json
    sidecar = [name + ".json"] if name == "votes.csv" else []
    assert list(snapshot(tmp_path)) == [name, *sidecar]


# ------------------------------------------------------------------------ CLI
LF_MODULE = textwrap.dedent(
    """
    from weaklabel import ABSTAIN, LFRegistry

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text else ABSTAIN

    @lfs.labeling_function(vectorized=True)
    def short(df):
        return df.text.str.len().lt(12).map({True: "ham", False: ABSTAIN})

    @lfs.labeling_function()
    def love(row):
        return "ham" if "love" in row.text.lower() else ABSTAIN
    """
)

TEXTS = ["check http://x.co", "nice", "love it", "http://spam.biz", "great, love"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "lfs.py").write_text(LF_MODULE)
    df = pd.DataFrame({"text": TEXTS * 200})
    df.to_csv(tmp_path / "data.csv", index=False)
    data = tmp_path / "dataset"  # a Parquet dataset folder, not weaklabel's
    data.mkdir()
    for i in range(4):
        df.iloc[i::4].to_parquet(data / f"part.{i}.parquet")
    return tmp_path


def _cli(workdir: Path, *argv: str) -> int:
    return main([argv[0], "--lfs", str(workdir / "lfs.py"), *argv[1:]])


@pytest.mark.parametrize(
    "argv",
    [
        ("label", "--data", "data.csv", "--out", "soft.csv"),
        ("label", "--data", "data.csv", "--out", "soft.parquet"),
        ("apply", "--data", "data.csv", "--out", "votes.csv"),
        ("apply", "--data", "data.csv", "--out", "votes.parquet"),
    ],
)
def test_cli_write_failing_part_way_keeps_the_old_file(
    workdir, file_size_limit, capsys, argv
):
    argv = tuple(
        str(workdir / a) if a.endswith((".csv", ".parquet")) else a for a in argv
    )
    assert _cli(workdir, *argv) == 0
    before = snapshot(workdir)
    capsys.readouterr()
    size = len(before[Path(argv[-1]).name])
    with file_size_limit(size // 2):  # the new file is as large: it fails half-way
        code = _cli(workdir, *argv)
    err = capsys.readouterr().err
    assert code == 1
    assert snapshot(workdir) == before
    out = argv[-1]
    assert repr(out) in err  # the error names the target ...
    assert "weaklabel-tmp" not in err  # ... not the hidden temporary file


def test_cli_fit_failing_part_way_keeps_the_old_model(workdir, file_size_limit):
    votes = workdir / "votes.parquet"
    write_votes(votes, _votes(m=40), classes=["ham", "spam"])
    model = str(workdir / "model.npz")
    assert main(["fit", "--votes", str(votes), "--out", model, "--seed", "0"]) == 0
    before = snapshot(workdir)
    with file_size_limit(LIMIT):
        assert main(["fit", "--votes", str(votes), "--out", model, "--seed", "1"]) == 1
    assert snapshot(workdir) == before


# ------------------------------------------------------------- output folders
pytest.importorskip("dask")


def _label_dask(workdir: Path, out: Path, *extra: str) -> int:
    return _cli(
        workdir,
        "label",
        "--data",
        str(workdir / "dataset"),
        "--out",
        str(out),
        "--engine",
        "dask",
        "--scheduler",
        "synchronous",
        "--model",
        "majority",
        *extra,
    )


def test_cli_dask_never_overwrites_the_input_dataset(workdir, capsys):
    """Issue 11 item 1: --out pointed at the input folder replaced the input."""
    data = workdir / "dataset"
    before = snapshot(data)
    assert _label_dask(workdir, data) == 1
    err = capsys.readouterr().err
    assert "did not write" in err
    assert "--overwrite" in err
    assert snapshot(data) == before
    assert sorted(p.name for p in workdir.iterdir()) == [
        "data.csv",
        "dataset",
        "lfs.py",
    ]
    # the user asks for it: the folder is replaced, after the input was read
    assert _label_dask(workdir, data, "--overwrite") == 0
    soft = pd.read_parquet(data)
    assert len(soft) == len(TEXTS) * 200
    assert list(soft.columns[:2]) == ["proba_ham", "proba_spam"]


def test_cli_dask_failing_part_way_keeps_the_old_folder(workdir, file_size_limit):
    out = workdir / "soft"
    assert _label_dask(workdir, out) == 0
    before = snapshot(workdir)
    with file_size_limit(1024):
        assert _label_dask(workdir, out) == 1
    assert snapshot(workdir) == before  # old folder whole, no temporary folder
    assert _label_dask(workdir, out) == 0


def test_dask_folder_of_another_run_is_replaced_whole(workdir):
    """Issue 11 item 2: a rerun with fewer partitions leaves no old partition."""
    from weaklabel.cli import load_registry
    from weaklabel.scale import label_dask

    lfs = load_registry(str(workdir / "lfs.py"), None)
    out = workdir / "soft"
    data = workdir / "dataset"
    label_dask(lfs, data, out, scheduler="synchronous", progress=False)
    assert len(list(out.glob("part.*.parquet"))) == 4
    label_dask(
        lfs,
        [data / "part.0.parquet"],
        out,
        model=DawidSkene(random_state=0),
        scheduler="synchronous",
        progress=False,
    )
    assert len(list(out.glob("part.*.parquet"))) == 1
    assert len(pd.read_parquet(out)) == len(TEXTS) * 50
