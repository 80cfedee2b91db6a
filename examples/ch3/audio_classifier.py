# %% [markdown] lang="zh"
# # 用对数梅尔语谱图训练 CNN 给声音分类
#
# 综合实践的完整程序：合成五类声音，算出它们的对数梅尔语谱图，训练一个第 3 章那样的小型
# CNN，用验证集挑出表现最好的那一轮权重，最后在测试集上、以及在网络从没听过的几段声音上
# 检验它。

# %% [markdown] lang="en"
# # A CNN that classifies sounds from log-mel spectrograms
#
# The capstone: synthesise five kinds of sound, compute log-mel spectrograms, train a small
# chapter-3 CNN, keep the weights that do best on the validation set, then check them on the
# test set and on clips the network has never seen.

# %%
import copy
import time

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.tensorboard import SummaryWriter

from audiodl import output_dir, pick_device, seed_everything
from audiodl.audio import save_wav
from audiodl.classifier import (
    SpectrogramCNN,
    confusion_matrix,
    evaluate,
    predict,
    train_one_epoch,
)
from audiodl.figure_language import tr
from audiodl.mel import log_mel_spectrogram, mel_band_edges, mel_filterbank
from audiodl.synth import CLASSES, SPLITS, SR, SynthSounds, split, stack

device = pick_device()
g = seed_everything()
out = output_dir("ch3/audio_classifier")
N_FFT, HOP_LENGTH, N_MELS = 512, 256, 40
# The class names as the figures show them, in the reader's language.
CLASS_LABELS = [tr("稳定音（tone）", "tone"), tr("上扫频（chirp_up）", "chirp_up"),
                tr("下扫频（chirp_down）", "chirp_down"),
                tr("噪声猝发（noise_burst）", "noise_burst"),
                tr("滴答声串（click_train）", "click_train")]

# %%
fbank = mel_filterbank(N_MELS, N_FFT, SR)
edges = mel_band_edges(N_MELS, SR)
print("filterbank:", tuple(fbank.shape), f"centres {edges[1]:.0f} Hz ... {edges[-2]:.0f} Hz")
freqs = torch.linspace(0, SR / 2, N_FFT // 2 + 1)
fig, ax = plt.subplots(figsize=(9, 3))
for row in fbank:
    ax.plot(freqs, row, lw=0.8)
ax.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))
ax.set_ylabel(tr("权重", "weight"))
ax.set_title(tr(f"{N_MELS} 个三角形梅尔滤波器（n_fft={N_FFT}，sr={SR}）",
                f"{N_MELS} triangular mel filters (n_fft={N_FFT}, sr={SR})"))
plt.show()

# %%
# Synthesise every split once and turn it into log-mel spectrograms on the device, in one
# batched call per split: the clips never change, so there is no reason to redo the STFT
# in every epoch.
start = time.perf_counter()
data = {}
for name in SPLITS:
    wave, y = stack(split(name))  # (N, 1, T), (N,)
    x = log_mel_spectrogram(wave.to(device), SR, n_fft=N_FFT, hop_length=HOP_LENGTH,
                            n_mels=N_MELS)  # (N, 1, n_mels, frames)
    data[name] = (x, y.to(device))
    print(f"{name:5s} wave {tuple(wave.shape)} -> log-mel {tuple(x.shape)}, "
          f"per class {y.bincount().tolist()}")
print(f"data ready in {time.perf_counter() - start:.1f} s on {device.type}")

# %%
train_loader = DataLoader(TensorDataset(*data["train"]), batch_size=32, shuffle=True,
                          generator=g)
val_loader = DataLoader(TensorDataset(*data["val"]), batch_size=250)
n_frames = data["train"][0].shape[-1]
model = SpectrogramCNN(len(CLASSES), N_MELS, n_frames).to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
print(f"model: {sum(p.numel() for p in model.parameters())} parameters")

