# %% [markdown] lang="zh"
# # 欠拟合、过拟合，以及四种对策的实测效果
#
# 为了让过拟合看得见，这里故意只用 100 张训练图片，并且做两组实验：一组标签全部正确，另一组把其中
# 20 张的标签随机改错（真实数据集里也常有标错的样本）。网络是一个有两个 256 单元隐藏层的多层感知机，
# 参数比训练样本多得多。先看一个太小的网络怎样欠拟合、这个大网络怎样过拟合，再在同样的种子、同样
# 的 100 轮预算下，逐一测量权重衰减、暂退法（dropout）、早停和数据增强的效果，汇总成一张表。

# %% [markdown] lang="en"
# # Underfitting, overfitting, and the measured effect of four remedies
#
# To make overfitting visible we train on only 100 images, in two settings: every label right,
# and 20 of the 100 labels changed at random to a wrong digit (real data sets have mislabelled
# examples too). The network is a multilayer perceptron with two hidden layers of 256 units,
# far more parameters than training examples. First a network that is too small underfits and
# the big one overfits; then, with the same seeds and the same budget of 100 epochs, weight
# decay, dropout, early stopping and data augmentation are measured one at a time, in one
# table.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from audiodl import pick_device, seed_everything
from audiodl.figure_language import tr
from audiodl.train import evaluate, fit

device = pick_device()
seed_everything()
torch.set_num_threads(1)  # tensors this small gain nothing from more CPU threads, only waiting

# %%
# The same split as the training-loop example; then only the first 100 training images.
digits = load_digits()
x = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16
y = torch.tensor(digits.target)
index = np.arange(len(y))
i_rest, i_test = train_test_split(index, test_size=0.2, stratify=digits.target, random_state=0)
i_train, i_val = train_test_split(i_rest, test_size=0.25, stratify=digits.target[i_rest],
                                  random_state=0)
i_small = i_train[:100]
x_small, y_clean = x[i_small], y[i_small]
g = torch.Generator().manual_seed(0)
flipped = torch.randperm(100, generator=g)[:20]
y_noisy = y_clean.clone()
y_noisy[flipped] = (y_clean[flipped] + torch.randint(1, 10, (20,), generator=g)) % 10
print(f"training images per class: {y_clean.bincount().tolist()}; "
      f"wrong labels in the noisy copy: {(y_noisy != y_clean).sum().item()}")
val_loader = DataLoader(TensorDataset(x[i_val].to(device), y[i_val].to(device)),
                        batch_size=512)
test_loader = DataLoader(TensorDataset(x[i_test].to(device), y[i_test].to(device)),
                         batch_size=512)


# %%
class Shifted(Dataset):
    """Data augmentation: each time an image is read, shift it by up to one pixel in each
    direction (the edge is filled with zeros); the label stays."""

    def __init__(self, x, y, generator):
        self.x, self.y, self.generator = x, y, generator

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        dy, dx = torch.randint(0, 3, (2,), generator=self.generator).tolist()
        padded = F.pad(self.x[i], (1, 1, 1, 1))  # (1, 10, 10)
        return padded[:, dy:dy + 8, dx:dx + 8], self.y[i]


def mlp(width=256, dropout=0.0):
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, width), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(width, width), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(width, 10),
    )


