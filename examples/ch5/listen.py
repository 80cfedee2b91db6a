# %% [markdown] lang="zh"
# # 听一听、看一看：FSDD 的录音
#
# 项目的数据是 Free Spoken Digit Dataset（FSDD）v1.0.10 的 3000 段真人录音（Z. Jackson 等，
# CC BY-SA 4.0）。这个程序数一数每位说话人、每个数字各有多少段，量出每段录音有多长，画出
# 一位说话人念 0～9 的对数梅尔语谱图、六位说话人念同一个数字的语谱图，以及每位说话人的平均
# 频谱；还把这些录音原样拷贝出来，可以直接播放。

# %% [markdown] lang="en"
# # Look and listen: the FSDD recordings
#
# The project's data are the 3,000 human recordings of the Free Spoken Digit Dataset (FSDD)
# v1.0.10 (Z. Jackson et al., CC BY-SA 4.0). This program counts the clips per speaker and
# per digit, measures how long they are, draws the log-mel spectrograms of one speaker saying
# 0-9 and of six speakers saying the same digit, and each speaker's average spectrum; it also
# copies those recordings out unchanged, so they can be played.

# %%
import shutil
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import torch

from audiodl import output_dir, seed_everything
from audiodl.audio import spectrogram, to_db
from audiodl.datasets import SPEAKERS, SR, SpokenDigits
from audiodl.digits import CLIP_SAMPLES, log_mel, trim_silence
from audiodl.figure_language import tr

seed_everything()
out = output_dir("ch5/listen")
ds = SpokenDigits("all")
print(ds)
print("clips per speaker:", dict(Counter(ds.speaker_names)))
print("clips per digit:  ", dict(sorted(Counter(ds.digits).items())))
print("dataset's split:  ", dict(Counter(c.split for c in ds.clips)))

# %%
# Every recording, read once; its length as recorded, and after cutting the quiet ends
# (trim_silence: what lies more than 30 dB below the loudest frame).
waves = [wave for wave, _ in ds]
speaker_of = np.array(ds.speaker_names)
seconds = np.array([w.shape[-1] / SR for w in waves])
trimmed = np.array([trim_silence(w).shape[-1] / SR for w in waves])
print(f"length as recorded: min {seconds.min():.2f} s, median {np.median(seconds):.2f} s, "
      f"max {seconds.max():.2f} s")
print(f"silence trimmed:    min {trimmed.min():.2f} s, median {np.median(trimmed):.2f} s, "
      f"max {trimmed.max():.2f} s")
for s in SPEAKERS:
    share = 1 - trimmed[speaker_of == s] / seconds[speaker_of == s]
    print(f"  {s:9s} silent ends: median {np.median(share):4.0%} of a clip, "
          f"more than a fifth in {(share > 0.2).mean():4.0%} of its clips")
window = CLIP_SAMPLES / SR
print(f"trimmed clips longer than the CNN's {window:.1f} s window: {(trimmed > window).sum()}")
fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
pos = np.arange(len(SPEAKERS))
for offset, values, colour in ((-0.18, seconds, "tab:gray"), (0.18, trimmed, "tab:blue")):
    ax.boxplot([values[speaker_of == s] for s in SPEAKERS], positions=pos + offset,
               widths=0.3, whis=(0, 100), patch_artist=True,
               boxprops={"facecolor": colour, "alpha": 0.5}, medianprops={"color": "black"})
ax.set_xticks(pos, SPEAKERS)
handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.5) for c in ("tab:gray", "tab:blue")]
handles.append(ax.axhline(window, color="tab:red", ls="--"))
ax.legend(handles, [tr("录音原样", "as recorded"), tr("切掉首尾静音后", "silent ends cut"),
                    tr(f"CNN 的输入窗口（{window:.1f} 秒）", f"the CNN's window ({window:.1f} s)")])
ax.set_ylabel(tr("时长（秒）", "length (s)"))
ax.set_title(tr("每位说话人 500 段录音的时长（箱线图，须到最短和最长）",
                "Lengths of each speaker's 500 clips (box plot, whiskers at min and max)"))
