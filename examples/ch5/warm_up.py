# %% [markdown] lang="zh"
# # 热身：用对数梅尔语谱图训练 CNN 给合成声音分类
#
# 一次一切都已知的受控实验：合成五类声音，算出它们的对数梅尔语谱图，用第 4 章的训练循环
# （`audiodl.train.fit`）训练一个第 3 章那样的小型 CNN，按验证集挑出最好的一轮权重，在测试集上
# 只评估一次。然后用同样的预算训练一个没有卷积的线性模型作为基线，最后把一段语音（五类之外的
# 声音）交给 CNN，看它会怎样回答。

# %% [markdown] lang="en"
# # Warm-up: a CNN that classifies synthetic sounds from log-mel spectrograms
#
# A controlled experiment where everything is known: synthesise five kinds of sound, compute
# their log-mel spectrograms, train a small chapter-3 CNN with chapter 4's loop
# (`audiodl.train.fit`), keep the epoch that does best on the validation set and evaluate
# it once on the test set. Then train a linear model without convolution on the same budget,
# as a baseline, and finally give the CNN a stretch of speech, a sound from none of the five
# classes, to see what it answers.

# %%
import time

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.tensorboard import SummaryWriter

from audiodl import output_dir, pick_device, seed_everything
from audiodl.audio import load_speech, save_wav
from audiodl.classifier import SpectrogramCNN, SpectrogramLinear, confusion_matrix, predict
from audiodl.figure_language import tr
from audiodl.mel import log_mel_spectrogram, mel_band_edges, mel_filterbank
from audiodl.synth import CLASSES, SPLITS, SR, SynthSounds, split, stack
from audiodl.train import evaluate, fit

device = pick_device()
out = output_dir("ch5/warm_up")
N_FFT, HOP_LENGTH, N_MELS = 512, 256, 40
EPOCHS, BATCH_SIZE, LR = 10, 32, 1e-3  # the budget: the same for both models
# The class names as the figures show them, in the reader's language.
CLASS_LABELS = [tr("稳定音（tone）", "tone"), tr("上扫频（chirp_up）", "chirp_up"),
                tr("下扫频（chirp_down）", "chirp_down"),
                tr("噪声猝发（noise_burst）", "noise_burst"),
                tr("滴答声串（click_train）", "click_train")]


def features(wave):
    """(..., T) waveforms -> (..., n_mels, frames) log-mel in dB, on wave's device."""
    return log_mel_spectrogram(wave, SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS)


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
    x = features(wave.to(device))  # (N, 1, n_mels, frames)
    data[name] = TensorDataset(x, y.to(device))
    print(f"{name:5s} wave {tuple(wave.shape)} -> log-mel {tuple(x.shape)}, "
          f"per class {y.bincount().tolist()}")
print(f"data ready in {time.perf_counter() - start:.1f} s on {device.type}")
n_frames = data["train"].tensors[0].shape[-1]
val_loader = DataLoader(data["val"], batch_size=250)
test_loader = DataLoader(data["test"], batch_size=500)
loss_fn = nn.CrossEntropyLoss()


def train(model, run, log=None):
    """Chapter 4's loop with this page's budget; the same shuffling order for every model."""
    g = seed_everything()
    train_loader = DataLoader(data["train"], batch_size=BATCH_SIZE, shuffle=True, generator=g)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    with SummaryWriter(out / "runs" / run) as writer:
        return fit(model, train_loader, val_loader, loss_fn, optimizer, epochs=EPOCHS,
                   writer=writer, checkpoint=out / f"{run}.pt",
                   log=log)


# %%
seed_everything()
model = SpectrogramCNN(len(CLASSES), N_MELS, n_frames).to(device)
print(f"CNN: {sum(p.numel() for p in model.parameters())} parameters")
result = train(model, "cnn", log=print)  # ends with the best epoch's weights, saved in cnn.pt
print(f"training: {result.epochs_run} epochs in {result.seconds:.1f} s on {device.type}; "
      f"best epoch {result.best_epoch} (val acc {result.best_val_acc:.3f}, "
      f"val loss {result.best_val_loss:.4f}), saved to cnn.pt")

