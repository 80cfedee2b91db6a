# %% [markdown] lang="zh"
# # 三种方法，两种评估
#
# 本章的主实验，一次运行得出一张表：人工特征 + SVM、卷积网络、卷积网络 + 数据增强，各用两种
# 方式评估。一种是数据集自带的划分（每位说话人每个数字的第 0～4 遍录音作测试集），训练集和
# 测试集里是同样的六个人；另一种是留一位说话人：轮流把一个人的 500 段录音全部留作测试，只用
# 另外五个人训练，六次的平均值和波动说明模型对没听过的声音表现如何。特征和对数梅尔语谱图
# 只算一次，六折共用。最后分析错误：每个数字的精确率、召回率和 F1，混淆矩阵，以及几段认错了
# 的录音。

# %% [markdown] lang="en"
# # Three methods, two evaluations
#
# The chapter's main experiment, one run, one table: hand-made features + SVM, a convolutional
# network, and the network with data augmentation, each evaluated in two ways. One is the
# dataset's own split (takes 0-4 of every speaker and digit are the test set), so the same
# six people are in training and test; the other leaves one speaker out: each speaker's 500
# recordings in turn are the test set and the other five speakers train the model, and the
# mean and spread of the six runs say how the model does on voices it has never heard. The
# features and log-mel spectrograms are computed once and shared by the six folds. Then the
# errors: precision, recall and F1 for each digit, the confusion matrix, and a few
# recordings the model got wrong.

# %%
import shutil
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from torch.utils.data import TensorDataset

from audiodl import output_dir, pick_device, seed_everything
from audiodl.datasets import SPEAKERS, SpokenDigits
from audiodl.digits import (
    AugmentedLogMel,
    DigitCNN,
    clip_features,
    fix_length,
    log_mel,
    train_digit_cnn,
    trim_silence,
)
from audiodl.figure_language import tr

device = pick_device()
seed_everything()
out = output_dir("ch5/compare")
start = time.perf_counter()
ds = SpokenDigits("all", transform=trim_silence)  # every clip without its silent ends
clips = [ds[i][0] for i in range(len(ds))]  # every recording read once, (1, T) each
features = np.stack([clip_features(w) for w in clips])  # for the SVM: (3000, 78)
waves = torch.stack([fix_length(w) for w in clips])  # for the CNN: (3000, 1, 6400)
specs = log_mel(waves)  # (3000, 1, 32, 51), computed once for every fold
digits = torch.tensor(ds.digits)
speakers = np.array(ds.speaker_names)
takes = np.array([c.index for c in ds.clips])
print(f"{len(ds)} clips: features {features.shape}, log-mel {tuple(specs.shape)} "
      f"in {time.perf_counter() - start:.1f} s")

# %%
# The folds: the dataset's split, then each speaker held out. Takes 5 and 6 of the training
# speakers are the CNN's validation set (they choose the best epoch); the SVM trains on
# them too. A held-out speaker is never seen, not even for validation.
folds = {"own split": (takes >= 5, takes < 5)}
folds |= {s: (speakers != s, speakers == s) for s in SPEAKERS}
METHODS = ("SVM", "CNN", "CNN + augmentation")
predictions = {m: {} for m in METHODS}  # method -> fold -> predicted digits of its test clips
histories = {}
start = time.perf_counter()
for fold, (train, test) in folds.items():
    train, test = torch.from_numpy(train), torch.from_numpy(test)
    val = train & torch.from_numpy((takes == 5) | (takes == 6))
    fit_on = train & ~val
    svm = make_pipeline(StandardScaler(), SVC(C=10)).fit(features[train.numpy()],
                                                         digits[train].numpy())
    predictions["SVM"][fold] = torch.from_numpy(svm.predict(features[test.numpy()]))
    val_set = TensorDataset(specs[val], digits[val])
    for method in METHODS[1:]:
        seed_everything()  # the same initial weights for every fold and method
        model = DigitCNN().to(device)
        if method == "CNN":
            result = train_digit_cnn(model, TensorDataset(specs[fit_on], digits[fit_on]),
                                     val_set, device=device)
        else:
            result = train_digit_cnn(model, TensorDataset(waves[fit_on], digits[fit_on]),
                                     val_set, device=device,
                                     augment=AugmentedLogMel(torch.Generator().manual_seed(1)))
        model.eval()
        with torch.no_grad():
            predictions[method][fold] = torch.cat(
                [model(x.to(device)).argmax(dim=1).cpu() for x in specs[test].split(500)])
        histories[method, fold] = result.history
    accs = "  ".join(f"{m} {(predictions[m][fold] == digits[test]).float().mean():.1%}"
                     for m in METHODS)
    print(f"{fold:10s} {accs}")
print(f"{len(histories)} networks trained in {time.perf_counter() - start:.0f} s "
      f"on {device.type}")

# %%
# The table: accuracy on the dataset's split; for held-out speakers the mean over the six
# folds, the standard deviation between them, and the worst and best fold.
is_test = {fold: torch.from_numpy(test) for fold, (_, test) in folds.items()}


def accuracy(method, fold):
    return (predictions[method][fold] == digits[is_test[fold]]).float().mean().item()


print()
print(f"{'method':20s} | {'own split':>9s} | {'held-out speaker: mean ± std (min-max)':>38s}")
print("-" * 21 + "+" + "-" * 11 + "+" + "-" * 40)
for m in METHODS:
    held = np.array([accuracy(m, s) for s in SPEAKERS])
    print(f"{m:20s} | {accuracy(m, 'own split'):9.1%} | {held.mean():15.1%} ± "
          f"{held.std():4.1%} ({held.min():.1%}-{held.max():.1%})")

