# %% [markdown] lang="zh"
# # CTC：格子图、训练与逐帧输出
#
# 这个程序先把页面上的小例子（4 帧，标签 [1, 2]）的前向变量 $\alpha$ 画成格子图；再用 CTC
# 损失训练一个很小的双向 GRU，让它从合成的“数字串”中读出数字：每个数字是一段长短不一、带噪声的
# 特征帧，数字之间夹着长短不一的“静音”。训练数据里只有数字串，没有任何一帧的标注。最后画出训练
# 前后网络每一帧给出的概率，并用贪心解码和束搜索在没见过的数字串上算数字错误率。

# %% [markdown] lang="en"
# # CTC: the lattice, training and the per-frame outputs
#
# This program first draws the forward variables $\alpha$ of the page's tiny example (4
# frames, label [1, 2]) as a lattice. Then it trains a very small bidirectional GRU with the
# CTC loss to read digits out of synthetic "digit strings": each digit is a stretch of noisy
# feature frames of random length, with random stretches of "silence" between the digits.
# The training data hold only the digit strings, not one frame label. Last, it draws the
# network's per-frame probabilities before and after training and measures the digit error
# rate of greedy decoding and of beam search on strings it has not seen.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from audiodl import pick_device, seed_everything
from audiodl.ctc import beam_decode, edit_distance, error_rate, greedy_decode
from audiodl.figure_language import tr

seed_everything()
device = pick_device()

# The page's tiny example: 4 frames, classes blank (0), 1 and 2, label [1, 2].
torch.manual_seed(0)
probs = torch.randn(4, 3).log_softmax(dim=-1).double().exp()
ext = [0, 1, 0, 2, 0]  # - 1 - 2 -: the label with blanks around and between
alpha = torch.zeros(4, len(ext), dtype=torch.float64)
alpha[0, :2] = probs[0, ext[:2]]
for t in range(1, 4):
    for s in range(len(ext)):
        a = alpha[t - 1, s] + (alpha[t - 1, s - 1] if s >= 1 else 0)
        if s >= 2 and ext[s] != 0 and ext[s] != ext[s - 2]:
            a = a + alpha[t - 1, s - 2]
        alpha[t, s] = a * probs[t, ext[s]]
print(f"P([1, 2]) = alpha[3, 3] + alpha[3, 4] = {alpha[3, 3] + alpha[3, 4]:.4f}")

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
names = ["–", "1", "–", "2", "–"]
for t in range(1, 4):  # the allowed moves: stay, step by one, skip a blank between 1 and 2
    for s in range(len(ext)):
        for back in (0, 1, 2):
            allowed = back < 2 or (ext[s] != 0 and ext[s] != ext[s - 2])
            if s - back >= 0 and allowed and alpha[t - 1, s - back] > 0:
                ax.annotate("", (t, s), (t - 1, s - back),
                            arrowprops={"arrowstyle": "->", "color": "0.6", "lw": 1})
dots = ax.scatter(np.repeat(np.arange(4), len(ext)), np.tile(np.arange(len(ext)), 4),
                  c=alpha.numpy().ravel(), s=900, cmap="Blues", vmin=0, vmax=alpha.max(),
                  edgecolors="k", zorder=3)
for t in range(4):
    for s in range(len(ext)):
        value = alpha[t, s].item()
        ax.text(t, s, f"{value:.3f}", ha="center", va="center", fontsize=8, zorder=4,
                color="w" if value > 0.5 * alpha.max() else "k")
for s in (3, 4):  # the two states a path may end in
    ax.scatter([3], [s], s=1300, facecolors="none", edgecolors="tab:red", lw=2, zorder=5)
ax.set_xticks(range(4), [tr(f"第 {t + 1} 帧", f"frame {t + 1}") for t in range(4)])
ax.set_yticks(range(len(ext)), names)
ax.set_ylabel(tr("扩展后的标签（– 为空白符）", "extended label (– is the blank)"))
ax.set_ylim(len(ext) - 0.5, -0.5)
ax.set_xlim(-0.5, 3.5)
fig.colorbar(dots, ax=ax, label=tr("前向变量 α", "forward variable α"))
ax.set_title(tr("标签 [1, 2] 的 CTC 格子图：红圈两格之和就是 P([1, 2])",
                "CTC lattice of the label [1, 2]: the two red states sum to P([1, 2])"))
