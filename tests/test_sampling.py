"""audiodl.sampling against the real thing: the alias formula against the DFT peak of a
sampled tone, 16-bit quantisation against what save_wav writes, the 6 dB-per-bit rule,
dither's range and effect."""

import numpy as np
import pytest
import torch

from audiodl.audio import load_wav, save_wav
from audiodl.sampling import alias_frequency, quantise, snr_db, tpdf_dither


@pytest.mark.parametrize("sr", [8000, 16000])
def test_alias_frequency_is_where_the_dft_peak_lands(sr):
    t = np.arange(sr) / sr  # one second: bins 1 Hz apart
    rng = np.random.default_rng(1)
    for f in rng.integers(1, 5 * sr, size=40):
        spectrum = np.abs(np.fft.rfft(np.cos(2 * np.pi * f * t + 0.3)))
        assert spectrum.argmax() == alias_frequency(int(f), sr), f


def test_alias_frequency_folds_into_zero_to_nyquist():
    assert alias_frequency(5000, 8000) == 3000
    assert alias_frequency(3000, 8000) == 3000  # below the Nyquist frequency: unchanged
    assert alias_frequency(16000, 8000) == 0
    assert alias_frequency(12500.0, 8000) == 3500.0
    with pytest.raises(ValueError, match="sample rate 0 Hz"):
        alias_frequency(100, 0)


def test_quantise_16_bits_is_what_save_wav_writes(tmp_path):
    rng = np.random.default_rng(0)
    wave = rng.uniform(-1.2, 1.2, 20000).astype(np.float32)  # beyond full scale too
    wave[:4] = [1.0, -1.0, 0.5 / 32768, -0.5 / 32768]  # clipped ends, ties to even
    back, _ = load_wav(save_wav(tmp_path / "q.wav", torch.from_numpy(wave), 8000))
    assert np.array_equal(quantise(wave, 16), back[0].numpy())


@pytest.mark.parametrize("bits", [1, 3, 8])
def test_quantise_gives_2_to_the_bits_levels(bits):
    levels = np.unique(quantise(np.linspace(-2, 2, 10001), bits))
    assert len(levels) == 2**bits
    assert levels[0] == -1 and levels[-1] == 1 - 2.0 ** (1 - bits)
    assert np.allclose(np.diff(levels), 2.0 ** (1 - bits))


@pytest.mark.parametrize("bits", [0, 33, 8.0, "8"])
def test_quantise_rejects_a_bad_bit_depth(bits):
    with pytest.raises(ValueError, match="bit depth is a whole number"):
        quantise(np.zeros(3), bits)


@pytest.mark.parametrize("bits", [6, 10, 16])
def test_snr_of_a_full_scale_sine_follows_six_db_per_bit(bits):
    steps = 2 ** (bits - 1)
    t = np.arange(16000) / 16000
    x = (steps - 1) / steps * np.sin(2 * np.pi * 997 * t)
    assert snr_db(x, quantise(x, bits)) == pytest.approx(6.02 * bits + 1.76, abs=0.5)


def test_tpdf_dither_is_triangular_within_one_step():
    d = tpdf_dither(200_000, 8, np.random.default_rng(0)) * 2**7  # in steps
    assert d.min() > -1 and d.max() < 1
    assert d.var() == pytest.approx(1 / 6, rel=0.02)  # two uniforms of variance 1/12
    assert np.mean(np.abs(d) < 0.5) == pytest.approx(0.75, abs=0.01)  # triangle, not flat


def test_dither_keeps_a_tone_below_half_a_step():
    t = np.arange(16000) / 16000
    x = 0.4 / 2**7 * np.sin(2 * np.pi * 440 * t)
    assert not quantise(x, 8).any()  # rounds to silence
    kept = quantise(x + tpdf_dither(x.shape, 8, np.random.default_rng(0)), 8)
    spectrum = np.abs(np.fft.rfft(kept)) / 8000
    assert spectrum[440] == pytest.approx(0.4 / 2**7, rel=0.1)


def test_snr_db():
    assert snr_db([1.0, -1.0], [1.1, -1.1]) == pytest.approx(20.0)
    assert snr_db([1.0], [1.0]) == float("inf")
    with pytest.raises(ValueError, match="differ"):
        snr_db([1.0, 2.0], [1.0])
