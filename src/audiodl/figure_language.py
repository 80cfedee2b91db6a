"""Figures in the reader's language (every chapter's figures; see the README, "Examples").

An example writes each word of a figure once per language::

    ax.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))

``tr`` returns the text for ``AUDIODL_LANG`` (``en`` unless set, so a plain
``python examples/...`` run draws English) and remembers the pair. The build draws
each figure once per language from the same run: :func:`drawn_in` switches every
remembered text of a figure (titles, labels, legends, annotations, word tick labels)
to the other language and back, so no computation is repeated.

Chinese needs a CJK font: :func:`use_cjk_font` finds one (Noto/Source Han, Microsoft
YaHei, PingFang, ...; ``AUDIODL_CJK_FONT`` names another) or raises, naming what to
install; never boxes for glyphs. :func:`glyphs_checked` turns matplotlib's "Glyph ...
missing from font" warning into :class:`MissingGlyphError` while a figure is drawn, and
:func:`translatable` tells whether drawing a figure in the other language changes it.
"""

from __future__ import annotations

import os
import re
import warnings
from contextlib import contextmanager

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "en"
# Fonts that carry simplified Chinese, in order of preference; matplotlib falls back
# glyph by glyph from DejaVu Sans (Latin, math) to the first of these it has.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Zen Hei",
    "Noto Sans CJK JP", "SimHei", "Arial Unicode MS",
)
INSTALL_HINT = (
    "Drawing the Chinese figures needs a CJK font and matplotlib found none. Install one: "
    "Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`, Fedora `sudo dnf install "
    "google-noto-sans-cjk-fonts`, macOS and Windows have PingFang SC / Microsoft YaHei. "
    "Then delete matplotlib's font cache (~/.cache/matplotlib) and run again."
)

GLYPH_WARNING = r"Glyph .* missing from font"


class MissingGlyphError(RuntimeError):
    """A figure uses a character that none of matplotlib's fonts can draw."""


_pairs: dict[str, dict[str, str]] = {}  # a text in either language -> both languages
_cjk_font: str | None = None


def language() -> str:
    """The language figures are drawn in: ``AUDIODL_LANG`` (zh or en), default en."""
    lang = os.environ.get("AUDIODL_LANG", DEFAULT_LANGUAGE)
    if lang not in LANGUAGES:
        raise ValueError(f"AUDIODL_LANG={lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def tr(zh: str, en: str) -> str:
    """The text for the current language; the pair is kept so the build can switch."""
    pair = {"zh": zh, "en": en}
    _pairs[zh] = _pairs[en] = pair
    lang = language()
    if lang == "zh":
        use_cjk_font()
    return pair[lang]


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang`` if it was written with :func:`tr`, else unchanged."""
    return _pairs.get(text, {}).get(lang, text)


def use_cjk_font() -> str:
    """Add an installed CJK font to matplotlib's sans-serif fallback list; its name."""
    global _cjk_font
    if _cjk_font:
        return _cjk_font
    import matplotlib as mpl
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    wanted = os.environ.get("AUDIODL_CJK_FONT")
    candidates = (wanted,) if wanted else CJK_FONTS
    found = next((name for name in candidates if name in installed), None)
    if found is None:
        if wanted:
            raise RuntimeError(
                f"AUDIODL_CJK_FONT={wanted!r} names no font matplotlib knows. " + INSTALL_HINT
            )
        raise RuntimeError(INSTALL_HINT)
    # Named, not the generic "sans-serif": matplotlib falls back glyph by glyph only
    # along a list of named families.
    mpl.rcParams["font.family"] = ["DejaVu Sans", found]
    _cjk_font = found
    return found


def translatable(fig) -> bool:
    """Whether any text of ``fig`` was written with :func:`tr` with two different
    languages. Call it after the figure was drawn once: tick labels exist only then."""
    from matplotlib.text import Text

    return any(
        translate(text.get_text(), "zh") != translate(text.get_text(), "en")
        for text in fig.findobj(Text)
        if text.get_text()
    )


@contextmanager
def glyphs_checked(what: str = "a figure"):
    """Within the block, a glyph missing from every font raises :class:`MissingGlyphError`
    naming ``what`` (matplotlib would draw a box and only warn)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_WARNING, category=UserWarning)
        try:
            yield
        except UserWarning as exc:
            if not re.match(GLYPH_WARNING, str(exc)):
                raise
            raise MissingGlyphError(
                f"{what}: {exc} matplotlib would draw a box in its place. Write a character "
                "those fonts have, or install a font that has it and add it to "
                "rcParams['font.family']."
            ) from None


def _translated(inner, lang: str):
    """Wrap a tick formatter so word tick labels (``set_xticks(.., labels)``,
    categorical axes) come out in ``lang``; numbers pass through unchanged."""
    from matplotlib.ticker import Formatter

    class Translated(Formatter):
        def __call__(self, x, pos=None):
            return translate(inner(x, pos), lang)

        def format_ticks(self, values):
            return [translate(s, lang) for s in inner.format_ticks(values)]

        def set_locs(self, locs):
            inner.set_locs(locs)

        def get_offset(self):
            return inner.get_offset()

        def format_data_short(self, value):
            return inner.format_data_short(value)

    return Translated()


@contextmanager
def drawn_in(fig, lang: str):
    """Within the block, ``fig``'s texts written with :func:`tr` read in ``lang``."""
    from matplotlib.text import Text

    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    families = []
    if lang == "zh":
        # Texts made before the font was chosen still name only Latin families.
        cjk = use_cjk_font()
        for text in fig.findobj(Text):
            props = text.get_fontproperties()
            if cjk not in props.get_family():
                families.append((props, props.get_family()))
                props.set_family([*props.get_family(), cjk])
    texts = []
    for text in fig.findobj(Text):
        old = text.get_text()
        new = translate(old, lang)
        if new != old:
            text.set_text(new)
            texts.append((text, old))
    tickers = []
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            for ticker in (axis.major, axis.minor):
                tickers.append((ticker, ticker.formatter))
                ticker.formatter = _translated(ticker.formatter, lang)
    try:
        yield fig
    finally:
        for text, old in texts:
            text.set_text(old)
        for ticker, formatter in tickers:
            ticker.formatter = formatter
        for props, family in families:
            props.set_family(family)


if language() == "zh":  # a plain `AUDIODL_LANG=zh python examples/...` run
    use_cjk_font()
