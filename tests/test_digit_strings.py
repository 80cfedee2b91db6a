"""audiodl.digit_strings: each string is built from (seed, i) alone, says the digits of the
clips it is made of, by one allowed speaker from the allowed takes, within the promised
lengths, pauses, noise and gain; folds are speaker-disjoint; bad arguments are refused
with a message that names the choices."""

import numpy as np
import pytest
import torch

from audiodl.datasets import SPEAKERS, SR, load_clip, recordings_dir
from audiodl.digit_strings import (
    TAKE_SPLITS,
    TARGET_PAD,
    DigitStrings,
    collate_strings,
    feature_frames,
    speaker_folds,
)
from audiodl.digits import log_mel, trim_silence


@pytest.fixture(scope="module")
def fsdd_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fsdd-cache")
    recordings_dir(root)
    return root


def test_same_seed_same_item_in_any_order(fsdd_root):
    a = DigitStrings(["theo", "george"], size=20, seed=3, root=fsdd_root)
    b = DigitStrings(["george", "theo"], size=20, seed=3, root=fsdd_root)
    wave_a, digits_a = a[7]
    for i in (0, 19, 7):  # b makes other items first: item 7 must not depend on them
        wave_b, digits_b = b[i]
    assert torch.equal(wave_a, wave_b) and torch.equal(digits_a, digits_b)
    other = DigitStrings(["theo", "george"], size=20, seed=4, root=fsdd_root)
    assert [other.spec(i).digits for i in range(20)] != [a.spec(i).digits for i in range(20)]


def test_wave_holds_the_clips_of_its_digits(fsdd_root):
    """With no noise and unit gain on the peak, the wave between each start and end is the
    trimmed clip of that digit, speaker and take, scaled by one common factor."""
    ds = DigitStrings(["lucas"], size=5, seed=0, snr_db=(200.0, 200.0), peak_db=(0.0, 0.0),
                      root=fsdd_root)
    for i in range(len(ds)):
        wave, digits = ds[i]
        spec = ds.spec(i)
        assert digits.tolist() == list(spec.digits) and digits.dtype == torch.int64
        assert wave.dtype == torch.float32 and wave.shape == (spec.n_samples,)
        clips = [trim_silence(load_clip(ds.folder / f"{d}_{spec.speaker}_{t}.wav")).reshape(-1)
                 for d, t in zip(spec.digits, spec.takes, strict=True)]
        scale = 1 / max(float(c.abs().max()) for c in clips)
        for clip, start, end in zip(clips, spec.starts, spec.ends, strict=True):
            assert end - start == len(clip)
            assert torch.allclose(wave[start:end], clip * scale, atol=1e-6)
        quiet = torch.ones(spec.n_samples, dtype=torch.bool)
        for start, end in zip(spec.starts, spec.ends, strict=True):
            quiet[start:end] = False
        assert float(wave[quiet].abs().max()) < 1e-6  # pauses hold only (negligible) noise


def test_lengths_pauses_gain_and_noise_are_in_range(fsdd_root):
    ds = DigitStrings(SPEAKERS, size=200, seed=1, root=fsdd_root)
    counts, colours = set(), set()
    for i in range(len(ds)):
        spec = ds.spec(i)
        counts.add(len(spec.digits))
        colours.add(spec.noise)
        assert len(spec.takes) == len(spec.starts) == len(spec.digits)
        assert 0.05 * SR - 1 <= spec.starts[0] <= 0.4 * SR + 1
        assert 0.05 * SR - 1 <= spec.n_samples - spec.ends[-1] <= 0.4 * SR + 1
        for end, start in zip(spec.ends[:-1], spec.starts[1:], strict=True):
            assert 0.05 * SR - 1 <= start - end <= 0.4 * SR + 1
        assert 10 <= spec.snr_db <= 30 and -20 <= spec.peak_db <= -1
    assert counts == {3, 4, 5, 6, 7} and colours == {"white", "pink"}
    wave, _ = ds[0]
    assert abs(20 * np.log10(float(wave.abs().max())) - ds.spec(0).peak_db) < 1e-3


