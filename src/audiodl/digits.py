"""Spoken digits: clips of one length, log-mel and MFCC features, hand-made features for
classical classifiers, a small CNN, and data augmentation (docs/ch5/features.md and
docs/ch5/cnn.md).

The recordings (:mod:`audiodl.datasets`) last from about 0.14 s to 2.3 s. A classical
classifier needs one vector of the same size for every clip: :func:`clip_features` pools
each clip's MFCCs over time (in a few segments, so the order of the sounds survives), so
no clip is padded or cut. The CNN needs images of one size: :func:`fix_length` centres
each clip in a window of :data:`CLIP_SAMPLES` samples, padding with silence or cutting the
ends of the few longer clips. The augmentations work on batches, draw from a
``torch.Generator`` (the same seed gives the same batch), and :class:`AugmentedLogMel`
chains them into a ``collate_fn`` that turns a batch of waves into augmented log-mels.
:class:`DigitCNN` is chapter 3's network with batch normalisation, and
:func:`train_digit_cnn` trains it with chapter 4's :func:`audiodl.train.fit`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from audiodl.datasets import SR
from audiodl.mel import log_mel_spectrogram
from audiodl.seed import SEED
from audiodl.train import FitResult, fit

__all__ = [
    "BATCH_SIZE", "CLIP_SAMPLES", "EPOCHS", "HOP_LENGTH", "LR", "N_FFT", "N_MELS", "N_MFCC",
    "SEGMENTS", "STRENGTHS", "TOP_DB",
    "AugmentedLogMel", "DigitCNN", "add_noise", "check_finite", "clip_features", "cmvn",
    "dct_matrix", "deltas", "fix_length", "log_mel", "mfcc", "pool_mfcc", "random_gain",
    "spec_augment", "time_shift", "train_digit_cnn", "training_parts", "trim_silence",
]

CLIP_SAMPLES = 6400  # 0.8 s at 8 kHz: 98 % of the clips fit whole
N_FFT = 256  # 32 ms frames
HOP_LENGTH = 128  # 16 ms between frames: 51 frames in a 0.8 s window
N_MELS = 32
TOP_DB = 40.0  # each log-mel is floored 40 dB below its own peak (see log_mel)
N_MFCC = 13
SEGMENTS = 5  # clip_features: MFCC means over this many stretches of the clip
EPOCHS, BATCH_SIZE, LR = 10, 64, 3e-3  # train_digit_cnn's budget
# AugmentedLogMel's two candidate strengths (keyword arguments); "mild" is its default.
STRENGTHS = {
    "mild": dict(max_shift=SR // 20, snr_db=(20.0, 40.0), masks=1),
    "stronger": dict(max_shift=SR // 10, snr_db=(10.0, 40.0), masks=2),
}


def check_finite(x: torch.Tensor, what: str) -> None:
    """Raise ``ValueError`` when ``x`` holds NaN or infinite values: one of them would
    silently turn every frame, feature or prediction computed from it into NaN."""
    bad = int((~torch.isfinite(x)).sum())
    if bad:
        raise ValueError(f"{what}: {bad} of the {x.numel()} input values are NaN or infinite; "
                         f"a recording's samples must be finite numbers (check how it was "
                         f"read or made)")


def fix_length(wave: torch.Tensor, length: int = CLIP_SAMPLES) -> torch.Tensor:
    """Centre a clip in a window of ``length`` samples along the last axis: a shorter clip
    gets zeros (silence) on both sides, a longer one loses the same amount at both ends."""
    n = wave.shape[-1]
    if n >= length:
        start = (n - length) // 2
        return wave[..., start:start + length]
    before = (length - n) // 2
    return nn.functional.pad(wave, (before, length - n - before))


def trim_silence(wave: torch.Tensor, top_db: float = 30.0, frame: int = 256,
                 hop: int = 64) -> torch.Tensor:
    """Cut the quiet start and end of a recording (..., T): keep from the first to the last
    frame whose power is within ``top_db`` decibels of the loudest frame's (frames of
    ``frame`` samples every ``hop``; power averaged over the leading axes). FSDD says its clips
    are trimmed, but some speakers' keep long silent ends (docs/ch5/spoken-digits.md#listen),
    and a recording made at home usually has them too. Raises
    ``ValueError`` for NaN or infinite samples (no frame is then the loudest)."""
    check_finite(wave, "trim_silence")
    n = wave.shape[-1]
    if n <= frame:
        return wave
    power = wave.reshape(-1, n).pow(2).mean(dim=0).unfold(0, frame, hop).mean(dim=-1)
    loud = (10 * torch.log10(power.clamp_min(1e-20) / power.max().clamp_min(1e-20))
            > -top_db).nonzero()[:, 0]
    first, last = int(loud[0]), int(loud[-1])
    return wave[..., first * hop:min(n, last * hop + frame)]


def log_mel(wave: torch.Tensor, top_db: float = TOP_DB) -> torch.Tensor:
    """The chapter's log-mel spectrogram: (..., T) at 8 kHz -> (..., N_MELS, frames) in dB,
    with ``n_fft`` 256 (32 ms), hop 128 (16 ms), 32 mel bands from 0 to 4 kHz, each clip
    floored ``top_db`` (:data:`TOP_DB`, 40) dB below its own peak. The recordings'
    background noise lies between about 15 and 50 dB below their peaks, depending on the
    microphone and the room: the floor hides that difference, and the padding's silence
    sits at the same floor. Raises ``ValueError`` for NaN or infinite samples."""
    check_finite(wave, "log_mel")
    return log_mel_spectrogram(wave, SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS,
                               top_db=top_db)


def dct_matrix(n_mfcc: int, n_mels: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The orthonormal DCT-II as a matrix (n_mfcc, n_mels): row k is the cosine
    ``cos(pi k (2m + 1) / (2 n_mels))``, scaled so that the full square matrix is
    orthogonal (``scipy.fft.dct(x, norm="ortho")``)."""
    k = torch.arange(n_mfcc, dtype=torch.float64)[:, None]
    m = torch.arange(n_mels, dtype=torch.float64)[None, :]
    basis = torch.cos(math.pi * k * (2 * m + 1) / (2 * n_mels)) * math.sqrt(2 / n_mels)
    basis[0] /= math.sqrt(2)
    return basis.to(dtype)


