# %% [markdown]
# # 用 TensorBoard 记录一次训练 / Logging a training run with TensorBoard
#
# 一个小网络学习区分纯音、噪声和扫频。`SummaryWriter` 把每一步的损失和每一轮的测试准确率写进
# 事件文件；训练结束后用 `audiodl.tensorboard.read_scalars` 把曲线读回来画出。
#
# A small network learns to tell tones, noise and chirps apart. `SummaryWriter` writes the loss
# of every step and the test accuracy of every epoch to an event file; after training,
# `audiodl.tensorboard.read_scalars` reads the curves back for plotting.

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
train_set, test_set = random_split(ds, [0.75, 0.25], generator=g)
train_loader = DataLoader(train_set, batch_size=10, shuffle=True, generator=g)
test_loader = DataLoader(test_set, batch_size=len(test_set))
model = nn.Sequential(nn.Linear(129, 32), nn.ReLU(), nn.Linear(32, len(CLASSES))).to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
print(f"train {len(train_set)} clips, test {len(test_set)} clips, on {device.type}")

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
            x, y = next(iter(test_loader))
            accuracy = (model(x.to(device)).argmax(1) == y.to(device)).float().mean().item()
        writer.add_scalar("accuracy/test", accuracy, epoch)
        writer.add_histogram("weights/first_layer", model[0].weight, epoch)
print(f"{step} steps, final test accuracy {accuracy:.2f}")
print("files in logdir:", [p.name.split(".")[0] for p in logdir.iterdir()])

# %%
steps, losses = read_scalars(logdir, "loss/train")
epochs, accuracies = read_scalars(logdir, "accuracy/test")
print(f"read back {len(steps)} loss values and {len(epochs)} accuracy values")
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
ax_loss.plot(steps, losses, linewidth=1)
ax_loss.set_xlabel("step")
ax_loss.set_ylabel("cross-entropy loss")
ax_loss.set_title("loss/train (every step)")
ax_acc.plot(epochs, accuracies, marker="o")
ax_acc.set_ylim(0, 1.05)
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("accuracy")
ax_acc.set_title("accuracy/test (every epoch)")
fig.suptitle("Scalars read back from the TensorBoard event file")
plt.show()
