"""Networks that hear a string of digits and write it down, trained with CTC (chapter 6's
project, docs/ch6/connected-digits.md; used by examples/ch6/connected_digits.py and
examples/ch6/transcribe.py).

- :func:`string_features` turns an 8 kHz wave into the network's input: chapter 5's log-mel
  (:func:`audiodl.digits.log_mel`), each band scaled to zero mean and unit variance over the
  recording, frames first, shape (T, n_mels). The scaling removes the string's gain and much
  of what is constant about a voice or a microphone.
- :class:`ConvFrontEnd` shortens time four times with two strided 1-D convolutions (the mel
  bands are the channels): 64 ms per output frame, still several frames per digit.
- :class:`CRNN` puts a bidirectional GRU on the front end, :class:`TransformerCTC` a
  pre-norm Transformer encoder; both end in 11 log-probabilities per frame: the blank
  (class 0) and the digits 0-9 (class d + 1).
- :func:`warp_bands` stretches or squeezes the mel axis of each recording at random, as a
  longer or shorter vocal tract would: an augmentation aimed at voices never heard.
- :func:`train_ctc` trains one network and keeps the epoch that the validation strings like
  best; :func:`transcribe` and :func:`score` decode greedily (:func:`audiodl.ctc.greedy_decode`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from audiodl.ctc import error_rate, greedy_decode
from audiodl.digits import N_MELS, check_finite, log_mel

__all__ = ["BLANK", "CRNN", "ConvFrontEnd", "TrainResult", "TransformerCTC", "batches",
           "score", "sinusoidal_positions", "string_features", "train_ctc", "transcribe",
           "warp_bands"]

BLANK = 0  # class 0 is the blank; digit d is class d + 1
N_CLASSES = 11

Item = tuple[torch.Tensor, torch.Tensor]  # (features (T, n_mels), digits (L,))


def string_features(wave: torch.Tensor) -> torch.Tensor:
    """An 8 kHz wave (T,) -> (frames, n_mels): log-mel, each band normalised over the
    recording (an all-constant band becomes 0, not NaN)."""
    check_finite(wave, "the wave")
    x = log_mel(wave.reshape(-1))  # (n_mels, frames)
    x = (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True, correction=0) + 1e-5)
    return x.T.contiguous()


def warp_bands(x: torch.Tensor, generator: torch.Generator, amount: float) -> torch.Tensor:
    """Each recording of a batch (B, T, n_mels) read along a mel axis stretched by its own
    factor, uniform in 1 ± amount, with linear interpolation between bands; the top band
    repeats where a squeezed axis runs out."""
    b, _, m = x.shape
    factor = 1 + amount * (2 * torch.rand(b, 1, generator=generator) - 1)
    source = (torch.arange(m, dtype=x.dtype)[None] / factor).clamp(max=m - 1)  # (B, M)
    low = source.floor().long()
    high = (low + 1).clamp(max=m - 1)
    w = (source - low)[:, None, :]
    low, high = low[:, None, :].expand_as(x), high[:, None, :].expand_as(x)
    return x.gather(2, low) * (1 - w) + x.gather(2, high) * w


def stretch_time(x: torch.Tensor, lengths: torch.Tensor, generator: torch.Generator,
                 amount: float) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch (B, T, n_mels) said faster or slower: time resampled by one factor uniform
    in 1 ± amount (linear interpolation), the lengths scaled with it."""
    factor = 1 + amount * (2 * float(torch.rand(1, generator=generator)) - 1)
    frames = max(1, round(x.shape[1] * factor))
    y = nn.functional.interpolate(x.transpose(1, 2), size=frames, mode="linear",
                                  align_corners=False).transpose(1, 2)
    return y, (lengths.float() * frames / x.shape[1]).round().long().clamp(1, frames)


