# %% [markdown] lang="zh"
# # 连续数字识别：切分再分类，还是 CTC
#
# 本章的项目实验。每段录音是一串 3～7 个数字，由同一位说话人的 FSDD 录音拼成，数字之间有长短
# 不一的停顿，整段加上背景噪声和随机增益（`audiodl.digit_strings`）。三种方法：
#
# - **切分再分类**：在静音处把录音切开，每一段交给第五章的卷积网络（`audiodl.silence_split`）；
# - **CRNN**：卷积前端 + 双向 GRU，用 CTC 训练（`audiodl.string_models.CRNN`）；
# - **Transformer**：同样的卷积前端 + 前置归一化的 Transformer 编码器，用 CTC 训练
#   （`audiodl.string_models.TransformerCTC`）。
#
# 评估和第五章一样留一位说话人：六位说话人两两结对，每一对里一人作测试说话人，另一人作验证
# 说话人（反过来也一样），其余四人训练。所以一对只训练一次，就服务两折。每一折里，验证说话人
# 选择保留第几轮的权重（CTC 网络从第 4 轮起按它的前 100 串数字选，切分用的卷积网络按它的全部
# 录音选），切分再分类还要由它选切分的阈值和最短停顿。每种方法用种子 0、1、2 各训练一次
# （种子也决定训练用的数字串）。测试说话人的数字串只在最后打一次分。另外还在训练说话人
# 自己留出的录音（第 0～4 遍）拼成的数字串上打分，也就是数据集自带的划分。

# %% [markdown] lang="en"
# # Connected digits: cut and classify, or CTC
#
# The chapter's project experiment. Each recording is a string of 3-7 digits joined from one
# speaker's FSDD recordings, with pauses of random length between the digits, background
# noise and a random gain over the whole (`audiodl.digit_strings`). Three methods:
#
# - **cut and classify**: cut the recording at its silences and give each piece to chapter
#   5's convolutional network (`audiodl.silence_split`);
# - **CRNN**: a convolutional front end and a bidirectional GRU, trained with CTC
#   (`audiodl.string_models.CRNN`);
# - **Transformer**: the same front end and a pre-norm Transformer encoder, trained with CTC
#   (`audiodl.string_models.TransformerCTC`).
#
# As in chapter 5, one speaker is left out at a time: the six speakers form pairs, in each
# pair one is the test speaker and the other the validation speaker (and the other way
# round), and the remaining four train. So one training per pair serves two folds. In each
# fold the validation speaker chooses the epoch to keep (for the CTC networks from the 4th
# on, by its first 100 strings; for the pieces' convolutional network by all its
# recordings), and, for cut and classify, the splitting threshold and shortest pause.
# Every method is trained with seeds 0, 1 and 2 (the seed also draws the training
# strings). The test speaker's strings are scored once, at the end. The strings built from
# the training speakers' own held-out takes (index 0-4), the dataset's own split, are
# scored too.

# %%
import resource
import time

import matplotlib.pyplot as plt
import numpy as np
import soundfile
import torch

from audiodl import output_dir, seed_everything
from audiodl.ctc import edit_distance, error_rate
from audiodl.datasets import SPEAKER_PAIRS, SPEAKERS, SR
from audiodl.digit_strings import DigitStrings
from audiodl.digits import log_mel
from audiodl.figure_language import tr
from audiodl.silence_split import (
    choose_split_settings,
    piece_windows,
    split_at_silences,
    train_piece_classifier,
)
from audiodl.stats import paired_t_interval, sample_std
from audiodl.string_models import CRNN, TransformerCTC, score, string_features, train_ctc

seed_everything()  # one thread: the same numbers on any CPU
out = output_dir("ch6/connected_digits")
start = time.perf_counter()

