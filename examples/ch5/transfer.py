# %% [markdown] lang="zh"
# # 迁移学习：用几段录音把网络调到一个新的声音上
#
# 六位说话人轮流当“新的声音”。对每一位，先在其余五人的训练录音上预训练第五章的卷积网络
# （和 `predict.py` 的网络同一套训练方法，只是训练 6 轮），再从新说话人的第 25～49 遍录音里每个
# 数字抽 k 段（k = 1、2、5、10），用五种方法调整网络，最后在他的第 0～24 遍录音（250 段，调整时
# 从没用过）上测准确率。五种方法：只训练最后一个线性层（线性探测）；训练最后一个卷积块和两个
# 线性层；训练全部层，批量归一化的滑动统计量保持预训练的值；训练全部层，统计量也跟着新数据更新；
# 以及在同样 k 段录音上从头训练一个新网络。每次调整都是 Adam、30 步、每步至多 20 段录音。
#
# 学习率从 0.0003、0.001、0.003 中选，只看验证数据：和第五章一样，六人两两结对，一对里的
# 两人互为验证说话人；测试某人时，每种方法、每个 k 的学习率取验证说话人在种子 0 下准确率最高的
# 那个。种子 0、1、2 决定抽哪些录音（和小批量的顺序）；同一个种子下，k 大时抽到的录音包含 k 小时
# 的。最后看遗忘：调整到新声音以后，网络在原来五个人的测试录音（第 0～4 遍）上还剩多少准确率，
# 以及把旧录音混进每个小批量能不能留住它。

# %% [markdown] lang="en"
# # Transfer learning: a few recordings adapt the network to a new voice
#
# Each of the six speakers in turn is the "new voice". For each, chapter 5's convolutional
# network is first pretrained on the other five speakers' training takes (the recipe of
# `predict.py`'s network, for 6 epochs), then adapted with k recordings per digit (k = 1, 2,
# 5, 10) drawn from the new speaker's takes 25-49, by five methods, and tested on their
# takes 0-24 (250 recordings never used to adapt). The five methods: train only the last
# linear layer (a linear probe); train the last convolutional block and both linear layers;
# train every layer, with batch normalisation's running statistics kept at their pretrained
# values; train every layer and let those statistics follow the new clips; and train a new
# network from scratch on the same k clips. Every adaptation is 30 steps of Adam on
# minibatches of up to 20 clips.
#
# The learning rate is chosen from 0.0003, 0.001 and 0.003 on validation data only: as in
# chapter 5 the speakers form pairs, each the other's validation speaker, and a test
# speaker gets, for each method and k, the rate that did best for their validation
# speaker with seed 0. Seeds 0, 1 and 2 choose which recordings are drawn (and the order of
# the minibatches); for one seed, the clips drawn for a larger k include those for a
# smaller one. Last, forgetting: how much of the five original speakers' accuracy (on their
# takes 0-4) is left after adapting to the new voice, and whether mixing old recordings
# into every minibatch keeps it.

# %%
import resource
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from audiodl import seed_everything
from audiodl.adapt import (
    HELD_OUT_TAKES,
    METHODS,
    accuracy,
    adapt,
    draw_takes,
    pretrain,
    speaker_log_mels,
)
from audiodl.datasets import PARTNER, SPEAKERS, TEST_TAKES
from audiodl.figure_language import tr
from audiodl.stats import paired_t_interval, t_interval

seed_everything()  # one thread: the same numbers on any CPU
start = time.perf_counter()

KS = (1, 2, 5, 10)
SEEDS = (0, 1, 2)
LRS = (3e-4, 1e-3, 3e-3)
STEPS = 30
K_OLD = 10  # the k whose networks are also measured on the old speakers (forgetting)

clips = {s: speaker_log_mels(s) for s in SPEAKERS}  # log-mels, digits, takes
networks = {}
for s in SPEAKERS:
    networks[s] = pretrain([o for o in SPEAKERS if o != s], seed=0, epochs=6)
print(f"6 networks pretrained, each on five speakers, in {time.perf_counter() - start:.0f} s")


tests = {}  # each speaker's takes 0-24 (never adapted on) and their digits
for s, (x, y, takes) in clips.items():
    keep = torch.isin(takes, torch.tensor(HELD_OUT_TAKES))
    tests[s] = x[keep], y[keep]


