"""The mel scale, a mel filterbank and the log-mel spectrogram
(taught in docs/ch1/features.md, sections "mel" and "log-mel"; used from
docs/ch5/warm-up.md, section "spectrogram", on).

A power spectrogram has one row per FFT bin, evenly spaced in hertz. Pitch is not heard
evenly in hertz: the same 100 Hz step is a large change at 100 Hz (100 to 200 Hz, an
octave) and a small one at 1000 Hz (1000 to 1100 Hz). The mel scale measures pitch
distance; its HTK formula ``m = 2595 log10(1 + f / 700)`` is close to linear well below
700 Hz (``m ≈ 1.61 f``) and close to logarithmic well above, with the bend near 1 kHz
(1000 Hz is 1000 mel). So equal steps in hertz are not equal steps in mel, and neither
are octaves: 100 to 200 Hz is 133 mel, 1000 to 1100 Hz is 64 mel, 1000 to 2000 Hz is
521 mel (``tests/test_mel.py`` holds these numbers). A bank of triangular filters evenly
spaced in mel pools the bins into a few dozen bands, narrow at low frequencies and wide
at high ones, and a logarithm turns power into decibels. The result is the standard
input of audio networks. Everything is batched and follows the input's device.

Conventions, against torchaudio's and librosa's (``tests/test_mel_librosa.py`` holds the
librosa side; torchaudio is not a dependency, its side is read from its source, 2.x):

- Scale: HTK, ``2595 log10(1 + f / 700)``, as torchaudio's default (``mel_scale="htk"``).
  librosa's default is Slaney's scale (``htk=False``: linear below 1 kHz, logarithmic
  above; 1000 Hz is 15 on it, 1000 on the HTK scale); ``htk=True`` gives this one.
- Filters: triangles of height 1 between corners evenly spaced in mel, no normalisation,
  as torchaudio's default (``norm=None``). librosa's default ``norm="slaney"`` multiplies
  each triangle by ``2 / (upper corner - lower corner)`` in hertz (equal area instead of
  equal height); with ``htk=True, norm=None``, ``librosa.filters.mel`` is this matrix.
  The shape is (n_mels, n_fft // 2 + 1) as librosa's; torchaudio's ``melscale_fbanks``
  returns the transpose and spaces its bins up to ``sr // 2`` (an odd ``sr`` moves them
  slightly). Built in float64; librosa's default dtype and torchaudio's are float32.
- Power: ``|STFT|**2`` (``power=2.0`` in both libraries) with a periodic Hann window and
  centred frames padded by reflection, as torchaudio's ``MelSpectrogram`` (``center=True,
  pad_mode="reflect"``). librosa pads with zeros by default (``pad_mode="constant"``), so
  its frames within ``n_fft / 2`` of either end differ unless given ``pad_mode="reflect"``.
  Defaults differ too: here ``n_fft=512, hop_length=256, n_mels=40``; torchaudio 400, 200,
  128; librosa 2048, 512, 128.
- Decibels (:func:`audiodl.audio.to_db`): ``10 log10(max(power, 1e-10))``, reference 1,
  as librosa's ``power_to_db(ref=1.0, amin=1e-10)`` and torchaudio's
  ``AmplitudeToDB("power")``. The floor is ``top_db=80`` dB below each spectrogram's own
  maximum over its last two axes (frequency, time), so a clip's values never depend on
  the rest of its batch. librosa's ``power_to_db`` also floors 80 dB down by default,
  below the maximum of the whole array up to 0.11 and of each spectrogram (last two
  axes) from 1.0. torchaudio's ``AmplitudeToDB`` has no floor by default
  (``top_db=None``); given one, the channels of a (channel, freq, time) tensor share a
  single cut-off, where here each channel has its own.

So, for one mono clip, ``log_mel_spectrogram(wave, sr)`` is librosa's
``power_to_db(melspectrogram(y=y, sr=sr, n_fft=512, hop_length=256, n_mels=40,
pad_mode="reflect", htk=True, norm=None), top_db=80)``, and with torchaudio
``AmplitudeToDB("power", top_db=80)(MelSpectrogram(sr, n_fft=512, hop_length=256,
n_mels=40)(wave))`` (in float32).
"""

