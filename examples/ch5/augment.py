# %% [markdown] lang="zh"
# # 数据增强：同一段录音的几种变化
#
# 取一段录音，分别做时间平移、增益、加背景噪声，再在对数梅尔语谱图上加 SpecAugment 的遮挡，
# 最后把它们串起来（训练时 `AugmentedLogMel` 就是这样做的）。前三种作用在波形上，可以直接
# 听；遮挡作用在语谱图上，只能看。

# %% [markdown] lang="en"
# # Data augmentation: one recording, changed in several ways
#
# One recording, shifted in time, made louder or softer, with background noise added, then
# SpecAugment's masks on its log-mel spectrogram, and finally all of them in a row (what
# `AugmentedLogMel` does during training). The first three act on the wave and can be heard;
# the masks act on the spectrogram and can only be seen.

# %%
import matplotlib.pyplot as plt
import soundfile
import torch

from audiodl import output_dir, seed_everything
from audiodl.datasets import SR, SpokenDigits
from audiodl.digits import (
    CLIP_SAMPLES,
    AugmentedLogMel,
    add_noise,
    fix_length,
    log_mel,
    random_gain,
    spec_augment,
    time_shift,
    trim_silence,
)
from audiodl.figure_language import tr

seed_everything()
out = output_dir("ch5/augment")
ds = SpokenDigits("test", speakers=["lucas"], transform=trim_silence)
wave, digit = ds[3 * 5]  # lucas, "3", take 0 (clips are ordered by digit, then take)
wave = fix_length(wave)[None]  # (1, 1, CLIP_SAMPLES): a batch of one
augment = AugmentedLogMel(torch.Generator().manual_seed(3))  # the settings training uses
shift_ms, gain_db = 1000 * augment.max_shift / SR, augment.max_gain_db
snr = augment.snr_db[0]  # the strongest noise it adds
g = torch.Generator().manual_seed(1)
waves = {
    tr("原始录音", "original"): wave,
    tr(f"时间平移（最多 ±{shift_ms:.0f} 毫秒）", f"time shift (up to ±{shift_ms:.0f} ms)"):
        time_shift(wave, augment.max_shift, g),
    tr(f"增益（最多 ±{gain_db:.0f} dB）", f"gain (up to ±{gain_db:.0f} dB)"):
        random_gain(wave, gain_db, g),
    tr(f"背景噪声（信噪比 {snr:.0f} dB）", f"background noise (SNR {snr:.0f} dB)"):
        add_noise(wave, (snr, snr), g),
}
specs = {name: log_mel(w) for name, w in waves.items()}
masks = tr(f"SpecAugment 遮挡（{augment.max_bands} 个频带、{augment.max_frames} 帧以内）",
           f"SpecAugment masks (up to {augment.max_bands} bands, {augment.max_frames} frames)")
specs[masks] = spec_augment(log_mel(wave), augment.max_bands, augment.max_frames,
                            augment.masks, g)
all_label = tr("全部串起来（训练时的样子）", "all in a row (as in training)")
specs[all_label] = augment([(wave[0], digit)])[0]
for k, (kind, w) in enumerate(zip(["original", "shift", "gain", "noise"], waves.values(),
                                  strict=True)):
    soundfile.write(out / f"{k}_{kind}.wav", w[0, 0].numpy(), SR, subtype="PCM_16")
    print(f"{kind:9s} peak {w.abs().max():.3f}")

# %%
seconds = CLIP_SAMPLES / SR
fig, axes = plt.subplots(2, 3, figsize=(13, 6), sharex=True, sharey=True, layout="constrained")
for ax, (name, spec) in zip(axes.flat, specs.items(), strict=True):
    image = ax.imshow(spec[0, 0], origin="lower", aspect="auto", cmap="magma",
                      extent=(0, seconds, 0, spec.shape[-2]))
    ax.set_title(name)
for ax in axes[1]:
    ax.set_xlabel(tr("时间（秒）", "time (s)"))
for ax in axes[:, 0]:
    ax.set_ylabel(tr("梅尔频带", "mel band"))
fig.colorbar(image, ax=axes, label="dB")
fig.suptitle(tr(f"lucas 念的“{digit}”：四种增强，以及全部串起来（对数梅尔语谱图）",
                f"“{digit}” said by lucas: four augmentations, and all of them together (log-mel)"))
plt.show()
