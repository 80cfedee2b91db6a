"""Sounds made from a seed: the synthesis primitives every synthetic clip of the course
is built from (:func:`envelope`, :func:`sweep`), and the data set of chapter 5's warm-up
(docs/ch5/warm-up.md, section "data"); chapter 2's ``audiodl.data.ClipDataset``
uses the same primitives.

Five classes a listener tells apart at once: a steady tone with harmonics, a rising
chirp, a falling chirp, a burst of band-limited noise and a train of clicks. Each clip
draws its pitch, timing, loudness and background noise at random, so the network has
to learn what makes a class, not one fixed picture of it.

Clip ``i`` of ``SynthSounds(size, seed)`` is a pure function of ``(seed, i)``: it is
made with its own ``torch.Generator`` seeded from both numbers. Nothing is read from
disk or downloaded, the data set is deterministic, and it pickles (DataLoader workers).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import Dataset

SR = 16_000  # samples per second
DURATION = 1.0  # seconds per clip
CLASSES = ("tone", "chirp_up", "chirp_down", "noise_burst", "click_train")

# The fixed splits of the warm-up: name -> (seed, number of clips).
SPLITS = {"train": (1, 1000), "val": (2, 250), "test": (3, 500)}


def item_seed(seed: int, index: int) -> int:
    """A 32-bit seed mixed from (seed, index) by numpy's SeedSequence.

    torch's CPU generator keeps only the low 32 bits of a seed, so ``seed * 2**32 +
    index`` would give every data-set seed the same clips; a hash does not.
    """
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * torch.rand((), generator=gen, dtype=torch.float64).item()


def _log_uniform(gen: torch.Generator, low: float, high: float) -> float:
    return math.exp(_uniform(gen, math.log(low), math.log(high)))


def envelope(n: int, start: int, length: int, ramp: int) -> torch.Tensor:
    """0 outside [start, start + length), 1 inside, with raised-cosine ramps at both ends."""
    env = torch.zeros(n)
    length = max(length, 2 * ramp + 1)
    body = torch.ones(length)
    fade = 0.5 - 0.5 * torch.cos(torch.linspace(0, math.pi, ramp))
    if ramp:  # body[-0:] would be the whole body
        body[:ramp], body[-ramp:] = fade, fade.flip(0)
    stop = min(start + length, n)
    env[start:stop] = body[: stop - start]
    return env


def sweep(freq: torch.Tensor, sr: int, harmonics: list[float]) -> torch.Tensor:
    """A tone whose instantaneous frequency is ``freq`` (one value in Hz per sample),
    with harmonic k + 1 at amplitude ``harmonics[k]``."""
    # Phase is the running sum of frequency; keep it in float64 and wrap it to [0, 2 pi)
    # before the float32 sine, so that no precision is lost over a second of samples.
    phase = 2 * math.pi * torch.cumsum(freq.double(), 0) / sr
    wave = torch.zeros(len(freq))
    for k, a in enumerate(harmonics):
        wave += a * torch.sin(torch.remainder((k + 1) * phase, 2 * math.pi).float())
    return wave


def synth_clip(label: int, gen: torch.Generator, sr: int = SR, duration: float = DURATION):
    """One clip of class ``CLASSES[label]`` as a float32 tensor of shape (T,) in [-1, 1]."""
    n = round(sr * duration)
    name = CLASSES[label]
    t = torch.arange(n) / sr
    # When the sound happens: length and onset drawn at random, inside the clip.
    length_s = _uniform(gen, 0.25, 0.7) if name != "click_train" else _uniform(gen, 0.4, 0.9)
    length = round(length_s * sr)
    start = round(_uniform(gen, 0.0, duration - length_s) * sr)
    env = envelope(n, start, length, ramp=round(0.01 * sr))
    if name == "tone":
        f0 = _log_uniform(gen, 150.0, 1000.0)
        decay = _uniform(gen, 0.3, 0.8)  # each harmonic this much weaker than the last
        event = sweep(torch.full((n,), f0), sr, [decay**k for k in range(4)])
    elif name in ("chirp_up", "chirp_down"):
        f_low = _log_uniform(gen, 150.0, 600.0)
        ratio = _uniform(gen, 2.5, 6.0)  # the sweep covers 1.3 to 2.6 octaves
        tau = ((torch.arange(n) - start) / length).clamp(0.0, 1.0).double()
        if name == "chirp_down":
            tau = 1.0 - tau
        event = sweep(f_low * ratio**tau, sr, [1.0, 0.3])  # exponential sweep
    elif name == "noise_burst":
        low = _log_uniform(gen, 200.0, 2000.0)
        high = min(low * _uniform(gen, 2.0, 8.0), 0.48 * sr)
        # Band-limit white noise in the frequency domain. numpy's FFT, because torch's
        # rounds differently with different thread counts and clips must be bit-exact.
        spectrum = np.fft.rfft(torch.randn(n, generator=gen).double().numpy())
        freqs = np.fft.rfftfreq(n, 1 / sr)
        band = np.fft.irfft(spectrum * ((freqs >= low) & (freqs <= high)), n)
        event = torch.from_numpy(band).float()
    else:  # click_train: short decaying noise bursts, evenly spaced
        rate = _uniform(gen, 4.0, 16.0)  # clicks per second
        decay_s = _uniform(gen, 0.001, 0.003)
        clicks = torch.zeros(n)
        for onset in np.arange(start, start + length - 1, sr / rate).round().astype(int):
            m = min(round(8 * decay_s * sr), n - onset)
            burst = torch.randn(m, generator=gen)
            clicks[onset : onset + m] = burst * torch.exp(-t[:m] / decay_s)
        event, env = clicks, torch.ones(n)
    event = event * env
    # Loudness: peak between -30 dB and -1 dB of full scale.
    event = event * (10 ** (_uniform(gen, -30.0, -1.0) / 20) / event.abs().max())
    # Background: white noise 5 to 30 dB below the sound's RMS while it plays.
    rms = event[start : start + length].pow(2).mean().sqrt()
    noise_rms = rms * 10 ** (-_uniform(gen, 5.0, 30.0) / 20)
    wave = event + noise_rms * torch.randn(n, generator=gen)
    return wave.clamp(-1.0, 1.0)


class SynthSounds(Dataset):
    """``size`` labelled clips; item ``i`` is ``(wave (1, T) float32, label int)``.

    Labels cycle through the classes (``i % 5``), so every class has the same number of
    clips (to within one). Clip ``i`` depends only on ``(seed, i)``.
    """

    classes = CLASSES

    def __init__(self, size: int, seed: int = 0, sr: int = SR, duration: float = DURATION):
        self.size, self.seed, self.sr, self.duration = size, seed, sr, duration

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        if not 0 <= index < self.size:
            raise IndexError(f"index {index} out of range for {self.size} clips")
        label = index % len(CLASSES)
        gen = torch.Generator().manual_seed(item_seed(self.seed, index))
        return synth_clip(label, gen, self.sr, self.duration)[None], label

    def __repr__(self) -> str:
        return f"SynthSounds(size={self.size}, seed={self.seed}, sr={self.sr})"


def split(name: str) -> SynthSounds:
    """One of the warm-up's fixed splits: "train" (1000 clips), "val" (250), "test" (500)."""
    seed, size = SPLITS[name]
    return SynthSounds(size, seed=seed)


def stack(dataset: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """All clips of a data set as one batch: waves (N, 1, T) and labels (N,).

    The clips are made on one CPU thread: each is a few dozen operations on 16,000
    samples, too small to share out. A second thread only spins waiting for work, and on
    a busy machine that spinning took the CPU from the main thread (5x slower, measured).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        waves, labels = zip(*(dataset[i] for i in range(len(dataset))), strict=True)
    finally:
        torch.set_num_threads(threads)
    return torch.stack(waves), torch.tensor(labels)