PAIRS = SPEAKER_PAIRS  # each test speaker's partner is their validation speaker
SEEDS = (0, 1, 2)
N_TRAIN, N_TEST = 800, 200  # strings per training set; per test speaker (and seen set)
N_VAL, FIRST_KEPT = 100, 4  # the validation speaker's first 100 strings choose an epoch >= 4
CTC_MODELS = {
    "CRNN": lambda: CRNN(channels=96, hidden=96, dropout=0.4),
    "Transformer": lambda: TransformerCTC(channels=64, layers=2, heads=4, feed_forward=128),
}
CTC_RECIPE = {"epochs": 12, "warp": 0.12, "stretch": 0.15, "batch_size": 32, "lr": 4e-3}
SPLIT_GRID = {"threshold_db": (4, 6, 8, 10), "min_pause_s": (0.016, 0.032, 0.048, 0.08)}
METHODS = ("cut + classify", *CTC_MODELS)


def strings(speakers, takes, size, seed):
    """A DigitStrings set, built once: its waves, digits and descriptions."""
    ds = DigitStrings(speakers, takes, size, seed=seed)
    waves, digits = zip(*(ds[i] for i in range(size)), strict=True)
    return ds, list(waves), [d.tolist() for d in digits], [ds.spec(i) for i in range(size)]


# One string of the first test speaker, as the experiment builds them.
ds, waves, digits, specs = strings([PAIRS[0][0]], "all", 3, 900_001)
spec = specs[0]
print(f"{spec.speaker} says {''.join(map(str, spec.digits))}: {spec.n_samples / SR:.2f} s, "
      f"takes {spec.takes}, {spec.noise} noise at {spec.snr_db:.1f} dB SNR, "
      f"peak {spec.peak_db:.1f} dBFS")
for i in range(2):
    soundfile.write(out / f"{specs[i].speaker}_{''.join(map(str, specs[i].digits))}.wav",
                    waves[i].numpy(), SR, subtype="PCM_16")

# %%
wave = waves[0]
t = np.arange(len(wave)) / SR
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5), sharex=True, layout="constrained")
ax1.plot(t, wave.numpy(), lw=0.5, color="0.3")
for d, a, b in zip(spec.digits, spec.starts, spec.ends, strict=True):
    ax1.axvspan(a / SR, b / SR, color="tab:blue", alpha=0.15)
    ax1.text((a + b) / 2 / SR, 0.9 * float(wave.abs().max()), str(d), ha="center", fontsize=14)
ax1.set_ylabel(tr("幅度", "amplitude"))
ax1.set_title(tr(f"{spec.speaker} 说的一串数字：蓝色是每个数字录音的位置",
                 f"A string said by {spec.speaker}: blue marks where each digit's recording lies"))
x = string_features(wave)
frame_s = (len(wave) / SR) / x.shape[0]
low, high = np.percentile(x.numpy(), [1, 99])  # one loud outlier would wash out the rest
ax2.imshow(x.T.numpy(), origin="lower", aspect="auto", cmap="magma", vmin=low, vmax=high,
           extent=(0, x.shape[0] * frame_s, 0, x.shape[1]))
ax2.set_xlabel(tr("时间（秒）", "time (s)"))
ax2.set_ylabel(tr("梅尔频带", "mel band"))
ax2.set_title(tr("网络的输入：对数梅尔，每个频带在整段录音上标准化",
                 "The network's input: log-mel, each band standardised over the recording"))
plt.show()


# %%
# The experiment. results[method, speaker, seed] holds the digit error rate (DER) and the
# whole-string accuracy on that test speaker's strings, and the same on the strings of the
# training speakers' held-out takes ("seen"), with the epoch its validation speaker chose.
def features_of(waves):
    return [string_features(w) for w in waves]


def choose(scores):
    """The epoch (0-based) with the lowest validation DER, the later one on a tie."""
    return min(range(len(scores)), key=lambda e: (scores[e], -e))


