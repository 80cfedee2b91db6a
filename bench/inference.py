"""Chapter 5's digit network, one recording at a time, in one run: PyTorch, ONNX Runtime in
Python (float32 and the 8-bit network) and onnxruntime-web in Chromium (WebAssembly, one
thread, as the page's demo runs it). Prints the median milliseconds per recording over the
300 FSDD test windows and the ratios to ONNX Runtime's float32.

Run by `make bench` (needs Chromium and the npm install of web/, as the browser tests do).
Quote the ratios, not the milliseconds: these machines are shared and noisy.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "hooks"))

from served_site import chromium, serve  # noqa: E402
from web_runtime import DIST, FILES  # noqa: E402

from audiodl.datasets import SpokenDigits  # noqa: E402
from audiodl.deploy import export_onnx, quantise, run, session  # noqa: E402
from audiodl.digits import fix_length, trim_silence  # noqa: E402
from audiodl.recognise import load_predictor  # noqa: E402

PAGE = """<!doctype html><meta charset="utf-8"><title>bench</title>
<script src="ort.wasm.min.js"></script>"""
BROWSER_JS = """async (windows) => {
  ort.env.wasm.wasmPaths = new URL(".", location.href).href;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create("digit_cnn.onnx",
                                                    {executionProviders: ["wasm"]});
  const times = [];
  for (const w of windows) {
    const input = new ort.Tensor("float32", Float32Array.from(w), [1, w.length]);
    const start = performance.now();
    await session.run({wave: input});
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}"""


def median_ms(call, windows: torch.Tensor) -> float:
    call(windows[:1])  # the first call allocates
    times = []
    for w in windows:
        start = time.perf_counter()
        call(w[None])
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    torch.set_num_threads(1)
    test = SpokenDigits("test")
    windows = torch.stack([fix_length(trim_silence(test[i][0][0])) for i in range(len(test))])
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        model = load_predictor(log=lambda _: None).model
        wrapper = export_onnx(model, folder / "digit_cnn.onnx")
        quantise(folder / "digit_cnn.onnx", folder / "network_int8.onnx")
        times = {}
        with torch.no_grad():
            times["PyTorch"] = median_ms(wrapper, windows)
        float_session, int8_session = (session(folder / f) for f in
                                       ("digit_cnn.onnx", "network_int8.onnx"))
        times["ONNX Runtime, float32"] = median_ms(lambda w: run(float_session, w), windows)
        times["ONNX Runtime, 8-bit network"] = median_ms(lambda w: run(int8_session, w), windows)
        for file in FILES:
            shutil.copyfile(DIST / file, folder / Path(file).name)
        (folder / "index.html").write_text(PAGE)
        with serve(folder) as url, chromium() as browser:
            page = browser.new_page()
            page.goto(url + "index.html")
            times["onnxruntime-web (Chromium)"] = page.evaluate(BROWSER_JS, windows.tolist())
    base = times["ONNX Runtime, float32"]
    print(f"{len(windows)} test windows, one at a time, one thread; median per recording:")
    for name, ms in times.items():
        print(f"  {name:30s} {ms:6.3f} ms  ({ms / base:.1f}x ONNX Runtime float32)")


if __name__ == "__main__":
    main()
