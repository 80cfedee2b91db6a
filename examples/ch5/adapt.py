# %% [markdown] lang="zh"
# # 把数字网络调到你自己的声音上
#
# 用法：`python examples/ch5/adapt.py 文件夹`。文件夹里放你自己录的数字，每个数字录几遍，文件名
# 写成“数字-第几遍”，例如 `7-1.wav`、`7-2.wav`（也可以是 FLAC、OGG、MP3）。程序和 `predict.py`
# 一样读每段录音（任意采样率，单声道或立体声），用同样的规则检查它：太短、太轻、不像语音的录音
# 不用，并说明原因。每个数字编号最大的那一遍留作测试（`--held-back N` 留 N 遍），其余的用来微调
# 网络的全部层（学习率和步数取自 `transfer` 实验），然后打印留出录音在调整前后各认对几段，并把
# 新权重存下来，交给 `predict.py --model 路径` 使用。文件名不对或读不了的文件各占一行说明，其余
# 照常处理，退出状态为 1。
#
# 不给文件夹时，程序做一遍演示：把 FSDD 里 george 的录音加快 1.25 倍（音高和共振峰都升高，
# 像一个声音更高的人），每个数字 5 遍，当作一位新读者的录音。

# %% [markdown] lang="en"
# # Adapt the digit network to your own voice
#
# Usage: `python examples/ch5/adapt.py FOLDER`. Put your own recordings of the digits in the
# folder, each digit a few times, named "digit-take", e.g. `7-1.wav`, `7-2.wav` (FLAC, OGG
# or MP3 too). The program reads each recording as `predict.py` does (any sample rate, mono
# or stereo) and checks it by the same rule: a recording too short, too quiet or not
# speech-like is left out, with the reason. The highest-numbered take of each digit is held
# back for testing (`--held-back N` holds back N), the rest fine-tune every layer of the
# network (with the learning rate and steps of the `transfer` experiment); then it prints how
# many held-back recordings were right before and after, and saves the new weights for
# `predict.py --model PATH`. A misnamed or unreadable file gets one line saying why, the
# rest are still used, and the exit status is 1.
#
# Given no folder, it shows what it does: george's FSDD recordings played 1.25 times faster
# (pitch and formants higher, like a higher voice), 5 takes of each digit, stand in for a
# new reader's recordings.

# %%
import argparse
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import soundfile
import torch
from scipy.signal import resample_poly

from audiodl import output_dir
from audiodl.adapt import METHODS, PROGRAM_RECIPE, adapt, read_folder, split_held_back
from audiodl.datasets import SR, SpokenDigits
from audiodl.recognise import (
    Predictor,
    WeightsError,
    cached_weights,
    load_predictor,
    network_input,
    read_predictor,
    save_predictor,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fine-tune the digit network on your own "
                                                 "recordings (named like 7-1.wav).")
    parser.add_argument("folder", nargs="?", type=Path, help="a folder of recordings")
    parser.add_argument("--held-back", type=int, default=1, metavar="N",
                        help="takes of each digit held back for testing (default 1)")
    parser.add_argument("--weights", "--model", dest="weights", type=Path,
                        help="the network to start from (default: the one shipped)")
    parser.add_argument("--out", type=Path, help="where to save the adapted network "
                        "(default ~/.cache/audiodl/digit_cnn_adapted.pt)")
    # In a notebook (the site's build) there is no command line: use the defaults.
    args = parser.parse_args([] if "ipykernel" in sys.modules else sys.argv[1:])
    if args.held_back < 1:
        parser.error(f"--held-back must be at least 1, got {args.held_back}")
    return args


args = parse_args()
torch.set_num_threads(1)  # a few dozen clips: threads cost more than they save