# %%
# Training curves of the two CNNs on the dataset's split.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
NAMES = {"SVM": ("人工特征 + SVM", "features + SVM"), "CNN": ("CNN", "CNN"),
         "CNN + augmentation": ("CNN + 数据增强", "CNN + augmentation")}
for method, style in (("CNN", "-"), ("CNN + augmentation", "--")):
    h = histories[method, "own split"]
    zh, en = NAMES[method]
    for ax, key in ((ax1, "loss"), (ax2, "acc")):
        ax.plot(h["epoch"], h[f"train_{key}"], "o" + style,
                label=tr(f"{zh}，训练集", f"{en}, train"))
        ax.plot(h["epoch"], h[f"val_{key}"], "s" + style,
                label=tr(f"{zh}，验证集", f"{en}, validation"))
ax1.set_yscale("log")
ax1.set_title(tr("损失", "Loss"))
ax2.set_title(tr("准确率", "Accuracy"))
ax1.set_ylabel(tr("交叉熵损失", "cross-entropy loss"))
ax2.set_ylabel(tr("准确率", "accuracy"))
for ax in (ax1, ax2):
    ax.set_xlabel(tr("轮（epoch）", "epoch"))
    ax.legend(fontsize="small")
fig.suptitle(tr("数据集自带划分上的训练曲线", "Training curves on the dataset's own split"))
plt.show()

# %%
# Each held-out speaker, by method; the dashed lines are the dataset's split.
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
width = 0.27
for k, m in enumerate(METHODS):
    x = np.arange(len(SPEAKERS)) + (k - 1) * width
    bars = ax.bar(x, [accuracy(m, s) for s in SPEAKERS], width, label=tr(*NAMES[m]),
                  color=f"C{k}")
    ax.bar_label(bars, fmt=lambda v: f"{v:.0%}", fontsize="x-small")
    ax.axhline(accuracy(m, "own split"), color=f"C{k}", ls="--", lw=1)
ax.set_xticks(np.arange(len(SPEAKERS)), SPEAKERS)
ax.set_ylim(0, 1.05)
ax.set_ylabel(tr("准确率", "accuracy"))
ax.set_xlabel(tr("留出的说话人", "held-out speaker"))
ax.set_title(tr("留一位说话人：没听过的声音（虚线：数据集自带的划分）",
                "Leaving one speaker out: voices never heard (dashed: the dataset's split)"))
ax.legend(loc="lower left")
plt.show()

# %%
# Errors of the CNN with augmentation on held-out speakers: each clip predicted by the
# model that never heard its speaker, all six folds together.
method = "CNN + augmentation"
y_true = np.concatenate([digits[is_test[s]].numpy() for s in SPEAKERS])
y_pred = np.concatenate([predictions[method][s].numpy() for s in SPEAKERS])
held_index = np.concatenate([np.flatnonzero(is_test[s].numpy()) for s in SPEAKERS])
precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=range(10))
cm = confusion_matrix(y_true, y_pred, labels=range(10))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), width_ratios=(1.4, 1),
                               layout="constrained")
ax1.imshow(cm, cmap="Blues")
for i in range(10):
    for j in range(10):
        if cm[i, j]:
            ax1.text(j, i, cm[i, j], ha="center", va="center", fontsize="small",
                     color="white" if cm[i, j] > cm.max() / 2 else "black")
ax1.set_xticks(range(10))
ax1.set_yticks(range(10))
ax1.set_xlabel(tr("预测的数字", "predicted digit"))
ax1.set_ylabel(tr("真实的数字", "true digit"))
ax1.set_title(tr("混淆矩阵", "Confusion matrix"))
scores = np.stack([precision, recall, f1], axis=1)
ax2.imshow(scores, cmap="Greens", vmin=0.5, vmax=1, aspect="auto")
for i in range(10):
    for j in range(3):
        ax2.text(j, i, f"{scores[i, j]:.2f}", ha="center", va="center", fontsize="small")
ax2.set_xticks(range(3), [tr("精确率", "precision"), tr("召回率", "recall"), "F1"])
ax2.set_yticks(range(10))
ax2.set_ylabel(tr("数字", "digit"))
ax2.set_title(tr("每个数字的精确率、召回率和 F1", "Precision, recall and F1 per digit"))
fig.suptitle(tr(f"留一位说话人，六折合计 {len(y_true)} 段录音（CNN + 数据增强，"
                f"准确率 {(y_true == y_pred).mean():.1%}）",
                f"Leaving one speaker out, all six folds, {len(y_true)} recordings "
                f"(CNN + augmentation, accuracy {(y_true == y_pred).mean():.1%})"))
plt.show()

# %%
# Hear some mistakes: one wrong clip of each held-out speaker, drawn at random (seeded),
# copied as recorded, named speaker_digit_take_heard-as_prediction.
rng = np.random.default_rng(0)
for s in SPEAKERS:
    wrong = np.flatnonzero((speakers[held_index] == s) & (y_true != y_pred))
    if len(wrong):
        k = rng.choice(wrong)
        clip = ds.clips[held_index[k]]
        name = f"{clip.speaker}_{clip.digit}_take{clip.index}_heard_as_{y_pred[k]}.wav"
        shutil.copyfile(clip.path, out / name)
