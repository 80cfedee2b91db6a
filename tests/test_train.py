"""audiodl.train: the loop learns, early stopping stops, the checkpoint is the best epoch's,
and bad input (empty loader, NaN loss, no parameters) stops with a clear message."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from audiodl.train import NonFiniteLossError, evaluate, fit, train_one_epoch


def blobs(n=200, seed=0):
    """Two Gaussian blobs in 2-D, classes 0 and 1."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randn(n, 2, generator=g) * 0.7 + (y[:, None] * 2.0 - 1.0) * torch.tensor([1.5, 1.0])
    return TensorDataset(x, y)


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


def loaders():
    g = torch.Generator().manual_seed(0)
    return (DataLoader(blobs(200, seed=0), batch_size=20, shuffle=True, generator=g),
            DataLoader(blobs(100, seed=1), batch_size=50))


class Line(nn.Module):
    """y_hat = w * x with one weight, starting at 0."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.w * x


def line_loaders():
    """Training data say y = 2x, validation data y = x: gradient descent walks w from 0 to 2,
    so the validation loss falls until w passes 1 and rises after: a known best epoch."""
    x = torch.linspace(-1, 1, 8)
    train = DataLoader(TensorDataset(x, 2 * x), batch_size=8)
    val = DataLoader(TensorDataset(x, x), batch_size=8)
    return train, val


def test_a_tiny_model_learns():
    model, (train, _) = mlp(), loaders()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before, _ = evaluate(model, train, loss_fn)
    losses = [train_one_epoch(model, train, loss_fn, optimizer)[0] for _ in range(5)]
    after, acc = evaluate(model, train, loss_fn)
    assert losses == sorted(losses, reverse=True)
    assert after < 0.5 * before
    assert acc > 0.9


def test_fit_keeps_history_logs_a_line_per_epoch_and_writes_scalars():
    model, (train, val) = mlp(), loaders()
    lines, scalars = [], []

    class Writer:
        def add_scalar(self, tag, value, step):
            scalars.append((tag, step))

    result = fit(model, train, val, nn.CrossEntropyLoss(),
                 torch.optim.SGD(model.parameters(), lr=0.1), epochs=4, log=lines.append,
                 writer=Writer())
    assert result.epochs_run == 4 and not result.stopped_early
    assert result.history["epoch"] == [1, 2, 3, 4]
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    assert len(lines) == 4 and lines[0].startswith("epoch 1/4  train loss ")
    assert ("accuracy/val", 4) in scalars and ("loss/train", 1) in scalars


def test_early_stopping_stops_and_the_checkpoint_is_the_best_epoch(tmp_path):
    model, (train, val) = Line(), line_loaders()
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    path = tmp_path / "best.pt"
    lines = []
    result = fit(model, train, val, loss_fn, optimizer, epochs=50, patience=3,
                 monitor="val_loss", checkpoint=path, log=lines.append)
    val_loss = result.history["val_loss"]
    best = val_loss.index(min(val_loss)) + 1
    assert 1 < best < 10  # the validation loss really turns around
    assert result.best_epoch == best
    assert result.stopped_early and result.epochs_run == best + 3
    assert lines[-1] == f"early stop: no better validation loss for 3 epochs; best epoch {best}"
    assert math.isnan(result.history["val_acc"][0])  # regression: no accuracy
    # The file holds the best epoch's weights, not the last epoch's ...
    saved = torch.load(path, weights_only=True)
    assert torch.equal(saved["w"], result.best_state["w"])
    fresh = Line()
    fresh.load_state_dict(saved)
    assert evaluate(fresh, val, loss_fn)[0] == pytest.approx(min(val_loss), rel=1e-6)
    # ... and the model was given them back.
    assert torch.equal(model.w.detach(), saved["w"])
    assert val_loss[-1] > min(val_loss)


def test_ties_in_accuracy_go_to_the_lower_validation_loss():
    model, (train, val) = mlp(), loaders()
    result = fit(model, train, val, nn.CrossEntropyLoss(),
                 torch.optim.SGD(model.parameters(), lr=0.1), epochs=8, log=None)
    acc, loss = result.history["val_acc"], result.history["val_loss"]
    best = max(range(8), key=lambda i: (acc[i], -loss[i])) + 1
    assert result.best_epoch == best
    assert acc.count(max(acc)) > 1  # the case the rule is for actually happens here


@pytest.mark.parametrize("which", ["train_loader", "val_loader"])
def test_an_empty_loader_is_refused(which):
    model, (train, val) = mlp(), loaders()
    empty = DataLoader(TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)))
    kwargs = {"train_loader": train, "val_loader": val, which: empty}
    with pytest.raises(ValueError, match=f"{which} yields no batches.*batch_size"):
        fit(model, loss_fn=nn.CrossEntropyLoss(),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=2, **kwargs)


def test_an_empty_iterable_is_refused_after_the_pass():
    model = mlp()
    with pytest.raises(ValueError, match="train_loader yields no batches"):
        train_one_epoch(model, iter([]), nn.CrossEntropyLoss(),
                        torch.optim.SGD(model.parameters(), lr=0.1))


def test_a_model_without_parameters_is_refused():
    class Forgotten(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]  # a plain list: not registered

        def forward(self, x):
            return self.layers[0](x)

    model, (train, val) = Forgotten(), loaders()
    assert list(model.parameters()) == []
    optimizer = torch.optim.SGD(model.layers[0].parameters(), lr=0.1)
    with pytest.raises(ValueError, match="Forgotten.*no trainable parameters.*nn.ModuleList"):
        fit(model, train, val, nn.CrossEntropyLoss(), optimizer, epochs=1)


def test_an_optimizer_of_another_model_is_refused():
    model, (train, val) = mlp(), loaders()
    optimizer = torch.optim.SGD(mlp().parameters(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer updates none of the model's parameters"):
        fit(model, train, val, nn.CrossEntropyLoss(), optimizer, epochs=1)


class NanAt:
    """Cross-entropy that returns NaN on its ``n``-th call (counting every call)."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __call__(self, y_hat, y):
        self.calls += 1
        loss = nn.functional.cross_entropy(y_hat, y)
        return loss * math.nan if self.calls == self.n else loss


