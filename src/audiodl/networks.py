"""The whole network of chapter 3 (docs/ch3/network.md, sections "full-network",
"shape-trace" and "one-training-step").

:class:`CifarNet` is the notes' network for 32 x 32 colour images: three blocks of a
5 x 5 convolution (padding 2 keeps the size) and a 2 x 2 max pooling (halves it), then
a flatten and two linear layers, 64 * 4 * 4 = 1024 -> 64 -> 10. :func:`shape_trace`
runs a model once and reports every layer's output shape and parameter count;
:func:`format_trace` prints that as a table; :func:`train_step` is one
forward / backward / update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import nn


class CifarNet(nn.Module):
    """The notes' CIFAR-style CNN: (B, 3, 32, 32) images -> (B, num_classes) scores.

    As in the notes, there is no activation function: max pooling is the only
    non-linearity. ``activation=nn.ReLU`` (any module class) inserts one after each
    convolution and after the first linear layer, which is what one would normally do;
    it adds no parameters.
    """

    def __init__(
        self, num_classes: int = 10, activation: Callable[[], nn.Module] | None = None
    ) -> None:
        super().__init__()

        def act() -> list[nn.Module]:
            return [activation()] if activation is not None else []

        self.layers = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=5, padding=2), *act(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, kernel_size=5, padding=2), *act(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=5, padding=2), *act(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, 64), *act(),
            nn.Linear(64, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class TraceRow(NamedTuple):
    """One line of a shape trace: a layer's name, its class, its output shape and the
    number of parameters it owns."""

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int


def shape_trace(model: nn.Module, input_shape: Sequence[int]) -> list[TraceRow]:
    """Run ``model`` once on zeros of ``input_shape`` and record, in the order they run,
    every leaf layer's output shape and parameter count.

    The first row is the input itself ("input", 0 parameters). Leaf layers are modules
    without sub-modules (Conv2d, MaxPool2d, Linear, ...), named as in ``named_modules()``;
    a layer that runs twice gets two rows, but its parameters are counted once. The model
    runs in eval mode without gradients and is put back in the mode it was in.
    """
    names = {module: name for name, module in model.named_modules()}
    rows = [TraceRow("input", "", tuple(input_shape), 0)]
    counted: set[nn.Module] = set()

    def record(module: nn.Module, _inputs, output) -> None:
        params = 0
        if module not in counted:
            counted.add(module)
            params = sum(p.numel() for p in module.parameters(recurse=False))
        rows.append(TraceRow(names[module], type(module).__name__, tuple(output.shape), params))

    leaves = [m for m in model.modules() if next(m.children(), None) is None]
    handles = [m.register_forward_hook(record) for m in leaves]
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(tuple(input_shape), device=device))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return rows


def format_trace(rows: Sequence[TraceRow]) -> str:
    """A shape trace as a plain-text table, with the total parameter count at the end."""
    header = TraceRow("layer", "type", (), 0)
    shapes = ["output shape"] + [str(r.shape) for r in rows]
    params = ["params"] + [f"{r.params:,}" for r in rows]
    total = f"{sum(r.params for r in rows):,}"
    w_name = max(len(r.name) for r in [header, *rows])
    w_kind = max(len(r.kind) for r in [header, *rows])
    w_shape = max(len(s) for s in shapes)
    w_params = max(len(p) for p in [*params, total])
    lines = [
        f"{name:<{w_name}}  {kind:<{w_kind}}  {shape:<{w_shape}}  {p:>{w_params}}"
        for name, kind, shape, p in zip(
            [header.name, *(r.name for r in rows)],
            [header.kind, *(r.kind for r in rows)],
            shapes,
            params,
            strict=True,
        )
    ]
    rule = "-" * len(lines[0])
    lines.insert(1, rule)
    lines += [rule, f"{'total':<{w_name + w_kind + w_shape + 4}}  {total:>{w_params}}"]
    return "\n".join(line.rstrip() for line in lines)


def train_step(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
) -> float:
    """One forward pass, one backward pass and one optimizer update.

    Returns the loss computed in the forward pass, i.e. before the update.
    """
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
