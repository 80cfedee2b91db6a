# %% [markdown] lang="zh"
# # 听写一段录音里的数字串
#
# 用法：`python examples/ch6/transcribe.py 录音.wav [录音2.wav ...]`。录音可以是任意采样率、
# 任意长度，单声道或立体声，里面是连着说的一串数字，比如一个电话号码。程序把它混成单声道、
# 重采样到 8 kHz，交给第 6 章的 CRNN（卷积前端 + 双向 GRU + CTC），用贪心解码读出数字串，
# 并给每个数字一个置信度：网络在这个数字那一段帧里给它的最高概率。置信度低的数字值得再听一遍。
# 如果声音太轻、电平不起伏（噪声、嗡嗡声、纯音都是这样）、频谱平得像噪声或咔嗒声、网络听出的
# 数字不到 3 个（它只学过 3 到 7 位的数字串），或者各个数字的平均置信度太低，就回答“没有数字”
# （英文输出里是 no digits）并说明原因；这些门限都只在验证数据上选定。读不了的文件各占一行说明
# 原因，其余文件照常处理；只要有一个文件读不了，退出状态就是 1。
#
# 它有一个要老实说明的局限：网络训练时除了数字，只听过倒着放的数字串（教它“这里没有数字”），
# 没听过别的话。下面那段不含数字的合成语音，程序回答“没有数字”并说明原因；但别的不含数字的
# 语音仍可能被听成一串数字。它适合听写数字，不能用来判断一段话里有没有数字。
#
# 网络的权重随 audiodl 包一起提供（`audiodl/assets/digit_strings.pt`，由
# `python examples/ch6/transcribe.py --retrain --weights src/audiodl/assets/digit_strings.pt`
# 训练得到），在哪个目录下运行都能找到；加 `--retrain` 重新训练（单线程约 50 秒），结果存进
# `~/.cache/audiodl/digit_strings.pt`。不给文件时，程序用几段声音演示：用测试集录音
# （网络训练时没听过的那几遍）拼出的一个电话号码，同一段录音改成 44.1 kHz 立体声后再听写一次，
# 一段不含数字的合成语音，以及白噪声、1 kHz 纯音和一段静音。

# %% [markdown] lang="en"
# # Which digits does a recording say?
#
# Usage: `python examples/ch6/transcribe.py recording.wav [another.wav ...]`. A recording may
# have any sample rate and any length, mono or stereo, and holds digits said one after the
# other, a phone number for instance. The program mixes it to mono, resamples it to 8 kHz and
# gives it to chapter 6's CRNN (convolutional front end + bidirectional GRU + CTC), reads the
# digits with greedy decoding, and gives each digit a confidence: the highest probability the
# network gives that digit in the frames of its run; a digit of low confidence is worth a
# second listen. When the sound is too quiet, its level holds still (as noise, hum and tones
# do), its spectrum is as flat as noise or clicks, the network hears fewer than 3 digits (it
# learnt strings of 3 to 7), or the digits' mean confidence is too low, the program answers
# "no digits" and says why; every threshold was chosen on validation data only. A file it
# cannot read gets one line saying why, the other files are still transcribed, and the exit
# status is 1 when any file could not be read.
#
# One limit, said plainly: besides digits, the network has heard only digit strings played
# backwards (taught as "no digits"), no other speech. The synthetic speech below, which
# holds no digits, gets "no digits" and the reason; but other speech without digits may
# still come out as a string of digits. It is for writing digits down,
# not for telling whether a recording holds any.
#
# The network's weights ship with the audiodl package (`audiodl/assets/digit_strings.pt`,
# made by `python examples/ch6/transcribe.py --retrain --weights
# src/audiodl/assets/digit_strings.pt`), so they are found wherever the program runs from;
# `--retrain` trains again (about 50 s on one thread), into
# `~/.cache/audiodl/digit_strings.pt`. Given no file, it shows what it does on a few sounds:
# a phone number made of test-set recordings (the takes the network never trained on), the
# same recording turned into 44.1 kHz stereo, synthetic speech that holds no digits, white
# noise, a 1 kHz tone and silence.

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
from audiodl.digits import trim_silence
from audiodl.recognise import to_8k_mono
from audiodl.string_recogniser import WeightsError, load_recogniser


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write down the digits (0-9) a recording "
                                                 "says, or say that it holds none.")
    parser.add_argument("wav", nargs="*", type=Path, help="recordings (any rate, mono/stereo)")
    parser.add_argument("--retrain", action="store_true", help="train the network again")
    parser.add_argument("--weights", type=Path, help="the weights file to read, or to write "
                        "when training (default: the weights shipped with audiodl; "
                        "--retrain writes ~/.cache/audiodl/digit_strings.pt)")
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)  # quick tests only
    # In a notebook (the site's build) there is no command line: use the defaults.
    return parser.parse_args([] if "ipykernel" in sys.modules else sys.argv[1:])


