# %% [markdown] lang="zh"
# # 从语谱图到特征：梅尔、对数梅尔与 MFCC
#
# 这个程序为“特征”一节画图：HTK 与 Slaney 两种梅尔刻度；在两种刻度上、两种归一化下的梅尔
# 滤波器组；一段真人录音（Free Spoken Digit Dataset v1.0.10 中 jackson 念的“zero”，
# CC BY-SA 4.0）的波形、语谱图和对数梅尔语谱图；它的 13 个 MFCC，以及用这 13 个系数
# 重建的一帧频谱包络。录音本身也写了出来，可以边听边看。

# %% [markdown] lang="en"
# # From spectrogram to features: mel, log-mel and MFCC
#
# This program draws the figures of the page on features: the HTK and Slaney mel scales; the
# mel filterbank on each scale with each normalisation; the waveform, spectrogram and log-mel
# spectrogram of a real recording ("zero" spoken by jackson, from the Free Spoken Digit
# Dataset v1.0.10, CC BY-SA 4.0); its 13 MFCCs, and one frame's spectral envelope rebuilt
# from those 13 coefficients. The recording itself is written out too, to listen while looking.

# %%
import librosa
import matplotlib.pyplot as plt
import numpy as np
import torch

from audiodl import output_dir, seed_everything
from audiodl.audio import save_wav, spectrogram, to_db
from audiodl.datasets import SR, SpokenDigits
from audiodl.digits import dct_matrix, mfcc
from audiodl.figure_language import tr
from audiodl.mel import hz_to_mel, log_mel_spectrogram, mel_band_edges

seed_everything()
out = output_dir("ch1/features")

# %%
# The two mel scales, each divided by its value at 8 kHz so that their shapes can be
# compared (their units differ: 1000 Hz is 1000 mel on the HTK scale, 15 on Slaney's).
freqs = np.linspace(0, 8000, 801)
htk, slaney = hz_to_mel(torch.from_numpy(freqs)).numpy(), librosa.hz_to_mel(freqs, htk=False)
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
ax.plot(freqs, htk / htk[-1], label=tr("HTK：2595·log10(1 + f/700)", "HTK: 2595·log10(1 + f/700)"))
ax.plot(freqs, slaney / slaney[-1], "--",
        label=tr("Slaney：1 kHz 以下线性，以上对数", "Slaney: linear below 1 kHz, log above"))
ax.axvline(1000, color="tab:gray", lw=0.8)
ax.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
ax.set_ylabel(tr("梅尔值（8 kHz 处为 1）", "mel (1 at 8 kHz)"))
ax.set_title(tr("两种梅尔刻度：形状相近，单位不同",
                "Two mel scales: similar shapes, different units"))
ax.legend()
plt.show()

# %%
# The filterbank on each scale with each normalisation: 20 triangles from 0 to 8 kHz
# (16 kHz audio, n_fft 512). norm=None: every triangle peaks at 1 (torchaudio's default and
# the package's); norm="slaney": every triangle has the same area (librosa's default).
n_mels, n_fft, sr_demo = 20, 512, 16000
bins = np.arange(n_fft // 2 + 1) * sr_demo / n_fft
DEFAULTS = {  # (htk, norm): the note after a panel's title, in each language
    (True, None): ("（本课程与 torchaudio 的默认）", " (this course's and torchaudio's default)"),
    (False, "slaney"): ("（librosa 的默认）", " (librosa's default)"),
}
fig, axes = plt.subplots(2, 2, figsize=(11, 5.6), sharex=True, layout="constrained")
for row, is_htk in enumerate((True, False)):
    for col, norm in enumerate((None, "slaney")):
        fbank = librosa.filters.mel(sr=sr_demo, n_fft=n_fft, n_mels=n_mels, htk=is_htk,
                                    norm=norm, dtype=np.float64)
        ax = axes[row, col]
        ax.plot(bins, fbank.T, lw=1)
        name = f"{'HTK' if is_htk else 'Slaney'}, norm={norm!r}"
        zh_note, en_note = DEFAULTS.get((is_htk, norm), ("", ""))
        ax.set_title(tr(name + zh_note, name + en_note))
        ax.set_ylabel(tr("权重", "weight"))
for ax in axes[1]:
    ax.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
fig.suptitle(tr("20 个三角形滤波器，在梅尔刻度上等距：高度为 1（左）或面积相等（右）",
                "20 triangular filters evenly spaced in mel: "
                "height 1 (left) or equal area (right)"))
plt.show()

# %%
# The recording: waveform, power spectrogram (257 bins, evenly spaced in Hz) and log-mel
# spectrogram (64 bands, evenly spaced in mel), 64 ms frames every 16 ms.
ds = SpokenDigits("test", speakers=["jackson"])
i = next(k for k, c in enumerate(ds.clips) if c.digit == 0 and c.index == 0)
wave = ds[i][0][0].double()  # (T,) at 8 kHz
save_wav(out / "jackson_zero.wav", 0.4 * wave / wave.abs().max(), SR)
N_FFT, HOP, N_MELS = 512, 128, 64
power_db = to_db(spectrogram(wave, n_fft=N_FFT, hop_length=HOP))
logmel = log_mel_spectrogram(wave, SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)
seconds = wave.shape[-1] / SR
print(f"clip: {seconds:.2f} s at {SR} Hz; spectrogram {tuple(power_db.shape)}, "
      f"log-mel {tuple(logmel.shape)}")

fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), sharex=True, layout="constrained",
                         gridspec_kw={"height_ratios": [1, 2, 2]})
