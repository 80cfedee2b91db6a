"""audiodl.silence_split: the cut-and-classify baseline. Synthetic recordings with known
sounds and gaps are cut where the gaps are, at any gain; short pauses join, short sounds
go; steady noise and silence give no pieces; bad arguments are refused with a message
naming the setting; the settings chosen on strings are the best-scoring ones."""

import math

import pytest
import torch

from audiodl.datasets import SR, recordings_dir
from audiodl.digit_strings import DigitStrings, StringSpec
from audiodl.digits import CLIP_SAMPLES, DigitCNN
from audiodl.silence_split import (
    SPLIT_DEFAULTS,
    _in_background,
    choose_split_settings,
    cut_and_classify,
    split_at_silences,
    split_matches,
    train_piece_classifier,
)


def recording(parts, noise=1e-3, seed=0):
    """A wave from (kind, seconds) parts: "gap" is background noise only, "tone" a 440 Hz
    sine of amplitude 0.3, "burst" white noise of standard deviation 0.2; returns the wave
    and the (start, end) of every sound."""
    g = torch.Generator().manual_seed(seed)
    pieces, truth, pos = [], [], 0
    for kind, seconds in parts:
        n = round(seconds * SR)
        if kind == "tone":
            x = 0.3 * torch.sin(2 * math.pi * 440 * torch.arange(n) / SR)
        elif kind == "burst":
            x = 0.2 * torch.randn(n, generator=g)
        else:
            x = torch.zeros(n)
        if kind != "gap":
            truth.append((pos, pos + n))
        pieces.append(x)
        pos += n
    wave = torch.cat(pieces)
    return wave + noise * torch.randn(len(wave), generator=g), truth


THREE = [("gap", 0.2), ("tone", 0.3), ("gap", 0.2), ("burst", 0.25), ("gap", 0.15),
         ("tone", 0.4), ("gap", 0.2)]


def close(found, truth, slack):
    return len(found) == len(truth) and all(
        abs(a - s) <= slack and abs(b - e) <= slack
        for (a, b), (s, e) in zip(found, truth, strict=True))


def test_sounds_are_found_where_they_are():
    wave, truth = recording(THREE)
    found = split_at_silences(wave, threshold_db=10, min_pause_s=0.05, min_sound_s=0.1,
                              margin_s=0)
    # A frame is 256 samples long and stands for its middle 128: an edge can move by a frame.
    assert close(found, truth, slack=256), (found, truth)
    assert found == split_at_silences(wave, threshold_db=10, min_pause_s=0.05,
                                      min_sound_s=0.1, margin_s=0)  # deterministic


def test_margin_widens_within_the_wave():
    wave, _ = recording([("tone", 0.3), ("gap", 0.3), ("tone", 0.3)])
    bare = split_at_silences(wave, margin_s=0)
    wide = split_at_silences(wave, margin_s=0.05)
    assert wide[0][0] == 0 and wide[-1][1] == len(wave)  # clipped at the ends
    assert wide[1][0] == bare[1][0] - round(0.05 * SR)


def test_gain_does_not_matter():
    wave, truth = recording(THREE)
    loud = split_at_silences(wave)
    assert len(loud) == len(truth)
    assert split_at_silences(wave * 1e-3) == loud  # quiet: same pieces
    assert split_at_silences(wave * 3) == loud  # even clipping-level samples


def test_short_pause_joins_long_pause_splits():
    wave, truth = recording([("gap", 0.2), ("tone", 0.3), ("gap", 0.1), ("tone", 0.3),
                             ("gap", 0.2)])
    assert len(split_at_silences(wave, min_pause_s=0.03)) == 2
    joined = split_at_silences(wave, min_pause_s=0.15, margin_s=0)
    assert close(joined, [(truth[0][0], truth[1][1])], slack=256)


def test_short_sound_is_dropped():
    wave, truth = recording([("gap", 0.2), ("burst", 0.04), ("gap", 0.3), ("tone", 0.3),
                             ("gap", 0.2)])
    kept = split_at_silences(wave, min_sound_s=0.1, margin_s=0)
    assert close(kept, truth[1:], slack=256)  # the 40 ms click is gone
    assert len(split_at_silences(wave, min_sound_s=0.01)) == 2


@pytest.mark.parametrize("wave", [
    0.1 * torch.randn(8000, generator=torch.Generator().manual_seed(1)),  # steady noise
    0.5 * torch.sin(2 * math.pi * 300 * torch.arange(8000) / SR),  # a steady tone
    torch.zeros(8000),  # digital silence
    torch.zeros(0),  # nothing at all
    torch.zeros(100),  # shorter than one frame
], ids=["noise", "tone", "silence", "empty", "short"])
def test_steady_or_silent_gives_no_pieces(wave):
    assert split_at_silences(wave) == []


