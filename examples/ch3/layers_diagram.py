# %% [markdown] lang="zh"
# # 输入层、隐藏层、输出层
#
# 把本章用 numpy 实现的两个网络画出来：一个是浅层网络，3 个输入、4 个隐藏单元、3 个输出；
# 另一个是深层网络，3 个输入，三个隐藏层分别有 3、2、3 个单元，1 个输出。图中每个圆代表一个
# 神经元，每条线代表一个权重；相邻两层上方标注的“W”是这两层之间权重矩阵的形状：每个
# 神经元占一行，即（后一层单元数 × 前一层单元数），和 `nn.Linear.weight` 一样。

# %% [markdown] lang="en"
# # Input, hidden and output layers
#
# The two networks this chapter builds with numpy, drawn: the shallow one (3 inputs, 4 hidden
# units, 3 outputs) and the deep one (3 inputs, hidden layers of 3, 2 and 3 units, 1 output).
# Each circle is a neuron, each line a weight; the "W" between two layers gives the shape of
# their weight matrix, one row per neuron: (units after x units before), as `nn.Linear.weight`.

# %%
from itertools import pairwise

import matplotlib.pyplot as plt

from audiodl.figure_language import tr


def draw_network(ax, sizes, names, dx=1.6):
    """Neurons as circles in columns dx apart, one column a layer, neighbours all joined."""
    colors = ["#a5d8ff"] + ["#b2f2bb"] * (len(sizes) - 2) + ["#ffc9c9"]
    ys = [[(n - 1) / 2 - i for i in range(n)] for n in sizes]
    for layer, (n_in, n_out) in enumerate(pairwise(sizes)):
        for y0 in ys[layer]:
            for y1 in ys[layer + 1]:
                ax.plot([layer * dx, (layer + 1) * dx], [y0, y1], color="0.6", lw=0.8, zorder=1)
        ax.text((layer + 0.5) * dx, max(sizes) / 2 + 0.05, f"W: {n_out}x{n_in}", ha="center",
                fontsize=8, color="0.3")
    for layer, column in enumerate(ys):
        for y in column:
            ax.add_patch(plt.Circle((layer * dx, y), 0.2, fc=colors[layer], ec="k", zorder=2))
        ax.text(layer * dx, -max(sizes) / 2 - 0.1, names[layer], ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.6 * dx, (len(sizes) - 0.4) * dx)
    ax.set_ylim(-max(sizes) / 2 - 0.8, max(sizes) / 2 + 0.4)
    ax.set_aspect("equal")
    ax.axis("off")


shallow = [3, 4, 3]
deep = [3, 3, 2, 3, 1]
n_weights = sum(a * b for a, b in pairwise(shallow))
print("shallow net layer sizes:", shallow, "weights:", n_weights)
print("deep net layer sizes:", deep, "weights:", sum(a * b for a, b in pairwise(deep)))

# %%
fig, ax = plt.subplots(figsize=(5.5, 4))
draw_network(ax, shallow, [tr("输入层", "input layer"), tr("隐藏层", "hidden layer"),
                           tr("输出层", "output layer")])
ax.set_title(tr("浅层网络：一个隐藏层（3-4-3）", "A shallow network: one hidden layer (3-4-3)"))
plt.show()

# %%
fig, ax = plt.subplots(figsize=(8, 3.6))
draw_network(ax, deep, [tr("输入层", "input layer"),
                        *[tr(f"隐藏层 {i}", f"hidden layer {i}") for i in (1, 2, 3)],
                        tr("输出层", "output layer")])
ax.set_title(tr("深层网络：三个隐藏层（3-3-2-3-1）",
                "A deep network: three hidden layers (3-3-2-3-1)"))
plt.show()
