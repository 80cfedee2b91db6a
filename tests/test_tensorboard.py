"""audiodl.tensorboard: what SummaryWriter writes, read_scalars reads back."""

import pytest
import torch
from tensorboard.backend.event_processing import event_accumulator
from torch.utils.tensorboard import SummaryWriter

from audiodl.tensorboard import load_run, read_scalars


def test_read_scalars_returns_what_was_logged(tmp_path):
    values = [1.0 / (step + 1) for step in range(25)]
    with SummaryWriter(tmp_path) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("loss/train", value, step)
        writer.add_scalar("accuracy", 0.5, 0)
    steps, got = read_scalars(tmp_path, "loss/train")
    assert steps == list(range(25))
    assert got == pytest.approx(values, rel=1e-6)  # stored as float32
    assert read_scalars(tmp_path, "accuracy") == ([0], [0.5])


def test_every_point_is_kept_not_a_reservoir_sample(tmp_path, monkeypatch):
    """EventAccumulator keeps at most 10,000 points per tag by default; shrink that default
    to 5 so the test is fast, and check that read_scalars still gets all 20 points."""
    monkeypatch.setitem(event_accumulator.DEFAULT_SIZE_GUIDANCE, event_accumulator.SCALARS, 5)
    with SummaryWriter(tmp_path) as writer:
        for step in range(20):
            writer.add_scalar("x", float(step), step)
    plain = event_accumulator.EventAccumulator(str(tmp_path))
    plain.Reload()
    assert len(plain.Scalars("x")) == 5, "the default should sample; the test is void otherwise"
    steps, values = read_scalars(tmp_path, "x")
    assert steps == list(range(20)) and values == [float(s) for s in range(20)]


def test_other_kinds_are_listed(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("w", torch.randn(100), 0)
        writer.add_image("img", torch.rand(3, 4, 4), 0)
        writer.add_audio("clip", torch.zeros(1, 160), 0, sample_rate=16_000)
    tags = load_run(tmp_path).Tags()
    assert tags["histograms"] == ["w"] and tags["images"] == ["img"] and tags["audio"] == ["clip"]


def test_unknown_tag_and_missing_folder_say_what_exists(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", 1.0, 0)
    with pytest.raises(KeyError, match="'loss'"):
        read_scalars(tmp_path, "los")
    with pytest.raises(FileNotFoundError):
        read_scalars(tmp_path / "nope", "loss")
