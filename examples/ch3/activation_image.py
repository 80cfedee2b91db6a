# %% [markdown]
# # 把激活函数用在照片上 / Activation functions applied to a photo
#
# 笔记的实验：把 sigmoid 直接作用在一张照片上，看输出变成什么样，并衡量输入与输出差多少。
# 这里把 ReLU 和 tanh 也一起做了，差异用平均绝对差来衡量。
#
# The notes' experiment: apply the sigmoid to a photo, look at the output and measure how far
# it is from the input. ReLU and tanh are done too, and the difference is measured as the
# mean absolute difference.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from audiodl import pick_device, seed_everything
from audiodl.activations import mean_abs_difference
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
images = {"input x": x, **{f"{name}(x)": out for name, out in outputs.items()}}
for ax, (title, img) in zip(axes, images.items(), strict=True):
    # Same scale for every panel: 0 is black, 1 is white (imshow clips RGB floats to [0, 1]).
    ax.imshow(img[0].permute(1, 2, 0).cpu().clamp(0, 1))
    ax.set_title(title)
    ax.set_xlabel(f"values in [{img.min():.2f}, {img.max():.2f}]")
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("The photo through ReLU, tanh and sigmoid, all shown on the 0-1 scale")
plt.show()

# %%
pixels = torch.linspace(0, 1, 101)
fig, (ax_c, ax_h) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
ax_c.plot(pixels, torch.sigmoid(pixels), label="sigmoid(x)")
ax_c.plot(pixels, torch.tanh(pixels), label="tanh(x)")
ax_c.plot(pixels, pixels, "--", color="gray", label="x (ReLU(x) = x here)")
ax_c.plot([p], [p], "o", color="C0")
ax_c.annotate(f"sigmoid(x) = x at x = {p.item():.3f}", (p, p), xytext=(0.35, 0.85),
              arrowprops={"arrowstyle": "->"})
ax_c.set_xlabel("input pixel value x")
ax_c.set_ylabel("output pixel value")
ax_c.set_title("Activations on [0, 1]")
ax_c.grid(alpha=0.3)
ax_c.legend(loc="lower right")
bins = torch.linspace(0, 1, 101)
ax_h.hist(x.flatten().cpu(), bins=bins, alpha=0.6, label="input x")
ax_h.hist(outputs["Sigmoid"].flatten().cpu(), bins=bins, alpha=0.6, label="sigmoid(x)")
ax_h.set_xlabel("pixel value")
ax_h.set_ylabel("number of pixel values")
ax_h.set_title("Sigmoid squeezes [0, 1] into [0.5, 0.731]")
ax_h.legend()
fig.suptitle("Why the sigmoid output looks grey and flat")
plt.show()