# %%
def adapt_to(folder: Path, held_back: int, out: Path, base: Predictor) -> int:
    """Read, check, split, fine-tune, report and save; the exit status (1: some file was
    misnamed or unreadable, or nothing could be learnt)."""
    found = read_folder(folder, base)
    for line in found.problems:
        print(line, file=sys.stderr if line.startswith("error") else sys.stdout)
    if not found.recordings:
        print(f"error: {folder}: no usable recording to learn from; record each digit a few "
              "times as 0-1.wav, 0-2.wav, ... (see docs/ch5/adapt.md)", file=sys.stderr)
        return 1
    learn, test = split_held_back(found.recordings, held_back)
    print(f"{len(found.recordings)} recordings of {len({r.digit for r in found.recordings})} "
          f"digits: {len(learn)} to learn from, {len(test)} held back")
    if not learn:
        print(f"error: {folder}: every recording is held back; record each digit at least "
              f"{held_back + 1} times, or lower --held-back", file=sys.stderr)
        return 1
    x = network_input([r.wave for r in learn])
    y = torch.tensor([r.digit for r in learn])
    clock = time.process_time()
    adapted = adapt(base.model, x, y, METHODS[PROGRAM_RECIPE["method"]],
                    lr=PROGRAM_RECIPE["lr"], steps=PROGRAM_RECIPE["steps"], seed=0)
    print(f"fine-tuned {PROGRAM_RECIPE['method']} ({PROGRAM_RECIPE['steps']} steps) in "
          f"{time.process_time() - clock:.1f} s of CPU")
    if test:
        xt = network_input([r.wave for r in test])
        with torch.no_grad():
            before = base.model.eval()(xt).softmax(1)
            after = adapted(xt).softmax(1)
        for r, p, q in zip(test, before, after, strict=True):
            print(f"  {r.name}: said {r.digit}; before {int(p.argmax())} ({p.max():.0%}), "
                  f"after {int(q.argmax())} ({q.max():.0%})")
        truth = torch.tensor([r.digit for r in test])
        right_before = int((before.argmax(1) == truth).sum())
        right_after = int((after.argmax(1) == truth).sum())
        print(f"held back: {right_before} of {len(test)} right before, {right_after} after")
        if right_after < right_before:
            print("the adapted network does worse on the held-back recordings: check that "
                  "each file's name gives the digit it holds")
    else:
        print(f"nothing held back (no digit has more than {held_back} recordings): "
              "the adaptation cannot be checked")
    save_predictor(Predictor(adapted, base.rule, Path()), out)
    print(f"saved to {out}; use it with: python examples/ch5/predict.py --model {out} rec.wav")
    return 1 if any(line.startswith("error") for line in found.problems) else 0


def load_base(path: Path | None) -> Predictor | None:
    if path is None:
        return load_predictor(None)
    try:
        return read_predictor(path)
    except WeightsError as err:
        print(f"error: {err}", file=sys.stderr)
        return None


out = args.out or cached_weights().with_name("digit_cnn_adapted.pt")
if args.folder is not None:
    base = load_base(args.weights)
    sys.exit(1 if base is None else adapt_to(args.folder, args.held_back, out, base))

# %%
# The demo: a "new voice" made from george's recordings, played 1.25 times faster (4 samples
# kept of every 5, then read at 8 kHz again), so that pitch and formants rise by a quarter.
# The FSDD recordings are by Z. Jackson et al., CC BY-SA 4.0; so are these versions.
os.chdir(output_dir("ch5/adapt"))  # so that the lines below name files as a reader would
demo, folder = Path("."), Path("new_voice")
shutil.rmtree(folder, ignore_errors=True)
folder.mkdir()
george = SpokenDigits("all", speakers=["george"])
for i, clip in enumerate(george.clips):
    if clip.index < 5:
        higher = resample_poly(george[i][0][0].numpy(), 4, 5)
        soundfile.write(folder / f"{clip.digit}-{clip.index + 1}.wav", higher, SR,
                        subtype="PCM_16")
        if clip.digit == 7 and clip.index == 0:
            soundfile.write(demo / "george_7_as_recorded.wav", george[i][0][0].numpy(), SR,
                            subtype="PCM_16")
            soundfile.write(demo / "george_7_higher.wav", higher, SR, subtype="PCM_16")
soundfile.write(folder / "3-6.wav", np.zeros(SR, dtype=np.float32), SR)  # a take gone silent
(folder / "seven.wav").write_bytes(b"")  # and a file named without its take
print(f"{folder.name}/: {len(list(folder.iterdir()))} files")
with contextlib.redirect_stderr(sys.stdout):  # the error lines in order, on the page too
    status = adapt_to(folder, 2, Path("digit_cnn_adapted.pt"), load_predictor(None))
print(f"exit status {status}")
