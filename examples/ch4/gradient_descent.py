# %% [markdown] lang="zh"
# # 在二维损失曲面上做梯度下降
#
# 损失函数 $L(w_1, w_2) = (w_1^2 + 10\,w_2^2)/2$ 是一个狭长的碗：沿 $w_2$ 方向比沿 $w_1$ 方向陡
# 10 倍。从同一个起点出发，先用三个学习率手写梯度下降，画出轨迹、测量损失；再让 PyTorch 的
# SGD、带动量的 SGD 和 Adam 走同样多的步；最后画出两种学习率调度。

# %% [markdown] lang="en"
# # Gradient descent on a 2-D loss surface
#
# The loss $L(w_1, w_2) = (w_1^2 + 10\,w_2^2)/2$ is a long, narrow bowl: ten times steeper
# along $w_2$ than along $w_1$. From one starting point: gradient descent by hand with three
# learning rates, trajectories drawn and losses measured; then PyTorch's SGD, SGD with
# momentum and Adam for the same number of steps; last, two learning-rate schedules.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from audiodl import pick_device, seed_everything
from audiodl.figure_language import tr

device = pick_device()
torch.set_num_threads(1)  # tensors this small gain nothing from more CPU threads, only waiting
seed_everything()
START, STEPS = (-4.0, 1.5), 30


def loss_fn(w):
    return (w[0] ** 2 + 10 * w[1] ** 2) / 2


def descend(lr, steps=STEPS):
    """Gradient descent by hand: the gradient from autograd, the step written out."""
    w = torch.tensor(START, device=device, requires_grad=True)
    path, losses = [w.detach().cpu().tolist()], [loss_fn(w).item()]
    for _ in range(steps):
        loss = loss_fn(w)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad = None
        path.append(w.detach().cpu().tolist())
        losses.append(loss_fn(w).item())
    return np.array(path), np.array(losses)


rates = {0.02: ("太小", "too small"), 0.15: ("合适", "about right"), 0.21: ("太大", "too large")}
runs = {lr: descend(lr) for lr in rates}
for lr, (_, losses) in runs.items():
    print(f"lr {lr:<5} loss after {STEPS} steps: {losses[-1]:.3g}  (start {losses[0]:.3g})")


# %%
def contours(ax, lim=(-5, 5, -3, 3)):
    w1, w2 = np.meshgrid(np.linspace(*lim[:2], 201), np.linspace(*lim[2:], 201))
    ax.contour(w1, w2, (w1**2 + 10 * w2**2) / 2, levels=np.geomspace(0.05, 60, 12),
               colors="gray", linewidths=0.6)
    ax.plot(0, 0, "k+", ms=10)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_xlim(*lim[:2])
    ax.set_ylim(*lim[2:])


fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
contours(ax_path)
for i, (lr, (path, losses)) in enumerate(runs.items()):
    zh, en = rates[lr]
    label = tr(f"学习率 {lr}（{zh}）", f"lr = {lr} ({en})")
    ax_path.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1, color=f"C{i}", label=label)
    ax_loss.plot(losses, "o-", ms=3, color=f"C{i}", label=label)
ax_path.set_title(tr("轨迹", "Trajectories"))
ax_path.legend(loc="lower right")
ax_loss.set_yscale("log")
ax_loss.set_xlabel(tr("步数", "step"))
ax_loss.set_ylabel(tr("损失", "loss"))
ax_loss.set_title(tr("损失随步数的变化", "Loss per step"))
ax_loss.grid(alpha=0.3)
fig.suptitle(tr("学习率太小、合适、太大：同一起点的梯度下降",
                "Learning rate too small, about right, too large: gradient descent "
                "from one start"))
plt.show()

# %%
# The same bowl, the same start and the same number of steps for three of torch.optim's
# optimizers.
optimizers = {
    "SGD, lr 0.02": (tr("SGD，学习率 0.02", "SGD, lr 0.02"),
                     lambda p: torch.optim.SGD(p, lr=0.02)),
    "SGD + momentum 0.8, lr 0.02": (tr("SGD + 动量 0.8，学习率 0.02",
                                       "SGD + momentum 0.8, lr 0.02"),
                                    lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.8)),
    "Adam, lr 0.3": (tr("Adam，学习率 0.3", "Adam, lr 0.3"),
                     lambda p: torch.optim.Adam(p, lr=0.3)),
}
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
contours(ax_path)
for i, (name, (label, make)) in enumerate(optimizers.items()):
    w = torch.tensor(START, device=device, requires_grad=True)
    optimizer = make([w])
    path, losses = [START], [loss_fn(w).item()]
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss_fn(w).backward()
        optimizer.step()
        path.append(w.detach().cpu().tolist())
        losses.append(loss_fn(w).item())
    path = np.array(path)
    print(f"{name:28s} loss after {STEPS} steps: {losses[-1]:.3g}")
    ax_path.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1, color=f"C{i + 3}", label=label)
    ax_loss.plot(losses, "o-", ms=3, color=f"C{i + 3}", label=label)
ax_path.set_title(tr("轨迹", "Trajectories"))
ax_path.legend(loc="lower right", fontsize=8)
ax_loss.set_yscale("log")
ax_loss.set_xlabel(tr("步数", "step"))
ax_loss.set_ylabel(tr("损失", "loss"))
ax_loss.set_title(tr("损失随步数的变化", "Loss per step"))
ax_loss.grid(alpha=0.3)
fig.suptitle(tr("SGD、带动量的 SGD 与 Adam：同一起点、同样的步数",
                "SGD, SGD with momentum and Adam: one start, the same number of steps"))
plt.show()

# %%
# Learning-rate schedules: what the optimizer's lr is in each of 30 epochs.
EPOCHS = 30
schedules = {
    tr("StepLR：每 10 轮乘以 0.1", "StepLR: times 0.1 every 10 epochs"):
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.1),
    tr("CosineAnnealingLR：余弦退火", "CosineAnnealingLR: cosine annealing"):
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS),
}
fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
for label, make in schedules.items():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make(optimizer)
    lrs = []
    for _ in range(EPOCHS):
        lrs.append(optimizer.param_groups[0]["lr"])  # the rate used in this epoch
        optimizer.step()  # (a whole epoch of steps would go here)
        scheduler.step()  # once per epoch, after the optimizer's steps
    ax.step(range(1, EPOCHS + 1), lrs, where="post", label=label)
ax.set_xlabel(tr("轮", "epoch"))
ax.set_ylabel(tr("学习率", "learning rate"))
ax.set_yscale("log")
ax.grid(alpha=0.3)
ax.legend()
ax.set_title(tr("两种学习率调度（初始学习率 0.1）",
                "Two learning-rate schedules (starting at 0.1)"))
plt.show()
