"""One search index per language, and whole Chinese words in search and highlighting.

mkdocs-static-i18n 1.3 merges the entries of every language into one index at
``search/search_index.json`` that every page loads, so a Chinese reader gets English
results and both languages pay for the other's index. After the last language is built,
this hook splits that index by language: the default language's pages stay in
``search/search_index.json``, each other language's go to ``<lang>/search/search_index.json``
(locations made relative to that language's root). ``overrides/main.html`` points each
page's search at its own language's root, the only thing Material uses that base for.

Material fetches the whole index on every page view, which was more than half of a page's
first load and grows with every chapter. Here ``search_index.json`` keeps only the config
(the page needs it to highlight ``?h=`` terms) and the documents go to ``search_docs.js``,
which ``search_worker_prelude.js`` (put in front of Material's worker) loads when the
reader first searches. The documents are UTF-8, not ``\\uXXXX`` escapes (a Chinese
character is 3 bytes instead of 6).

Chinese is cut into words by jieba at build time (Material's search plugin); jieba cuts a
term it does not know differently from place to place (``语谱图`` here, ``语谱 图`` there),
and a query only finds the cut it was written as. The hook adds the glossary's Chinese terms
(docs/glossary.md: term, aliases, discouraged forms) to jieba's dictionary, so each is one
word everywhere; a term with another term inside it after its first character
(``对数梅尔语谱图`` holds ``语谱图``) is left to be cut into those, so both are found.

Material 9's search worker cuts a Chinese query into the index's words, but its loop
never tries a word that ends at the query's last character (``j < query.length``), and it
drops a one-character last word: ``梅尔`` is searched and highlighted as ``梅``. The hook
patches those two bounds in the built worker; a worker that no longer has them (a Material
upgrade) fails a strict build with this file's name, so the patch never goes stale silently.

With Material's offline plugin (the offline edition, ``tools/offline.py``), each index is
also written as ``search_index.js`` beside it: under ``file://`` Material loads it as a
script.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.search_per_language")

PRELUDE = Path(__file__).with_name("search_worker_prelude.js")

# The two bounds in the minified worker's segment(query, index) (see the docstring).
_INNER_LOOP = re.compile(r"for\(let (\w+)=(\w+)\+1;\1<(\w+)\.length;\1\+\+\)\3\.slice\(\2,\1\)in ")
_LAST_WORD = re.compile(r"(\w+)\[(\w+)\]&&\2<(\w+)\.length-1&&")


_HAN = re.compile(r"^[\u3400-\u9fff]+$")


def glossary_terms(glossary: Path) -> list[str]:
    """The Chinese terms of the glossary's tables that jieba should keep whole."""
    terms = set()
    for line in glossary.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 4 or cells[1] == "English":
            continue  # not a table row, or a table's header
        for cell in (cells[0], cells[2], cells[3]):  # term, also called, not used
            cell = re.sub(r"（[^）]*）|\([^)]*\)", "", cell)
            terms.update(t.strip() for t in re.split(r"[/、，,]", cell) if _HAN.match(t.strip()))
    # A one-character term (值, 门, 键) is a word for jieba already; kept here it would drop
    # every longer term holding it after its first character (峰值电平, 倒谱均值归一化).
    terms = {t for t in terms if len(t) > 1}
    return sorted(t for t in terms if not any(o != t and o in t[1:] for o in terms))


def _i18n(config):
    return config.plugins.get("i18n")


def _offline(config) -> bool:
    plugin = config.plugins.get("material/offline") or config.plugins.get("offline")
    return bool(plugin and plugin.config.enabled)


def on_config(config):
    """Keep the glossary's terms whole in jieba's cuts."""
    glossary = Path(config.docs_dir) / "glossary.md"
    if glossary.exists():
        import jieba  # a dependency of the docs group, used by Material's search plugin

        for term in glossary_terms(glossary):
            jieba.add_word(term)
    return config


