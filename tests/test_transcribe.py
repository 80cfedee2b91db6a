"""examples/ch6/transcribe.py as a reader runs it: a string of digits it never heard, the
same as a phone records it, sounds that hold no digits, files it cannot read and weights
files that cannot be used (docs/ch6/connected-digits.md#your-voice)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from scipy.signal import resample_poly

from audiodl.datasets import SR
from audiodl.digit_strings import DigitStrings
from audiodl.string_recogniser import (
    SHIPPED_WEIGHTS,
    TRAINING,
    WeightsError,
    load_recogniser,
    read_recogniser,
    string_cached_weights,
)

TRANSCRIBE = Path(__file__).resolve().parents[1] / "examples" / "ch6" / "transcribe.py"


def run(*args, cwd, env=None):
    return subprocess.run([sys.executable, str(TRANSCRIBE), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONWARNINGS": "error::UserWarning", **(env or {})})


def write(path, samples, sr, subtype="PCM_16"):
    soundfile.write(path, samples, sr, subtype=subtype)
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One run on good and bad files together, from a folder that is not the project's,
    with no cached weights: only the shipped ones can be found. The string is made of
    FSDD's test takes (0-4), which the shipped network never trained on."""
    d = tmp_path_factory.mktemp("files")
    wave, digits = DigitStrings(["george"], "test", 1, seed=5, snr_db=(25.0, 30.0))[0]
    wave = wave.numpy().astype(np.float64)
    said = "".join(map(str, digits.tolist()))
    long = resample_poly(wave, 441, 80)  # 8 kHz -> 44.1 kHz, stereo, right channel softer
    rng = np.random.default_rng(1)
    good = {write(d / "string.wav", wave, SR): said,
            write(d / "phone.wav", np.stack([long, 0.5 * long], axis=1), 44100): said,
            write(d / "silence.wav", np.zeros(2 * SR), SR): None,
            write(d / "noise.wav", 0.1 * rng.standard_normal(2 * SR), SR): None}
    (d / "empty.wav").write_bytes(b"")
    (d / "text.wav").write_text("this is not a recording\n")
    whole = write(d / "whole.wav", 0.1 * rng.standard_normal(SR), SR).read_bytes()
    (d / "truncated.wav").write_bytes(whole[:len(whole) // 2])
    bad = {d / "missing.wav": "no such file", d / "empty.wav": "empty file",
           d / "text.wav": "cannot be read as audio",
           d / "truncated.wav": "truncated: its header announces"}
    paths = list(good)
    files = [paths[0], *bad, *paths[1:]]  # a bad file early must not stop the rest
    result = run(*files, cwd=d, env={"AUDIODL_DATA": str(d / "cache")})
    return result, good, bad


def answer(stdout, name):
    lines = stdout.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(f"{name}: "))
    return lines[i + 1].strip()


def test_a_string_never_heard_is_written_down_mono_and_as_a_phone_records_it(batch):
    result, good, _ = batch
    for path, said in good.items():
        if said is not None:
            assert answer(result.stdout, path.name).startswith(f"digits {said} ("), result.stdout
    assert "phone.wav: 44100 Hz, 2 channel(s)" in result.stdout


def test_silence_and_noise_hold_no_digits(batch):
    result, good, _ = batch
    for path, said in good.items():
        if said is None:
            assert answer(result.stdout, path.name).startswith("no digits ("), result.stdout


def test_each_unreadable_file_gets_one_line_and_the_rest_go_on(batch):
    result, good, bad = batch
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == len(bad), result.stderr
    for line, (path, problem) in zip(lines, bad.items(), strict=True):
        assert line.startswith(f"error: {path}: {problem}"), line
    assert all(f"{p.name}: " in result.stdout for p in good)


def test_the_shipped_weights_are_found_from_any_folder_without_training(batch):
    result, _, _ = batch  # run with an empty AUDIODL_DATA: no cached weights
    assert "weights: digit_strings.pt" in result.stdout
    assert "training" not in result.stdout + result.stderr
    assert not (Path(result.args[2]).parent / "cache").exists()  # nothing written


def test_a_damaged_weights_file_is_a_clear_error_not_a_training(tmp_path):
    """A separate process: in a test worker that has imported ipykernel, the program would
    take itself for a notebook and ignore the command line."""
    weights = tmp_path / "w.pt"
    weights.write_bytes(SHIPPED_WEIGHTS.read_bytes()[:5000])
    done = run("--weights", weights, "any.wav", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    message = done.stderr.strip()
    assert message.startswith(f"error: {weights}: damaged, cannot be read")
    assert "\n" not in message and "--retrain" in message
    assert weights.stat().st_size == 5000  # left as it was


@pytest.mark.parametrize("change,message", [
    ({"format": 0}, "not a weights file of this version"),
    ({"training": {**TRAINING, "epochs": TRAINING["epochs"] + 1}},
     "made for another network or training"),
    ({"state_dict": {}}, "its weights do not fit"),
])
def test_a_file_made_otherwise_is_detected(tmp_path, change, message):
    saved = torch.load(SHIPPED_WEIGHTS, weights_only=True)
    torch.save({**saved, **change}, tmp_path / "w.pt")
    with pytest.raises(WeightsError, match=message):
        read_recogniser(tmp_path / "w.pt")


def test_retrain_writes_the_cache_atomically(tmp_path, monkeypatch):
    """--retrain without --weights: the per-user cache, one file, no temporary left (the
    real training takes minutes; a stand-in returns the shipped network)."""
    shipped = read_recogniser(SHIPPED_WEIGHTS)
    monkeypatch.setenv("AUDIODL_DATA", str(tmp_path))
    monkeypatch.setattr("audiodl.string_recogniser.train_recogniser",
                        lambda epochs, log: shipped)
    loaded = load_recogniser(retrain=True, log=lambda line: None)
    assert loaded.path == string_cached_weights() == tmp_path / "digit_strings.pt"
    assert [p.name for p in tmp_path.iterdir()] == ["digit_strings.pt"]
    assert read_recogniser(loaded.path).rule == shipped.rule
