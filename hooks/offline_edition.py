"""The offline edition's build (``AUDIODL_OFFLINE=true``, see tools/offline.py).

- Material's offline plugin adds unpkg.com's iframe-worker shim, which runs the search
  worker under ``file://``; the site's own copy (``overrides/assets/javascripts/``, MIT,
  from npm) replaces it, since a reader offline reaches no third-party host.
- ``extra.offline_edition`` tells the templates; ``overrides/partials/alternate.html``
  leaves out the language switcher (each language's zip holds only its own pages).
- The home pages' section on the editions (the heading ``{ #editions }`` down to the next
  ``##``) is left out: a zip holds neither the PDF nor the other zip.
"""

from __future__ import annotations

import re

from mkdocs.plugins import event_priority

SHIM = "assets/javascripts/iframe-worker-shim.js"
_SECTION = re.compile(r"^## [^\n]*\{ *#editions *\}.*?(?=^## |\Z)", re.M | re.S)


def offline(config) -> bool:
    plugin = config.plugins.get("material/offline") or config.plugins.get("offline")
    return bool(plugin and plugin.config.enabled)


@event_priority(-200)  # after the offline plugin has added its polyfill
def on_config(config):
    polyfills = config.extra.get("polyfills") or []
    config.extra["polyfills"] = [SHIM if "iframe-worker" in url else url for url in polyfills]
    config.extra["offline_edition"] = offline(config)
    return config


def on_page_markdown(markdown, page, config, files):
    if config.extra.get("offline_edition"):
        return _SECTION.sub("", markdown)
    return markdown
