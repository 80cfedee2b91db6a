"""audiodl: what the course 音频信号处理与深度学习 builds, importable by its snippets.

Each module's docstring names the section of the course that explains it.
"""

from audiodl.device import describe_device, pick_device
from audiodl.outputs import output_dir
from audiodl.perceptron import Perceptron, sigmoid
from audiodl.seed import SEED, seed_everything

__all__ = [
    "SEED",
    "Perceptron",
    "describe_device",
    "output_dir",
    "pick_device",
    "seed_everything",
    "sigmoid",
]
__version__ = "0.1.0"
