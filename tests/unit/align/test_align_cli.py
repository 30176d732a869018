import json
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

from weaklabel.align.persist import load_aligner
from weaklabel.cli import main
from weaklabel.exceptions import WeakLabelError


def _write(tmp_path, n=120, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 5))
    left = pd.DataFrame(
        z @ rng.normal(size=(5, 8)), columns=[f"f{i}" for i in range(8)]
    )
    left.insert(0, "id", [f"img{i}" for i in range(n)])
    left["colour"] = np.where(z[:, 0] > 0, "red", "blue")
    right = pd.DataFrame(
        z @ rng.normal(size=(5, 6)), columns=[f"g{i}" for i in range(6)]
    )
    right.insert(0, "id", np.arange(n) + 100)
    right["caption"] = np.where(z[:, 0] > 0, "a red thing", "a blue thing")
    pairs = pd.DataFrame({"left_id": left.id, "right_id": right.id})
    left.to_csv(tmp_path / "left.csv", index=False)
    right.to_parquet(tmp_path / "right.parquet", index=False)
    pairs.iloc[:90].to_csv(tmp_path / "train.csv", index=False)
    pairs.iloc[90:].to_csv(tmp_path / "test.csv", index=False)
    (tmp_path / "lfs.py").write_text(
        textwrap.dedent(
            """
            from weaklabel import ABSTAIN
            from weaklabel.align import pair_registry

            lfs = pair_registry()

            @lfs.labeling_function()
            def same_colour(row):
                if row.left_colour in row.right_caption:
                    return "match"
                return "mismatch"
            """
        )
    )
    return tmp_path


def _fit(d, out, *extra):
    return main(
        [
            "align", "fit", "--left", str(d / "left.csv"), "--right",
            str(d / "right.parquet"), "--pairs", str(d / "train.csv"), "--out",
            str(d / out), "--epochs", "6", "--dim", "8", "--batch-size", "32", *extra,
        ]
    )  # fmt: skip


def test_fit_eval_embed_round_trip(tmp_path, capsys):
    d = _write(tmp_path)
    assert _fit(d, "m1", "--pair-lfs", str(d / "lfs.py"), "--weighting", "lf+gmm") == 0
    assert "weighting lf+gmm" in capsys.readouterr().out
    assert _fit(d, "m2", "--pair-lfs", str(d / "lfs.py"), "--weighting", "lf+gmm") == 0
    # same seed, same model (the config differs only in the measured speed)
    assert (d / "m1" / "weights.npz").read_bytes() == (
        d / "m2" / "weights.npz"
    ).read_bytes()
    c1, c2 = (json.loads((d / m / "config.json").read_text()) for m in ("m1", "m2"))
    for c in (c1, c2):
        for h in c["fitted"]["history_"]:
            h.pop("pairs_per_s")
    assert c1 == c2
    rc = main(
        [
            "align", "eval", "--model", str(d / "m1"), "--left", str(d / "left.csv"),
            "--right", str(d / "right.parquet"), "--pairs", str(d / "test.csv"),
            "--metrics", str(d / "METRICS.json"),
        ]
    )  # fmt: skip
    assert rc == 0
    m = json.loads((d / "METRICS.json").read_text())
    for side in ("left_to_right", "right_to_left"):
        assert {"r1", "r5", "r10"} <= set(m[side])
    assert m["rsum"] == pytest.approx(
        sum(
            m[s][f"r{k}"]
            for s in ("left_to_right", "right_to_left")
            for k in (1, 5, 10)
        )
    )
    assert m["rsum"] > 200  # 30 test items: chance is about 6 * 100 * 5.3 / 30 ~ 107
    rc = main(
        [
            "align", "embed", "--model", str(d / "m1"), "--side", "right",
            "--data", str(d / "right.parquet"), "--out", str(d / "emb.parquet"),
        ]
    )  # fmt: skip
    assert rc == 0
    emb = pd.read_parquet(d / "emb.parquet")
    assert list(emb.columns[:2]) == ["id", "emb_0"]
    assert emb.shape == (120, 9)
    model = load_aligner(d / "m1")
    right = pd.read_parquet(d / "right.parquet")
    expected = model.transform(
        right[[f"g{i}" for i in range(6)]].to_numpy(), side="right"
    )
    assert np.allclose(emb.iloc[:, 1:].to_numpy(), expected)


