"""The baseline for digit strings: cut the recording at its silences, then name each piece
with chapter 5's network (docs/ch6/connected-digits.md, section "baseline").

- :func:`split_at_silences` finds the sounds of a recording from the level of its frames
  (:func:`audiodl.recognise.frame_levels_db`): a frame is sound when it stands
  ``threshold_db`` above the recording's own noise floor; sounds closer than
  ``min_pause_s`` join, and sounds shorter than ``min_sound_s`` are dropped.
- :func:`train_piece_classifier` trains chapter 5's :class:`audiodl.digits.DigitCNN` on some
  speakers' FSDD training takes, keeping for each validation speaker the epoch that does
  best on that speaker.
- :func:`cut_and_classify` cuts one recording and names every piece: the digits heard.
- :func:`choose_split_settings` picks the splitting settings on validation strings, by how
  often the pieces line up one to one with the digits said (:func:`split_matches`).
- :func:`evaluate_baseline` measures the whole baseline on a set of strings.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, TensorDataset

from audiodl.ctc import error_rate
from audiodl.datasets import SR, SpokenDigits
from audiodl.digit_strings import DigitStrings, StringSpec
from audiodl.digits import (
    CLIP_SAMPLES,
    STRENGTHS,
    AugmentedLogMel,
    DigitCNN,
    check_finite,
    fix_length,
    log_mel,
    training_parts,
    trim_silence,
)
from audiodl.recognise import FRAME, frame_levels_db
from audiodl.seed import seed_everything
from audiodl.train import evaluate, train_one_epoch

__all__ = ["HOP", "SPLIT_DEFAULTS", "BaselineScores", "choose_split_settings",
           "cut_and_classify", "evaluate_baseline", "piece_windows", "split_at_silences",
           "split_matches", "train_piece_classifier"]

HOP = FRAME // 2  # frame_levels_db's frames start every 128 samples (16 ms)
# split_at_silences' defaults: a starting point, not a result. An experiment chooses
# threshold_db and min_pause_s on its validation strings (choose_split_settings).
SPLIT_DEFAULTS = dict(threshold_db=6.0, min_pause_s=0.05, min_sound_s=0.1, margin_s=0.03,
                      floor_quantile=0.1)


def _check_number(name: str, value, low: float, high: float | None = None,
                  low_open: bool = False) -> float:
    """``value`` as a float within [low, high] (or (low, high] with ``low_open``)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    too_low = x <= low if low_open else x < low
    if not math.isfinite(x) or too_low or (high is not None and x > high):
        bound = f"{'>' if low_open else '>='} {low}"
        bound += f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return x


def split_at_silences(wave: torch.Tensor, *, threshold_db: float = SPLIT_DEFAULTS["threshold_db"],
                      min_pause_s: float = SPLIT_DEFAULTS["min_pause_s"],
                      min_sound_s: float = SPLIT_DEFAULTS["min_sound_s"],
                      margin_s: float = SPLIT_DEFAULTS["margin_s"],
                      floor_quantile: float = SPLIT_DEFAULTS["floor_quantile"],
                      ) -> list[tuple[int, int]]:
    """The sounds of an 8 kHz recording (a 1-D float tensor), as ``(start, end)`` sample
    ranges in order (``wave[start:end]`` is one sound).

    1. The level of every frame of 256 samples, one every 128 (:func:`frame_levels_db`).
    2. The noise floor: the ``floor_quantile`` quantile of those levels (0.1: nine frames in
       ten are louder). Our strings are recorded at any gain and under noise 10 to 30 dB
       below the speech, so no fixed level in dB of full scale could tell speech from
       noise; a level relative to the recording's own quiet frames can.
    3. A frame is *sound* when it is more than ``threshold_db`` above the floor. Each frame
       stands for the 128 samples at its centre, so neighbouring frames tile the wave.
    4. Runs of sound frames separated by a pause shorter than ``min_pause_s`` seconds join
       into one piece: a digit such as "six" or "eight" has a short quiet closure inside it.
    5. Pieces shorter than ``min_sound_s`` seconds are dropped: a click or a gust of noise
       that crosses the threshold for a frame or two is no digit (FSDD's shortest digit,
       without its silent ends, lasts about 0.14 s).
    6. Each piece is widened by ``margin_s`` seconds at both ends (within the wave), so the
       quiet start and end of a word, below the threshold, are kept.

    A recording that is one steady sound from end to end (constant noise, a tone) has no
    frame well above its own floor and gives no pieces; so does silence. Raises
    ``ValueError`` for a wave that is not 1-D, holds NaN or infinite samples, or for a
    setting out of range."""
    if not isinstance(wave, torch.Tensor) or wave.dim() != 1 or not wave.is_floating_point():
        raise ValueError("split_at_silences takes one recording as a 1-D float tensor (T,), got "
                         + (f"shape {tuple(wave.shape)}, dtype {wave.dtype}"
                            if isinstance(wave, torch.Tensor) else type(wave).__name__))
    check_finite(wave, "split_at_silences")
    checked = _checked_settings(threshold_db=threshold_db, min_pause_s=min_pause_s,
                                min_sound_s=min_sound_s, margin_s=margin_s,
                                floor_quantile=floor_quantile)
    if wave.shape[0] == 0:
        return []
    return _pieces(frame_levels_db(wave.float()), wave.shape[0], **checked)