def mfcc(spec_db: torch.Tensor, n_mfcc: int = N_MFCC) -> torch.Tensor:
    """Mel-frequency cepstral coefficients: the DCT of each frame's log-mel column.
    (..., n_mels, frames) in dB -> (..., n_mfcc, frames). Coefficient 0 is the frame's
    mean level over the bands times sqrt(n_mels) (docs/ch1/features.md#mfcc), 1 its tilt
    from low to high bands, the next ones ever finer ripples of the spectral envelope
    (the formants that tell one vowel from another). Raises
    ``ValueError`` for NaN or infinite values."""
    check_finite(spec_db, "mfcc")
    basis = dct_matrix(n_mfcc, spec_db.shape[-2], spec_db.dtype).to(spec_db.device)
    return basis @ spec_db


def cmvn(coeffs: torch.Tensor, variance: bool = True) -> torch.Tensor:
    """Cepstral mean (and variance) normalisation of one clip's coefficients
    (..., n_mfcc, frames): subtract each coefficient's mean over the clip's frames and, with
    ``variance``, divide by its standard deviation over them. A fixed gain or microphone
    response adds about the same vector to every frame's cepstrum, and so does a speaker's
    average spectral envelope: the mean removes both, and with them whatever the clip's
    average spectrum said about the digit. A coefficient that never moves stays 0."""
    check_finite(coeffs, "cmvn")
    centred = coeffs - coeffs.mean(dim=-1, keepdim=True)
    if not variance:
        return centred
    std = coeffs.std(dim=-1, keepdim=True)
    return centred / torch.where(std > 0, std, torch.ones_like(std))


