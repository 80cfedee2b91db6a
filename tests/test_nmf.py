"""audiodl.nmf: the cost never rises, the factors stay non-negative, and a matrix that
really is a product of two small non-negative factors is recovered."""

import pytest
import torch

from audiodl.audio import load_speech, spectrogram
from audiodl.nmf import nmf, nmf_loss


def random_nonneg(m, n, seed, dtype=torch.float64):
    return torch.rand(m, n, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("loss", ["euclidean", "kl"])
def test_cost_never_increases_and_factors_stay_nonnegative(loss):
    v = random_nonneg(30, 40, seed=1)
    w, h, history = nmf(v, rank=5, n_iter=100, loss=loss)
    assert len(history) == 101
    assert all(b <= a * (1 + 1e-9) for a, b in zip(history, history[1:], strict=False))
    assert history[-1] < 0.5 * history[0]
    assert w.shape == (30, 5) and h.shape == (5, 40)
    assert (w >= 0).all() and (h >= 0).all()
    assert nmf_loss(v, w, h, loss) == pytest.approx(history[-1])


@pytest.mark.parametrize("loss", ["euclidean", "kl"])
def test_recovers_an_exact_low_rank_product(loss):
    # V = A @ B with non-negative A (12x3) and B (3x10): rank 3 reconstructs V exactly.
    v = random_nonneg(12, 3, seed=2) @ random_nonneg(3, 10, seed=3)
    w, h, _ = nmf(v, rank=3, n_iter=5000, loss=loss)
    rel_err = torch.linalg.norm(v - w @ h) / torch.linalg.norm(v)
    assert rel_err < 1e-6


def test_same_seed_same_factors_regardless_of_global_rng():
    v = random_nonneg(8, 9, seed=4)
    torch.manual_seed(123)
    w1, h1, _ = nmf(v, rank=2, n_iter=20, seed=7)
    torch.manual_seed(456)
    w2, h2, _ = nmf(v, rank=2, n_iter=20, seed=7)
    assert torch.equal(w1, w2) and torch.equal(h1, h2)


def test_speech_spectrogram_twenty_parts_explain_most_of_it():
    wave, _ = load_speech()
    spec = spectrogram(wave, power=1.0)[0]
    w, h, history = nmf(spec, rank=20, n_iter=100)
    rel_err = torch.linalg.norm(spec - w @ h) / torch.linalg.norm(spec)
    assert rel_err < 0.35
    assert history[-1] < history[0]


def test_rejects_negative_or_non_matrix_input():
    with pytest.raises(ValueError, match="non-negative"):
        nmf(-torch.ones(3, 3), rank=1)
    with pytest.raises(ValueError, match="2-D"):
        nmf(torch.ones(3), rank=1)
    with pytest.raises(ValueError, match="loss must be"):
        nmf(torch.ones(3, 3), rank=1, loss="l1")
