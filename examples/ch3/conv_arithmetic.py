# %% [markdown] lang="zh"
# # 卷积的算术
#
# 卷积核在输入上滑动时会落在哪些位置，由填充、步幅和扩张三个参数决定；而权值共享让卷积层的
# 权重比线性层少得多。下面两张图都只用 numpy 和 matplotlib 画出。

# %% [markdown] lang="en"
# # Convolution arithmetic
#
# Padding, stride and dilation decide where a kernel lands as it slides over an input; weight
# sharing gives a convolutional layer far fewer weights than a fully connected one. Drawn
# with numpy and matplotlib only.

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from audiodl.figure_language import tr


def window_starts(n, kernel_size, stride, padding, dilation):
    """Left edges (in padded coordinates) of every position of the kernel along one axis.
    Their count is the output size: floor((n + 2p - d(k - 1) - 1) / s) + 1."""
    span = dilation * (kernel_size - 1) + 1
    return list(range(0, n + 2 * padding - span + 1, stride))


def draw_input(ax, n, kernel_size, stride, padding, dilation):
    size = n + 2 * padding
    for r in range(size):
        for c in range(size):
            pad = not (padding <= r < padding + n and padding <= c < padding + n)
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor="0.85" if pad else "white",
                                   edgecolor="0.6", lw=0.8))
            if pad:
                ax.text(c + 0.5, r + 0.5, "0", ha="center", va="center", fontsize=7,
                        color="0.45")
    starts = window_starts(n, kernel_size, stride, padding, dilation)
    taps = [dilation * i for i in range(kernel_size)]
    # The first position of the kernel: its taps filled in blue.
    for dr in taps:
        for dc in taps:
            ax.add_patch(Rectangle((dc, dr), 1, 1, facecolor="C0", alpha=0.55))
    # The next position along the width, one stride to the right: taps outlined in red.
    if len(starts) > 1:
        for dr in taps:
            for dc in taps:
                ax.add_patch(Rectangle((starts[1] + dc + 0.08, dr + 0.08), 0.84, 0.84,
                                       fill=False, edgecolor="C3", lw=1.8))
    out = len(starts)
    params = f"k={kernel_size}, s={stride}, p={padding}, d={dilation}"
    ax.set_title(tr(f"{params}\n{n}×{n} 的输入 → {out}×{out} 的输出",
                    f"{params}\n{n}x{n} input -> {out}x{out} output"), fontsize=10)
    ax.set_xlim(-0.1, size + 0.1)
    ax.set_ylim(size + 0.1, -0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return out


settings = [  # (kernel_size, stride, padding, dilation) on a 6 x 6 input
    (3, 1, 0, 1),
    (3, 1, 1, 1),
    (3, 2, 1, 1),
    (3, 1, 0, 2),
]
fig, axes = plt.subplots(1, 4, figsize=(12, 3.9), layout="constrained")
for ax, (k, s, p, d) in zip(axes, settings, strict=True):
    out = draw_input(ax, 6, k, s, p, d)
    print(f"kernel {k}, stride {s}, padding {p}, dilation {d}: 6 -> {out}")
fig.suptitle(tr("3×3 卷积核在 6×6 输入上滑动：第一个位置（蓝）、下一个位置（红）、零填充（灰）",
                "A 3x3 kernel on a 6x6 input: first position (blue), next position (red), "
                "zero padding (grey)"))
plt.show()

# %% [markdown] lang="zh"
# 线性层里，每条连线都是一个单独的权重。卷积层则不同：每个输出只和相邻的 k 个输入
# 相连，而且所有输出共用同一组 k 个权重，图中颜色相同的线就是同一个权重。

# %% [markdown] lang="en"
# In a fully connected layer every line is a weight of its own; in a convolutional layer each
# output is wired to k neighbouring inputs only, and all outputs share the same k weights
# (lines of one colour are one weight).

# %%
n_in, k = 8, 3
n_out = n_in - k + 1
y_in, y_out = np.arange(n_in), np.arange(n_out) + (k - 1) / 2

fig, (ax_fc, ax_conv) = plt.subplots(1, 2, figsize=(10, 4), sharey=True, layout="constrained")
for i in range(n_in):
    for j in range(n_out):
        ax_fc.plot([0, 1], [y_in[i], y_out[j]], color="0.5", lw=0.7)
for j in range(n_out):
    for t in range(k):
        ax_conv.plot([0, 1], [y_in[j + t], y_out[j]], color=f"C{t}", lw=2,
                     label=tr(f"权重 w{t + 1}", f"weight w{t + 1}") if j == 0 else None)
fig.legend(loc="outside lower center", ncol=k, fontsize=9)
ax_fc.invert_yaxis()  # input 0 at the top (the axes share y, so once is enough)
for ax, title in [
    (ax_fc, tr(f"线性层（全连接）：{n_in} × {n_out} = {n_in * n_out} 个权重",
               f"Fully connected: {n_in} x {n_out} = {n_in * n_out} weights")),
    (ax_conv, tr(f"卷积，卷积核大小 {k}：{k} 个共享的权重",
                 f"Convolution, kernel size {k}: {k} shared weights")),
]:
    ax.scatter(np.zeros(n_in), y_in, s=120, color="white", edgecolor="k", zorder=3)
    ax.scatter(np.ones(n_out), y_out, s=120, color="k", zorder=3)
    ax.set_xticks([0, 1], [tr(f"{n_in} 个输入", f"{n_in} inputs"),
                           tr(f"{n_out} 个输出", f"{n_out} outputs")])
    ax.set_yticks([])
    ax.set_title(title)
    for side in ["top", "right", "left"]:
        ax.spines[side].set_visible(False)
print(f"fully connected: {n_in * n_out} weights; convolution: {k} weights; "
      f"both give {n_out} outputs")
fig.suptitle(tr("输出神经元一样多，权重却少得多",
                "Same number of output neurons, far fewer weights"))
plt.show()
