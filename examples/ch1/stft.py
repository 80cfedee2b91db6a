# %% [markdown] lang="zh"
# # 短时傅里叶变换：帧、时频权衡与相位
#
# 这个程序画出三样东西：一段语音上相互重叠的加窗帧；同一个信号用短窗和长窗得到的两张
# 语谱图；以及只给幅度、用 Griffin-Lim 算法找回相位时，谱收敛度随迭代次数的变化。它还写出
# 四段声音：原始语音、相位全取 0、相位随机、Griffin-Lim 迭代 100 次的结果。语音是课程自带
# 的样本，由开源语音合成器 espeak-ng 朗读（`src/audiodl/assets/make_speech.sh`），这里只取
# 前 1.7 秒：“Audio signal processing”。

# %% [markdown] lang="en"
# # The STFT: frames, the time-frequency trade-off, and phase
#
# This program draws three things: overlapping windowed frames on a stretch of speech; the
# spectrograms of one signal with a short and with a long window; and, when only the
# magnitude is given and Griffin-Lim looks for a phase, the spectral convergence against
# the number of iterations. It also writes four sounds: the speech itself, with every phase
# set to 0, with random phases, and after 100 Griffin-Lim iterations. The speech is the
# course's sample, spoken by the open-source synthesiser espeak-ng
# (`src/audiodl/assets/make_speech.sh`); only its first 1.7 s are used: "Audio signal
# processing".

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from audiodl import output_dir, seed_everything
from audiodl.audio import load_speech, save_wav, to_db
from audiodl.figure_language import tr

seed_everything()
out = output_dir("ch1/stft")
speech, sr = load_speech()
speech = speech[0, : int(1.7 * sr)]  # "Audio signal processing"; the rest is cut

# %%
# Frames on a waveform: 25 ms frames (n_fft = 400) every 10 ms (hop_length = 160), each
# multiplied by a Hann window, drawn where they sit on the loudest stretch of the speech.
n_fft, hop_length = 400, 160
window = torch.hann_window(n_fft)
frames = speech.unfold(-1, n_fft, hop_length)  # (frames, n_fft)
first = int(frames.pow(2).sum(-1).argmax())  # the loudest frame
shown = 4
start, stop = first * hop_length, first * hop_length + n_fft + (shown - 1) * hop_length
t_ms = torch.arange(start, stop) / sr * 1000
peak = speech[start:stop].abs().max()
fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True, layout="constrained")
top.plot(t_ms, speech[start:stop], color="0.3", lw=0.8, label=tr("波形", "waveform"))
colours = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
for i, colour in zip(range(shown), colours, strict=True):
    s = start + i * hop_length
    span = torch.arange(s, s + n_fft) / sr * 1000
    top.plot(span, peak * window, color=colour, lw=1.5,
             label=tr(f"第 {first + i} 帧的窗", f"window of frame {first + i}"))
    bottom.plot(span, frames[first + i] * window - 2.2 * peak * i, color=colour, lw=0.8)
top.set_title(tr(f"分帧：每帧 {n_fft} 点（25 毫秒），帧移 {hop_length} 点（10 毫秒），Hann 窗",
                 f"Framing: {n_fft}-sample frames (25 ms), hop {hop_length} (10 ms), Hann window"))
top.set_ylim(-1.1 * peak, 1.7 * peak)  # room for the legend above the waveform
top.legend(ncols=5, fontsize=8, loc="upper center")
top.set_yticks([])
bottom.set_title(tr("加窗后的各帧（上下错开画）：每一帧各做一次 DFT",
                    "The windowed frames (drawn apart): one DFT each"))
bottom.set_yticks([])
bottom.set_xlabel(tr("时间（毫秒）", "time (ms)"))
plt.show()

# %%
# The trade-off: two tones 80 Hz apart and a click every 50 ms, seen through a short
# (8 ms) and a long (128 ms) window with the same hop; and the speech through both.
t = torch.arange(sr, dtype=torch.float64) / sr
test = 0.5 * torch.sin(2 * torch.pi * 1000 * t) + 0.5 * torch.sin(2 * torch.pi * 1080 * t)
test[400::800] += 4.0
hop = 32
fig, axes = plt.subplots(2, 2, figsize=(11, 7), layout="constrained")
for column, n in enumerate((128, 2048)):
    w = torch.hann_window(n, dtype=torch.float64)
    for row, (signal, top_hz, zh, en) in enumerate(((test, 2000, "两个纯音加滴答声",
                                                      "two tones and clicks"),
                                                     (speech.double(), 5000, "语音", "speech"))):
        spec = torch.stft(signal, n, hop, window=w, return_complex=True).abs() ** 2
        db = to_db(spec, top_db=70)
        ax = axes[row, column]
        ax.imshow(db, origin="lower", aspect="auto", cmap="magma",
                  extent=(0, signal.shape[-1] / sr, 0, sr / 2))
        ax.set_ylim(0, top_hz)
        ax.set_xlabel(tr("时间（秒）", "time (s)"))
        ax.set_ylabel(tr("频率（Hz）", "frequency (Hz)"))
        ms, bin_hz = n / sr * 1000, sr / n
        ax.set_title(tr(f"{zh}\n窗长 {n} 点（{ms:.0f} 毫秒），频率格间隔 {bin_hz:.1f} Hz",
                        f"{en}\n{n}-sample window ({ms:.0f} ms), bins {bin_hz:.1f} Hz"))
    print(f"window {n:5d} samples = {n / sr * 1000:5.1f} ms, bins {sr / n:6.2f} Hz apart")
