"""Sound as tensors: read and write WAV files, and the spectrogram that lets a network
treat sound as an image (docs/ch3/neural-networks.md, section "audio-networks").

Only the standard library's ``wave`` module and ``torch.stft``: the course does not need
torchaudio (see ../shared/TOOLING.md).
"""

from __future__ import annotations

import wave as wavefile
from importlib.resources import files
from pathlib import Path

import numpy as np
import torch

SPEECH_SR = 16_000


# One scale both ways, libsndfile's (soundfile, datasets.read_audio): an int16 sample k
# is the float k / 32768, in [-1, 1); writing multiplies by 32768 and clips to
# [-32768, 32767], so 1.0 becomes 32767 and int16 -> float -> int16 is exact for every
# value. (libsndfile then rounds down; we round to nearest, half a step of error at most.)
# Why not 32767: docs/ch2/tensors.md, exercises.
PCM16_SCALE = 32768.0


def load_wav(path: str | Path) -> tuple[torch.Tensor, int]:
    """Read a 16-bit PCM WAV file as a float32 waveform of shape (C, T) in [-1, 1):
    each sample divided by 32768, as soundfile reads it."""
    with wavefile.open(str(path), "rb") as f:
        if f.getsampwidth() != 2:
            raise ValueError(
                f"{path}: {8 * f.getsampwidth()}-bit samples; load_wav reads 16-bit PCM only"
            )
        channels, sr, frames = f.getnchannels(), f.getframerate(), f.readframes(f.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, channels).T
    return torch.from_numpy(samples.astype(np.float32) / PCM16_SCALE), sr


def save_wav(path: str | Path, wave: torch.Tensor, sr: int) -> Path:
    """Write a waveform of shape (T,) or (C, T), values in [-1, 1], as 16-bit PCM: each
    sample times 32768, rounded, clipped to [-32768, 32767] (the inverse of load_wav)."""
    wave = wave.detach().cpu().float()
    if wave.ndim == 1:
        wave = wave[None]
    if wave.ndim != 2:
        shape = tuple(wave.shape)
        raise ValueError(f"save_wav expects a (T,) or (C, T) waveform, got shape {shape}")
    if not torch.isfinite(wave).all():
        raise ValueError(f"{path}: the waveform has NaN or infinite samples; nothing written")
    pcm = (wave * PCM16_SCALE).round().clamp(-32768, 32767).to(torch.int16)
    pcm = pcm.T.contiguous().numpy()
    path = Path(path)
    with wavefile.open(str(path), "wb") as f:
        f.setnchannels(wave.shape[0])
        f.setsampwidth(2)
        f.setframerate(sr)
        f.writeframes(pcm.astype("<i2").tobytes())
    return path


def load_speech() -> tuple[torch.Tensor, int]:
    """The course's speech sample: "Audio signal processing and deep learning.",
    spoken by espeak-ng (``src/audiodl/assets/make_speech.sh``), mono, 16 kHz, (1, T)."""
    return load_wav(files("audiodl") / "assets" / "speech.wav")


def spectrogram(
    wave: torch.Tensor, n_fft: int = 512, hop_length: int = 128, power: float = 2.0
) -> torch.Tensor:
    """Power spectrogram |STFT|^power with a Hann window.

    ``wave`` has shape (..., T); the result has shape (..., n_fft // 2 + 1, frames):
    frequency bins from 0 to sr / 2 along one axis, time frames along the other.
    """
    lead = wave.shape[:-1]
    window = torch.hann_window(n_fft, device=wave.device, dtype=wave.dtype)
    stft = torch.stft(
        wave.reshape(-1, wave.shape[-1]), n_fft=n_fft, hop_length=hop_length,
        window=window, return_complex=True,
    )
    spec = stft.abs().pow(power)
    return spec.reshape(*lead, *spec.shape[-2:])


def to_db(spec: torch.Tensor, top_db: float = 80.0) -> torch.Tensor:
    """Power to decibels, 10·log10, each spectrogram clipped to ``top_db`` below its own
    maximum (docs/ch3/neural-networks.md, section "spectrogram-as-image").

    ``spec`` has shape (..., F, frames): the maximum is taken over the last two axes, so
    in a batch every item is clipped against itself and its decibels do not depend on
    the other items (a 1-D input is clipped against its own maximum). Without the clip,
    silence (power 0) would sit at -100 dB and squash the colour scale of a plot.
    """
    db = 10.0 * torch.log10(spec.clamp_min(1e-10))
    if db.ndim == 0:
        return db
    axes = (-2, -1) if db.ndim >= 2 else (-1,)
    return db.clamp_min(db.amax(dim=axes, keepdim=True) - top_db)
