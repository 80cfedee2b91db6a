"""Figures in the reader's language (every chapter's figures; see the README, "Examples").

An example writes each word of a figure once per language::

    ax.set_xlabel(tr("频率（Hz）", "frequency (Hz)"))

``tr`` returns the text for ``AUDIODL_LANG`` (``en`` unless set, so a plain
``python examples/...`` run draws English) and remembers the pair. The build draws
each figure once per language from the same run: :func:`drawn_in` switches every
remembered text of a figure (titles, labels, legends, annotations, word tick labels)
to the other language and back, so no computation is repeated.

Chinese needs a CJK font: :func:`use_cjk_font` gives matplotlib Noto Sans CJK SC from the
package noto-cjk-sans-otc (SIL OFL; ``make setup`` installs it from the lock), so a figure
is the same glyph for glyph on every machine, with no system font to install;
``AUDIODL_CJK_FONT`` names an installed family instead. Without either it raises, naming
what to install: never boxes for glyphs. :func:`glyphs_checked` turns matplotlib's "Glyph ...
missing from font" warning into :class:`MissingGlyphError` while a figure is drawn, and
:func:`translatable` tells whether drawing a figure in the other language changes it.
"""

from __future__ import annotations

import os
import re
import warnings
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "en"
# The bundled font: a collection (.ttc) whose faces are Noto Sans CJK JP, KR, SC, TC, HK
# and their Mono twins; matplotlib (>= 3.11) lists each face under its own family name.
CJK_FONT = "Noto Sans CJK SC"
INSTALL_HINT = (
    "The Chinese figures use Noto Sans CJK SC from the package noto-cjk-sans-otc: run "
    "`make setup` (or `pip install noto-cjk-sans-otc` in your own environment). To use a "
    "system font instead, install one (Debian/Ubuntu: `apt-get install fonts-noto-cjk`), "
    "delete matplotlib's font cache (~/.cache/matplotlib) and name its family in "
    "AUDIODL_CJK_FONT."
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
    """Add the CJK font to matplotlib's sans-serif fallback list; its family name.

    The bundled Noto Sans CJK SC unless ``AUDIODL_CJK_FONT`` names an installed family."""
    global _cjk_font
    if _cjk_font:
        return _cjk_font
    import matplotlib as mpl
    from matplotlib import font_manager

    wanted = os.environ.get("AUDIODL_CJK_FONT")
    if wanted:
        if wanted not in {f.name for f in font_manager.fontManager.ttflist}:
            raise RuntimeError(
                f"AUDIODL_CJK_FONT={wanted!r} names no font matplotlib knows. " + INSTALL_HINT
            )
        found = wanted
    else:
        _register_bundled_font()
        found = CJK_FONT
    # Named, not the generic "sans-serif": matplotlib falls back glyph by glyph only
    # along a list of named families.
    mpl.rcParams["font.family"] = ["DejaVu Sans", found]
    _cjk_font = found
    return found


def bundled_font_file() -> Path:
    """NotoSansCJK-Regular.ttc from the package noto-cjk-sans-otc; raises with
    :data:`INSTALL_HINT` when it is not installed."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        raise RuntimeError(INSTALL_HINT) from None
    path = Path(str(FONT_PATH))
    if not path.is_file():
        raise RuntimeError(f"{path} is missing. " + INSTALL_HINT)
    return path


def _register_bundled_font() -> None:
    """Give matplotlib the bundled collection's faces in place of any other font of the
    same names (Debian's fonts-noto-cjk has them too, in another version, and bold faces
    that a bold title would take): a figure must not depend on the machine."""
    from matplotlib import font_manager

    path = str(bundled_font_file())
    manager = font_manager.fontManager
    if any(f.fname == path for f in manager.ttflist):
        return
    start = len(manager.ttflist)
    manager.addfont(path)  # also clears the cache of font look-ups
    ours = manager.ttflist[start:]
    names = {f.name for f in ours}
    if CJK_FONT not in names:
        import matplotlib

        del manager.ttflist[start:]
        raise RuntimeError(
            f"matplotlib {matplotlib.__version__} reads only the first face (Japanese) of "
            f"the font collection {path}; {CJK_FONT} needs matplotlib >= 3.11: run `make setup`."
        )
    manager.ttflist[:] = ours + [f for f in manager.ttflist[:start] if f.name not in names]


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