def test_errors_are_one_line(tmp_path, capsys):
    d = _write(tmp_path)
    assert _fit(d, "m", "--weighting", "lf") == 1
    assert "--pair-lfs" in capsys.readouterr().err
    pd.DataFrame({"left_id": ["nope"], "right_id": [100]}).to_csv(
        d / "bad.csv", index=False
    )
    rc = main(
        [
            "align", "fit", "--left", str(d / "left.csv"), "--right", str(d / "right.parquet"),
            "--pairs", str(d / "bad.csv"), "--out", str(d / "m"),
        ]
    )  # fmt: skip
    assert rc == 1
    assert "nope" in capsys.readouterr().err


def test_load_validates(tmp_path):
    d = _write(tmp_path)
    assert _fit(d, "m") == 0
    cfg = json.loads((d / "m" / "config.json").read_text())
    w = dict(np.load(d / "m" / "weights.npz"))
    key = next(iter(w))
    w[key] = w[key] + 1
    np.savez(d / "m" / "weights.npz", **w)
    with pytest.raises(WeakLabelError, match="checksum"):
        load_aligner(d / "m")
    cfg["format"] = "other/9"
    (d / "m" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(WeakLabelError, match="format"):
        load_aligner(d / "m")
    with pytest.raises(WeakLabelError, match=r"config\.json"):
        load_aligner(d / "missing")


def test_help_lists_commands(capsys):
    try:
        rc = main(["align", "--help"])
    except SystemExit as exc:
        rc = exc.code
    assert rc == 0
    out = capsys.readouterr().out
    assert "fit" in out
    assert "embed" in out


def test_auto_selection_survives_save_and_load(tmp_path):
    from weaklabel.align.persist import save_aligner
    from weaklabel.align.train import PairAligner

    rng = np.random.default_rng(0)
    z = rng.normal(size=(150, 4))
    A, B = z @ rng.normal(size=(4, 10)), z @ rng.normal(size=(4, 7))
    P = np.c_[np.arange(150), np.arange(150)]
    model = PairAligner(dim=4, epochs=3, warmup=1, weighting="auto").fit(A, B, P)
    assert set(model.selection_) == {"none", "gmm"}
    again = load_aligner(save_aligner(model, tmp_path / "m"))
    assert again.selection_ == model.selection_
    assert again.weighting_ == model.weighting_
    assert again.get_params() == model.get_params()


@pytest.fixture(scope="module")
def saved_aligner(tmp_path_factory):
    from weaklabel.align.persist import save_aligner
    from weaklabel.align.train import PairAligner

    rng = np.random.default_rng(1)
    z = rng.normal(size=(40, 3))
    A, B = z @ rng.normal(size=(3, 6)), z @ rng.normal(size=(3, 5))
    P = np.c_[np.arange(40), np.arange(40)]
    model = PairAligner(dim=3, epochs=2, warmup=1, weighting="none").fit(A, B, P)
    return save_aligner(model, tmp_path_factory.mktemp("aligner") / "m"), A


def _resign(folder):
    import hashlib

    cfg = json.loads((folder / "config.json").read_text())
    digest = hashlib.sha256((folder / "weights.npz").read_bytes()).hexdigest()
    cfg["weights_sha256"] = digest
    (folder / "config.json").write_text(json.dumps(cfg))


@settings(max_examples=40, deadline=None)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=4
    )
)
def test_fuzzed_weights_file_loads_or_fails_cleanly(saved_aligner, flips):
    """Bytes of weights.npz changed (checksum re-signed): a clean error or a model."""
    import shutil
    import tempfile
    from pathlib import Path

    folder, A = saved_aligner
    raw = bytearray((folder / "weights.npz").read_bytes())
    for pos, xor in flips:
        raw[pos % len(raw)] ^= xor
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "m"
        shutil.copytree(folder, copy)
        (copy / "weights.npz").write_bytes(bytes(raw))
        _resign(copy)
        try:
            model = load_aligner(copy)
        except WeakLabelError as exc:
            assert str(copy) in str(exc)  # noqa: PT017
            return
        assert np.isfinite(model.transform(A[:3], side="left")).all()


def test_integer_weights_are_refused(saved_aligner, tmp_path):
    import shutil

    folder, _ = saved_aligner
    copy = tmp_path / "m"
    shutil.copytree(folder, copy)
    w = dict(np.load(copy / "weights.npz"))
    key = next(iter(w))
    w[key] = w[key].astype(np.int64)
    np.savez(copy / "weights.npz", **w)
    _resign(copy)
    with pytest.raises(WeakLabelError, match=r"int64 .* expected finite floats"):
        load_aligner(copy)
