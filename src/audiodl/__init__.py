"""audiodl: what the course 音频信号处理与深度学习 builds, importable by its snippets.

Each module's docstring names the section of the course that explains it.

``import audiodl`` imports no submodule: the names below, and the submodules themselves
(``audiodl.train``), load on first use (PEP 562), so a program that only draws with
matplotlib, or the example runner's kernel, does not pay seconds for importing torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

# Each public name and the submodule that defines it.
_LAZY = {
    "SEED": "seed",
    "Perceptron": "perceptron",
    "describe_device": "device",
    "output_dir": "outputs",
    "pick_device": "device",
    "seed_everything": "seed",
    "sigmoid": "perceptron",
}

__all__ = ["SEED", "Perceptron", "describe_device", "output_dir", "pick_device",
           "seed_everything", "sigmoid"]
__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers and editors see
    from audiodl.device import describe_device, pick_device
    from audiodl.outputs import output_dir
    from audiodl.perceptron import Perceptron, sigmoid
    from audiodl.seed import SEED, seed_everything


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"audiodl.{_LAZY[name]}"), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"audiodl.{name}") is not None:
        value = importlib.import_module(f"audiodl.{name}")
    else:
        raise AttributeError(f"module 'audiodl' has no attribute {name!r}")
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