EPOCHS = 10
history = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
best_acc, best_loss, best_epoch = -1.0, float("inf"), 0
start = time.perf_counter()
with SummaryWriter(out / "runs") as writer:
    for epoch in range(1, EPOCHS + 1):
        train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        for key, value in zip(history, (train_loss, val_loss, train_acc, val_acc), strict=True):
            history[key].append(value)
        writer.add_scalar("loss/train", train_loss, epoch)
        writer.add_scalar("loss/val", val_loss, epoch)
        writer.add_scalar("accuracy/train", train_acc, epoch)
        writer.add_scalar("accuracy/val", val_acc, epoch)
        # The best epoch: highest validation accuracy; once that saturates (several
        # epochs at 100 %), the lower validation loss breaks the tie.
        if val_acc > best_acc or (val_acc == best_acc and val_loss < best_loss):
            best_acc, best_loss, best_epoch = val_acc, val_loss, epoch
            # Keep a copy: state_dict() returns live references.
            best_state = copy.deepcopy(model.state_dict())
        print(f"epoch {epoch:2d}  train loss {train_loss:.4f} acc {train_acc:.3f}  "
              f"val loss {val_loss:.4f} acc {val_acc:.3f}")
train_s = time.perf_counter() - start
weights = out / "spectrogram_cnn.pt"
torch.save(best_state, weights)
print(f"training: {EPOCHS} epochs in {train_s:.1f} s on {device.type}; "
      f"best epoch {best_epoch} (val acc {best_acc:.3f}, val loss {best_loss:.4f}), "
      f"saved to {weights.name}")

# %%
epochs = range(1, EPOCHS + 1)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
ax1.plot(epochs, history["train_loss"], "o-", label=tr("训练集", "train"))
ax1.plot(epochs, history["val_loss"], "s-", label=tr("验证集", "validation"))
ax1.set_ylabel(tr("交叉熵损失", "cross-entropy loss"))
ax1.set_yscale("log")
ax1.set_title(tr("损失", "Loss"))
ax2.plot(epochs, history["train_acc"], "o-", label=tr("训练集", "train"))
ax2.plot(epochs, history["val_acc"], "s-", label=tr("验证集", "validation"))
ax2.set_ylabel(tr("准确率", "accuracy"))
ax2.set_title(tr("准确率", "Accuracy"))
best_label = tr(f"选中的一轮（第 {best_epoch} 轮）", f"best (epoch {best_epoch})")
for ax in (ax1, ax2):
    ax.axvline(best_epoch, color="gray", ls=":", label=best_label)
    ax.set_xlabel(tr("轮（epoch）", "epoch"))
    ax.legend()
fig.suptitle(tr("语谱图 CNN 的训练曲线", "Training curves of the spectrogram CNN"))
plt.show()

# %%
# The test set is used once, with the weights chosen on the validation set.
model.load_state_dict(best_state)
x_test, y_test = data["test"]
y_hat = predict(model, x_test)
test_acc = (y_hat == y_test).float().mean().item()
print(f"test accuracy: {test_acc:.3f} ({(y_hat == y_test).sum().item()}/{len(y_test)} clips)")
cm = confusion_matrix(y_test, y_hat, len(CLASSES)).cpu()
fig, ax = plt.subplots(figsize=(5.5, 4.5))
ax.imshow(cm, cmap="Blues")
for i in range(len(CLASSES)):
    for j in range(len(CLASSES)):
        ax.text(j, i, int(cm[i, j]), ha="center", va="center",
                color="white" if cm[i, j] > cm.max() / 2 else "black")
ax.set_xticks(range(len(CLASSES)), CLASS_LABELS, rotation=30, ha="right")
ax.set_yticks(range(len(CLASSES)), CLASS_LABELS)
ax.set_xlabel(tr("预测类别", "predicted class"))
ax.set_ylabel(tr("真实类别", "true class"))
ax.set_title(tr(f"测试集上的混淆矩阵（准确率 {test_acc:.1%}）",
                f"Confusion matrix on the test set (accuracy {test_acc:.1%})"))
plt.show()

# %%
# Inference: a fresh model, the saved weights, and clips from a seed no split uses.
fresh = SpectrogramCNN(len(CLASSES), N_MELS, n_frames).to(device)
fresh.load_state_dict(torch.load(weights, map_location=device, weights_only=True))
fresh.eval()
unseen = SynthSounds(len(CLASSES), seed=2024)
for wave, label in unseen:
    x = log_mel_spectrogram(wave.to(device), SR, n_fft=N_FFT, hop_length=HOP_LENGTH,
                            n_mels=N_MELS)[None]  # (1, 1, n_mels, frames)
    with torch.no_grad():
        probs = fresh(x).softmax(dim=1)[0]
    k = int(probs.argmax())
    print(f"unseen {CLASSES[label]:11s} -> predicted {CLASSES[k]:11s} p = {probs[k]:.3f}")
    save_wav(out / f"unseen_{label}_{CLASSES[label]}.wav", wave, SR)
