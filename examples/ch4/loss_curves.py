# %% [markdown] lang="zh"
# # 交叉熵与均方误差：损失和梯度
#
# 一个二分类的输出单元给出未归一化的分数 $z$（logit），$p = \sigma(z)$ 是它认为"正类"的概率，
# 真实标签是正类。左图比较两种损失怎样惩罚 $p$：交叉熵 $-\log p$，以及把 $p$ 当成回归值的均方误差
# $(1 - p)^2$。右图是两种损失对 $z$ 的梯度：模型错得越离谱（$z$ 越负），交叉熵的梯度越接近 $-1$，
# 均方误差的梯度反而趋于 0，学不动了。梯度由 autograd 求出。

# %% [markdown] lang="en"
# # Cross-entropy and squared error: loss and gradient
#
# A two-class output unit gives an unnormalised score $z$ (a logit); $p = \sigma(z)$ is its
# probability for the positive class, and the true label is positive. Left: how the two
# losses punish $p$: cross-entropy $-\log p$, and the squared error $(1 - p)^2$ that treats
# $p$ as a regression value. Right: their gradients with respect to $z$, computed by
# autograd. The more wrong the model is (the more negative $z$), the closer cross-entropy's
# gradient gets to $-1$, while the squared error's fades to 0 and learning stalls.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from audiodl import pick_device, seed_everything
from audiodl.figure_language import tr

device = pick_device()
seed_everything()

z = torch.linspace(-8, 8, 401, device=device, requires_grad=True)
target = torch.ones_like(z)
p = torch.sigmoid(z)
cross_entropy = F.binary_cross_entropy_with_logits(z, target, reduction="none")
squared_error = (1 - p) ** 2
(grad_ce,) = torch.autograd.grad(cross_entropy.sum(), z, retain_graph=True)
(grad_se,) = torch.autograd.grad(squared_error.sum(), z)
for value in (-6.0, 0.0, 6.0):
    i = int(torch.argmin((z - value).abs()))
    print(f"z = {value:+.0f}: p = {p[i]:.4f}  cross-entropy {cross_entropy[i]:.4f} "
          f"(grad {grad_ce[i]:+.4f})  squared error {squared_error[i]:.4f} "
          f"(grad {grad_se[i]:+.4f})")

# %%
z, p = z.detach().cpu(), p.detach().cpu()
fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
ax_loss.plot(p, cross_entropy.detach().cpu(),
             label=tr("交叉熵 −log p", "cross-entropy −log p"))
ax_loss.plot(p, squared_error.detach().cpu(),
             label=tr("均方误差 (1 − p)²", "squared error (1 − p)²"))
ax_loss.set_xlabel(tr("模型给真实类别的概率 p", "probability p given to the true class"))
ax_loss.set_ylabel(tr("损失", "loss"))
ax_loss.set_ylim(0, 5)
ax_loss.set_title(tr("损失与概率", "Loss against probability"))
ax_grad.plot(z, grad_ce.cpu(), label=tr("交叉熵：p − 1", "cross-entropy: p − 1"))
ax_grad.plot(z, grad_se.cpu(), label=tr("均方误差：−2(1 − p)·p(1 − p)",
                                         "squared error: −2(1 − p)·p(1 − p)"))
ax_grad.set_xlabel(tr("logit z（p = σ(z)）", "logit z (p = σ(z))"))
ax_grad.set_ylabel(tr("损失对 z 的梯度", "gradient of the loss with respect to z"))
ax_grad.set_title(tr("梯度与 logit", "Gradient against the logit"))
ax_grad.annotate(tr("错得越离谱，均方误差的梯度越小",
                    "confidently wrong: squared error barely moves"),
                 (-5.5, -0.02), xytext=(-7.5, -0.55), arrowprops={"arrowstyle": "->"})
for ax in (ax_loss, ax_grad):
    ax.grid(alpha=0.3)
    ax.legend()
fig.suptitle(tr("真实类别为正类时，交叉熵和均方误差怎样惩罚一个二分类输出",
                "How cross-entropy and squared error punish a two-class output "
                "when the true class is positive"))
plt.show()
