"""audiodl.mel against librosa: the conventions its docstring states (HTK scale, peak-1
triangles without normalisation, power, dB with a floor 80 dB below each spectrogram's
maximum) hold against librosa configured that way, and librosa's defaults differ where
the docstring says they do."""

import math

# librosa is locked (requirements.lock): a missing one is a broken setup, not a reason to
# skip, so a plain import (a collection error) rather than pytest.importorskip.
import librosa
import numpy as np
import pytest
import torch

from audiodl.audio import to_db
from audiodl.digits import deltas, mfcc
from audiodl.mel import (
    hz_to_mel,
    log_mel_spectrogram,
    mel_band_edges,
    mel_filterbank,
    mel_to_hz,
)

# (sr, n_fft, n_mels, f_min, f_max): the course's settings (16 kHz speech and sound classes,
# 8 kHz spoken digits) and a few others, f_max None meaning sr / 2.
SETTINGS = [
    (16000, 512, 40, 0.0, None),
    (8000, 512, 40, 0.0, None),
    (8000, 256, 40, 0.0, None),
    (8000, 512, 64, 20.0, 4000.0),
    (22050, 1024, 64, 50.0, 8000.0),
    (44100, 2048, 128, 0.0, None),
]


def test_hz_to_mel_is_librosas_htk_scale_not_its_default():
    f = np.array([0.0, 100.0, 440.0, 700.0, 1000.0, 4000.0, 11025.0])
    np.testing.assert_allclose(hz_to_mel(torch.from_numpy(f)).numpy(),
                               librosa.hz_to_mel(f, htk=True), rtol=1e-12)
    m = np.linspace(0, 3000, 7)
    np.testing.assert_allclose(mel_to_hz(torch.from_numpy(m)).numpy(),
                               librosa.mel_to_hz(m, htk=True), rtol=1e-12)
    # librosa's default is Slaney's scale: 1000 Hz is 15 on it, 1000 on the HTK scale.
    assert librosa.hz_to_mel(1000.0) == pytest.approx(15.0)
    assert hz_to_mel(1000.0).item() == pytest.approx(1000.0, abs=0.02)


@pytest.mark.parametrize("sr,n_fft,n_mels,f_min,f_max", SETTINGS)
def test_filterbank_is_librosas_with_htk_true_and_norm_none(sr, n_fft, n_mels, f_min, f_max):
    ours = mel_filterbank(n_mels, n_fft, sr, f_min, f_max, dtype=torch.float64).numpy()
    theirs = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max,
                                 htk=True, norm=None, dtype=np.float64)
    assert ours.shape == theirs.shape == (n_mels, n_fft // 2 + 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    edges = librosa.mel_frequencies(n_mels + 2, fmin=f_min, fmax=sr / 2 if f_max is None
                                    else f_max, htk=True)
    np.testing.assert_allclose(mel_band_edges(n_mels, sr, f_min, f_max).numpy(), edges,
                               rtol=1e-12)


@pytest.mark.parametrize("sr,n_fft,n_mels,f_min,f_max", SETTINGS[:3])
def test_librosas_slaney_norm_scales_each_triangle_by_two_over_its_width(sr, n_fft, n_mels,
                                                                         f_min, f_max):
    ours = mel_filterbank(n_mels, n_fft, sr, f_min, f_max, dtype=torch.float64).numpy()
    area = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max,
                               htk=True, norm="slaney", dtype=np.float64)
    edges = mel_band_edges(n_mels, sr, f_min, f_max).numpy()
    np.testing.assert_allclose(area, ours * (2 / (edges[2:] - edges[:-2]))[:, None],
                               rtol=1e-9, atol=1e-15)
    assert ours.max() <= 1.0
    # librosa's defaults (Slaney scale and norm) give a different matrix altogether.
    default = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max,
                                  dtype=np.float64)
    assert np.abs(default - ours).max() > 0.5


def chirp_and_noise(sr, seconds=0.75, seed=0):
    t = np.arange(int(sr * seconds)) / sr
    f0, f1 = 100.0, 0.45 * sr
    phase = 2 * math.pi * (f0 * t + (f1 - f0) / (2 * seconds) * t ** 2)
    rng = np.random.default_rng(seed)
    return 0.5 * np.sin(phase) * np.hanning(t.size) + 1e-3 * rng.standard_normal(t.size)


@pytest.mark.parametrize("sr,n_fft,hop_length,n_mels", [(16000, 512, 256, 40),
                                                        (8000, 256, 128, 40)])