class ConvFrontEnd(nn.Module):
    """Two 1-D convolutions over time (kernel 5, stride 2 each; the mel bands are the input
    channels), each followed by BatchNorm and ReLU: (B, T, n_mels) -> (B, ceil(T/4), channels).
    After each block the frames past a recording's end are set to 0, so that a recording's
    output does not depend on how long the others in its batch are."""

    STRIDES = (2, 2)

    def __init__(self, n_mels: int = N_MELS, channels: int = 64) -> None:
        super().__init__()
        blocks, c_in = [], n_mels
        for stride in self.STRIDES:
            blocks.append(nn.Sequential(nn.Conv1d(c_in, channels, 5, stride=stride, padding=2),
                                        nn.BatchNorm1d(channels), nn.ReLU()))
            c_in = channels
        self.blocks = nn.ModuleList(blocks)

    @staticmethod
    def _shorter(lengths: torch.Tensor, stride: int) -> torch.Tensor:
        return torch.div(lengths - 1, stride, rounding_mode="floor") + 1  # padding 2 rounds up

    def out_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        """Frames out for frames in."""
        for stride in self.STRIDES:
            lengths = self._shorter(lengths, stride)
        return lengths

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        h = x.transpose(1, 2)  # (B, n_mels, T): the bands are the channels
        for block, stride in zip(self.blocks, self.STRIDES, strict=True):
            h, lengths = block(h), self._shorter(lengths, stride)
            # A zero-padded frame comes out of conv + BatchNorm + ReLU as a nonzero frame,
            # which the next convolution would mix into the recording's last real frames.
            h = h * (torch.arange(h.shape[-1], device=h.device)[None] < lengths[:, None])[:, None]
        return h.transpose(1, 2), lengths


class CRNN(nn.Module):
    """Convolutional front end, a bidirectional GRU, and a linear layer to the 11 classes.
    ``forward(x (B, T, n_mels), lengths (B,))`` -> (log-probabilities (B, T', 11), lengths (B,))."""

    def __init__(self, n_mels: int = N_MELS, channels: int = 64, hidden: int = 64,
                 layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__()
        self.front = ConvFrontEnd(n_mels, channels)
        self.drop = nn.Dropout(dropout)
        self.gru = nn.GRU(channels, hidden, num_layers=layers, batch_first=True,
                          bidirectional=True)
        self.out = nn.Linear(2 * hidden, N_CLASSES)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        h, lengths = self.front(x, lengths)
        h = self.drop(h)
        # Packing keeps the backward direction from starting in the padding.
        packed = pack_padded_sequence(h, lengths.cpu(), batch_first=True, enforce_sorted=False)
        h, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True,
                                   total_length=h.shape[1])
        return self.out(h).log_softmax(-1), lengths


def sinusoidal_positions(length: int, d_model: int) -> torch.Tensor:
    """The Transformer's fixed positional encoding (docs/ch6/attention.md#positions), (length,
    d_model): sines in the even columns, cosines in the odd ones, wavelengths growing
    geometrically from 2 pi to 10000 * 2 pi."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    angle = position / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    pe = torch.zeros(length, d_model)
    pe[:, 0::2], pe[:, 1::2] = angle.sin(), angle.cos()
    return pe


class TransformerCTC(nn.Module):
    """Convolutional front end, sinusoidal positions, a pre-norm Transformer encoder (padding
    frames masked out of attention), a final LayerNorm and a linear layer to the 11 classes."""

    def __init__(self, n_mels: int = N_MELS, channels: int = 64, layers: int = 2,
                 heads: int = 4, feed_forward: int = 128, dropout: float = 0.1) -> None:
        super().__init__()
        self.front = ConvFrontEnd(n_mels, channels)
        block = nn.TransformerEncoderLayer(channels, heads, feed_forward, dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(channels)  # pre-norm blocks leave the last sum unnormalised
        self.out = nn.Linear(channels, N_CLASSES)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        h, lengths = self.front(x, lengths)
        frames = h.shape[1]
        h = h + sinusoidal_positions(frames, h.shape[2]).to(h.device)
        # True = leave out: the padding frames take no part in attention.
        padding = torch.arange(frames, device=h.device)[None] >= lengths[:, None]
        h = self.encoder(h, src_key_padding_mask=padding)
        return self.out(self.norm(h)).log_softmax(-1), lengths


def batches(items: Sequence[Item], batch_size: int,
            generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, ...]]:
    """Batches of strings of similar length (sorted, then cut), so little is padding; in a
    random order of batches when a generator is given. Yields ``(x (B, T, n_mels), lengths,
    targets (B, L) padded with -1, target_lengths)``."""
    order = sorted(range(len(items)), key=lambda i: items[i][0].shape[0])
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if generator is not None:
        groups = [groups[int(k)] for k in torch.randperm(len(groups), generator=generator)]
    for group in groups:
        xs = [items[i][0] for i in group]
        ys = [items[i][1] for i in group]
        yield (pad_sequence(xs, batch_first=True), torch.tensor([len(x) for x in xs]),
               pad_sequence(ys, batch_first=True, padding_value=-1),
               torch.tensor([len(y) for y in ys]))


def transcribe(model: nn.Module, features: Sequence[torch.Tensor],
               batch_size: int = 64) -> list[list[int]]:
    """The digits a model hears in each recording's features (T, n_mels), greedy decoding."""
    items = [(x, torch.zeros(0, dtype=torch.long)) for x in features]
    order = sorted(range(len(items)), key=lambda i: items[i][0].shape[0])
    heard: dict[int, list[int]] = {}
    model.eval()
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            group = order[start:start + batch_size]
            x, lengths, _, _ = next(batches([items[i] for i in group], len(group)))
            log_probs, out_lengths = model(x, lengths)
            for i, path in zip(group, greedy_decode(log_probs, out_lengths, BLANK), strict=True):
                heard[i] = [c - 1 for c in path]  # class d + 1 is digit d
    return [heard[i] for i in range(len(items))]


