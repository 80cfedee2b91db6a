"""Old addresses keep working: a page that moved leaves a small redirect page behind, in
every language (mkdocs-redirects cannot do the second language under mkdocs-static-i18n).

Add a line to MOVED when a page moves; the redirect keeps the reader's #anchor. Its place
and link follow the build's URLs: ``ch3/old/index.html`` -> ``../../ch5/new/`` on the
site, ``ch3/old.html`` -> ``../ch5/new.html`` in the offline edition (no directory URLs,
opened from disk, where a folder's address shows no page).

A page split in parts stays, and its sections move: MOVED_ANCHORS lists, for such a page,
each old #anchor and the page that now holds it. The old page gets a small script: opened
at a moved anchor, it goes on to the new page at the same anchor. An anchor that is not on
its new page, or still on the old one, fails the build.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

# old page -> new page, as paths of the Markdown sources under docs/ (default language)
MOVED = {
    "ch3/audio-classifier.md": "ch5/warm-up.md",
}

# page that stays -> {anchor that moved away: the page that now holds it}
MOVED_ANCHORS = {
    "ch5/spoken-digits.md": {
        "features": "ch5/features.md", "traditional": "ch5/features.md",
        "cnn": "ch5/cnn.md", "augmentation": "ch5/cnn.md",
        "speakers": "ch5/evaluation.md", "errors": "ch5/evaluation.md",
        "your-voice": "ch5/your-voice.md", "no-digit": "ch5/your-voice.md",
    },
}

PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="robots" content="noindex">
<link rel="canonical" href="{href}">
<meta http-equiv="refresh" content="0; url={href}">
<script>location.replace("{href}" + location.hash)</script>
</head>
<body><p><a href="{href}">{title}</a></p></body>
</html>
"""
TITLE = {"zh": "本页已移至新地址", "en": "This page has moved"}


def redirect(old: str, new: str, directory_urls: bool) -> tuple[str, str]:
    """(where the redirect page goes under the language's folder, its link to the new page),
    as MkDocs places the pages: ch3/old.md, ch5/new.md -> ("ch3/old/index.html",
    "../../ch5/new/") with directory URLs, ("ch3/old.html", "../ch5/new.html") without."""
    old_file, new_file = (File(src, None, "", directory_urls) for src in (old, new))
    href = posixpath.relpath(new_file.url, posixpath.dirname(old_file.dest_uri))
    return old_file.dest_uri, href + "/" if new_file.url.endswith("/") else href


def anchors(path: Path) -> set[str]:
    """The ``{ #anchor }`` attributes a Markdown page gives its headings."""
    return set(re.findall(r"\{\s*#([\w-]+)\s*\}", path.read_text(encoding="utf-8")))


def anchor_script(moved: dict[str, str], page: str, directory_urls: bool) -> str:
    """The script for ``page`` (a Markdown source under docs/) whose ``moved`` anchors now
    live on other pages: opened at one of them, it goes on to that page and anchor."""
    links = {anchor: redirect(page, new, directory_urls)[1] for anchor, new in moved.items()}
    return ("<script>(function () {var moved = " + json.dumps(links, sort_keys=True)
            + "; var a = decodeURIComponent(location.hash.slice(1));"
            + " if (moved.hasOwnProperty(a) && !document.getElementById(a))"
            + " location.replace(moved[a] + '#' + a);})();</script>")


def on_page_content(html_text, page, config, files):
    """Each language's copy of a split page gets its moved anchors' script."""
    source = re.sub(r"\.[a-z]{2}\.md$", ".md", page.file.src_uri)  # ch5/x.en.md -> ch5/x.md
    moved = MOVED_ANCHORS.get(source)
    if not moved:
        return html_text
    docs = Path(config.docs_dir)
    here = anchors(docs / page.file.src_uri)
    for anchor, new in moved.items():
        target = docs / new
        if anchor in here:
            raise PluginError(f"hooks/redirects.py: #{anchor} is still on {page.file.src_uri}; "
                              f"remove it from MOVED_ANCHORS or from the page")
        if not target.is_file() or anchor not in anchors(target):
            raise PluginError(f"hooks/redirects.py: MOVED_ANCHORS sends {source}#{anchor} "
                              f"to {new}, which has no such anchor")
    return html_text + anchor_script(moved, source, config.use_directory_urls)


def languages(config) -> list[tuple[str, str]]:
    """(language, folder under site/) of every language built: the default at the root."""
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return [("zh", "")]
    return [(lang.locale, "" if lang.default else f"{lang.locale}/")
            for lang in i18n.config.languages if lang.build]


def on_post_build(config):
    """Once, after mkdocs-static-i18n has built every language into its folder."""
    docs, site = Path(config.docs_dir), Path(config.site_dir)
    for old, new in MOVED.items():
        if not (docs / new).is_file():
            continue  # another project built with these hooks (tests/test_redirects.py
            # holds the course's own MOVED to its pages)
        if (docs / old).is_file():
            raise PluginError(f"hooks/redirects.py: {old} exists again; remove it from MOVED")
        dest, href = redirect(old, new, config.use_directory_urls)
        for lang, folder in languages(config):
            target = site / folder / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            title = html.escape(TITLE.get(lang, TITLE["en"]))
            target.write_text(PAGE.format(lang=lang, title=title, href=html.escape(href)),
                              encoding="utf-8")
