"""hooks/search_per_language.py on its own (no browser, no build): the glossary's terms
for jieba, the split of the merged index, and the patch of Material's search worker, which
must fail loudly when a Material upgrade changes the worker."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from served_site import ROOT

# Loaded from its file: hooks/ on sys.path would shadow the standard library's math.
_spec = importlib.util.spec_from_file_location(
    "search_per_language", ROOT / "hooks" / "search_per_language.py")
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)

GLOSSARY = """# 术语表

| 中文 | English | 也称 | 不用 | 说明 |
| --- | --- | --- | --- | --- |
| 语谱图 | spectrogram |  |  | x |
| 对数梅尔语谱图 | log-mel spectrogram |  |  | x |
| 扩张（空洞）卷积 | dilated convolution | 空洞卷积 |  | x |
| 感知机 | perceptron | 感知器 | 感知器件 | x |
| `collate_fn` | collate function | 整理函数 |  | x |
| 训练模式 / 评估模式 | training / evaluation mode |  |  | x |
| 查询 / 键 / 值 | query / key / value |  |  | x |
| 峰值电平 | peak level |  |  | x |
"""


def test_glossary_terms(tmp_path):
    path = tmp_path / "glossary.md"
    path.write_text(GLOSSARY, "utf-8")
    terms = hook.glossary_terms(path)
    assert {"语谱图", "扩张卷积", "空洞卷积", "感知机", "感知器", "整理函数",
            "训练模式", "评估模式"} <= set(terms)
    assert "中文" not in terms and "也称" not in terms  # the header row
    assert "对数梅尔语谱图" not in terms  # holds 语谱图: left to be cut into words
    assert "值" not in terms and "峰值电平" in terms  # one character would drop the longer term
    assert not any("`" in t or "（" in t for t in terms)


def test_split_index(tmp_path):
    merged = {"config": {"lang": ["en", "zh"], "separator": "[\\s]+", "pipeline": []},
              "docs": [{"location": "", "title": "首页", "text": "甲"},
                       {"location": "ch2/#x", "title": "张量", "text": "乙"},
                       {"location": "en/", "title": "Home", "text": "a"},
                       {"location": "en/ch2/#x", "title": "Tensors", "text": "b"}]}
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text(json.dumps(merged), "utf-8")
    workers = tmp_path / "assets" / "javascripts" / "workers"
    counts = hook.split_index(tmp_path, [("zh", ""), ("en", "en/")], workers)
    assert counts == {"zh": 2, "en": 2}
    for prefix, locations in (("", ["", "ch2/#x"]), ("en/", ["", "ch2/#x"])):
        index = json.loads((tmp_path / prefix / "search" / "search_index.json").read_text())
        assert index["docs"] == [] and index["config"]["lang"] == ["en"]
        assert index["config"]["docs_js"] == f"../../../{prefix}search/search_docs.js"
        docs = (tmp_path / prefix / "search" / "search_docs.js").read_text("utf-8")
        assert docs.startswith("var __docs = ")
        got = json.loads(docs.removeprefix("var __docs = ").rstrip().rstrip(";"))
        assert [d["location"] for d in got] == locations
    assert "张量" in (tmp_path / "search" / "search_docs.js").read_text("utf-8")  # not \\u escapes


def material_worker() -> Path:
    import material

    folder = Path(material.__file__).parent / "templates" / "assets" / "javascripts" / "workers"
    return next(folder.glob("search.*.min.js"))


def test_worker_patch(tmp_path):
    worker = tmp_path / material_worker().name
    worker.write_text(material_worker().read_text("utf-8"), "utf-8")
    assert hook.patch_worker([worker]) == []
    js = worker.read_text("utf-8")
    assert js.startswith(hook.PRELUDE.read_text("utf-8"))
    assert hook._INNER_LOOP.search(js) is None and hook._LAST_WORD.search(js) is None
    assert hook.patch_worker([worker]) == [] and worker.read_text("utf-8") == js  # once


def test_worker_patch_fails_loudly_on_another_worker(tmp_path):
    worker = tmp_path / "search.0000.min.js"
    worker.write_text("function segment(){}", "utf-8")
    problems = hook.patch_worker([worker])
    assert problems and "expected 1/1" in problems[0]
    assert hook.patch_worker([]) != []