def score(model: nn.Module, items: Sequence[Item]) -> tuple[float, float, list[list[int]]]:
    """Digit error rate, whole-string accuracy and the digits heard, for ``items``."""
    heard = transcribe(model, [x for x, _ in items])
    said = [y.tolist() for _, y in items]
    exact = sum(h == s for h, s in zip(heard, said, strict=True)) / len(items)
    return error_rate(said, heard), exact, heard


@dataclass
class TrainResult:
    """What :func:`train_ctc` did: the mean training loss and the validation digit error rate
    after each epoch, the epoch kept (1-based), and the CPU seconds spent (all threads)."""

    losses: list[float] = field(default_factory=list)
    val_der: list[float] = field(default_factory=list)
    best_epoch: int = 0
    cpu_s: float = 0.0


def train_ctc(model: nn.Module, train: Sequence[Item], validation: Sequence[Item] | None, *,
              epochs: int, seed: int, lr: float = 3e-3, batch_size: int = 16,
              warp: float = 0.12, log: Callable[[str], None] | None = None,
              on_epoch: Callable[[int, nn.Module], None] | None = None,
              stretch: float = 0.0) -> TrainResult:
    """Train ``model`` with ``nn.CTCLoss`` (AdamW, one-cycle learning rate, gradient norm
    clipped at 5, :func:`warp_bands` on every batch when ``warp`` > 0), measure the digit
    error rate on ``validation`` after each epoch, and leave the model with the weights of
    the best epoch (the later one on a tie). Without validation strings (``None``) the last
    epoch is kept: for a final model whose number of epochs was chosen before.
    ``on_epoch(epoch, model)``, when given, is called after every epoch (e.g. to score other
    strings with the weights of that epoch)."""
    if not train:
        raise ValueError("train_ctc needs at least one training string")
    if validation is not None and not validation:
        raise ValueError("validation is empty: give validation strings, or None to keep "
                         "the last epoch")
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    steps = epochs * math.ceil(len(train) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps,
                                                   pct_start=0.2)
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    result, best, start = TrainResult(), None, time.process_time()
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for x, lengths, targets, target_lengths in batches(train, batch_size, generator):
            if warp > 0:
                x = warp_bands(x, generator, warp)
            if stretch > 0:
                x, lengths = stretch_time(x, lengths, generator, stretch)
            log_probs, out_lengths = model(x, lengths)
            loss = ctc(log_probs.transpose(0, 1), targets.clamp_min(0) + 1, out_lengths,
                       target_lengths)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            schedule.step()
            total, count = total + float(loss.detach()), count + 1
        result.losses.append(total / count)
        if on_epoch:
            on_epoch(epoch, model)
        if validation is None:
            result.best_epoch = epoch
            if log:
                log(f"epoch {epoch}: loss {total / count:.3f}")
            continue
        der = score(model, validation)[0]
        result.val_der.append(der)
        if der <= min(result.val_der):
            best, result.best_epoch = ({k: v.clone() for k, v in model.state_dict().items()},
                                       epoch)
        if log:
            log(f"epoch {epoch}: loss {total / count:.3f}, validation DER {der:.1%}")
    if best is not None:
        model.load_state_dict(best)
    result.cpu_s = time.process_time() - start
    return result
