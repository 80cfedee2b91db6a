# %% [markdown]
# # 波形和图像都是张量 / Waveforms and images are tensors
#
# 一段语音是形状为 (C, T) 的张量：C 个声道，每个声道 T 个采样点；一张彩色图片是形状为
# (C, H, W) 的张量：每个颜色通道一张 H × W 的二维数组。加上批维度 B 就是网络的输入。
#
# A recording is a tensor of shape (C, T): C channels of T samples each. A colour image is a
# tensor of shape (C, H, W): one H × W array per colour channel. Add a batch dimension B and
# you have a network's input.

# %%
import matplotlib.pyplot as plt
import torch
from matplotlib.cbook import get_sample_data

from audiodl import output_dir, seed_everything
from audiodl.audio import load_speech, save_wav

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
ax_all.set_xlabel("time (s)")
ax_all.set_ylabel("amplitude")
ax_all.set_title(f"wave[0]: {wave.shape[-1]} samples at {sr} Hz")
ax_zoom.plot(t[start:stop] * 1000, wave[0, start:stop], marker=".", markersize=4,
             linewidth=0.6, color="C3")
ax_zoom.set_xlabel("time (ms)")
ax_zoom.set_ylabel("amplitude")
ax_zoom.set_title(f"wave[0, {start}:{stop}]: each dot is one number of the tensor")
fig.suptitle(f"Speech waveform as a tensor of shape {tuple(wave.shape)}")
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
for c, (ax, name) in enumerate(zip(axes[1:], ["red", "green", "blue"], strict=True)):
    ax.imshow(img[c], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"img[{c}]: {name}, {tuple(img[c].shape)}")
for ax in axes:
    ax.axis("off")
fig.suptitle(f"Image tensor of shape {tuple(img.shape)}: one 2-D array per colour channel")
plt.show()
