import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp

from weaklabel._validation import check_votes
from weaklabel.label_model import _patterns
from weaklabel.label_model._estep import e_step
from weaklabel.label_model._patterns import (
    OneHotEM,
    compress,
    fired,
    majority_posterior,
    one_hot,
    relative_log_joint,
    vote_counts,
    vote_log_likelihood,
    vote_statistics,
)
from weaklabel.synthetic import make_votes


@pytest.fixture
def votes():
    rng = np.random.default_rng(0)
    return rng.integers(-1, 3, size=(500, 4)).astype(np.int32)


def _dense_one_hot(L, k):
    n, m = L.shape
    out = np.zeros((n, m * k))
    for i in range(n):
        for j in range(m):
            if L[i, j] >= 0:
                out[i, j * k + L[i, j]] = 1.0
    return out


def test_compress_round_trip(votes):
    P = compress(votes)
    assert P.votes.dtype == np.int8
    np.testing.assert_array_equal(P.votes[P.inverse], votes)
    assert P.counts.sum() == votes.shape[0]
    assert len({tuple(r) for r in P.votes}) == P.n_patterns  # all distinct
    assert P.n_patterns == len({tuple(r) for r in votes})
    assert (P.n_samples, P.n_lfs, P.is_sparse) == (500, 4, False)
    np.testing.assert_array_equal(P.counts, np.bincount(P.inverse))


def test_compress_keeps_first_appearance_order():
    L = np.array([[1, 0], [0, 0], [1, 0], [-1, -1], [0, 0]])
    P = compress(L)
    np.testing.assert_array_equal(P.votes, [[1, 0], [0, 0], [-1, -1]])
    np.testing.assert_array_equal(P.inverse, [0, 1, 0, 2, 1])
    np.testing.assert_array_equal(P.counts, [2, 2, 1])


@pytest.mark.parametrize("m", [1, 7, 8, 9, 16, 50])
def test_compress_various_widths(m):
    rng = np.random.default_rng(m)
    L = rng.integers(-1, 2, size=(300, m))
    L = np.vstack([L, L[:100]])  # guaranteed duplicates
    P = compress(L)
    np.testing.assert_array_equal(P.votes[P.inverse], L)
    assert P.n_patterns == len({tuple(r) for r in L})


def test_compress_large_vote_values_use_wider_dtype():
    L = np.array([[200, -1], [3, 200], [200, -1]])
    P = compress(L)
    assert P.votes.dtype == np.int16
    np.testing.assert_array_equal(P.votes[P.inverse], L)


def test_compress_with_gold_separates_rows(votes):
    y = np.where(np.arange(500) % 3 == 0, votes[:, 0].clip(0), -1)
    P = compress(votes, y)
    np.testing.assert_array_equal(P.votes[P.inverse], votes)
    np.testing.assert_array_equal(P.gold[P.inverse], y)
    assert P.n_patterns >= compress(votes).n_patterns


def test_compress_hash_collision_falls_back_to_exact(votes, monkeypatch):
    # Every row hashes to the same key: the exact check must catch it.
    monkeypatch.setattr(
        _patterns, "_row_hash", lambda V: np.zeros(V.shape[0], dtype=np.uint64)
    )
    P = compress(votes)
    np.testing.assert_array_equal(P.votes[P.inverse], votes)
    assert P.n_patterns == len({tuple(r) for r in votes})
    first = [int(np.flatnonzero(P.inverse == i)[0]) for i in range(P.n_patterns)]
    assert first == sorted(first)


def test_compress_sparse_is_identity(votes):
    S = check_votes(sp.csr_array(votes + 1), accept_sparse=True)
    P = compress(S)
    assert P.is_sparse
    assert P.n_patterns == votes.shape[0]
    np.testing.assert_array_equal(P.inverse, np.arange(votes.shape[0]))
    np.testing.assert_array_equal(P.counts, np.ones(votes.shape[0]))


def test_one_hot_dense_and_sparse_match_brute_force(votes):
    k = 3
    expected = _dense_one_hot(votes, k)
    H = one_hot(votes, k)
    assert isinstance(H, sp.csr_array)
    assert H.has_sorted_indices
    P = compress(votes)
    np.testing.assert_array_equal(one_hot(P, k).toarray()[P.inverse], expected)
    S = check_votes(sp.csr_array(votes + 1), accept_sparse=True)
    np.testing.assert_array_equal(one_hot(compress(S), k).toarray(), expected)
    np.testing.assert_array_equal(H.toarray(), expected)  # raw rows: uncompressed


