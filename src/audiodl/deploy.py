"""Chapter 5's network outside PyTorch: exported to ONNX with its features inside the graph
(docs/ch5/deploy.md; used by examples/ch5/deploy.py and the page's in-browser demo).

- :class:`WaveToLogits` wraps a trained :class:`audiodl.digits.DigitCNN` so that it takes
  the 0.8 s, 8 kHz window :func:`audiodl.recognise.network_input` builds (the sound without
  its silent ends, centred) and computes the log-mel itself: framing, window and DFT as one
  strided convolution whose kernels are the windowed cosines and sines, power, the mel
  filterbank as a matrix product, decibels floored 40 dB below the clip's peak. It matches
  :func:`audiodl.digits.log_mel` to float rounding.
- :func:`export_onnx` writes it with ``torch.onnx.export`` (a free batch dimension);
  :func:`session` opens an ONNX file with ONNX Runtime; :func:`quantise` writes an 8-bit
  copy (ONNX Runtime's dynamic quantisation); :func:`stored_numbers` counts what the file
  holds.
- :func:`browser_settings` is everything the page's JavaScript needs besides the graph:
  the trimming, window and level constants and the no-digit rule's thresholds, so the
  browser decides as :class:`audiodl.recognise.Predictor` does.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict
from inspect import signature
from pathlib import Path

import numpy as np
import torch
from torch import nn

from audiodl.datasets import SR
from audiodl.digits import (
    CLIP_SAMPLES,
    HOP_LENGTH,
    N_FFT,
    N_MELS,
    TOP_DB,
    DigitCNN,
    trim_silence,
)
from audiodl.mel import mel_filterbank
from audiodl.recognise import FRAME, FULL_SCALE_POWER, SWING_RANGE_DB, Predictor

__all__ = ["INPUT", "OUTPUT", "WaveToLogits", "browser_settings", "dft_kernels",
           "export_onnx", "feature_nodes", "operator_counts", "quantise", "run", "session",
           "stored_numbers"]

INPUT, OUTPUT = "wave", "logits"  # the graph's input and output names
# WaveToLogits' buffers, so the names of the feature weights in the exported graph
DFT_KERNELS, FILTERBANK = ("cos", "sin"), "fbank"


def dft_kernels(n_fft: int = N_FFT) -> tuple[torch.Tensor, torch.Tensor]:
    """Conv1d weights (n_fft // 2 + 1, 1, n_fft): row k is the periodic Hann window times
    cos(2 pi k n / n_fft), and times -sin(...): convolving a signal with them, stride hop,
    gives each frame's DFT (real and imaginary parts) at bins 0 .. n_fft / 2."""
    n = torch.arange(n_fft, dtype=torch.float64)
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
    window = torch.hann_window(n_fft, dtype=torch.float64)
    angle = 2 * math.pi * k * n / n_fft
    return ((window * torch.cos(angle))[:, None].float(),
            (-window * torch.sin(angle))[:, None].float())


class WaveToLogits(nn.Module):
    """(B, :data:`CLIP_SAMPLES`) 8 kHz windows -> (B, 10) logits of ``model``: the
    chapter's log-mel (:func:`audiodl.digits.log_mel`), then the network. Its layers are
    the model's own, so it follows the model's weights; put both in eval mode."""

    def __init__(self, model: DigitCNN):
        super().__init__()
        self.model = model
        cos, sin = dft_kernels()
        self.register_buffer("cos", cos)
        self.register_buffer("sin", sin)
        self.register_buffer("fbank", mel_filterbank(N_MELS, N_FFT, SR))

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        # centred frames, as torch.stft: reflect n_fft / 2 samples at both ends
        x = nn.functional.pad(wave[:, None], (N_FFT // 2, N_FFT // 2), mode="reflect")
        re = nn.functional.conv1d(x, self.cos, stride=HOP_LENGTH)  # (B, bins, frames)
        im = nn.functional.conv1d(x, self.sin, stride=HOP_LENGTH)
        mel = torch.matmul(self.fbank, re * re + im * im)  # (B, n_mels, frames)
        db = 10 * torch.log10(mel.clamp_min(1e-10))
        peak = db.amax(dim=(1, 2), keepdim=True)
        db = torch.maximum(db, peak - TOP_DB)
        return self.model(db[:, None])


def export_onnx(model: DigitCNN, path: Path) -> WaveToLogits:
    """Write ``model`` with its features to ``path`` as ONNX (input :data:`INPUT`, float32
    (batch, :data:`CLIP_SAMPLES`); output :data:`OUTPUT`, (batch, 10)); returns the wrapper
    that was exported. The batch is a named, free dimension in the file (the bounds given
    to the exporter are not written into it); the weights are stored inside the file."""
    wrapper = WaveToLogits(model).eval()
    example = torch.zeros(2, CLIP_SAMPLES)
    program = torch.onnx.export(
        wrapper, (example,), input_names=[INPUT], output_names=[OUTPUT],
        dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=1024)},),
        dynamo=True, verbose=False)
    program.save(str(path), external_data=False)
    return wrapper


