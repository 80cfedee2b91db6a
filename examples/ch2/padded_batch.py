# %% [markdown] lang="zh"
# # 一批补齐的音频片段
#
# `ClipDataset` 生成长短不一的三类片段：纯音、噪声和扫频。`DataLoader` 的 `collate_fn`
# （把样本拼成批量的函数）在这里是 `pad_collate`：它在每个片段末尾补零，补到这个批量中最长片段的
# 长度，同时记下每个片段的真实长度。

# %% [markdown] lang="en"
# # A batch of padded clips
#
# `ClipDataset` makes clips of different lengths (tones, noise, chirps); the `DataLoader` uses
# `pad_collate` to pad each batch with zeros to its longest clip and keeps the true lengths.

# %%
import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader

from audiodl import output_dir, seed_everything
from audiodl.audio import save_wav, spectrogram, to_db
from audiodl.data import CLASSES, ClipDataset, pad_collate
from audiodl.figure_language import tr

g = seed_everything()
ds = ClipDataset(n_clips=60, sr=16_000)
loader = DataLoader(ds, batch_size=4, shuffle=True, collate_fn=pad_collate, generator=g)
waves, lengths, labels = next(iter(loader))
print(f"{len(ds)} clips -> {len(loader)} batches of up to {loader.batch_size}")
print("waves:", tuple(waves.shape), "lengths:", lengths.tolist(), "labels:", labels.tolist())

# One clip of each class, to listen to.
out = output_dir("ch2/padded_batch")
for k, name in enumerate(CLASSES):
    i = ds.labels.index(k)
    save_wav(out / f"{name}.wav", ds[i][0], ds.sr)

# %%
sr = ds.sr
spec = to_db(spectrogram(waves, n_fft=512, hop_length=128))  # the whole batch at once
print("spec:", tuple(spec.shape), "= (B, C, n_fft // 2 + 1, frames)")
t = torch.arange(waves.shape[-1]) / sr
names_zh = {"tone": "纯音", "noise": "噪声", "chirp": "扫频"}
fig, axes = plt.subplots(len(waves), 2, figsize=(10, 6.4), sharex=True, layout="constrained")
for (ax_wave, ax_spec), wave, s, n, y in zip(axes, waves, spec, lengths, labels, strict=True):
    ax_wave.plot(t, wave[0], linewidth=0.4)
    ax_wave.axvspan(n / sr, t[-1], color="0.85", label=tr("补零", "zero padding"))
    ax_wave.axvline(n / sr, color="C3", linewidth=1)
    ax_wave.set_ylim(-1, 1)
    name = CLASSES[y]
    ax_wave.set_title(tr(f"{names_zh[name]}：长度 {n.item()} 个采样点（{n / sr:.2f} 秒）",
                         f"{name}: length {n.item()} samples ({n / sr:.2f} s)"), fontsize=10)
    ax_spec.imshow(s[0], origin="lower", aspect="auto", cmap="magma",
                   extent=(0, t[-1].item(), 0, sr / 2000))
    ax_spec.axvline(n / sr, color="w", linewidth=1, linestyle="--")
    ax_spec.set_ylabel(tr("频率（kHz）", "kHz"))
    ax_spec.set_title(tr(f"它的语谱图（dB）：{names_zh[name]}", f"its spectrogram (dB): {name}"),
                      fontsize=10)
axes[0, 0].legend(loc="upper right", fontsize=8)
axes[-1, 0].set_xlabel(tr("时间（秒）", "time (s)"))
axes[-1, 1].set_xlabel(tr("时间（秒）", "time (s)"))
fig.suptitle(tr(f"补齐后的一个批量：waves {tuple(waves.shape)}，lengths {lengths.tolist()}",
                f"One padded batch: waves {tuple(waves.shape)}, lengths {lengths.tolist()}"))
plt.show()
