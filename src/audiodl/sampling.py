"""Sampling and quantisation, as docs/ch1/sampling.md builds them: where a tone lands once
sampled (section "aliasing"), rounding a waveform to the levels of b bits, the triangular
dither added before rounding, and the signal-to-noise ratio that measures both (section
"quantisation"). numpy in, numpy out, like the page.
"""

from __future__ import annotations

import numpy as np


def alias_frequency(f: float, sr: float) -> float:
    """The frequency (Hz) at which a tone of frequency ``f`` is heard once sampled at ``sr``:
    ``f`` folded into [0, sr / 2] by taking away the nearest multiple of ``sr``."""
    if sr <= 0:
        raise ValueError(f"alias_frequency: sample rate {sr} Hz; it must be positive")
    return abs(f - sr * round(f / sr))


def _steps(bits: int) -> float:
    if not isinstance(bits, int | np.integer) or not 1 <= bits <= 32:
        raise ValueError(f"bits={bits!r}: a bit depth is a whole number from 1 to 32")
    return 2.0 ** (bits - 1)


def quantise(wave: np.ndarray, bits: int) -> np.ndarray:
    """``wave`` rounded to the nearest of the 2**bits levels k / 2**(bits - 1), k from
    -2**(bits - 1) to 2**(bits - 1) - 1, and clipped to that range: the int16 convention
    of ``audiodl.audio.save_wav`` for bits = 16 (the same numbers for a float32 ``wave``).
    Computed in ``wave``'s float type."""
    steps = _steps(bits)
    wave = np.asarray(wave)
    return np.clip(np.round(wave * steps), -steps, steps - 1) / steps


def tpdf_dither(shape: int | tuple[int, ...], bits: int, rng: np.random.Generator) -> np.ndarray:
    """Triangular (TPDF) dither for ``bits`` bits: the sum of two independent uniform noises,
    each one quantisation step wide, so it lies within one step either side of 0. Added
    before :func:`quantise`, it makes the rounding error independent of the signal."""
    steps = _steps(bits)
    return (rng.uniform(-0.5, 0.5, shape) + rng.uniform(-0.5, 0.5, shape)) / steps


def snr_db(clean: np.ndarray, processed: np.ndarray) -> float:
    """Signal-to-noise ratio in dB: the power of ``clean`` over the power of what
    ``processed`` added to it, 10 log10(sum clean**2 / sum (processed - clean)**2)."""
    clean, processed = np.asarray(clean, dtype=np.float64), np.asarray(processed, np.float64)
    if clean.shape != processed.shape:
        raise ValueError(f"snr_db: shapes {clean.shape} and {processed.shape} differ")
    noise = np.sum((processed - clean) ** 2)
    if noise == 0:
        return float("inf")
    return float(10 * np.log10(np.sum(clean**2) / noise))
