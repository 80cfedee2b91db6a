# %% [markdown] lang="zh"
# # 分类与回归
#
# 先看分类。平面上有三个类别的样本点，每个点是一个样本，点的颜色就是它的标签；背景的颜色
# 表示一个最近类中心分类器对平面上每一点给出的预测。再看回归：曲线是拟合出的函数，散落的点
# 是实际值，曲线上与之对应的点是预测值。

# %% [markdown] lang="en"
# # Classification and regression
#
# Classification: sample points of three classes, one point a sample, its colour its label;
# the background is what a nearest-centroid classifier predicts at every point of the plane.
# Regression: a fitted function; the scattered points are the actual values, the points on
# the function the predicted values.

# %%
import matplotlib.pyplot as plt
import numpy as np

from audiodl.figure_language import tr

rng = np.random.default_rng(0)

# Three classes, 40 samples each, around three centres in a 2-D feature space.
centres = np.array([[-2.0, -1.0], [2.0, -1.5], [0.0, 2.0]])
x = np.concatenate([c + rng.normal(scale=0.9, size=(40, 2)) for c in centres])
y = np.repeat([0, 1, 2], 40)
print("classification: x", x.shape, "labels", np.unique(y))

# %% [markdown] lang="zh"
# 最简单的分类器之一是最近类中心分类器：先求出每个类别样本的平均位置（类中心），新样本离哪个
# 类中心最近，就归为哪一类。

# %% [markdown] lang="en"
# One of the simplest classifiers: a sample belongs to the class whose centre is nearest.

# %%
means = np.stack([x[y == k].mean(axis=0) for k in range(3)])


def classify(points):
    distances = ((points[:, None, :] - means[None, :, :]) ** 2).sum(axis=-1)
    return distances.argmin(axis=1)


print(f"training accuracy: {(classify(x) == y).mean():.3f}")

grid_x, grid_y = np.meshgrid(np.linspace(-5, 5, 300), np.linspace(-4.5, 5, 300))
regions = classify(np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)

colors = ["C0", "C1", "C2"]
fig, ax = plt.subplots(figsize=(5.5, 4.6))
ax.contourf(grid_x, grid_y, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=colors, alpha=0.15)
for k in range(3):
    ax.scatter(*x[y == k].T, s=22, color=colors[k], edgecolor="k", lw=0.4,
               label=tr(f"类别 {k}", f"class {k}"))
ax.set_xlabel(tr("特征 1", "feature 1"))
ax.set_ylabel(tr("特征 2", "feature 2"))
ax.legend(loc="lower left")
ax.set_title(tr("分类：三个类别，每个点是一个样本",
                "Classification: three classes, each point a sample"))
plt.show()

# %% [markdown] lang="zh"
# 回归的输出是一个连续的数值，而不是类别。这里用最小二乘法拟合一个三次多项式。

# %% [markdown] lang="en"
# Regression: the output is a continuous number. Here a cubic polynomial is fitted by least
# squares.

# %%
x_reg = np.sort(rng.uniform(-3, 3, size=25))
y_reg = 0.3 * x_reg**3 - x_reg + rng.normal(scale=1.0, size=x_reg.size)
coefs = np.polyfit(x_reg, y_reg, deg=3)
y_hat = np.polyval(coefs, x_reg)
print("fitted coefficients (x^3, x^2, x, 1):", np.round(coefs, 2))
print(f"mean squared error: {np.mean((y_hat - y_reg) ** 2):.3f}")

xs = np.linspace(-3.2, 3.2, 200)
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(xs, np.polyval(coefs, xs), color="C3",
        label=tr("拟合出的函数（即学到的映射）", "fitted function (the mapping)"))
ax.vlines(x_reg, y_reg, y_hat, color="0.6", lw=0.8)
ax.scatter(x_reg, y_reg, s=22, color="C0", zorder=3, label=tr("实际值", "actual value"))
ax.scatter(x_reg, y_hat, s=22, marker="x", color="C3", zorder=3,
           label=tr("预测值", "predicted value"))
ax.set_xlabel(tr("输入 x", "input x"))
ax.set_ylabel(tr("输出 y", "output y"))
ax.legend()
ax.set_title(tr("回归：实际值与拟合函数的预测值",
                "Regression: actual values and the fitted function's predictions"))
plt.show()
