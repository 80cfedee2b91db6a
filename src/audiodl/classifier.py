"""A small CNN that classifies log-mel spectrograms, and its training loop
(docs/ch3/audio-classifier.md, sections "model", "training" and "evaluation").

The network is chapter 3's: blocks of convolution, ReLU and max pooling, then Flatten
and two Linear layers. It reads a log-mel spectrogram as a one-channel image
(B, 1, n_mels, frames) and returns one score (logit) per class.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader


class SpectrogramCNN(nn.Module):
    """Three conv/ReLU/pool blocks, Flatten, Linear-ReLU-Linear.

    Each input spectrogram is first standardised on its own (zero mean, unit variance),
    so the network sees the shape of a sound, not its loudness. ``n_mels`` and
    ``n_frames`` fix the size of the first Linear layer, as in chapter 3 (64 * 4 * 4).
    """

    def __init__(self, n_classes: int = 5, n_mels: int = 40, n_frames: int = 63,
                 channels: tuple[int, int, int] = (8, 16, 32), hidden: int = 64):
        super().__init__()
        c1, c2, c3 = channels
        # Each MaxPool2d(2) halves height and width, rounding down.
        h, w = n_mels // 2 // 2 // 2, n_frames // 2 // 2 // 2
        self.net = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(c3 * h * w, hidden), nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, n_mels, frames) log-mel in dB -> (B, n_classes) logits."""
        mean = x.mean(dim=(-2, -1), keepdim=True)
        std = x.std(dim=(-2, -1), keepdim=True)
        return self.net((x - mean) / (std + 1e-5))


def train_one_epoch(model: nn.Module, loader: DataLoader, loss_fn: nn.Module,
                    optimizer: torch.optim.Optimizer, device: torch.device) -> tuple[float, float]:
    """One pass over ``loader`` with a gradient step per batch; mean loss and accuracy."""
    model.train()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        y_hat = model(x)  # forward pass: logits (B, n_classes)
        loss = loss_fn(y_hat, y)
        optimizer.zero_grad()
        loss.backward()  # backward pass: gradients of the loss
        optimizer.step()  # gradient descent step
        total_loss += loss.item() * len(y)
        correct += (y_hat.argmax(dim=1) == y).sum().item()
        count += len(y)
    return total_loss / count, correct / count


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, loss_fn: nn.Module,
             device: torch.device) -> tuple[float, float]:
    """Mean loss and accuracy over ``loader``, without gradients or updates."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        y_hat = model(x)
        total_loss += loss_fn(y_hat, y).item() * len(y)
        correct += (y_hat.argmax(dim=1) == y).sum().item()
        count += len(y)
    return total_loss / count, correct / count


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Predicted class of every example in ``x``, in batches, as a tensor on x's device."""
    model.eval()
    return torch.cat([model(x[i : i + batch_size]).argmax(dim=1)
                      for i in range(0, len(x), batch_size)])


def confusion_matrix(y: torch.Tensor, y_hat: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Counts (n_classes, n_classes): row = true class, column = predicted class."""
    index = y.to(torch.int64) * n_classes + y_hat.to(torch.int64)
    return torch.bincount(index, minlength=n_classes**2).reshape(n_classes, n_classes)
