"""Models that classify log-mel spectrograms, and the tools to judge them
(docs/ch5/warm-up.md, sections "model", "evaluation" and "baseline").

:class:`SpectrogramCNN` is chapter 3's network: blocks of convolution, ReLU and max
pooling, then Flatten and two Linear layers. :class:`SpectrogramLinear` is the baseline
without convolution: one Linear layer on the flattened spectrogram (multinomial logistic
regression). Both read a log-mel spectrogram as a one-channel image (B, 1, n_mels, frames),
standardise each spectrogram on its own (:func:`standardize`) and return one score (logit)
per class. They are trained with chapter 4's loop, :func:`audiodl.train.fit`.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SpectrogramCNN", "SpectrogramLinear", "confusion_matrix", "predict", "standardize"]


def standardize(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Each spectrogram (the last two axes) to zero mean and unit standard deviation.

    A sound made 10 times louder adds 20 dB everywhere: after this it is the same input,
    so a model sees the shape of a sound, not its loudness; nothing is estimated from the
    training set, so nothing has to be saved with the weights.
    """
    mean = x.mean(dim=(-2, -1), keepdim=True)
    std = x.std(dim=(-2, -1), keepdim=True)
    return (x - mean) / (std + eps)


class SpectrogramCNN(nn.Module):
    """Three conv/ReLU/pool blocks, Flatten, Linear-ReLU-Linear.

    ``n_mels`` and ``n_frames`` fix the size of the first Linear layer, as in chapter 3
    (64 * 4 * 4): each MaxPool2d(2) halves height and width, rounding down.
    """

    def __init__(self, n_classes: int = 5, n_mels: int = 40, n_frames: int = 63,
                 channels: tuple[int, int, int] = (8, 16, 32), hidden: int = 64):
        super().__init__()
        c1, c2, c3 = channels
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
        return self.net(standardize(x))


class SpectrogramLinear(nn.Module):
    """The baseline without convolution: Flatten, then one Linear layer.

    Every class gets one weight per (mel band, frame) cell: a fixed template compared
    with the whole spectrogram at once. With softmax and cross-entropy this is
    multinomial logistic regression on the standardised log-mel.
    """

    def __init__(self, n_classes: int = 5, n_mels: int = 40, n_frames: int = 63):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(n_mels * n_frames, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, n_mels, frames) log-mel in dB -> (B, n_classes) logits."""
        return self.net(standardize(x))


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
