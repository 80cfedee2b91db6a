# %% [markdown] lang="zh"
# # 纯音与带谐波的音：听一听、看一看
#
# 这个程序合成两个基频都是 220 Hz、均方根（RMS）也相同的声音：一个纯音（一条正弦），一个带
# 7 个谐波的音（8 条正弦，第 $k$ 条的频率是 $k \times 220$ Hz，振幅是 $1/k$）。它画出两者的
# 波形和频谱，把它们写成 WAV 文件供播放，再画一张图说明分贝：同一个纯音在 0、-6、-12、-20
# dBFS 时的样子。

# %% [markdown] lang="en"
# # A pure tone and a note with harmonics: look and listen
#
# This program makes two sounds with the same fundamental frequency, 220 Hz, and the same RMS:
# a pure tone (one sine) and a note with 7 harmonics (8 sines, the $k$-th at $k \times 220$ Hz
# with amplitude $1/k$). It draws their waveforms and spectra, writes them as WAV files to
# play, and draws one figure about decibels: the same pure tone at 0, -6, -12 and -20 dBFS.

# %%
import math

import matplotlib.pyplot as plt
import torch

from audiodl import output_dir, seed_everything
from audiodl.audio import save_wav
from audiodl.figure_language import tr

seed_everything()
out = output_dir("ch1/sound")
sr, f0, seconds = 16000, 220.0, 1.5
t = torch.arange(int(sr * seconds), dtype=torch.float64) / sr


def rms(x: torch.Tensor) -> torch.Tensor:
    return x.pow(2).mean().sqrt()


def dbfs(value: torch.Tensor | float) -> float:
    """An amplitude (a peak or an RMS) in dB relative to full scale 1.0."""
    return 20 * math.log10(float(value))


# Both sounds at the same RMS, 0.2 (about -14 dBFS): equally strong, comfortably quiet.
level = 0.2
amplitudes = [1 / k for k in range(1, 9)]  # the fundamental and 7 harmonics
pure = torch.sin(2 * math.pi * f0 * t)
note = sum(a * torch.sin(2 * math.pi * k * f0 * t) for k, a in enumerate(amplitudes, 1))
sounds = {"pure_tone": pure * level / rms(pure), "harmonic_note": note * level / rms(note)}
for name, wave in sounds.items():
    print(f"RMS level of {name}: {dbfs(rms(wave)):.2f} dBFS")
    print(f"peak level of {name}: {dbfs(wave.abs().max()):.2f} dBFS")

# %%
# Write the players' files. A 20 ms fade at each end: a sound that starts or stops abruptly
# clicks, and the click is not part of either sound.
fade = torch.ones_like(t)
ramp = torch.linspace(0, 1, int(0.02 * sr), dtype=torch.float64)
fade[: len(ramp)], fade[-len(ramp):] = ramp, ramp.flip(0)
for name, wave in sounds.items():
    save_wav(out / f"{name}.wav", (wave * fade).float(), sr)

# %%
# Waveforms (the first 15 ms: three periods and a bit) and spectra. The spectrum is the
# amplitude of each sine the sound contains; ch1/fourier explains how it is computed. One
# second of sound gives frequencies exactly 1 Hz apart, so each sine falls on one of them.
names = {"pure_tone": ("纯音", "pure tone"), "harmonic_note": ("带谐波的音", "note with harmonics")}
one_second = slice(0, sr)
freqs = torch.fft.rfftfreq(sr, d=1 / sr)
fig, axes = plt.subplots(2, 2, figsize=(10, 6), layout="constrained", sharex="row", sharey="row")
shown = t < 0.015
for (name, wave), top, bottom in zip(sounds.items(), axes[0], axes[1], strict=True):
    top.plot(t[shown] * 1000, wave[shown], color="tab:blue")
    top.axhline(0, color="gray", lw=0.5)
    for period in range(4):  # dashed lines one period apart: both repeat at the same rate
        top.axvline(period * 1000 / f0, color="tab:red", ls="--", lw=0.8)
    zh, en = names[name]
    top.set_title(tr(f"{zh}：波形", f"{en}: waveform"))
    top.set_xlabel(tr("时间（毫秒）", "time (ms)"))
    spectrum = torch.fft.rfft(wave[one_second]).abs() * 2 / sr  # amplitude of each sine
    keep = spectrum > 1e-6
    bottom.vlines(freqs[keep], -60, [dbfs(a) for a in spectrum[keep]], color="tab:orange", lw=2)
    bottom.set_ylim(-60, 0)
    bottom.set_xlim(0, 2500)
    bottom.set_title(tr(f"{zh}：频谱", f"{en}: spectrum"))
    bottom.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
axes[0, 0].set_ylabel(tr("振幅", "amplitude"))
axes[1, 0].set_ylabel(tr("振幅（dBFS）", "amplitude (dBFS)"))
fig.suptitle(tr(f"基频 {f0:.0f} Hz、RMS 相同的纯音与带谐波的音（红色虚线间隔一个周期）",
                f"A pure tone and a note with harmonics, both at {f0:.0f} Hz with the same RMS "
                "(red dashed lines one period apart)"))
plt.show()

# %%
# Decibels: the same tone at four peak levels. Each -6 dB halves the amplitude; -20 dB is a
# tenth. On the right, the curve that turns an amplitude into dBFS, with the four marked.
levels = [0, -6, -12, -20]
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
two_periods = t < 2 / f0
for db, colour in zip(levels, ["tab:blue", "tab:orange", "tab:green", "tab:red"], strict=True):
    amplitude = 10 ** (db / 20)
    left.plot(t[two_periods] * 1000, amplitude * pure[two_periods], color=colour,
              label=tr(f"{db} dBFS（峰值 {amplitude:.2f}）", f"{db} dBFS (peak {amplitude:.2f})"))
    right.plot([amplitude], [db], "o", color=colour)
    right.annotate(f"{amplitude:.2f} → {db} dB", (amplitude, db), textcoords="offset points",
                   xytext=(8, -12) if db else (-60, -25))
left.set_xlabel(tr("时间（毫秒）", "time (ms)"))
left.set_ylabel(tr("振幅", "amplitude"))
left.set_title(tr("同一个纯音的四个电平", "One pure tone at four levels"))
left.set_ylim(-1.1, 1.7)  # room for the legend above the waves
left.legend(loc="upper center", ncols=2, fontsize="small")
amplitude = torch.linspace(0.01, 1, 500)
right.plot(amplitude, 20 * torch.log10(amplitude), color="gray")
right.set_xlabel(tr("峰值振幅（满量程 = 1）", "peak amplitude (full scale = 1)"))
right.set_ylabel("dBFS")
right.set_title(tr("20·log10(振幅)：减半一次，少 6 dB",
                   "20·log10(amplitude): each halving is -6 dB"))
right.grid(alpha=0.3)
plt.show()
