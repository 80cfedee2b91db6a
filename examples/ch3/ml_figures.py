# %% [markdown] lang="zh"
# # 机器学习的流程与层次
#
# 本章“机器学习基础”一节用到的示意图，都是用 matplotlib 的方框和箭头画的：从传感器到推理的
# 流程，人工智能、机器学习与深度学习的包含关系，机器学习的过程，以及传统机器学习和深度学习
# 的对比。

# %% [markdown] lang="en"
# # Machine learning: pipeline and nesting
#
# The diagrams of the section "Machine-learning basics", drawn with matplotlib boxes and
# arrows: the pipeline from sensors to inference, AI ⊃ ML ⊃ DL, how a machine learns, and
# traditional machine learning next to deep learning.

# %%
import matplotlib.pyplot as plt
from matplotlib.patches import Ellipse, FancyBboxPatch

from audiodl.figure_language import tr


def box(ax, x, y, text, color="#dbe4ff", w=1.6, h=0.8):
    """A rounded box centred at (x, y) with its text."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle="round,pad=0.05", fc=color, ec="#334"))
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def arrow(ax, start, end, text=None):
    """An arrow from start to end, with an optional label above its middle."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "#334", "lw": 1.2})
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.12, text,
                ha="center", va="bottom", fontsize=8, color="#555")


def chain(ax, labels, y=0.0, dx=2.1, colors=None, w=1.6):
    """Boxes in a row, each joined to the next by an arrow."""
    for i, label in enumerate(labels):
        box(ax, i * dx, y, label, color=(colors or {}).get(i, "#dbe4ff"), w=w)
        if i:
            arrow(ax, ((i - 1) * dx + w / 2 + 0.05, y), (i * dx - w / 2 - 0.05, y))


# %% [markdown] lang="zh"
# 从传感器到推理

# %% [markdown] lang="en"
# From sensors to inference

# %%
stages = [tr("传感器\n（麦克风）", "Sensors\n(microphone)"),
          tr("预处理", "Pre-\nprocessing"),
          tr("特征提取", "Feature\nextraction"),
          tr("特征选择", "Feature\nselection"),
          tr("推理\n（预测、识别）", "Inference\n(predict,\nrecognise)")]
fig, ax = plt.subplots(figsize=(9, 2.0))
chain(ax, stages, colors={0: "#e9ecef", 4: "#d3f9d8"})
ax.set_xlim(-0.9, 9.3)
ax.set_ylim(-0.7, 0.7)
ax.axis("off")
ax.set_title(tr("机器学习的流程：从传感器数据到预测",
                "The machine-learning pipeline: from sensor data to a prediction"))
plt.show()

# %% [markdown] lang="zh"
# 人工智能 ⊃ 机器学习 ⊃ 深度学习

# %% [markdown] lang="en"
# AI ⊃ ML ⊃ DL

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for (w, h, y, color, label, note) in [
    (9.0, 6.0, 0.0, "#e7f5ff", tr("人工智能（AI）", "Artificial intelligence (AI)"),
     tr("让机器完成需要智能的任务", "machines doing tasks that need intelligence")),
    (6.4, 4.0, -0.6, "#d0ebff", tr("机器学习（ML）", "Machine learning (ML)"),
     tr("从数据中学出规则", "learning the rules from data")),
    (3.8, 2.0, -1.3, "#a5d8ff", tr("深度学习（DL）", "Deep learning (DL)"),
     tr("多层神经网络", "many-layer neural networks")),
]:
    ax.add_patch(Ellipse((0, y), w, h, fc=color, ec="#1c3d5a", lw=1.5))
    top = y + h / 2
    ax.text(0, top - 0.45, label, ha="center", va="center", fontsize=11, weight="bold")
    ax.text(0, top - 0.8, note, ha="center", va="center", fontsize=8, color="#333")
ax.set_xlim(-4.7, 4.7)
ax.set_ylim(-3.2, 3.2)
ax.set_aspect("equal")
ax.axis("off")
ax.set_title(tr("深度学习属于机器学习，机器学习属于人工智能",
                "Deep learning is part of machine learning, which is part of AI"))
