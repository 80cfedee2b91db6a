# %% [markdown] lang="zh"
# # 循环神经网络记得多远
#
# 这个程序做两个小实验。第一个量梯度：损失只看最后一步的输出，它对往回数第 k 步的输入的梯度
# 还剩多少（相对于最后一步，取以 10 为底的对数，5 个种子的平均）。比较的是初始化时的 RNN、
# GRU、LSTM，以及把 GRU 的更新门 z、LSTM 的遗忘门 f 的偏置设为 +2、让门一开始就偏向“保留”的
# 两个变体。第二个实验训练它们做一件需要记忆的事：序列的第一个数是 +1 或 -1，后面跟着 39 步
# 噪声，读完整个序列后说出第一个数的符号。

# %% [markdown] lang="en"
# # How far back does a recurrent network remember?
#
# This program runs two small experiments. The first measures gradients: the loss looks only
# at the last step's output; how much of its gradient reaches the input k steps earlier
# (relative to the last step, log base 10, averaged over 5 seeds)? It compares an RNN, a GRU
# and an LSTM at initialisation, and two variants whose gate bias is set to +2 (the GRU's
# update gate z, the LSTM's forget gate f) so that the gate starts out leaning towards
# "keep". The second trains them on a task that needs memory: a sequence starts with +1 or
# -1, then 39 steps of noise follow; after reading it all, say the sign of the first number.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from audiodl import output_dir, pick_device, seed_everything
from audiodl.figure_language import tr

seed_everything()
out = output_dir("ch6/rnn")
device = pick_device()
print("device:", device.type)


def gate_bias(model, value):
    """Set the total bias of the GRU's z gate or the LSTM's f gate (both the second chunk)."""
    hidden = model.hidden_size
    with torch.no_grad():
        model.bias_ih_l0[hidden:2 * hidden] = value
        model.bias_hh_l0[hidden:2 * hidden] = 0.0
    return model


# name, class, gate bias (None: PyTorch's initialisation), colour
KINDS = [
    ("RNN", nn.RNN, None, "tab:red"),
    ("GRU", nn.GRU, None, "tab:blue"),
    ("LSTM", nn.LSTM, None, "tab:green"),
    ("GRU, z bias +2", nn.GRU, 2.0, "tab:cyan"),
    ("LSTM, f bias +2", nn.LSTM, 2.0, "tab:olive"),
]


LABELS_ZH = {"GRU, z bias +2": "GRU，z 偏置 +2", "LSTM, f bias +2": "LSTM，f 偏置 +2"}


def label(name):
    return tr(LABELS_ZH.get(name, name), name)


def make(cls, bias, n_in, hidden):
    model = cls(n_in, hidden, batch_first=True)
    return model if bias is None else gate_bias(model, bias)


# %% [markdown] lang="zh"
# ## 梯度能传回多远
#
# 输入是 100 步、每步 8 个数的随机序列，隐状态 64 维。每个种子换一组初始权重和一条输入序列。
# 纵轴是 $\log_{10}$ 比值：-2 表示只剩最后一步梯度的百分之一。为了不让浮点数下溢，这里用双精度。

# %% [markdown] lang="en"
# ## How far back the gradient reaches
#
# The input is a random sequence of 100 steps of 8 numbers, the hidden state has 64 numbers.
# Each seed draws new initial weights and a new input sequence. The vertical axis is the
# $\log_{10}$ ratio: -2 means a hundredth of the last step's gradient is left. Double
# precision keeps the smallest values from underflowing.

# %%
STEPS, SEEDS = 100, 5


def gradient_by_step(model, seed):
    """log10 of |dL/dx_t| relative to the last step; element k is k steps back."""
    x = torch.randn(1, STEPS, 8, generator=torch.Generator().manual_seed(seed),
                    dtype=torch.float64, requires_grad=True)
    model(x)[0][:, -1].sum().backward()
    norm = x.grad[0].norm(dim=-1)
    return torch.log10(norm / norm[-1]).flip(0).numpy()


curves = {}
for name, cls, bias, _ in KINDS:
    runs = []
    for seed in range(SEEDS):
        torch.manual_seed(seed)
        runs.append(gradient_by_step(make(cls, bias, 8, 64).double(), seed))
    curves[name] = np.stack(runs)

shown = range(0, STEPS, 20)
print("log10 gradient ratio, mean of 5 seeds; steps back:", " ".join(f"{k:5d}" for k in shown))
for name, runs in curves.items():
    mean = runs.mean(axis=0)
    print(f"  {name:16s}" + " ".join(f"{mean[k]:5.1f}" for k in shown))

fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
back = np.arange(STEPS)
for name, _, _, colour in KINDS:
    runs = curves[name]
    mean, std = runs.mean(axis=0), runs.std(axis=0, ddof=1)
    ax.plot(back, mean, color=colour, label=label(name))
    ax.fill_between(back, mean - std, mean + std, color=colour, alpha=0.2, linewidth=0)
ax.set_xlabel(tr("往回数的步数 k", "steps back k"))
ax.set_ylabel(tr("log10（第 T-k 步的梯度 / 第 T 步的梯度）",
                 "log10(gradient at step T-k / gradient at step T)"))
ax.set_title(tr("初始化时，梯度每往回传一步就缩小一截（5 个种子：均值 ± 样本标准差）",
                "At initialisation the gradient shrinks at every step back "
                "(5 seeds: mean ± sample std)"))
ax.legend(fontsize=9)
ax.grid(alpha=0.3)
plt.show()

# %% [markdown] lang="zh"
# ## 记住第一个数
#
# 每条序列 40 步、每步一个数：第一个数是 +1 或 -1，其余是标准差 0.5 的高斯噪声。网络
# （隐状态 16 维，最后一步的隐状态接一个线性层）用 Adam（学习率 0.01）训练 200 步，
# 每步 32 条新序列，并把梯度裁剪到范数 1；然后在 1000 条没见过的序列上测准确率。
# 瞎猜是 50%。每种网络 3 个种子。

# %% [markdown] lang="en"
# ## Remember the first number
#
# Each sequence has 40 steps of one number: the first is +1 or -1, the rest Gaussian noise of
# standard deviation 0.5. The network (16 hidden numbers, a linear layer on the last step's
# hidden state) trains with Adam (learning rate 0.01) for 200 steps of 32 fresh sequences,
# gradients clipped to norm 1, then is scored on 1,000 sequences it has not seen. Guessing
# scores 50 %. Three seeds per network.

# %%
LENGTH, NOISE, HIDDEN, TRAIN_STEPS, BATCH = 40, 0.5, 16, 200, 32
TRAINED = [kind for kind in KINDS if kind[0] in ("RNN", "GRU", "GRU, z bias +2")]


class FirstSign(nn.Module):
    """A recurrent layer, then a linear layer on the last step: one logit per sequence."""

    def __init__(self, cls, bias):
        super().__init__()
        self.rnn = make(cls, bias, 1, HIDDEN)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1]).squeeze(-1)


def sequences(n, generator):
    sign = torch.randint(0, 2, (n,), generator=generator) * 2.0 - 1
    x = NOISE * torch.randn(n, LENGTH, 1, generator=generator)
    x[:, 0, 0] = sign
    return x, (sign > 0).float()


def accuracy(cls, bias, seed):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = FirstSign(cls, bias).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(TRAIN_STEPS):
        x, y = sequences(BATCH, g)
        loss = loss_fn(model(x.to(device)), y.to(device))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
    x, y = sequences(1000, torch.Generator().manual_seed(1000 + seed))
    with torch.no_grad():
        return ((model(x.to(device)) > 0).float().cpu() == y).float().mean().item()


scores = {}
print(f"first sign after {LENGTH} steps, test accuracy per seed:")
for name, cls, bias, _ in TRAINED:
    scores[name] = np.array([accuracy(cls, bias, seed) for seed in range(3)])
    runs = scores[name]
    print(f"  {name:16s} mean {runs.mean():4.0%}, sample std (ddof=1) {runs.std(ddof=1):4.0%};"
          " seeds: " + " ".join(f"{a:.0%}" for a in runs))

fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
for i, (name, _, _, colour) in enumerate(TRAINED):
    runs = scores[name]
    ax.bar(i, runs.mean(), color=colour, alpha=0.5)
    ax.plot([i] * len(runs), runs, "o", color="k")
ax.axhline(0.5, color="0.4", linestyle="--", label=tr("瞎猜", "guessing"))
ax.set_xticks(range(len(TRAINED)), [label(name) for name, *_ in TRAINED])
ax.set_ylim(0.4, 1.02)
ax.set_ylabel(tr("测试准确率", "test accuracy"))
ax.set_title(tr(f"记住 {LENGTH} 步之前的符号：3 个种子（点）与均值（柱）",
                f"Remember a sign from {LENGTH} steps back: 3 seeds (dots), mean (bar)"))
ax.legend(loc="lower right")
plt.show()
