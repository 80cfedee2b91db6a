# %% [markdown] lang="zh"
# # 导出数字网络：ONNX，特征提取也在图里
#
# 把第 5 章训练好的 `DigitCNN`（随 audiodl 提供的权重，`predict.py` 用的那一份）连同特征提取
# 一起导出成 ONNX 文件 `digit_cnn.onnx`：它的输入是 0.8 秒、8 kHz 的波形（去掉首尾静音、居中之后
# 的窗口），分帧、加窗、DFT、梅尔滤波器组和对数都在图里。再把浏览器需要的常数和“没有数字”
# 规则的阈值写进 `digit_cnn.json`。然后用 ONNX Runtime 在全部测试录音上检查导出的文件，
# 和网页一样一次一段：logit 最多差多少、预测的数字是否全部相同；再看量化到 8 位之后文件
# 有多大、答案变了多少；最后是每种做法的延迟。本页的演示在浏览器里运行的，就是这里导出的文件。

# %% [markdown] lang="en"
# # Exporting the digit network: ONNX, with the features inside the graph
#
# Exports chapter 5's trained `DigitCNN` (the weights shipped with audiodl, the ones
# `predict.py` uses) together with its feature extraction to the ONNX file `digit_cnn.onnx`:
# its input is the 0.8 s, 8 kHz waveform window (the sound without its silent ends,
# centred), and framing, window, DFT, mel filterbank and logarithm are all in the graph.
# The constants the browser needs and the no-digit rule's thresholds go to
# `digit_cnn.json`. Then ONNX Runtime checks the exported file on every test recording,
# one at a time as the page runs them: the largest difference in the logits, and whether
# every predicted digit is the same; then how large the file is after 8-bit quantisation
# and how much the answers move; last, the latency of each. The page's demo runs the file
# exported here in the browser.

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
    stored_numbers,
)
from audiodl.digits import fix_length, trim_silence
from audiodl.recognise import load_predictor, network_input

torch.set_num_threads(1)  # one thread, as the page's runtime uses
predictor = load_predictor()
out = output_dir("ch5/deploy")
onnx_path = out / "digit_cnn.onnx"
wrapper = export_onnx(predictor.model, onnx_path)
(out / "digit_cnn.json").write_text(json.dumps(browser_settings(predictor), indent=1))

ops = operator_counts(onnx_path)
print(f"digit_cnn.onnx: {onnx_path.stat().st_size / 1024:.0f} KB, {sum(ops.values())} nodes")
for part, count in stored_numbers(onnx_path).items():
    print(f"  {part}: {count} numbers ({count * 4 / 1024:.0f} KB as float32)")
print("operators: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items(),
                                                             key=lambda kv: (-kv[1], kv[0]))))

# %%
# Every test recording (FSDD takes 0-4), cut and centred as predict.py does, given one at a
# time as the page gives them (a batch would change what the 8-bit files compute: their
# inputs are quantised with one scale per batch). PyTorch's logits are predict.py's own
# (network_input computes the log-mel outside the network).
test = SpokenDigits("test")
waves = [test[i][0][0] for i in range(len(test))]
windows = torch.stack([fix_length(trim_silence(w)) for w in waves])
with torch.no_grad():
    reference = predictor.model(network_input(waves)).numpy()
truth = np.array(test.digits)
print(f"{len(waves)} test recordings, one at a time; "
      f"PyTorch right {(reference.argmax(1) == truth).mean():.1%}")


def one_at_a_time(call) -> tuple[np.ndarray, float]:
    """Logits (N, 10) of ``call`` on each window alone, and the median time per call (ms)."""
    logits, seconds = [], []
    for w in windows:
        start = time.perf_counter()
        logits.append(np.asarray(call(w[None])))
        seconds.append(time.perf_counter() - start)
    return np.concatenate(logits), 1000 * float(np.median(seconds))


def compare(name: str, call) -> float:
    logits, ms = one_at_a_time(call)
    same = (logits.argmax(1) == reference.argmax(1)).mean()
    print(f"{name}: largest logit difference {np.abs(logits - reference).max():.2g}, "
          f"same digit as PyTorch {same:.1%}, right {(logits.argmax(1) == truth).mean():.1%}")
    return ms


with torch.no_grad():
    times = {"PyTorch (features and network)": one_at_a_time(wrapper)[1]}
sessions = {"ONNX Runtime, float32": session(onnx_path)}
times["ONNX Runtime, float32"] = compare("ONNX Runtime, float32",
                                         lambda w: run(sessions["ONNX Runtime, float32"], w))

# %%
# 8 bits: the network's weights only, and then the DFT kernels too.
variants = {"8-bit network": out / "network_int8.onnx",
            "8-bit network and DFT": out / "dft_int8.onnx"}
for (name, path), features in zip(variants.items(), (False, True), strict=True):
    quantise(onnx_path, path, features=features)
    print(f"{name}: {path.stat().st_size / 1024:.0f} KB")
    sess = session(path)
    times[name] = compare(f"  {name}", lambda w, s=sess: run(s, w))
    path.unlink()  # only the float32 file is served to the page

# %%
# Latency: the median over the recordings above, one at a time, as the page runs them.
for name, ms in times.items():
    print(f"{name}: {ms:.2f} ms per recording")
