# %% [markdown] lang="zh"
# # 采样与量化：看一看、听一听
#
# 这个程序把 docs/ch1/sampling.md 里的几件事画出来、做成声音：一个正弦波在奈奎斯特频率以下和以上
# 被采样，高于奈奎斯特频率的那个和一个更低的正弦波落在同一组采样点上；一段上升的扫频用 8 kHz
# 直接采样，过了 4 kHz 就折回来往下走；位深每多 1 位，信噪比大约高 6 dB；一个很轻的纯音量化到
# 很少的位数，不加抖动是失真，加了抖动是噪声；语音推过满量程被削波。所有声音都是程序算出来的，
# 语音是课程自带的 espeak-ng 合成语音。

# %% [markdown] lang="en"
# # Sampling and quantisation: look and listen
#
# This program draws and plays what docs/ch1/sampling.en.md explains: a sine sampled below and
# above the Nyquist frequency, the one above landing on the same samples as a lower sine; a
# rising sweep sampled directly at 8 kHz, which turns round at 4 kHz and comes back down; about
# 6 dB more signal-to-noise ratio for every bit; a very quiet tone quantised to few bits, which
# without dither is distorted and with dither is noisy; speech pushed past full scale and clipped.
# Every sound is computed here; the speech is the course's espeak-ng sample.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from audiodl import output_dir, seed_everything
from audiodl.audio import load_speech, save_wav, spectrogram, to_db
from audiodl.figure_language import tr
from audiodl.sampling import alias_frequency, quantise, snr_db, tpdf_dither
from audiodl.synth import envelope

seed_everything()
out = output_dir("ch1/sampling")


def save(name, wave, sr, gain=None):
    """Write a player's WAV at a comfortable level: times `gain`, by default the gain that
    brings its peak to 0.4."""
    wave = np.asarray(wave, dtype=np.float32)
    gain = 0.4 / np.abs(wave).max() if gain is None else gain
    save_wav(out / f"{name}.wav", torch.from_numpy(gain * wave), sr)


# %%
# A sine of frequency f sampled at 8 kHz, drawn for 2 ms: the continuous curve, its samples,
# and (above the Nyquist frequency) the sine of frequency f - sr * round(f / sr) that passes
# through the very same samples. A negative frequency is the same tone with its sign flipped.
sr = 8000
t_fine = np.linspace(0, 0.002, 2000)
n = np.arange(int(0.002 * sr) + 1)
fig, axes = plt.subplots(3, 1, figsize=(9, 6.5), sharex=True, layout="constrained")
for ax, f in zip(axes, (1000, 5000, 7000), strict=True):
    signed = f - sr * round(f / sr)
    ax.plot(t_fine * 1000, np.sin(2 * np.pi * f * t_fine), color="tab:gray", lw=1,
            label=tr(f"{f} Hz 的正弦波", f"the {f} Hz sine"))
    if signed != f:
        ax.plot(t_fine * 1000, np.sin(2 * np.pi * signed * t_fine), color="tab:red", ls="--",
                label=tr(f"落在同样采样点上的 {abs(signed)} Hz 正弦波",
                         f"the {abs(signed)} Hz sine through the same samples"))
    ax.plot(n / sr * 1000, np.sin(2 * np.pi * f * n / sr), "o", color="tab:blue",
            label=tr("采样点（8 kHz）", "samples (8 kHz)"))
    below = f < sr / 2
    heard = alias_frequency(f, sr)
    ax.set_title(tr(f"{f} Hz：{'低于' if below else '高于'}奈奎斯特频率 4 kHz，听起来是 {heard} Hz",
                    f"{f} Hz: {'below' if below else 'above'} the Nyquist frequency of 4 kHz, "
                    f"heard as {heard} Hz"))
    ax.legend(loc="upper right", fontsize="small")
axes[-1].set_xlabel(tr("时间（毫秒）", "time (ms)"))
fig.suptitle(tr("以 8 kHz 采样三个正弦波", "Three sines sampled at 8 kHz"))
plt.show()

