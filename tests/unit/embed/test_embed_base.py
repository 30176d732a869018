import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from weaklabel.embed import Embedder, embed_texts, normalize_rows
from weaklabel.embed.base import as_texts, check_embedder


def test_protocol_and_batches(counts):
    assert isinstance(counts, Embedder)
    X = embed_texts(counts, ["win win prize", "lunch", "", "love song", "free"])
    assert X.dtype == np.float32
    assert X.shape == (5, 8)
    assert counts.calls == [3, 2]  # batch_size=3
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), [1, 1, 0, 1, 1], atol=1e-6)
    np.testing.assert_allclose(X[0, :2], [2 / 5**0.5, 1 / 5**0.5], rtol=1e-6)


def test_empty_list(counts):
    assert embed_texts(counts, []).shape[0] == 0


class _Bad:
    name, batch_size = "bad", 10

    def __init__(self, out):
        self.out = out

    def embed(self, texts):
        return self.out(texts)


def test_bad_outputs_name_the_embedder():
    with pytest.raises(ValueError, match=r"'bad' returned an array of shape \(1, 2\)"):
        embed_texts(_Bad(lambda t: np.ones((1, 2))), ["a", "b"])
    with pytest.raises(ValueError, match="'bad' returned NaN"):
        embed_texts(_Bad(lambda t: np.full((len(t), 2), np.nan)), ["a"])


def test_not_an_embedder():
    with pytest.raises(TypeError, match=r"lacks \['name', 'batch_size', 'embed'\]"):
        check_embedder(lambda texts: None)
    bad = _Bad(None)
    bad.name = ""
    with pytest.raises(TypeError, match="non-empty str"):
        check_embedder(bad)


def test_as_texts():
    assert as_texts(["a", None, 1.5, float("nan")]) == ["a", "", "1.5", ""]


@given(
    npst.arrays(
        np.float32,
        st.tuples(st.integers(1, 6), st.integers(1, 5)),
        elements=st.floats(-100, 100, width=32),
    )
)
def test_normalize_rows_unit_or_zero(A):
    X = normalize_rows(A)
    norms = np.linalg.norm(X, axis=1)
    zero = np.linalg.norm(A.astype(np.float64), axis=1) == 0
    assert np.all(X[zero] == 0)
    small = np.linalg.norm(A.astype(np.float64), axis=1) < 1e-20
    np.testing.assert_allclose(norms[~zero & ~small], 1, rtol=1e-4)
