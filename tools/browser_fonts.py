"""Chromium's fonts: the system's, plus Noto Sans CJK from the locked wheel noto-cjk-sans-otc.

Chromium on Linux takes its fonts from fontconfig, and a machine with no CJK font (no
fonts-noto-cjk) shows the Chinese pages as boxes. :func:`environment` writes a fontconfig
file into ``.cache/fontconfig/`` that includes the system's configuration, adds the wheel's
folder and prefers its simplified Chinese face, and returns the environment to start
Chromium with (``FONTCONFIG_FILE`` pointing at it). The browser tests, ``make screenshots``
and the PDF start Chromium through tests/browser/served_site.py, which uses it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "fontconfig"
SYSTEM_CONF = Path("/etc/fonts/fonts.conf")
FAMILY = "Noto Sans CJK SC"

# Every face of the collection covers the Chinese characters; without a preference
# fontconfig may take the Japanese one (other shapes for some characters). <default> puts
# the simplified Chinese face last in the generic families' lists (monospace falls back
# through sans-serif): Latin text keeps the fonts it had, a character none of them has
# comes from this face, on English pages too (measured with CSS.getPlatformFontsForNode).
CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- written by tools/browser_fonts.py -->
<fontconfig>
  <include ignore_missing="yes">{system}</include>
  <dir>{folder}</dir>
  <cachedir>{cache}</cachedir>
  <alias>
    <family>sans-serif</family>
    <default><family>{family}</family></default>
  </alias>
  <alias>
    <family>serif</family>
    <default><family>{family}</family></default>
  </alias>
</fontconfig>
"""


def font_file() -> Path:
    """The wheel's NotoSansCJK-Regular.ttc (the file audiodl's figures use too)."""
    from audiodl.figure_language import bundled_font_file

    return bundled_font_file()


def config_file() -> Path:
    """The fontconfig file, written when it is missing or out of date."""
    text = CONF.format(system=SYSTEM_CONF, folder=font_file().parent, cache=CACHE,
                       family=FAMILY)
    target = CACHE / "fonts.conf"
    if not target.exists() or target.read_text("utf-8") != text:
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".fonts.conf.{os.getpid()}")
        tmp.write_text(text, "utf-8")
        tmp.replace(target)
    return target


def environment() -> dict[str, str]:
    """This process's environment, with fontconfig pointed at :func:`config_file`."""
    return {**os.environ, "FONTCONFIG_FILE": str(config_file())}
