"""The perceptron of chapter 3 (docs/ch3/perceptron.md, section "in-audiodl").

A weighted sum of the inputs plus a bias, passed through the sigmoid. The notes call
this unit a perceptron; strictly, Rosenblatt's perceptron uses a step function, and a
unit with a sigmoid is a *sigmoid neuron* (see the page's note). Plain Python floats,
so the unit can be read line by line before the numpy and torch versions come along.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + e^(-z)) of a number (a float comes back) or,
    element-wise, of an array. Never overflows: for z < 0 it is e^z / (1 + e^z).
    The one sigmoid of the package; ``audiodl.numpy_nets`` uses it too."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(s) if s.ndim == 0 else s


class Perceptron:
    """A single unit: ``sigmoid(w · x + b)``.

    >>> Perceptron([0.1, 0.4, 0.2], bias=0.02)([1, 2, 3])
    0.8205384805926733
    """

    def __init__(self, weights: Sequence[float], bias: float = 0.0) -> None:
        if len(weights) == 0:
            raise ValueError("Perceptron needs at least one weight")
        self.weights = [float(w) for w in weights]
        self.bias = float(bias)

    def weighted_sum(self, x: Sequence[float]) -> float:
        """The linear part z = w · x + b."""
        if len(x) != len(self.weights):
            raise ValueError(
                f"Perceptron has {len(self.weights)} weights but got {len(x)} inputs"
            )
        return sum(w * xi for w, xi in zip(self.weights, x, strict=True)) + self.bias

    def __call__(self, x: Sequence[float]) -> float:
        return sigmoid(self.weighted_sum(x))

    def __repr__(self) -> str:
        return f"Perceptron(weights={self.weights}, bias={self.bias})"