# %%
# acc[method, speaker, k, seed, lr]: accuracy on the speaker's takes 0-24 after adapting
# their pretrained network. Seed 0 tries every rate (a speaker's seed-0 runs choose the
# rate for their partner); seeds 1 and 2 run only the rate the partner chose.
acc, kept = {}, {}
none = {s: accuracy(networks[s], *tests[s]) for s in SPEAKERS}


def run(method, s, k, seed, lr):
    x, y, takes = clips[s]
    chosen = draw_takes(y, takes, k, seed)
    net = adapt(networks[s], x[chosen], y[chosen], METHODS[method], lr=lr, steps=STEPS,
                seed=seed)
    acc[method, s, k, seed, lr] = accuracy(net, *tests[s])
    if k == K_OLD:
        kept[method, s, seed, lr] = net


for method in METHODS:
    for s in SPEAKERS:
        for k in KS:
            for lr in LRS:
                run(method, s, k, 0, lr)


def chosen_lr(method, s, k):
    """The rate that did best for s's validation speaker (seed 0; the smaller on a tie)."""
    v = PARTNER[s]
    return max(LRS, key=lambda lr: (acc[method, v, k, 0, lr], -lr))


for method in METHODS:
    for s in SPEAKERS:
        for k in KS:
            for seed in SEEDS[1:]:
                run(method, s, k, seed, chosen_lr(method, s, k))
print(f"{len(acc)} adaptations done after {time.perf_counter() - start:.0f} s")


def result(method, s, k):
    """Speaker s's accuracy at k, the mean over the seeds, with the rate chosen for s."""
    return np.mean([acc[method, s, k, seed, chosen_lr(method, s, k)] for seed in SEEDS])


# %%
# The table: the mean over the six speakers (each the mean of three seeds) and its 95 %
# t-interval over the speakers (5 degrees of freedom).
print("accuracy on the new speaker's takes 0-24: mean of 6 speakers (3 seeds each), "
      "95 % t-interval")
mean_none, low, high = t_interval([none[s] for s in SPEAKERS])
print(f"{'no adaptation':34s} | {mean_none:6.1%} [{low:5.1%}, {high:5.1%}] for every k")
print(f"{'method':34s} | " + " | ".join(f"{f'k = {k}':>22s}" for k in KS))
curves = {}
for method in METHODS:
    cells, curves[method] = [], []
    for k in KS:
        mean, low, high = t_interval([result(method, s, k) for s in SPEAKERS])
        curves[method].append((mean, low, high))
        cells.append(f"{mean:6.1%} [{low:5.1%}, {high:5.1%}]")
    print(f"{method:34s} | " + " | ".join(f"{c:>22s}" for c in cells))
print("learning rates chosen (6 speakers x 4 values of k):")
for method in METHODS:
    choices = [chosen_lr(method, s, k) for s in SPEAKERS for k in KS]
    print(f"  {method:34s} " + ", ".join(f"{lr:g} x {choices.count(lr):2d}" for lr in LRS))


def verdict(low, high):
    return "above 0" if low > 0 else "below 0" if high < 0 else "contains 0"


print()
print("paired by speaker (seeds averaged first), 95 % t-interval, points; where it lies")
COMPARISONS = (("all layers", "linear probe"), ("all layers", "last block"),
               ("all layers", "all layers, BN statistics updated"),
               ("all layers", "from scratch"))
for k in KS:
    parts = []
    for a, b in COMPARISONS:
        mean, low, high = paired_t_interval([100 * result(a, s, k) for s in SPEAKERS],
                                            [100 * result(b, s, k) for s in SPEAKERS])
        parts.append(f"vs {b}: {mean:+.1f} [{low:+.1f}, {high:+.1f}] {verdict(low, high)}")
    print(f"k = {k:2d}, all layers " + "; ".join(parts))
gain = paired_t_interval([100 * result("all layers", s, 1) for s in SPEAKERS],
                         [100 * none[s] for s in SPEAKERS])
print(f"one recording per digit, all layers - no adaptation: {gain[0]:+.1f} points, "
      f"interval from {gain[1]:+.1f}")
print(f"one recording per digit, all layers - no adaptation: interval up to {gain[2]:+.1f}")

# %%
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
colours = dict(zip(METHODS, ("tab:orange", "tab:green", "tab:blue", "tab:purple", "tab:red"),
                   strict=True))
