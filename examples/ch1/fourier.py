# %% [markdown] lang="zh"
# # 傅里叶变换：图与声音
#
# 这个程序为“傅里叶变换”一节画图：复指数 $e^{i\theta}$ 在单位圆上转圈；离散傅里叶变换矩阵
# 的实部和其中几行；两个相距 6 Hz 的纯音在不同长度、补零前后的频谱；同一组谐波配上不同相位
# 时的波形和幅度谱（并写出两段声音，可以对比着听）；矩形窗与 Hann 窗的频谱，量出它们最高的
# 旁瓣和主瓣宽度；最后是一个强音旁边的弱音在两种窗下能不能看见。

# %% [markdown] lang="en"
# # The Fourier transform: figures and sounds
#
# This program draws the figures of the page on the Fourier transform: the complex exponential
# $e^{i\theta}$ going round the unit circle; the real part of the DFT matrix and a few of its
# rows; the spectra of two pure tones 6 Hz apart, for two signal lengths and with zero-padding;
# one set of harmonics with two different sets of phases, as waveforms and magnitude spectra
# (and as two sounds to compare); the spectra of the rectangular and Hann windows, with their
# highest side lobes and main-lobe widths measured; and whether a weak tone next to a strong
# one can be seen through each window.

# %%
import math

import matplotlib.pyplot as plt
import torch

from audiodl import output_dir, seed_everything
from audiodl.audio import save_wav
from audiodl.figure_language import tr

seed_everything()
out = output_dir("ch1/fourier")
SR = 8000  # the sample rate of every signal below except the two sounds


def db(mag: torch.Tensor) -> torch.Tensor:
    """Magnitudes in dB relative to their largest (a floor at -200 dB keeps log10 finite)."""
    return 20 * torch.log10((mag / mag.max()).clamp_min(1e-10))


# %%
# Euler's formula: e^{i theta} = cos theta + i sin theta is a point on the unit circle; as
# theta grows it goes round, and its two coordinates trace a cosine and a sine.
theta = torch.linspace(0, 2 * math.pi, 400, dtype=torch.float64)
z = torch.exp(1j * theta)
marked = math.pi / 3
fig, (ax_circle, ax_parts) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained",
                                          gridspec_kw={"width_ratios": [1, 1.6]})
ax_circle.plot(z.real, z.imag, color="tab:gray")
ax_circle.plot([0, math.cos(marked)], [0, math.sin(marked)], color="black")
ax_circle.plot([math.cos(marked)] * 2, [0, math.sin(marked)], "--", color="tab:orange")
ax_circle.plot([0, math.cos(marked)], [0, 0], color="tab:blue", lw=3)
ax_circle.plot(math.cos(marked), math.sin(marked), "o", color="black")
ax_circle.annotate(r"$e^{i\theta}$", (math.cos(marked), math.sin(marked)),
                   xytext=(8, 4), textcoords="offset points")
ax_circle.set_aspect("equal")
ax_circle.set_xlabel(tr("实部", "real part"))
ax_circle.set_ylabel(tr("虚部", "imaginary part"))
ax_circle.set_title(tr("单位圆上的 e^(iθ)（θ = 60°）", "e^(iθ) on the unit circle (θ = 60°)"))
ax_parts.plot(theta, z.real, color="tab:blue", label=tr("实部 = cos θ", "real part = cos θ"))
ax_parts.plot(theta, z.imag, color="tab:orange", label=tr("虚部 = sin θ", "imaginary part = sin θ"))
ax_parts.axvline(marked, color="black", lw=0.8)
ax_parts.set_xlabel(tr("θ（弧度）", "θ (radians)"))
ax_parts.set_title(tr("θ 增大，e^(iθ) 转圈，两个坐标画出余弦和正弦",
                      "As θ grows, e^(iθ) goes round: its coordinates trace cos and sin"))
ax_parts.legend(loc="lower left")
plt.show()

# %%
# The DFT matrix for N = 32: row k holds e^{-2 pi i k n / N}, a sinusoid making k cycles
# over the N samples (its real part is a cosine, its imaginary part minus a sine).
N = 32
n = torch.arange(N)
W = torch.exp(-2j * math.pi * ((n[:, None] * n) % N) / N)
fig, (ax_matrix, ax_rows) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained",
                                         gridspec_kw={"width_ratios": [1, 1.5]})
