"""Strings of spoken digits, like a phone number said aloud, built from FSDD recordings
(chapter 6's project, docs/ch6/connected-digits.md, section "data").

FSDD (:mod:`audiodl.datasets`) holds one digit per recording. Item ``i`` of
:class:`DigitStrings` joins 3 to 7 of them into one recording, built only from the seed and
``i``, so the same seed always gives the same strings and no audio is stored:

- the number of digits is uniform in ``n_digits`` (3-7) and each digit uniform in 0-9;
- one speaker says the whole string (a phone number is said by one person), drawn from
  ``speakers``; each digit is a take of that digit by that speaker, drawn from the allowed
  takes (``takes``: FSDD's own split, index 0-4 ``"test"`` or 5-49 ``"train"``, or ``"all"``),
  with its silent ends cut (:func:`audiodl.digits.trim_silence`);
- a pause uniform in ``pause_s`` (50-400 ms) between digits, and one in ``edge_s`` before the
  first and after the last;
- background noise at a signal-to-noise ratio uniform in ``snr_db`` (10-30 dB; speech power
  measured over the digits only), white or pink at random, made here (nothing downloaded);
- a gain for the whole string: its peak lands uniform in ``peak_db`` (-20 to -1 dB of full
  scale), so nothing clips.

:func:`speaker_folds` gives speaker-disjoint folds (four training speakers, one validation
speaker, one test speaker; the validation speaker is the test speaker's partner, as in
chapter 5); training on the training speakers' ``"train"`` takes leaves their ``"test"``
takes as held-out takes of seen speakers. :func:`collate_strings` pads a batch for
``nn.CTCLoss``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from audiodl.datasets import PARTNER, SPEAKERS, SR, TAKES, TEST_TAKES, load_clip, recordings_dir
from audiodl.digits import HOP_LENGTH, trim_silence

__all__ = ["TAKE_SPLITS", "DigitStrings", "Fold", "StringSpec", "collate_strings",
           "feature_frames", "speaker_folds"]

TAKE_SPLITS = {
    "train": tuple(range(TEST_TAKES, TAKES)),  # FSDD's own training split, index 5-49
    "test": tuple(range(TEST_TAKES)),  # index 0-4
    "all": tuple(range(TAKES)),
}
NOISE_COLOURS = ("white", "pink")
TARGET_PAD = -1  # collate_strings pads targets with this: never a digit, so misuse shows


@dataclass(frozen=True)
class Fold:
    """Speaker-disjoint roles for one experiment: train on ``train``, choose settings on
    ``validation``, report on ``test`` (never heard in training)."""

    train: tuple[str, ...]
    validation: tuple[str, ...]
    test: tuple[str, ...]


def speaker_folds() -> list[Fold]:
    """Six folds over FSDD's six speakers, chapter 5's nested design: fold ``k`` tests on
    speaker ``k``, validates on their partner (:data:`audiodl.datasets.PARTNER`) and trains
    on the other four, so the two folds of a pair train on the same speakers."""
    return [Fold(tuple(s for s in SPEAKERS if s not in (test, PARTNER[test])),
                 (PARTNER[test],), (test,)) for test in SPEAKERS]


@dataclass(frozen=True)
class StringSpec:
    """How item ``i`` is built: the ``digits``, the ``speaker``, the FSDD take of each digit
    (``takes``), where each digit starts and ends in the wave (``starts``, ``ends``, in
    samples), the whole wave's length ``n_samples``, and the noise and gain drawn."""

    digits: tuple[int, ...]
    speaker: str
    takes: tuple[int, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    n_samples: int
    snr_db: float
    noise: str
    peak_db: float


@functools.cache
def _trimmed_clip(path: str) -> np.ndarray:
    """One FSDD clip without its silent ends, read once per process (all 3,000 take ~40 MB)."""
    return trim_silence(load_clip(path)).reshape(-1).numpy()


def _check_range(name: str, pair: Sequence[float], low: float, high: float | None = None) -> tuple:
    try:
        a, b = pair
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high), got {pair!r}") from None
    if not (low <= a <= b and (high is None or b <= high)):
        bound = f"{low} <= low <= high" + (f" <= {high}" if high is not None else "")
        raise ValueError(f"{name} must satisfy {bound}, got {pair!r}")
    return a, b


