"""Transfer learning: adapting a trained digit network to a new voice with a few of its
recordings (docs/ch5/adapt.md; used by examples/ch5/transfer.py and examples/ch5/adapt.py).

- :func:`pretrain` trains chapter 5's :class:`~audiodl.digits.DigitCNN` with the recipe of
  ``predict.py``'s network (:func:`audiodl.recognise.train_predictor`) on some speakers.
- :func:`speaker_log_mels` gives every clip of one speaker as the network's input.
- :func:`draw_takes` draws ``k`` recordings of each digit; a larger ``k`` keeps the clips
  of a smaller one, so the curves against ``k`` differ in the data added, not in luck.
- :func:`adapt` fine-tunes a copy of a network on a few clips with one of :data:`METHODS`:
  which parameters learn, and whether batch normalisation's running statistics move.
- :func:`read_folder` and :func:`split_held_back` serve examples/ch5/adapt.py: a reader's
  recordings named like ``7-1.wav``, checked as predict.py checks a recording.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import TensorDataset

from audiodl.datasets import SpokenDigits, read_audio
from audiodl.digits import (
    STRENGTHS,
    AugmentedLogMel,
    DigitCNN,
    fix_length,
    log_mel,
    train_digit_cnn,
    trim_silence,
)
from audiodl.recognise import (
    PREDICTOR_STRENGTH,
    UNSURE,
    VAL_TAKES,
    Predictor,
    network_input,
    to_8k_mono,
)
from audiodl.seed import seed_everything

__all__ = ["ADAPT_TAKES", "METHODS", "HELD_OUT_TAKES", "PROGRAM_RECIPE", "Folder", "Method",
           "Recording", "accuracy", "adapt", "draw_takes", "pretrain", "read_folder",
           "speaker_log_mels", "split_held_back"]

HELD_OUT_TAKES = tuple(range(25))  # a new speaker's takes 0-24: the test recordings ...
ADAPT_TAKES = tuple(range(25, 50))  # ... and 25-49 (training takes): the clips drawn from


@dataclass(frozen=True)
class Method:
    """Which parameters learn: ``"head"`` (the last linear layer), ``"last block"`` (the
    third convolutional block and both linear layers), ``"all"``, or ``"scratch"`` (all of a
    newly initialised network); ``update_bn``: whether batch normalisation's running
    mean and variance follow the new clips (else the pretrained ones are kept)."""

    trains: str
    update_bn: bool = False


METHODS = {
    "linear probe": Method("head"),
    "last block": Method("last block"),
    "all layers": Method("all"),
    "all layers, BN statistics updated": Method("all", update_bn=True),
    "from scratch": Method("scratch", update_bn=True),
}


def speaker_log_mels(speaker: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every clip of one speaker as the network sees it (:func:`audiodl.recognise.network_input`,
    as predict.py does): (500, 1, n_mels, frames), with digits (500,) and take numbers (500,)."""
    ds = SpokenDigits("all", speakers=[speaker])
    return (network_input([ds[i][0][0] for i in range(len(ds))]), torch.tensor(ds.digits),
            torch.tensor([c.index for c in ds.clips]))


def pretrain(speakers: list[str], seed: int = 0, epochs: int | None = None,
             log=None) -> DigitCNN:
    """:class:`DigitCNN` trained as ``predict.py``'s network is (augmentation
    :data:`audiodl.recognise.PREDICTOR_STRENGTH`, the epoch that does best on the
    validation takes :data:`audiodl.recognise.VAL_TAKES`), on these speakers only."""
    seed_everything(seed, threads=None)
    train_set = SpokenDigits("train", speakers=speakers, transform=trim_silence)
    waves = torch.stack([fix_length(w) for w, _ in train_set])
    digits = torch.tensor(train_set.digits)
    is_val = torch.tensor([c.index in VAL_TAKES for c in train_set.clips])
    model = DigitCNN()
    train_digit_cnn(model, TensorDataset(waves[~is_val], digits[~is_val]),
                    TensorDataset(log_mel(waves[is_val]), digits[is_val]),
                    augment=AugmentedLogMel(torch.Generator().manual_seed(seed + 1),
                                            **STRENGTHS[PREDICTOR_STRENGTH]),
                    seed=seed, log=log, **({} if epochs is None else {"epochs": epochs}))
    return model.eval()