plt.show()

# %%
# One speaker says 0-9: copy the recordings out as they are (they become players), and
# draw their log-mel spectrograms, each as long as the clip itself.
speaker = "jackson"
first = {(c.speaker, c.digit): i for i, c in reversed(list(enumerate(ds.clips)))}
fig, axes = plt.subplots(2, 5, figsize=(13, 5), layout="constrained")
for digit, ax in enumerate(axes.flat):
    i = first[speaker, digit]  # take 0 of this digit by this speaker
    wave, label = ds[i]
    shutil.copyfile(ds.clips[i].path, out / f"{speaker}_{digit}.wav")
    spec = log_mel(wave)[0]  # (n_mels, frames)
    ax.imshow(spec, origin="lower", aspect="auto", cmap="magma",
              extent=(0, wave.shape[-1] / SR, 0, spec.shape[0]))
    ax.set_title(tr(f"“{label}”（{wave.shape[-1] / SR:.2f} 秒）",
                    f"“{label}” ({wave.shape[-1] / SR:.2f} s)"))
for ax in axes[1]:
    ax.set_xlabel(tr("时间（秒）", "time (s)"))
for ax in axes[:, 0]:
    ax.set_ylabel(tr("梅尔频带", "mel band"))
fig.suptitle(tr(f"{speaker} 念 0～9：对数梅尔语谱图", f"{speaker} says 0-9: log-mel spectrograms"))
plt.show()

# %%
# Six speakers say the same digit.
digit = 7
fig, axes = plt.subplots(1, len(SPEAKERS), figsize=(14, 2.8), sharey=True,
                         layout="constrained")
for s, ax in zip(SPEAKERS, axes, strict=True):
    i = first[s, digit]
    wave, _ = ds[i]
    shutil.copyfile(ds.clips[i].path, out / f"{digit}_{s}.wav")
    spec = log_mel(wave)[0]
    ax.imshow(spec, origin="lower", aspect="auto", cmap="magma",
              extent=(0, wave.shape[-1] / SR, 0, spec.shape[0]))
    ax.set_title(s)
    ax.set_xlabel(tr("时间（秒）", "time (s)"))
axes[0].set_ylabel(tr("梅尔频带", "mel band"))
fig.suptitle(tr(f"六位说话人念“{digit}”", f"Six speakers say “{digit}”"))
plt.show()

# %%
# Each speaker's average spectrum (power averaged over all frames of all 500 clips), how
# loud the clips are and how far below the speech the background lies: the voice, the
# room and the microphone all show here.
freqs = torch.arange(129) * SR / 256
fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
for s in SPEAKERS:
    own = [w for w, name in zip(waves, ds.speaker_names, strict=True) if name == s]
    power = torch.cat([spectrogram(w, n_fft=256, hop_length=128)[0] for w in own], dim=-1)
    mean = power.mean(dim=-1)
    peaks = torch.tensor([w.abs().max() for w in own])
    # The quietest tenth of each clip's frames, in dB below its loudest frame: how far the
    # background (room and microphone noise) lies under the speech.
    quiet = []
    for w in own:
        frame_power = spectrogram(w, n_fft=256, hop_length=128)[0].sum(dim=0)
        quiet.append(10 * torch.log10(frame_power.quantile(0.1) / frame_power.max()))
    print(f"{s:9s} peak {20 * peaks.median().log10():6.1f} dBFS, quietest frames "
          f"{torch.stack(quiet).median():6.1f} dB, power above 2 kHz "
          f"{mean[freqs > 2000].sum() / mean.sum():5.1%}  (medians over its clips)")
    ax.plot(freqs, to_db(mean / mean.max()), label=s)
ax.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
ax.set_ylabel(tr("相对功率（dB）", "relative power (dB)"))
ax.set_title(tr("每位说话人的平均频谱（各自以最大值为 0 dB）",
                "Each speaker's average spectrum (0 dB at its own maximum)"))
ax.legend(ncols=3)
plt.show()