# %%
epochs = result.history["epoch"]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
ax1.plot(epochs, result.history["train_loss"], "o-", label=tr("训练集", "train"))
ax1.plot(epochs, result.history["val_loss"], "s-", label=tr("验证集", "validation"))
ax1.set_ylabel(tr("交叉熵损失", "cross-entropy loss"))
ax1.set_yscale("log")
ax1.set_title(tr("损失", "Loss"))
ax2.plot(epochs, result.history["train_acc"], "o-", label=tr("训练集", "train"))
ax2.plot(epochs, result.history["val_acc"], "s-", label=tr("验证集", "validation"))
ax2.set_ylabel(tr("准确率", "accuracy"))
ax2.set_title(tr("准确率", "Accuracy"))
best_label = tr(f"选中的一轮（第 {result.best_epoch} 轮）", f"best (epoch {result.best_epoch})")
for ax in (ax1, ax2):
    ax.axvline(result.best_epoch, color="gray", ls=":", label=best_label)
    ax.set_xlabel(tr("轮（epoch）", "epoch"))
    ax.legend()
fig.suptitle(tr("语谱图 CNN 的训练曲线", "Training curves of the spectrogram CNN"))
plt.show()

# %%
# The test set is used once, with the weights chosen on the validation set.
test_loss, test_acc = evaluate(model, test_loader, loss_fn)
x_test, y_test = data["test"].tensors
y_hat = predict(model, x_test)
print(f"test accuracy: {test_acc:.3f} ({(y_hat == y_test).sum().item()}/{len(y_test)} clips), "
      f"test loss {test_loss:.4f}")
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

# %% [markdown] lang="zh"
# ## 基线：没有卷积的线性模型
#
# 同样的输入（每张对数梅尔语谱图单独标准化）、同样的数据、同样的预算（轮数、批量大小、
# 优化器、学习率和打乱顺序），只把 CNN 换成展平之后的一个线性层。

# %% [markdown] lang="en"
# ## Baseline: a linear model without convolution
#
# The same input (each log-mel spectrogram standardised on its own), the same data and the
# same budget (epochs, batch size, optimizer, learning rate, shuffling order); only the CNN
# is replaced by one linear layer on the flattened spectrogram.

# %%
seed_everything()
baseline = SpectrogramLinear(len(CLASSES), N_MELS, n_frames).to(device)
base = train(baseline, "linear")
_, base_test_acc = evaluate(baseline, test_loader, loss_fn)
print(f"linear baseline: {sum(p.numel() for p in baseline.parameters())} parameters, "
      f"{base.epochs_run} epochs in {base.seconds:.1f} s; best epoch {base.best_epoch} "
      f"(val acc {base.best_val_acc:.3f}); train acc in the last epoch "
      f"{base.history['train_acc'][-1]:.3f}")