args = parse_args()
try:
    recogniser = load_recogniser(args.weights, retrain=args.retrain, epochs=args.epochs)
except WeightsError as err:
    sys.exit(f"error: {err}; name another file, or add --retrain to train a new one there")
print(f"weights: {recogniser.path.name}")
torch.set_num_threads(1)  # one recording at a time: threads cost more than they save


# %%
def transcribe(name: str, samples: np.ndarray, sr: int) -> None:
    """Print the digits the network hears in samples (T, channels) at sr Hz."""
    heard, no_digits = recogniser.judge(to_8k_mono(samples, sr))
    resampled = f" -> {SR} Hz mono" if sr != SR or samples.shape[1] > 1 else ""
    print(f"{name}: {sr} Hz, {samples.shape[1]} channel(s), {len(samples) / sr:.2f} s"
          f"{resampled}; level {heard.level_db:.0f} dB, swing {heard.swing_db:.1f} dB")
    each = ", ".join(f"{d} {p:.0%}" for d, p in zip(heard.digits, heard.confidences,
                                                    strict=True))
    if no_digits:
        guess = f"; best guess {''.join(map(str, heard.digits))} ({each})" if each else ""
        print(f"  no digits ({no_digits}{guess})")
    else:
        print(f"  digits {''.join(map(str, heard.digits))} (confidence: {each})")


def transcribe_file(path: Path) -> bool:
    """Transcribe one file; False (and one line on stderr) when it cannot be read."""
    try:
        samples, sr = read_audio(path)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return False
    transcribe(path.name, samples, sr)
    return True


# %%
if args.wav:
    ok = [transcribe_file(path) for path in args.wav]  # every file, even after a bad one
    sys.exit(0 if all(ok) else 1)

# A phone number said by one speaker, made of FSDD's test takes (index 0-4: the network
# never trained on them), with a pause between the digits and a little room noise.
NUMBER, SPEAKER = "4155550123", "lucas"
rng = np.random.default_rng(0)
takes = {(c.digit, c.index): c.path for c in SpokenDigits("test").clips
         if c.speaker == SPEAKER}
pieces = [np.zeros(int(0.3 * SR))]
for i, d in enumerate(NUMBER):
    clip, _ = read_audio(takes[(int(d), i % 5)])  # another take each time a digit recurs
    pieces += [trim_silence(torch.from_numpy(clip[:, 0])).numpy(),
               np.zeros(int(rng.uniform(0.1, 0.3) * SR))]
wave = np.concatenate(pieces)
wave = 0.5 * wave / np.abs(wave).max() + 3e-4 * rng.standard_normal(len(wave))
out = output_dir("ch6/transcribe")
soundfile.write(out / "phone_number.wav", wave, SR, subtype="PCM_16")
print(f"said: {NUMBER}")
transcribe_file(out / "phone_number.wav")
# ... and the same one as a phone might record it: 44.1 kHz, stereo, the right channel softer.
long = resample_poly(wave, 441, 80)  # 8 kHz -> 44.1 kHz
soundfile.write(out / "phone_number_44k_stereo.wav", np.stack([long, 0.5 * long], axis=1),
                44100, subtype="PCM_16")
transcribe_file(out / "phone_number_44k_stereo.wav")
# Synthetic speech that holds no digits, then three sounds that are no speech at all.
transcribe_file(Path(str(files("audiodl") / "assets" / "speech.wav")))
t = np.arange(2 * SR) / SR
transcribe("white noise", 0.1 * rng.standard_normal((2 * SR, 1)), SR)
transcribe("1 kHz tone", 0.3 * np.sin(2 * np.pi * 1000 * t)[:, None], SR)
transcribe("silence", np.zeros((2 * SR, 1)), SR)
