"""Activation functions of chapter 3 (docs/ch3/activations.md, sections "relu", "tanh",
"sigmoid" and "activation-image").

The three activations of the notes, their derivatives in closed form, the same
derivatives from autograd (the page and its tests check that the two agree), and the
difference measure of the notes' sigmoid-on-a-photo experiment, corrected to a mean of
absolute differences.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


def closed_form_derivative(name: str, z: torch.Tensor) -> torch.Tensor:
    """The derivative of activation ``name`` at ``z``, from its formula.

    - relu: 1 where z > 0, else 0 (at z = 0 the derivative does not exist; PyTorch's
      autograd uses 0 there, and so does this function);
    - tanh: 1 - tanh(z)^2;
    - sigmoid: sigmoid(z) * (1 - sigmoid(z)).
    """
    if name == "relu":
        return (z > 0).to(z.dtype)
    if name == "tanh":
        return 1 - torch.tanh(z) ** 2
    if name == "sigmoid":
        s = torch.sigmoid(z)
        return s * (1 - s)
    raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")


def autograd_derivative(
    fn: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor
) -> torch.Tensor:
    """The derivative of an element-wise function ``fn`` at every point of ``z``, by autograd.

    Because ``fn`` acts element by element, the gradient of ``fn(z).sum()`` with respect
    to ``z`` holds d fn(z_i) / d z_i at position i.
    """
    z = z.detach().clone().requires_grad_(True)
    fn(z).sum().backward()
    return z.grad


def mean_abs_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean of |a - b|: how far two images (or any tensors of one shape) are apart, on
    average per element.

    The notes summed the signed differences, ``(a - b).sum()``: positive and negative
    differences cancel, and the sum grows with the number of pixels.
    """
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
    return (a - b).abs().mean().item()
