"""audiodl.classifier: shapes, loudness invariance, both models learn with chapter 4's
loop, and the confusion matrix."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from audiodl.classifier import (
    SpectrogramCNN,
    SpectrogramLinear,
    confusion_matrix,
    predict,
    standardize,
)
from audiodl.mel import log_mel_spectrogram
from audiodl.synth import SR, SynthSounds, stack
from audiodl.train import evaluate, fit


def test_output_shape_and_flatten_size():
    torch.manual_seed(0)
    model = SpectrogramCNN(n_classes=5, n_mels=40, n_frames=63)
    assert model(torch.randn(7, 1, 40, 63)).shape == (7, 5)
    assert model.net[-3].in_features == 32 * 5 * 7  # three MaxPool2d(2): 40 -> 5, 63 -> 7
    other = SpectrogramCNN(n_classes=3, n_mels=64, n_frames=101)
    assert other(torch.randn(2, 1, 64, 101)).shape == (2, 3)


def test_linear_baseline_is_one_weight_per_cell_and_class():
    model = SpectrogramLinear(n_classes=5, n_mels=40, n_frames=63)
    assert model(torch.randn(3, 1, 40, 63)).shape == (3, 5)
    assert sum(p.numel() for p in model.parameters()) == 40 * 63 * 5 + 5
    with pytest.raises(RuntimeError):  # another length of clip needs another model
        model(torch.randn(1, 1, 40, 64))


def test_standardize_each_spectrogram_on_its_own():
    torch.manual_seed(0)
    x = torch.randn(4, 1, 40, 63) * torch.tensor([1.0, 5.0, 20.0, 0.1])[:, None, None, None]
    z = standardize(x + 30.0)
    torch.testing.assert_close(z.mean(dim=(-2, -1)), torch.zeros(4, 1), atol=1e-4, rtol=0)
    torch.testing.assert_close(z.std(dim=(-2, -1)), torch.ones(4, 1), atol=1e-3, rtol=0)
    torch.testing.assert_close(standardize(x[:1]), standardize(x)[:1])  # batch-independent


@pytest.mark.parametrize("model_class", [SpectrogramCNN, SpectrogramLinear])
def test_loudness_does_not_change_the_prediction(model_class):
    torch.manual_seed(0)
    model = model_class().eval()
    x = torch.randn(4, 1, 40, 63)
    torch.testing.assert_close(model(x + 20.0), model(x), rtol=1e-4, atol=1e-4)  # +20 dB


@pytest.mark.parametrize("model_class", [SpectrogramCNN, SpectrogramLinear])
def test_both_models_learn_with_the_chapter_4_loop(model_class):
    torch.manual_seed(0)
    wave, y = stack(SynthSounds(20, seed=11))
    x = log_mel_spectrogram(wave, SR)
    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model, loss_fn = model_class(), nn.CrossEntropyLoss()
    before, _ = evaluate(model, loader, loss_fn)
    fit(model, loader, loader, loss_fn, torch.optim.Adam(model.parameters(), lr=3e-3),
        epochs=3, log=None)
    after, _ = evaluate(model, loader, loss_fn)
    assert after < 0.8 * before
    assert predict(model, x, batch_size=7).shape == y.shape


def test_confusion_matrix_counts_rows_true_columns_predicted():
    y = torch.tensor([0, 0, 1, 2, 2, 2])
    y_hat = torch.tensor([0, 1, 1, 2, 0, 2])
    cm = confusion_matrix(y, y_hat, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert cm.sum() == len(y) and cm.trace() == (y == y_hat).sum()
