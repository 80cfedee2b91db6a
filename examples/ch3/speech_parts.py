# %% [markdown] lang="zh"
# # 语音的 20 个频谱部件
#
# 把一段语音的语谱图当成一张图像，用非负矩阵分解（NMF）把它拆成 20 个频谱部件（每个部件是
# 一条频谱）以及每个部件随时间变化的强度；把这些部件按强度加回去，又能重建出原来的语谱图。

# %% [markdown] lang="en"
# # Twenty spectral parts of speech
#
# A speech spectrogram treated as an image, split by non-negative matrix factorisation (NMF)
# into 20 spectral parts (one spectrum each) and their strengths over time; adding the parts
# back rebuilds the spectrogram.

# %%
import matplotlib.pyplot as plt
import torch

from audiodl.audio import load_speech, save_wav, spectrogram, to_db
from audiodl.device import pick_device
from audiodl.figure_language import tr
from audiodl.nmf import nmf
from audiodl.outputs import output_dir
from audiodl.seed import seed_everything

device = pick_device()
seed_everything()
out = output_dir("ch3/speech_parts")

wave, sr = load_speech()
n_fft, hop_length = 512, 128
spec = spectrogram(wave, n_fft=n_fft, hop_length=hop_length, power=1.0)[0]
print("wave:", tuple(wave.shape), "sr:", sr)
print("spec (frequency bins, frames):", tuple(spec.shape))

# %% [markdown] lang="zh"
# 语谱图就是一张单通道图像：纵轴是频率，横轴是时间，每个像素的亮度是那个时刻、那个频率上的
# 能量（以分贝计）。

# %% [markdown] lang="en"
# The spectrogram is a one-channel image: frequency up, time across, brightness the energy
# in decibels.

# %%
duration = wave.shape[-1] / sr
extent = [0, duration, 0, sr / 2000]
fig, ax = plt.subplots(figsize=(8, 3.4))
img = ax.imshow(to_db(spec**2), origin="lower", aspect="auto", extent=extent, cmap="magma")
fig.colorbar(img, ax=ax, label="dB")
ax.set_xlabel(tr("时间（s）", "time (s)"))
ax.set_ylabel(tr("频率（kHz）", "frequency (kHz)"))
ax.set_title(tr("语音“Audio signal processing and deep learning.”的语谱图",
                'Spectrogram of "Audio signal processing and deep learning."'))
plt.show()

# %% [markdown] lang="zh"
# NMF 求的是 `spec ≈ W @ H`：`W` 的 20 列是 20 个频谱部件，`H` 的 20 行是这些部件在每一帧
# 里的强度。

# %% [markdown] lang="en"
# NMF: `spec ≈ W @ H`; the 20 columns of `W` are spectral parts, the 20 rows of `H` their
# strength in each frame.

# %%
rank = 20
W, H, history = nmf(spec.to(device), rank=rank, n_iter=200, loss="kl", seed=0)
W, H = W.cpu(), H.cpu()
# Sort the parts by the frequency of their peak, low to high, so the figure reads upwards.
order = W.argmax(dim=0).argsort()
W, H = W[:, order], H[order]
# Scale each part to a peak of 1 and its row of H the other way: W @ H does not change.
peak = W.amax(dim=0)
W, H = W / peak, H * peak[:, None]
rebuilt = W @ H
rel_err = torch.linalg.norm(spec - rebuilt) / torch.linalg.norm(spec)
print("W (frequency bins, parts):", tuple(W.shape), " H (parts, frames):", tuple(H.shape))
print(f"KL divergence: {history[0]:.0f} at the start, {history[-1]:.0f} after 200 updates")
print(f"relative error of the rebuilt spectrogram: {rel_err:.3f}")

# %%
freqs_khz = torch.linspace(0, sr / 2000, spec.shape[0])
fig, axes = plt.subplots(4, 5, figsize=(10, 6.4), sharex=True)
for k, ax in enumerate(axes.flat):
    ax.fill_between(freqs_khz, W[:, k], color=f"C{k % 10}", alpha=0.8)
    ax.set_yticks([])
    ax.set_title(tr(f"部件 {k + 1}", f"part {k + 1}"), fontsize=9)
for ax in axes[-1]:
    ax.set_xlabel(tr("频率（kHz）", "frequency (kHz)"))
fig.suptitle(tr("20 个频谱部件（W 的列），按峰值频率从低到高排列",
                "The 20 spectral parts (columns of W), sorted by peak frequency"))
fig.tight_layout()
plt.show()

# %%
fig, ax = plt.subplots(figsize=(8, 3.6))
ax.imshow(to_db(H**2, top_db=40), origin="lower", aspect="auto", cmap="Greens",
          extent=[0, duration, 0.5, rank + 0.5])
ax.set_yticks(range(1, rank + 1, 2))
ax.set_xlabel(tr("时间（s）", "time (s)"))
ax.set_ylabel(tr("部件", "part"))
ax.set_title(tr("每个部件何时发声：H 的各行（dB，只显示最强的 40 dB）",
                "When each part sounds: the rows of H (dB, top 40 dB)"))
fig.tight_layout()
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
top = to_db(spec**2).amax().item()
for ax, s, title in [(axes[0], spec, tr("原语谱图", "original")),
                     (axes[1], rebuilt, tr("用 20 个部件重建", "rebuilt from 20 parts"))]:
    ax.imshow(to_db(s**2), origin="lower", aspect="auto", extent=extent, cmap="magma",
              vmin=top - 80, vmax=top)
    ax.set_xlabel(tr("时间（s）", "time (s)"))
    ax.set_title(title)
axes[0].set_ylabel(tr("频率（kHz）", "frequency (kHz)"))
fig.suptitle(tr("语谱图与它的 NMF 重建 W @ H", "Spectrogram and its NMF reconstruction W @ H"))
fig.tight_layout()
plt.show()

# %% [markdown] lang="zh"
# 听一听重建的效果：借用原始语音的相位，把重建出的幅度谱变回波形。

# %% [markdown] lang="en"
# Listen: the rebuilt magnitudes turned back into a waveform with the original phase.

# %%
window = torch.hann_window(n_fft)
stft = torch.stft(wave[0], n_fft=n_fft, hop_length=hop_length, window=window,
                  return_complex=True)
phase = stft / stft.abs().clamp_min(1e-8)
rebuilt_wave = torch.istft(rebuilt * phase, n_fft=n_fft, hop_length=hop_length,
                           window=window, length=wave.shape[-1])
save_wav(out / "speech.wav", wave, sr)
save_wav(out / "rebuilt_from_20_parts.wav", rebuilt_wave, sr)
print("wrote", sorted(p.name for p in out.glob("*.wav")))