axes[0, 0].set_xlim(0.2, 0.5)
axes[0, 1].set_xlim(0.2, 0.5)
fig.suptitle(tr("时频权衡：短窗看清时刻，长窗看清频率（帧移都是 2 毫秒）",
                "The time-frequency trade-off: a short window sees when, a long one which "
                "frequency\n(hop 2 ms in both)"))
plt.show()

# %%
# Phase: keep only the magnitude |STFT| of the speech and rebuild a waveform from it with
# no phase (all 0), a random phase, and Griffin-Lim, classic and with momentum ("fast").
n_fft, hop_length = 512, 128
window = torch.hann_window(n_fft)


def stft(x):
    return torch.stft(x, n_fft, hop_length, window=window, return_complex=True)


def istft(spec):
    return torch.istft(spec, n_fft, hop_length, window=window, length=speech.shape[-1])


magnitude = stft(speech).abs()


def convergence(x):
    """Spectral convergence: how far |STFT(x)| is from the magnitude we were given."""
    return (torch.linalg.norm(stft(x).abs() - magnitude) / torch.linalg.norm(magnitude)).item()


def griffin_lim(n_iter, momentum=0.0, seed=0):
    """Griffin-Lim from a random phase; returns the waveform and the convergence per step."""
    phase = torch.rand(magnitude.shape, generator=torch.Generator().manual_seed(seed))
    x = istft(torch.polar(magnitude, 2 * torch.pi * phase))
    history, previous = [convergence(x)], None
    for _ in range(n_iter):
        rebuilt = stft(x)
        angles = rebuilt if previous is None else rebuilt - momentum / (1 + momentum) * previous
        x = istft(torch.polar(magnitude, angles.angle()))
        previous = rebuilt
        history.append(convergence(x))
    return x, history


zero_phase = istft(magnitude.to(torch.complex64))
random_phase = istft(torch.polar(magnitude, 2 * torch.pi * torch.rand(magnitude.shape)))
n_iter = 100
rebuilt, classic = griffin_lim(n_iter)
_, fast = griffin_lim(n_iter, momentum=0.99)
print(f"spectral convergence: original {convergence(speech):.2f}, zero phase "
      f"{convergence(zero_phase):.2f}, random phase {convergence(random_phase):.2f}")


def strongest_repeat(x, shortest=40, longest=400):
    """The lag (in samples) at which x is most like itself, and that autocorrelation."""
    x = x - x.mean()
    lags = range(shortest, longest)
    corr = torch.stack([(x[:-lag] * x[lag:]).sum() for lag in lags]) / (x * x).sum()
    return lags[int(corr.argmax())], corr.max().item()


for name, x in (("original", speech), ("zero phase", zero_phase)):
    lag, corr = strongest_repeat(x)
    print(f"{name}: repeats most strongly every {lag} samples ({lag / sr * 1000:.1f} ms), "
          f"autocorrelation {corr:.2f}")
for name, history in (("Griffin-Lim", classic), ("with momentum 0.99", fast)):
    for i in (1, 10, 30, 100):
        print(f"{i:3d} iterations, {name}: {history[i]:.2f}")
for name, x in (("original", speech), ("zero_phase", zero_phase),
                ("random_phase", random_phase), (f"griffin_lim_{n_iter}", rebuilt)):
    save_wav(out / f"{name}.wav", 0.4 * x / x.abs().max(), sr)

fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
steps = np.arange(n_iter + 1)
ax.semilogy(steps, classic, label=tr("Griffin-Lim", "Griffin-Lim"))
ax.semilogy(steps, fast, label=tr("带动量 0.99（快速 Griffin-Lim）",
                                  "with momentum 0.99 (fast Griffin-Lim)"))
ax.axhline(convergence(zero_phase), color="0.5", ls="--", label=tr("相位全取 0", "zero phase"))
ax.set_xlabel(tr("迭代次数", "iterations"))
ax.set_ylabel(tr("谱收敛度（对数刻度）", "spectral convergence (log scale)"))
ax.set_title(tr("只给幅度找回相位：谱收敛度随迭代下降",
                "Rebuilding phase from magnitude: spectral convergence per iteration"))
ax.legend()
plt.show()
