"""audiodl.adapt (docs/ch5/adapt.md) and examples/ch5/adapt.py as a reader runs it: a new
voice improves on held-back recordings and the saved network works with predict.py; bad
folders, names, files and weights get one clear line and no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from scipy.signal import resample_poly

from audiodl.adapt import (
    ADAPT_TAKES,
    METHODS,
    PROGRAM_RECIPE,
    Recording,
    accuracy,
    adapt,
    draw_takes,
    read_folder,
    split_held_back,
)
from audiodl.datasets import SR, SpokenDigits
from audiodl.digits import DigitCNN
from audiodl.recognise import load_predictor, network_input

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "ch5"


def run(program, *args, cwd):
    return subprocess.run([sys.executable, str(EXAMPLES / program), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "error::UserWarning"})


# ----------------------------------------------------------------------- the module


def test_draw_takes_draws_k_per_digit_from_the_allowed_takes_and_nests():
    digits = torch.arange(10).repeat_interleave(50)
    takes = torch.arange(50).repeat(10)
    small, large = draw_takes(digits, takes, 2, seed=3), draw_takes(digits, takes, 5, seed=3)
    assert torch.bincount(digits[large], minlength=10).tolist() == [5] * 10
    assert set(takes[large].tolist()) <= set(ADAPT_TAKES)
    assert set(small.tolist()) <= set(large.tolist())  # k = 2's clips are among k = 5's
    assert not torch.equal(draw_takes(digits, takes, 5, seed=4), large)
    with pytest.raises(ValueError, match="fewer than k=26"):
        draw_takes(digits, takes, 26, seed=0)


@pytest.fixture(scope="module")
def few():
    torch.manual_seed(0)
    return torch.randn(20, 1, 32, 51), torch.arange(10).repeat(2)


def test_adapt_trains_only_the_methods_parameters_and_leaves_the_model(few):
    torch.manual_seed(1)
    model = DigitCNN().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    probe = adapt(model, *few, METHODS["linear probe"], lr=1e-2, steps=5, seed=0)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    changed = {k for k, v in probe.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"classifier.3.weight", "classifier.3.bias"}
    block = adapt(model, *few, METHODS["last block"], lr=1e-2, steps=5, seed=0)
    changed = {k.split(".")[0] + "." + k.split(".")[1]
               for k, v in block.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"features.8", "features.9", "classifier.1", "classifier.3"}


def test_batch_norm_statistics_move_only_when_asked(few):
    torch.manual_seed(1)
    model = DigitCNN().eval()
    kept = adapt(model, *few, METHODS["all layers"], lr=1e-3, steps=3, seed=0)
    moved = adapt(model, *few, METHODS["all layers, BN statistics updated"], lr=1e-3,
                  steps=3, seed=0)
    name = "features.1.running_mean"
    assert torch.equal(kept.state_dict()[name], model.state_dict()[name])
    assert not torch.equal(moved.state_dict()[name], model.state_dict()[name])
    assert not torch.equal(kept.state_dict()["features.0.weight"],
                           model.state_dict()["features.0.weight"])


def test_scratch_starts_anew_and_rehearsal_uses_the_old_clips(few):
    torch.manual_seed(1)
    model = DigitCNN().eval()
    new = adapt(model, *few, METHODS["from scratch"], lr=1e-3, steps=1, seed=0)
    assert not torch.allclose(new.state_dict()["features.0.weight"],
                              model.state_dict()["features.0.weight"], atol=1e-2)
    a = adapt(model, *few, METHODS["all layers"], lr=1e-3, steps=2, seed=0)
    b = adapt(model, *few, METHODS["all layers"], lr=1e-3, steps=2, seed=0, old=few)
    assert not torch.equal(a.state_dict()["features.0.weight"],
                           b.state_dict()["features.0.weight"])
    again = adapt(model, *few, METHODS["all layers"], lr=1e-3, steps=2, seed=0)
    assert all(torch.equal(v, again.state_dict()[k]) for k, v in a.state_dict().items())


def test_split_holds_back_the_highest_takes_of_digits_that_have_enough():
    wave = torch.zeros(10)
    recs = [Recording(f"{d}-{t}.wav", d, t, wave) for d, t in
            ((1, 1), (1, 3), (1, 2), (2, 1), (3, 5), (3, 7))]
    learn, test = split_held_back(recs, 1)
    assert [r.name for r in test] == ["1-3.wav", "3-7.wav"]
    assert [r.name for r in learn] == ["1-1.wav", "1-2.wav", "2-1.wav", "3-5.wav"]
    learn, test = split_held_back(recs, 2)
    assert [r.name for r in test] == ["1-2.wav", "1-3.wav"]


@pytest.fixture(scope="module")
def predictor():
    return load_predictor(None)


@pytest.fixture(scope="module")
def new_voice(tmp_path_factory):
    """george's takes 0-3 played 1.25 times faster (pitch and formants a quarter higher):
    a voice the shipped network gets wrong often, as 0-1.wav ... 9-4.wav."""
    folder = tmp_path_factory.mktemp("voice")
    george = SpokenDigits("all", speakers=["george"])
    for i, clip in enumerate(george.clips):
        if clip.index < 4:
            higher = resample_poly(george[i][0][0].numpy(), 4, 5)
            soundfile.write(folder / f"{clip.digit}-{clip.index + 1}.wav", higher, SR,
                            subtype="PCM_16")
    return folder


def test_read_folder_names_every_file_it_cannot_use(tmp_path, predictor, new_voice):
    for name in ("3-1.wav", "7-2.flac"):
        (tmp_path / name).write_bytes((new_voice / "3-1.wav").read_bytes()
                                      if name == "3-1.wav" else b"")
    soundfile.write(tmp_path / "4-1.wav", np.zeros(SR, dtype=np.float32), SR)  # silence
    (tmp_path / "seven.wav").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"")
    (tmp_path / "more").mkdir()
    found = read_folder(tmp_path, predictor)
    assert [(r.name, r.digit, r.take) for r in found.recordings] == [("3-1.wav", 3, 1)]
    text = "\n".join(found.problems)
    assert len(found.problems) == 4, text
    assert "error:" in text and "7-2.flac" in text
    assert "4-1.wav: left out, too quiet" in text
    assert "seven.wav: not named like 7-1.wav" in text
    assert "more: a folder, left out" in text
    assert read_folder(tmp_path / "nowhere", predictor).problems[0].endswith("no such folder")


def test_adapting_to_the_new_voice_helps_on_other_takes(predictor, new_voice):
    found = read_folder(new_voice, predictor)
    learn, test = split_held_back(found.recordings, 1)
    x, y = network_input([r.wave for r in learn]), torch.tensor([r.digit for r in learn])
    xt, yt = network_input([r.wave for r in test]), torch.tensor([r.digit for r in test])
    recipe = dict(PROGRAM_RECIPE)
    adapted = adapt(predictor.model, x, y, METHODS[recipe.pop("method")], seed=0, **recipe)
    assert accuracy(predictor.model, xt, yt) <= 0.7
    assert accuracy(adapted, xt, yt) >= accuracy(predictor.model, xt, yt) + 0.2


# ----------------------------------------------------------------------- the program


def test_program_adapts_saves_and_predict_uses_the_saved_network(tmp_path, new_voice):
    out = tmp_path / "mine.pt"
    done = run("adapt.py", new_voice, "--out", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "40 recordings of 10 digits: 30 to learn from, 10 held back" in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("held back:"))
    numbers = [int(w) for w in line.replace(",", " ").split() if w.isdigit()]
    before, after = numbers[0], numbers[2]  # "held back: B of N right before, A after"
    assert after >= before + 2, done.stdout
    assert out.is_file()
    said = run("predict.py", "--model", out, new_voice / "7-4.wav", cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    assert "digit 7" in said.stdout, said.stdout


@pytest.mark.parametrize("case", ["missing", "empty", "misnamed only", "damaged weights"])
def test_program_fails_with_one_line_and_writes_nothing(tmp_path, new_voice, case):
    folder, extra = tmp_path / "voice", []
    if case != "missing":
        folder.mkdir()
    if case == "misnamed only":
        (folder / "seven.wav").write_bytes((new_voice / "7-1.wav").read_bytes())
    if case == "damaged weights":
        (folder / "7-1.wav").write_bytes((new_voice / "7-1.wav").read_bytes())
        (tmp_path / "bad.pt").write_bytes(b"not a weights file")
        extra = ["--weights", tmp_path / "bad.pt"]
    out = tmp_path / "out.pt"
    done = run("adapt.py", folder, "--out", out, *extra, cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("error:") >= 1
    assert not out.exists()
    expected = {"missing": "no such folder", "empty": "no usable recording",
                "misnamed only": "not named like 7-1.wav", "damaged weights": "bad.pt"}[case]
    assert expected in done.stderr


def test_program_with_one_take_per_digit_learns_but_cannot_check(tmp_path, new_voice):
    folder = tmp_path / "voice"
    folder.mkdir()
    for d in range(10):
        (folder / f"{d}-1.wav").write_bytes((new_voice / f"{d}-1.wav").read_bytes())
    (folder / "2-2.wav").write_bytes(b"RIFF")  # cut short: reported, the rest still used
    done = run("adapt.py", folder, "--out", tmp_path / "out.pt", cwd=tmp_path)
    assert done.returncode == 1  # a file could not be read ...
    assert "2-2.wav" in done.stderr and "Traceback" not in done.stderr
    assert "nothing held back" in done.stdout  # ... and the ten others were learnt from
    assert (tmp_path / "out.pt").is_file()
    usage = run("adapt.py", folder, "--held-back", "0", cwd=tmp_path)
    assert usage.returncode == 2 and "--held-back must be at least 1" in usage.stderr
