"""MkDocs hook: onnxruntime-web's files into the site, at ``assets/onnxruntime-web/``, for
chapter 5's in-browser demo (docs/ch5/deploy.md, overrides/assets/javascripts/digit-demo.js).

They come from the npm install ``make setup`` did (``npm ci --prefix web``: the version and
hashes pinned in ``web/package-lock.json``), never from a CDN: readers in mainland China
cannot reach most of them, and the demo sends nothing anywhere. Only the WebAssembly build
is served (its loader, its glue module and its binary, about 14 MB), and the page loads it
only when a reader presses the demo's button. Without npm the site still builds and the
demo says its runtime is missing; CI (``CI=true``) stops instead.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

DIST = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "onnxruntime-web"
FILES = ("dist/ort.wasm.min.js", "dist/ort-wasm-simd-threaded.mjs",
         "dist/ort-wasm-simd-threaded.wasm")  # the loader keeps its MIT licence header
TARGET = "assets/onnxruntime-web"  # in the site; the demo's marker points here

log = logging.getLogger("mkdocs.hooks.web_runtime")


def on_post_build(config):
    missing = [f for f in FILES if not (DIST / f).is_file()]
    if missing:
        message = (f"onnxruntime-web is not installed ({DIST / missing[0]} is missing): the "
                   "chapter 5 demo will say its runtime is missing. Run `make setup` with "
                   "Node.js/npm present (npm ci --prefix web).")
        if os.environ.get("CI") == "true":
            raise PluginError(message)
        log.info(message)
        return
    target = Path(config.site_dir) / TARGET
    target.mkdir(parents=True, exist_ok=True)
    for file in FILES:
        source, copy = DIST / file, target / Path(file).name
        if not copy.is_file() or copy.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, copy)
