# %% [markdown] lang="zh"
# # 激活函数及其导数
#
# 画出 ReLU、tanh 和 sigmoid 三个激活函数的曲线。它们的导数交给 autograd 自动求出，再和手推的
# 导数公式逐点比较，两者应当一致。

# %% [markdown] lang="en"
# # Activation functions and their derivatives
#
# ReLU, tanh and sigmoid, with their derivatives computed by autograd and checked point by
# point against the closed forms.

# %%
import matplotlib.pyplot as plt
import torch

from audiodl import pick_device, seed_everything
from audiodl.activations import ACTIVATIONS, autograd_derivative, closed_form_derivative
from audiodl.figure_language import tr

device = pick_device()
seed_everything()

z = torch.linspace(-5, 5, 401, device=device)
print("z:", tuple(z.shape), "on", z.device.type)
curves, slopes, formulas = {}, {}, {}
for name, fn in ACTIVATIONS.items():
    slope = autograd_derivative(fn, z)
    formula = closed_form_derivative(name, z)
    error = (slope - formula).abs().max().item()
    print(f"{name:8s} max |autograd - formula| = {error:.1e}   peak slope = {slope.max():.4f}")
    curves[name], slopes[name], formulas[name] = fn(z).cpu(), slope.cpu(), formula.cpu()

# %%
z = z.cpu()
fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for i, name in enumerate(ACTIVATIONS):
    ax_f.plot(z, curves[name], color=f"C{i}", label=name)
    ax_d.plot(z, slopes[name], color=f"C{i}",
              label=tr(f"{name}'（autograd）", f"{name}' (autograd)"))
    ax_d.plot(z[::25], formulas[name][::25], "o", color=f"C{i}", markersize=4,
              label=tr(f"{name}'（公式）", f"{name}' (formula)"))
ax_f.set_ylim(-1.2, 2.2)
ax_f.set_title(tr("激活函数 f(z)", "f(z)"))
ax_d.set_ylim(-0.1, 1.15)
ax_d.set_title(tr("导数 f'(z)", "f'(z)"))
ax_d.annotate("sigmoid'(0) = 0.25", (0, 0.25), xytext=(1.2, 0.45),
              arrowprops={"arrowstyle": "->"})
for ax in (ax_f, ax_d):
    ax.axhline(0, color="gray", linewidth=0.6)
    ax.axvline(0, color="gray", linewidth=0.6)
    ax.set_xlabel("z")
    ax.grid(alpha=0.3)
ax_f.legend(loc="upper left")
ax_d.legend(loc="upper left", fontsize=8)
fig.suptitle(tr("ReLU、tanh 和 sigmoid（左）及其导数（右）",
                "ReLU, tanh and sigmoid (left) and their derivatives (right)"))
plt.show()
