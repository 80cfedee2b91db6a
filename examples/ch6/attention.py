# %% [markdown] lang="zh"
# # 位置编码与残差连接
#
# 这个程序做两件事。第一，画出 Vaswani 等人（2017）的正弦位置编码：每个特征一行、每个位置一列
# 的热图，以及一个位置与其他所有位置的编码的点积。第二，实测残差连接的作用：同样 20 个
# “层归一化 → ReLU → 线性层”的块，一个网络把它们直接串起来，另一个在每块外面加一条残差连接；
# 先在初始化时量第一层的梯度有多大（随深度变化，有无层归一化各一组），再用 Adam 在一个小的合成
# 回归任务上各训练 5 个种子，比较损失曲线。网络都很小，在 CPU 上单线程运行，打印的数字又经过
# 舍入，所以换一台机器打印出来也一样。

# %% [markdown] lang="en"
# # Positional encodings and residual connections
#
# This program does two things. First, it draws the sinusoidal positional encodings of Vaswani
# et al. (2017): a heat map with one row per feature and one column per position, and the dot
# product of one position's encoding with every other's. Second, it measures what residual
# connections do: the same 20 blocks "LayerNorm → ReLU → linear", chained directly in one
# network and each wrapped in a residual connection in the other. It measures the gradient at
# the first layer at initialisation (against depth, with and without LayerNorm), then trains
# both networks with Adam on a small synthetic regression task, 5 seeds each, and compares the
# loss curves. The networks are tiny and run on the CPU on one thread, and the printed numbers
# are rounded, so every machine prints the same ones.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from audiodl import seed_everything
from audiodl.figure_language import tr

seed_everything()  # also one CPU thread: sums in the same order on every machine
device = torch.device("cpu")  # networks this small run faster on the CPU than on a GPU


# %%
# Sinusoidal positional encodings: pair i of features turns at its own frequency
# 1 / 10000^(2i / d_model), from one turn every 2 pi frames down to very slow.
def sinusoidal_positions(length, d_model):
    position = torch.arange(length)[:, None]
    i = torch.arange(0, d_model, 2)
    angle = position / 10000 ** (i / d_model)
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe


length, d_model = 100, 64
pe = sinusoidal_positions(length, d_model)
similarity = pe @ pe.T
# Each dot product is a sum of cos(frequency * (p - q)): it depends only on the offset p - q,
# so every diagonal of the matrix holds one value.
offsets = torch.arange(length)[:, None] - torch.arange(length)[None, :]
same = all(torch.allclose(similarity[offsets == o], similarity[offsets == o][0], atol=1e-3)
           for o in range(-length + 1, length))
print(f"positional encodings {tuple(pe.shape)}; "
      f"dot products depend only on the offset between positions: {same}")

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained",
                                  width_ratios=(1.6, 1))
image = left.imshow(pe.T, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-1, vmax=1)
left.set_xlabel(tr("位置（帧）", "position (frame)"))
left.set_ylabel(tr("特征", "feature"))
left.set_title(tr(f"正弦位置编码：{length} 个位置 × {d_model} 个特征",
                  f"Sinusoidal positional encodings: {length} positions × {d_model} features"))
fig.colorbar(image, ax=left, label=tr("编码的值", "value"))
p = 50
right.plot(np.arange(length), similarity[p], color="tab:blue")
right.axvline(p, color="0.6", ls="--")
right.set_xlabel(tr("位置 q", "position q"))
right.set_ylabel(tr(f"点积 PE({p})·PE(q)", f"dot product PE({p})·PE(q)"))
right.set_title(tr(f"位置 {p} 的编码与每个位置的编码的点积",
                   f"Dot product of position {p}'s encoding with every position's"))
plt.show()


# %%
# The same blocks "LayerNorm -> ReLU -> Linear", chained plainly (h = f(h)) or each inside a
# residual connection (h = h + f(h)). A model built with one seed has the same weights either
# way: only the forward differs.
class DeepMLP(nn.Module):
    def __init__(self, depth, residual, layer_norm=True, d_in=8, width=32):
        super().__init__()
        self.residual = residual
        self.inp = nn.Linear(d_in, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(width) if layer_norm else nn.Identity(), nn.ReLU(),
                          nn.Linear(width, width))
            for _ in range(depth))
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h) if self.residual else block(h)
        return self.out(h)


# A small regression task: 8 inputs, the target a sum of 4 sines of random directions,
# standardised, so that always answering the mean gives a loss of 1.
g = torch.Generator().manual_seed(1234)
x = torch.randn(2048, 8, generator=g)
directions = torch.randn(8, 4, generator=g)
y = torch.sin(x @ directions / 2).sum(dim=1, keepdim=True)
y = (y - y.mean()) / y.std()
x, y = x.to(device), y.to(device)
seeds = range(5)