def session(path: Path):
    """An ONNX Runtime inference session on ``path``, on the CPU with one thread (as the
    page runs it), so its numbers do not depend on the machine's cores."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run(sess, windows: torch.Tensor) -> np.ndarray:
    """Logits (B, 10) of an ONNX Runtime session for windows (B, CLIP_SAMPLES)."""
    return sess.run([OUTPUT], {INPUT: windows.numpy().astype(np.float32)})[0]


def stored_numbers(path: Path) -> dict[str, int]:
    """How many numbers the graph at ``path`` stores: the DFT kernels, the mel filterbank,
    the network's weights (its batch normalisation folded into the convolutions) and the
    exporter's constants (the 40 dB floor, the standardisation's 1e-5, shapes, ...)."""
    import onnx

    counts = {"DFT kernels": 0, "mel filterbank": 0, "network": 0, "constants": 0}
    for tensor in onnx.load(str(path)).graph.initializer:
        part = ("DFT kernels" if tensor.name in DFT_KERNELS else
                "mel filterbank" if tensor.name == FILTERBANK else
                "network" if tensor.name.startswith("model.") else "constants")
        counts[part] += math.prod(tensor.dims)
    return counts


def operator_counts(path: Path) -> Counter:
    """How many nodes of each ONNX operator the graph at ``path`` holds."""
    import onnx

    return Counter(node.op_type for node in onnx.load(str(path)).graph.node)


def feature_nodes(path: Path) -> list[str]:
    """The names of the nodes that apply the DFT kernels and the mel filterbank."""
    import onnx

    return [node.name for node in onnx.load(str(path)).graph.node
            if {*DFT_KERNELS, FILTERBANK} & set(node.input)]


def quantise(path: Path, out: Path, features: bool = False) -> None:
    """An 8-bit copy of ``path`` at ``out``: ONNX Runtime's dynamic quantisation stores the
    weights of the convolutions and linear layers as int8 with one scale per tensor, and
    quantises each one's input on the fly, with one scale from that input's range (the
    whole batch's: a quiet clip batched with loud ones gets few steps). The DFT
    convolutions stay float32 unless ``features``; the mel filterbank's product stays float
    either way (only a product whose second input is a weight is quantised)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # It logs a warning that recommends its pre-processing step, whose shape inference
    # fails on this graph (onnxruntime 1.32); the quantised results are checked instead.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8,
                         nodes_to_exclude=[] if features else feature_nodes(path))
    finally:
        root.setLevel(level)


def browser_settings(predictor: Predictor) -> dict:
    """What the page's JavaScript needs besides the graph, from the code that defines it:
    the rate and window, :func:`audiodl.digits.trim_silence`'s defaults, how
    :func:`audiodl.recognise.measure` computes levels and swing, and the rule's thresholds."""
    trim = {k: v.default for k, v in signature(trim_silence).parameters.items()
            if k != "wave"}
    return {"sample_rate": SR, "window": CLIP_SAMPLES, "input": INPUT, "output": OUTPUT,
            "trim": trim, "level_frame": FRAME, "full_scale_power": FULL_SCALE_POWER,
            "swing_range_db": SWING_RANGE_DB, "rule": asdict(predictor.rule)}
