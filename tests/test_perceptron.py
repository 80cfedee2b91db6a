"""audiodl.perceptron held against torch and against the closed form."""

import math

import pytest
import torch

from audiodl import Perceptron, sigmoid


def test_seed_example_matches_hand_computation():
    # z = 0.1*1 + 0.4*2 + 0.2*3 + 0.02 = 1.52
    y = Perceptron([0.1, 0.4, 0.2], bias=0.02)([1, 2, 3])
    assert y == pytest.approx(1 / (1 + math.exp(-1.52)), abs=1e-15)


@pytest.mark.parametrize("z", [-800.0, -30.0, -1.0, 0.0, 0.5, 30.0, 800.0])
def test_sigmoid_agrees_with_torch_and_never_overflows(z):
    expected = torch.sigmoid(torch.tensor(z, dtype=torch.float64)).item()
    assert sigmoid(z) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_perceptron_agrees_with_torch_linear_layer():
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(5, generator=gen, dtype=torch.float64)
    b = 0.3
    x = torch.randn(5, generator=gen, dtype=torch.float64)
    layer = torch.nn.Linear(5, 1, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(w[None, :])
        layer.bias.fill_(b)
    expected = torch.sigmoid(layer(x)).item()
    assert Perceptron(w.tolist(), b)(x.tolist()) == pytest.approx(expected, rel=1e-12)


def test_wrong_number_of_inputs_is_a_clear_error():
    with pytest.raises(ValueError, match="3 weights but got 2 inputs"):
        Perceptron([0.1, 0.4, 0.2])([1, 2])


def test_no_weights_is_an_error():
    with pytest.raises(ValueError, match="at least one weight"):
        Perceptron([])


def test_one_sigmoid_for_numbers_and_arrays():
    import warnings

    import numpy as np

    from audiodl import numpy_nets

    assert numpy_nets.sigmoid is sigmoid
    assert isinstance(sigmoid(0.5), float) and sigmoid(0.0) == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning at the extremes
        out = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])
