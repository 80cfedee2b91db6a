"""audiodl.classifier: shapes, the loop that learns, and the confusion matrix."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from audiodl.classifier import (
    SpectrogramCNN,
    confusion_matrix,
    evaluate,
    predict,
    train_one_epoch,
)
from audiodl.mel import log_mel_spectrogram
from audiodl.synth import SR, SynthSounds, stack


def test_output_shape_and_flatten_size():
    torch.manual_seed(0)
    model = SpectrogramCNN(n_classes=5, n_mels=40, n_frames=63)
    assert model(torch.randn(7, 1, 40, 63)).shape == (7, 5)
    assert model.net[-3].in_features == 32 * 5 * 7  # three MaxPool2d(2): 40 -> 5, 63 -> 7
    other = SpectrogramCNN(n_classes=3, n_mels=64, n_frames=101)
    assert other(torch.randn(2, 1, 64, 101)).shape == (2, 3)


def test_loudness_does_not_change_the_prediction():
    torch.manual_seed(0)
    model = SpectrogramCNN().eval()
    x = torch.randn(4, 1, 40, 63)
    torch.testing.assert_close(model(x + 20.0), model(x), rtol=1e-4, atol=1e-4)  # +20 dB


def test_a_few_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    wave, y = stack(SynthSounds(20, seed=11))
    x = log_mel_spectrogram(wave, SR)
    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model, loss_fn = SpectrogramCNN(), nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    cpu = torch.device("cpu")
    before, _ = evaluate(model, loader, loss_fn, cpu)
    for _ in range(3):
        train_one_epoch(model, loader, loss_fn, optimizer, cpu)
    after, _ = evaluate(model, loader, loss_fn, cpu)
    assert after < 0.8 * before
    assert predict(model, x, batch_size=7).shape == y.shape


def test_confusion_matrix_counts_rows_true_columns_predicted():
    y = torch.tensor([0, 0, 1, 2, 2, 2])
    y_hat = torch.tensor([0, 1, 1, 2, 0, 2])
    cm = confusion_matrix(y, y_hat, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert cm.sum() == len(y) and cm.trace() == (y == y_hat).sum()