def _checked_settings(*, threshold_db, min_pause_s, min_sound_s, margin_s,
                      floor_quantile) -> dict:
    """The settings checked (``ValueError`` naming the one out of range), times in samples."""
    return dict(threshold_db=_check_number("threshold_db", threshold_db, 0.0, low_open=True),
                min_pause=round(_check_number("min_pause_s", min_pause_s, 0.0) * SR),
                min_sound=round(_check_number("min_sound_s", min_sound_s, 0.0) * SR),
                margin=round(_check_number("margin_s", margin_s, 0.0) * SR),
                floor_quantile=_check_number("floor_quantile", floor_quantile, 0.0, 1.0))


def _pieces(levels: torch.Tensor, n: int, *, threshold_db: float, min_pause: int,
            min_sound: int, margin: int, floor_quantile: float) -> list[tuple[int, int]]:
    """Steps 2-6 of :func:`split_at_silences`, from the frame levels of a wave of ``n``
    samples (times in samples)."""
    floor = torch.quantile(levels, floor_quantile)
    loud = (levels > floor + threshold_db).tolist()
    offset = (FRAME - HOP) // 2  # frame i stands for samples offset + i*HOP ... + HOP
    # Runs of loud frames, as sample ranges.
    runs: list[list[int]] = []
    for i, is_loud in enumerate(loud):
        if not is_loud:
            continue
        if runs and runs[-1][1] == offset + i * HOP:  # the previous frame was loud too
            runs[-1][1] += HOP
        else:
            runs.append([offset + i * HOP, offset + (i + 1) * HOP])
    # Join runs whose pause is too short to be one between two digits.
    pieces: list[list[int]] = []
    for run in runs:
        if pieces and run[0] - pieces[-1][1] < min_pause:
            pieces[-1][1] = run[1]
        else:
            pieces.append(run)
    return [(max(0, start - margin), min(n, end + margin)) for start, end in pieces
            if end - start >= min_sound]


# ----------------------------------------------------------------------- the classifier


def _clips(speakers: Iterable[str], takes: str) -> tuple[torch.Tensor, torch.Tensor]:
    """These speakers' FSDD clips (``takes``: "train", "test" or "all"), without their
    silent ends and centred in the CNN's window: waves (N, 1, 6400) and digits (N,)."""
    ds = SpokenDigits(takes, speakers=list(speakers), transform=trim_silence)
    waves = torch.stack([fix_length(ds[i][0]) for i in range(len(ds))])
    return waves, torch.tensor(ds.digits)


