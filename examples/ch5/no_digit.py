# %% [markdown] lang="zh"
# # 什么时候回答“没有数字”
#
# `predict.py` 的拒识规则：声音太短、太轻、电平几乎不起伏（不像语音）、比任何一个数字都长，
# 或者网络对最可能的数字拿不准，就回答“没有数字”。这些阈值只在验证数据上选出：FSDD 训练
# 说话人的第 5、6 遍录音（应当接受），以及用种子 1 生成的各种非数字声音（应当拒绝）。这里先
# 在同样的验证数据上重新选一遍阈值，确认与随权重保存的规则相同；再在从未参与选择的数据上报告
# 两种错误：测试集录音（第 0～4 遍）被错拒的比例，和用另一个种子新生成的非数字声音被错当成
# 数字的比例。

# %% [markdown] lang="en"
# # When to answer "no digit"
#
# `predict.py`'s rule for refusing: it answers "no digit" when the sound is too short, too
# quiet, hardly moves in level (not like speech), is longer than any digit, or the network is
# unsure of its best digit. Its thresholds are chosen on validation data only: takes 5 and 6
# of FSDD's training speakers (to be accepted) and non-digit sounds drawn from seed 1 (to be
# refused). Here the thresholds are chosen again on the same validation data, to check that
# they are the rule saved with the weights; then both errors are reported on data that chose
# nothing: the share of test recordings (takes 0-4) wrongly refused, and the share of fresh
# non-digit sounds, drawn from another seed, wrongly accepted as digits.

# %%
import torch

from audiodl.recognise import (
    SHIPPED_WEIGHTS,
    NoDigitRule,
    error_rates,
    read_predictor,
    validation_measures,
)

torch.set_num_threads(1)
predictor = read_predictor(SHIPPED_WEIGHTS)
rule = predictor.rule
digits, others = validation_measures(predictor.model)
again = NoDigitRule.choose(digits, others)
same = all(abs(getattr(again, k) - v) < 1e-4 for k, v in vars(rule).items())
print(f"chosen on {len(digits)} validation digits and {len(others)} non-digit sounds "
      f"(the same rule as saved with the weights: {same}):")
print(f"  sound at least {rule.min_seconds:.2f} s and at most {rule.max_seconds:.2f} s long")
print(f"  loudest frame at least {rule.min_level_db:.1f} dB")
print(f"  level moving by at least {rule.min_swing_db:.1f} dB (standard deviation)")
print(f"  best digit's probability at least {rule.min_probability:.1%}")
val_refused = sum(rule.reason(m) is not None for m in digits)
val_accepted = sum(rule.reason(m) is None for m in others)
print(f"validation: {val_refused} of {len(digits)} digits refused, "
      f"{val_accepted} of {len(others)} non-digits accepted")

# %%
rates = error_rates(predictor)
print(f"test takes: {rates.refused} of {rates.digits} digits wrongly refused "
      f"({rates.refused / rates.digits:.1%}); of the rest, {rates.wrong} named wrongly")
for reason, n in sorted(rates.refused_why.items()):
    print(f"  {n} {reason}")
print(f"fresh non-digit sounds: {rates.accepted} of {rates.others} wrongly accepted "
      f"({rates.accepted / rates.others:.1%})")
for kind, n in sorted(rates.accepted_kinds.items()):
    print(f"  {n} {kind}")
