"""The training loop, written once (docs/ch4/training-loop.md, sections "epoch-loop",
"train-eval-mode", "validation" and "checkpoint"; early stopping in
docs/ch4/generalization.md, section "early-stopping").

Chapter 4 builds this loop step by step; its examples and the project chapter call it:

- :func:`train_one_epoch`: one pass over the training batches, one gradient step per batch,
  in training mode;
- :func:`evaluate`: mean loss and accuracy over a loader, in evaluation mode, without
  gradients;
- :func:`fit`: epochs of both, validation after every epoch, the best epoch's weights kept
  (and saved as a checkpoint), early stopping, an optional learning-rate scheduler,
  TensorBoard scalars through an optional ``SummaryWriter``, a progress line per epoch.

Accuracy is computed when the model returns logits ``(B, n_classes)`` and the targets are
class indices ``(B,)``; for any other task (regression, ...) it is ``nan`` and the best epoch
is chosen by validation loss (``monitor="val_loss"``).

Bad input stops early with a message that says what is wrong and what to do: an empty
loader, a model with no trainable parameters, an optimizer that updates none of the model's
parameters, a checkpoint path that cannot be written (refused before the first epoch), and a
loss that is not finite (:class:`NonFiniteLossError`, raised at the step
where it appears, before the weights are updated; no checkpoint is written from that epoch).
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = [
    "FitResult", "NonFiniteLossError", "evaluate", "fit", "save_atomically", "train_one_epoch",
]

MONITORS = ("val_acc", "val_loss")


class NonFiniteLossError(FloatingPointError):
    """The loss became ``nan`` or ``inf``; ``epoch`` and ``step`` say where (both from 1)."""

    def __init__(self, message: str, *, epoch: int, step: int, loss: float) -> None:
        super().__init__(message)
        self.epoch, self.step, self.loss = epoch, step, loss


@dataclass
class FitResult:
    """What :func:`fit` returns.

    ``history`` has one entry per epoch run under each key: ``epoch``, ``train_loss``,
    ``train_acc``, ``val_loss``, ``val_acc``, ``lr`` (the rate used during the epoch) and
    ``seconds``. ``best_state`` is a copy of the best epoch's ``state_dict()``.
    """

    history: dict[str, list[float]]
    best_epoch: int
    best_val_loss: float
    best_val_acc: float
    best_state: dict[str, torch.Tensor] = field(repr=False)
    stopped_early: bool
    seconds: float

    @property
    def epochs_run(self) -> int:
        return len(self.history["epoch"])


def _device_of(model: nn.Module) -> torch.device:
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _correct(y_hat: torch.Tensor, y: torch.Tensor) -> int | None:
    """Correct predictions in a batch, or None when the batch is not classification."""
    if y_hat.ndim == 2 and y.ndim == 1 and not y.is_floating_point() and len(y) == len(y_hat):
        return int((y_hat.argmax(dim=1) == y).sum())
    return None


def _batch_size(x: Any) -> int:
    return len(x) if isinstance(x, torch.Tensor) and x.ndim else 1


def _check_loader(loader: Iterable, name: str) -> None:
    try:
        n = len(loader)  # type: ignore[arg-type]
    except TypeError:  # an iterable dataset without a length: checked after the pass
        return
    if n == 0:
        raise ValueError(_empty_message(name))


def _empty_message(name: str) -> str:
    return (
        f"{name} yields no batches, so there is nothing to "
        f"{'train on' if name == 'train_loader' else 'evaluate'}: the dataset is empty, or "
        "batch_size is larger than the dataset and drop_last=True. Check the split sizes "
        "(len(dataset)) and the DataLoader's batch_size / drop_last."
    )


def _scalar_loss(loss: Any) -> torch.Tensor:
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ValueError(
            f"loss_fn must return one number (a 0-dim tensor), got {shape}: use a loss with "
            "reduction='mean' (the default), or reduce it with .mean()."
        )
    return loss


class _Tally:
    """Mean loss and accuracy over the batches of one pass (accuracy: nan unless every
    batch looks like classification)."""

    def __init__(self) -> None:
        self.loss, self.correct, self.count, self.classification = 0.0, 0, 0, True

    def add(self, value: float, y_hat: torch.Tensor, y: torch.Tensor) -> None:
        n = _batch_size(y)
        self.loss += value * n
        hits = _correct(y_hat, y) if self.classification else None
        if hits is None:
            self.classification = False
        else:
            self.correct += hits
        self.count += n

    def means(self) -> tuple[float, float]:
        accuracy = self.correct / self.count if self.classification else math.nan
        return self.loss / self.count, accuracy


def train_one_epoch(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    device: torch.device | str | None = None,
    *,
    epoch: int = 1,
) -> tuple[float, float]:
    """One pass over ``loader`` in training mode, one gradient step per batch.

    Returns the mean loss over the examples and the accuracy (``nan`` when the task is not
    classification). A non-finite loss raises :class:`NonFiniteLossError` before that
    batch's ``backward()``/``step()``, so the weights are still those of the step before;
    ``epoch`` only labels that message.
    """
    device = torch.device(device) if device is not None else _device_of(model)
    model.train()
    tally, step = _Tally(), 0
    for step, (x, y) in enumerate(loader, start=1):
        x, y = x.to(device), y.to(device)
        y_hat = model(x)  # forward pass
        loss = _scalar_loss(loss_fn(y_hat, y))
        value = loss.item()
        if not math.isfinite(value):
            raise NonFiniteLossError(
                f"training loss is {value} at epoch {epoch}, step {step}; training stopped "
                "there, before this step updated the weights. Usual causes: a learning rate "
                "too large (lower it), NaN or inf in the inputs or targets (check the data), "
                "or a log/division of zero inside the loss (use nn.CrossEntropyLoss / "
                "nn.BCEWithLogitsLoss on logits).",
                epoch=epoch, step=step, loss=value,
            )
        optimizer.zero_grad()  # gradients accumulate: clear the previous step's
        loss.backward()  # backward pass
        optimizer.step()  # one step of gradient descent
        tally.add(value, y_hat, y)
    if step == 0:
        raise ValueError(_empty_message("train_loader"))
    return tally.means()


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: torch.device | str | None = None,
    *,
    epoch: int | None = None,
) -> tuple[float, float]:
    """Mean loss and accuracy over ``loader`` in evaluation mode, without gradients.

    Accuracy is ``nan`` when the task is not classification. A non-finite loss raises
    :class:`NonFiniteLossError` (the weights themselves have become non-finite).
    """
    device = torch.device(device) if device is not None else _device_of(model)
    model.eval()
    tally, step = _Tally(), 0
    for step, (x, y) in enumerate(loader, start=1):
        x, y = x.to(device), y.to(device)
        y_hat = model(x)
        value = _scalar_loss(loss_fn(y_hat, y)).item()
        if not math.isfinite(value):
            where = f"epoch {epoch}, " if epoch is not None else ""
            raise NonFiniteLossError(
                f"validation loss is {value} at {where}batch {step}: the model's outputs are "
                "not finite. Check the inputs for NaN/inf, and the weights "
                "(torch.isfinite(p).all() for each parameter); lower the learning rate.",
                epoch=epoch or 0, step=step, loss=value,
            )
        tally.add(value, y_hat, y)
    if step == 0:
        raise ValueError(_empty_message("val_loader"))
    return tally.means()


def _check_model(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError(
            f"the model ({type(model).__name__}) has no trainable parameters, so training "
            "cannot change it: register its layers as attributes (self.fc = nn.Linear(...)) "
            "or in nn.ModuleList / nn.Sequential, not in a plain Python list, and do not "
            "freeze them all with requires_grad_(False)."
        )
    updated = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not updated & {id(p) for p in params}:
        raise ValueError(
            "the optimizer updates none of the model's parameters: build it from this "
            "model, e.g. torch.optim.Adam(model.parameters()), after the model is created "
            "(a model created again later has new parameters)."
        )


def _check_checkpoint(path: Path) -> None:
    """Refuse a checkpoint location that cannot be written, before any epoch is spent.

    The nearest existing folder on the way to ``path`` must take a new file: a probe file is
    created there and removed (a permission check alone says yes to root on a read-only
    disk). Folders that do not exist yet are created at the first save.
    """
    if path.is_dir():
        raise ValueError(f"checkpoint {path} is a folder: give a file path inside it, "
                         f"e.g. checkpoint={str(path / 'best.pt')!r}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"checkpoint {path} cannot be written: {folder} is a file, not a "
                         "folder. Choose a path whose folders are folders (or move that file).")
    try:
        fd, probe = tempfile.mkstemp(prefix=".checkpoint-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"checkpoint {path} cannot be written: no new file can be created in "
                         f"{folder} ({exc.strerror}). Choose a folder you can write to, or "
                         "pass checkpoint=None.") from exc


def save_atomically(obj: object, path: Path, what: str = "the checkpoint") -> None:
    """``torch.save`` ``obj`` to a temporary file beside ``path``, sync it to disk, then
    rename it over ``path`` (also the digit recogniser's weights, audiodl.recognise).

    A save that fails or is interrupted leaves the previous file (or none), never half
    a file, and removes its temporary file; the error names ``what`` and ``path``. The
    temporary name is unique, so two runs saving to one folder do not write into each
    other's file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except OSError as exc:
        raise OSError(exc.errno, f"could not save {what} {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as file:
            torch.save(obj, file)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, f"could not save {what} {path}: "
                                     f"{exc.strerror or exc}") from exc
        raise


def fit(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    device: torch.device | str | None = None,
    patience: int | None = None,
    monitor: str = "val_acc",
    scheduler: Any = None,
    writer: Any = None,
    checkpoint: str | os.PathLike | None = None,
    restore_best: bool = True,
    log: Callable[[str], Any] | None = print,
) -> FitResult:
    """Train for up to ``epochs`` epochs, validating after each; keep the best epoch.

    - The best epoch has the highest validation accuracy, ties broken by the lower
      validation loss (``monitor="val_acc"``, for classification), or simply the lowest
      validation loss (``monitor="val_loss"``). A copy of its ``state_dict()`` is kept and,
      when ``checkpoint`` is a path, saved there each time a new best is found (atomically;
      a location that cannot be written is refused before the first epoch).
    - Early stopping: with ``patience=k``, stop after ``k`` epochs in a row without a new
      best.
    - ``scheduler`` is stepped once per epoch, after validation (``ReduceLROnPlateau``
      gets the validation loss).
    - ``writer`` (a ``torch.utils.tensorboard.SummaryWriter``) receives the scalars
      ``loss/train``, ``loss/val``, ``accuracy/train``, ``accuracy/val`` and ``lr`` per epoch.
    - ``log`` gets one progress line per epoch (``None``: quiet).
    - With ``restore_best`` the model ends with the best epoch's weights.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if patience is not None and patience < 1:
        raise ValueError(f"patience must be at least 1 (or None for no early stopping), "
                         f"got {patience}")
    if monitor not in MONITORS:
        raise ValueError(f"monitor must be one of {MONITORS}, got {monitor!r}")
    _check_model(model, optimizer)
    _check_loader(train_loader, "train_loader")
    _check_loader(val_loader, "val_loader")
    device = torch.device(device) if device is not None else _device_of(model)
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None:
        _check_checkpoint(path)
    say = log or (lambda line: None)

    keys = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")
    history: dict[str, list[float]] = {key: [] for key in keys}
    best_score: tuple[float, ...] | None = None
    best_epoch, best_state, since_best, stopped_early = 0, {}, 0, False
    width = len(str(epochs))
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        try:
            train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer,
                                                    device, epoch=epoch)
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device, epoch=epoch)
        except NonFiniteLossError as exc:
            if best_epoch and restore_best:
                model.load_state_dict(best_state)
            kept = (f" The best epoch so far, {best_epoch}, has finite weights"
                    + (f", saved in {path}" if path is not None else "")
                    + ("; the model has them back." if restore_best else ".")
                    if best_epoch else " No epoch finished, so no checkpoint was written.")
            raise NonFiniteLossError(str(exc) + kept, epoch=exc.epoch, step=exc.step,
                                     loss=exc.loss) from exc
        if monitor == "val_acc" and math.isnan(val_acc):
            raise ValueError(
                "monitor='val_acc' needs classification (logits (B, n_classes) and class "
                "indices (B,)); for any other task pass monitor='val_loss'."
            )
        for key, value in zip(keys, (epoch, train_loss, train_acc, val_loss, val_acc, lr,
                                     time.perf_counter() - t0), strict=True):
            history[key].append(value)
        if writer is not None:
            writer.add_scalar("loss/train", train_loss, epoch)
            writer.add_scalar("loss/val", val_loss, epoch)
            if not math.isnan(val_acc):
                writer.add_scalar("accuracy/train", train_acc, epoch)
                writer.add_scalar("accuracy/val", val_acc, epoch)
            writer.add_scalar("lr", lr, epoch)

        score = (val_acc, -val_loss) if monitor == "val_acc" else (-val_loss,)
        improved = best_score is None or score > best_score
        if improved:
            best_score, best_epoch, since_best = score, epoch, 0
            # state_dict() returns live references to the weights: keep a copy
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if path is not None:
                save_atomically(best_state, path)
        else:
            since_best += 1

        accuracy = (lambda a: f" acc {a:.3f}") if not math.isnan(val_acc) else (lambda a: "")
        say(f"epoch {epoch:>{width}}/{epochs}  train loss {train_loss:.4f}{accuracy(train_acc)}"
            f"  val loss {val_loss:.4f}{accuracy(val_acc)}" + ("  *" if improved else ""))

        if scheduler is not None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(val_loss)
            else:
                scheduler.step()
        if patience is not None and since_best >= patience:
            stopped_early = True
            say(f"early stop: no better validation {'accuracy' if monitor == 'val_acc' else 'loss'}"
                f" for {patience} epochs; best epoch {best_epoch}")
            break

    if restore_best:
        model.load_state_dict(best_state)
    i = best_epoch - 1
    return FitResult(
        history=history, best_epoch=best_epoch, best_val_loss=history["val_loss"][i],
        best_val_acc=history["val_acc"][i], best_state=best_state,
        stopped_early=stopped_early, seconds=time.perf_counter() - start,
    )
