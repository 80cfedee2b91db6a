# %% [markdown] lang="zh"
# # 人工特征与传统机器学习
#
# 先把每段录音变成一个长度固定的向量：MFCC 在 5 段时间上的平均值，再加上每个系数在整段
# 录音上的标准差。然后用 scikit-learn 的几种经典方法处理这些向量：主成分分析（PCA）和线性
# 判别分析（LDA）把它们投影到平面上看一看；k-means 聚类在不看标签的情况下给它们分组；支持
# 向量机（SVM）、逻辑回归、LDA 和决策树给它们分类。每个分类器都用两种方式评估：数据集
# 自带的划分，以及留一位说话人。

# %% [markdown] lang="en"
# # Hand-made features and traditional machine learning
#
# First every recording becomes a vector of one length: its MFCCs averaged over 5 stretches
# of time, plus each coefficient's standard deviation over the clip. Then a few classical
# methods from scikit-learn work on these vectors: principal component analysis (PCA) and
# linear discriminant analysis (LDA) project them onto a plane to look at; k-means
# clustering groups them without looking at the labels; a support vector machine (SVM),
# logistic regression, LDA and a decision tree classify them. Every classifier is evaluated
# twice: on the dataset's own split, and leaving one speaker out.

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
from audiodl.digits import N_MFCC, SEGMENTS, clip_features, log_mel, mfcc, trim_silence
from audiodl.figure_language import tr

seed_everything()
ds = SpokenDigits("all", transform=trim_silence)  # every clip without its silent ends
start = time.perf_counter()
features = np.stack([clip_features(ds[i][0]) for i in range(len(ds))])  # once, for every use
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


def accuracy(make, train, test):
    model = make().fit(features[train], digits[train])
    return (model.predict(features[test]) == digits[test]).mean()


print(f"{'classifier':20s} {'own split':>9s} {'held-out speaker: mean (min-max)':>34s}")
for name, make in classifiers.items():
    own = accuracy(make, takes >= 5, takes < 5)
    held = [accuracy(make, speakers != s, speakers == s) for s in SPEAKERS]
    print(f"{name:20s} {own:9.1%} {np.mean(held):15.1%} ({min(held):.0%}-{max(held):.0%})")