print(f"test accuracy: CNN {test_acc:.3f}, linear baseline {base_test_acc:.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
for run, zh, en, color in [(result, "CNN", "CNN", "C0"), (base, "线性模型", "linear model", "C3")]:
    ax.plot(run.history["epoch"], run.history["train_acc"], "o--", color=color,
            label=tr(f"{zh}，训练集", f"{en}, train"))
    ax.plot(run.history["epoch"], run.history["val_acc"], "s-", color=color,
            label=tr(f"{zh}，验证集", f"{en}, validation"))
ax.axhline(1 / len(CLASSES), color="gray", ls=":", label=tr("随机猜测", "chance"))
ax.set_xlabel(tr("轮（epoch）", "epoch"))
ax.set_ylabel(tr("准确率", "accuracy"))
ax.set_ylim(0, 1.02)
ax.legend(loc="lower right", fontsize="small")
ax.set_title(tr("同样的预算：CNN 与线性模型", "The same budget: CNN and linear model"))
plt.show()

# %%
# What the linear model learned: one weight per (mel band, frame) and class, a template
# tied to where in the picture a sound is.
weights = baseline.net[1].weight.detach().cpu().reshape(len(CLASSES), N_MELS, n_frames)
limit = weights.abs().max()
fig, axes = plt.subplots(1, len(CLASSES), figsize=(14, 3), sharey=True, layout="constrained")
for k, ax in enumerate(axes):
    image = ax.imshow(weights[k], origin="lower", aspect="auto", cmap="RdBu_r",
                      vmin=-limit, vmax=limit, extent=(0, 1, 0, N_MELS))
    ax.set_title(CLASS_LABELS[k])
    ax.set_xlabel(tr("时间（s）", "time (s)"))
axes[0].set_ylabel(tr("梅尔频带", "mel band"))
fig.colorbar(image, ax=axes, label=tr("权重", "weight"))
fig.suptitle(tr("线性模型每个类别的权重：固定在频带和时刻上的模板",
                "The linear model's weights per class: templates fixed in band and time"))
plt.show()

# %%
# Inference: a fresh model, the saved weights, and clips from a seed no split uses.
fresh = SpectrogramCNN(len(CLASSES), N_MELS, n_frames).to(device)
fresh.load_state_dict(torch.load(out / "cnn.pt", map_location=device, weights_only=True))
fresh.eval()
unseen = SynthSounds(len(CLASSES), seed=2024)
for wave, label in unseen:
    x = features(wave.to(device))[None]  # (1, 1, n_mels, frames)
    with torch.no_grad():
        probs = fresh(x).softmax(dim=1)[0]
    k = int(probs.argmax())
    print(f"unseen {CLASSES[label]:11s} -> predicted {CLASSES[k]:11s} p = {probs[k]:.3f}")
    save_wav(out / f"unseen_{label}_{CLASSES[label]}.wav", wave, SR)

# %% [markdown] lang="zh"
# ## 开放集输入：一段语音
#
# 模型只认识五个类别，没有“其他”。把课程里的语音样本（espeak-ng 合成）切成 1 秒长的窗，
# 每隔 0.5 秒取一个，逐个交给 CNN。

# %% [markdown] lang="en"
# ## Open-set input: a stretch of speech
#
# The model knows five classes and no "other". The course's speech sample (made by
# espeak-ng) is cut into one-second windows, one every 0.5 s, and each is given to the CNN.

# %%
speech, speech_sr = load_speech()  # (1, T) at 16 kHz
assert speech_sr == SR
starts = torch.arange(0, speech.shape[-1] - SR + 1, SR // 2)  # a window every 0.5 s
windows = torch.stack([speech[:, s : s + SR] for s in starts])  # (W, 1, SR)
with torch.no_grad():
    speech_probs = fresh(features(windows.to(device))).softmax(dim=1).cpu()  # (W, 5)
    test_probs = torch.cat([fresh(x).softmax(dim=1) for x, _ in test_loader]).cpu()
print(f"speech: {speech.shape[-1] / SR:.2f} s, {len(starts)} windows of 1 s")
for s, p in zip(starts.tolist(), speech_probs, strict=True):
    top = p.argsort(descending=True)
    print(f"speech {s / SR:.1f}-{s / SR + 1:.1f} s -> {CLASSES[top[0]]:11s} p = {p[top[0]]:.3f}"
          f"  (next: {CLASSES[top[1]]} {p[top[1]]:.3f})")
confidence = test_probs.max(dim=1).values
speech_confidence = speech_probs.max(dim=1).values
print(f"highest probability per test clip: median {confidence.median():.3f}, "
      f"{(confidence < speech_confidence.max()).float().mean():.1%} of test clips below "
      f"the most confident speech window ({speech_confidence.max():.3f})")

# %%
speech_spec = features(speech[0]).cpu()  # (n_mels, frames) of the whole sentence
duration = speech.shape[-1] / SR
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, layout="constrained",
                               height_ratios=(1, 1.2))
ax1.imshow(speech_spec, origin="lower", aspect="auto", cmap="magma",
           extent=(0, duration, 0, N_MELS))
ax1.set_ylabel(tr("梅尔频带", "mel band"))
ax1.set_title(tr("语音的对数梅尔语谱图", "Log-mel spectrogram of the speech"))
centres = (starts.float() + SR / 2) / SR
for k in range(len(CLASSES)):
    ax2.plot(centres, speech_probs[:, k], "o-", label=CLASS_LABELS[k])
ax2.set_xlim(0, duration)
ax2.set_ylim(0, 1.02)
ax2.set_xlabel(tr("1 秒窗的中心时刻（s）", "centre of the 1 s window (s)"))
ax2.set_ylabel(tr("概率", "probability"))
ax2.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
ax2.set_title(tr("CNN 给每个窗的五类概率（没有“其他”）",
                 "The CNN's five probabilities per window (there is no \"other\")"))
fig.suptitle(tr("五类之外的声音：CNN 仍然必须选一类",
                "A sound from none of the classes: the CNN still has to pick one"))
plt.show()
