"""Short labelled audio clips and how to batch them (docs/ch2/data.md, sections "dataset"
and "dataloader").

:class:`ClipDataset` makes its clips itself from a seed (a pure tone, white noise or a
chirp, each of a different length), so the course needs no download and every rebuild
gets the same clips. Clips differ in length, so the default collate of a ``DataLoader``
cannot stack them; :func:`pad_collate` pads each batch to its longest clip and keeps the
true lengths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch.utils.data import Dataset

from audiodl.synth import envelope, sweep

CLASSES = ("tone", "noise", "chirp")


class ClipDataset(Dataset):
    """``n_clips`` short mono clips with labels 0 = tone, 1 = noise, 2 = chirp.

    Item ``i`` is ``(wave, label)`` with ``wave`` of shape (1, T), float32 in [-1, 1],
    and T between ``min_seconds * sr`` and ``max_seconds * sr``. Each clip's recipe
    (label, length, frequencies, loudness, noise seed) is drawn once from ``seed`` in
    ``__init__``; ``__getitem__`` synthesises the clip on demand, so item ``i`` is the
    same on every call and in every DataLoader worker. ``transform``, if given, is applied
    to the wave before it is returned (e.g. a spectrogram).
    """

    classes = CLASSES

    def __init__(
        self,
        n_clips: int = 60,
        sr: int = 16_000,
        min_seconds: float = 0.25,
        max_seconds: float = 1.0,
        seed: int = 0,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        if n_clips < 1:
            raise ValueError(f"n_clips must be at least 1, got {n_clips}")
        if sr < 8000:
            raise ValueError(f"sr must be at least 8000 Hz (chirps reach 3 kHz), got {sr}")
        if not 0 < min_seconds <= max_seconds:
            raise ValueError(
                f"need 0 < min_seconds <= max_seconds, got {min_seconds} and {max_seconds}"
            )
        self.sr = sr
        self.transform = transform
        g = torch.Generator().manual_seed(seed)
        lo, hi = round(min_seconds * sr), round(max_seconds * sr)
        # One recipe per clip; plain Python numbers so the dataset pickles small.
        # labels 0, 1, 2, 0, 1, 2, ... in a random order: the classes stay balanced
        order = torch.randperm(n_clips, generator=g)
        self.labels = (order % len(CLASSES)).tolist()
        self.lengths = torch.randint(lo, hi + 1, (n_clips,), generator=g).tolist()
        # Tones: log-uniform between 200 Hz and 2 kHz. Chirps sweep between a low
        # (200-600 Hz) and a high (1.2-3 kHz) frequency, up or down, so a chirp always
        # covers more than an octave and never looks like a tone.
        u = torch.rand(n_clips, 4, generator=g)
        tone = 200.0 * 10.0 ** u[:, 0]
        low, high = 200.0 * 3.0 ** u[:, 1], 1200.0 * 2.5 ** u[:, 2]
        up = u[:, 3] < 0.5
        start, end = torch.where(up, low, high), torch.where(up, high, low)
        is_tone = torch.tensor(self.labels) == CLASSES.index("tone")
        self.freqs = torch.stack(
            [torch.where(is_tone, tone, start), torch.where(is_tone, tone, end)], dim=1
        ).tolist()
        self.gains = (0.3 + 0.5 * torch.rand(n_clips, generator=g)).tolist()
        self.noise_seeds = torch.randint(2**31 - 1, (n_clips,), generator=g).tolist()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"clip index {i} out of range for {len(self)} clips")
        i = i % len(self)
        wave = synth_clip(
            self.labels[i], self.lengths[i], self.sr, self.freqs[i], self.gains[i],
            self.noise_seeds[i],
        )
        if self.transform is not None:
            wave = self.transform(wave)
        return wave, self.labels[i]

    def __repr__(self) -> str:
        return f"ClipDataset(n_clips={len(self)}, sr={self.sr})"


def synth_clip(
    label: int, n_samples: int, sr: int, freqs: Sequence[float], gain: float, noise_seed: int
) -> torch.Tensor:
    """One clip of shape (1, n_samples): a tone at ``freqs[0]`` Hz, white noise, or a linear
    chirp from ``freqs[0]`` to ``freqs[1]`` Hz; 10 ms fades at both ends avoid clicks."""
    if CLASSES[label] == "noise":
        g = torch.Generator().manual_seed(noise_seed)
        wave = (2 * torch.rand(n_samples, generator=g, dtype=torch.float64) - 1).float()
    else:  # a tone is a chirp whose frequency stays put
        f0, f1 = (freqs[0], freqs[0]) if CLASSES[label] == "tone" else freqs
        wave = sweep(torch.linspace(f0, f1, n_samples, dtype=torch.float64), sr, [1.0])
    fade = min(round(0.01 * sr), n_samples // 2)
    return gain * (wave * envelope(n_samples, 0, n_samples, ramp=fade)).unsqueeze(0)


def pad_collate(
    batch: Sequence[tuple[torch.Tensor, int]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Collate ``(wave (C, T_i), label)`` pairs of different lengths into one batch.

    Returns ``(waves, lengths, labels)``: ``waves`` of shape (B, C, T_max), each clip
    followed by zeros up to the longest clip in the batch; ``lengths`` (B,) the true
    lengths T_i; ``labels`` (B,), both int64.
    """
    if len(batch) == 0:
        raise ValueError("pad_collate got an empty batch")
    waves, labels = zip(*batch, strict=True)
    lengths = torch.tensor([w.shape[-1] for w in waves])
    out = waves[0].new_zeros(len(waves), *waves[0].shape[:-1], int(lengths.max()))
    for b, w in enumerate(waves):
        out[b, ..., : w.shape[-1]] = w
    return out, lengths, torch.as_tensor(labels, dtype=torch.long)
