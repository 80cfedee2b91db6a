# %% [markdown] lang="zh"
# # 最大池化与平均池化
#
# 先在一个 4×4 的小例子上看清两种池化从每个窗口里各取出什么，再把它们分别用到一张照片和
# 一段语音的语谱图上。

# %% [markdown] lang="en"
# # Max pooling and average pooling
#
# First what each kind of pooling keeps on a small 4×4 example, then both applied to a photo
# and to the spectrogram of a speech clip.

# %%
import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle
from torch import nn
from torch.utils.tensorboard import SummaryWriter

from audiodl import output_dir, pick_device, seed_everything
from audiodl.audio import load_speech, spectrogram, to_db
from audiodl.figure_language import tr
from audiodl.images import load_photo

device = pick_device()
seed_everything()


class MaxAndAvgPool(nn.Module):
    """Both poolings of the notes side by side: forward returns (max-pooled, avg-pooled)."""

    def __init__(self, kernel_size=2, stride=None, ceil_mode=False):
        super().__init__()
        self.max_pool = nn.MaxPool2d(kernel_size, stride, ceil_mode=ceil_mode)
        self.avg_pool = nn.AvgPool2d(kernel_size, stride, ceil_mode=ceil_mode)

    def forward(self, x):
        return self.max_pool(x), self.avg_pool(x)


x = torch.tensor([[1.0, 3.0, 2.0, 0.0],
                  [5.0, 2.0, 1.0, 1.0],
                  [0.0, 1.0, 4.0, 8.0],
                  [2.0, 1.0, 2.0, 2.0]])
y_max, y_avg = MaxAndAvgPool(kernel_size=2)(x[None, None])
print("max pooled:", y_max[0, 0].tolist())
print("avg pooled:", y_avg[0, 0].tolist())


def draw_grid(ax, values, title, window=None):
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            colour = f"C{(r // window) * 2 + c // window}" if window else f"C{r * cols + c}"
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=colour, alpha=0.35, edgecolor="k"))
            ax.text(c + 0.5, r + 0.5, f"{values[r, c]:g}", ha="center", va="center",
                    fontsize=13)
    ax.set_xlim(-0.05, cols + 0.05)
    ax.set_ylim(rows + 0.05, -0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)


fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), width_ratios=[2, 1, 1], layout="constrained")
draw_grid(axes[0], x, tr("输入 4×4，2×2 的窗口", "input 4x4, 2x2 windows"), window=2)
draw_grid(axes[1], y_max[0, 0], "MaxPool2d(2)")
draw_grid(axes[2], y_avg[0, 0], "AvgPool2d(2)")
fig.suptitle(tr("kernel_size=2 的池化（步幅默认也是 2）：每个窗口得到一个数",
                "Pooling with kernel_size=2 (stride defaults to 2): one number per window"))
plt.show()

# %% [markdown] lang="zh"
# 照片上改用 8×8 的窗口（在这么大的图上，2×2 池化前后几乎看不出差别）。最大池化留下每个窗口
# 里最亮的点，平均池化则把整个窗口抹成一个平均的颜色。

# %% [markdown] lang="en"
# On the photo, with 8×8 windows (2×2 barely shows on an image this large): max pooling keeps
# the bright spots, average pooling smooths each window out.

# %%
photo = load_photo()  # (3, H, W) in [0, 1]
x = photo.unsqueeze(0).to(device)  # (1, 3, 600, 512)
with torch.no_grad():
    y_max2, y_avg2 = MaxAndAvgPool(kernel_size=2).to(device)(x)  # the notes' setting
    y_max8, y_avg8 = MaxAndAvgPool(kernel_size=8).to(device)(x)
print("photo       :", tuple(x.shape))
print("kernel 2    :", tuple(y_max2.shape), tuple(y_avg2.shape))
print("kernel 8    :", tuple(y_max8.shape), tuple(y_avg8.shape))

fig, axes = plt.subplots(1, 3, figsize=(12, 5), layout="constrained")
for ax, img, title in [
    (axes[0], photo, tr(f"原图 {tuple(photo.shape)}", f"original {tuple(photo.shape)}")),
    (axes[1], y_max8[0].cpu(), f"MaxPool2d(8) {tuple(y_max8.shape[1:])}"),
    (axes[2], y_avg8[0].cpu(), f"AvgPool2d(8) {tuple(y_avg8.shape[1:])}"),
]:
    ax.imshow(img.permute(1, 2, 0))  # pooling keeps values in [0, 1]: no rescaling needed
    ax.set_title(title)
    ax.axis("off")
fig.suptitle(tr("照片：原图、最大池化、平均池化（8×8 窗口）",
                "Photo: original, max-pooled, average-pooled (8x8 windows)"))
plt.show()

with SummaryWriter(output_dir("ch3/pooling")) as writer:
    writer.add_image("Image", photo)
    writer.add_image("MaxPool2d(2)", y_max2[0].cpu())
    writer.add_image("AvgPool2d(2)", y_avg2[0].cpu())

# %% [markdown] lang="zh"
# 以分贝为单位的语谱图可以当作单通道图像来池化：用 4×4 的窗口，频率和时间两个方向都缩小为
# 原来的四分之一。

# %% [markdown] lang="en"
# A spectrogram (in dB) pools like a one-channel image: 4 times smaller along both
# frequency and time.

# %%
wave, sr = load_speech()
n_fft, hop_length = 512, 128
spec = to_db(spectrogram(wave.to(device), n_fft=n_fft, hop_length=hop_length))  # (1, F, frames)
with torch.no_grad():
    spec_max, spec_avg = MaxAndAvgPool(kernel_size=4)(spec.unsqueeze(0))  # (1, 1, F/4, frames/4)
print("spectrogram :", tuple(spec.shape))
print("pooled (4x4):", tuple(spec_max.shape[1:]), tuple(spec_avg.shape[1:]))

seconds, khz = wave.shape[-1] / sr, sr / 2 / 1000
fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True, layout="constrained")
for ax, s, title in [
    (axes[0], spec[0], tr(f"语谱图 {tuple(spec.shape[1:])}",
                          f"spectrogram {tuple(spec.shape[1:])}")),
    (axes[1], spec_max[0, 0], f"MaxPool2d(4) {tuple(spec_max.shape[2:])}"),
    (axes[2], spec_avg[0, 0], f"AvgPool2d(4) {tuple(spec_avg.shape[2:])}"),
]:
    im = ax.imshow(s.cpu(), origin="lower", aspect="auto", extent=[0, seconds, 0, khz],
                   vmin=spec.min().item(), vmax=spec.max().item(), cmap="magma")
    ax.set_title(title)
    ax.set_xlabel(tr("时间（s）", "time (s)"))
axes[0].set_ylabel(tr("频率（kHz）", "frequency (kHz)"))
fig.colorbar(im, ax=axes, label="dB")
fig.suptitle(tr("对语音“Audio signal processing and deep learning.”的语谱图做池化",
                'Speech "Audio signal processing and deep learning.": pooling a spectrogram'))
plt.show()
