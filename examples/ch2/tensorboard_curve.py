# %% [markdown] lang="zh"
# # 用 TensorBoard 记录一次训练
#
# 一个小网络学习区分纯音、噪声和扫频。训练时，`SummaryWriter` 每一步记录一次训练损失，每一轮在
# 验证集上记录一次准确率，都写进事件文件，标记名（tag）分别是 `loss/train` 和 `accuracy/val`。
# 验证集只用来观察训练、挑选模型，不参与训练；真正的测试集应当留到最后只用一次，这里不需要。
# 训练结束后，用 `audiodl.tensorboard.read_scalars` 把两条曲线读回来画出。

# %% [markdown] lang="en"
# # Logging a training run with TensorBoard
#
# A small network learns to tell tones, noise and chirps apart. `SummaryWriter` writes the loss
# of every step and the validation accuracy of every epoch to an event file, under the tags
# `loss/train` and `accuracy/val`. The validation set is only watched (to follow training and
# choose a model), never trained on; a test set proper is kept for one final measurement and is
# not needed here. After training, `audiodl.tensorboard.read_scalars` reads the curves back for
# plotting.

# %%
import shutil

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split
from torch.utils.tensorboard import SummaryWriter

from audiodl import output_dir, pick_device, seed_everything
from audiodl.audio import spectrogram, to_db
from audiodl.data import CLASSES, ClipDataset
from audiodl.figure_language import tr
from audiodl.tensorboard import read_scalars

device = pick_device()
g = seed_everything()


def features(wave):
    """(1, T) clip -> (129,): its average spectrum in dB, 0 dB below its peak -> 1,
    80 dB below -> -1, so loudness does not matter."""
    db = to_db(spectrogram(wave[0], n_fft=256, hop_length=128)).mean(-1)
    return (db - db.max()) / 40 + 1


# Each clip becomes one vector of the same length, whatever the clip's duration. The data
# set is small, so compute the features once and keep them in a TensorDataset.
clips = ClipDataset(n_clips=120, sr=8000)
ds = TensorDataset(torch.stack([features(wave) for wave, _ in clips]), torch.tensor(clips.labels))
train_set, val_set = random_split(ds, [0.75, 0.25], generator=g)
train_loader = DataLoader(train_set, batch_size=10, shuffle=True, generator=g)
val_loader = DataLoader(val_set, batch_size=len(val_set))
model = nn.Sequential(nn.Linear(129, 32), nn.ReLU(), nn.Linear(32, len(CLASSES))).to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
print(f"train {len(train_set)} clips, validation {len(val_set)} clips, on {device.type}")

# %%
logdir = output_dir("ch2/tensorboard_curve") / "runs" / "mlp"
# Start from an empty folder: read-back merges every event file it finds in logdir.
shutil.rmtree(logdir, ignore_errors=True)
step = 0
with SummaryWriter(logdir) as writer:
    for epoch in range(15):
        model.train()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            writer.add_scalar("loss/train", loss.item(), step)
            step += 1
        model.eval()
        with torch.no_grad():
            x, y = next(iter(val_loader))
            val_accuracy = (model(x.to(device)).argmax(1) == y.to(device)).float().mean().item()
        writer.add_scalar("accuracy/val", val_accuracy, epoch)
        writer.add_histogram("weights/first_layer", model[0].weight, epoch)
print(f"{step} steps, final validation accuracy {val_accuracy:.2f}")
print("files in logdir:", [p.name.split(".")[0] for p in logdir.iterdir()])

# %%
steps, losses = read_scalars(logdir, "loss/train")
epochs, val_accuracies = read_scalars(logdir, "accuracy/val")
print(f"read back {len(steps)} loss values and {len(epochs)} accuracy values")
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
ax_loss.plot(steps, losses, linewidth=1)
ax_loss.set_xlabel(tr("步数", "step"))
ax_loss.set_ylabel(tr("交叉熵损失", "cross-entropy loss"))
ax_loss.set_title(tr("loss/train（每一步一个值）", "loss/train (every step)"))
ax_acc.plot(epochs, val_accuracies, marker="o")
ax_acc.set_ylim(0, 1.05)
ax_acc.set_xlabel(tr("轮（epoch）", "epoch"))
ax_acc.set_ylabel(tr("验证准确率", "validation accuracy"))
ax_acc.set_title(tr("accuracy/val（每一轮一个值）", "accuracy/val (every epoch)"))
fig.suptitle(tr("从 TensorBoard 事件文件读回的标量",
                "Scalars read back from the TensorBoard event file"))
plt.show()