def first_layer_gradient(depth, residual, layer_norm, seed):
    torch.manual_seed(seed)
    model = DeepMLP(depth, residual, layer_norm).to(device)
    F.mse_loss(model(x[:512]), y[:512]).backward()
    return model.inp.weight.grad.norm().item()


depths = [1, 2, 4, 8, 12, 16, 20, 24, 32]
variants = {(False, True): ("直接串联，有层归一化", "plain, LayerNorm"),  # (zh, en) legends
            (True, True): ("残差连接，有层归一化", "residual, LayerNorm"),
            (False, False): ("直接串联，无层归一化", "plain, no LayerNorm"),
            (True, False): ("残差连接，无层归一化", "residual, no LayerNorm")}
gradient = {}  # geometric mean over the seeds: the values span many powers of ten
for residual, layer_norm in variants:
    gradient[residual, layer_norm] = [
        float(np.exp(np.mean([np.log(first_layer_gradient(d, residual, layer_norm, s))
                              for s in seeds])))
        for d in depths]
at = depths.index(20)
print("gradient norm at the first layer at initialisation, 20 blocks "
      f"(geometric mean of {len(seeds)} seeds):")
for (residual, layer_norm), values in gradient.items():
    print(f"  {'residual' if residual else 'plain':8s} "
          f"{'with' if layer_norm else 'without'} LayerNorm: {values[at]:.2g}")
print(f"residual without LayerNorm, {depths[-1]} blocks: {gradient[True, False][-1]:.2g}")


# %%
# Train both networks of 20 blocks with LayerNorm: Adam, lr 1e-3, 200 steps of 64 examples.
def train(residual, seed, depth=20, steps=200, batch_size=64):
    torch.manual_seed(seed)
    model = DeepMLP(depth, residual).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(steps):
        i = torch.randint(0, len(x), (batch_size,), generator=batches)
        loss = F.mse_loss(model(x[i]), y[i])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        final = F.mse_loss(model(x), y).item()  # on the whole training set
    return losses, final


curves, finals = {}, {}
for residual in (False, True):
    runs = [train(residual, seed) for seed in seeds]
    curves[residual] = np.array([losses for losses, _ in runs])
    finals[residual] = np.array([final for _, final in runs])
print(f"loss on the whole training set after 200 steps, {len(seeds)} seeds:")
for residual in (False, True):
    name = "residual" if residual else "plain"
    print(f"  {name:8s} mean {finals[residual].mean():.2f} "
          f"(seeds: {', '.join(f'{v:.2f}' for v in finals[residual])})")
    print(f"  {name:8s} sample std {finals[residual].std(ddof=1):.2f} (ddof=1)")
below = (finals[True] < finals[False].min()).sum()
print(f"residual seeds that end below every plain seed: {below} of {len(seeds)}")

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
styles = {(False, True): ("tab:red", "-"), (True, True): ("tab:blue", "-"),
          (False, False): ("tab:red", ":"), (True, False): ("tab:blue", ":")}
for key, (zh, en) in variants.items():
    colour, line = styles[key]
    left.plot(depths, gradient[key], marker="o", color=colour, ls=line, label=tr(zh, en))
left.set_yscale("log")
left.set_xlabel(tr("块数（深度）", "number of blocks (depth)"))
left.set_ylabel(tr("第一层权重梯度的范数", "gradient norm, first layer's weights"))
left.set_title(tr(f"初始化时的梯度（{len(seeds)} 个种子的几何平均）",
                  f"Gradient at initialisation (geometric mean of {len(seeds)} seeds)"))
left.legend(fontsize=8)
window = 10  # a running mean over 10 steps, so that the minibatch noise does not hide the trend
smooth = np.ones(window) / window
for residual, colour in ((False, "tab:red"), (True, "tab:blue")):
    for run in curves[residual]:
        right.plot(np.convolve(run, smooth, "valid"), color=colour, lw=0.6, alpha=0.4)
    right.plot(np.convolve(curves[residual].mean(axis=0), smooth, "valid"), color=colour, lw=2,
               label=tr(variants[residual, True][0] + "（种子平均）",
                        variants[residual, True][1] + " (mean of seeds)"))
right.axhline(1.0, color="0.5", ls="--", lw=1,
              label=tr("总是回答平均值的损失", "loss of always answering the mean"))
right.set_yscale("log")
right.set_xlabel(tr("训练步数", "training step"))
right.set_ylabel(tr("均方误差（10 步滑动平均）", "mean squared error (10-step running mean)"))
right.set_title(tr("20 个块，Adam，学习率 0.001：训练损失",
                   "20 blocks, Adam, learning rate 0.001: training loss"))
right.legend(fontsize=8)
fig.suptitle(tr("有残差连接和没有残差连接的深层网络", "A deep network with and without residual "
                "connections"))
plt.show()
