"""weaklabel.trainer._data: features, labels, weights and the voted rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

from weaklabel.trainer._data import (  # noqa: E402
    ArrayFeatures,
    DatasetFeatures,
    SparseFeatures,
    as_features,
    balanced_class_weight,
    check_labels,
    normalize_weights,
    row_weights,
    voted_rows,
)


def test_as_features_wraps_each_input_kind() -> None:
    X = np.arange(12, dtype=np.float64).reshape(4, 3)
    dense = as_features(X)
    assert isinstance(dense, ArrayFeatures)
    assert (dense.n_rows, dense.n_features) == (4, 3)
    np.testing.assert_array_equal(dense.take(np.array([2, 0])).numpy(), X[[2, 0]])
    sparse = as_features(sp.csr_array(X))
    assert isinstance(sparse, SparseFeatures)
    np.testing.assert_array_equal(sparse.take(np.array([3])).numpy(), X[[3]])
    data = torch.utils.data.TensorDataset(torch.as_tensor(X, dtype=torch.float32))
    wrapped = as_features(data)
    assert isinstance(wrapped, DatasetFeatures)
    assert (wrapped.n_rows, wrapped.n_features) == (4, 3)


def test_sparse_batches_stay_sparse_and_equal_the_dense_rows() -> None:
    X = sp.random(50, 20, density=0.1, format="csr", random_state=0, dtype=np.float32)
    feats = SparseFeatures(sp.csr_array(X), sparse_batches=True)
    idx = np.array([7, 3, 41])
    batch = feats.take(idx)
    assert batch.is_sparse
    np.testing.assert_array_equal(batch.to_dense().numpy(), X[idx].toarray())


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (None, "got None"),
        (np.zeros(5), "shape"),
        (np.array([[1.0, np.nan]]), "NaN"),
    ],
)
def test_as_features_errors(X: object, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        as_features(X)


def test_check_labels_soft_and_hard() -> None:
    soft, hard = check_labels(
        np.array([[0.2, 0.8], [1.0, 0.0]]), 2, allow_abstain=False
    )
    assert soft.dtype == np.float32
    assert hard is None
    targets, hard = check_labels(np.array([1, -1, 0]), 3, allow_abstain=True)
    assert hard is not None
    assert hard.tolist() == [1, -1, 0]
    np.testing.assert_array_equal(targets, [[0, 1], [0, 0], [1, 0]])
    with pytest.raises(ValueError, match="X has 3 rows but proba has 2"):
        check_labels(np.array([[0.5, 0.5]] * 2), 3, allow_abstain=False)
    with pytest.raises(TypeError, match="fractional"):
        check_labels(np.array([0.5, 1.0]), 2, allow_abstain=False)


def test_row_weights_multiply_their_parts() -> None:
    targets = np.array([[0.9, 0.1], [0.2, 0.8]], dtype=np.float32)
    w = row_weights(
        np.array([2.0, 1.0]),
        targets,
        confidence_weighting=True,
        class_weight=np.array([1.0, 3.0]),
    )
    assert w is not None
    expected = np.array([2.0, 1.0]) * targets.max(1) * (targets @ np.array([1.0, 3.0]))
    np.testing.assert_allclose(w, expected, rtol=1e-6)
    assert row_weights(None, targets, confidence_weighting=False) is None
    with pytest.raises(ValueError, match="non-negative"):
        row_weights(np.array([1.0, -1.0]), targets, confidence_weighting=False)


def test_balanced_class_weight_is_sklearns_on_hard_labels() -> None:
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0, 0, 0, 1, 2, 2])
    targets = np.eye(3, dtype=np.float32)[y]
    ours = balanced_class_weight(targets, np.arange(6))
    theirs = compute_class_weight("balanced", classes=np.arange(3), y=y)
    np.testing.assert_allclose(ours, theirs)


@given(
    hnp.arrays(np.float32, st.integers(1, 30), elements=st.floats(0.125, 8.0, width=32))
)
def test_normalized_weights_average_one(w: np.ndarray) -> None:
    rows = np.arange(w.size)
    out = normalize_weights(w, rows)
    assert out is not None
    assert float(out.mean(dtype=np.float64)) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(out / out[0], w / w[0], rtol=1e-5)


def test_normalize_weights_refuses_all_zero() -> None:
    with pytest.raises(ValueError, match="weight 0"):
        normalize_weights(np.zeros(3, dtype=np.float32), np.arange(3))


def test_voted_rows() -> None:
    L = np.array([[-1, -1], [0, -1], [-1, 1]])
    assert voted_rows(L, 3, 2).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="L has 3 rows but X has 4"):
        voted_rows(L, 4, 2)
