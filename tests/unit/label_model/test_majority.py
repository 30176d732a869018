import numpy as np
import pytest

from weaklabel.label_model import MajorityVote


def test_fraction_of_votes_ties_and_all_abstain():
    L = np.array([[0, 0, 1], [1, -1, 1], [0, 1, -1], [-1, -1, -1], [2, 2, 2]])
    model = MajorityVote(cardinality=3).fit(L)
    np.testing.assert_allclose(
        model.predict_proba(L),
        [
            [2 / 3, 1 / 3, 0],
            [0, 1, 0],
            [0.5, 0.5, 0],
            [1 / 3, 1 / 3, 1 / 3],
            [0, 0, 1],
        ],
    )
    np.testing.assert_array_equal(
        model.predict(L, tie_break="abstain"), [0, 1, -1, -1, 2]
    )
    np.testing.assert_array_equal(model.predict(L, tie_break="lowest"), [0, 1, 0, 0, 2])


def test_class_prior_from_gold_labels():
    L = np.array([[0, -1], [-1, -1], [1, 1], [1, -1], [-1, -1]])
    y = np.array([0, 0, 0, 1, -1])
    model = MajorityVote().fit(L, y)
    np.testing.assert_allclose(model.class_prior_, [(3 + 1) / 6, (1 + 1) / 6])
    np.testing.assert_allclose(model.predict_proba(L)[1], model.class_prior_)
    assert model.predict(L)[1] == 0
    # Without gold the prior is uniform.
    np.testing.assert_allclose(MajorityVote().fit(L).class_prior_, [0.5, 0.5])
    # Gold that is all unknown leaves it uniform too.
    np.testing.assert_allclose(
        MajorityVote().fit(L, np.full(5, -1)).class_prior_, [0.5, 0.5]
    )


def test_random_tie_break_is_uniform_and_reproducible():
    L = np.tile([[0, 1]], (4000, 1))
    model = MajorityVote(random_state=0).fit(L)
    first = model.predict(L)
    np.testing.assert_array_equal(first, model.predict(L))
    assert 0.45 < first.mean() < 0.55
    other = MajorityVote(random_state=1).fit(L).predict(L)
    assert (other != first).any()


def test_random_tie_break_only_among_tied_classes():
    L = np.tile([[0, 1, 1, 2, 2]], (500, 1))
    pred = MajorityVote(random_state=0).fit(L).predict(L)
    assert set(np.unique(pred)) == {1, 2}


def test_many_classes():
    L = np.array([[150, 150, 3], [7, -1, -1]])
    model = MajorityVote(cardinality=200).fit(L)
    proba = model.predict_proba(L)
    assert proba.shape == (2, 200)
    assert proba[0, 150] == pytest.approx(2 / 3)
    np.testing.assert_array_equal(model.predict(L), [150, 7])


def test_no_lf_accuracy_attribute():
    model = MajorityVote().fit(np.array([[0, 1]]))
    assert not hasattr(model, "lf_accuracy_")
