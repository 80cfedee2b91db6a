# %% [markdown] lang="zh"
# # 把激活函数用在照片上
#
# 把一张照片直接送进 sigmoid，看看输出变成什么样子，再衡量输入和输出相差多少；ReLU 和 tanh
# 也一并试一试。差异用平均绝对误差（MAE）衡量。打印出的 `sum(x - out)` 是课程笔记用的度量，
# 即所有差值的代数和，正负会相互抵消，这里只作对照。

# %% [markdown] lang="en"
# # Activation functions applied to a photo
#
# The notes' experiment: apply the sigmoid to a photo, look at the output and measure how far
# it is from the input. ReLU and tanh are done too, and the difference is measured as the
# mean absolute error (MAE); the notes' `sum(x - out)` is printed beside it for comparison
# only, since its positive and negative terms cancel.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from audiodl import pick_device, seed_everything
from audiodl.activations import mean_abs_difference
from audiodl.figure_language import tr
from audiodl.images import load_photo

device = pick_device()
seed_everything()

x = load_photo().unsqueeze(0).to(device)  # (1, 3, H, W), pixel values in [0, 1]
print("input:", tuple(x.shape), f"range [{x.min():.4f}, {x.max():.4f}]")
layers = {"ReLU": nn.ReLU(), "Tanh": nn.Tanh(), "Sigmoid": nn.Sigmoid()}
outputs = {}
for name, layer in layers.items():
    out = layer(x)
    outputs[name] = out
    print(
        f"{name:8s} output range [{out.min():.4f}, {out.max():.4f}]"
        f"   notes' sum(x - out) = {(x - out).sum().item():9.4g}"
        f"   mean |x - out| = {mean_abs_difference(x, out):.4f}"
    )

# The pixel value that the sigmoid leaves unchanged: iterate p <- sigmoid(p).
p = torch.tensor(0.5)
for _ in range(50):
    p = torch.sigmoid(p)
print(f"sigmoid(p) = p at p = {p.item():.4f}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(12, 4.2), layout="constrained")
images = {tr("输入 x", "input x"): x, **{f"{name}(x)": out for name, out in outputs.items()}}
for ax, (title, img) in zip(axes, images.items(), strict=True):
    # Same scale for every panel: 0 is black, 1 is white (imshow clips RGB floats to [0, 1]).
    ax.imshow(img[0].permute(1, 2, 0).cpu().clamp(0, 1))
    ax.set_title(title)
    ax.set_xlabel(tr(f"取值范围 [{img.min():.2f}, {img.max():.2f}]",
                     f"values in [{img.min():.2f}, {img.max():.2f}]"))
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle(tr("照片分别经过 ReLU、tanh 和 sigmoid，全部按 0～1 的同一标尺显示",
                "The photo through ReLU, tanh and sigmoid, all shown on the 0-1 scale"))
plt.show()

# %%
pixels = torch.linspace(0, 1, 101)
fig, (ax_c, ax_h) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
ax_c.plot(pixels, torch.sigmoid(pixels), label="sigmoid(x)")
ax_c.plot(pixels, torch.tanh(pixels), label="tanh(x)")
ax_c.plot(pixels, pixels, "--", color="gray",
          label=tr("x（在这里 ReLU(x) = x）", "x (ReLU(x) = x here)"))
ax_c.plot([p], [p], "o", color="C0")
ax_c.annotate(tr(f"在 x = {p.item():.3f} 处 sigmoid(x) = x",
                 f"sigmoid(x) = x at x = {p.item():.3f}"), (p, p), xytext=(0.35, 0.85),
              arrowprops={"arrowstyle": "->"})
ax_c.set_xlabel(tr("输入像素值 x", "input pixel value x"))
ax_c.set_ylabel(tr("输出像素值", "output pixel value"))
ax_c.set_title(tr("激活函数在 [0, 1] 上的曲线", "Activations on [0, 1]"))
ax_c.grid(alpha=0.3)
ax_c.legend(loc="lower right")
bins = torch.linspace(0, 1, 101)
ax_h.hist(x.flatten().cpu(), bins=bins, alpha=0.6, label=tr("输入 x", "input x"))
ax_h.hist(outputs["Sigmoid"].flatten().cpu(), bins=bins, alpha=0.6, label="sigmoid(x)")
ax_h.set_xlabel(tr("像素值", "pixel value"))
ax_h.set_ylabel(tr("像素值个数", "number of pixel values"))
ax_h.set_title(tr("sigmoid 把 [0, 1] 压进 [0.5, 0.731]",
                  "Sigmoid squeezes [0, 1] into [0.5, 0.731]"))
ax_h.legend()
fig.suptitle(tr("为什么 sigmoid 的输出灰蒙蒙、缺少对比度",
                "Why the sigmoid output looks grey and flat"))
plt.show()