def test_one_hot_keeps_class_zero_in_sparse_input():
    L = np.array([[0, -1], [-1, 0]])
    S = check_votes(sp.csr_array(L + 1), accept_sparse=True)
    np.testing.assert_array_equal(
        one_hot(S, 2).toarray(), [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    )


def test_fired_and_vote_counts(votes):
    P = compress(votes)
    np.testing.assert_array_equal(fired(P).toarray(), P.votes >= 0)
    counts = vote_counts(P, 3)
    expected = np.stack([(P.votes == c).sum(axis=1) for c in range(3)], axis=1)
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_array_equal(vote_counts(P, 3, onehot=one_hot(P, 3)), expected)
    np.testing.assert_array_equal(P.vote_counts(3), expected)
    np.testing.assert_array_equal(P.fired().toarray(), P.votes >= 0)


def test_vote_counts_many_classes():
    L = np.array([[70, 70, 3, -1], [-1, -1, -1, -1]])
    counts = vote_counts(L, 100)
    assert counts.shape == (2, 100)
    assert counts[0, 70] == 2
    assert counts[0, 3] == 1
    assert counts.sum() == 3


def test_majority_posterior_fraction_and_prior():
    L = np.array([[0, 0, 1], [1, 1, 1], [-1, -1, -1], [0, 1, -1]])
    post = majority_posterior(L, 2, prior=[0.2, 0.8])
    np.testing.assert_allclose(post, [[2 / 3, 1 / 3], [0, 1], [0.2, 0.8], [0.5, 0.5]])


def test_vote_log_likelihood_and_statistics_match_brute_force(votes):
    rng = np.random.default_rng(1)
    m, k = votes.shape[1], 3
    table = rng.normal(size=(m, k, k))
    H = one_hot(votes, k)
    dense = _dense_one_hot(votes, k)
    np.testing.assert_allclose(
        vote_log_likelihood(H, table), dense @ table.reshape(m * k, k)
    )
    w = rng.random((votes.shape[0], k))
    np.testing.assert_allclose(
        vote_statistics(H.T.tocsr(), w, m), (dense.T @ w).reshape(m, k, k)
    )


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_one_hot_em_matches_direct_products(k, grouped):
    data = make_votes(400, 6, k, random_state=k)
    y = np.where(np.arange(400) % 5 == 0, data.y, -1)
    P = compress(data.L, y)
    rng = np.random.default_rng(k)
    table = np.log(rng.dirichlet(np.ones(k), size=(6, k)))  # (m, vote, class)
    log_prior = np.log(rng.dirichlet(np.ones(k)))
    em = OneHotEM(P, k, grouped=grouped)
    full = vote_log_likelihood(em.onehot, table) + log_prior
    rel, offset = em.log_likelihood(table, log_prior)
    post_full, ll_full = e_step(full, P.gold)
    post_rel, ll_rel = e_step(rel, P.gold)
    np.testing.assert_allclose(post_rel, post_full, atol=1e-12)
    np.testing.assert_allclose(P.counts @ ll_rel + offset, P.counts @ ll_full)
    np.testing.assert_allclose(
        relative_log_joint(em.onehot, table, log_prior), rel, atol=1e-12
    )
    expected = vote_statistics(em.onehot.T.tocsr(), P.counts[:, None] * post_full, 6)
    np.testing.assert_allclose(em.statistics(post_full), expected, atol=1e-9)
    np.testing.assert_array_equal(em.vote_counts(), vote_counts(P, k))
    np.testing.assert_allclose(em.vote_totals, em.onehot.T @ P.counts)


def test_e_step_matches_logsumexp_and_clamps_gold():
    rng = np.random.default_rng(2)
    log_joint = rng.normal(scale=30, size=(50, 4))
    before = log_joint.copy()
    post, ll = e_step(log_joint)
    np.testing.assert_allclose(ll, logsumexp(log_joint, axis=1))
    np.testing.assert_allclose(
        post, np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))
    )
    gold = np.full(50, -1)
    gold[:5] = [0, 1, 2, 3, 0]
    post_g, ll_g = e_step(log_joint, gold)
    np.testing.assert_array_equal(post_g[:5], np.eye(4)[[0, 1, 2, 3, 0]])
    np.testing.assert_allclose(ll_g[:5], log_joint[np.arange(5), gold[:5]])
    np.testing.assert_allclose(post_g[5:], post[5:])
    np.testing.assert_array_equal(log_joint, before)


@pytest.mark.parametrize("with_gold", [False, True])
def test_e_step_overwrite_gives_the_same_numbers_in_place(with_gold):
    rng = np.random.default_rng(3)
    log_joint = rng.normal(scale=30, size=(70_000, 3))  # more than one block
    gold = None
    if with_gold:
        gold = np.full(len(log_joint), -1)
        gold[::7] = rng.integers(0, 3, gold[::7].size)
    post, ll = e_step(log_joint, gold)
    post_in, ll_in = e_step(log_joint, gold, overwrite=True)
    assert post_in is log_joint
    np.testing.assert_array_equal(post_in, post)
    np.testing.assert_array_equal(ll_in, ll)


def test_e_step_extreme_values_stay_finite():
    post, ll = e_step(np.array([[-1e4, 0.0], [-800.0, -800.0], [1e3, -1e3]]))
    assert np.isfinite(post).all()
    assert np.isfinite(ll).all()
    np.testing.assert_allclose(post.sum(axis=1), 1.0)


# ------------------------------------------- dense paths without a one-hot matrix


