"""Read what a ``SummaryWriter`` logged back into Python (docs/ch2/tensorboard.md, section
"read-back").

TensorBoard shows a run in the browser; to plot a curve on a course page, or to check it
in a test, we read the event files with TensorBoard's own ``EventAccumulator``.
"""

from __future__ import annotations

from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def load_run(logdir: str | Path) -> EventAccumulator:
    """Load every event file directly inside ``logdir`` (not its sub-folders).

    ``size_guidance={"scalars": 0}`` keeps every scalar: by default the accumulator
    keeps a random sample of at most 10,000 points per tag.
    """
    if not Path(logdir).is_dir():
        raise FileNotFoundError(f"no TensorBoard log folder at {logdir}")
    run = EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    run.Reload()
    return run


def read_scalars(logdir: str | Path, tag: str) -> tuple[list[int], list[float]]:
    """The ``(steps, values)`` logged with ``writer.add_scalar(tag, value, step)``.

    Values come back as float32 (that is how event files store them). An unknown tag
    raises ``KeyError`` naming the tags that exist.
    """
    run = load_run(logdir)
    tags = run.Tags()["scalars"]
    if tag not in tags:
        raise KeyError(f"no scalar tag {tag!r} in {logdir}; scalar tags: {sorted(tags)}")
    events = run.Scalars(tag)
    return [e.step for e in events], [e.value for e in events]