results, heard, timing = {}, {}, {m: 0.0 for m in METHODS}
test_sets, kept = {}, {}
for pair in PAIRS:
    train_speakers = [s for s in SPEAKERS if s not in pair]
    folds = ((pair[0], pair[1]), (pair[1], pair[0]))  # (test, validation)
    for s in pair:
        test_sets[s] = strings([s], "all", N_TEST, 900_001)
    seen = strings(train_speakers, "test", N_TEST, 900_002)
    test_x = {s: list(zip(features_of(test_sets[s][1]), map(torch.tensor, test_sets[s][2]),
                          strict=True)) for s in pair}
    seen_x = list(zip(features_of(seen[1]), map(torch.tensor, seen[2]), strict=True))

    # Cut and classify: each fold's validation speaker chooses how to cut; the pieces are cut
    # once and their log-mels computed once, then every seed's network names them.
    clock = time.perf_counter()
    cuts = {}
    for test, val in folds:
        settings, _ = choose_split_settings(test_sets[val][0], SPLIT_GRID)
        for name, (_, ws, _, _) in ((test, test_sets[test]), ("seen", seen)):
            pieces = [piece_windows(w, split_at_silences(w, **settings)) for w in ws]
            cuts[test, name] = ([len(p) for p in pieces], log_mel(torch.cat(pieces)))
        print(f"fold {test:9s}: cut at {settings['threshold_db']} dB above the noise floor, "
              f"pauses >= {settings['min_pause_s'] * 1000:.0f} ms (chosen on {val})")
    timing["cut + classify"] += time.perf_counter() - clock

    for seed in SEEDS:
        train = strings(train_speakers, "train", N_TRAIN, 1000 * seed + 1)
        train_x = list(zip(features_of(train[1]), map(torch.tensor, train[2]), strict=True))

        clock = time.perf_counter()
        networks = train_piece_classifier(train_speakers, seed, watch=list(pair))
        for test, val in folds:
            for name, said in ((test, test_sets[test][2]), ("seen", seen[2])):
                counts, specs_db = cuts[test, name]
                with torch.no_grad():
                    named = networks[val](specs_db).argmax(dim=1).tolist()
                hyps = np.split(np.array(named, dtype=int), np.cumsum(counts)[:-1])
                hyps = [h.tolist() for h in hyps]
                der = error_rate(said, hyps)
                exact = np.mean([h == r for h, r in zip(hyps, said, strict=True)])
                key = ("cut + classify", test, seed)
                results.setdefault(key, {})
                results[key].update({f"{'seen ' if name == 'seen' else ''}der": der,
                                     f"{'seen ' if name == 'seen' else ''}exact": exact})
                if name != "seen":
                    heard[key] = hyps
        timing["cut + classify"] += time.perf_counter() - clock

        for method, make in CTC_MODELS.items():
            clock = time.perf_counter()
            seed_everything(seed)  # the initial weights
            model = make()
            states, val_der = [], {s: [] for s in pair}

            def after_epoch(epoch, model, states=states, val_der=val_der, pair=pair,
                            test_x=test_x):
                if epoch < FIRST_KEPT:  # CTC's first epochs emit (almost) only blanks
                    return
                states.append({k: v.clone() for k, v in model.state_dict().items()})
                for s in pair:
                    val_der[s].append(score(model, test_x[s][:N_VAL])[0])

            train_ctc(model, train_x, None, seed=seed, on_epoch=after_epoch, **CTC_RECIPE)
            for test, val in folds:
                e = choose(val_der[val])
                model.load_state_dict(states[e])
                der, exact, hyps = score(model, test_x[test])
                seen_der, seen_exact, _ = score(model, seen_x)
                results[method, test, seed] = {"der": der, "exact": exact,
                                               "epoch": e + FIRST_KEPT,
                                               "seen der": seen_der, "seen exact": seen_exact}
                heard[method, test, seed] = hyps
                if seed == 0:
                    kept[method, test] = {k: v.clone() for k, v in states[e].items()}
            timing[method] += time.perf_counter() - clock
        print(f"pair {pair[0]}/{pair[1]}, seed {seed}: done after "
              f"{time.perf_counter() - start:.0f} s", flush=True)