def deltas(coeffs: torch.Tensor, width: int = 5) -> torch.Tensor:
    """How fast each coefficient changes, (..., n, frames) -> (..., n, frames)
    (docs/ch1/features.md, section "deltas"). With ``N = width // 2``, frame t gets the
    slope of the straight line fitted to frames t - N ... t + N,
    ``sum_n n (c[t + n] - c[t - n]) / (2 sum_n n^2)``; the first and last N frames, whose
    window would reach past an end, take the slope of the first and last full window.
    That is ``librosa.feature.delta(coeffs, width=width)`` (its default ``mode="interp"``).
    The deltas of the deltas are the delta-deltas. Raises ``ValueError`` for fewer frames
    than ``width`` or a ``width`` that is not an odd number of at least 3."""
    if width < 3 or width % 2 == 0:
        raise ValueError(f"deltas: width must be an odd number >= 3, got {width}")
    frames = coeffs.shape[-1]
    if frames < width:
        raise ValueError(f"deltas: {frames} frames are fewer than the window of {width}; "
                         f"use a smaller width or a longer clip")
    half = width // 2
    offsets = torch.arange(-half, half + 1, dtype=coeffs.dtype, device=coeffs.device)
    slopes = coeffs.unfold(-1, width, 1) @ (offsets / offsets.pow(2).sum())  # (..., n, T - 2N)
    first, last = slopes[..., :1], slopes[..., -1:]
    return torch.cat([first.expand(*first.shape[:-1], half), slopes,
                      last.expand(*last.shape[:-1], half)], dim=-1)


def pool_mfcc(coeffs: torch.Tensor, segments: int = SEGMENTS) -> np.ndarray:
    """One clip's MFCCs (n_mfcc, frames) as a vector of fixed length: the coefficients
    averaged over each of ``segments`` equal stretches of time (the order of the sounds),
    then each coefficient's standard deviation over the whole clip (how much it moves).
    Length ``n_mfcc * (segments + 1)``, float64."""
    coeffs = coeffs.double()
    frames = coeffs.shape[-1]
    if frames < segments:
        raise ValueError(f"{frames} frames of MFCCs are fewer than the {segments} segments "
                         f"to average over: the clip is too short")
    parts = torch.tensor_split(coeffs, segments, dim=-1)
    means = torch.stack([p.mean(dim=-1) for p in parts], dim=-1)  # (n_mfcc, segments)
    return torch.cat([means.T.reshape(-1), coeffs.std(dim=-1)]).numpy()


def clip_features(wave: torch.Tensor, n_mfcc: int = N_MFCC, segments: int = SEGMENTS,
                  top_db: float = TOP_DB) -> np.ndarray:
    """A fixed-length vector for a clip of any length (1, T) or (T,): :func:`pool_mfcc` of
    its MFCCs (of the clip alone, no padding). Length ``n_mfcc * (segments + 1)``, float64.
    ``top_db`` is the log-mel floor (:func:`log_mel`)."""
    return pool_mfcc(mfcc(log_mel(wave.reshape(-1), top_db), n_mfcc), segments)


class DigitCNN(nn.Module):
    """Chapter 3's network with batch normalisation: three blocks of convolution, batch
    normalisation, ReLU and max pooling, then Flatten and two linear layers.

    Input (B, 1, n_mels, frames) log-mel in dB, output (B, n_classes) logits. Each input is
    first standardised on its own (zero mean, unit variance over the whole image), so the
    network sees the shape of a sound, not its loudness.
    """

    def __init__(self, n_classes: int = 10, n_mels: int = N_MELS,
                 n_frames: int = 1 + CLIP_SAMPLES // HOP_LENGTH,
                 channels: Sequence[int] = (8, 16, 32), hidden: int = 64):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, h, w = 1, n_mels, n_frames
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1),
                       nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
            c_in, h, w = c_out, h // 2, w // 2  # MaxPool2d(2) halves, rounding down
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(c_in * h * w, hidden), nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(-2, -1), keepdim=True)
        std = x.std(dim=(-2, -1), keepdim=True)
        return self.classifier(self.features((x - mean) / (std + 1e-5)))


