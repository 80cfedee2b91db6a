# %% [markdown]
# # 五类合成声音及其对数梅尔语谱图 / Five kinds of synthetic sound and their log-mel spectrograms
#
# 综合实践的数据：每类一段一秒的声音（可以直接播放），它的波形和对数梅尔语谱图；再每类画
# 四个样本，看同一类声音之间随机变化有多大。
#
# The capstone's data: one one-second clip per class (playable), its waveform and its log-mel
# spectrogram; then four examples per class, to show how much clips of one class vary.

# %%
import matplotlib.pyplot as plt
import torch

from audiodl import output_dir, pick_device, seed_everything
from audiodl.audio import save_wav
from audiodl.mel import log_mel_spectrogram
from audiodl.synth import CLASSES, SR, SynthSounds, stack

device = pick_device()
seed_everything()
out = output_dir("ch3/sound_classes")

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
fig, axes = plt.subplots(2, len(CLASSES), figsize=(14, 4.5), sharex="col")
for k, name in enumerate(CLASSES):
    axes[0, k].plot(t, wave[k, 0], lw=0.4)
    axes[0, k].set_title(name)
    axes[0, k].set_ylim(-1, 1)
    axes[1, k].imshow(spec[k, 0], origin="lower", aspect="auto", cmap="magma",
                      extent=(0, 1, 0, spec.shape[-2]))
    axes[1, k].set_xlabel("time (s)")
axes[0, 0].set_ylabel("amplitude")
axes[1, 0].set_ylabel("mel band")
fig.suptitle("One clip per class: waveform (top) and log-mel spectrogram (bottom)")
plt.show()

# %%
# Four more clips per class: pitch, timing, loudness and background noise all vary.
more = SynthSounds(4 * len(CLASSES), seed=7)
wave, y = stack(more)
spec = log_mel_spectrogram(wave.to(device), SR).cpu()
fig, axes = plt.subplots(4, len(CLASSES), figsize=(14, 7), sharex=True, sharey=True)
for i in range(len(more)):
    ax = axes[i // len(CLASSES), y[i]]
    ax.imshow(spec[i, 0], origin="lower", aspect="auto", cmap="magma")
    ax.set_xticks([])
    ax.set_yticks([])
for k, name in enumerate(CLASSES):
    axes[0, k].set_title(name)
fig.suptitle("Log-mel spectrograms, four random clips per class")
plt.show()