# %%
# Each test speaker: mean over the three seeds ± their sample standard deviation (ddof=1).
# Then each method: the mean over the six speakers, with two spreads: between the speakers
# (sample std of the six per-speaker means) and between the seeds (sample std of the three
# six-speaker means).
def per_speaker(method, what="der"):
    return np.array([np.mean([results[method, s, seed][what] for seed in SEEDS])
                     for s in SPEAKERS])


def per_seed(method, what="der"):
    return np.array([np.mean([results[method, s, seed][what] for s in SPEAKERS])
                     for seed in SEEDS])


print("digit error rate on each test speaker (never heard in training), 3 seeds")
print(f"{'test speaker':12s} | " + " | ".join(f"{m:>17s}" for m in METHODS))
for s in SPEAKERS:
    cells = []
    for m in METHODS:
        v = [results[m, s, seed]["der"] for seed in SEEDS]
        cells.append(f"{np.mean(v):6.1%} ± {sample_std(v):5.1%}")
    print(f"{s:12s} | " + " | ".join(f"{c:>17s}" for c in cells))
print()
print(f"{'method':15s} | {'unseen DER':>10s} {'± speakers':>10s} {'± seeds':>8s} | "
      f"{'strings right':>13s} | {'seen-takes DER':>14s} {'strings right':>13s}")
for m in METHODS:
    print(f"{m:15s} | {per_speaker(m).mean():10.1%} {sample_std(per_speaker(m)):10.1%} "
          f"{sample_std(per_seed(m)):8.1%} | {per_speaker(m, 'exact').mean():13.1%} | "
          f"{per_speaker(m, 'seen der').mean():14.1%} {per_speaker(m, 'seen exact').mean():13.1%}")
print("(seen-takes: strings of the training speakers' held-out takes 0-4; mean over the "
      "six folds and three seeds)")

print()
print("paired by test speaker (seeds averaged first), 95 % t-interval, 5 degrees of freedom")
for a, b in (("CRNN", "cut + classify"), ("Transformer", "cut + classify"),
             ("Transformer", "CRNN")):
    mean, low, high = paired_t_interval(100 * per_speaker(a), 100 * per_speaker(b))
    better = int(np.sum(per_speaker(a) < per_speaker(b)))
    print(f"DER {a} - {b}: {mean:+.1f} points, interval {low:+.1f} to {high:+.1f}; "
          f"{a} lower for {better} of 6 speakers")
for m in CTC_MODELS:
    epochs = [results[m, s, seed]["epoch"] for s in SPEAKERS for seed in SEEDS]
    print(f"{m}: epochs kept {min(epochs)}-{max(epochs)} of {CTC_RECIPE['epochs']}")
# Single numbers the page quotes, each beside a label of its own (hooks/quotes.py).
best = min(CTC_MODELS, key=lambda m: per_speaker(m).mean())
print(f"best CTC model: {best}; unseen-speaker DER {per_speaker(best).mean():.1%} (target 15%), "
      f"seen-takes DER {per_speaker(best, 'seen der').mean():.1%} (target 3%)")
for a, b in (("CRNN", "cut + classify"), ("Transformer", "cut + classify"),
             ("Transformer", "CRNN")):
    _, low, high = paired_t_interval(100 * per_speaker(a), 100 * per_speaker(b))
    print(f"{a} - {b}: interval from {low:+.1f}")
    print(f"{a} - {b}: interval up to {high:+.1f}")

# %%
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
width = 0.27
for k, m in enumerate(METHODS):
    x = np.arange(len(SPEAKERS)) + (k - 1) * width
    ax.bar(x, 100 * per_speaker(m), width, label=m)
    for seed in SEEDS:
        ax.plot(x, [100 * results[m, s, seed]["der"] for s in SPEAKERS], "_", color="k", ms=9)
ax.set_xticks(np.arange(len(SPEAKERS)), SPEAKERS)
ax.set_ylabel(tr("数字错误率（%）", "digit error rate (%)"))
ax.set_title(tr("没听过的说话人：柱为三个种子的均值，黑色短线为各个种子",
                "Speakers never heard: bars are the mean of three seeds, black ticks each seed"))