def training_parts(model: nn.Module, train_set: Dataset, *, augment=None,
                   epochs: int = EPOCHS, batch_size: int = BATCH_SIZE, lr: float = LR,
                   seed: int = SEED):
    """:func:`train_digit_cnn`'s recipe without its loop: ``(loader, optimizer, scheduler)``
    for ``model`` (switched to the channels-last layout), for a loop of one's own
    (examples/ch5/compare.py validates on two speakers at once)."""
    # The channels-last layout (channel as the fastest-changing axis) is the one oneDNN's
    # CPU convolutions run fastest with: about 30 % less time per epoch for this network.
    model.to(memory_format=torch.channels_last)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed), collate_fn=augment)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    return loader, optimizer, scheduler


def train_digit_cnn(model: nn.Module, train_set: Dataset, val_set: Dataset, *,
                    augment=None, epochs: int = EPOCHS, batch_size: int = BATCH_SIZE,
                    lr: float = LR, device: torch.device | str | None = None,
                    seed: int = SEED, patience: int | None = None, log=None) -> FitResult:
    """Train ``model`` with :func:`audiodl.train.fit` (docs/ch4/training-loop.md): Adam,
    a learning rate that falls along a cosine to 0 over ``epochs`` epochs, cross-entropy,
    minibatches of ``batch_size`` in an order drawn from ``seed``; the epoch with the best
    validation accuracy is kept, and with ``patience=k`` training stops after ``k`` epochs
    without a better one (the schedule still spans ``epochs``). ``val_set`` yields log-mels
    (1, n_mels, frames); ``train_set`` does too, or, with ``augment`` (a ``collate_fn`` such
    as :class:`AugmentedLogMel`), waves that ``augment`` turns into log-mels batch by batch.
    The model's weights are switched to the channels-last memory layout (same values).
    """
    loader, optimizer, scheduler = training_parts(model, train_set, augment=augment,
                                                  epochs=epochs, batch_size=batch_size,
                                                  lr=lr, seed=seed)
    return fit(model, loader, DataLoader(val_set, batch_size=256), nn.CrossEntropyLoss(),
               optimizer, epochs=epochs, device=device, scheduler=scheduler,
               patience=patience, log=log)


# ----------------------------------------------------------------------- augmentation


def _uniform(low: float, high: float, shape: tuple[int, ...],
             generator: torch.Generator | None) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator)


