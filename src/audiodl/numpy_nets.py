"""The shallow and the deep network of chapter 3, written in numpy
(docs/ch3/numpy-nets.md, sections "shallow-network" and "deep-network").

Both are fully connected networks with the sigmoid after every layer, as in the course
notes. Weights are stored the way the notes write them, shape (inputs, outputs), so a
layer is ``x @ weight + bias``; ``torch.nn.Linear`` stores the transpose, (outputs,
inputs): the course's ``W`` (one row per neuron, docs/ch3/neural-networks.md) is
``weight.T``. A batch of inputs of shape (B, inputs) works as well as a single vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from audiodl.perceptron import sigmoid  # the package's one sigmoid; pages import it from here too


class ShallowNet:
    """One hidden layer: ``sigmoid(sigmoid(x @ weight1 + bias1) @ weight2 + bias2)``.

    A bias may be a scalar (shared by every unit of the layer, as in the notes) or a
    vector with one entry a unit.
    """

    def __init__(self, weight1, bias1, weight2, bias2) -> None:
        self.weight1 = np.asarray(weight1, dtype=float)
        self.bias1 = np.asarray(bias1, dtype=float)
        self.weight2 = np.asarray(weight2, dtype=float)
        self.bias2 = np.asarray(bias2, dtype=float)
        if self.weight1.ndim != 2 or self.weight2.ndim != 2:
            raise ValueError("weight1 and weight2 must be 2-D arrays (inputs, outputs)")
        if self.weight1.shape[1] != self.weight2.shape[0]:
            raise ValueError(
                f"weight1 gives {self.weight1.shape[1]} hidden units "
                f"but weight2 expects {self.weight2.shape[0]}"
            )

    def hidden(self, x) -> np.ndarray:
        """The hidden layer's output, sigmoid(x @ weight1 + bias1)."""
        return sigmoid(np.asarray(x, dtype=float) @ self.weight1 + self.bias1)

    def __call__(self, x) -> np.ndarray:
        return sigmoid(self.hidden(x) @ self.weight2 + self.bias2)

    def __repr__(self) -> str:
        sizes = [self.weight1.shape[0], self.weight1.shape[1], self.weight2.shape[1]]
        return f"ShallowNet(sizes={sizes})"


class DeepNet:
    """Any number of hidden layers: ``sizes = [input_num] + hidden_num + [output_num]``,
    each layer ``sigmoid(x @ w + b)``.

    As in the notes, weights start uniform in [0, 1) (``np.random.rand``), but drawn from a
    generator seeded with ``seed`` so the network is the same on every run; biases start at
    zero (the notes set ``self.bias = 0`` and never used it).
    """

    def __init__(
        self, input_num: int, output_num: int, hidden_num: Sequence[int], seed: int = 0
    ) -> None:
        self.sizes = [int(input_num), *[int(n) for n in hidden_num], int(output_num)]
        if min(self.sizes) < 1:
            raise ValueError(f"every layer needs at least one unit, got {self.sizes}")
        rng = np.random.default_rng(seed)
        self.weights = [rng.random((n_in, n_out)) for n_in, n_out in pairwise(self.sizes)]
        self.biases = [np.zeros(n_out) for n_out in self.sizes[1:]]

    def __call__(self, x) -> np.ndarray:
        y = np.asarray(x, dtype=float)
        for w, b in zip(self.weights, self.biases, strict=True):
            y = sigmoid(y @ w + b)
        return y

    def __repr__(self) -> str:
        return f"DeepNet(sizes={self.sizes})"


def notes_shallow_net() -> ShallowNet:
    """The notes' example: 3 inputs, 4 hidden units, 3 outputs, scalar biases 0.01 and 0.02.

    >>> notes_shallow_net()([1, 2, 3]).round(4).tolist()
    [0.7179, 0.7244, 0.7756]
    """
    weight1 = [[0.1, 0.2, 0.3, 0.4],
               [0.2, 0.3, 0.4, 0.5],
               [0.1, 0.2, 0.4, 0.3]]
    weight2 = [[0.3, 0.2, 0.1],
               [0.2, 0.1, 0.3],
               [0.5, 0.6, 0.7],
               [0.1, 0.2, 0.3]]
    return ShallowNet(weight1, 0.01, weight2, 0.02)
