"""audiodl.deploy: the exported graph computes chapter 5's log-mel and network, ONNX
Runtime agrees with PyTorch, quantisation keeps the features in float unless asked, and
the browser's settings are the package's own."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
import torch

from audiodl.datasets import SpokenDigits
from audiodl.deploy import (
    WaveToLogits,
    browser_settings,
    dft_kernels,
    export_onnx,
    feature_nodes,
    operator_counts,
    quantise,
    run,
    session,
    stored_numbers,
)
from audiodl.digits import CLIP_SAMPLES, HOP_LENGTH, N_FFT, fix_length, log_mel, trim_silence
from audiodl.recognise import (
    FRAME,
    FULL_SCALE_POWER,
    SWING_RANGE_DB,
    frame_levels_db,
    load_predictor,
    network_input,
)


@pytest.fixture(scope="module")
def predictor():
    return load_predictor(log=lambda _: None)


@pytest.fixture(scope="module")
def clips():
    """40 FSDD test recordings (every speaker and digit), as predict.py's windows."""
    test = SpokenDigits("test")
    waves = [test[i][0][0] for i in range(0, len(test), 300 // 40)]
    return waves, torch.stack([fix_length(trim_silence(w)) for w in waves])


@pytest.fixture(scope="module")
def exported(predictor, tmp_path_factory):
    path = tmp_path_factory.mktemp("onnx") / "digit_cnn.onnx"
    return export_onnx(predictor.model, path), path


def test_dft_kernels_give_torch_stfts_power():
    wave = torch.randn(3, CLIP_SAMPLES, dtype=torch.float64).float()
    cos, sin = dft_kernels()
    x = torch.nn.functional.pad(wave[:, None], (N_FFT // 2, N_FFT // 2), mode="reflect")
    power = (torch.nn.functional.conv1d(x, cos, stride=HOP_LENGTH) ** 2
             + torch.nn.functional.conv1d(x, sin, stride=HOP_LENGTH) ** 2)
    stft = torch.stft(wave, N_FFT, HOP_LENGTH, window=torch.hann_window(N_FFT),
                      return_complex=True).abs() ** 2
    assert power.shape == stft.shape == (3, N_FFT // 2 + 1, 1 + CLIP_SAMPLES // HOP_LENGTH)
    torch.testing.assert_close(power, stft, rtol=1e-3, atol=1e-3)


def test_wrapper_is_log_mel_then_the_network(predictor, clips):
    waves, windows = clips
    wrapper = WaveToLogits(predictor.model).eval()
    with torch.no_grad():
        inside = wrapper(windows)
        outside = predictor.model(network_input(waves))
        assert torch.equal(log_mel(windows)[:, None], network_input(waves))
    assert (inside - outside).abs().max() < 1e-3
    assert torch.equal(inside.argmax(1), outside.argmax(1))
    # the wrapper follows the model's weights: it holds the model, not a copy
    assert wrapper.model is predictor.model


def test_onnx_runtime_agrees_with_pytorch_at_any_batch_size(predictor, clips, exported):
    waves, windows = clips
    _, path = exported
    with torch.no_grad():
        reference = predictor.model(network_input(waves)).numpy()
    sess = session(path)
    logits = run(sess, windows)
    assert logits.shape == (len(waves), 10)
    assert np.abs(logits - reference).max() < 1e-3
    assert (logits.argmax(1) == reference.argmax(1)).all()
    one = run(sess, windows[:1])
    np.testing.assert_allclose(one, logits[:1], atol=1e-4)
    assert sess.get_inputs()[0].shape[1] == CLIP_SAMPLES


def test_graph_holds_the_features_and_no_batch_norm(exported):
    _, path = exported
    ops = operator_counts(path)
    assert ops["Conv"] == 5  # two DFT kernels (cos, sin) and the network's three
    assert ops["MatMul"] == 1 and ops["Log"] == 1 and ops["Pad"] == 1  # mel, dB, reflection
    assert "BatchNormalization" not in ops  # folded into the convolutions for inference
    assert len(feature_nodes(path)) == 3


def test_quantising_keeps_the_features_float_unless_asked(exported, clips, tmp_path):
    _, path = exported
    _, windows = clips
    network, everything = tmp_path / "network.onnx", tmp_path / "all.onnx"
    quantise(path, network)
    quantise(path, everything, features=True)
    assert everything.stat().st_size < network.stat().st_size < path.stat().st_size
    assert operator_counts(network)["ConvInteger"] == 3
    assert operator_counts(network)["Conv"] == 2  # the DFT, still float
    assert operator_counts(everything)["ConvInteger"] == 5
    reference = run(session(path), windows)
    assert (run(session(network), windows).argmax(1) == reference.argmax(1)).all()


def test_browser_settings_are_the_packages_own(predictor):
    settings = json.loads(json.dumps(browser_settings(predictor)))  # what the page reads
    assert settings["sample_rate"] == 8000 and settings["window"] == CLIP_SAMPLES
    assert settings["level_frame"] == FRAME
    assert (settings["full_scale_power"], settings["swing_range_db"]) == (
        FULL_SCALE_POWER, SWING_RANGE_DB)
    full_scale_sine = torch.sin(2 * torch.pi * 1000 * torch.arange(8000) / 8000)
    assert frame_levels_db(full_scale_sine).abs().max() < 0.01  # what "0 dB" means
    defaults = {k: p.default for k, p in inspect.signature(trim_silence).parameters.items()
                if k != "wave"}
    assert settings["trim"] == defaults
    assert settings["rule"] == {k: getattr(predictor.rule, k) for k in settings["rule"]}
    assert len(settings["rule"]) == 5


def test_stored_numbers_are_the_weights_with_batch_norm_folded(predictor, exported):
    _, path = exported
    counts = stored_numbers(path)
    batch_norms = [m for m in predictor.model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    folded = sum(p.numel() for m in batch_norms for p in m.parameters())  # gamma and beta
    assert counts["network"] == sum(p.numel() for p in predictor.model.parameters()) - folded
    assert counts["DFT kernels"] == 2 * (N_FFT // 2 + 1) * N_FFT
    assert counts["mel filterbank"] == 32 * (N_FFT // 2 + 1)
    assert 0 < counts["constants"] < 100
