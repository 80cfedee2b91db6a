"""audiodl.mel against the HTK formula and against what a filterbank must do."""

import math

import pytest
import torch

from audiodl.audio import spectrogram
from audiodl.mel import (
    hz_to_mel,
    log_mel_spectrogram,
    mel_band_edges,
    mel_filterbank,
    mel_to_hz,
)


def test_hz_to_mel_is_the_htk_formula_and_mel_to_hz_inverts_it():
    for f in [0.0, 100.0, 700.0, 1000.0, 4000.0, 8000.0]:
        assert hz_to_mel(f).item() == pytest.approx(2595 * math.log10(1 + f / 700))
    f = torch.linspace(0, 8000, 101, dtype=torch.float64)
    torch.testing.assert_close(mel_to_hz(hz_to_mel(f)), f)
    assert hz_to_mel(1000.0).item() == pytest.approx(1000, abs=0.02)  # the scale's anchor


def test_mel_steps_stated_in_the_docstring():
    """Equal hertz steps and equal octaves are both unequal in mel (HTK)."""
    def step(f1, f2):
        return (hz_to_mel(float(f2)) - hz_to_mel(float(f1))).item()

    assert step(100, 200) == pytest.approx(132.74, abs=0.01)  # an octave, low
    assert step(1000, 1100) == pytest.approx(64.42, abs=0.01)  # 100 Hz, higher up
    assert step(1000, 2000) == pytest.approx(521.37, abs=0.01)  # an octave, higher up
    # Well below 700 Hz the scale is close to linear, m ~ 2595 / (700 ln 10) f = 1.61 f ...
    f = torch.linspace(1, 100, 100, dtype=torch.float64)
    slope = 2595 / (700 * math.log(10))
    assert slope == pytest.approx(1.61, abs=0.005)
    assert ((hz_to_mel(f) / (slope * f) - 1).abs() < 0.07).all()
    # ... and well above it close to logarithmic: octaves approach 2595 log10(2) = 781 mel.
    assert step(8000, 16000) == pytest.approx(2595 * math.log10(2), rel=0.1)  # 735
    assert step(100, 200) < step(1000, 2000) < step(4000, 8000)


@pytest.mark.parametrize("n_mels,n_fft,sr,f_min,f_max", [
    (40, 512, 16000, 0.0, None), (64, 1024, 22050, 50.0, 8000.0), (20, 256, 8000, 0.0, 3000.0),
])
def test_filterbank_shape_coverage_and_peaks(n_mels, n_fft, sr, f_min, f_max):
    fb = mel_filterbank(n_mels, n_fft, sr, f_min, f_max)
    assert fb.shape == (n_mels, n_fft // 2 + 1)
    assert fb.min() >= 0 and fb.max() <= 1
    freqs = torch.arange(n_fft // 2 + 1) * sr / n_fft
    top = sr / 2 if f_max is None else f_max
    inside = (freqs > f_min) & (freqs < top)
    assert (fb.sum(0)[inside] > 0).all()  # every bin inside the range is covered
    assert (fb.sum(0)[(freqs < f_min) | (freqs > top)] == 0).all()  # and none outside
    # Each triangle is highest at one of the two bins around its centre frequency.
    centres = mel_band_edges(n_mels, sr, f_min, f_max)[1:-1]
    peak_freqs = freqs[fb.argmax(dim=1)].double()
    assert ((peak_freqs - centres).abs() < sr / n_fft).all()
    # The centres are evenly spaced on the mel scale.
    steps = hz_to_mel(centres).diff()
    torch.testing.assert_close(steps, steps.mean().expand_as(steps))


def test_filterbank_is_a_triangle_between_its_corners():
    edges = mel_band_edges(10, 16000)
    fb = mel_filterbank(10, 512, 16000, dtype=torch.float64)
    i, freqs = 4, torch.arange(257, dtype=torch.float64) * 16000 / 512
    lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
    expected = torch.clamp(torch.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0)
    torch.testing.assert_close(fb[i], expected)


@pytest.mark.parametrize("f0", [300.0, 1000.0, 3500.0])
def test_pure_tone_peaks_in_the_right_mel_band(f0):
    sr, n_mels = 16000, 40
    t = torch.arange(sr) / sr
    logmel = log_mel_spectrogram(torch.sin(2 * math.pi * f0 * t), sr, n_mels=n_mels)
    assert logmel.shape == (n_mels, sr // 256 + 1)
    band = logmel.mean(dim=-1).argmax().item()
    centres = mel_band_edges(n_mels, sr)[1:-1]
    assert band == (hz_to_mel(centres) - hz_to_mel(f0)).abs().argmin().item()


def test_log_mel_is_batched_matches_the_matrix_product_and_clips_per_clip():
    gen = torch.Generator().manual_seed(0)
    wave = torch.randn(3, 1, 8000, generator=gen)
    wave[1] *= 1e-3  # a much quieter clip must not be clipped against a louder one
    logmel = log_mel_spectrogram(wave, 16000, n_mels=32, top_db=80)
    assert logmel.shape == (3, 1, 32, 8000 // 256 + 1)
    fb = mel_filterbank(32, 512, 16000)
    expected = 10 * torch.log10(fb @ spectrogram(wave[1, 0], n_fft=512, hop_length=256))
    torch.testing.assert_close(logmel[1, 0], expected.clamp_min(expected.max() - 80))
    for k in range(3):
        assert logmel[k].max() - logmel[k].min() <= 80 + 1e-4


def test_log_mel_stays_on_the_input_device_and_dtype():
    wave = torch.randn(2, 4000, dtype=torch.float64)
    logmel = log_mel_spectrogram(wave, 16000, n_mels=16)
    assert logmel.dtype == torch.float64 and logmel.device == wave.device
    if torch.cuda.is_available():
        assert log_mel_spectrogram(wave.cuda(), 16000, n_mels=16).device.type == "cuda"
