"""weaklabel.scale on Dask's local schedulers (the LocalCluster tests are in e2e)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from weaklabel.io import read_soft_labels, write_soft_labels  # noqa: E402
from weaklabel.label_model import DawidSkene, MajorityVote  # noqa: E402
from weaklabel.label_model._patterns import compress  # noqa: E402
from weaklabel.label_model.online import OnlineLabelModel  # noqa: E402
from weaklabel.lf import LFRegistry  # noqa: E402
from weaklabel.scale import (  # noqa: E402
    apply_dask,
    fit_dask,
    label_dask,
    predict_dask,
    read_dask,
    read_votes_dask,
    vote_patterns_dask,
    write_soft_labels_dask,
    write_votes_dask,
)
from weaklabel.scale._fit import _pack, _unpack  # noqa: E402
from weaklabel.synthetic import make_votes  # noqa: E402


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _registry() -> LFRegistry:
    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text else None

    @lfs.labeling_function(vectorized=True)
    def short(df):
        return df.text.str.len().lt(12).map({True: "ham", False: None})

    @lfs.labeling_function(resources={"words": frozenset({"check", "subscribe"})})
    def spam_words(row, words):
        return 1 if any(w in row.text.lower() for w in words) else -1

    @lfs.labeling_function()
    def love(row):
        return "ham" if "love" in row.text.lower() else None

    return lfs


@pytest.fixture
def frame() -> pd.DataFrame:
    texts = [
        "check out http://spam.example",
        "love this song",
        "nice",
        "Subscribe to my channel",
        "I love it, http://x.io",
        "meh",
        "great video, really great",
        "CHECK my page",
    ]
    df = pd.DataFrame({"text": texts * 25})
    df.index = pd.Index(np.arange(len(df)) * 3 + 7, name="row")
    return df


# ----------------------------------------------------------------- applying
@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_apply_dask_equals_pandas(frame, npartitions):
    lfs = _registry()
    votes = apply_dask(lfs, dd.from_pandas(frame, npartitions=npartitions))
    assert list(votes.columns) == lfs.names
    assert (votes.dtypes == np.int8).all()
    result = votes.compute()
    pd.testing.assert_frame_equal(result, lfs.apply(frame), check_flags=False)


def test_apply_dask_threads_and_empty_partitions(frame):
    lfs = _registry()
    ddf = dd.from_pandas(frame, npartitions=4)
    ddf = ddf[ddf.text.str.len() > 0]  # keeps all rows
    ddf = ddf.map_partitions(lambda p: p.iloc[:0] if p.index[0] == 7 else p)
    expected = lfs.apply(frame.iloc[len(frame) // 4 :])
    result = apply_dask(lfs, ddf).compute(scheduler="threads")
    pd.testing.assert_frame_equal(result, expected)


def test_apply_dask_errors(frame):
    lfs = _registry()
    with pytest.raises(TypeError, match=r"dask.dataframe.DataFrame.*lfs.apply"):
        apply_dask(lfs, frame)
    with pytest.raises(TypeError, match="LFRegistry"):
        apply_dask(list(lfs), dd.from_pandas(frame, npartitions=2))
    with pytest.raises(ValueError, match="registry is empty"):
        apply_dask(LFRegistry(classes=["a", "b"]), dd.from_pandas(frame, npartitions=2))
    with pytest.raises(ValueError, match="'on_error'"):
        apply_dask(lfs, dd.from_pandas(frame, npartitions=2), on_error="skip")


def test_apply_dask_lf_error_names_the_lf(frame):
    from weaklabel.exceptions import LabelingFunctionError

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def fragile(row):
        if row.text == "meh":
            raise KeyError("boom")
        return None

    with pytest.raises(LabelingFunctionError, match="fragile"):
        apply_dask(lfs, dd.from_pandas(frame, npartitions=3)).compute()


def test_apply_dask_on_error_abstain_warns_per_partition(frame):
    from weaklabel.exceptions import WeakLabelWarning

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def fragile(row):
        if row.text == "meh":
            raise KeyError("boom")
        return "ham"

    with pytest.warns(WeakLabelWarning, match="fragile") as record:
        votes = apply_dask(
            lfs, dd.from_pandas(frame, npartitions=3), on_error="abstain"
        ).compute()
    assert len(record) == 3  # one warning per partition
    with pytest.warns(WeakLabelWarning, match="fragile"):
        expected = lfs.apply(frame, on_error="abstain")
    pd.testing.assert_frame_equal(votes, expected, check_flags=False)
    assert (votes.fragile == -1).sum() == 25


# ------------------------------------------------------------ vote folders
def test_write_votes_dask_folder(tmp_path, frame):
    lfs = _registry()
    ddf = dd.from_pandas(frame, npartitions=3)
    out = write_votes_dask(
        apply_dask(lfs, ddf), tmp_path / "votes", classes=lfs.classes
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == ["_weaklabel.json"] + [f"part.{i:05d}.parquet" for i in range(3)]
    marker = json.loads((out / "_weaklabel.json").read_text())
    assert marker["files"] == names[1:]
    assert marker["kind"] == "votes"
    expected = lfs.apply(frame)
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected, check_flags=False)
    back = read_votes_dask(out).compute()
    pd.testing.assert_frame_equal(back, expected, check_flags=False)
    assert [p.name for p in tmp_path.iterdir()] == ["votes"]  # no temporary left


def test_write_votes_dask_replaces_its_own_output_whole(tmp_path, frame):
    lfs = _registry()
    folder = tmp_path / "votes"
    write_votes_dask(apply_dask(lfs, dd.from_pandas(frame, npartitions=5)), folder)
    # a temporary folder of an earlier version's killed run is swept too
    stale = tmp_path / ".votes.0123456789abcdef.tmp"
    stale.write_bytes(b"partial")
    write_votes_dask(apply_dask(lfs, dd.from_pandas(frame, npartitions=2)), folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "_weaklabel.json",
        "part.00000.parquet",
        "part.00001.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["votes"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder, columns=lfs.names), lfs.apply(frame), check_flags=False
    )


def test_write_votes_dask_never_deletes_files_it_did_not_write(tmp_path, frame):
    lfs = _registry()
    votes = apply_dask(lfs, dd.from_pandas(frame, npartitions=2))
    # a Parquet dataset of someone else's (e.g. the input data)
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        frame.iloc[i::3].to_parquet(data / f"part.{i}.parquet")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    with pytest.raises(FileExistsError, match=r"did not write.*--overwrite"):
        write_votes_dask(votes, data)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    # a file added to an earlier output of ours is not deleted either
    ours = write_votes_dask(votes, tmp_path / "ours")
    (ours / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"notes\.txt"):
        write_votes_dask(votes, ours)
    assert (ours / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "ours"]
    # overwrite=True replaces the folder and everything in it
    write_votes_dask(votes, data, overwrite=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(data), lfs.apply(frame), check_flags=False
    )


def test_write_votes_dask_failure_keeps_the_old_folder(tmp_path, frame):
    lfs = _registry()
    folder = write_votes_dask(
        apply_dask(lfs, dd.from_pandas(frame, npartitions=3)), tmp_path / "votes"
    )
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def fails_late(part):
        if part.index[0] > 300:  # the last partition, after the others are written
            raise RuntimeError("boom")
        return part

    votes = apply_dask(lfs, dd.from_pandas(frame, npartitions=3))
    broken = votes.map_partitions(fails_late, meta=votes._meta)
    with pytest.raises(RuntimeError, match="boom"):
        write_votes_dask(broken, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["votes"]


def test_write_votes_dask_refuses_a_file(tmp_path, frame):
    target = tmp_path / "votes.parquet"
    target.write_bytes(b"x")
    votes = apply_dask(_registry(), dd.from_pandas(frame, npartitions=2))
    with pytest.raises(NotADirectoryError, match="is a file"):
        write_votes_dask(votes, target)
    assert target.read_bytes() == b"x"


# ----------------------------------------------------------------- fitting
@pytest.mark.parametrize(("k", "m"), [(2, 5), (2, 40), (3, 20), (7, 3), (120, 4)])
def test_pack_round_trip(k, m):
    rng = np.random.default_rng(k * m)
    L = rng.integers(-1, k, size=(200, m)).astype(np.int8 if k < 127 else np.int16)
    keys = _pack(L, k)
    assert keys.dtype == np.uint64
    np.testing.assert_array_equal(_unpack(keys, m, k), L)
    # distinct rows <-> distinct keys
    assert len({tuple(r) for r in keys}) == len({tuple(r) for r in L})


@pytest.mark.parametrize("m", [6, 40])
def test_vote_patterns_match_compress(m):
    data = make_votes(3000, m, 2, random_state=1)
    L = pd.DataFrame(data.L, columns=[f"lf{j}" for j in range(m)])
    patterns, counts = vote_patterns_dask(
        dd.from_pandas(L, npartitions=6), cardinality=2
    )
    P = compress(data.L)
    assert counts.sum() == 3000
    assert len(patterns) == P.n_patterns
    got = {tuple(r): c for r, c in zip(patterns.to_numpy(), counts, strict=True)}
    want = {tuple(r): c for r, c in zip(P.votes, P.counts, strict=True)}
    assert got == want
    assert list(patterns.columns) == list(L.columns)


def test_vote_patterns_reject_out_of_range():
    L = pd.DataFrame({"a": np.array([0, 2, -1], dtype=np.int8)})
    with pytest.raises(ValueError, match="contains 2"):
        vote_patterns_dask(dd.from_pandas(L, npartitions=1), cardinality=2)


def _votes(n=4000, m=8, seed=0):
    data = make_votes(n, m, 2, random_state=seed)
    L = pd.DataFrame(data.L, columns=[f"lf{j}" for j in range(m)])
    L.index = L.index + 100
    return L


@pytest.mark.parametrize("make", [MajorityVote, DawidSkene])
def test_fit_dask_equals_pandas_fit(make):
    L = _votes()
    L.attrs["classes"] = ["neg", "pos"]
    model = fit_dask(
        make(random_state=0), dd.from_pandas(L, npartitions=5), classes=["neg", "pos"]
    )
    reference = make(random_state=0).fit(L)
    np.testing.assert_allclose(model.class_prior_, reference.class_prior_, atol=1e-8)
    np.testing.assert_allclose(
        model.predict_proba(L), reference.predict_proba(L), atol=1e-8
    )
    assert model.classes_ == ["neg", "pos"]
    assert model.lf_names_in_ == list(L.columns)


def test_fit_dask_needs_sample_weight():
    class NoWeights:
        cardinality = 2

        def fit(self, L):
            return self

    with pytest.raises(TypeError, match="sample_weight"):
        fit_dask(NoWeights(), dd.from_pandas(_votes(), npartitions=2))


def test_fit_dask_online_streams_partitions():
    L = _votes(20_000, 8, seed=2)
    ddf = dd.from_pandas(L, npartitions=10)
    model = fit_dask(OnlineLabelModel(batch_size=500, random_state=0), ddf)
    # 10 epochs x 20_000 rows / 500 rows per update
    assert model.n_batches_seen_ == 400
    assert model.n_samples_seen_ == 10 * 20_000
    reference = OnlineLabelModel(batch_size=500, random_state=0).fit(L)
    np.testing.assert_allclose(model.vote_proba_, reference.vote_proba_, atol=0.02)
    # refitting starts over
    again = fit_dask(model, ddf)
    assert again.n_batches_seen_ == 400


# -------------------------------------------------------------- predicting
def test_predict_and_soft_label_folder_match_pandas(tmp_path):
    L = _votes()
    model = DawidSkene(random_state=0).fit(L)
    ddf = dd.from_pandas(L, npartitions=4)
    proba = predict_dask(model, ddf, classes=["neg", "pos"])
    assert list(proba.columns) == ["proba_neg", "proba_pos"]
    np.testing.assert_array_equal(proba.compute().to_numpy(), model.predict_proba(L))

    folder = write_soft_labels_dask(proba, tmp_path / "soft", classes=["neg", "pos"])
    single = write_soft_labels(
        tmp_path / "soft.parquet",
        model.predict_proba(L),
        classes=["neg", "pos"],
        index=L.index,
    )
    pd.testing.assert_frame_equal(pd.read_parquet(folder), pd.read_parquet(single))
    pd.testing.assert_frame_equal(
        read_soft_labels(folder / "part.00002.parquet"),
        read_soft_labels(single).iloc[2000:3000],
    )


# ------------------------------------------------------------- reading files
def test_read_dask_numbers_rows_like_pandas(tmp_path, frame):
    plain = frame.reset_index(drop=True)
    plain.iloc[:150].to_csv(tmp_path / "a.csv", index=False)
    plain.iloc[150:].to_csv(tmp_path / "b.csv", index=False)
    ddf = read_dask(str(tmp_path / "*.csv"))
    assert ddf.npartitions == 2
    assert ddf.divisions == (0, 150, 199)
    pd.testing.assert_frame_equal(ddf.compute(), plain)


def test_read_dask_parquet_row_groups_and_index(tmp_path, frame):
    plain = frame.reset_index(drop=True)
    plain.to_parquet(tmp_path / "plain.parquet", row_group_size=30)
    ddf = read_dask(tmp_path / "plain.parquet", partition_rows=60)
    assert ddf.npartitions == 4  # 7 row groups of 30, two by two
    pd.testing.assert_frame_equal(
        ddf.compute(), pd.read_parquet(tmp_path / "plain.parquet")
    )

    keyed = frame.copy()
    keyed.index = pd.Index([f"id{i}" for i in range(len(frame))], name="key")
    folder = tmp_path / "keyed"
    folder.mkdir()
    keyed.iloc[:100].to_parquet(folder / "0.parquet")
    keyed.iloc[100:].to_parquet(folder / "1.parquet")
    pd.testing.assert_frame_equal(read_dask(folder).compute(), keyed)


def test_read_dask_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No data files"):
        read_dask(str(tmp_path / "*.parquet"))
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="suffix"):
        read_dask(tmp_path / "a.txt")


# ------------------------------------------------------------------ label_dask
def test_label_dask_equals_pandas_engine(tmp_path, frame):
    lfs = _registry()
    plain = frame.reset_index(drop=True)
    for i, start in enumerate(range(0, len(plain), 70)):
        plain.iloc[start : start + 70].to_parquet(tmp_path / f"data{i}.parquet")
    out = label_dask(
        lfs,
        str(tmp_path / "data*.parquet"),
        tmp_path / "soft",
        model=DawidSkene(random_state=0),
        scheduler="synchronous",
        progress=False,
    )
    assert out == tmp_path / "soft"
    assert sorted(p.name for p in out.iterdir())[:2] == [
        "_weaklabel.json",
        "part.00000.parquet",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    L = lfs.apply(plain)
    model = DawidSkene(random_state=0).fit(L)
    single = write_soft_labels(
        tmp_path / "single.parquet",
        model.predict_proba(L),
        classes=lfs.classes,
        index=plain.index,
    )
    got, want = pd.read_parquet(out), pd.read_parquet(single)
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(got, want, atol=1e-8)


def test_label_dask_rejects_a_file_and_bad_scheduler(tmp_path, frame):
    frame.to_parquet(tmp_path / "d.parquet")
    (tmp_path / "soft.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="is a file"):
        label_dask(_registry(), tmp_path / "d.parquet", tmp_path / "soft.parquet")
    with pytest.raises(TypeError, match="scheduler must be"):
        label_dask(
            _registry(),
            tmp_path / "d.parquet",
            tmp_path / "soft",
            model=MajorityVote(),
            scheduler=3,
        )
