"""Transcribing a string of spoken digits in any recording, or saying it holds none
(docs/ch6/connected-digits.md#your-voice; used by examples/ch6/transcribe.py).

- :func:`listen` runs the shipped network (:mod:`audiodl.string_models`) on 8 kHz mono waves
  and describes each by what the rule looks at: the loudest frame's level, how much the level
  moves (speech rises and falls; noise, hum and tones hold still; as in
  :func:`audiodl.recognise.measure`, but over the whole recording, with no limit on its
  length), how flat its loud frames' spectrum is (clicks and noise bursts are flat), the
  digits of the best path (greedy decoding) and each digit's confidence: the highest
  probability the network gives that digit in any frame of its run.
- :class:`NoDigitsRule` says "no digits" when the recording is too quiet, too steady, too
  flat, the network hears fewer digits than a string holds, or its least sure digit is below
  a threshold; :meth:`NoDigitsRule.choose` sets the thresholds from validation data only:
  digit strings of FSDD's training takes drawn with :data:`VAL_STRINGS_SEED` (accepted) and
  :func:`audiodl.recognise.non_digit_sounds` (rejected).
- :func:`load_recogniser` finds the weights like :func:`audiodl.recognise.load_predictor`:
  the file named, else the one the package ships, else the per-user cache; a missing,
  damaged or outdated file is reported in one line and the network trained again
  (:func:`train_recogniser`), and written atomically (:func:`save_recogniser`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from audiodl.datasets import SPEAKERS, SR
from audiodl.digit_strings import DigitStrings
from audiodl.recognise import (
    FRAME,
    VAL_SEED,
    WeightsError,
    cached_weights,
    frame_levels_db,
    non_digit_sounds,
    read_weights_file,
    to_8k_mono,
)
from audiodl.seed import seed_everything
from audiodl.string_models import BLANK, CRNN, TransformerCTC, string_features, train_ctc
from audiodl.train import save_atomically

__all__ = ["FORMAT", "MODEL", "SHIPPED_WEIGHTS", "TRAINING", "Heard", "NoDigitsRule",
           "Recogniser", "WeightsError", "build_model", "listen", "load_recogniser",
           "read_recogniser", "save_recogniser", "string_cached_weights", "train_recogniser",
           "validation_heard"]

# What the shipped network is and how it was trained; a file made otherwise is retrained.
# The recipe of chapter 6's experiment (examples/ch6/connected_digits.py), now on all six
# speakers' training takes: 1200 strings, as many per speaker as 800 are for four.
MODEL = {"class": "CRNN", "kwargs": {"channels": 96, "hidden": 96, "dropout": 0.4}}
# "reversed": strings played backwards, taught as holding no digits. Speech-like sounds
# that are no digits: without them the network, which has heard nothing but digits,
# writes digits for any speech (88 of 100 reversed strings were accepted as digits).
TRAINING = {"strings": 1200, "takes": "train", "data_seed": 1, "epochs": 12, "seed": 0,
            "warp": 0.12, "stretch": 0.15, "batch_size": 32, "lr": 4e-3, "reversed": 200,
            "reversed_seed": 3}
FORMAT = 1  # the layout of a weights file (and of its rule)
SHIPPED_WEIGHTS = Path(__file__).parent / "assets" / "digit_strings.pt"
MODELS = {"CRNN": CRNN, "TransformerCTC": TransformerCTC}
VAL_STRINGS, VAL_STRINGS_SEED = 200, 2  # validation strings (training takes, fresh draws:
# not the training strings, seed 1, nor the reversed ones, seed 3)
CONFIDENCE_REFUSED = 0.01  # the share of validation strings the confidence limit may refuse
MIN_SECONDS = 0.1  # shorter than this there is nothing to analyse (a digit lasts ~0.4 s)


def build_model(spec: dict | None = None) -> torch.nn.Module:
    """A fresh network as ``spec`` (default :data:`MODEL`) describes it."""
    spec = MODEL if spec is None else spec
    return MODELS[spec["class"]](**spec["kwargs"])


# ----------------------------------------------------------------------- listening


@dataclass(frozen=True)
class Heard:
    """What :class:`NoDigitsRule` looks at in one recording."""

    seconds: float  # length of the recording
    level_db: float  # its loudest 32 ms frame, dB relative to a full-scale sine
    swing_db: float  # standard deviation of the frame levels within 40 dB of the loudest
    flatness: float  # median spectral flatness of the frames within 10 dB of the loudest
    digits: tuple[int, ...]  # the best path's digits
    confidences: tuple[float, ...]  # each digit's highest frame probability

    @property
    def confidence(self) -> float:
        """The string's confidence: its digits' mean confidence (0 when none was heard)."""
        return sum(self.confidences) / len(self.confidences) if self.confidences else 0.0


def spectral_flatness(wave: torch.Tensor) -> torch.Tensor:
    """Each frame's spectral flatness, in the frames of
    :func:`audiodl.recognise.frame_levels_db`: the geometric over the arithmetic mean of its
    power spectrum (Hann window), near 1 for white noise and clicks, near 0 for a tone;
    voiced speech, with its harmonics and formants, lies in between."""
    if wave.shape[-1] < FRAME:
        wave = torch.nn.functional.pad(wave, (0, FRAME - wave.shape[-1]))
    frames = wave.unfold(-1, FRAME, FRAME // 2) * torch.hann_window(FRAME, periodic=False)
    power = torch.fft.rfft(frames).abs().pow(2) + 1e-12
    return power.log().mean(-1).exp() / power.mean(-1)


@torch.no_grad()
def listen(model: torch.nn.Module, waves: Sequence[torch.Tensor]) -> list[Heard]:
    """Describe 8 kHz mono waves (T,) of any length (see :class:`Heard`)."""
    model.eval()
    out = []
    for wave in waves:
        wave = wave.reshape(-1)
        levels = frame_levels_db(wave)
        loud = levels[levels > levels.max() - 40]  # the pauses' background doesn't count
        flat = spectral_flatness(wave)[levels > levels.max() - 10]
        digits, confidences = (), ()
        if wave.shape[0] >= MIN_SECONDS * SR:
            x = string_features(wave)
            log_probs, _ = model(x[None], torch.tensor([x.shape[0]]))
            probs = log_probs[0].exp()
            best = probs.argmax(-1).tolist()
            runs: list[tuple[int, float]] = []  # greedy decoding, keeping each run's peak
            for t, c in enumerate(best):
                if c != BLANK and (t == 0 or c != best[t - 1]):
                    runs.append((c - 1, 0.0))  # class d + 1 is digit d
                if c != BLANK:
                    runs[-1] = (runs[-1][0], max(runs[-1][1], float(probs[t, c])))
            digits = tuple(d for d, _ in runs)
            confidences = tuple(p for _, p in runs)
        out.append(Heard(seconds=wave.shape[0] / SR, level_db=float(levels.max()),
                         swing_db=float(loud.std()) if len(loud) > 1 else 0.0,
                         flatness=float(flat.median()),
                         digits=digits, confidences=confidences))
    return out


# ----------------------------------------------------------------------- the rule


@dataclass(frozen=True)
class NoDigitsRule:
    """"no digits" unless: the recording lasts at least :data:`MIN_SECONDS`, its loudest
    frame reaches ``min_level_db``, its level moves by at least ``min_swing_db``, its loud
    frames' spectrum is no flatter than ``max_flatness`` (clicks, noise bursts), the network
    hears at least ``min_digits`` digits (it learnt strings of 3 to 7: fewer is a guess), and
    their mean confidence (:attr:`Heard.confidence`) is at least ``min_confidence`` (checked
    in this order; the first one missed is the reason)."""

    min_level_db: float
    min_swing_db: float
    max_flatness: float
    min_digits: float
    min_confidence: float

    def reason(self, h: Heard) -> str | None:
        """Why ``h`` holds no digits ("too quiet", ...), or None when it holds some."""
        if h.seconds < MIN_SECONDS:
            return "too short"
        if h.level_db < self.min_level_db:
            return "too quiet"
        if h.swing_db < self.min_swing_db:
            return "not speech-like: too steady"
        if h.flatness > self.max_flatness:
            return "not speech-like: a spectrum as flat as noise or clicks"
        if not h.digits:
            return "the network hears none"
        if len(h.digits) < self.min_digits:
            return (f"only {len(h.digits)} heard: this network knows strings of 3-7 digits; "
                    f"for one digit use examples/ch5/predict.py")
        if h.confidence < self.min_confidence:
            return "the network is unsure"
        return None

    @classmethod
    def choose(cls, strings: list[Heard], others: list[Heard]) -> NoDigitsRule:
        """Thresholds from validation data, by the principle of
        :meth:`audiodl.recognise.NoDigitRule.choose`: each lower limit lies halfway between
        the lowest of the ``strings`` and the highest of the ``others`` below it (at that
        string itself when none lies below), each upper limit likewise, so no validation
        string is refused; except the confidence, whose lowest strings are those the network
        gets wrong: there the edge is the :data:`CONFIDENCE_REFUSED` quantile of the strings
        (synthetic speech that is no digits heard as digits, at a low confidence, sits just
        above the lowest one)."""

        def low(value: Callable[[Heard], float], sign: float = 1.0,
                refused: float = 0.0) -> float:
            edge = float(np.quantile([sign * value(h) for h in strings], refused,
                                     method="lower"))
            below = [sign * value(h) for h in others if sign * value(h) < edge]
            return sign * ((edge + max(below)) / 2 if below else edge)

        return cls(min_level_db=low(lambda h: h.level_db), min_swing_db=low(lambda h: h.swing_db),
                   max_flatness=low(lambda h: h.flatness, -1.0),
                   min_digits=low(lambda h: len(h.digits)),
                   min_confidence=low(lambda h: h.confidence, refused=CONFIDENCE_REFUSED))


# ----------------------------------------------------------------------- weights


@dataclass
class Recogniser:
    """The trained network, the rule chosen for it, and the file they were read from."""

    model: torch.nn.Module
    rule: NoDigitsRule
    path: Path

    def judge(self, wave: torch.Tensor) -> tuple[Heard, str | None]:
        """An 8 kHz mono wave (T,) -> what was heard and why it holds no digits (None: it
        holds some)."""
        h = listen(self.model, [wave])[0]
        return h, self.rule.reason(h)


def string_cached_weights() -> Path:
    """Where training writes when no file is named: beside chapter 5's
    (:func:`audiodl.recognise.cached_weights`), file ``digit_strings.pt``."""
    return cached_weights().with_name("digit_strings.pt")


def read_recogniser(path: Path) -> Recogniser:
    """Read a file written by :func:`save_recogniser`; :class:`WeightsError` if it is
    missing, damaged, or made for another network or training than :data:`MODEL` and
    :data:`TRAINING`."""
    saved = read_weights_file(path, FORMAT, "transcribe.py")
    if saved.get("model") != MODEL or saved.get("training") != TRAINING:
        raise WeightsError(f"{path}: made for another network or training "
                           f"({saved.get('model')}, {saved.get('training')}; this version "
                           f"uses {MODEL}, {TRAINING})")
    model = build_model()
    try:
        model.load_state_dict(saved["state_dict"])
        rule = NoDigitsRule(**saved["rule"])
    except (KeyError, TypeError, RuntimeError) as err:
        raise WeightsError(f"{path}: its weights do not fit {MODEL['class']} "
                           f"({str(err).splitlines()[0]})") from err
    return Recogniser(model.eval(), rule, path)


def save_recogniser(recogniser: Recogniser, path: Path) -> None:
    """Write the weights, the rule and what they were made with, atomically
    (:func:`audiodl.train.save_atomically`)."""
    state = {k: v.contiguous() for k, v in recogniser.model.state_dict().items()}
    save_atomically({"format": FORMAT, "model": MODEL, "training": TRAINING,
                     "state_dict": state, "rule": asdict(recogniser.rule)},
                    path, what="the weights")
    recogniser.path = path


def validation_heard(model: torch.nn.Module) -> tuple[list[Heard], list[Heard]]:
    """The rule's validation data, heard: :data:`VAL_STRINGS` digit strings of all speakers'
    training takes drawn with :data:`VAL_STRINGS_SEED` (new strings, new noise,
    but takes the network trained on: FSDD's test takes are kept for reporting) and
    :func:`audiodl.recognise.non_digit_sounds` drawn from :data:`audiodl.recognise.VAL_SEED`."""
    strings = DigitStrings(SPEAKERS, TRAINING["takes"], VAL_STRINGS, seed=VAL_STRINGS_SEED)
    others = [to_8k_mono(s, sr) for _, s, sr in non_digit_sounds(VAL_SEED)]
    return listen(model, [w for w, _ in strings]), listen(model, others)


def train_recogniser(epochs: int | None = None,
                     log: Callable[[str], object] = print) -> Recogniser:
    """Train :data:`MODEL` as :data:`TRAINING` says (``epochs`` overrides, for quick tests),
    then choose its :class:`NoDigitsRule` on validation data; ``log`` gets a line per step."""
    start = time.perf_counter()
    seed_everything()  # one thread: faster for this small network, and the same on any CPU
    strings = DigitStrings(SPEAKERS, TRAINING["takes"], TRAINING["strings"],
                           seed=TRAINING["data_seed"])
    log(f"making {len(strings)} digit strings of FSDD's training takes")
    items = [(string_features(w), d) for w, d in strings]
    backwards = DigitStrings(SPEAKERS, TRAINING["takes"], TRAINING["reversed"],
                             seed=TRAINING["reversed_seed"])
    log(f"and {len(backwards)} strings played backwards, to be heard as no digits")
    items += [(string_features(w.flip(0)), torch.zeros(0, dtype=torch.long))
              for w, _ in backwards]
    epochs = TRAINING["epochs"] if epochs is None else epochs
    log(f"training {MODEL['class']} with CTC for {epochs} epochs")
    model = build_model()
    recipe = {k: TRAINING[k] for k in ("warp", "stretch", "batch_size", "lr")}
    train_ctc(model, items, None, epochs=epochs, seed=TRAINING["seed"], log=log, **recipe)
    log("choosing the no-digits rule on validation strings and non-digit sounds")
    rule = NoDigitsRule.choose(*validation_heard(model))
    log(f"trained in {time.perf_counter() - start:.0f} s; rule: {rule}")
    return Recogniser(model.eval(), rule, Path())


def load_recogniser(path: Path | None = None, retrain: bool = False, epochs: int | None = None,
                    log: Callable[[str], object] = print) -> Recogniser:
    """The recogniser from ``path`` (:class:`WeightsError` when it cannot be used: training
    takes minutes, so a named file is never replaced unasked); where none is named, from
    :data:`SHIPPED_WEIGHTS`, or from :func:`string_cached_weights` when the shipped file is
    missing or unusable. With ``retrain``, or when neither of those can be used (each says
    why in one line to ``log``), the network is trained again and saved to ``path`` (or
    :func:`string_cached_weights`)."""
    target = path if path is not None else string_cached_weights()
    if path is not None and not retrain:
        return read_recogniser(path)
    if not retrain:
        for source in [SHIPPED_WEIGHTS, target]:
            try:
                return read_recogniser(source)
            except WeightsError as err:
                log(str(err))
    log(f"training a new network into {target}")
    recogniser = train_recogniser(epochs, log)
    save_recogniser(recogniser, target)
    log(f"weights saved to {target}")
    return recogniser
