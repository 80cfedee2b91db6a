"""Recognising a spoken digit in any recording, or saying there is none
(docs/ch5/your-voice.md; used by examples/ch5/predict.py).

- :func:`to_8k_mono` turns samples of any rate and channel count into the 8 kHz mono
  wave the network was trained on.
- :func:`measure` describes a recording by what the rule looks at: the length and the
  level of the sound left after :func:`audiodl.digits.trim_silence`, how much its level
  moves (speech rises and falls with its syllable; noise, hum and tones hold still), and
  the network's probability for its best digit.
- :class:`NoDigitRule` says "no digit" when the sound is too short, too quiet, not
  speech-like (too steady or too long) or the network is unsure. :meth:`NoDigitRule.choose`
  sets its thresholds from validation data only: FSDD's validation takes (accepted) and
  :func:`non_digit_sounds` (rejected).
- :func:`load_predictor` finds the weights wherever the program runs from: the file given,
  else the small file the package ships (``audiodl/assets/digit_cnn.pt``), else the
  per-user cache; a damaged or outdated file is reported and the network trained again
  (:func:`train_predictor`, with a line of progress per epoch), and a file is written
  atomically (:func:`save_predictor`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.signal import resample_poly
from torch.utils.data import TensorDataset

from audiodl.datasets import SR, SpokenDigits
from audiodl.digits import (
    STRENGTHS,
    AugmentedLogMel,
    DigitCNN,
    fix_length,
    log_mel,
    train_digit_cnn,
    trim_silence,
)
from audiodl.seed import seed_everything
from audiodl.synth import CLASSES as SYNTH_CLASSES
from audiodl.synth import synth_clip
from audiodl.train import save_atomically

__all__ = [
    "PREDICTOR_STRENGTH", "SHIPPED_WEIGHTS", "TEST_SEED", "VAL_SEED", "VAL_TAKES",
    "UNSURE", "ErrorRates", "Measured", "NoDigitRule", "Predictor", "WeightsError",
    "cached_weights", "error_rates", "load_predictor", "measure", "network_input",
    "non_digit_sounds", "read_predictor", "read_weights_file", "save_predictor", "to_8k_mono",
    "train_predictor", "validation_measures",
]

SHIPPED_WEIGHTS = Path(__file__).parent / "assets" / "digit_cnn.pt"
VAL_TAKES = (5, 6)  # of the training takes (5-49): validation, never trained on
# The augmentation strength the validation takes chose for these training takes
# (examples/ch5/compare.py, the dataset's own split, which stops if they choose otherwise).
PREDICTOR_STRENGTH = "stronger"
FORMAT = 1  # the layout of a weights file; a file of another layout is trained again
FRAME = 256  # 32 ms: the frames measure() computes levels over (hop FRAME // 2)
FULL_SCALE_POWER = 0.5  # 0 dB: the mean power of a full-scale sine
SWING_RANGE_DB = 40.0  # the swing counts frames within this of the loudest (not the gaps)
UNSURE = "the network is unsure"  # the one reason that is about the network, not the sound


def to_8k_mono(samples: np.ndarray, sr: int) -> torch.Tensor:
    """Samples (T, channels) at ``sr`` Hz -> an 8 kHz mono wave (T',): the channels are
    averaged, then a polyphase filter resamples. Its low-pass filter strongly attenuates what
    8 kHz cannot hold (above 4 kHz) but does not remove it: a tone just above 4 kHz comes
    through weakened, aliased to just below (docs/ch5/your-voice.md, exercise 2)."""
    samples = np.asarray(samples, dtype=np.float32)
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if sr != SR and len(mono) > 0:
        g = math.gcd(SR, sr)
        mono = resample_poly(mono, SR // g, sr // g).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(mono))


# ----------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Measured:
    """What :class:`NoDigitRule` looks at in one recording."""

    seconds: float  # length of the sound left after trim_silence
    level_db: float  # its loudest 32 ms frame, in dB below full scale (0 dB: a full-scale sine)
    swing_db: float  # how much its frames' level moves: their standard deviation in dB
    digit: int  # the network's best digit ...
    probability: float  # ... and its probability


def frame_levels_db(wave: torch.Tensor) -> torch.Tensor:
    """The level of each frame of :data:`FRAME` samples (hop FRAME // 2) of a wave (T,),
    in dB relative to a full-scale sine (mean power 0.5); digital silence gives -117 dB
    (the power is floored at 1e-12)."""
    if wave.shape[-1] < FRAME:
        wave = torch.nn.functional.pad(wave, (0, FRAME - wave.shape[-1]))
    power = wave.unfold(-1, FRAME, FRAME // 2).pow(2).mean(dim=-1)
    return 10 * torch.log10(power.clamp_min(1e-12) / FULL_SCALE_POWER)


def network_input(waves: list[torch.Tensor], trimmed: bool = False) -> torch.Tensor:
    """8 kHz mono waves (T,) -> the network's input (B, 1, n_mels, frames): each without
    its silent ends (unless already ``trimmed``), centred in the 0.8 s window, log-mel."""
    sounds = waves if trimmed else [trim_silence(w) for w in waves]
    return log_mel(torch.stack([fix_length(s) for s in sounds]))[:, None]


@torch.no_grad()
def measure(model: torch.nn.Module, waves: list[torch.Tensor]) -> list[Measured]:
    """Measure 8 kHz mono waves (T,) of any length (see :class:`Measured`)."""
    model.eval()  # batch normalisation uses its running averages, not this batch's
    sounds = [trim_silence(w) for w in waves]
    x = network_input(sounds, trimmed=True)
    probs = torch.cat([model(b).softmax(dim=1) for b in x.split(256)])
    out = []
    for sound, p in zip(sounds, probs, strict=True):
        levels = frame_levels_db(sound)
        loud = levels[levels > levels.max() - SWING_RANGE_DB]  # gaps between sounds don't count
        out.append(Measured(seconds=sound.shape[-1] / SR, level_db=float(levels.max()),
                            swing_db=float(loud.std()) if len(loud) > 1 else 0.0,
                            digit=int(p.argmax()), probability=float(p.max())))
    return out


# ----------------------------------------------------------------------- the rule


@dataclass(frozen=True)
class NoDigitRule:
    """"no digit" unless every threshold is met: at least ``min_seconds`` of sound, its
    loudest frame at least ``min_level_db``, a level that moves by at least
    ``min_swing_db``, at most ``max_seconds`` of sound, and a best digit of probability at
    least ``min_probability`` (checked in this order; the first one missed is the reason)."""

    min_seconds: float
    max_seconds: float
    min_level_db: float
    min_swing_db: float
    min_probability: float

    def reason(self, m: Measured) -> str | None:
        """Why ``m`` is no digit ("too short", ...), or None when it is one."""
        if m.seconds < self.min_seconds:
            return "too short"
        if m.level_db < self.min_level_db:
            return "too quiet"
        if m.swing_db < self.min_swing_db:
            return "not speech-like: too steady"
        if m.seconds > self.max_seconds:
            return "too long for one digit"
        if m.probability < self.min_probability:
            return UNSURE
        return None

    @classmethod
    def choose(cls, digits: list[Measured], others: list[Measured]) -> NoDigitRule:
        """Thresholds from validation data, one principle for all five: no validation
        digit is refused, and each limit lies halfway between the most extreme of the
        ``digits`` and the nearest of the ``others`` beyond it (at that digit itself when
        none lies beyond), as far from both as it can be."""

        def low(name: str) -> float:  # a lower limit for the measure called name
            edge = min(getattr(m, name) for m in digits)
            below = [getattr(m, name) for m in others if getattr(m, name) < edge]
            return (edge + max(below)) / 2 if below else edge

        def high(name: str) -> float:
            edge = max(getattr(m, name) for m in digits)
            above = [getattr(m, name) for m in others if getattr(m, name) > edge]
            return (edge + min(above)) / 2 if above else edge

        return cls(min_seconds=low("seconds"), max_seconds=high("seconds"),
                   min_level_db=low("level_db"), min_swing_db=low("swing_db"),
                   min_probability=low("probability"))


# ----------------------------------------------------------------------- non-digit sounds


def non_digit_sounds(seed: int) -> Iterator[tuple[str, np.ndarray, int]]:
    """Sounds that are no spoken digit, as ``(kind, samples (T,), sample rate)``, all drawn
    from ``seed``: white, pink and brown noise at several levels, pure tones, single clicks
    and click trains, the five synthetic classes of the warm-up (audiodl.synth, 16 kHz),
    silence with a little mains hum, and digital silence; lengths 0.15 to 2 s."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)

    def length(sr: int) -> int:  # mostly as long as a digit, some longer
        return round(rng.uniform(0.15, 2.0) * sr)

    for level_db in (-50, -35, -20, -6):  # noise at several levels (RMS, dB full scale)
        for colour, alpha in (("white", 0.0), ("pink", 1.0), ("brown", 2.0)):
            for _ in range(4):
                n = length(SR)
                spectrum = np.fft.rfft(rng.standard_normal(n))
                freqs = np.fft.rfftfreq(n)
                freqs[0] = freqs[1]
                noise = np.fft.irfft(spectrum * freqs ** (-alpha / 2), n)
                noise *= 10 ** (level_db / 20) / noise.std()
                yield f"{colour} noise {level_db} dB", noise.astype(np.float32), SR
    for _ in range(24):  # pure tones, 50 Hz to 3.5 kHz
        sr = int(rng.choice([8000, 16000, 44100]))
        n, f = length(sr), math.exp(rng.uniform(math.log(50), math.log(3500)))
        amp = 10 ** (rng.uniform(-40, -1) / 20)
        yield "tone", (amp * np.sin(2 * np.pi * f * np.arange(n) / sr)).astype(np.float32), sr
    for _ in range(12):  # one click, or a train of them, in a quiet room
        n = length(SR)
        wave = 1e-4 * rng.standard_normal(n)
        onsets = ([int(rng.integers(0, n - 40))] if rng.random() < 0.5
                  else range(int(rng.integers(0, 400)), n - 40, int(rng.integers(200, 2000))))
        for t in onsets:
            wave[t:t + 40] += rng.uniform(0.05, 0.9) * rng.standard_normal(40) * np.exp(
                -np.arange(40) / 8)
        yield "clicks", wave.astype(np.float32), SR
    for i in range(40):  # the warm-up's classes
        label = i % len(SYNTH_CLASSES)
        yield f"warm-up {SYNTH_CLASSES[label]}", synth_clip(label, gen).numpy(), 16000
    for _ in range(12):  # silence with a little hum: 50 or 60 Hz and harmonics, room noise
        n, f = length(SR), float(rng.choice([50.0, 60.0]))
        t = np.arange(n) / SR
        hum = sum(0.5 ** k * np.sin(2 * np.pi * f * (k + 1) * t + rng.uniform(0, 6.3))
                  for k in range(4))
        wave = 10 ** (rng.uniform(-60, -40) / 20) * hum + 10 ** (-75 / 20) * rng.standard_normal(n)
        yield "hum", wave.astype(np.float32), SR
    for n in (0, 1, 10, 100, 8000):
        yield "digital silence", np.zeros(n, dtype=np.float32), SR


# ----------------------------------------------------------------------- weights


@dataclass
class Predictor:
    """The trained network, the rule chosen for it, and the file they were read from."""

    model: DigitCNN
    rule: NoDigitRule
    path: Path

    def judge(self, wave: torch.Tensor) -> tuple[Measured, str | None]:
        """An 8 kHz mono wave (T,) -> its measures and why it is no digit (None: a digit)."""
        m = measure(self.model, [wave])[0]
        return m, self.rule.reason(m)


def cached_weights() -> Path:
    """Where training writes the weights when no file is named: ``$AUDIODL_DATA`` or
    ``~/.cache/audiodl``, file ``digit_cnn.pt``."""
    base = os.environ.get("AUDIODL_DATA") or Path.home() / ".cache" / "audiodl"
    return Path(base).expanduser() / "digit_cnn.pt"


class WeightsError(ValueError):
    """A weights file that cannot be used; the message names it and says why."""


def read_weights_file(path: Path, fmt: int, program: str) -> dict:
    """The dict a weights file holds (read with ``weights_only``); :class:`WeightsError`,
    in one line, if it is missing, damaged, or not of layout ``fmt`` that ``program``
    writes (shared by predict.py's and transcribe.py's readers)."""
    if not path.is_file():
        raise WeightsError(f"{path}: no such file" if not path.exists() else
                           f"{path}: not a file")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds for a damaged file (zip, pickle, EOF)
        raise WeightsError(f"{path}: damaged, cannot be read ({type(err).__name__}: "
                           f"{str(err).splitlines()[0] if str(err) else 'no details'})") from err
    if not isinstance(saved, dict) or saved.get("format") != fmt:
        raise WeightsError(f"{path}: not a weights file of this version of {program} "
                           f"(format {fmt})")
    return saved


def read_predictor(path: Path) -> Predictor:
    """Read a file written by :func:`save_predictor`; :class:`WeightsError` if it is
    missing, damaged or made for another version of the network."""
    saved = read_weights_file(path, FORMAT, "predict.py")
    model = DigitCNN()
    try:
        model.load_state_dict(saved["state_dict"])
        rule = NoDigitRule(**saved["rule"])
    except (KeyError, TypeError, RuntimeError) as err:
        raise WeightsError(f"{path}: made for another version of DigitCNN "
                           f"({str(err).splitlines()[0]})") from err
    return Predictor(model.eval(), rule, path)


def save_predictor(predictor: Predictor, path: Path) -> None:
    """Write the weights and the rule atomically (:func:`audiodl.train.save_atomically`):
    a failure leaves the previous file, or none, and no temporary file behind."""
    state = {k: v.contiguous() for k, v in predictor.model.state_dict().items()}
    save_atomically({"format": FORMAT, "state_dict": state, "rule": asdict(predictor.rule)},
                    path, what="the weights")
    predictor.path = path


VAL_SEED, TEST_SEED = 1, 2  # non_digit_sounds: for choosing the rule, for reporting on it


def validation_measures(model: torch.nn.Module) -> tuple[list[Measured], list[Measured]]:
    """The rule's validation data, measured: FSDD's validation takes (:data:`VAL_TAKES` of
    every speaker) and :func:`non_digit_sounds` drawn from :data:`VAL_SEED`."""
    val = SpokenDigits("train")
    digits = [val[i][0][0] for i, c in enumerate(val.clips) if c.index in VAL_TAKES]
    others = [to_8k_mono(s, sr) for _, s, sr in non_digit_sounds(VAL_SEED)]
    return measure(model, digits), measure(model, others)


def train_predictor(epochs: int | None = None,
                    log: Callable[[str], object] = print) -> Predictor:
    """Train :class:`DigitCNN` on FSDD's training takes except the validation takes, with
    every augmentation at :data:`PREDICTOR_STRENGTH` (about a minute on two cores), keeping
    the epoch that does best on the validation takes, then choose its :class:`NoDigitRule`
    on validation data. ``log`` gets a line of progress per step and per epoch."""
    start = time.perf_counter()
    seed_everything()
    train_set = SpokenDigits("train", transform=trim_silence)  # as predict() trims its input
    waves = torch.stack([fix_length(w) for w, _ in train_set])  # (2700, 1, T)
    digits = torch.tensor(train_set.digits)
    is_val = torch.tensor([c.index in VAL_TAKES for c in train_set.clips])
    kwargs = {} if epochs is None else {"epochs": epochs}
    log(f"training the digit network on {int((~is_val).sum())} FSDD clips "
        f"({kwargs.get('epochs', 'default')} epochs), validating on {int(is_val.sum())}")
    model = DigitCNN()
    result = train_digit_cnn(
        model, TensorDataset(waves[~is_val], digits[~is_val]),
        TensorDataset(log_mel(waves[is_val]), digits[is_val]),
        augment=AugmentedLogMel(torch.Generator().manual_seed(1), **STRENGTHS[PREDICTOR_STRENGTH]),
        log=log, **kwargs)
    log("choosing the no-digit rule on the validation takes and non-digit sounds")
    rule = NoDigitRule.choose(*validation_measures(model))
    log(f"trained in {time.perf_counter() - start:.0f} s; validation accuracy "
        f"{result.best_val_acc:.1%}")
    return Predictor(model.eval(), rule, Path())


@dataclass(frozen=True)
class ErrorRates:
    """How a predictor does on data that chose nothing: FSDD's test takes (0-4 of every
    speaker and digit) and :func:`non_digit_sounds` drawn from :data:`TEST_SEED`."""

    digits: int  # test recordings
    refused: int  # ... answered "no digit"
    wrong: int  # ... accepted but named the wrong digit
    others: int  # fresh non-digit sounds
    accepted: int  # ... named as a digit
    refused_why: dict[str, int]  # reason -> refused test digits
    accepted_kinds: dict[str, int]  # kind -> accepted non-digits


def error_rates(predictor: Predictor) -> ErrorRates:
    """Measure :class:`ErrorRates` (a few seconds)."""
    test = SpokenDigits("test")
    truth = test.digits
    digits = measure(predictor.model, [test[i][0][0] for i in range(len(test))])
    sounds = list(non_digit_sounds(TEST_SEED))
    others = measure(predictor.model, [to_8k_mono(x, sr) for _, x, sr in sounds])
    why = [predictor.rule.reason(m) for m in digits]
    refused_why: dict[str, int] = {}
    for reason in why:
        if reason is not None:
            refused_why[reason] = refused_why.get(reason, 0) + 1
    accepted_kinds: dict[str, int] = {}
    for (kind, _, _), m in zip(sounds, others, strict=True):
        if predictor.rule.reason(m) is None:
            accepted_kinds[kind] = accepted_kinds.get(kind, 0) + 1
    return ErrorRates(
        digits=len(digits), refused=sum(r is not None for r in why),
        wrong=sum(r is None and m.digit != d for r, m, d in zip(why, digits, truth, strict=True)),
        others=len(others), accepted=sum(accepted_kinds.values()), refused_why=refused_why,
        accepted_kinds=accepted_kinds)


def load_predictor(path: Path | None = None, retrain: bool = False, epochs: int | None = None,
                   log: Callable[[str], object] = print) -> Predictor:
    """The predictor from ``path``; where none is named, from :data:`SHIPPED_WEIGHTS`, or
    from :func:`cached_weights` when the shipped file is missing or damaged (so what a
    page prints never depends on a reader's cache). With ``retrain``, or when no file can
    be used (each says why in one line to ``log``), the network is trained again and saved
    to ``path`` (or :func:`cached_weights`)."""
    target = path if path is not None else cached_weights()
    if not retrain:
        for source in [path] if path is not None else [SHIPPED_WEIGHTS, target]:
            try:
                return read_predictor(source)
            except WeightsError as err:
                log(str(err))
    log(f"training a new network into {target}")
    predictor = train_predictor(epochs, log)
    save_predictor(predictor, target)
    log(f"weights saved to {target}")
    return predictor