ax.legend([tr("切分再分类", "cut + classify"), "CRNN", "Transformer"])
plt.show()


# %%
# What goes wrong: substitutions, deletions and insertions over all test speakers' strings
# (all seeds), and, for cut and classify, how often the cut itself went wrong.
print(f"{'method':15s} | {'substituted':>11s} {'deleted':>8s} {'inserted':>8s} (of digits said)")
for m in METHODS:
    total = np.zeros(4, dtype=int)
    for s in SPEAKERS:
        for seed in SEEDS:
            for ref, hyp in zip(test_sets[s][2], heard[m, s, seed], strict=True):
                total += np.array((*edit_distance(ref, hyp)[1:], len(ref)))
    print(f"{m:15s} | {total[0] / total[3]:11.1%} {total[1] / total[3]:8.1%} "
          f"{total[2] / total[3]:8.1%}")

# %%
# A few strings the best CTC network got wrong (seed 0), drawn at random, one per speaker
# of the first three, with what each method heard. The file name gives the speaker, what
# was said and what the network heard.
rng = np.random.default_rng(0)
for s in SPEAKERS[:3]:
    wrong = [i for i, (r, h) in enumerate(zip(test_sets[s][2], heard[best, s, 0], strict=True))
             if r != h]
    if not wrong:
        continue
    i = int(rng.choice(wrong))
    said = "".join(map(str, test_sets[s][2][i]))
    print(f"{s}, string {i}: said {said}; " + "; ".join(
        f"{m} heard {''.join(map(str, heard[m, s, 0][i])) or '(nothing)'}" for m in METHODS))
    name = f"{s}_said_{said}_heard_{''.join(map(str, heard[best, s, 0][i])) or 'nothing'}.wav"
    soundfile.write(out / name, test_sets[s][1][i].numpy(), SR, subtype="PCM_16")

# %%
# What CTC learnt: the best network's probabilities per output frame on one string of a
# speaker it never heard (seed 0, the epoch that speaker's validation partner chose).
s = SPEAKERS[0]
model = CTC_MODELS[best]()
model.load_state_dict(kept[best, s])
model.eval()
wave, said, spec = test_sets[s][1][0], test_sets[s][2][0], test_sets[s][3][0]
with torch.no_grad():
    x = string_features(wave)[None]
    log_probs, _ = model(x, torch.tensor([x.shape[1]]))
probs = log_probs[0].exp().numpy()
frame_s = len(wave) / SR / probs.shape[0]
t = (np.arange(probs.shape[0]) + 0.5) * frame_s
fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
ax.plot(t, probs[:, 0], color="0.6", lw=1, label=tr("空白符", "blank"))
colours = plt.cm.tab10(np.arange(10))
for d in range(10):
    if probs[:, d + 1].max() > 0.1:
        ax.plot(t, probs[:, d + 1], color=colours[d], lw=1.5, label=str(d))
for d, a, b in zip(spec.digits, spec.starts, spec.ends, strict=True):
    ax.axvspan(a / SR, b / SR, color=colours[d], alpha=0.12)
ax.set_xlabel(tr("时间（秒）", "time (s)"))
ax.set_ylabel(tr("概率", "probability"))
ax.set_title(tr(f"{best} 在 {s} 的一串数字（{''.join(map(str, said))}）上每帧的输出；"
                "底色是每个数字录音的位置",
                f"{best}'s output per frame on a string by {s} ({''.join(map(str, said))}); "
                "shading marks each digit's recording"))
ax.legend(ncol=6, fontsize=8, loc="center right")
plt.show()
print(f"frames where the blank is the most likely class: {(probs.argmax(1) == 0).mean():.0%}")

# %%
took = time.perf_counter() - start
print("time per method (all pairs and seeds): " + ", ".join(
    f"{m} {timing[m]:.0f} s" for m in METHODS) + f"; in all {took:.0f} s")
print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