def tiny():
    """Too small for ten classes: everything must pass through two numbers."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 2), nn.Tanh(), nn.Linear(2, 10))


EPOCHS, SEED = 100, 0


def run(labels, make=mlp, weight_decay=0.0, augment=False, patience=None, seed=SEED, **kw):
    """One training run; every run starts from the same seed and has the same budget."""
    torch.manual_seed(seed)
    model = make(**kw).to(device)
    g = torch.Generator().manual_seed(seed)
    data = (Shifted(x_small, labels, g) if augment else TensorDataset(x_small, labels))
    loader = DataLoader(data, batch_size=25, shuffle=True, generator=g)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    result = fit(model, loader, val_loader, nn.CrossEntropyLoss(), optimizer, epochs=EPOCHS,
                 device=device, patience=patience, restore_best=patience is not None,
                 log=None)
    # The weights the method ends with: the last epoch's, or the best one for early stopping.
    result.used = result.best_epoch if patience else EPOCHS
    result.train_acc, result.val_acc, result.val_loss = (
        result.history[key][result.used - 1] for key in ("train_acc", "val_acc", "val_loss"))
    result.test_acc = evaluate(model, test_loader, nn.CrossEntropyLoss())[1]
    return result


# %%
labels = {"clean": y_clean, "noisy": y_noisy}
small = run(y_clean, make=tiny)
methods = {
    "baseline": {},
    "weight decay": {"weight_decay": 1.0},
    "dropout": {"dropout": 0.5},
    "early stopping": {"patience": 10},
    "augmentation": {"augment": True},
}
runs = {(name, key): run(labels[key], **options)
        for key in labels for name, options in methods.items()}
# Seed SEED's baseline already ran above (same seed, same budget: the same run).
spread = {key: [runs["baseline", key].val_acc, *(run(labels[key], seed=s).val_acc for s in (1, 2))]
          for key in labels}

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), layout="constrained", sharey=True)
panels = (
    (small, tr("太小的网络（2 个隐藏单元）", "too small (2 hidden units)")),
    (runs["baseline", "clean"], tr("大网络，标签全对", "big network, clean labels")),
    (runs["baseline", "noisy"], tr("大网络，20 个标签错误", "big network, 20 labels wrong")),
)
for ax, (result, title) in zip(axes, panels, strict=True):
    epochs = result.history["epoch"]
    ax.plot(epochs, result.history["train_loss"], label=tr("训练集", "training"))
    ax.plot(epochs, result.history["val_loss"], label=tr("验证集", "validation"))
    best = int(np.argmin(result.history["val_loss"]))
    ax.plot(epochs[best], result.history["val_loss"][best], "kv",
            label=tr("验证损失最低", "lowest validation loss"))
    ax.set_yscale("log")
    ax.set_xlabel(tr("轮", "epoch"))
    ax.set_title(title)
    ax.grid(alpha=0.3)
axes[0].set_ylabel(tr("交叉熵损失", "cross-entropy loss"))
axes[0].legend()
fig.suptitle(tr("欠拟合（左）与过拟合（中、右）：训练损失与验证损失",
                "Underfitting (left) and overfitting (middle, right): "
                "training and validation loss"))
plt.show()

# %%
names = {"baseline": tr("基线", "baseline"), "weight decay": tr("权重衰减", "weight decay"),
         "dropout": tr("暂退法", "dropout"), "augmentation": tr("数据增强", "augmentation")}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained", sharey=True)
for ax, key, title in ((axes[0], "clean", tr("标签全对", "clean labels")),
                       (axes[1], "noisy", tr("20 个标签错误", "20 labels wrong"))):
    for i, (name, label) in enumerate(names.items()):
        history = runs[name, key].history
        ax.plot(history["epoch"], history["val_acc"], color=f"C{i}", label=label, lw=1.2)
    early = runs["early stopping", key]
    ax.plot(early.best_epoch, early.best_val_acc, "k*", ms=12,
            label=tr(f"早停：停在第 {early.epochs_run} 轮，取第 {early.best_epoch} 轮",
                     f"early stopping: stopped at {early.epochs_run}, "
                     f"kept epoch {early.best_epoch}"))
    ax.set_title(title)
    ax.set_xlabel(tr("轮", "epoch"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
axes[0].set_ylabel(tr("验证集准确率", "validation accuracy"))
axes[0].set_ylim(0.5, 1.0)
fig.suptitle(tr("同样的种子、同样的 100 轮：各种对策下的验证集准确率",
                "Same seed, same 100 epochs: validation accuracy under each remedy"))
plt.show()

# %%
# Accuracies and the validation loss of the weights each method ends with ("epoch").
print(f"{'':16s}{'clean labels':^38s}{'20 of 100 labels wrong':^38s}")
print(f"{'method':16s}" + f"{'train':>8s}{'val':>8s}{'val loss':>9s}{'test':>7s}{'epoch':>6s}" * 2)
for name, r in (("too small", small), *((n, runs[n, "clean"]) for n in methods)):
    row = [r] if name == "too small" else [r, runs[name, "noisy"]]
    print(f"{name:16s}" + "".join(f"{r.train_acc:8.3f}{r.val_acc:8.3f}{r.val_loss:9.3f}"
                                  f"{r.test_acc:7.3f}{r.used:6d}" for r in row))
early = [runs["early stopping", key].epochs_run for key in labels]
print(f"early stopping ran {early[0]} (clean) and {early[1]} (noisy) of {EPOCHS} epochs")
for key, accs in spread.items():
    print(f"baseline with seeds 0, 1, 2, {key} labels: val acc "
          + ", ".join(f"{a:.3f}" for a in accs) + f" (range {max(accs) - min(accs):.3f})")
