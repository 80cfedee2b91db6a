"""Pick where tensors live: CUDA, else Apple MPS, else CPU (docs/ch2/environment.md).

Every example calls :func:`pick_device` once, so the same program runs on a GPU server,
a Mac and a laptop. The choice is remembered, and the build hook reads it back with
:func:`last_choice` to print "ran on <device>" under the example's results.
"""

from __future__ import annotations

import os
import platform
import warnings

import torch

_last: dict[str, str | None] | None = None


def pick_device(prefer: str | None = None) -> torch.device:
    """Return the best usable device: CUDA, else MPS, else CPU.

    ``prefer`` (or the environment variable ``AUDIODL_DEVICE``) forces one, e.g. "cpu".
    CUDA that is present but fails a one-element allocation (driver mismatch, busy
    device) falls back to the CPU with a warning, and the reason is kept for the page.
    """
    global _last
    wanted = prefer or os.environ.get("AUDIODL_DEVICE")
    note = None
    if wanted:
        device = torch.device(wanted)
    elif torch.cuda.is_available():
        try:
            torch.zeros(1, device="cuda")
            device = torch.device("cuda")
        except Exception as exc:  # any CUDA failure means "use the CPU"
            note = f"CUDA present but unusable ({type(exc).__name__}: {exc}); fell back to CPU"
            warnings.warn(note, RuntimeWarning, stacklevel=2)
            device = torch.device("cpu")
    elif torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    _last = {"device": device.type, "name": describe_device(device), "note": note}
    return device


def describe_device(device: torch.device | str) -> str:
    """A human name: "NVIDIA H100 80GB HBM3", "Apple MPS" or "CPU (x86_64)"."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({platform.machine() or 'unknown'})"


def last_choice() -> dict[str, str | None] | None:
    """What the latest :func:`pick_device` chose, or None if it was never called."""
    return _last