def train_piece_classifier(speakers: Sequence[str], seed: int, *,
                           watch: Sequence[str], epochs: int = 6,
                           strength: str = "stronger", log=None) -> dict[str, DigitCNN]:
    """Chapter 5's :class:`DigitCNN`, trained on ``speakers``' FSDD training takes (5-49)
    with chapter 5's recipe (:func:`audiodl.digits.training_parts`: Adam, a cosine schedule
    over ``epochs``, augmentation :data:`audiodl.digits.STRENGTHS` ``[strength]``) and
    measured after every epoch on every clip of each speaker in ``watch`` (never a training
    speaker). Returns, for each watched speaker, the network (in eval mode) of the epoch with
    the best accuracy on that speaker, ties broken by the lower loss: one training serves
    every fold whose validation speaker is watched, as in examples/ch5/compare.py.
    ``"stronger"`` adds noise down to 10 dB below the speech, as loud as the strings' noise.
    Weights start from ``seed``; the batches and the augmentation draw from it too. The
    torch thread count is left as the caller set it."""
    if strength not in STRENGTHS:
        raise ValueError(f"strength must be one of {tuple(STRENGTHS)}, got {strength!r}")
    if not watch:
        raise ValueError("watch is empty: name the validation speaker(s) to keep epochs for")
    overlap = sorted(set(speakers) & set(watch))
    if overlap:
        raise ValueError(f"watched speakers {overlap} are also training speakers; "
                         f"validate on speakers the network does not learn from")
    seed_everything(seed, threads=None)  # the initial weights
    train_waves, train_digits = _clips(speakers, "train")
    model = DigitCNN()
    loader, optimizer, scheduler = training_parts(
        model, TensorDataset(train_waves, train_digits),
        augment=AugmentedLogMel(torch.Generator().manual_seed(seed + 1), **STRENGTHS[strength]),
        epochs=epochs, seed=seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    watched = {}
    for name in watch:
        waves, digits = _clips([name], "all")
        watched[name] = DataLoader(TensorDataset(log_mel(waves), digits), batch_size=500)
    best: dict[str, tuple[tuple[float, float], dict]] = {}
    for epoch in range(1, epochs + 1):
        train_one_epoch(model, loader, loss_fn, optimizer, epoch=epoch)
        for name, loader_of in watched.items():
            loss, acc = evaluate(model, loader_of, loss_fn)
            if name not in best or (acc, -loss) > best[name][0]:
                best[name] = ((acc, -loss), {k: v.clone() for k, v in model.state_dict().items()})
            if log:
                log(f"epoch {epoch}: accuracy on {name} {acc:.1%}")
        scheduler.step()
    networks = {}
    for name, (_, state) in best.items():
        networks[name] = DigitCNN().to(memory_format=torch.channels_last)
        networks[name].load_state_dict(state)
        networks[name].eval()
    return networks


def cut_and_classify(model: torch.nn.Module, wave: torch.Tensor, **split_settings) -> list[int]:
    """The digits heard in an 8 kHz recording (T,), in order: :func:`split_at_silences`
    (with ``split_settings``), then every piece, without its silent ends
    (:func:`audiodl.digits.trim_silence`), is centred in a 0.8 s window of the recording's
    own background and named by ``model``, all pieces in one batch."""
    return _classify(model, wave, split_at_silences(wave, **split_settings))


def _in_background(piece: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """``piece`` centred in a window of :data:`audiodl.digits.CLIP_SAMPLES` samples
    (:func:`audiodl.digits.fix_length`), with ``background`` repeated around it instead of
    digital silence. The network learnt from clips with noise added across the whole
    window (:class:`audiodl.digits.AugmentedLogMel`); a piece surrounded by zeros looks
    unlike any of them. On the validation strings of folds 0 and 3 (speakers jackson and
    theo, 6 epochs, seed 0), zeros raised cut and classify's digit error rate from 0.21 to
    0.27 and from 0.29 to 0.39."""
    inside = fix_length(torch.ones_like(piece)) > 0  # where fix_length puts the piece
    tiled = background.repeat(CLIP_SAMPLES // len(background) + 1)[:CLIP_SAMPLES]
    return torch.where(inside, fix_length(piece), tiled)


def piece_windows(wave: torch.Tensor, pieces: Sequence[tuple[int, int]]) -> torch.Tensor:
    """What the CNN is given for each piece ``wave[a:b]`` of ``pieces``: the piece without
    its silent ends, centred in a 0.8 s window of the recording's own background,
    (n_pieces, 1, CLIP_SAMPLES). Computed once, the windows serve any number of networks."""
    if not pieces:
        return torch.zeros(0, 1, CLIP_SAMPLES)
    quiet = torch.ones(len(wave), dtype=torch.bool)  # the samples outside every piece
    for a, b in pieces:
        quiet[a:b] = False
    background = wave[quiet] if quiet.any() else torch.zeros(1)
    return torch.stack([_in_background(trim_silence(wave[a:b]), background)[None]
                        for a, b in pieces])


@torch.no_grad()
def _classify(model: torch.nn.Module, wave: torch.Tensor,
              pieces: Sequence[tuple[int, int]]) -> list[int]:
    """The digit ``model`` hears in each piece ``wave[a:b]`` of ``pieces``, in one batch."""
    if not pieces:
        return []
    model.eval()  # batch normalisation uses its running averages
    return model(log_mel(piece_windows(wave, pieces))).argmax(dim=1).tolist()


# ----------------------------------------------------------------------- choosing and scoring


def split_matches(pieces: Sequence[tuple[int, int]], spec: StringSpec) -> bool:
    """Whether the pieces line up one to one with the digits said: as many pieces as
    digits, and piece k overlaps digit k (its ``spec.starts[k]`` to ``spec.ends[k]``)."""
    return len(pieces) == len(spec.digits) and all(
        a < end and start < b
        for (a, b), start, end in zip(pieces, spec.starts, spec.ends, strict=True))


def choose_split_settings(strings: DigitStrings, grid: Mapping[str, Sequence[float]],
                          **fixed) -> tuple[dict, dict[tuple, float]]:
    """Try every combination of ``grid`` (setting name -> candidate values, e.g.
    ``{"threshold_db": [6, 9, 12], "min_pause_s": [0.03, 0.05]}``; the other settings from
    ``fixed`` or :data:`SPLIT_DEFAULTS`) on VALIDATION strings and return the best settings
    and every combination's score: the fraction of strings whose pieces line up with their
    digits (:func:`split_matches`; the first combination wins a tie).

    Why this score and not the digit error rate of cut and classify: it needs no trained
    network, so the settings are chosen once per fold rather than once per network, and a
    string cut wrongly is already lost whatever the network says (a missing or extra piece
    is a deletion or an insertion)."""
    if not grid:
        raise ValueError("grid is empty: give at least one setting and its candidate values")
    unknown = sorted(set(grid) - set(SPLIT_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}; split_at_silences takes "
                         f"{sorted(SPLIT_DEFAULTS)}")
    names = list(grid)
    # Each string's frame levels, computed once for the whole grid.
    levels = [frame_levels_db(strings[i][0]) for i in range(len(strings))]
    specs = [strings.spec(i) for i in range(len(strings))]
    scores: dict[tuple, float] = {}
    for values in itertools.product(*(grid[name] for name in names)):
        checked = _checked_settings(**{**SPLIT_DEFAULTS, **fixed,
                                       **dict(zip(names, values, strict=True))})
        hits = sum(split_matches(_pieces(lv, s.n_samples, **checked), s)
                   for lv, s in zip(levels, specs, strict=True))
        scores[values] = hits / len(specs)
    best = max(scores, key=scores.get)  # max keeps the first of equal scores
    return {**fixed, **dict(zip(names, best, strict=True))}, scores


@dataclass(frozen=True)
class BaselineScores:
    """How cut and classify does on a set of strings."""

    strings: int  # how many strings
    split_accuracy: float  # fraction whose pieces line up with their digits
    digit_error_rate: float  # audiodl.ctc.error_rate over all strings
    string_accuracy: float  # fraction whose every digit is right, none missing or extra


def evaluate_baseline(model: torch.nn.Module, strings: DigitStrings,
                      **split_settings) -> BaselineScores:
    """Cut and classify every string of ``strings`` and score it (:class:`BaselineScores`)."""
    refs, hyps, lined_up = [], [], 0
    for i in range(len(strings)):
        wave, digits = strings[i]
        pieces = split_at_silences(wave, **split_settings)
        lined_up += split_matches(pieces, strings.spec(i))
        refs.append(digits.tolist())
        hyps.append(_classify(model, wave, pieces))
    return BaselineScores(
        strings=len(refs), split_accuracy=lined_up / len(refs),
        digit_error_rate=error_rate(refs, hyps),
        string_accuracy=sum(r == h for r, h in zip(refs, hyps, strict=True)) / len(refs))
