# %% [markdown] lang="zh"
# # 五类合成声音及其对数梅尔语谱图
#
# 这是第 5 章热身实验用的数据。每类先取一段 1 秒长的声音（可以直接播放），画出它的波形和
# 对数梅尔语谱图；再给每类随机画四个样本，看看同一类声音之间的差别有多大。

# %% [markdown] lang="en"
# # Five kinds of synthetic sound and their log-mel spectrograms
#
# The data of chapter 5's warm-up: one one-second clip per class (playable), its waveform
# and its log-mel spectrogram; then four examples per class, to show how much clips of one
# class vary.

# %%
import matplotlib.pyplot as plt
import torch

from audiodl import output_dir, pick_device, seed_everything
from audiodl.audio import save_wav
from audiodl.figure_language import tr
from audiodl.mel import log_mel_spectrogram
from audiodl.synth import CLASSES, SR, SynthSounds, stack

device = pick_device()
seed_everything()
out = output_dir("ch5/sound_classes")
# The class names as the figures show them, in the reader's language.
CLASS_LABELS = [tr("稳定音（tone）", "tone"), tr("上扫频（chirp_up）", "chirp_up"),
                tr("下扫频（chirp_down）", "chirp_down"),
                tr("噪声猝发（noise_burst）", "noise_burst"),
                tr("滴答声串（click_train）", "click_train")]

clips = SynthSounds(len(CLASSES), seed=0)  # clip i has label i % 5: one of each class
wave, y = stack(clips)  # (5, 1, T), (5,)
spec = log_mel_spectrogram(wave.to(device), SR).cpu()  # (5, 1, 40, 63), dB
print("waves", tuple(wave.shape), "labels", y.tolist(), "log-mel", tuple(spec.shape))
for k, name in enumerate(CLASSES):
    save_wav(out / f"{k}_{name}.wav", wave[k], SR)
    print(f"{k}_{name}.wav  peak {wave[k].abs().max():.2f}  "
          f"log-mel {spec[k].min():.0f} .. {spec[k].max():.0f} dB")

# %%
t = torch.arange(wave.shape[-1]) / SR
fig, axes = plt.subplots(2, len(CLASSES), figsize=(14, 4.5), sharex="col", layout="constrained")
for k in range(len(CLASSES)):
    axes[0, k].plot(t, wave[k, 0], lw=0.4)
    axes[0, k].set_title(CLASS_LABELS[k])
    axes[0, k].set_ylim(-1, 1)
    axes[1, k].imshow(spec[k, 0], origin="lower", aspect="auto", cmap="magma",
                      extent=(0, 1, 0, spec.shape[-2]))
    axes[1, k].set_xlabel(tr("时间（s）", "time (s)"))
axes[0, 0].set_ylabel(tr("振幅", "amplitude"))
axes[1, 0].set_ylabel(tr("梅尔频带", "mel band"))
fig.suptitle(tr("每类一段声音：波形（上）与对数梅尔语谱图（下）",
                "One clip per class: waveform (top) and log-mel spectrogram (bottom)"))
plt.show()

# %%
# Four more clips per class: pitch, timing, loudness and background noise all vary.
more = SynthSounds(4 * len(CLASSES), seed=7)
wave, y = stack(more)
spec = log_mel_spectrogram(wave.to(device), SR).cpu()
fig, axes = plt.subplots(4, len(CLASSES), figsize=(14, 7), sharex=True, sharey=True,
                         layout="constrained")
for i in range(len(more)):
    ax = axes[i // len(CLASSES), y[i]]
    ax.imshow(spec[i, 0], origin="lower", aspect="auto", cmap="magma")
    ax.set_xticks([])
    ax.set_yticks([])
for k in range(len(CLASSES)):
    axes[0, k].set_title(CLASS_LABELS[k])
fig.suptitle(tr("对数梅尔语谱图，每类四段随机声音",
                "Log-mel spectrograms, four random clips per class"))
plt.show()
