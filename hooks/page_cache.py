"""Reuse the HTML of a notebook page whose Markdown did not change (no MkDocs import here).

A warm build renders every example's notebook page again in each language, and most of
that time goes to highlighting its code cells and outputs. When a page's Markdown, its
place in the site and the Markdown configuration are the same as in a build before, the
page's HTML is taken from ``.cache/pages/html/`` instead: the page is rendered from its
Markdown without the fenced blocks (so the title and table of contents come out as
always, quickly), and its content is then replaced by the stored HTML.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
from pathlib import Path

FENCE = re.compile(r"^(`{3,}|~{3,})")


def without_fences(markdown: str) -> str:
    """``markdown`` less its fenced blocks (fence lines included)."""
    out, fence = [], None
    for line in markdown.splitlines():
        opened = FENCE.match(line)
        if fence is None and opened:
            fence = opened[1]
        elif fence is not None:
            if opened and opened[1].startswith(fence) and not line[len(opened[1]):].strip():
                fence = None
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _stable(value) -> str:
    """A name for what JSON cannot hold that is the same from one build to the next (a
    function or extension object by its qualified name, not its address)."""
    kind = value if callable(value) and hasattr(value, "__qualname__") else type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _versions() -> str:
    found = []
    for package in ("markdown", "pymdown-extensions", "pygments", "mkdocs"):
        try:
            found.append(importlib.metadata.version(package))
        except importlib.metadata.PackageNotFoundError:
            found.append("-")
    return " ".join(found)


class PageCache:
    """``root/<lang>/<page>/<key>.html``: the newest HTML of each notebook page."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions = _versions()
        self.pending: dict[str, tuple[Path, str | None]] = {}  # src_uri -> (file, html)
        self._hooks: str | None = None

    def hooks_digest(self, config) -> str:
        """The code of every hook (any may change a page's Markdown or HTML); read once:
        MkDocs itself loads hooks once per process."""
        if self._hooks is None:
            files = sorted(getattr(m, "__file__", "") for m in (config["hooks"] or {}).values())
            data = b"".join(Path(f).read_bytes() for f in files if f)
            self._hooks = hashlib.sha256(data).hexdigest()
        return self._hooks

    def key(self, markdown: str, dest_uri: str, config) -> str:
        """Everything that shapes the page's HTML: its Markdown and URL, the Markdown
        extensions and their options, the hooks' code, the packages' versions."""
        parts = [
            markdown, dest_uri, str(config.use_directory_urls), self.versions,
            json.dumps(config.markdown_extensions, default=_stable),
            json.dumps(config.mdx_configs, sort_keys=True, default=_stable),
            self.hooks_digest(config),
        ]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]

    def before_render(self, src_uri: str, lang: str, markdown: str, dest_uri: str,
                      config) -> str:
        """The Markdown to render: all of it the first time, without its fenced blocks
        when the HTML is stored."""
        file = self.root / lang / src_uri / f"{self.key(markdown, dest_uri, config)}.html"
        try:
            stored = file.read_text(encoding="utf-8")
        except OSError:
            self.pending[src_uri] = (file, None)
            return markdown
        self.pending[src_uri] = (file, stored)
        return without_fences(markdown)

    def after_render(self, src_uri: str, html: str) -> str:
        """The page's HTML: the stored one, or the fresh one, then stored."""
        file, stored = self.pending.pop(src_uri, (None, None))
        if stored is not None:
            return stored
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            for old in file.parent.glob("*.html"):
                old.unlink(missing_ok=True)
            tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
            tmp.write_text(html, encoding="utf-8")
            os.replace(tmp, file)
        return html
