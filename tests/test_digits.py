"""audiodl.digits: lengths, features and augmentations held against what they promise
(docs/ch5/features.md, docs/ch5/cnn.md), the DCT against scipy's, and the settings
examples/ch5/compare.py chooses between (docs/ch5/evaluation.md)."""

import math

import numpy as np
import pytest
import scipy.fft
import torch
from torch.utils.data import TensorDataset

import audiodl.digits as digits
from audiodl.digits import (
    CLIP_SAMPLES,
    EPOCHS,
    HOP_LENGTH,
    LR,
    N_MELS,
    N_MFCC,
    SEGMENTS,
    STRENGTHS,
    TOP_DB,
    AugmentedLogMel,
    DigitCNN,
    add_noise,
    clip_features,
    cmvn,
    dct_matrix,
    deltas,
    fix_length,
    log_mel,
    mfcc,
    pool_mfcc,
    random_gain,
    spec_augment,
    time_shift,
    train_digit_cnn,
    training_parts,
    trim_silence,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_fix_length_centres_short_clips_and_cuts_long_ones_evenly():
    short = torch.arange(1, 6, dtype=torch.float32)[None]  # (1, 5)
    assert fix_length(short, 9).tolist() == [[0, 0, 1, 2, 3, 4, 5, 0, 0]]
    assert fix_length(short, 8).tolist() == [[0, 1, 2, 3, 4, 5, 0, 0]]  # odd: one more after
    long = torch.arange(10.0)
    assert fix_length(long, 6).tolist() == [2, 3, 4, 5, 6, 7]
    assert fix_length(long, 10) is long or torch.equal(fix_length(long, 10), long)
    assert fix_length(torch.zeros(3, 2, 7000)).shape == (3, 2, CLIP_SAMPLES)


def test_log_mel_of_a_window_has_the_frames_the_cnn_expects():
    short = torch.randn(2, 1, 2000, generator=gen()) * torch.tensor([1.0, 0.01]).view(2, 1, 1)
    spec = log_mel(fix_length(short))
    assert spec.shape == (2, 1, N_MELS, 1 + CLIP_SAMPLES // HOP_LENGTH)
    # each clip floored 40 dB below its own peak: the padding's silence sits on the floor
    peak = spec.amax(dim=(-2, -1))
    assert torch.allclose(spec.amin(dim=(-2, -1)), peak - 40.0)


def test_dct_matrix_is_scipys_orthonormal_dct_ii():
    x = torch.randn(N_MELS, 17, generator=gen(), dtype=torch.float64)
    ours = mfcc(x, n_mfcc=N_MELS)
    theirs = scipy.fft.dct(x.numpy(), type=2, axis=0, norm="ortho")
    np.testing.assert_allclose(ours.numpy(), theirs, atol=1e-10)
    full = dct_matrix(N_MELS, N_MELS, torch.float64)
    torch.testing.assert_close(full @ full.T, torch.eye(N_MELS, dtype=torch.float64))
    # coefficient 0 is the frame's mean level, times sqrt(n_mels)
    torch.testing.assert_close(mfcc(x)[0], x.mean(dim=0) * math.sqrt(N_MELS))


def test_clip_features_have_one_length_for_any_clip_length():
    for n in (1200, 3300, 18000):
        f = clip_features(torch.randn(1, n, generator=gen(n)))
        assert f.shape == (N_MFCC * (SEGMENTS + 1),) and f.dtype == np.float64
    wave = torch.randn(1, 4000, generator=gen())
    np.testing.assert_array_equal(clip_features(wave), clip_features(wave[0]))
    with pytest.raises(ValueError, match="fewer than the 5 segments"):
        clip_features(torch.randn(1, 300))


def test_clip_features_are_the_pooled_mfccs_of_the_clip():
    wave = torch.randn(1, 4000, generator=gen())
    coeffs = mfcc(log_mel(wave[0])).double()
    f = pool_mfcc(coeffs)
    np.testing.assert_array_equal(clip_features(wave), f)
    parts = np.array_split(coeffs.numpy(), SEGMENTS, axis=-1)
    np.testing.assert_allclose(f[:N_MFCC], parts[0].mean(axis=-1))  # segment 1, all coefficients
    np.testing.assert_allclose(f[-N_MFCC:], coeffs.numpy().std(axis=-1, ddof=1))
    assert clip_features(wave, n_mfcc=20).shape == (20 * (SEGMENTS + 1),)
    with pytest.raises(ValueError, match="4 frames of MFCCs are fewer than the 5 segments"):
        pool_mfcc(coeffs[:, :4])


def test_cmvn_removes_a_fixed_offset_and_scale_per_coefficient():
    coeffs = torch.randn(2, N_MFCC, 40, generator=gen(), dtype=torch.float64)
    shifted = 3.0 * coeffs + torch.arange(N_MFCC, dtype=torch.float64)[:, None]  # gain, filter
    torch.testing.assert_close(cmvn(shifted), cmvn(coeffs))
    torch.testing.assert_close(cmvn(shifted, variance=False), 3.0 * cmvn(coeffs, variance=False))
    normalised = cmvn(coeffs)
    torch.testing.assert_close(normalised.mean(dim=-1), torch.zeros(2, N_MFCC, dtype=torch.float64))
    torch.testing.assert_close(normalised.std(dim=-1), torch.ones(2, N_MFCC, dtype=torch.float64))
    flat = torch.ones(N_MFCC, 10)  # a coefficient that never moves becomes 0, not NaN
    assert torch.equal(cmvn(flat), torch.zeros(N_MFCC, 10))
    with pytest.raises(ValueError, match="cmvn: 1 of the"):
        cmvn(torch.tensor([[0.0, float("nan")]]))


def test_deltas_are_the_local_slope_and_the_ends_take_the_nearest_full_windows():
    t = torch.arange(12, dtype=torch.float64)
    ramp = torch.stack([3.0 * t, -0.5 * t + 7.0])  # (2 coefficients, 12 frames)
    torch.testing.assert_close(deltas(ramp), torch.tensor([[3.0], [-0.5]]).expand(2, 12)
                               .double())
    torch.testing.assert_close(deltas(deltas(ramp)), torch.zeros(2, 12, dtype=torch.float64))
    # a parabola's slope grows by one step per frame, its delta-delta is constant inside
    square = (t ** 2)[None]
    inner = deltas(square)[0, 2:-2]
    torch.testing.assert_close(inner, 2.0 * t[2:-2])  # d(t^2)/dt = 2t, exact for a parabola
    d = deltas(square)[0]
    assert d[0] == d[1] == d[2] and d[-1] == d[-2] == d[-3]  # ends: first/last full window
    torch.testing.assert_close(deltas(deltas(square))[0, 4:-4], torch.full((4,), 2.0,
                                                                            dtype=torch.float64))
    # batched, any width, shape kept
    x = torch.randn(3, N_MFCC, 20, generator=gen())
    assert deltas(x, width=9).shape == x.shape
    for k in range(3):
        torch.testing.assert_close(deltas(x)[k], deltas(x[k]))
    with pytest.raises(ValueError, match="4 frames are fewer than the window of 5"):
        deltas(torch.zeros(N_MFCC, 4))
    with pytest.raises(ValueError, match="odd number"):
        deltas(x, width=4)


def test_trim_silence_keeps_the_loud_part():
    wave = torch.zeros(8000)
    wave[3000:5000] = torch.randn(2000, generator=gen())
    wave += 1e-5 * torch.randn(8000, generator=gen(1))  # a quiet room, 80 dB down
    kept = trim_silence(wave)
    assert 2000 <= kept.shape[-1] <= 2000 + 2 * 256
    assert torch.equal(trim_silence(torch.stack([wave, wave])), torch.stack([kept, kept]))
    assert torch.equal(trim_silence(wave[:100]), wave[:100])  # shorter than a frame


def test_time_shift_by_known_amounts():
    wave = torch.arange(1.0, 9.0)[None, None].repeat(50, 1, 1)
    out = time_shift(wave, 2, gen(5))
    seen = set()
    for row in out[:, 0].tolist():
        for s in range(-2, 3):
            expected = [float(t - s + 1) if 0 <= t - s < 8 else 0.0 for t in range(8)]
            if row == expected:
                seen.add(s)
                break
        else:
            raise AssertionError(f"{row} is no shift of 1..8 by at most 2")
    assert seen == {-2, -1, 0, 1, 2}
    assert torch.equal(time_shift(wave, 2, gen(5)), out)  # same seed, same shifts
    assert torch.equal(time_shift(wave, 0, gen()), wave)


def test_random_gain_stays_within_its_decibels():
    wave = torch.ones(200, 1, 5)
    ratio_db = 20 * torch.log10(random_gain(wave, 6.0, gen())[:, 0, 0])
    assert ratio_db.min() >= -6.0 and ratio_db.max() <= 6.0
    assert ratio_db.min() < -4 and ratio_db.max() > 4  # spread over the range


def test_add_noise_hits_the_drawn_snr_on_the_sounding_part():
    wave = torch.zeros(3, 1, 4000)
    wave[:, :, 1000:2000] = torch.randn(3, 1, 1000, generator=gen()) * torch.tensor(
        [0.01, 0.1, 1.0]).view(3, 1, 1)  # three loudnesses, padded with silence
    noisy = add_noise(wave, (20.0, 20.0), gen())
    noise = noisy - wave
    signal_power = wave[..., 1000:2000].pow(2).mean(dim=-1)
    snr = 10 * torch.log10(signal_power / noise.pow(2).mean(dim=-1))
    torch.testing.assert_close(snr, torch.full_like(snr, 20.0), atol=1e-3, rtol=0)
    assert torch.equal(add_noise(wave, (10.0, 30.0), gen(4)), add_noise(wave, (10.0, 30.0), gen(4)))


def test_spec_augment_masks_runs_with_the_clip_mean():
    spec = torch.randn(8, 1, N_MELS, 51, generator=gen())
    out = spec_augment(spec, max_bands=4, max_frames=6, masks=2, generator=gen(2))
    changed = out != spec
    mean = spec.mean(dim=(-2, -1), keepdim=True).expand_as(spec)
    assert torch.equal(out[changed], mean[changed])
    # a masked band is masked in every frame, a masked frame in every band
    for k in range(8):
        c = changed[k, 0]
        full_rows = c.all(dim=1).sum()
        full_cols = c.all(dim=0).sum()
        assert full_rows <= 2 * 4 and full_cols <= 2 * 6
        assert c.sum() == (c.all(dim=1)[:, None] | c.all(dim=0)[None, :]).sum()
    assert torch.equal(spec_augment(spec, 0, 0, 2, gen()), spec)


def test_augmented_log_mel_is_a_collate_fn_and_repeatable():
    waves = torch.randn(6, 1, CLIP_SAMPLES, generator=gen()) * 0.1
    batch = [(waves[i], i) for i in range(6)]
    x, y = AugmentedLogMel(gen(1))(batch)
    assert x.shape == (6, 1, N_MELS, 1 + CLIP_SAMPLES // HOP_LENGTH)
    assert y.tolist() == list(range(6))
    x2, _ = AugmentedLogMel(gen(1))(batch)
    assert torch.equal(x, x2)
    x3, _ = AugmentedLogMel(gen(2))(batch)
    assert not torch.equal(x, x3)


def test_digit_cnn_gives_ten_logits_and_ignores_loudness():
    torch.manual_seed(0)
    model = DigitCNN().eval()
    spec = log_mel(torch.randn(4, 1, CLIP_SAMPLES, generator=gen()))
    logits = model(spec)
    assert logits.shape == (4, 10)
    # 20 dB louder adds 20 to every dB value: the input standardisation removes it
    torch.testing.assert_close(model(spec + 20.0), logits, atol=1e-4, rtol=1e-4)


def test_train_digit_cnn_learns_two_tones_with_and_without_augmentation():
    t = torch.arange(CLIP_SAMPLES) / 8000
    waves = torch.stack([0.5 * torch.sin(2 * math.pi * f * t)[None]
                         for f in [300.0, 2000.0] * 16])  # (32, 1, T), labels 0, 1, 0, 1, ...
    y = torch.tensor([0, 1] * 16)
    specs = log_mel(waves)
    for augment, train in [(None, TensorDataset(specs, y)),
                           (AugmentedLogMel(gen(1)), TensorDataset(waves, y))]:
        torch.manual_seed(0)
        model = DigitCNN(n_classes=2)
        result = train_digit_cnn(model, train, TensorDataset(specs, y), augment=augment,
                                 epochs=4, batch_size=8)
        assert result.best_val_acc == 1.0


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_trim_silence_and_the_features_refuse_non_finite_samples(bad):
    wave = torch.randn(1, 4000, generator=gen())
    wave[0, 1234] = bad
    for fn, name in [(trim_silence, "trim_silence"), (log_mel, "log_mel"),
                     (clip_features, "log_mel"), (lambda w: mfcc(w[None]), "mfcc")]:
        with pytest.raises(ValueError, match=rf"^{name}: 1 of the 4000 input values are NaN "
                                             r"or infinite"):
            fn(wave)


# ------------------------------------------------------------------ the settings
# compare.py chooses between on validation speakers: the log-mel floor, the augmentation
# strengths, early stopping, and the training recipe it reuses.

def test_log_mel_floor_is_a_choice_with_the_shipped_default():
    wave = torch.zeros(1, CLIP_SAMPLES)
    wave[0, 2000:4000] = torch.randn(2000, generator=gen())  # speech-like burst in silence
    assert torch.equal(log_mel(wave), log_mel(wave, TOP_DB))
    for floor in (40.0, 80.0):
        spec = log_mel(wave, floor)
        assert float(spec.min()) == pytest.approx(float(spec.max()) - floor, abs=1e-3)  # silence


def test_mild_strength_is_augmented_log_mels_default_and_stronger_is_stronger():
    waves = torch.randn(4, 1, CLIP_SAMPLES, generator=gen()) * 0.1
    batch = [(waves[i], i) for i in range(4)]
    x, _ = AugmentedLogMel(gen(1))(batch)
    x_mild, _ = AugmentedLogMel(gen(1), **STRENGTHS["mild"])(batch)
    assert torch.equal(x, x_mild)
    mild, stronger = (AugmentedLogMel(gen(), **STRENGTHS[k]) for k in ("mild", "stronger"))
    assert stronger.max_shift > mild.max_shift and stronger.masks > mild.masks
    assert min(stronger.snr_db) < min(mild.snr_db)  # noise may come closer to the speech
    x80, _ = AugmentedLogMel(gen(1), top_db=80.0)(batch)
    assert x80.min() < x.min()  # a deeper floor


def test_training_parts_are_train_digit_cnns_recipe():
    model = DigitCNN()
    train_set = TensorDataset(torch.zeros(10, 1, 32, 51), torch.zeros(10, dtype=torch.long))
    loader, optimizer, scheduler = training_parts(model, train_set, seed=3)
    assert loader.batch_size == digits.BATCH_SIZE and optimizer.param_groups[0]["lr"] == LR
    assert scheduler.T_max == EPOCHS
    assert model.features[0].weight.is_contiguous(memory_format=torch.channels_last)
    order = [y for _, y in training_parts(DigitCNN(), TensorDataset(torch.arange(10.0),
                                                                    torch.arange(10)),
                                          seed=3)[0]]
    again = [y for _, y in training_parts(DigitCNN(), TensorDataset(torch.arange(10.0),
                                                                    torch.arange(10)),
                                          seed=3)[0]]
    assert [t.tolist() for t in order] == [t.tolist() for t in again]  # the seed fixes it


def test_train_digit_cnn_stops_early_with_patience():
    t = torch.arange(CLIP_SAMPLES) / 8000
    waves = torch.stack([0.5 * torch.sin(2 * math.pi * f * t)[None] for f in [300.0, 2000.0] * 8])
    specs, y = log_mel(waves), torch.tensor([0, 1] * 8)
    val = TensorDataset(specs, 1 - y)  # labels swapped: validation only gets worse
    torch.manual_seed(0)
    result = train_digit_cnn(DigitCNN(n_classes=2), TensorDataset(specs, y), val, epochs=10,
                             batch_size=8, patience=2)
    assert result.stopped_early and result.epochs_run == result.best_epoch + 2 < 10
