# %% [markdown] lang="zh"
# # 训练循环：用小 CNN 识别手写数字
#
# scikit-learn 自带 1797 张 8 × 8 的手写数字图片，安装时就随包下载好了，不需要联网。这个程序把
# 它们分成训练集、验证集和测试集，用 `DataLoader` 按小批量读入，用 `audiodl.train.fit` 训练一个
# 按 8 × 8 大小设计的小卷积网络：每轮结束在验证集上评估一次，打印一行进度，把各项指标写进
# TensorBoard，并保留验证集上最好的那一轮的权重。测试集只在最后用一次。

# %% [markdown] lang="en"
# # The training loop: a small CNN learns handwritten digits
#
# scikit-learn ships 1,797 handwritten digits of 8 × 8 pixels inside its package, so nothing
# is downloaded. This program splits them into training, validation and test sets, feeds
# minibatches through a `DataLoader`, and trains a small CNN sized for 8 × 8 inputs with
# `audiodl.train.fit`: validation after every epoch, a progress line, TensorBoard scalars, and
# the weights of the best epoch on the validation set kept. The test set is used once, at the
# end.

# %%
import shutil

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.tensorboard import SummaryWriter

from audiodl import output_dir, pick_device, seed_everything
from audiodl.figure_language import tr
from audiodl.tensorboard import read_scalars
from audiodl.train import evaluate, fit

device = pick_device()
torch.set_num_threads(1)  # tensors this small gain nothing from more CPU threads, only waiting
g = seed_everything()
out = output_dir("ch4/digits_training")

# %%
digits = load_digits()
x = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16  # (N, 1, 8, 8) in [0, 1]
y = torch.tensor(digits.target)
# Stratified: every split keeps the ten classes in the same proportions.
index = np.arange(len(y))
i_rest, i_test = train_test_split(index, test_size=0.2, stratify=digits.target, random_state=0)
i_train, i_val = train_test_split(i_rest, test_size=0.25, stratify=digits.target[i_rest],
                                  random_state=0)
splits = {name: (x[i].to(device), y[i].to(device))
          for name, i in (("train", i_train), ("val", i_val), ("test", i_test))}
for name, (xs, ys) in splits.items():
    print(f"{name:5s} {tuple(xs.shape)}  per class {ys.bincount().tolist()}")

# %%
fig, axes = plt.subplots(2, 10, figsize=(10, 2.6), layout="constrained")
x_train, y_train = splits["train"]
for k, ax in enumerate(axes.flat):
    i = (y_train == k % 10).nonzero()[k // 10].item()  # two examples of each digit
    ax.imshow(x_train[i, 0].cpu(), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(str(k % 10))
    ax.set_axis_off()
fig.suptitle(tr("训练集里的手写数字（8 × 8 像素，17 级灰度）",
                "Handwritten digits from the training set (8 × 8 pixels, 17 grey levels)"))
plt.show()


# %%
class DigitsCNN(nn.Module):
    """Chapter 3's CNN sized for 8 x 8: two blocks end in pooling (8 -> 4 -> 2), then a
    small classifier. BatchNorm after each convolution makes train() and eval() differ."""

    def __init__(self, n_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),  # 8 x 8 -> 4 x 4
            nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),  # 4 x 4 -> 2 x 2
            nn.Flatten(),
            nn.Linear(64 * 2 * 2, 64), nn.ReLU(),
            nn.Linear(64, n_classes),  # logits: CrossEntropyLoss applies the softmax
        )

    def forward(self, x):
        return self.net(x)


model = DigitsCNN().to(device)
print(f"DigitsCNN: {sum(p.numel() for p in model.parameters())} parameters")

# %%
EPOCHS = 10
train_loader = DataLoader(TensorDataset(*splits["train"]), batch_size=32, shuffle=True,
                          generator=g)
val_loader = DataLoader(TensorDataset(*splits["val"]), batch_size=512)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
checkpoint = out / "digits_cnn.pt"
shutil.rmtree(out / "runs", ignore_errors=True)  # one run per folder: no curves of a run before
with SummaryWriter(out / "runs") as writer:
    result = fit(model, train_loader, val_loader, loss_fn, optimizer, epochs=EPOCHS,
                 scheduler=scheduler, writer=writer, checkpoint=checkpoint)
print(f"{result.epochs_run} epochs in {result.seconds:.1f} s on {device.type}; best epoch "
      f"{result.best_epoch}: val loss {result.best_val_loss:.4f}, "
      f"val accuracy {result.best_val_acc:.1%}")

# %%
# The curves come back from TensorBoard's event files: what `tensorboard --logdir` shows.
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
for tag, label, style in (("train", tr("训练集", "training"), "o-"),
                          ("val", tr("验证集", "validation"), "s-")):
    steps, values = read_scalars(out / "runs", f"loss/{tag}")
    ax_loss.plot(steps, values, style, label=label)
    steps, values = read_scalars(out / "runs", f"accuracy/{tag}")
    ax_acc.plot(steps, values, style, label=label)
for ax in (ax_loss, ax_acc):
    ax.axvline(result.best_epoch, color="gray", ls=":",
               label=tr(f"最好的一轮（第 {result.best_epoch} 轮）",
                        f"best epoch ({result.best_epoch})"))
    ax.set_xlabel(tr("轮", "epoch"))
    ax.grid(alpha=0.3)
    ax.legend()
ax_loss.set_yscale("log")
ax_loss.set_ylabel(tr("交叉熵损失", "cross-entropy loss"))
ax_loss.set_title(tr("损失", "Loss"))
ax_acc.set_ylim(0.7, 1.01)
ax_acc.set_ylabel(tr("准确率", "accuracy"))
ax_acc.set_title(tr("准确率", "Accuracy"))
fig.suptitle(tr("DigitsCNN 的训练曲线（从 TensorBoard 日志读回）",
                "Training curves of DigitsCNN (read back from the TensorBoard log)"))
plt.show()

# %%
# The test set, once: a fresh model loads the checkpoint the loop saved.
best = DigitsCNN().to(device)
best.load_state_dict(torch.load(checkpoint, map_location=device, weights_only=True))
x_test, y_test = splits["test"]
test_loss, test_acc = evaluate(best, DataLoader(TensorDataset(x_test, y_test), batch_size=512),
                               loss_fn)
with torch.no_grad():
    y_hat = best(x_test).argmax(dim=1)
wrong = (y_hat != y_test).nonzero().flatten().tolist()
print(f"test accuracy: {test_acc:.1%} ({len(y_test) - len(wrong)}/{len(y_test)} digits), "
      f"test loss {test_loss:.4f}")

# %%
n = max(len(wrong), 1)
fig, axes = plt.subplots(1, n, figsize=(1.3 * n + 0.6, 2.2), layout="constrained",
                         squeeze=False)
for ax, i in zip(axes.flat, wrong, strict=False):
    ax.imshow(x_test[i, 0].cpu(), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"{y_test[i].item()} → {y_hat[i].item()}")
for ax in axes.flat:
    ax.set_axis_off()
fig.suptitle(tr(f"测试集中认错的 {len(wrong)} 个数字（真实 → 预测）",
                f"The {len(wrong)} test digits it got wrong (true → predicted)"))
plt.show()