def test_signal_to_noise_ratio_is_the_one_drawn(fsdd_root):
    ds = DigitStrings(["jackson"], size=3, seed=2, root=fsdd_root)
    quiet = DigitStrings(["jackson"], size=3, seed=2, snr_db=(300.0, 300.0), root=fsdd_root)
    for i in range(3):
        spec = ds.spec(i)
        noisy, clean = ds[i][0].double(), quiet[i][0].double()
        # The two differ in noise and in scale: the speech in `noisy` is `clean` times the
        # least-squares factor; what is left is the noise.
        clean = clean * noisy.dot(clean) / clean.dot(clean)
        noise = noisy - clean
        speech = torch.cat([clean[s:e] for s, e in zip(spec.starts, spec.ends, strict=True)])
        measured = 10 * torch.log10(speech.pow(2).mean() / noise.pow(2).mean())
        assert abs(float(measured) - spec.snr_db) < 0.5


def test_speakers_and_takes_are_respected(fsdd_root):
    for takes, allowed in TAKE_SPLITS.items():
        ds = DigitStrings(["nicolas", "yweweler"], takes, size=100, seed=5, root=fsdd_root)
        specs = [ds.spec(i) for i in range(len(ds))]
        assert {s.speaker for s in specs} == {"nicolas", "yweweler"}
        assert {t for s in specs for t in s.takes} <= set(allowed)
    assert not set(TAKE_SPLITS["train"]) & set(TAKE_SPLITS["test"])
    assert set(TAKE_SPLITS["train"]) | set(TAKE_SPLITS["test"]) == set(TAKE_SPLITS["all"])


def test_folds_are_speaker_disjoint_and_test_every_speaker_once():
    folds = speaker_folds()
    assert [f.test[0] for f in folds] == list(SPEAKERS)
    for f in folds:
        roles = (set(f.train), set(f.validation), set(f.test))
        assert len(f.train) == 4 and set().union(*roles) == set(SPEAKERS)
        assert sum(map(len, roles)) == len(SPEAKERS)  # no speaker in two roles
        assert speaker_folds()[SPEAKERS.index(f.validation[0])].validation == f.test  # a pair


def test_collate_pads_for_ctc(fsdd_root):
    ds = DigitStrings(["theo"], size=4, seed=0, root=fsdd_root)
    items = [ds[i] for i in range(4)]
    waves, wave_lengths, targets, target_lengths = collate_strings(items)
    assert waves.shape == (4, int(wave_lengths.max())) and targets.shape[0] == 4
    for b, (wave, digits) in enumerate(items):
        assert wave_lengths[b] == len(wave) and target_lengths[b] == len(digits)
        assert torch.equal(waves[b, :len(wave)], wave) and not waves[b, len(wave):].any()
        assert torch.equal(targets[b, :len(digits)], digits)
        assert (targets[b, len(digits):] == TARGET_PAD).all()
    frames = feature_frames(wave_lengths)
    assert int(frames.max()) == log_mel(waves).shape[-1]
    assert [log_mel(w).shape[-1] for w, _ in items] == frames.tolist()
    with pytest.raises(ValueError, match="empty batch"):
        collate_strings([])


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    (dict(speakers="theo"), TypeError, "iterable of names"),
    (dict(speakers=["bob"]), ValueError, r"unknown speaker\(s\) \['bob'\]"),
    (dict(speakers=[]), ValueError, "speakers is empty"),
    (dict(takes="dev"), ValueError, "takes must be one of"),
    (dict(size=0), ValueError, "size must be"),
    (dict(seed=-1), ValueError, "seed must be"),
    (dict(n_digits=(5, 3)), ValueError, "n_digits must satisfy"),
    (dict(n_digits=(0, 3)), ValueError, "n_digits must satisfy"),
    (dict(pause_s=0.1), ValueError, "pause_s must be a pair"),
    (dict(peak_db=(-3.0, 2.0)), ValueError, "peak_db must satisfy"),
])
def test_bad_arguments_are_refused(fsdd_root, kwargs, error, message):
    args = dict(speakers=["theo"], root=fsdd_root) | kwargs
    with pytest.raises(error, match=message):
        DigitStrings(**args)


def test_index_out_of_range(fsdd_root):
    ds = DigitStrings(["theo"], size=3, root=fsdd_root)
    assert torch.equal(ds[-1][0], ds[2][0])
    with pytest.raises(IndexError, match="index 3 out of range for 3 strings"):
        ds[3]
