# %% [markdown] lang="zh"
# # 导出数字网络：ONNX，特征提取也在图里
#
# 把第 5 章训练好的 `DigitCNN`（随 audiodl 提供的权重，`predict.py` 用的那一份）连同特征提取
# 一起导出成 ONNX 文件 `digit_cnn.onnx`：它的输入是 0.8 秒、8 kHz 的波形（去掉首尾静音、居中之后
# 的窗口），分帧、加窗、DFT、梅尔滤波器组和对数都在图里。再把浏览器需要的常数和“没有数字”
# 规则的阈值写进 `digit_cnn.json`。然后用 ONNX Runtime 在全部测试录音上检查导出的文件：
# logit 最多差多少、预测的数字是否全部相同；再看量化到 8 位之后文件有多大、答案变了多少；
# 最后逐段测一下延迟。本页的演示在浏览器里运行的，就是这里导出的文件。

# %% [markdown] lang="en"
# # Exporting the digit network: ONNX, with the features inside the graph
#
# Exports chapter 5's trained `DigitCNN` (the weights shipped with audiodl, the ones
# `predict.py` uses) together with its feature extraction to the ONNX file `digit_cnn.onnx`:
# its input is the 0.8 s, 8 kHz waveform window (the sound without its silent ends,
# centred), and framing, window, DFT, mel filterbank and logarithm are all in the graph.
# The constants the browser needs and the no-digit rule's thresholds go to
# `digit_cnn.json`. Then ONNX Runtime checks the exported file on every test recording: the
# largest difference in the logits, and whether every predicted digit is the same; then
# how large the file is after 8-bit quantisation and how much the answers move; last, the
# latency, one recording at a time. The page's demo runs the file exported here in the
# browser.

# %%
import json
import time

import numpy as np
import torch

from audiodl import output_dir
from audiodl.datasets import SpokenDigits
from audiodl.deploy import (
    browser_settings,
    export_onnx,
    operator_counts,
    quantise,
    run,
    session,
)
from audiodl.digits import fix_length, trim_silence
from audiodl.recognise import load_predictor, network_input

torch.set_num_threads(1)  # one thread, as the page's runtime uses
predictor = load_predictor()
out = output_dir("ch5/deploy")
onnx_path = out / "digit_cnn.onnx"
wrapper = export_onnx(predictor.model, onnx_path)
(out / "digit_cnn.json").write_text(json.dumps(browser_settings(predictor), indent=1))

size = onnx_path.stat().st_size
parts = {name: sum(t.numel() for n, t in wrapper.state_dict().items() if n.startswith(prefix))
         for name, prefix in [("DFT kernels", ("cos", "sin")), ("mel filterbank", "fbank"),
                              ("network", "model.")]}
ops = operator_counts(onnx_path)
print(f"digit_cnn.onnx: {size / 1024:.0f} KB, {sum(ops.values())} nodes")
for name, count in parts.items():
    print(f"  {name}: {count} numbers ({count * 4 / 1024:.0f} KB as float32)")
print("operators: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items(),
                                                             key=lambda kv: (-kv[1], kv[0]))))

# %%
# Every test recording (FSDD takes 0-4), cut and centred as predict.py does; PyTorch's
# logits are predict.py's own (network_input computes the log-mel outside the network).
test = SpokenDigits("test")
waves = [test[i][0][0] for i in range(len(test))]
windows = torch.stack([fix_length(trim_silence(w)) for w in waves])
with torch.no_grad():
    reference = predictor.model(network_input(waves)).numpy()
truth = np.array(test.digits)


def compare(name: str, logits: np.ndarray) -> None:
    same = (logits.argmax(1) == reference.argmax(1)).mean()
    right = (logits.argmax(1) == truth).mean()
    print(f"{name}: largest logit difference {np.abs(logits - reference).max():.2g}, "
          f"same digit as PyTorch {same:.1%}, right {right:.1%}")


print(f"{len(waves)} test recordings; PyTorch right {(reference.argmax(1) == truth).mean():.1%}")
float_session = session(onnx_path)
compare("ONNX Runtime, float32", run(float_session, windows))

# %%
# 8 bits: the network's weights only, and then the feature nodes (DFT, mel) too.
variants = {"8-bit network": out / "network_int8.onnx",
            "8-bit network and features": out / "all_int8.onnx"}
sessions = {"ONNX Runtime, float32": float_session}
for (name, path), features in zip(variants.items(), (False, True), strict=True):
    quantise(onnx_path, path, features=features)
    sessions[name] = session(path)
    print(f"{name}: {path.stat().st_size / 1024:.0f} KB")
    compare(f"  {name}", run(sessions[name], windows))
    path.unlink()  # only the float32 file is served to the page

# %%
# Latency: one recording at a time (batch 1), as the page runs it; the median of all.
def latency_ms(call) -> float:
    times = []
    for w in windows:
        start = time.perf_counter()
        call(w[None])
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


with torch.no_grad():
    print(f"PyTorch (features and network): {latency_ms(wrapper):.2f} ms per recording")
for name, sess in sessions.items():
    print(f"{name}: {latency_ms(lambda w, s=sess: run(s, w)):.2f} ms per recording")
