"""weaklabel.scale._fit: exact pattern packing, the pattern table, fit_dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from weaklabel.label_model import DawidSkene, MajorityVote  # noqa: E402
from weaklabel.label_model._patterns import compress  # noqa: E402
from weaklabel.label_model.online import OnlineLabelModel  # noqa: E402
from weaklabel.scale import (  # noqa: E402
    fit_dask,
    vote_patterns_dask,
)
from weaklabel.scale._fit import _pack, _unpack  # noqa: E402
from weaklabel.synthetic import make_votes  # noqa: E402


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


@pytest.mark.parametrize("make", [MajorityVote, DawidSkene])
def test_fit_dask_equals_pandas_fit(make_votes_frame, make):
    L = make_votes_frame()
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


def test_fit_dask_needs_sample_weight(make_votes_frame):
    class NoWeights:
        cardinality = 2

        def fit(self, L):
            return self

    with pytest.raises(TypeError, match="sample_weight"):
        fit_dask(NoWeights(), dd.from_pandas(make_votes_frame(), npartitions=2))


def test_fit_dask_online_streams_partitions(make_votes_frame):
    L = make_votes_frame(20_000, 8, seed=2)
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
