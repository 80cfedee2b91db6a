"""audiodl.train: the loop learns, early stopping stops, the checkpoint is the best epoch's,
and bad input (empty loader, NaN loss, no parameters) stops with a clear message."""

import math
import os
from pathlib import Path

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


# The checkpoint location: checked before training, written atomically, nothing left behind.


class Counting:
    """Cross-entropy that counts its calls: 0 calls means no training happened."""

    def __init__(self):
        self.calls = 0

    def __call__(self, y_hat, y):
        self.calls += 1
        return nn.functional.cross_entropy(y_hat, y)


def fit_with_checkpoint(path, loss_fn=None, epochs=1):
    model, (train, val) = mlp(), loaders()
    return fit(model, train, val, loss_fn or nn.CrossEntropyLoss(),
               torch.optim.SGD(model.parameters(), lr=0.1), epochs=epochs, checkpoint=path,
               log=None)


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_folder_as_checkpoint_is_refused_before_training(tmp_path):
    loss_fn = Counting()
    with pytest.raises(ValueError, match=f"checkpoint {tmp_path} is a folder.*best.pt"):
        fit_with_checkpoint(tmp_path, loss_fn)
    assert loss_fn.calls == 0
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("below", ["best.pt", "runs/best.pt"])
def test_a_file_on_the_checkpoint_path_is_refused_before_training(tmp_path, below):
    (tmp_path / "notes.txt").write_text("not a folder")
    path = tmp_path / "notes.txt" / below
    loss_fn = Counting()
    with pytest.raises(ValueError, match=f"checkpoint {path} cannot be written: "
                                         f"{tmp_path / 'notes.txt'} is a file"):
        fit_with_checkpoint(path, loss_fn)
    assert loss_fn.calls == 0
    assert files_under(tmp_path) == ["notes.txt"]


def test_missing_folders_are_created_at_the_first_save_only(tmp_path):
    path = tmp_path / "runs" / "exp1" / "best.pt"
    with pytest.raises(NonFiniteLossError):  # no epoch finished: nothing to save
        fit_with_checkpoint(path, NanAt(1))
    assert files_under(tmp_path) == []
    result = fit_with_checkpoint(path)
    assert files_under(tmp_path) == ["runs", "runs/exp1", "runs/exp1/best.pt"]
    saved = torch.load(path, weights_only=True)
    assert all(torch.equal(saved[k], v) for k, v in result.best_state.items())


def test_a_folder_that_refuses_new_files_is_reported_before_training(tmp_path, monkeypatch):
    # The operating system's refusal, simulated: root may write into a read-only folder, so
    # the honest chmod case below cannot run as root.
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("audiodl.train.tempfile.mkstemp", refuse)
    loss_fn = Counting()
    path = tmp_path / "best.pt"
    with pytest.raises(ValueError, match=f"checkpoint {path} cannot be written: no new file can "
                                         f"be created in {tmp_path} \\(Permission denied\\)"):
        fit_with_checkpoint(path, loss_fn)
    assert loss_fn.calls == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into a read-only folder, and Windows ignores a "
                           "folder's mode; the simulated refusal above covers the message")
def test_a_read_only_folder_is_reported_before_training(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        with pytest.raises(ValueError, match=f"no new file can be created in {folder}"):
            fit_with_checkpoint(folder / "best.pt")
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_save_keeps_the_last_checkpoint_and_leaves_nothing_else(tmp_path, monkeypatch,
                                                                        failure):
    real_save, saves = torch.save, []

    def save_then_fail(obj, file):
        saves.append(obj)
        if len(saves) == 1:
            return real_save(obj, file)
        file.write(b"half a checkpoint")
        raise failure

    monkeypatch.setattr(torch, "save", save_then_fail)
    model, (train, val) = Line(), line_loaders()
    path = tmp_path / "best.pt"
    expected = OSError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as caught:
        fit(model, train, val, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=5, monitor="val_loss", checkpoint=path, log=None)
    if expected is OSError:
        assert str(path) in str(caught.value) and "No space left" in str(caught.value)
    assert len(saves) == 2
    assert files_under(tmp_path) == ["best.pt"]
    assert torch.equal(torch.load(path, weights_only=True)["w"], saves[0]["w"])


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("audiodl.train.os.replace", refuse)
    path = tmp_path / "best.pt"
    with pytest.raises(OSError, match=f"could not save the checkpoint {path}: Permission denied"):
        fit_with_checkpoint(path)
    assert files_under(tmp_path) == []


def test_each_save_syncs_a_uniquely_named_file_beside_the_checkpoint_before_renaming(
        tmp_path, monkeypatch):
    events, real_fsync, real_replace = [], os.fsync, os.replace
    monkeypatch.setattr("audiodl.train.os.fsync",
                        lambda fd: (events.append(("fsync",)), real_fsync(fd))[1])
    monkeypatch.setattr("audiodl.train.os.replace",
                        lambda src, dst: (events.append(("replace", Path(src), Path(dst))),
                                          real_replace(src, dst))[1])
    path = tmp_path / "best.pt"
    model, (train, val) = Line(), line_loaders()  # the validation loss falls for a few epochs
    fit(model, train, val, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=3, monitor="val_loss", checkpoint=path, log=None)
    replaces = [e for e in events if e[0] == "replace"]
    assert len(replaces) == 3 and events[0] == ("fsync",)
    for i, event in enumerate(events):
        if event[0] == "replace":
            assert events[i - 1] == ("fsync",)
            _, src, dst = event
            assert dst == path and src.parent == tmp_path and src.name.endswith(".tmp")
    assert len({e[1] for e in replaces}) == len(replaces)
    assert files_under(tmp_path) == ["best.pt"]