@pytest.mark.parametrize("k", [2, 3, 12])
@pytest.mark.parametrize("m", [1, 7, 60])
@pytest.mark.parametrize("n_cols", [1, 3])
def test_table_sum_is_bit_identical_to_sparse_product(monkeypatch, k, m, n_cols):
    monkeypatch.setattr(_patterns, "_BLOCK_VOTES", 512)  # many blocks
    rng = np.random.default_rng(k * 100 + m)
    V = rng.integers(-1, k, size=(700, m)).astype(np.int8)
    W = rng.normal(scale=5.0, size=(m * k, n_cols))
    H = one_hot(V, k)
    out = _patterns.table_sum(V, W, k)
    assert out.shape == (700, n_cols)
    np.testing.assert_array_equal(out, H @ W)  # exact, not approximately
    np.testing.assert_array_equal(_patterns.table_sum(V, W[:, 0], k), H @ W[:, 0])
    S = check_votes(sp.csr_array(V.astype(np.int32) + 1), accept_sparse=True)
    np.testing.assert_allclose(_patterns.table_sum(S, W, k), H @ W, atol=1e-12)


def test_relative_log_joint_of_patterns_equals_one_hot_version(votes):
    rng = np.random.default_rng(3)
    P = compress(votes)
    log_table = np.log(rng.dirichlet(np.ones(3), size=(4, 3)))
    log_prior = np.log([0.2, 0.3, 0.5])
    np.testing.assert_array_equal(
        relative_log_joint(P, log_table, log_prior),
        relative_log_joint(one_hot(P, 3), log_table, log_prior),
    )


@pytest.mark.parametrize("k", [2, 3, 12])
def test_dense_vote_counts_match_one_hot_counts(monkeypatch, k):
    monkeypatch.setattr(_patterns, "_BLOCK_VOTES", 256)
    rng = np.random.default_rng(k)
    V = rng.integers(-1, k, size=(300, 9)).astype(np.int8)
    dense = vote_counts(V, k)
    np.testing.assert_array_equal(dense, vote_counts(V, k, onehot=one_hot(V, k)))
    brute = np.stack([(k_ == V).sum(axis=1) for k_ in range(k)], axis=1)
    np.testing.assert_array_equal(dense, brute)


def test_one_hot_blocks_match_brute_force(monkeypatch, votes):
    monkeypatch.setattr(_patterns, "_BLOCK_VOTES", 64)
    H = one_hot(votes, 3)
    np.testing.assert_array_equal(H.toarray(), _dense_one_hot(votes, 3))
    assert H.has_canonical_format


def test_compress_all_distinct_rows_is_identity():
    V = np.array([[0, -1], [1, 1], [-1, 0]], dtype=np.int8)
    P = compress(V)
    np.testing.assert_array_equal(P.inverse, [0, 1, 2])
    np.testing.assert_array_equal(P.votes, V)
    np.testing.assert_array_equal(P.counts, 1.0)


@pytest.mark.parametrize("m", [3, 8, 9, 16, 21])
def test_compress_wide_rows_with_repeats(m):
    # row widths around the 8-byte words of the row hash
    rng = np.random.default_rng(m)
    base = rng.integers(-1, 2, size=(40, m)).astype(np.int8)
    L = base[rng.integers(0, 40, size=400)]
    P = compress(L)
    np.testing.assert_array_equal(P.votes[P.inverse], L)
    assert P.n_patterns == len({tuple(r) for r in L})


def test_worth_compressing(monkeypatch):
    monkeypatch.setattr(_patterns, "_SAMPLE_ROWS", 256)
    rng = np.random.default_rng(0)
    distinct = rng.integers(-1, 2, size=(4000, 40)).astype(np.int8)
    assert not _patterns.worth_compressing(distinct)
    repeated = distinct[rng.integers(0, 200, size=4000)]
    assert _patterns.worth_compressing(repeated)
    assert _patterns.worth_compressing(distinct[:100])  # small: always
    assert not _patterns.worth_compressing(sp.csr_array(distinct + 1))
    P = _patterns.as_patterns(repeated)
    assert P.n_patterns == 4000
    np.testing.assert_array_equal(P.inverse, np.arange(4000))


def test_predictions_do_not_depend_on_compressing(monkeypatch):
    from weaklabel.label_model import DawidSkene, LabelModel, MajorityVote

    data = make_votes(3000, 12, 3, random_state=0)
    L = np.concatenate([data.L, data.L[:1500]])  # repeated rows
    for cls in (MajorityVote, DawidSkene, LabelModel):
        model = cls(cardinality=3, random_state=0).fit(L)
        monkeypatch.setattr(
            "weaklabel.label_model._base.worth_compressing", lambda L: True
        )
        compressed = model.predict_proba(L)
        monkeypatch.setattr(
            "weaklabel.label_model._base.worth_compressing", lambda L: False
        )
        rows = model.predict_proba(L)
        np.testing.assert_array_equal(compressed, rows)
        assert rows.shape == (4500, 3)