plt.show()

# %% [markdown] lang="zh"
# 机器如何学习

# %% [markdown] lang="en"
# How a machine learns

# %%
fig, ax = plt.subplots(figsize=(10, 3.4))
chain(ax, [tr("数据集", "Data set"), tr("分析\n（由人完成）", "Analysis\n(by people)"),
           tr("预处理", "Pre-\nprocessing")], y=0.8)
box(ax, 6.3, 1.6, tr("训练集", "Train set"), color="#fff3bf", h=0.6)
box(ax, 6.3, 0.0, tr("测试集", "Test set"), color="#ffe8cc", h=0.6)
arrow(ax, (5.05, 0.8), (5.45, 1.5))
arrow(ax, (5.05, 0.8), (5.45, 0.1))
ax.text(5.25, 0.8, tr("划分", "split"), fontsize=8, color="#555", va="center")
box(ax, 8.6, 1.6, tr("训练：\n算法 + 调参", "Training:\nalgorithm +\ntuning"), color="#d3f9d8",
    h=0.9)
arrow(ax, (7.15, 1.6), (7.75, 1.6))
box(ax, 8.6, 0.0, tr("训练好的\n模型", "Trained\nmodel"), color="#d3f9d8")
arrow(ax, (8.6, 1.1), (8.6, 0.45))
arrow(ax, (7.15, 0.0), (7.75, 0.0))
box(ax, 10.9, 0.0, tr("评估", "Evaluation"), color="#ffe3e3")
arrow(ax, (9.45, 0.0), (10.05, 0.0))
ax.annotate("", xy=(8.1, 2.15), xytext=(9.1, 2.15),
            arrowprops={"arrowstyle": "-|>", "connectionstyle": "arc3,rad=0.6",
                        "color": "#2b8a3e"})
ax.text(8.6, 2.6, tr("反复调整参数", "repeat: adjust parameters"), ha="center", fontsize=8,
        color="#2b8a3e")
ax.set_xlim(-0.9, 11.8)
ax.set_ylim(-0.6, 2.9)
ax.axis("off")
ax.set_title(tr("机器如何学习：准备数据，用一部分训练，用另一部分评估",
                "How a machine learns: prepare the data, train on one part, evaluate on the other"))
plt.show()

# %% [markdown] lang="zh"
# 传统机器学习与深度学习

# %% [markdown] lang="en"
# Traditional machine learning and deep learning

# %%
fig, ax = plt.subplots(figsize=(10, 3.2))
ax.text(-1.0, 1.6, tr("传统机器学习", "Traditional ML"), fontsize=10, weight="bold", va="center")
chain(ax, [tr("输入", "Input"),
           tr("特征提取\n（人工设计）", "Feature extraction\n(designed by people)"),
           tr("分类器\n（SVM、决策树……）", "Classifier\n(SVM, tree, ...)"),
           tr("输出", "Output")], y=1.0, dx=2.6, w=2.0, colors={1: "#ffe8cc", 2: "#d3f9d8"})
ax.text(-1.0, -0.4, tr("深度学习", "Deep learning"), fontsize=10, weight="bold", va="center")
box(ax, 0, -1.0, tr("输入", "Input"), w=2.0)
box(ax, 3.9, -1.0, tr("神经网络：特征提取和分类\n一起学出来",
                      "Neural network: feature extraction + classification,\nlearned together"),
    color="#d3f9d8", w=4.6)
box(ax, 7.8, -1.0, tr("输出", "Output"), w=2.0)
arrow(ax, (1.05, -1.0), (1.55, -1.0))
arrow(ax, (6.25, -1.0), (6.75, -1.0))
ax.set_xlim(-1.2, 9.0)
ax.set_ylim(-1.7, 1.9)
ax.axis("off")
ax.set_title(tr("传统机器学习由人设计特征，深度学习自己学出特征",
                "Traditional ML hand-designs the features; deep learning learns them"))
plt.show()