names = {"linear probe": tr("线性探测", "linear probe"),
         "last block": tr("最后一块", "last block"),
         "all layers": tr("全部层", "all layers"),
         "all layers, BN statistics updated": tr("全部层，BN 统计量更新",
                                                 "all layers, BN statistics updated"),
         "from scratch": tr("从头训练", "from scratch")}
for i, method in enumerate(METHODS):
    mean, low, high = (np.array(v) * 100 for v in zip(*curves[method], strict=True))
    x = np.array(KS) * (1 + 0.03 * (i - 2))  # side by side, so the intervals do not hide
    ax.errorbar(x, mean, yerr=(mean - low, high - mean), color=colours[method], marker="o",
                capsize=3, label=names[method])
ax.axhline(100 * mean_none, color="0.4", ls="--", label=tr("不调整", "no adaptation"))
ax.set_xscale("log")
ax.set_xticks(KS, [str(k) for k in KS])
ax.set_xlabel(tr("新说话人每个数字的录音数 k", "recordings per digit of the new speaker, k"))
ax.set_ylabel(tr("新说话人测试录音的准确率（%）", "accuracy on the new speaker's test takes (%)"))
ax.set_title(tr("六位说话人轮流作新声音：三个种子的均值，竖线为说话人间的 95% 区间",
                "Each speaker in turn as the new voice: mean of 3 seeds, bars 95 % "
                "intervals over speakers"))
ax.legend(fontsize=8, loc="lower right")
plt.show()

# %%
# Forgetting: the five original speakers' takes 0-4 (never trained on), before and after
# adapting to the new speaker with k = 10, and with every minibatch of "all layers" half
# new clips, half old ones (drawn from the five speakers' training takes 5-49).
forget = {}
for s in SPEAKERS:
    x, y, takes = (torch.cat(part) for part in zip(*(clips[o] for o in SPEAKERS if o != s),
                                                     strict=True))
    is_test = takes < TEST_TAKES  # FSDD's test takes 0-4
    old_test, old_train = (x[is_test], y[is_test]), (x[~is_test], y[~is_test])
    forget["before adapting", s] = [(accuracy(networks[s], *old_test), none[s])]
    x, y, takes = clips[s]
    for seed in SEEDS:
        for method in METHODS:
            net = kept[method, s, seed, chosen_lr(method, s, K_OLD)]
            forget.setdefault((method, s), []).append(
                (accuracy(net, *old_test), acc[method, s, K_OLD, seed,
                                                chosen_lr(method, s, K_OLD)]))
        chosen = draw_takes(y, takes, K_OLD, seed)
        net = adapt(networks[s], x[chosen], y[chosen], METHODS["all layers"],
                    lr=chosen_lr("all layers", s, K_OLD), steps=STEPS, seed=seed,
                    old=old_train)
        forget.setdefault(("all layers + old clips", s), []).append(
            (accuracy(net, *old_test), accuracy(net, *tests[s])))

print(f"k = {K_OLD}: accuracy on the five original speakers' takes 0-4 and on the new "
      "speaker's takes 0-24")
print(f"{'':34s} | {'old speakers':>12s} | {'new speaker':>11s}   (mean of 6 x 3 seeds)")
for method in ("before adapting", *METHODS, "all layers + old clips"):
    old = np.mean([[a for a, _ in forget[method, s]] for s in SPEAKERS])
    new = np.mean([[b for _, b in forget[method, s]] for s in SPEAKERS])
    print(f"{method:34s} | {old:12.1%} | {new:11.1%}")
for method in ("all layers", "linear probe", "all layers + old clips"):
    mean, low, high = paired_t_interval(
        [100 * np.mean([a for a, _ in forget[method, s]]) for s in SPEAKERS],
        [100 * forget["before adapting", s][0][0] for s in SPEAKERS])
    print(f"old speakers, {method} - before: {mean:+.1f} points [{low:+.1f}, {high:+.1f}] "
          f"{verdict(low, high)}")
mean, low, high = paired_t_interval(
    [100 * np.mean([b for _, b in forget["all layers + old clips", s]]) for s in SPEAKERS],
    [100 * np.mean([b for _, b in forget["all layers", s]]) for s in SPEAKERS])
print(f"new speaker, all layers + old clips - all layers: {mean:+.1f} points "
      f"[{low:+.1f}, {high:+.1f}] {verdict(low, high)}")

# %%
took = time.perf_counter() - start
print(f"in all {took:.0f} s; peak memory "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
