# %% [markdown] lang="zh"
# # 识别一段录音里说的数字
#
# 用法：`python examples/ch5/predict.py 录音.wav [录音2.wav ...]`。录音可以是任意采样率、任意
# 长度，单声道或立体声。程序先把它混成单声道、重采样到 8 kHz、切掉首尾的静音，再交给卷积
# 网络，打印出网络认为最可能的数字和它的概率；如果声音太短、太轻、不像一个数字，
# 或者网络拿不准，就回答“没有数字”（英文输出里是 no digit）。读不了的文件各占一行说明原因，
# 其余文件照常识别；只要有一个文件读不了，退出状态就是 1。
#
# 网络的权重随 audiodl 包一起提供（`audiodl/assets/digit_cnn.pt`，由
# `python examples/ch5/predict.py --retrain --weights src/audiodl/assets/digit_cnn.pt` 训练得到），
# 在哪个目录下运行都能找到；加 `--retrain` 重新训练，结果存进 `~/.cache/audiodl/digit_cnn.pt`，
# 以后用 `--weights` 指定它。
# 不给文件时，程序用几段声音演示：一段测试集录音原样识别，同一段录音改成 44.1 kHz 立体声、
# 前后加上静音后再识别一次，一段不是数字的合成语音，以及白噪声、1 kHz 纯音和一段静音。

# %% [markdown] lang="en"
# # Which digit does a recording say?
#
# Usage: `python examples/ch5/predict.py recording.wav [another.wav ...]`. A recording may have
# any sample rate and any length, mono or stereo. The program mixes it to mono, resamples it
# to 8 kHz, cuts the silence at both ends, and gives it to the convolutional network, then
# prints the digit the network finds most likely and its probability; when the sound is
# too short, too quiet, not like one digit, or the network is unsure, it answers
# "no digit". A file it cannot read gets one line saying why, the other files are still
# recognised, and the exit status is 1 when any file could not be read.
#
# The network's weights ship with the audiodl package (`audiodl/assets/digit_cnn.pt`, made by
# `python examples/ch5/predict.py --retrain --weights src/audiodl/assets/digit_cnn.pt`), so
# they are found wherever the program runs from; `--retrain` trains again, into
# `~/.cache/audiodl/digit_cnn.pt`, which `--weights` then names. Given no file, it shows
# what it does on a few sounds: a test-set recording as it is, the same recording turned
# into 44.1 kHz stereo with silence before and after it, synthetic speech that is no digit,
# white noise, a 1 kHz tone and silence.

# %%
import argparse
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import soundfile
import torch
from scipy.signal import resample_poly

from audiodl import output_dir
from audiodl.datasets import SR, SpokenDigits, read_audio
from audiodl.recognise import load_predictor, to_8k_mono


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Say which digit (0-9) a recording holds, "
                                                 "or that it holds no digit.")
    parser.add_argument("wav", nargs="*", type=Path, help="recordings (any rate, mono/stereo)")
    parser.add_argument("--retrain", action="store_true", help="train the network again")
    parser.add_argument("--weights", "--model", dest="weights", type=Path,
                        help="the weights file to read (e.g. one adapt.py saved), or to "
                        "write when training (default: the weights shipped with audiodl; "
                        "--retrain writes ~/.cache/audiodl/digit_cnn.pt)")
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)  # quick tests only
    # In a notebook (the site's build) there is no command line: use the defaults.
    return parser.parse_args([] if "ipykernel" in sys.modules else sys.argv[1:])


args = parse_args()
torch.set_num_threads(1)  # one clip at a time: threads cost more than they save
predictor = load_predictor(args.weights, retrain=args.retrain, epochs=args.epochs)
print(f"weights: {predictor.path.name}")


# %%
def recognise(name: str, samples: np.ndarray, sr: int) -> None:
    """Print what the network hears in samples (T, channels) at sr Hz."""
    wave = to_8k_mono(samples, sr)
    m, no_digit = predictor.judge(wave)
    resampled = f" -> {SR} Hz mono" if sr != SR or samples.shape[1] > 1 else ""
    print(f"{name}: {sr} Hz, {samples.shape[1]} channel(s), {len(samples) / sr:.2f} s"
          f"{resampled}; sound {m.seconds:.2f} s, level {m.level_db:.0f} dB, "
          f"swing {m.swing_db:.1f} dB")
    if no_digit:
        print(f"  no digit ({no_digit}; best guess {m.digit} at {m.probability:.1%})")
    else:
        print(f"  digit {m.digit} (probability {m.probability:.1%})")


def recognise_file(path: Path) -> bool:
    """Recognise one file; False (and one line on stderr) when it cannot be read."""
    try:
        samples, sr = read_audio(path)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return False
    recognise(path.name, samples, sr)
    return True


# %%
if args.wav:
    ok = [recognise_file(path) for path in args.wav]  # every file, even after a bad one
    sys.exit(0 if all(ok) else 1)

# A test-set recording (take 0-4: the network never trained on it), as shipped ...
clip = next(c for c in SpokenDigits("test").clips
            if (c.speaker, c.digit, c.index) == ("theo", 4, 2))
recognise_file(clip.path)
# ... and the same one as a phone might record it: 44.1 kHz, stereo, with half a second
# of quiet room noise before and after.
out = output_dir("ch5/predict")
samples, _ = read_audio(clip.path)
rng = np.random.default_rng(0)
long = resample_poly(samples[:, 0], 441, 80)  # 8 kHz -> 44.1 kHz
quiet = np.zeros(22050)
long = np.concatenate([quiet, long, quiet])
long = long + 1e-4 * rng.standard_normal(len(long))
stereo = np.stack([long, 0.5 * long], axis=1)  # the right channel softer
soundfile.write(out / "theo_4_as_44k_stereo.wav", stereo, 44100, subtype="PCM_16")
recognise_file(out / "theo_4_as_44k_stereo.wav")
# Synthetic speech that is no digit, then three sounds that are no speech at all.
recognise_file(Path(str(files("audiodl") / "assets" / "speech.wav")))
t = np.arange(SR) / SR
recognise("white noise", 0.1 * rng.standard_normal((SR, 1)), SR)
recognise("1 kHz tone", 0.3 * np.sin(2 * np.pi * 1000 * t)[:, None], SR)
recognise("silence", np.zeros((SR, 1)), SR)