def test_a_nan_loss_stops_at_its_step_without_touching_the_weights(tmp_path):
    model, (train, val) = mlp(), loaders()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    path = tmp_path / "best.pt"
    # Epoch 1: 10 training calls, then 2 validation calls; so call 15 is epoch 2, step 3.
    with pytest.raises(NonFiniteLossError, match=r"nan at epoch 2, step 3.*learning rate") as e:
        fit(model, train, val, NanAt(15), optimizer, epochs=5, checkpoint=path,
            restore_best=False, log=None)
    assert (e.value.epoch, e.value.step) == (2, 3) and math.isnan(e.value.loss)
    assert "best epoch so far, 1" in str(e.value)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    saved = torch.load(path, weights_only=True)
    assert all(torch.isfinite(v).all() for v in saved.values())


def test_a_nan_in_the_first_epoch_writes_no_checkpoint(tmp_path):
    model, (train, val) = mlp(), loaders()
    path = tmp_path / "best.pt"
    with pytest.raises(NonFiniteLossError, match="epoch 1, step 1.*no checkpoint was written"):
        fit(model, train, val, NanAt(1), torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=3, checkpoint=path, log=None)
    assert not path.exists()


def test_a_diverging_learning_rate_is_caught():
    model, (train, val) = Line(), line_loaders()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e3)  # each step overshoots
    with pytest.raises(NonFiniteLossError, match="loss is inf at epoch"):
        fit(model, train, val, nn.MSELoss(), optimizer, epochs=500, monitor="val_loss",
            log=None)


def test_monitoring_accuracy_on_regression_says_what_to_do():
    model, (train, val) = Line(), line_loaders()
    with pytest.raises(ValueError, match="monitor='val_loss'"):
        fit(model, train, val, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=1, log=None)