image = ax_matrix.imshow(W.real, cmap="RdBu_r", vmin=-1, vmax=1)
ax_matrix.set_xlabel(tr("采样点 n", "sample n"))
ax_matrix.set_ylabel(tr("频率格 k（行）", "frequency bin k (row)"))
ax_matrix.set_title(tr(f"DFT 矩阵的实部 cos(2πkn/N)，N = {N}",
                       f"Real part of the DFT matrix, cos(2πkn/N), N = {N}"))
fig.colorbar(image, ax=ax_matrix, shrink=0.8)
smooth = torch.linspace(0, N, 500)
for offset, k in enumerate([0, 1, 2, 5]):
    base = -2.5 * offset
    ax_rows.plot(smooth, base + torch.cos(2 * math.pi * k * smooth / N), color="tab:gray", lw=0.8)
    ax_rows.plot(n, base + W[k].real, "o", ms=3.5, color=f"C{offset}")
    ax_rows.text(N + 0.8, base, f"k = {k}", va="center")
ax_rows.set_yticks([])
ax_rows.set_xlim(-1, N + 5)
ax_rows.set_xlabel(tr("采样点 n", "sample n"))
ax_rows.set_title(tr("其中几行：第 k 行在 N 个采样点里走 k 个周期",
                     "A few rows: row k makes k cycles over the N samples"))
plt.show()