from __future__ import annotations

import torch

from audiodl.audio import spectrogram, to_db


def _as_tensor(x: torch.Tensor | float) -> torch.Tensor:
    """Tensors pass through unchanged; Python numbers become float64 tensors."""
    return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)


def hz_to_mel(f: torch.Tensor | float) -> torch.Tensor:
    """Hertz to mel, HTK formula: m = 2595 log10(1 + f / 700)."""
    return 2595.0 * torch.log10(1.0 + _as_tensor(f) / 700.0)


def mel_to_hz(m: torch.Tensor | float) -> torch.Tensor:
    """Mel to hertz, the inverse: f = 700 (10^(m / 2595) - 1)."""
    return 700.0 * (10.0 ** (_as_tensor(m) / 2595.0) - 1.0)


def mel_band_edges(n_mels: int, sr: int, f_min: float = 0.0,
                   f_max: float | None = None) -> torch.Tensor:
    """The n_mels + 2 corner frequencies (Hz) of the filterbank, float64, evenly spaced
    in mel from f_min to f_max (default sr / 2): filter i rises from corner i, peaks at
    corner i + 1 (its centre frequency) and falls back to zero at corner i + 2."""
    f_max = sr / 2 if f_max is None else f_max
    mels = torch.linspace(hz_to_mel(float(f_min)).item(), hz_to_mel(float(f_max)).item(),
                          n_mels + 2, dtype=torch.float64)
    return mel_to_hz(mels)


def mel_filterbank(n_mels: int, n_fft: int, sr: int, f_min: float = 0.0,
                   f_max: float | None = None, device=None,
                   dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Triangular filters on the mel scale, shape (n_mels, n_fft // 2 + 1).

    Row i is 0 below corner i, rises linearly to 1 at its centre (corner i + 1), falls
    back to 0 at corner i + 2, evaluated at the FFT bin frequencies k * sr / n_fft.
    Neighbouring triangles overlap by half, so every bin strictly between f_min and
    f_max gets a non-zero total weight. Peak height 1 (HTK style, no area normalisation).
    Built in float64 on the CPU (a small matrix; Apple's MPS has no float64), then moved
    to ``device`` as ``dtype``.
    """
    corners = mel_band_edges(n_mels, sr, f_min, f_max)
    freqs = torch.linspace(0, sr / 2, n_fft // 2 + 1, dtype=torch.float64)
    lower, centre, upper = corners[:-2, None], corners[1:-1, None], corners[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    return torch.minimum(rising, falling).clamp_min(0.0).to(device=device, dtype=dtype)


def log_mel_spectrogram(wave: torch.Tensor, sr: int, n_fft: int = 512, hop_length: int = 256,
                        n_mels: int = 40, f_min: float = 0.0, f_max: float | None = None,
                        top_db: float = 80.0) -> torch.Tensor:
    """Log-mel spectrogram in decibels: (..., T) -> (..., n_mels, frames).

    Power spectrogram (``torch.stft``, Hann window), then the mel filterbank as one
    matrix product, then 10 log10 (:func:`audiodl.audio.to_db`): each clip is clipped to
    ``top_db`` below its own maximum, so a silent stretch does not reach -100 dB and no
    clip depends on the others in its batch. Runs on ``wave.device``.
    """
    spec = spectrogram(wave, n_fft=n_fft, hop_length=hop_length)  # (..., n_fft//2+1, frames)
    fbank = mel_filterbank(n_mels, n_fft, sr, f_min, f_max, device=wave.device,
                           dtype=spec.dtype)
    mel = fbank @ spec  # (n_mels, bins) @ (..., bins, frames) -> (..., n_mels, frames)
    return to_db(mel, top_db)
