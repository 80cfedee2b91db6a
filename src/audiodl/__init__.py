"""audiodl: what the course 音频信号处理与深度学习 builds, importable by its snippets."""

from audiodl.perceptron import Perceptron, sigmoid

__all__ = ["Perceptron", "sigmoid"]
__version__ = "0.1.0"