plt.show()

# %% [markdown] lang="zh"
# 合成的数字串：10 个数字各有一个 16 维的“原型”特征，一个数字持续 3～8 帧，每帧是原型加噪声；
# 数字之间是 0～4 帧的静音（只有噪声）。一串有 3～5 个数字，同一个数字可以连着出现。

# %% [markdown] lang="en"
# The synthetic digit strings: each of the 10 digits has a 16-dimensional "prototype"; a
# digit lasts 3-8 frames, each frame its prototype plus noise, and 0-4 frames of silence
# (noise only) lie between digits. A string holds 3-5 digits; a digit may follow itself.

# %%
N_FEATURES, N_CLASSES = 16, 11  # the blank (0) and the digits 0-9 as classes 1-10
prototypes = torch.randn(10, N_FEATURES, generator=torch.Generator().manual_seed(1))


def digit_strings(n, seed):
    """n strings: features (n, T_max, 16), their lengths, the labels, each digit's frames."""
    gen = torch.Generator().manual_seed(seed)
    rand = lambda low, high: int(torch.randint(low, high + 1, (), generator=gen))  # noqa: E731
    seqs, labels, spans = [], [], []
    for _ in range(n):
        digits = [rand(0, 9) for _ in range(rand(3, 5))]
        frames, where = [torch.zeros(rand(0, 4), N_FEATURES)], []
        for d in digits:
            start = sum(len(f) for f in frames)
            length = rand(3, 8)
            frames.append(prototypes[d].expand(length, -1).clone())
            where.append((start, start + length, d))
            frames.append(torch.zeros(rand(0, 4), N_FEATURES))
        x = torch.cat(frames)
        seqs.append(x + 0.7 * torch.randn(x.shape, generator=gen))
        labels.append([d + 1 for d in digits])
        spans.append(where)
    lengths = torch.tensor([len(s) for s in seqs])
    return nn.utils.rnn.pad_sequence(seqs, batch_first=True), lengths, labels, spans


class TinyCTC(nn.Module):
    """Features (B, T, 16) and lengths (B,) -> per-frame log-probabilities (B, T, 11)."""

    def __init__(self, hidden=32):
        super().__init__()
        self.gru = nn.GRU(N_FEATURES, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, N_CLASSES)

    def forward(self, x, lengths):
        # packed, so that the backward direction starts at each string's real last frame
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                   enforce_sorted=False)
        h, _ = nn.utils.rnn.pad_packed_sequence(self.gru(packed)[0], batch_first=True,
                                                total_length=x.shape[1])
        return self.out(h).log_softmax(dim=-1)


x_train, len_train, y_train, _ = digit_strings(1600, seed=2)
x_test, len_test, y_test, spans_test = digit_strings(300, seed=3)
print(f"training strings: {len(y_train)}, frames per string: {len_train.min()}-"
      f"{len_train.max()}, digits per string: 3-5; test strings: {len(y_test)}")

# %%
torch.manual_seed(0)
model = TinyCTC().to(device)
with torch.no_grad():
    before = model(x_test[:1].to(device), len_test[:1]).exp()[0].cpu()
loss_fn = nn.CTCLoss(blank=0)  # reduction="mean": each loss divided by its label's length
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
order = torch.Generator().manual_seed(4)
history = []
for epoch in range(8):
    total = 0.0
    for batch in torch.randperm(len(y_train), generator=order).split(50):
        log_probs = model(x_train[batch].to(device), len_train[batch])
        targets = torch.cat([torch.tensor(y_train[i]) for i in batch.tolist()])
        target_lengths = torch.tensor([len(y_train[i]) for i in batch.tolist()])
        loss = loss_fn(log_probs.transpose(0, 1), targets, len_train[batch], target_lengths)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
    with torch.no_grad():
        test_lp = model(x_test.to(device), len_test).cpu()
    rate = error_rate(y_test, greedy_decode(test_lp, len_test))
    history.append((total / len(y_train), rate))
    print(f"epoch {epoch + 1}: training loss {total / len(y_train):.2f}, "
          f"test digit error rate (greedy) {rate:.1%}")

