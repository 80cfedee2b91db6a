"""audiodl.activations: closed-form derivatives held against autograd and torch.func."""

import numpy as np
import pytest
import torch

from audiodl.activations import (
    ACTIVATIONS,
    autograd_derivative,
    closed_form_derivative,
    mean_abs_difference,
)

Z = torch.linspace(-8, 8, 321, dtype=torch.float64)  # includes z = 0 exactly


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_closed_form_matches_autograd(name):
    expected = autograd_derivative(ACTIVATIONS[name], Z)
    torch.testing.assert_close(closed_form_derivative(name, Z), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_autograd_derivative_matches_torch_func(name):
    expected = torch.vmap(torch.func.grad(ACTIVATIONS[name]))(Z)
    torch.testing.assert_close(autograd_derivative(ACTIVATIONS[name], Z), expected)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_closed_form_matches_finite_differences(name):
    z = Z[Z.abs() > 0.01]  # ReLU has a kink at 0
    h = 1e-6
    fn = ACTIVATIONS[name]
    numeric = (fn(z + h) - fn(z - h)) / (2 * h)
    torch.testing.assert_close(closed_form_derivative(name, z), numeric, rtol=1e-6, atol=1e-8)


def test_relu_derivative_at_zero_is_zero_like_pytorch():
    zero = torch.zeros(1)
    assert autograd_derivative(torch.relu, zero).item() == 0.0
    assert closed_form_derivative("relu", zero).item() == 0.0


def test_peak_derivatives():
    zero = torch.zeros(1, dtype=torch.float64)
    assert closed_form_derivative("sigmoid", zero).item() == pytest.approx(0.25)
    assert closed_form_derivative("tanh", zero).item() == pytest.approx(1.0)
    assert closed_form_derivative("sigmoid", Z).max().item() == pytest.approx(0.25)


def test_tanh_is_a_rescaled_sigmoid():
    torch.testing.assert_close(torch.tanh(Z), 2 * torch.sigmoid(2 * Z) - 1)


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        closed_form_derivative("gelu", Z)


def test_mean_abs_difference_matches_numpy():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.rand(3, 5, 7, generator=gen), torch.rand(3, 5, 7, generator=gen)
    assert mean_abs_difference(a, b) == pytest.approx(np.abs(a.numpy() - b.numpy()).mean())


def test_signed_sum_cancels_where_mean_abs_difference_does_not():
    x = torch.tensor([0.0, 1.0])
    y = torch.tensor([0.5, 0.5])
    assert (x - y).sum().item() == 0.0
    assert mean_abs_difference(x, y) == pytest.approx(0.5)


def test_mean_abs_difference_rejects_different_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        mean_abs_difference(torch.zeros(2, 3), torch.zeros(3, 2))


def test_sigmoid_maps_unit_interval_into_half_to_0731():
    y = torch.sigmoid(torch.linspace(0, 1, 101))
    assert y.min().item() == pytest.approx(0.5)
    assert y.max().item() == pytest.approx(1 / (1 + np.exp(-1)), rel=1e-6)