axes[0].plot(np.arange(wave.shape[-1]) / SR, wave, lw=0.6)
axes[0].set_ylabel(tr("振幅", "amplitude"))
axes[0].set_title(tr("波形", "Waveform"))
im = axes[1].imshow(power_db, origin="lower", aspect="auto", cmap="magma",
                    extent=(0, seconds, 0, SR / 2))
axes[1].set_ylabel(tr("频率（Hz）", "frequency (Hz)"))
axes[1].set_title(tr("语谱图：257 个频率格（dB）", "Spectrogram: 257 frequency bins (dB)"))
fig.colorbar(im, ax=axes[1], label="dB")
im = axes[2].imshow(logmel, origin="lower", aspect="auto", cmap="magma",
                    extent=(0, seconds, 0, N_MELS))
axes[2].set_ylabel(tr("梅尔频带", "mel band"))
axes[2].set_xlabel(tr("时间（秒）", "time (s)"))
axes[2].set_title(tr("对数梅尔语谱图：64 个频带（dB）", "Log-mel spectrogram: 64 bands (dB)"))
fig.colorbar(im, ax=axes[2], label="dB")
fig.suptitle(tr("jackson 念的“zero”（FSDD）", "“zero” spoken by jackson (FSDD)"))
plt.show()

# %%
# Its 13 MFCCs, and the loudest frame's log-mel spectrum beside the curve that its 13
# coefficients alone rebuild (the transposed DCT matrix undoes the DCT): the envelope stays,
# the ripple of the pitch's harmonics in the low bands goes.
coeffs = mfcc(logmel, n_mfcc=13)  # (13, frames)
basis = dct_matrix(13, N_MELS, torch.float64)
frame = int(coeffs[0].argmax())  # the frame with the highest mean level (c0)
column = logmel[:, frame]
rebuilt = basis.T @ coeffs[:, frame]
centres = mel_band_edges(N_MELS, SR)[1:-1]
print(f"loudest frame at {frame * HOP / SR:.2f} s: the 13-coefficient envelope is "
      f"{(column - rebuilt).abs().mean():.1f} dB from the log-mel spectrum on average")

fig, (ax_c, ax_f) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.2, 1]})
lim = float(coeffs[1:].abs().max())
im = ax_c.imshow(coeffs[1:], origin="lower", aspect="auto", cmap="coolwarm", vmin=-lim,
                 vmax=lim, extent=(0, seconds, 0.5, 12.5))
ax_c.axvline(frame * HOP / SR, color="black", ls="--", lw=1)
ax_c.set_xlabel(tr("时间（秒）", "time (s)"))
ax_c.set_ylabel(tr("系数序号 k", "coefficient k"))
ax_c.set_title(tr("MFCC c1～c12（c0 量级大得多，未画）",
                  "MFCCs c1 to c12 (c0, far larger, not drawn)"))
fig.colorbar(im, ax=ax_c)
mels = hz_to_mel(centres)  # the bands are evenly spaced on this axis
ax_f.plot(mels, column, ".-", lw=0.8,
          label=tr("对数梅尔谱（64 个频带）", "log-mel spectrum (64 bands)"))
ax_f.plot(mels, rebuilt, lw=2.5, label=tr("用 13 个 MFCC 重建", "rebuilt from 13 MFCCs"))
ticks = [250, 500, 1000, 2000, 3000, 4000]
ax_f.set_xticks(hz_to_mel(torch.tensor(ticks, dtype=torch.float64)), [str(t) for t in ticks])
ax_f.set_xlabel(tr("频带中心频率（Hz，按梅尔刻度排列）", "band centre (Hz, on the mel scale)"))
ax_f.set_ylabel("dB")
ax_f.set_title(tr(f"{frame * HOP / SR:.2f} 秒处的一帧：包络留下，谐波的起伏去掉",
                  f"The frame at {frame * HOP / SR:.2f} s: the envelope stays, the harmonics go"))
ax_f.legend()
plt.show()
