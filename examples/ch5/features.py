# %% [markdown] lang="zh"
# # 人工特征与传统机器学习
#
# 先把每段录音变成一个长度固定的向量：MFCC 在 5 段时间上的平均值，再加上每个系数在整段
# 录音上的标准差。然后用 scikit-learn 的几种经典方法处理这些向量：主成分分析（PCA）和线性
# 判别分析（LDA）把它们投影到平面上看一看；k-means 聚类在不看标签的情况下给它们分组；支持
# 向量机（SVM）、逻辑回归、LDA 和决策树给它们分类。每个分类器都用两种方式评估：数据集
# 自带的划分，以及留一位说话人。最后看倒谱均值（方差）归一化（CMVN）改变了什么：每段录音的
# 每个 MFCC 先减去它在这段录音各帧上的平均值，再做同样的聚类和分类。

# %% [markdown] lang="en"
# # Hand-made features and traditional machine learning
#
# First every recording becomes a vector of one length: its MFCCs averaged over 5 stretches
# of time, plus each coefficient's standard deviation over the clip. Then a few classical
# methods from scikit-learn work on these vectors: principal component analysis (PCA) and
# linear discriminant analysis (LDA) project them onto a plane to look at; k-means
# clustering groups them without looking at the labels; a support vector machine (SVM),
# logistic regression, LDA and a decision tree classify them. Every classifier is evaluated
# twice: on the dataset's own split, and leaving one speaker out. Last, what cepstral mean
# (and variance) normalisation (CMVN) changes: each MFCC of a clip minus its mean over the
# clip's frames, then the same clustering and classification.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from audiodl import SEED, seed_everything
from audiodl.datasets import SPEAKERS, SR, SpokenDigits
from audiodl.digits import N_MFCC, SEGMENTS, cmvn, log_mel, mfcc, pool_mfcc, trim_silence
from audiodl.figure_language import tr
from audiodl.stats import paired_t_interval

seed_everything()
ds = SpokenDigits("all", transform=trim_silence)  # every clip without its silent ends
start = time.perf_counter()
# Each clip's MFCCs once (clip_features = pool_mfcc of these); the CMVN cell below reuses them.
clip_mfccs = [mfcc(log_mel(ds[i][0].reshape(-1))) for i in range(len(ds))]
features = np.stack([pool_mfcc(c) for c in clip_mfccs])
digits = np.array(ds.digits)
speakers = np.array(ds.speaker_names)
takes = np.array([c.index for c in ds.clips])
print(f"features {features.shape} ({N_MFCC} MFCCs x {SEGMENTS} segment means "
      f"+ {N_MFCC} standard deviations) in {time.perf_counter() - start:.1f} s")

# %%
# One clip: its log-mel spectrogram, its MFCCs, and the five stretches they are averaged over.
wave, label = ds[ds.clips.index(next(c for c in ds.clips
                                     if (c.speaker, c.digit, c.index) == ("jackson", 6, 0)))]
spec = log_mel(wave)[0]
coeffs = mfcc(spec)
seconds = wave.shape[-1] / SR
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
image = ax1.imshow(spec, origin="lower", aspect="auto", cmap="magma", extent=(0, seconds, 0, 32))
fig.colorbar(image, ax=ax1, label="dB")
ax1.set_ylabel(tr("梅尔频带", "mel band"))
ax1.set_title(tr(f"对数梅尔语谱图（“{label}”）", f"Log-mel spectrogram (“{label}”)"))
image = ax2.imshow(coeffs, origin="lower", aspect="auto", cmap="coolwarm",
                   extent=(0, seconds, -0.5, N_MFCC - 0.5))
fig.colorbar(image, ax=ax2)
for edge in np.linspace(0, seconds, SEGMENTS + 1)[1:-1]:
    ax2.axvline(edge, color="black", lw=1, ls="--")
ax2.set_ylabel(tr("MFCC 系数序号", "MFCC index"))
ax2.set_title(tr(f"前 {N_MFCC} 个 MFCC，虚线分出 {SEGMENTS} 段",
                 f"First {N_MFCC} MFCCs, dashed lines mark the {SEGMENTS} segments"))
for ax in (ax1, ax2):
    ax.set_xlabel(tr("时间（秒）", "time (s)"))
plt.show()

# %%
# Look before classifying: PCA (no labels) and LDA (told the digits) project the 78-number
# vectors onto a plane. Colour by digit, then the same points by speaker.
scaled = StandardScaler().fit_transform(features)
pca = PCA(n_components=2, random_state=SEED).fit(scaled)
planes = {"PCA": pca.transform(scaled),
          "LDA": LinearDiscriminantAnalysis(n_components=2).fit(scaled, digits).transform(scaled)}
print("PCA: the first two components explain "
      f"{pca.explained_variance_ratio_.sum():.0%} of the variance")
fig, axes = plt.subplots(2, 2, figsize=(11, 9), layout="constrained")
for row, (name, xy) in enumerate(planes.items()):
    for col, (labels, names, what_zh, what_en) in enumerate([
            (digits, [str(d) for d in range(10)], "按数字着色", "coloured by digit"),
            (speakers, list(SPEAKERS), "按说话人着色", "coloured by speaker")]):
        ax = axes[row, col]
        cmap = plt.get_cmap("tab10")
        for k, value in enumerate(names):
            keep = labels.astype(str) == value
            ax.scatter(xy[keep, 0], xy[keep, 1], s=4, color=cmap(k), label=value)
        ax.set_title(tr(f"{name}，{what_zh}", f"{name}, {what_en}"))
        ax.legend(markerscale=3, fontsize="small", ncols=2)