class DigitStrings(Dataset):
    """``size`` strings of spoken digits (see the module docstring): item ``i`` is
    ``(wave, digits)``, ``wave`` float32 of shape (T,) at 8 kHz, ``digits`` an int64 tensor
    of the digits said, in order. :meth:`spec` tells how item ``i`` is built without
    making its audio. ``speakers``: names from :data:`audiodl.datasets.SPEAKERS`;
    ``takes``: ``"train"``, ``"test"`` or ``"all"`` (:data:`TAKE_SPLITS`); ``root``: the
    FSDD cache (:func:`audiodl.datasets.cache_dir`)."""

    def __init__(self, speakers: Iterable[str], takes: str = "all", size: int = 1000,
                 seed: int = 0, *, n_digits: tuple[int, int] = (3, 7),
                 pause_s: tuple[float, float] = (0.05, 0.4),
                 edge_s: tuple[float, float] = (0.05, 0.4),
                 snr_db: tuple[float, float] = (10.0, 30.0),
                 peak_db: tuple[float, float] = (-20.0, -1.0), root=None) -> None:
        if isinstance(speakers, str):
            raise TypeError(f"speakers is an iterable of names, e.g. [{speakers!r}], "
                            f"not the string {speakers!r}")
        chosen = list(dict.fromkeys(speakers))
        unknown = sorted(set(chosen) - set(SPEAKERS))
        if unknown:
            raise ValueError(f"unknown speaker(s) {unknown}; FSDD's speakers are {SPEAKERS}")
        if not chosen:
            raise ValueError("speakers is empty: name at least one of " + ", ".join(SPEAKERS))
        if takes not in TAKE_SPLITS:
            raise ValueError(f"takes must be one of {tuple(TAKE_SPLITS)}, got {takes!r}")
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a whole number >= 1, got {size!r}")
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
        lo, hi = _check_range("n_digits", n_digits, 1)
        if int(lo) != lo or int(hi) != hi:
            raise ValueError(f"n_digits must be whole numbers, got {n_digits!r}")
        self.speakers = tuple(s for s in SPEAKERS if s in chosen)
        self.takes, self.size, self.seed = takes, size, seed
        self.n_digits = (int(lo), int(hi))
        self.pause_s = _check_range("pause_s", pause_s, 0.0)
        self.edge_s = _check_range("edge_s", edge_s, 0.0)
        self.snr_db = _check_range("snr_db", snr_db, -float("inf"))
        self.peak_db = _check_range("peak_db", peak_db, -float("inf"), 0.0)
        self.folder = recordings_dir(root)

    def __len__(self) -> int:
        return self.size

    def _index(self, i: int) -> int:
        if not -self.size <= i < self.size:
            raise IndexError(f"DigitStrings index {i} out of range for {self.size} strings")
        return i % self.size

    def _draw(self, i: int):
        """The string's random choices and its clips, from a generator seeded by (seed, i)."""
        rng = np.random.default_rng([self.seed, self._index(i)])
        count = int(rng.integers(self.n_digits[0], self.n_digits[1] + 1))
        digits = tuple(int(d) for d in rng.integers(0, 10, count))
        speaker = self.speakers[int(rng.integers(len(self.speakers)))]
        allowed = TAKE_SPLITS[self.takes]
        takes = tuple(int(allowed[int(rng.integers(len(allowed)))]) for _ in digits)
        clips = [_trimmed_clip(str(self.folder / f"{d}_{speaker}_{t}.wav"))
                 for d, t in zip(digits, takes, strict=True)]
        gaps = np.concatenate([rng.uniform(*self.edge_s, 1), rng.uniform(*self.pause_s, count - 1),
                               rng.uniform(*self.edge_s, 1)])
        gaps = np.round(gaps * SR).astype(int)
        starts, ends, pos = [], [], 0
        for gap, clip in zip(gaps[:-1], clips, strict=True):
            pos += int(gap)
            starts.append(pos)
            pos += len(clip)
            ends.append(pos)
        spec = StringSpec(digits, speaker, takes, tuple(starts), tuple(ends), pos + int(gaps[-1]),
                          snr_db=float(rng.uniform(*self.snr_db)),
                          noise=NOISE_COLOURS[int(rng.integers(len(NOISE_COLOURS)))],
                          peak_db=float(rng.uniform(*self.peak_db)))
        return spec, clips, rng

    def spec(self, i: int) -> StringSpec:
        """How item ``i`` is built (digits, speaker, takes, where each digit lies, noise)."""
        return self._draw(i)[0]

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        spec, clips, rng = self._draw(i)
        speech = np.zeros(spec.n_samples)
        for start, clip in zip(spec.starts, clips, strict=True):
            speech[start:start + len(clip)] = clip
        speech_power = np.mean(np.concatenate(clips).astype(np.float64) ** 2)
        noise = _noise(spec.n_samples, spec.noise, rng)
        noise *= np.sqrt(speech_power / (np.mean(noise ** 2) * 10 ** (spec.snr_db / 10)))
        wave = speech + noise
        wave *= 10 ** (spec.peak_db / 20) / max(np.abs(wave).max(), 1e-12)
        return torch.from_numpy(wave.astype(np.float32)), torch.tensor(spec.digits)

    def __repr__(self) -> str:
        return (f"DigitStrings(speakers={list(self.speakers)}, takes={self.takes!r}, "
                f"size={self.size}, seed={self.seed})")


def _noise(n: int, colour: str, rng: np.random.Generator) -> np.ndarray:
    """White noise, or pink (power falling as 1/f) made by shaping white noise's spectrum."""
    white = rng.standard_normal(n)
    if colour == "white":
        return white
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1]  # no infinite gain at 0 Hz
    return np.fft.irfft(spectrum / np.sqrt(freqs), n=n)


def feature_frames(wave_lengths: torch.Tensor, hop_length: int = HOP_LENGTH) -> torch.Tensor:
    """How many frames ``torch.stft`` (centred, as :func:`audiodl.digits.log_mel` uses it)
    makes of waves of these lengths: ``1 + T // hop_length``."""
    return 1 + torch.div(wave_lengths, hop_length, rounding_mode="floor")


def collate_strings(batch: Sequence[tuple[torch.Tensor, torch.Tensor]]):
    """Pad a batch of ``(wave (T_i,), digits (L_i,))`` items:
    returns ``(waves (B, T_max), wave_lengths (B,), targets (B, L_max), target_lengths (B,))``.
    Waves are followed by zeros; targets by :data:`TARGET_PAD` (-1), which ``nn.CTCLoss``
    never reads when given ``target_lengths`` (map digits to classes before the loss, e.g.
    ``targets + 1`` with the blank at 0)."""
    if len(batch) == 0:
        raise ValueError("collate_strings got an empty batch")
    waves, targets = zip(*batch, strict=True)
    wave_lengths = torch.tensor([len(w) for w in waves])
    target_lengths = torch.tensor([len(t) for t in targets])
    padded_waves = torch.nn.utils.rnn.pad_sequence(list(waves), batch_first=True)
    padded_targets = torch.nn.utils.rnn.pad_sequence(list(targets), batch_first=True,
                                                     padding_value=TARGET_PAD)
    return padded_waves, wave_lengths, padded_targets, target_lengths