def languages(config) -> list[tuple[str, str]]:
    """(locale, URL prefix) per built language, default first: [('zh', ''), ('en', 'en/')]."""
    out = []
    for lang in _i18n(config).config.languages:
        if lang.build:
            prefix = "" if lang.default else lang.link.strip("/") + "/"
            out.append((lang.locale, prefix))
    return sorted(out, key=lambda pair: pair[1] != "")


def split_index(site: Path, langs: list[tuple[str, str]], worker_dir: Path) -> dict[str, int]:
    """Split site/search/search_index.json by language into each language's config-only
    search_index.json and its search_docs.js; returns entries per language."""
    merged = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    others = [prefix for _, prefix in langs if prefix]
    counts = {}
    for locale, prefix in langs:
        if prefix:
            docs = [{**d, "location": d["location"][len(prefix):]}
                    for d in merged["docs"] if d["location"].startswith(prefix)]
        else:
            docs = [d for d in merged["docs"] if not d["location"].startswith(tuple(others))]
        # lunr's own language support ("zh": lunr.zh, lunr.multi, lunr.stemmer.support)
        # only adds pipeline steps that mkdocs.yml's `pipeline: []` turns off again, and
        # jieba has already cut the Chinese into words: no language script to load.
        out = site / prefix / "search"
        out.mkdir(parents=True, exist_ok=True)
        docs_js = os.path.relpath(out / "search_docs.js", worker_dir).replace(os.sep, "/")
        config = {**merged["config"], "lang": ["en"], "docs_js": docs_js}
        index = json.dumps({"config": config, "docs": []}, ensure_ascii=False,
                           separators=(",", ":"))
        (out / "search_index.json").write_text(index, "utf-8")
        docs_json = json.dumps(docs, ensure_ascii=False, separators=(",", ":"))
        (out / "search_docs.js").write_text(f"var __docs = {docs_json};\n", "utf-8")
        counts[locale] = len(docs)
    return counts


def patch_worker(workers: list[Path]) -> list[str]:
    """Fix the two bounds in the built search worker and put the prelude in front of it;
    returns what could not be patched."""
    if not workers:
        return ["no search worker found under assets/javascripts/workers/"]
    prelude = PRELUDE.read_text("utf-8")
    problems = []
    for worker in workers:
        js = worker.read_text("utf-8")
        if js.startswith(prelude):
            continue  # already patched (a dirty rebuild)
        js, inner = _INNER_LOOP.subn(lambda m: m[0].replace(f"{m[1]}<{m[3]}.length",
                                                            f"{m[1]}<={m[3]}.length"), js)
        js, last = _LAST_WORD.subn(lambda m: m[0].replace(".length-1&&", ".length&&"), js)
        if (inner, last) != (1, 1):
            problems.append(f"{worker.name}: segment() bounds found {inner}/{last} times, "
                            "expected 1/1 (has Material's search worker changed?)")
            continue
        worker.write_text(prelude + js, "utf-8")
    return problems


@event_priority(-200)  # after mkdocs-static-i18n (-100) has written the merged index
def on_post_build(config):
    i18n = _i18n(config)
    if i18n is None or i18n.building:  # a nested language build: wait for the last one
        return
    site = Path(config.site_dir)
    if not (site / "search" / "search_index.json").exists():
        return
    langs = languages(config)
    worker_dir = site / "assets" / "javascripts" / "workers"
    counts = split_index(site, langs, worker_dir)
    for problem in patch_worker(sorted(worker_dir.glob("search.*.min.js"))):
        log.warning(f"hooks/search_per_language.py: {problem}")
    if _offline(config):  # under file:// Material loads the index as a script
        for _, prefix in langs:
            folder = site / prefix / "search"
            data = (folder / "search_index.json").read_text("utf-8")
            (folder / "search_index.js").write_text(f"var __index = {data}", "utf-8")
    log.info("search index per language: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