# %%
# Two tones 6 Hz apart. 0.1 s (800 samples, bins 10 Hz apart) cannot separate them, and
# zero-padding the same 0.1 s to 8000 points draws the same single hump more finely; 1 s
# (bins 1 Hz apart) separates them.
def spectrum(x: torch.Tensor, n_fft: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(frequencies in Hz, magnitudes) of the rfft of x zero-padded to n_fft points."""
    return torch.fft.rfftfreq(n_fft, d=1 / SR), torch.fft.rfft(x, n=n_fft).abs()


def two_tones(samples: int) -> torch.Tensor:
    t = torch.arange(samples, dtype=torch.float64) / SR
    return torch.sin(2 * math.pi * 1000 * t) + torch.sin(2 * math.pi * 1006 * t)


def peak_freqs(freqs: torch.Tensor, mag: torch.Tensor) -> list[float]:
    """Frequencies of the local maxima above half the highest."""
    inner = mag[1:-1]
    is_peak = (inner > mag[:-2]) & (inner >= mag[2:]) & (inner > 0.5 * mag.max())
    return freqs[1:-1][is_peak].tolist()


cases = [(800, 800, "0.1 秒，N = 800：频率格间隔 10 Hz", "0.1 s, N = 800: bins 10 Hz apart"),
         (800, 8000, "同样的 0.1 秒补零到 8000 点：间隔 1 Hz",
          "the same 0.1 s zero-padded to 8000 points: 1 Hz apart"),
         (8000, 8000, "1 秒，N = 8000：频率格间隔 1 Hz", "1 s, N = 8000: bins 1 Hz apart")]
fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True, layout="constrained")
for ax, (samples, n_fft, label_zh, label_en) in zip(axes, cases, strict=True):
    freqs, mag = spectrum(two_tones(samples), n_fft)
    mag = mag / samples  # the same height for every length
    near = (freqs > 940) & (freqs < 1070)
    if n_fft == samples:  # one stem per bin
        ax.stem(freqs[near], mag[near], basefmt=" ", markerfmt=".")
    else:  # the padded spectrum as a curve, the bins before padding on it (every 10th)
        ax.plot(freqs[near], mag[near], lw=1.5)
        before = near & (torch.arange(len(freqs)) % (n_fft // samples) == 0)
        ax.plot(freqs[before], mag[before], "o", color="tab:red", ms=6,
                label=tr("补零前的频率格", "the bins before padding"))
        ax.legend(loc="upper right")
    found = peak_freqs(freqs, mag)
    for f in found:
        ax.axvline(f, color="tab:green", ls=":")
    for f in (1000, 1006):
        ax.axvline(f, color="black", lw=0.6, alpha=0.5)
    ax.set_title(tr(f"{label_zh}；找到 {len(found)} 个峰",
                    f"{label_en}; peaks found: {len(found)}"))
    ax.set_ylabel("|X| / N")
    print(f"{samples / SR:.1f} s, n_fft {n_fft:5d}: peaks at {[round(f, 1) for f in found]} Hz")
axes[-1].set_xlabel(tr("频率（Hz）；黑线：真实的 1000 和 1006 Hz，绿色虚线：找到的峰",
                       "frequency (Hz); black: the true 1000 and 1006 Hz, "
                       "green dotted: the peaks found"))
fig.suptitle(tr("1000 Hz 与 1006 Hz 两个纯音：补零让曲线更细，分开它们要靠更长的信号",
                "Tones at 1000 and 1006 Hz: zero-padding draws finer, a longer signal separates"))
plt.show()

# %%
# The same five harmonics of 200 Hz, once all starting as sines (phase 0) and once with
# other phases: the waveforms differ, the magnitude spectra do not. Both are written as WAVs
# (1 s at 16 kHz, peak 0.4) to compare by ear.
sr_sound = 16000
t = torch.arange(sr_sound, dtype=torch.float64) / sr_sound
phases = [0.0, 2.0, 4.5, 1.0, 3.0]
harmonics = range(1, 6)
sine_phase = sum(torch.sin(2 * math.pi * 200 * h * t) / h for h in harmonics)
other_phase = sum(torch.sin(2 * math.pi * 200 * h * t + p) / h
                  for h, p in zip(harmonics, phases, strict=True))
scale = 0.4 / max(sine_phase.abs().max(), other_phase.abs().max())
for name, wave in (("harmonics_phase_0", sine_phase), ("harmonics_other_phases", other_phase)):
    fade = torch.ones_like(wave)  # 10 ms fades: no click at either end
    fade[:160] = torch.linspace(0, 1, 160)
    fade[-160:] = torch.linspace(1, 0, 160)
    save_wav(out / f"{name}.wav", (scale * wave * fade).float(), sr_sound)
mags = [torch.fft.rfft(w).abs() / len(w) for w in (sine_phase, other_phase)]
print(f"waveform peaks {sine_phase.abs().max():.2f} and {other_phase.abs().max():.2f}, "
      f"magnitude spectra equal (to 1e-12): {torch.allclose(mags[0], mags[1], rtol=0, atol=1e-12)}")
fig, (ax_wave, ax_mag) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
ms = t[:160] * 1000  # the first 10 ms: two periods of 200 Hz
ax_wave.plot(ms, sine_phase[:160], label=tr("全部相位为 0", "all phases 0"))
ax_wave.plot(ms, other_phase[:160], label=tr("另一组相位", "other phases"))
ax_wave.set_xlabel(tr("时间（毫秒）", "time (ms)"))
ax_wave.set_title(tr("波形：前 10 毫秒", "Waveforms: the first 10 ms"))
ax_wave.set_ylim(-2.3, 2.6)
ax_wave.legend(loc="upper center", ncols=2)
freqs = torch.fft.rfftfreq(sr_sound, d=1 / sr_sound)
present = mags[0] > 0.01  # the five harmonics' bins; every other bin is 0
ax_mag.stem(freqs[present], mags[0][present], basefmt=" ", label=tr("全部相位为 0", "all phases 0"))
ax_mag.plot(freqs[present], mags[1][present], "x", ms=10, mew=2, color="tab:orange",
            label=tr("另一组相位", "other phases"))
ax_mag.set_xlim(0, 1400)
ax_mag.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
ax_mag.set_ylabel("|X| / N")
ax_mag.set_title(tr("幅度谱：两者完全重合", "Magnitude spectra: the same"))
ax_mag.legend()
fig.suptitle(tr("200 Hz 的五个谐波：换一组相位，波形变了，幅度谱不变",
                "Five harmonics of 200 Hz: other phases change the waveform, not the magnitudes"))
plt.show()

# %%
# The spectra of the windows themselves, zero-padded 256 times so the lobes are drawn
# finely: the main lobe runs from the peak to the first null, the highest side lobe is the
# largest value beyond it.
def windows(n: int) -> dict[str, torch.Tensor]:
    return {tr("矩形窗", "rectangular"): torch.ones(n, dtype=torch.float64),
            tr("Hann 窗", "Hann"): torch.hann_window(n, dtype=torch.float64)}


N, PAD = 64, 256
fig, (ax_time, ax_freq) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained",
                                       gridspec_kw={"width_ratios": [1, 1.8]})
for colour, (name, window) in zip(("tab:blue", "tab:orange"), windows(N).items(), strict=True):
    level = db(torch.fft.fft(window, n=N * PAD).abs())
    offset = torch.fft.fftfreq(N * PAD, d=1 / N)  # in bins of the unpadded N-point DFT
    first_null = 1
    while level[first_null + 1] < level[first_null]:
        first_null += 1
    side_lobe = level[first_null:N * PAD // 2].max().item()
    width = 2 * first_null / PAD
    print(f"{name}: highest side lobe {side_lobe:.1f} dB, main lobe {width:.2f} bins wide")
    ax_time.plot(window, color=colour, label=name)
    order = torch.argsort(offset)
    ax_freq.plot(offset[order], level[order], color=colour, label=name)
    ax_freq.axhline(side_lobe, color=colour, ls="--", lw=1)
    ax_freq.text(-9.7, side_lobe + 1.5, tr(f"最高旁瓣 {side_lobe:.1f} dB",
                                           f"highest side lobe {side_lobe:.1f} dB"),
                 color=colour, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    for edge in (-width / 2, width / 2):
        ax_freq.plot(edge, -95, "^", color=colour, ms=8)
ax_time.set_xlabel(tr("采样点 n", "sample n"))
ax_time.set_title(tr(f"两种窗，N = {N}", f"The two windows, N = {N}"))
ax_time.legend(loc="center")
ax_freq.set_xlim(-10, 10)
ax_freq.set_ylim(-100, 5)
ax_freq.set_xlabel(tr("离中心的距离（频率格）；三角：主瓣两端的零点",
                      "distance from the centre (bins); triangles: the main lobe's nulls"))
ax_freq.set_ylabel(tr("dB（相对峰值）", "dB (relative to the peak)"))
ax_freq.set_title(tr("窗的频谱：Hann 窗的旁瓣低得多，主瓣宽一倍",
                     "The windows' spectra: Hann's side lobes far lower, "
                     "its main lobe twice as wide"))
ax_freq.legend(loc="upper right")
plt.show()

# %%
# What that means in a spectrum: a strong tone between two bins (1005 Hz) and a tone 60 dB
# weaker at 1500 Hz, 0.1 s at 8 kHz. The rectangular window's leakage buries the weak tone;
# through the Hann window it stands out.
N = 800
t = torch.arange(N, dtype=torch.float64) / SR
x = torch.sin(2 * math.pi * 1005 * t) + 0.001 * torch.sin(2 * math.pi * 1500 * t)
freqs = torch.fft.rfftfreq(N, d=1 / SR)
weak_bin = 150  # 1500 Hz / 10 Hz
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
for colour, (name, window) in zip(("tab:blue", "tab:orange"), windows(N).items(), strict=True):
    level = db(torch.fft.rfft(x * window).abs())
    ax.plot(freqs, level, color=colour, label=name)
    neighbours = torch.cat([level[weak_bin - 5:weak_bin - 1], level[weak_bin + 2:weak_bin + 6]])
    print(f"{name}: 1500 Hz bin at {level[weak_bin]:.1f} dB, bins around it up to "
          f"{neighbours.max():.1f} dB")
ax.annotate(tr("1500 Hz 的弱音（低 60 dB）", "the weak tone at 1500 Hz (60 dB lower)"),
            (1500, -66), xytext=(1900, -30), arrowprops={"arrowstyle": "->"})
ax.set_ylim(-140, 5)
ax.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
ax.set_ylabel(tr("dB（相对峰值）", "dB (relative to the peak)"))
ax.set_title(tr("1005 Hz 的强音旁边有一个弱 60 dB 的音：矩形窗把它埋住了",
                "A tone 60 dB weaker beside a strong one at 1005 Hz: leakage buries it"))
ax.legend()
plt.show()