fig.suptitle(tr("MFCC 特征投影到平面上：PCA（上）与 LDA（下）",
                "MFCC features projected onto a plane: PCA (top) and LDA (bottom)"))
plt.show()

# %%
# k-means never sees a label: do its 10 groups follow the digits or the speakers?
clusters = KMeans(n_clusters=10, n_init=10, random_state=SEED).fit_predict(scaled)
print(f"k-means, 10 clusters: adjusted Rand index with the digits "
      f"{adjusted_rand_score(digits, clusters):.2f}, with the speakers "
      f"{adjusted_rand_score(speakers, clusters):.2f} (1 = the same grouping, 0 = chance)")

# %%
# Four classifiers, each evaluated on the dataset's own split (takes 0-4 are the test set)
# and leaving each speaker out in turn. The scaler is fitted inside the pipeline, on the
# training clips only.
classifiers = {
    "SVM (RBF)": lambda: make_pipeline(StandardScaler(), SVC(C=10)),
    "logistic regression": lambda: make_pipeline(StandardScaler(),
                                                 LogisticRegression(max_iter=2000)),
    "LDA": lambda: make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()),
    "decision tree": lambda: DecisionTreeClassifier(random_state=SEED),
}


def accuracy(make, train, test, x=features):
    model = make().fit(x[train], digits[train])
    return (model.predict(x[test]) == digits[test]).mean()


scores = {}  # classifier -> (own split, [held-out accuracy of each speaker])
print(f"{'classifier':20s} {'own split':>9s} {'held-out speaker: mean (min-max)':>34s}")
for name, make in classifiers.items():
    own = accuracy(make, takes >= 5, takes < 5)
    held = [accuracy(make, speakers != s, speakers == s) for s in SPEAKERS]
    scores[name] = own, held
    print(f"{name:20s} {own:9.1%} {np.mean(held):15.1%} ({min(held):.0%}-{max(held):.0%})")

# %%
# Cepstral mean (and variance) normalisation, per clip: CMN subtracts each MFCC's mean over
# the clip's frames before pooling, CMVN also divides by its standard deviation (then the 13
# standard deviations pool_mfcc appends are 1 for every clip, so they are left out). The mean
# holds a fixed gain or microphone response and the speaker's average spectral envelope, but
# also whatever the clip's average spectrum says about the digit; the last row keeps only
# those 13 clip means. Same k-means and SVM as above; only the features change.
variants = {
    "MFCCs as above": features,
    "CMN, mean removed": np.stack([pool_mfcc(cmvn(c, variance=False)) for c in clip_mfccs]),
    # after CMVN the 13 standard deviations are all 1: only the 65 segment means are kept
    "CMVN, std divided too": np.stack([pool_mfcc(cmvn(c))[:-N_MFCC] for c in clip_mfccs]),
    "only the 13 clip means": np.stack([c.double().mean(dim=-1).numpy() for c in clip_mfccs]),
}
svm = classifiers["SVM (RBF)"]
print(f"{'features':23s} {'k-means ARI: digits':>19s} {'speakers':>8s} {'SVM: own split':>14s} "
      f"{'held out':>8s}  " + " ".join(f"{s:>8s}" for s in SPEAKERS))
results = {}
for name, x in variants.items():
    if name == "MFCCs as above":  # computed above
        groups, (own, held) = clusters, scores["SVM (RBF)"]
    else:
        groups = KMeans(n_clusters=10, n_init=10, random_state=SEED).fit_predict(
            StandardScaler().fit_transform(x))
        own = accuracy(svm, takes >= 5, takes < 5, x)
        held = [accuracy(svm, speakers != s, speakers == s, x) for s in SPEAKERS]
    ari = adjusted_rand_score(digits, groups), adjusted_rand_score(speakers, groups)
    results[name] = *ari, own, held
    print(f"{name:23s} {ari[0]:19.2f} {ari[1]:8.2f} {own:14.1%} {np.mean(held):8.1%}  "
          + " ".join(f"{h:8.0%}" for h in held))

# %%
# The same in words, with the mean gain on held-out speakers and its 95 % t-interval: one
# pair per speaker (each fold trains once: the SVM draws no random numbers).
ari_digits, ari_speakers, own, held = results["CMN, mean removed"]
mean, low, high = paired_t_interval(held, results["MFCCs as above"][3])
print(f"after CMN, k-means agrees with the digits at {ari_digits:.2f} and with the speakers "
      f"at {ari_speakers:.2f}")
print(f"after CMN, the SVM scores {own:.1%} on the own split and {np.mean(held):.1%} on "
      f"average on held-out speakers: {100 * mean:+.1f} points (95% t-interval "
      f"{100 * low:+.1f} to {100 * high:+.1f} points, paired by speaker, "
      f"{len(SPEAKERS) - 1} degrees of freedom); by speaker: " + ", ".join(
          f"{s} {100 * (a - b):+.1f}" for s, a, b in zip(
              SPEAKERS, held, results["MFCCs as above"][3], strict=True)))
ari_digits, ari_speakers, own, held = results["only the 13 clip means"]
print(f"the 13 clip means alone: k-means agrees with the speakers at ARI {ari_speakers:.2f}; "
      f"the SVM scores {own:.1%} on the own split but {np.mean(held):.1%} with the speaker "
      f"held out")