def test_log_mel_is_librosas_power_to_db_of_its_melspectrogram(sr, n_fft, hop_length, n_mels):
    """Same power spectrogram (periodic Hann window, centred frames, reflect padding), same
    filters, same dB: 10 log10(max(power, 1e-10)), reference 1, floor 80 dB below the peak."""
    y = chirp_and_noise(sr)
    ours = log_mel_spectrogram(torch.from_numpy(y), sr, n_fft=n_fft, hop_length=hop_length,
                               n_mels=n_mels, top_db=80.0).numpy()
    kwargs = dict(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, power=2.0,
                  window="hann", center=True, htk=True, norm=None, dtype=np.float64)
    mel = librosa.feature.melspectrogram(pad_mode="reflect", **kwargs)
    theirs = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert (ours == ours.max() - 80).any()  # the floor is reached, so it is tested too
    # librosa's default padding is zeros: only the frames that reach past an end differ.
    zero_padded = librosa.power_to_db(librosa.feature.melspectrogram(**kwargs), top_db=80.0)
    reach = math.ceil((n_fft // 2) / hop_length)  # frames whose window passes an end
    np.testing.assert_allclose(ours[:, reach:-reach], zero_padded[:, reach:-reach], atol=1e-6)
    assert np.abs(ours[:, 0] - zero_padded[:, 0]).max() > 1.0


def test_db_floor_is_per_spectrogram_for_one_clip_as_in_librosa():
    """For one spectrogram, to_db is power_to_db(ref=1, amin=1e-10, top_db=80). For a batch
    it floors each spectrogram against its own peak (last two axes); librosa 1.0 does too,
    up to 0.11 it floors against the peak of the whole array."""
    rng = np.random.default_rng(1)
    power = rng.exponential(size=(2, 40, 30)) * np.array([1.0, 1e-2])[:, None, None]
    power[:, :, :3] = 1e-14  # below amin
    ours = to_db(torch.from_numpy(power), top_db=80.0).numpy()
    for k in range(2):
        np.testing.assert_allclose(ours[k], librosa.power_to_db(power[k], top_db=80.0),
                                   atol=1e-9)
    quiet = ours[1]
    assert quiet.min() == pytest.approx(quiet.max() - 80.0)  # its own floor, not the loud one's


@pytest.mark.parametrize("sr,n_fft,hop_length,n_mels", [(16000, 512, 256, 40),
                                                        (8000, 256, 128, 32)])
def test_mfcc_is_librosas_with_htk_mel_no_norm_and_orthonormal_dct(sr, n_fft, hop_length,
                                                                    n_mels):
    """audiodl.digits.mfcc of audiodl.mel.log_mel_spectrogram is librosa.feature.mfcc given
    the same log-mel conventions: HTK scale, filters of height 1 (mel_norm=None), reflect
    padding, dB floored 80 dB down (power_to_db's default), DCT-II with norm="ortho"."""
    y = chirp_and_noise(sr)
    ours = mfcc(log_mel_spectrogram(torch.from_numpy(y), sr, n_fft=n_fft, hop_length=hop_length,
                                    n_mels=n_mels, top_db=80.0), n_mfcc=13).numpy()
    theirs = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, dct_type=2, norm="ortho",
                                  mel_norm=None, htk=True, n_fft=n_fft, hop_length=hop_length,
                                  n_mels=n_mels, pad_mode="reflect", dtype=np.float64)
    assert ours.shape == theirs.shape == (13, 1 + y.size // hop_length)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    # librosa's defaults (Slaney scale and area-normalised filters) give other numbers.
    default = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, n_fft=n_fft, hop_length=hop_length,
                                   n_mels=n_mels, pad_mode="reflect", dtype=np.float64)
    assert np.abs(default - ours).max() > 10


@pytest.mark.parametrize("width", [3, 5, 9])
def test_deltas_are_librosas_delta_with_its_default_interp_ends(width):
    rng = np.random.default_rng(2)
    coeffs = rng.standard_normal((2, 13, 30))
    ours = deltas(torch.from_numpy(coeffs), width=width).numpy()
    np.testing.assert_allclose(ours, librosa.feature.delta(coeffs, width=width), atol=1e-12)
    # delta-deltas as the deltas of the deltas; librosa's order=2 fits a parabola instead
    twice = deltas(torch.from_numpy(ours), width=width).numpy()
    np.testing.assert_allclose(
        twice, librosa.feature.delta(librosa.feature.delta(coeffs, width=width), width=width),
        atol=1e-12)
    assert np.abs(twice - librosa.feature.delta(coeffs, width=width, order=2)).max() > 0.1
    # mode="nearest" (repeat the end frames, torchaudio's compute_deltas) differs at the ends only
    nearest = librosa.feature.delta(coeffs, width=width, mode="nearest")
    half = width // 2
    np.testing.assert_allclose(ours[..., half:-half], nearest[..., half:-half], atol=1e-12)
    assert np.abs(ours[..., :half] - nearest[..., :half]).max() > 0.01
