"""Defaults are deterministic (issue 11 item 10): every random choice flows
from ``random_state``, and ``random_state=None`` is a fixed seed."""

from __future__ import annotations

import numpy as np
import pytest

from weaklabel.cli import main
from weaklabel.label_model import (
    DawidSkene,
    LabelModel,
    MajorityVote,
    OnlineLabelModel,
)
from weaklabel.synthetic import make_votes

MODELS = [MajorityVote, DawidSkene, LabelModel, OnlineLabelModel]


@pytest.fixture(scope="module")
def tied():
    # Two LFs that disagree on many rows: majority vote ties on those.
    rng = np.random.default_rng(0)
    return rng.integers(-1, 2, size=(2000, 2))


def test_majority_vote_predict_is_deterministic_by_default(tied):
    first = MajorityVote().fit(tied).predict(tied)
    second = MajorityVote().fit(tied).predict(tied)
    assert (first != second).sum() == 0
    model = MajorityVote().fit(tied)
    np.testing.assert_array_equal(model.predict(tied), model.predict(tied))
    # random tie breaking still breaks ties at random across the tied rows
    both = (tied[:, 0] >= 0) & (tied[:, 1] >= 0) & (tied[:, 0] != tied[:, 1])
    assert len(set(first[both].tolist())) == 2


@pytest.mark.parametrize("Model", MODELS, ids=lambda m: m.__name__)
def test_every_model_is_deterministic_at_its_defaults(Model):
    data = make_votes(300, 5, 2, random_state=1)
    a = Model().fit(data.L)
    b = Model().fit(data.L)
    np.testing.assert_array_equal(a.predict_proba(data.L), b.predict_proba(data.L))
    np.testing.assert_array_equal(a.predict(data.L), b.predict(data.L))


def test_dawid_skene_random_init_is_deterministic_by_default():
    data = make_votes(300, 5, 2, random_state=1)
    a = DawidSkene(init="random").fit(data.L).predict_proba(data.L)
    b = DawidSkene(init="random").fit(data.L).predict_proba(data.L)
    np.testing.assert_array_equal(a, b)


def test_a_generator_still_gives_fresh_draws(tied):
    model = MajorityVote(random_state=np.random.default_rng(5)).fit(tied)
    assert (model.predict(tied) != model.predict(tied)).any()


def test_cli_fit_predict_is_deterministic(tmp_path, tied):
    from weaklabel.io import read_soft_labels, write_votes

    votes = tmp_path / "v.parquet"
    write_votes(votes, tied, classes=["a", "b"])
    outs = []
    for i in range(2):
        model = tmp_path / f"m{i}.json"
        out = tmp_path / f"s{i}.csv"
        assert (
            main(
                [
                    "fit",
                    "--model",
                    "majority",
                    "--votes",
                    str(votes),
                    "--out",
                    str(model),
                ]
            )
            == 0
        )
        assert (
            main(
                [
                    "predict",
                    "--model",
                    str(model),
                    "--votes",
                    str(votes),
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        outs.append(read_soft_labels(out))
    assert outs[0].equals(outs[1])
