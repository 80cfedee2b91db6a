# %% [markdown] lang="zh"
# # 监督学习、半监督学习与无监督学习
#
# 同样是两团样本点，三种学习方式手里的信息并不相同：监督学习知道每个样本的标签；半监督学习
# 只知道其中少数几个样本的标签；无监督学习一个标签也没有，只能自己去发现数据里的结构。
# 这里用 k-means 把这些点聚成两簇。

# %% [markdown] lang="en"
# # Supervised, semi-supervised and unsupervised learning
#
# The same two clouds of samples, seen by three kinds of learning: supervised learning has a
# label for every sample; semi-supervised learning for only a few; unsupervised learning has
# none and must find the structure itself, here with k-means clustering into two groups.

# %%
import matplotlib.pyplot as plt
import numpy as np

from audiodl.figure_language import tr

rng = np.random.default_rng(0)
centres = np.array([[-1.5, 0.0], [1.5, 0.5]])
x = np.concatenate([c + rng.normal(scale=0.8, size=(50, 2)) for c in centres])
y = np.repeat([0, 1], 50)
labelled = np.zeros(len(x), dtype=bool)
labelled[[0, 1, 2, 50, 51, 52]] = True  # semi-supervised: 3 labels a class
print("samples:", len(x), "labelled in the semi-supervised case:", labelled.sum())

# %% [markdown] lang="zh"
# k-means 的做法：把每个点分给离它最近的中心，再把每个中心挪到分给它的那些点的平均位置，
# 如此反复。

# %% [markdown] lang="en"
# k-means: assign every point to its nearest centre, move each centre to the mean of its
# points, repeat.

# %%
centroids = x[rng.choice(len(x), size=2, replace=False)]
for _ in range(10):
    groups = ((x[:, None] - centroids[None]) ** 2).sum(-1).argmin(1)
    centroids = np.stack([x[groups == k].mean(0) for k in range(2)])
# Cluster numbers are arbitrary: match them to the classes before comparing.
agreement = max((groups == y).mean(), (groups != y).mean())
print(f"k-means groups agree with the hidden labels on {agreement:.0%} of the samples")

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), sharex=True, sharey=True)
colors = np.array(["C0", "C1"])
axes[0].scatter(*x.T, c=colors[y], s=18, edgecolor="k", lw=0.3)
axes[0].set_title(tr("监督学习：每个样本都有标签", "Supervised: every sample labelled"))
axes[1].scatter(*x[~labelled].T, c="0.75", s=18)
axes[1].scatter(*x[labelled].T, c=colors[y[labelled]], s=60, edgecolor="k", marker="D")
axes[1].set_title(tr("半监督学习：只有少数标签", "Semi-supervised: a few labels"))
axes[2].scatter(*x.T, c="0.75", s=18)
for k in range(2):
    member = groups == k
    axes[2].scatter(*x[member].T, s=18, facecolor="none", edgecolor=f"C{k + 2}")
axes[2].scatter(*centroids.T, marker="*", s=250, c="k")
axes[2].set_title(tr("无监督学习：k-means 找出的簇", "Unsupervised: clusters found (k-means)"))
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle(tr("同一份数据上的三种学习方式", "Three kinds of learning on the same data"))
fig.tight_layout()
plt.show()
