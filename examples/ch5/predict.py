# %% [markdown] lang="zh"
# # 识别一段录音里说的数字
#
# 用法：`python examples/ch5/predict.py 录音.wav [录音2.wav ...]`。录音可以是任意采样率、任意
# 长度，单声道或立体声。程序先把它混成单声道、重采样到 8 kHz、切掉首尾的静音，再交给卷积
# 网络，打印出网络认为最可能的数字和全部 10 个数字的概率。
#
# 网络第一次运行时现场训练（FSDD 训练集，带数据增强），权重存进 `outputs/ch5/predict/`，
# 以后直接读取；加 `--retrain` 重新训练。不给文件时，程序用两段随课程提供的录音演示：
# 一段测试集录音原样识别，同一段录音改成 44.1 kHz 立体声、前后加上静音后再识别一次；最后
# 再给它一段根本不是数字的合成语音。

# %% [markdown] lang="en"
# # Which digit does a recording say?
#
# Usage: `python examples/ch5/predict.py recording.wav [another.wav ...]`. A recording may have
# any sample rate and any length, mono or stereo. The program mixes it to mono, resamples it
# to 8 kHz, cuts the silence at both ends, and gives it to the convolutional network, then
# prints the digit the network finds most likely and the probabilities of all ten.
#
# On its first run the network is trained on the spot (FSDD's training set, with data
# augmentation) and its weights are saved in `outputs/ch5/predict/`; later runs read them
# (`--retrain` trains again). Given no file, it shows what it does on recordings that come
# with the course: a test-set recording as it is, the same recording turned into 44.1 kHz
# stereo with silence before and after it, and finally synthetic speech that is no digit.

# %%
import argparse
import math
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import soundfile
import torch
from scipy.signal import resample_poly
from torch.utils.data import TensorDataset

from audiodl import output_dir, pick_device, seed_everything
from audiodl.datasets import SR, SpokenDigits
from audiodl.digits import (
    AugmentedLogMel,
    DigitCNN,
    fix_length,
    log_mel,
    train_digit_cnn,
    trim_silence,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Say which digit (0-9) a WAV file holds.")
    parser.add_argument("wav", nargs="*", type=Path, help="recordings (any rate, mono/stereo)")
    parser.add_argument("--retrain", action="store_true", help="train the network again")
    # In a notebook (the site's build) there is no command line: use the defaults.
    return parser.parse_args([] if "ipykernel" in sys.modules else sys.argv[1:])


args = parse_args()
device = pick_device()
seed_everything()
out = output_dir("ch5/predict")
weights = out / "digit_cnn.pt"

# %%
# The network: trained once, on the dataset's training takes (5-49) of all six speakers,
# with every augmentation; takes 5 and 6 are its validation set.
model = DigitCNN().to(device)
if weights.is_file() and not args.retrain:
    model.load_state_dict(torch.load(weights, map_location=device, weights_only=True))
    print(f"weights read from {weights}")
else:
    train_set = SpokenDigits("train", transform=trim_silence)  # as predict() trims its input
    waves = torch.stack([fix_length(w) for w, _ in train_set])  # (2700, 1, T)
    digits = torch.tensor(train_set.digits)
    is_val = torch.tensor([c.index in (5, 6) for c in train_set.clips])
    result = train_digit_cnn(
        model, TensorDataset(waves[~is_val], digits[~is_val]),
        TensorDataset(log_mel(waves[is_val]), digits[is_val]),
        augment=AugmentedLogMel(torch.Generator().manual_seed(1)), device=device)
    torch.save(model.state_dict(), weights)
    print(f"trained on {int((~is_val).sum())} clips in {result.seconds:.0f} s on {device.type}; "
          f"validation accuracy {result.best_val_acc:.1%}; weights saved")


# %%
def read_any(path: Path) -> tuple[torch.Tensor, str]:
    """Any WAV (or FLAC, OGG...) -> an 8 kHz mono wave (T,), and a line saying what it was."""
    samples, sr = soundfile.read(path, dtype="float32", always_2d=True)  # (T, channels)
    mono = samples.mean(axis=1)  # mix the channels down
    if sr != SR:  # resample with a polyphase filter, which removes what 8 kHz cannot hold
        g = math.gcd(SR, sr)
        mono = resample_poly(mono, SR // g, sr // g).astype(np.float32)
    what = (f"{sr} Hz, {samples.shape[1]} channel(s), {samples.shape[0] / sr:.2f} s"
            + (f" -> {SR} Hz mono" if sr != SR or samples.shape[1] > 1 else ""))
    return torch.from_numpy(mono), what


@torch.no_grad()
def predict(path: Path) -> None:
    model.eval()  # batch normalisation uses its running averages, not this one clip's
    wave, what = read_any(path)
    speech = trim_silence(wave)
    x = log_mel(fix_length(speech))[None, None].to(device)  # (1, 1, n_mels, frames)
    probs = model(x).softmax(dim=1)[0].cpu()
    digit = int(probs.argmax())
    print(f"{path.name}: {what}; speech {speech.shape[-1] / SR:.2f} s")
    print(f"  digit {digit} (probability {probs[digit]:.1%})")
    print("  " + "  ".join(f"{d}: {p:.3f}" for d, p in enumerate(probs.tolist())))


# %%
if args.wav:
    for path in args.wav:
        predict(path)
else:
    # A test-set recording (take 0-4: the network never trained on it), as shipped ...
    clip = next(c for c in SpokenDigits("test").clips
                if (c.speaker, c.digit, c.index) == ("theo", 4, 2))
    predict(clip.path)
    # ... and the same one as a phone might record it: 44.1 kHz, stereo, with half a second
    # of quiet room noise before and after.
    wave, _ = read_any(clip.path)
    rng = np.random.default_rng(0)
    long = resample_poly(wave.numpy(), 441, 80)
    quiet = np.zeros(22050, dtype=np.float32)
    long = np.concatenate([quiet, long, quiet])
    long = long + 1e-4 * rng.standard_normal(len(long))
    stereo = np.stack([long, 0.5 * long], axis=1)  # the right channel softer
    soundfile.write(out / "theo_4_as_44k_stereo.wav", stereo, 44100, subtype="PCM_16")
    predict(out / "theo_4_as_44k_stereo.wav")
    # Synthetic speech that is no digit: the network has no "none of these" answer.
    predict(Path(str(files("audiodl") / "assets" / "speech.wav")))