# %%
# Players: a 5 kHz tone recorded at 16 kHz (its Nyquist frequency is 8 kHz: kept as it is),
# the same tone sampled directly at 8 kHz (it lands at 3 kHz), and a true 3 kHz tone to
# compare. Then a sweep rising linearly from 100 Hz to 7.9 kHz in 2 s, sampled at 16 kHz and
# directly at 8 kHz. Each sound is the continuous formula evaluated at t = n / sr, with 10 ms
# fades so that it does not click.
def tone(f, sr, seconds=1.0):
    t = np.arange(int(seconds * sr)) / sr
    fade = envelope(len(t), 0, len(t), ramp=int(0.01 * sr)).numpy()
    return fade * np.sin(2 * np.pi * f * t)


def sweep(sr, f0=100.0, f1=7900.0, seconds=2.0):
    t = np.arange(int(seconds * sr)) / sr
    fade = envelope(len(t), 0, len(t), ramp=int(0.01 * sr)).numpy()
    return fade * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * seconds)))


save("tone_5k_at_16k", tone(5000, 16000), 16000)
save("tone_5k_at_8k", tone(5000, 8000), 8000)
save("tone_3k_at_8k", tone(3000, 8000), 8000)
print(f"5 kHz sampled at 8 kHz lands at {alias_frequency(5000, 8000)} Hz")
sweeps = {sr: sweep(sr) for sr in (16000, 8000)}
for sr, wave in sweeps.items():
    save(f"sweep_at_{sr // 1000}k", wave, sr)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
for ax, (sr, wave) in zip(axes, sweeps.items(), strict=True):
    spec = to_db(spectrogram(torch.tensor(wave, dtype=torch.float32), n_fft=256, hop_length=64))
    ax.imshow(spec, origin="lower", aspect="auto", cmap="magma",
              extent=(0, len(wave) / sr, 0, sr / 2))
    ax.axhline(4000, color="white", ls="--", lw=1)
    ax.set_ylim(0, 8000)
    ax.set_xlabel(tr("时间（秒）", "time (s)"))
    ax.set_title(tr(f"采样率 {sr // 1000} kHz", f"sampled at {sr // 1000} kHz"))
    if sr == 8000:  # the empty band above this rate's Nyquist frequency
        ax.text(1.0, 6000, tr("4 kHz 以上：8 kHz 采样表示不了",
                              "above 4 kHz: not representable at 8 kHz"), ha="center")
axes[0].set_ylabel(tr("频率（Hz）", "frequency (Hz)"))
fig.suptitle(tr("从 100 Hz 升到 7.9 kHz 的扫频（虚线：4 kHz）",
                "A sweep rising from 100 Hz to 7.9 kHz (dashed: 4 kHz)"))
plt.show()

# %%
# Signal-to-noise ratio of the loudest sine that fits b bits without clipping (997 Hz, 1 s
# at 16 kHz), measured for every b from 2 to 16, against 6.02 b + 1.76 dB.
sr = 16000
t = np.arange(sr) / sr
bits_range = np.arange(2, 17)
measured = []
for bits in bits_range:
    steps = 2 ** (bits - 1)
    x = (steps - 1) / steps * np.sin(2 * np.pi * 997 * t)
    measured.append(snr_db(x, quantise(x, bits)))
for bits, snr in zip(bits_range, measured, strict=True):
    if bits in (2, 3, 4, 8, 16):
        print(f"{bits:2d} bits: SNR {snr:5.1f} dB, 6.02 b + 1.76 = {6.02 * bits + 1.76:5.1f} dB")
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.plot(bits_range, 6.02 * bits_range + 1.76, color="tab:gray",
        label=tr("6.02 b + 1.76 dB", "6.02 b + 1.76 dB"))
ax.plot(bits_range, measured, "o", color="tab:blue", label=tr("测量值", "measured"))
ax.set_xlabel(tr("位深 b（位）", "bit depth b (bits)"))
ax.set_ylabel(tr("信噪比（dB）", "SNR (dB)"))
ax.set_title(tr("不削波的最大正弦波量化后的信噪比（2 位时振幅只有 1/2）",
                "SNR of the loudest unclipped sine after quantisation (amplitude 1/2 at 2 bits)"))
ax.legend()
plt.show()

