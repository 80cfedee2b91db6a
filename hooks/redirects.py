"""Old addresses keep working: a page that moved leaves a small redirect page behind, in
every language (mkdocs-redirects cannot do the second language under mkdocs-static-i18n).

Add a line to MOVED when a page moves; the redirect keeps the reader's #anchor. Its place
and link follow the build's URLs: ``ch3/old/index.html`` -> ``../../ch5/new/`` on the
site, ``ch3/old.html`` -> ``../ch5/new.html`` in the offline edition (no directory URLs,
opened from disk, where a folder's address shows no page).
"""

from __future__ import annotations

import html
import posixpath
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

# old page -> new page, as paths of the Markdown sources under docs/ (default language)
MOVED = {
    "ch3/audio-classifier.md": "ch5/warm-up.md",
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
