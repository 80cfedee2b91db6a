# %% [markdown] lang="zh"
# # 波形和图像都是张量
#
# 一段音频是形状为 (C, T) 的张量：C 个声道，每个声道 T 个采样点。一张彩色图片是形状为
# (C, H, W) 的张量：每个颜色通道是一张 H × W 的二维数组。在最前面再加上批量维 B，就是网络的输入。
# 这里的语音是开源语音合成器 espeak-ng 合成的一句英语，照片是 matplotlib 自带的一张公有领域肖像。

# %% [markdown] lang="en"
# # Waveforms and images are tensors
#
# A recording is a tensor of shape (C, T): C channels of T samples each. A colour image is a
# tensor of shape (C, H, W): one H × W array per colour channel. Add a batch dimension B and
# you have a network's input. The speech here is an English sentence synthesised with the
# open-source speech synthesiser espeak-ng; the photo is a public-domain portrait that ships
# with matplotlib.

# %%
import matplotlib.pyplot as plt
import torch
from matplotlib.cbook import get_sample_data

from audiodl import output_dir, seed_everything
from audiodl.audio import load_speech, save_wav
from audiodl.figure_language import tr

seed_everything()
wave, sr = load_speech()
save_wav(output_dir("ch2/waveform_tensor") / "speech.wav", wave, sr)  # to listen to
print("wave:", tuple(wave.shape), wave.dtype, f"sr = {sr} Hz, {wave.shape[-1] / sr:.2f} s")

# %%
t = torch.arange(wave.shape[-1]) / sr
peak = int(wave[0].abs().argmax())
start, stop = peak - sr // 200, peak + sr // 200  # 10 ms around the loudest sample
fig, (ax_all, ax_zoom) = plt.subplots(2, 1, figsize=(8, 4.6), layout="constrained")
ax_all.plot(t, wave[0], linewidth=0.5)
ax_all.axvspan(t[start], t[stop], color="C3", alpha=0.3)
ax_all.set_xlabel(tr("时间（秒）", "time (s)"))
ax_all.set_ylabel(tr("幅度", "amplitude"))
ax_all.set_title(tr(f"wave[0]：{wave.shape[-1]} 个采样点，采样率 {sr} Hz",
                    f"wave[0]: {wave.shape[-1]} samples at {sr} Hz"))
ax_zoom.plot(t[start:stop] * 1000, wave[0, start:stop], marker=".", markersize=4,
             linewidth=0.6, color="C3")
ax_zoom.set_xlabel(tr("时间（毫秒）", "time (ms)"))
ax_zoom.set_ylabel(tr("幅度", "amplitude"))
ax_zoom.set_title(tr(f"wave[0, {start}:{stop}]：每个点都是张量中的一个数",
                     f"wave[0, {start}:{stop}]: each dot is one number of the tensor"))
fig.suptitle(tr(f"语音波形：一个形状为 {tuple(wave.shape)} 的张量",
                f"Speech waveform as a tensor of shape {tuple(wave.shape)}"))
plt.show()

# %%
# An image file stores (H, W, C) bytes; PyTorch works with (C, H, W) floats.
pixels = plt.imread(get_sample_data("grace_hopper.jpg", asfileobj=False))
print("pixels:", pixels.shape, pixels.dtype)
img = torch.from_numpy(pixels.copy()).permute(2, 0, 1).float() / 255
print("img:", tuple(img.shape), img.dtype, f"values in [{img.min():.0f}, {img.max():.0f}]")
x = img.unsqueeze(0)  # add the batch dimension B = 1
print("x = img.unsqueeze(0):", tuple(x.shape))

fig, axes = plt.subplots(1, 4, figsize=(10, 3.4), layout="constrained")
axes[0].imshow(img.permute(1, 2, 0))  # matplotlib wants (H, W, C)
axes[0].set_title("img.permute(1, 2, 0)")
channels = [("红", "red"), ("绿", "green"), ("蓝", "blue")]
for c, (ax, (name_zh, name)) in enumerate(zip(axes[1:], channels, strict=True)):
    ax.imshow(img[c], cmap="gray", vmin=0, vmax=1)
    ax.set_title(tr(f"img[{c}]：{name_zh}色通道 {tuple(img[c].shape)}",
                    f"img[{c}]: {name}, {tuple(img[c].shape)}"))
for ax in axes:
    ax.axis("off")
fig.suptitle(tr(f"形状为 {tuple(img.shape)} 的图像张量：每个颜色通道一张二维数组",
                f"Image tensor of shape {tuple(img.shape)}: one 2-D array per colour channel"))
plt.show()