# %%
# Dither. A 440 Hz tone 1.5 steps high at 8 bits (about -39 dBFS), quantised as it is and
# with triangular (TPDF) dither added first: the waveforms, and the spectra in dB relative to
# the tone's own amplitude.
bits, steps = 8, 2**7
rng = np.random.default_rng(0)
x = 1.5 / steps * np.sin(2 * np.pi * 440 * t)
versions = {("不加抖动", "no dither"): quantise(x, bits),
            ("加三角形抖动", "TPDF dither"): quantise(x + tpdf_dither(len(x), bits, rng), bits)}
fig, axes = plt.subplots(3, 1, figsize=(9, 8), layout="constrained")
show = slice(0, int(0.005 * sr))
axes[0].plot(t[show] * 1000, x[show] * steps, color="black", label=tr("原信号", "original"))
freqs = np.fft.rfftfreq(len(x), 1 / sr)
colours = ("tab:red", "tab:blue")
for ax, colour, ((zh, en), q) in zip(axes[1:], colours, versions.items(), strict=True):
    axes[0].step(t[show] * 1000, q[show] * steps, where="mid", color=colour, alpha=0.8,
                 label=tr(zh, en))
    level = np.abs(np.fft.rfft(q)) / (len(q) / 2) / (1.5 / steps)
    ax.plot(freqs, 20 * np.log10(np.maximum(level, 1e-6)), color=colour, lw=0.6)
    ax.set_ylim(-80, 5)
    ax.set_ylabel(tr("相对纯音（dB）", "re the tone (dB)"))
    ax.set_title(tr(f"频谱：{zh}", f"Spectrum: {en}"))
axes[0].set_xlabel(tr("时间（毫秒）", "time (ms)"))
axes[0].set_ylabel(tr("量化台阶", "quantisation steps"))
axes[0].set_title(tr("8 位量化一个只有 1.5 个台阶高的 440 Hz 纯音",
                     "A 440 Hz tone 1.5 steps high, quantised to 8 bits"))
axes[0].set_ylim(-2.5, 3.5)
axes[0].legend(loc="upper center", ncols=3)
axes[2].set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
plt.show()

# %%
# Players: a 440 Hz tone fading out over 2 s (like a plucked string), at 16 bits, at 6 bits,
# and at 6 bits with dither. The three are written with the same gain (no normalisation per
# file), so that they are heard at the level they have.
bits = 6
t2 = np.arange(2 * sr) / sr
x = 0.5 * np.exp(-t2 / 0.4) * np.sin(2 * np.pi * 440 * t2)
x[: int(0.01 * sr)] *= np.linspace(0, 1, int(0.01 * sr))  # a 10 ms fade-in: no click
save("fade_16bit", quantise(x, 16), sr, gain=0.8)
save("fade_6bit", quantise(x, bits), sr, gain=0.8)
save("fade_6bit_dither", quantise(x + tpdf_dither(len(x), bits, rng), bits), sr, gain=0.8)
silent = np.flatnonzero(quantise(x, bits))[-1] / sr
print(f"without dither the 6-bit fade falls silent at {silent:.2f} s")

# %%
# Clipping: the speech sample pushed 18 dB past full scale (times 8) and clipped to [-1, 1].
# Both players are brought to the same peak, so what differs is the distortion, not loudness.
speech, speech_sr = load_speech()
speech = speech[0].numpy()
driven = 8 * speech
clipped = np.clip(driven, -1, 1)
print(f"speech times 8: {np.mean(np.abs(driven) > 1):.1%} of the samples clipped")
save("speech", speech, speech_sr)
save("speech_clipped", clipped, speech_sr)
loud = int(np.abs(speech).argmax())
view = slice(loud - int(0.015 * speech_sr), loud + int(0.015 * speech_sr))
ms = np.arange(view.stop - view.start) / speech_sr * 1000
fig, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
ax.plot(ms, driven[view], color="tab:gray", lw=1,
        label=tr("放大 8 倍（+18 dB）", "times 8 (+18 dB)"))
ax.plot(ms, clipped[view], color="tab:red", label=tr("削波后", "after clipping"))
ax.axhline(1, color="black", ls=":", lw=1)
ax.axhline(-1, color="black", ls=":", lw=1)
ax.set_xlabel(tr("时间（毫秒）", "time (ms)"))
ax.set_ylabel(tr("采样值", "sample value"))
ax.set_title(tr("语音推过满量程：波峰被削平", "Speech pushed past full scale: the peaks cut flat"))
ax.legend(loc="upper right")
plt.show()