# %%
greedy = greedy_decode(test_lp, len_test)
beam = beam_decode(test_lp, len_test, beam_width=8)
exact = lambda hyps: np.mean([h == y for h, y in zip(hyps, y_test, strict=True)])  # noqa: E731
print(f"test digit error rate: greedy {error_rate(y_test, greedy):.1%}, "
      f"beam search {error_rate(y_test, beam):.1%}")
print(f"whole strings right: greedy {exact(greedy):.1%}, beam search {exact(beam):.1%}")
disagree = sum(g != b for g, b in zip(greedy, beam, strict=True))
print(f"strings where the two decoders disagree: {disagree} of {len(y_test)}")
counts = np.sum([edit_distance(y, h)[1:] for y, h in zip(y_test, greedy, strict=True)], axis=0)
print("greedy's errors: substitutions {}, deletions {}, insertions {}".format(*counts))
# a digit said twice with no silence between looks like one long digit
glued = [any(a[2] == b[2] and a[1] == b[0] for a, b in zip(s, s[1:], strict=False))
         for s in spans_test]
glued_dels = sum(edit_distance(y, h)[2] for y, h, g in zip(y_test, greedy, glued, strict=True)
                 if g)
print(f"test strings with a repeated digit and no silence between: {sum(glued)}, "
      f"holding {glued_dels} of the {counts[1]} deletions")
real = torch.arange(x_test.shape[1])[None, :] < len_test[:, None]
blank_wins = (test_lp.argmax(-1) == 0)[real].float().mean()
print(f"frames where the blank is the most likely class: {blank_wins:.0%}")
confident = (test_lp.exp().amax(-1) > 0.9)[real].float().mean()
print(f"frames whose most likely class has a probability above 0.9: {confident:.0%}")

# %%
epochs = np.arange(1, len(history) + 1)
fig, (ax_loss, ax_rate) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
ax_loss.plot(epochs, [h[0] for h in history], marker="o")
ax_loss.set_ylabel(tr("CTC 损失（训练集）", "CTC loss (training set)"))
ax_rate.plot(epochs, [100 * h[1] for h in history], marker="o", color="tab:orange")
ax_rate.set_ylabel(tr("数字错误率（测试集，%）", "digit error rate (test set, %)"))
for ax in (ax_loss, ax_rate):
    ax.set_xlabel(tr("轮", "epoch"))
    ax.grid(alpha=0.3)
fig.suptitle(tr("只给数字串、不给对齐，CTC 照样学得会",
                "Trained on digit strings alone, with no alignment, CTC still learns"))
plt.show()

# %%
after = test_lp[0, :len_test[0]].exp()
fig, rest = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, layout="constrained")
colours = plt.get_cmap("tab10")
for ax, p, title in ((rest[0], before[:len_test[0]], tr("训练前", "before training")),
                     (rest[1], after, tr("训练后", "after training"))):
    frames = np.arange(len(p))
    ax.plot(frames, p[:, 0], color="k", ls="--", label=tr("空白符", "blank"))
    for d in range(10):
        if p[:, d + 1].max() > 0.2 or ax is rest[0]:
            ax.plot(frames, p[:, d + 1], color=colours(d), label=tr(f"数字 {d}", f"digit {d}"))
    for start, end, d in spans_test[0]:  # where each digit really lies (the model never saw it)
        ax.axvspan(start - 0.5, end - 0.5, color=colours(d), alpha=0.12)
        ax.text((start + end - 1) / 2, 1.04, str(d), ha="center", color=colours(d))
    ax.set_ylim(0, 1.12)
    ax.set_ylabel(tr("每帧的概率", "per-frame probability"))
    ax.set_title(title, loc="left")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
rest[1].set_xlabel(tr("帧", "frame"))
fig.suptitle(tr(f"一条测试数字串 {[d - 1 for d in y_test[0]]} 上网络每帧的输出"
                f"（底色：数字真正所在的帧，训练时从未给出）",
                f"Per-frame outputs on the test string {[d - 1 for d in y_test[0]]} "
                f"(shaded: where the digits really are, never given in training)"))
plt.show()