@pytest.mark.parametrize("kwargs, words", [
    (dict(threshold_db=0), "threshold_db"),
    (dict(threshold_db=-3), "threshold_db"),
    (dict(min_pause_s=-0.1), "min_pause_s"),
    (dict(min_sound_s=float("nan")), "min_sound_s"),
    (dict(margin_s="a lot"), "margin_s"),
    (dict(floor_quantile=1.5), "floor_quantile"),
])
def test_bad_settings_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        split_at_silences(torch.zeros(1000), **kwargs)


@pytest.mark.parametrize("wave, words", [
    (torch.zeros(2, 1000), "1-D"),
    (torch.zeros(1000, dtype=torch.int16), "float"),
    ([0.0] * 1000, "list"),
    (torch.tensor([0.0, float("nan")] * 500), "NaN"),
])
def test_bad_waves_are_refused(wave, words):
    with pytest.raises(ValueError, match=words):
        split_at_silences(wave)


def test_cut_and_classify_names_every_piece():
    torch.manual_seed(0)
    model = DigitCNN()
    wave, truth = recording(THREE)
    digits = cut_and_classify(model, wave)
    assert len(digits) == len(truth) and all(0 <= d <= 9 for d in digits)
    assert cut_and_classify(model, wave) == digits
    assert cut_and_classify(model, torch.zeros(4000)) == []


def test_piece_sits_in_the_recordings_background():
    piece, background = torch.full((1000,), 0.5), torch.tensor([0.01, -0.02, 0.03])
    window = _in_background(piece, background)
    assert window.shape == (CLIP_SAMPLES,)
    start = (CLIP_SAMPLES - 1000) // 2
    assert torch.equal(window[start:start + 1000], piece)  # centred, as fix_length does
    tiled = background[torch.arange(CLIP_SAMPLES) % 3]  # the background, repeated
    assert torch.equal(window[:start], tiled[:start])
    assert torch.equal(window[start + 1000:], tiled[start + 1000:])
    long = torch.arange(CLIP_SAMPLES + 10, dtype=torch.float32)
    assert torch.equal(_in_background(long, background), long[5:-5])  # cut at both ends


def spec_of(starts, ends):
    return StringSpec(digits=tuple(range(len(starts))), speaker="theo", takes=(0,) * len(starts),
                      starts=tuple(starts), ends=tuple(ends), n_samples=10_000, snr_db=20.0,
                      noise="white", peak_db=-6.0)


def test_split_matches_needs_one_piece_per_digit():
    spec = spec_of([100, 2000], [1500, 3000])
    assert split_matches([(50, 1400), (2100, 3100)], spec)
    assert not split_matches([(50, 3100)], spec)  # two digits in one piece
    assert not split_matches([(50, 900), (1000, 1400), (2100, 3100)], spec)  # a digit cut in two
    assert not split_matches([(1600, 1900), (2100, 3100)], spec)  # a piece in a pause


def test_defaults_are_split_defaults():
    assert split_at_silences.__kwdefaults__ == SPLIT_DEFAULTS


def test_piece_classifier_refuses_bad_arguments():
    with pytest.raises(ValueError, match="also training"):
        train_piece_classifier(["theo", "lucas"], 0, watch=["lucas"])
    with pytest.raises(ValueError, match="strength"):
        train_piece_classifier(["theo"], 0, watch=["lucas"], strength="huge")


@pytest.fixture(scope="module")
def strings(tmp_path_factory):
    root = tmp_path_factory.mktemp("fsdd-cache")
    recordings_dir(root)
    return DigitStrings(["jackson"], "all", 12, seed=5, root=root)


def test_choose_keeps_the_best_scoring_settings(strings):
    grid = {"threshold_db": [3, 8], "min_pause_s": [0.0, 0.05, 0.5]}
    best, scores = choose_split_settings(strings, grid)
    assert set(scores) == {(t, p) for t in grid["threshold_db"] for p in grid["min_pause_s"]}
    assert scores[best["threshold_db"], best["min_pause_s"]] == max(scores.values())
    # Half a second of pause joins most digits of a string: those settings cannot win.
    assert scores[8, 0.5] < scores[8, 0.05]
    hits = sum(split_matches(split_at_silences(strings[i][0], threshold_db=8, min_pause_s=0.05),
                             strings.spec(i)) for i in range(len(strings)))
    assert scores[8, 0.05] == hits / len(strings)
    with pytest.raises(ValueError, match="unknown setting"):
        choose_split_settings(strings, {"threshold": [3]})
    with pytest.raises(ValueError, match="grid is empty"):
        choose_split_settings(strings, {})
