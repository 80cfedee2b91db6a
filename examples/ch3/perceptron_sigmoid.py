# %% [markdown] lang="zh"
# # 感知机的 sigmoid 输出
#
# 笔记里那个有三个输入的感知机，加权和 $z = 1.52$，经过 sigmoid 后约为 0.8205。下图把这个
# 输出标在 sigmoid 曲线上，并画出 Rosenblatt 感知机原本使用的阶跃函数作对比。

# %% [markdown] lang="en"
# # The perceptron's sigmoid output
#
# The notes' three-input perceptron: its weighted sum $z = 1.52$ through the sigmoid gives
# about 0.8205, marked on the sigmoid curve.

# %%
import matplotlib.pyplot as plt
import numpy as np

from audiodl import Perceptron
from audiodl.figure_language import tr

unit = Perceptron([0.1, 0.4, 0.2], bias=0.02)
x = [1, 2, 3]
z = unit.weighted_sum(x)
y_hat = unit(x)
print(f"z = {z:.4f}, sigmoid(z) = {y_hat:.4f}")

# %%
zs = np.linspace(-6, 6, 241)
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(zs, 1 / (1 + np.exp(-zs)), label=r"$\sigma(z) = 1 / (1 + e^{-z})$")
ax.step(zs, (zs > 0).astype(float), where="post", linestyle="--", alpha=0.6,
        label=tr("阶跃函数（Rosenblatt）", "step function (Rosenblatt)"))
ax.scatter([z], [y_hat], color="C3", zorder=3)
ax.annotate(tr(f"感知机的输出\nz = {z:.2f}, y = {y_hat:.4f}",
               f"perceptron output\nz = {z:.2f}, y = {y_hat:.4f}"), (z, y_hat),
            xytext=(1.8, 0.45), arrowprops={"arrowstyle": "->"})
ax.set_xlabel(tr("加权和 z", "weighted sum z"))
ax.set_ylabel(tr("输出", "output"))
ax.set_title(tr("sigmoid 曲线，标出感知机的输出",
                "Sigmoid curve with the perceptron's output marked"))
ax.grid(alpha=0.3)
ax.legend(loc="upper left")
plt.show()