def draw_takes(digits: torch.Tensor, takes: torch.Tensor, k: int, seed: int,
               allowed=ADAPT_TAKES) -> torch.Tensor:
    """Indices of ``k`` clips of each digit, among the clips whose take is ``allowed``,
    drawn from ``seed``: the first ``k`` of one shuffle per digit, so that the clips
    drawn for ``k`` are among those drawn for any larger ``k``."""
    rng = np.random.default_rng(seed)
    pool = torch.isin(takes, torch.tensor(allowed))
    chosen = []
    for d in range(10):
        candidates = torch.nonzero(pool & (digits == d))[:, 0].numpy()
        if len(candidates) < k:
            raise ValueError(f"digit {d} has {len(candidates)} allowed clips, fewer than k={k}")
        chosen.append(rng.permutation(candidates)[:k])
    return torch.from_numpy(np.sort(np.concatenate(chosen)))


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The share of clips ``x`` (N, 1, n_mels, frames) whose best digit is ``y``."""
    model.eval()
    return float((model(x).argmax(dim=1) == y).float().mean())


def _learning(model: DigitCNN, trains: str) -> list[nn.Parameter]:
    if trains == "head":
        return list(model.classifier[-1].parameters())
    if trains == "last block":
        third_block = list(model.features)[-4:]  # conv, BatchNorm, ReLU, pooling
        return [p for m in (*third_block, model.classifier) for p in m.parameters()]
    return list(model.parameters())  # "all", "scratch"


def adapt(model: DigitCNN, x: torch.Tensor, y: torch.Tensor, method: Method, *, lr: float,
          steps: int, seed: int, batch_size: int = 20,
          old: tuple[torch.Tensor, torch.Tensor] | None = None) -> DigitCNN:
    """A copy of ``model`` (a new network for ``"scratch"``) after ``steps`` steps of Adam
    at learning rate ``lr`` on the clips ``x`` (N, 1, n_mels, frames) with digits ``y``, in
    minibatches of up to ``batch_size`` drawn from ``seed`` (a pass over the clips ends
    when less than a minibatch is left, as ``DataLoader(drop_last=True)``; the next pass
    is shuffled anew); only ``method``'s parameters learn. With ``old`` = (clips, digits),
    every minibatch also holds as many old clips, drawn at random: a rehearsal that keeps
    the old voices in mind. ``model`` is not changed."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    net = DigitCNN() if method.trains == "scratch" else copy.deepcopy(model)
    learning = _learning(net, method.trains)
    learning_ids = {id(p) for p in learning}
    for p in net.parameters():
        p.requires_grad_(id(p) in learning_ids)
    optimizer = torch.optim.Adam(learning, lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    n = len(y)
    order = torch.randperm(n, generator=generator)
    position = 0
    for _ in range(steps):
        if position + min(batch_size, n) > n:  # a new pass over the clips, newly shuffled
            order, position = torch.randperm(n, generator=generator), 0
        batch = order[position:position + batch_size]
        position += len(batch)
        xb, yb = x[batch], y[batch]
        if old is not None:
            pick = torch.randint(len(old[1]), (len(batch),), generator=generator)
            xb, yb = torch.cat([xb, old[0][pick]]), torch.cat([yb, old[1][pick]])
        net.train()
        if not method.update_bn:  # keep the pretrained running statistics
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        loss = loss_fn(net(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    for p in net.parameters():
        p.requires_grad_(True)
    return net.eval()


# ----------------------------------------------------------------------- the reader's folder

# What examples/ch5/adapt.py does with a reader's recordings: every layer, batch
# normalisation's statistics kept, the rate the validation speakers chose most often for
# "all layers" in examples/ch5/transfer.py, and its number of steps.
PROGRAM_RECIPE = {"method": "all layers", "lr": 3e-4, "steps": 30}
NAME = re.compile(r"^(\d)-(\d+)\.(wav|flac|ogg|oga|mp3|aif|aiff)$", re.IGNORECASE)


@dataclass(frozen=True)
class Recording:
    """One usable recording of the reader's: file name, digit, take, 8 kHz mono wave (T,)."""

    name: str
    digit: int
    take: int
    wave: torch.Tensor


@dataclass
class Folder:
    """What :func:`read_folder` found: the usable recordings (by digit, then take) and one
    line per file it could not use ("error: ..." for a misnamed or unreadable file, a
    plain line for a recording the no-digit rule refuses)."""

    recordings: list[Recording]
    problems: list[str]


def read_folder(folder: Path, predictor: Predictor) -> Folder:
    """Every file of ``folder`` (names starting with "." are skipped, as hidden): named like
    ``7-1.wav`` (digit, dash, take), read as predict.py reads it, and checked by
    ``predictor``'s no-digit rule, except that an unsure network does not refuse a
    recording (a new voice is why the network is to be adapted)."""
    if not folder.exists():
        return Folder([], [f"error: {folder}: no such folder"])
    if not folder.is_dir():
        return Folder([], [f"error: {folder}: not a folder; name the folder that holds "
                           "the recordings"])
    found, problems = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            problems.append(f"{path}: a folder, left out (recordings go straight in {folder})")
            continue
        match = NAME.match(path.name)
        if not match:
            problems.append(f"error: {path}: not named like 7-1.wav (the digit, a dash, the "
                            "take number, then .wav, .flac, .ogg or .mp3); rename it")
            continue
        try:
            samples, sr = read_audio(path)
        except (OSError, ValueError) as err:
            problems.append(f"error: {err}")
            continue
        wave = to_8k_mono(samples, sr)
        _, reason = predictor.judge(wave)
        if reason is not None and reason != UNSURE:
            problems.append(f"{path}: left out, {reason}; record it again")
            continue
        found.append(Recording(path.name, int(match[1]), int(match[2]), wave))
    return Folder(sorted(found, key=lambda r: (r.digit, r.take, r.name)), problems)


def split_held_back(recordings: list[Recording],
                    n: int) -> tuple[list[Recording], list[Recording]]:
    """(to learn from, held back): the ``n`` highest-numbered takes of every digit that has
    more than ``n`` recordings are held back; a digit with fewer is learnt from only."""
    learn, test = [], []
    for d in sorted({r.digit for r in recordings}):
        takes = sorted((r for r in recordings if r.digit == d), key=lambda r: (r.take, r.name))
        cut = len(takes) - n if len(takes) > n else len(takes)
        learn += takes[:cut]
        test += takes[cut:]
    return learn, test
