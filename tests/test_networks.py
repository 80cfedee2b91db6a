"""audiodl.networks: CifarNet, its shape trace and one training step, held against torch."""

import pytest
import torch
from torch import nn

from audiodl.networks import CifarNet, TraceRow, format_trace, shape_trace, train_step


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("batch", [1, 8])
def test_output_shape_is_batch_by_classes(batch):
    torch.manual_seed(0)
    assert CifarNet()(torch.randn(batch, 3, 32, 32)).shape == (batch, 10)
    assert CifarNet(num_classes=4)(torch.randn(batch, 3, 32, 32)).shape == (batch, 4)


def test_architecture_matches_the_notes():
    # The notes: Conv2d(3,32,5,1,2), MaxPool2d(2), Conv2d(32,32,5,1,2), MaxPool2d(2),
    # Conv2d(32,64,5,1,2), MaxPool2d(2), Flatten(), Linear(64*4*4,64), Linear(64,10)
    notes = nn.Sequential(
        nn.Conv2d(3, 32, 5, 1, 2), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5, 1, 2), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, 1, 2), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 4 * 4, 64), nn.Linear(64, 10),
    )
    model = CifarNet()
    assert repr(model.layers) == repr(notes)
    model.layers.load_state_dict(notes.state_dict())
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(model(x), notes(x))


def test_trace_total_equals_parameter_count():
    for model in [CifarNet(), CifarNet(activation=nn.ReLU), CifarNet(num_classes=3)]:
        rows = shape_trace(model, (1, 3, 32, 32))
        assert sum(r.params for r in rows) == n_params(model)
    assert n_params(CifarNet()) == 145_578


def test_trace_agrees_with_running_the_layers():
    model = CifarNet(activation=nn.ReLU)
    x = torch.randn(2, 3, 32, 32)
    rows = shape_trace(model, x.shape)
    assert rows[0] == TraceRow("input", "", (2, 3, 32, 32), 0)
    assert len(rows) == len(model.layers) + 1
    for (name, layer), row in zip(model.layers.named_children(), rows[1:], strict=True):
        x = layer(x)
        assert row.name == f"layers.{name}"
        assert row.kind == type(layer).__name__
        assert row.shape == tuple(x.shape)
        assert row.params == n_params(layer)
    assert rows[-1].shape == (2, 10)


def test_trace_of_a_model_with_nested_blocks_and_a_shared_layer():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(nn.Sequential(shared, nn.ReLU()), shared)
    rows = shape_trace(model, (3, 4))
    # named_modules() names a shared module once, by its first path
    assert [r.name for r in rows] == ["input", "0.0", "0.1", "0.0"]
    assert [r.params for r in rows] == [0, 20, 0, 0]  # the shared layer counted once
    assert sum(r.params for r in rows) == n_params(model)


def test_trace_leaves_model_mode_and_hooks_as_they_were():
    model = CifarNet()
    model.train()
    shape_trace(model, (1, 3, 32, 32))
    assert model.training
    assert all(not m._forward_hooks for m in model.modules())
    model.eval()
    shape_trace(model, (1, 3, 32, 32))
    assert not model.training


def test_format_trace_lists_every_row_and_the_total():
    text = format_trace(shape_trace(CifarNet(), (1, 3, 32, 32)))
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "type", "output", "shape", "params"]
    assert "layers.7  Linear     (1, 64)           65,600" in lines
    assert lines[-1].split() == ["total", "145,578"]


def test_activation_adds_layers_but_no_parameters():
    with_relu = CifarNet(activation=nn.ReLU)
    kinds = [type(m).__name__ for m in with_relu.layers]
    assert kinds.count("ReLU") == 4
    assert n_params(with_relu) == n_params(CifarNet())


def test_training_step_reduces_the_loss_on_a_fixed_batch():
    torch.manual_seed(0)
    model = CifarNet()
    x = torch.randn(8, 3, 32, 32)
    y = torch.randint(0, 10, (8,))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    losses = [train_step(model, x, y, loss_fn, optimizer) for _ in range(3)]
    with torch.no_grad():
        final = loss_fn(model(x), y).item()
    assert losses[0] == pytest.approx(2.3, abs=0.2)  # about ln(10) before training
    assert losses[0] > losses[1] > losses[2] > final


def test_train_step_returns_the_loss_before_the_update():
    torch.manual_seed(0)
    model = CifarNet()
    x, y = torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))
    loss_fn = nn.CrossEntropyLoss()
    with torch.no_grad():
        before = loss_fn(model(x), y).item()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    assert train_step(model, x, y, loss_fn, optimizer) == pytest.approx(before, rel=1e-6)
