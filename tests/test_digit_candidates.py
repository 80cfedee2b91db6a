"""The settings examples/ch5/compare.py chooses between on validation speakers: the log-mel
floor, the augmentation strengths, early stopping, and the training recipe it reuses."""

import math

import pytest
import torch
from torch.utils.data import TensorDataset

import audiodl.digits as digits
from audiodl.digits import (
    CLIP_SAMPLES,
    EPOCHS,
    LR,
    STRENGTHS,
    TOP_DB,
    AugmentedLogMel,
    DigitCNN,
    log_mel,
    train_digit_cnn,
    training_parts,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


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
