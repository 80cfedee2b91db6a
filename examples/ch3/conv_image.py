# %% [markdown] lang="zh"
# # 在照片上做卷积
#
# 先把一个卷积层（3 个输入通道、3 个输出通道，卷积核大小 2，步幅 1，填充 1）作用在一张照片上；
# 再换上手工设定的卷积核，让同一个运算做模糊、锐化和边缘检测；最后把模型的计算图写进 TensorBoard。

# %% [markdown] lang="en"
# # A convolution on a photo
#
# A convolutional layer (3 input channels, 3 output channels, kernel 2, stride 1,
# padding 1) applied to a photo; then hand-set kernels that blur, sharpen and find edges;
# finally the model's graph written to TensorBoard.

# %%
import warnings

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.tensorboard import SummaryWriter

from audiodl import output_dir, pick_device, seed_everything
from audiodl.figure_language import tr
from audiodl.images import load_photo

device = pick_device()
seed_everything()


class SingleConv(nn.Module):
    """A model with one layer: the notes' Conv2d."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(in_channels=3, out_channels=3, kernel_size=2, stride=1, padding=1)

    def forward(self, x):
        return self.conv(x)


photo = load_photo()  # (3, H, W) in [0, 1]
x = photo.unsqueeze(0).to(device)  # add a batch axis: (B, C, H, W) = (1, 3, 600, 512)
model = SingleConv().to(device)
with torch.no_grad():
    y = model(x)  # calling the model runs forward(x)
print("input :", tuple(x.shape))
print("output:", tuple(y.shape))
print(f"output values from {y.min().item():.3f} to {y.max().item():.3f}")

# %% [markdown] lang="zh"
# 权重是随机初始化的，卷积的输出并不落在 [0, 1] 之内，所以显示之前先把每个输出通道各自线性缩放到
# [0, 1]。

# %% [markdown] lang="en"
# The output of a randomly initialised convolution is not in [0, 1], so each output channel
# is scaled linearly to [0, 1] on its own before it is shown.

# %%


def scale_per_channel(t):
    """Min-max scale each channel of a (C, H, W) tensor to [0, 1], for display only."""
    lo = t.amin(dim=(1, 2), keepdim=True)
    hi = t.amax(dim=(1, 2), keepdim=True)
    return (t - lo) / (hi - lo)


out = scale_per_channel(y[0].cpu())
fig, axes = plt.subplots(2, 4, figsize=(12, 7.2), layout="constrained")
axes[0, 0].imshow(photo.permute(1, 2, 0))
axes[0, 0].set_title(tr(f"输入 {tuple(photo.shape)}", f"input {tuple(photo.shape)}"))
axes[1, 0].imshow(out.permute(1, 2, 0))
axes[1, 0].set_title(tr(f"输出 {tuple(out.shape)}，当作 RGB 显示",
                        f"output {tuple(out.shape)} as RGB"))
for c in range(3):
    axes[0, c + 1].imshow(photo[c], cmap="gray", vmin=0, vmax=1)
    axes[0, c + 1].set_title(tr(f"输入通道 {c}（{'RGB'[c]}）", f"input channel {c} ({'RGB'[c]})"))
    axes[1, c + 1].imshow(out[c], cmap="gray", vmin=0, vmax=1)
    axes[1, c + 1].set_title(tr(f"输出通道 {c}", f"output channel {c}"))
for ax in axes.flat:
    ax.axis("off")
fig.suptitle(tr("Conv2d(3, 3, kernel_size=2, stride=1, padding=1)，权重随机\n"
                "（显示时每个输出通道各自线性缩放到 [0, 1]）",
                "Conv2d(3, 3, kernel_size=2, stride=1, padding=1) with random weights\n"
                "(each output channel min-max scaled to [0, 1] for display)"))
plt.show()

# %% [markdown] lang="zh"
# 卷积核不再随机、而是按需要设定时，同一个运算就能模糊图像、锐化图像或找出边缘。下面在灰度图上
# 演示，只有一个输入通道和一个输出通道。

# %% [markdown] lang="en"
# With chosen instead of random weights, the same operation blurs, sharpens or finds edges
# (on the grey-level photo: one input channel, one output channel).

# %%
gray = photo.mean(dim=0, keepdim=True).unsqueeze(0).to(device)  # (1, 1, H, W)
kernels = {
    "box blur 9x9": torch.full((9, 9), 1 / 81),
    "sharpen 3x3": torch.tensor([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "vertical edges (Sobel x)": torch.tensor(
        [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
}
names_zh = {"box blur 9x9": "9×9 均值模糊", "sharpen 3x3": "3×3 锐化",
            "vertical edges (Sobel x)": "竖直边缘（Sobel x）"}
fig, axes = plt.subplots(1, 4, figsize=(13, 4.4), layout="constrained")
axes[0].imshow(gray[0, 0].cpu(), cmap="gray", vmin=0, vmax=1)
axes[0].set_title(tr("灰度输入", "grey-level input"))
for ax, (name, kernel) in zip(axes[1:], kernels.items(), strict=True):
    weight = kernel.to(device)[None, None]  # (out_channels, in_channels, kH, kW)
    with torch.no_grad():
        filtered = F.conv2d(gray, weight, padding=kernel.shape[-1] // 2)[0, 0].cpu()
    if name.startswith("vertical"):
        edges = filtered.abs()  # edge strength, either sign; the brightest 1% saturate
        ax.imshow(edges, cmap="gray", vmin=0, vmax=edges.quantile(0.99).item())
    else:
        ax.imshow(filtered.clamp(0, 1), cmap="gray", vmin=0, vmax=1)
    ax.set_title(tr(names_zh[name], name))
    print(f"{name}: output {tuple(filtered.shape)}")
for ax in axes:
    ax.axis("off")
fig.suptitle(tr("同一个卷积运算，换上手工设定的卷积核",
                "The same convolution with hand-set kernels"))
plt.show()

# %% [markdown] lang="zh"
# 最后把模型的计算图写进 TensorBoard，之后可以用 `tensorboard --logdir <输出文件夹>` 打开查看。

# %% [markdown] lang="en"
# The model's graph goes to TensorBoard; view it with `tensorboard --logdir <output folder>`.

# %%
log_dir = output_dir("ch3/conv_image")
with warnings.catch_warnings():
    # add_graph traces the model with torch.jit.trace, which recent torch marks deprecated
    warnings.simplefilter("ignore", FutureWarning)
    with SummaryWriter(log_dir) as writer:
        writer.add_graph(model, x)
print("TensorBoard graph written:", any(log_dir.glob("events.out.tfevents.*")))