def time_shift(wave: torch.Tensor, max_shift: int,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Move each clip of a batch (B, C, T) by its own whole number of samples, drawn from
    ``-max_shift`` to ``max_shift``; silence comes in at one end and what is pushed past
    the other end is lost (no wrap-around)."""
    batch, _, length = wave.shape
    shift = torch.randint(-max_shift, max_shift + 1, (batch, 1, 1), generator=generator)
    source = torch.arange(length).view(1, 1, -1) - shift.to(wave.device)  # out[t] = in[t - s]
    inside = (source >= 0) & (source < length)
    source = source.clamp(0, length - 1).expand(batch, wave.shape[1], length)
    return wave.gather(-1, source) * inside


def random_gain(wave: torch.Tensor, max_db: float,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Scale each clip of a batch (B, C, T) by its own gain, uniform in decibels from
    ``-max_db`` to ``+max_db``."""
    db = _uniform(-max_db, max_db, (wave.shape[0], 1, 1), generator).to(wave.device)
    return wave * 10.0 ** (db / 20.0)


def add_noise(wave: torch.Tensor, snr_db: tuple[float, float],
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Add background noise to each clip of a batch (B, C, T) at its own signal-to-noise
    ratio, uniform in ``snr_db`` (low, high) decibels. The noise is coloured: white noise
    whose power spectrum is tilted by ``f**-alpha``, alpha uniform in [0, 2] (white, pink,
    up to brown, like hum and rumble). The noise is made in the frequency domain: white
    noise's spectrum has independent Gaussian real and imaginary parts, which are drawn
    directly, shaped, and turned into a wave by one inverse FFT. The signal's power is
    measured where the clip is not padding (samples that are not exactly zero), so a short
    clip in a long window gets the same ratio as a long one."""
    batch, channels, length = wave.shape
    n_bins = length // 2 + 1
    white = torch.randn((batch, channels, n_bins, 2), generator=generator)
    alpha = _uniform(0.0, 2.0, (batch, 1, 1), generator)
    freqs = torch.fft.rfftfreq(length)
    freqs[0] = freqs[1]  # no infinite gain at 0 Hz
    noise = torch.fft.irfft(torch.view_as_complex(white) * freqs ** (-alpha / 2), n=length)
    noise = noise.to(wave.device, wave.dtype)
    sounding = (wave != 0).sum(dim=-1, keepdim=True).clamp_min(1)
    signal_power = wave.pow(2).sum(dim=-1, keepdim=True) / sounding
    noise_power = noise.pow(2).mean(dim=-1, keepdim=True)
    snr = _uniform(*snr_db, (batch, 1, 1), generator).to(wave.device)
    return wave + noise * torch.sqrt(signal_power / (noise_power * 10.0 ** (snr / 10.0)))


def spec_augment(spec: torch.Tensor, max_bands: int, max_frames: int, masks: int = 2,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """SpecAugment's masks on a batch of spectrograms (B, C, n_mels, frames): ``masks``
    times, hide a run of up to ``max_bands`` mel bands and a run of up to ``max_frames``
    frames, each of random width and place per clip, by setting them to the clip's mean."""
    batch, _, n_mels, n_frames = spec.shape
    out = spec.clone()
    fill = spec.mean(dim=(-2, -1), keepdim=True)  # (B, C, 1, 1)

    def runs(size: int, widest: int) -> torch.Tensor:  # (B, size) True inside the run
        width = torch.randint(0, widest + 1, (batch, 1), generator=generator)
        start = (torch.rand((batch, 1), generator=generator) * (size - width + 1)).long()
        pos = torch.arange(size)[None]
        return ((pos >= start) & (pos < start + width)).to(spec.device)

    for _ in range(masks):
        bands = runs(n_mels, max_bands)[:, None, :, None]
        frames = runs(n_frames, max_frames)[:, None, None, :]
        out = torch.where(bands | frames, fill, out)
    return out


class AugmentedLogMel:
    """A ``collate_fn`` for a ``DataLoader`` of ``(wave, digit)`` items with waves of one
    length (1, T): stacks a batch, then time shift, gain and background noise on the waves,
    the log-mel spectrogram, and SpecAugment's masks on it. Returns ``(x, y)`` with ``x``
    of shape (B, 1, n_mels, frames). Every random draw comes from ``generator``.

    The defaults are :data:`STRENGTHS`' ``"mild"``: a shift of up to 50 ms, a gain within
    6 dB, noise 20 to 40 dB below the speech, one mask of up to 3 mel bands and one of up to
    4 frames (64 ms); ``"stronger"`` doubles the shift, lets the noise come up to 10 dB
    below the speech and masks twice. These are the course's two candidates, not tuned
    values: examples/ch5/compare.py chooses between them on a validation speaker, never on
    the speaker it tests on (docs/ch5/evaluation.md). ``top_db`` is the log-mel floor
    (:func:`log_mel`).
    """

    def __init__(self, generator: torch.Generator, max_shift: int = SR // 20,
                 max_gain_db: float = 6.0, snr_db: tuple[float, float] = (20.0, 40.0),
                 max_bands: int = 3, max_frames: int = 4, masks: int = 1,
                 top_db: float = TOP_DB):
        self.generator = generator
        self.top_db = top_db
        self.max_shift, self.max_gain_db, self.snr_db = max_shift, max_gain_db, snr_db
        self.max_bands, self.max_frames, self.masks = max_bands, max_frames, masks

    def __call__(self, batch: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
        wave = torch.stack([w for w, _ in batch])  # (B, 1, T)
        y = torch.as_tensor([int(d) for _, d in batch])
        g = self.generator
        wave = time_shift(wave, self.max_shift, g)
        wave = random_gain(wave, self.max_gain_db, g)
        wave = add_noise(wave, self.snr_db, g)
        x = spec_augment(log_mel(wave, self.top_db), self.max_bands, self.max_frames, self.masks, g)
        return x, y
