# %% [markdown] lang="zh"
# # 梯度检验：有限差分的增量 $h$ 取多大
#
# 用手写的反向传播求出浅层网络（3 → 4 → 3，sigmoid，均方误差损失）全部 31 个参数的梯度，再用有限
# 差分逐个近似，看两者相差多少。增量 $h$ 从 $10^{-1}$ 取到 $10^{-13}$：$h$ 太大，差分公式本身的
# 截断误差大；$h$ 太小，两个几乎相等的数相减，浮点数的舍入误差被放大。中心差分的截断误差是
# $O(h^2)$，比前向差分的 $O(h)$ 小得多。全部用 numpy 的 float64 计算。

# %% [markdown] lang="en"
# # Gradient checking: how large a step for finite differences
#
# Backpropagation written by hand gives the gradient of all 31 parameters of the shallow
# network (3 → 4 → 3, sigmoid, squared-error loss); finite differences approximate each one,
# and we look at how far apart they are. The step $h$ goes from $10^{-1}$ down to
# $10^{-13}$: with a large $h$ the difference formula's truncation error dominates, with a
# tiny one the rounding error of subtracting two nearly equal numbers. The central
# difference's truncation error is $O(h^2)$, much smaller than the forward difference's
# $O(h)$. Everything in numpy float64.

# %%
import matplotlib.pyplot as plt
import numpy as np

from audiodl import seed_everything
from audiodl.figure_language import tr

seed_everything()  # numpy only: nothing here runs on a GPU


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loss_and_grads(params, x, y):
    """Squared-error loss of the shallow network and its gradients, by the chain rule.
    Weights are one row per neuron, (out, in), as in nn.Linear."""
    w1, b1, w2, b2 = params
    h = sigmoid(x @ w1.T + b1)  # (B, 4)
    y_hat = sigmoid(h @ w2.T + b2)  # (B, 3)
    loss = np.mean((y_hat - y) ** 2)
    d_z2 = 2 * (y_hat - y) / y.size * y_hat * (1 - y_hat)
    d_z1 = (d_z2 @ w2) * h * (1 - h)
    return loss, [d_z1.T @ x, d_z1.sum(0), d_z2.T @ h, d_z2.sum(0)]


# The notes' shallow network (weights written one row per neuron) and one training pair.
w1 = np.array([[0.1, 0.2, 0.1], [0.2, 0.3, 0.2], [0.3, 0.4, 0.4], [0.4, 0.5, 0.3]])
w2 = np.array([[0.3, 0.2, 0.5, 0.1], [0.2, 0.1, 0.6, 0.2], [0.1, 0.3, 0.7, 0.3]])
params = [w1, np.full(4, 0.01), w2, np.full(3, 0.02)]
x, y = np.array([[1.0, 2.0, 3.0]]), np.array([[0.0, 1.0, 0.0]])
loss, grads = loss_and_grads(params, x, y)
exact = np.concatenate([g.ravel() for g in grads])
print(f"loss {loss:.6f}, {exact.size} gradients, largest |dL/dw| = {np.abs(exact).max():.4f}")


# %%
def finite_difference(h, central):
    """Every parameter nudged by h in turn: (L(w + h) - L(w - h)) / 2h, or (L(w + h) - L(w)) / h."""
    approx = []
    for p in params:
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = loss_and_grads(params, x, y)[0]
            p[i] = old - h if central else old
            down = loss_and_grads(params, x, y)[0]
            p[i] = old
            approx.append((up - down) / (2 * h if central else h))
    return np.array(approx)


steps = np.logspace(-1, -13, 49)
errors = {central: [np.abs(finite_difference(h, central) - exact).max() for h in steps]
          for central in (False, True)}
for central, name in ((False, "forward"), (True, "central")):
    best = int(np.argmin(errors[central]))
    print(f"{name:8s} difference: smallest error {errors[central][best]:.1e} at h = "
          f"{steps[best]:.0e}; at h = 1e-6: {errors[central][np.argmin(abs(steps - 1e-6))]:.1e}")
ratio = min(errors[False]) / min(errors[True])
# Rounding sets both smallest errors, so their last digits vary with the CPU: two digits.
print(f"the forward difference's best error is {float(f'{ratio:.2g}'):g}× the central one's")

# %%
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.loglog(steps, errors[False], "o-", ms=3,
          label=tr("前向差分 (L(w+h) − L(w)) / h", "forward difference (L(w+h) − L(w)) / h"))
ax.loglog(steps, errors[True], "s-", ms=3,
          label=tr("中心差分 (L(w+h) − L(w−h)) / 2h", "central difference (L(w+h) − L(w−h)) / 2h"))
ax.set_xlabel(tr("增量 h", "step h"))
ax.set_ylabel(tr("与反向传播的最大差 |Δ|", "largest difference from backpropagation"))
ax.invert_xaxis()
ax.grid(alpha=0.3, which="both")
ax.annotate(tr("截断误差", "truncation error"), (3e-2, 2e-4))
ax.annotate(tr("舍入误差", "rounding error"), (1e-11, 1e-4))
ax.legend(loc="lower right")
ax.set_title(tr("有限差分的误差随增量 h 的变化（float64）",
                "Error of finite differences against the step h (float64)"))
plt.show()
