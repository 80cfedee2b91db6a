"""Runs hidden in the kernel before an example (its source is sent; it is never imported).

Chooses a CJK font first (``use_cjk_font`` raises, naming what to install, when there is
none). Then each matplotlib figure, at ``plt.show()`` and at the end of every cell,
becomes one display output: the English image (PNG, or JPEG when the PNG would be heavy)
with its title(s) as ``text/plain`` (the alt text), and under ``FIGURE_MIME`` both
languages' images and alt texts, drawn from the same figure with ``drawn_in``. A figure
with no word written with ``tr`` is drawn once and serves both languages. A glyph missing
from every font is an error, never a box. Names start with ``_`` so that they stay out of
the example's way.
"""

import base64 as _b64
import io as _io

import matplotlib as _mpl

_mpl.use("agg")
import matplotlib.pyplot as _plt  # noqa: E402
from IPython import get_ipython as _get_ipython  # noqa: E402
from IPython.display import display as _display  # noqa: E402

try:  # cheap: importing audiodl imports none of its modules (no torch) until one is used
    import audiodl.figure_language as _fl
except ModuleNotFoundError as _exc:
    if _exc.name != "audiodl":
        raise
    raise ModuleNotFoundError(
        "the kernel cannot import audiodl: install it (pip install -e .) in the environment "
        "that runs the kernel") from None
_fl.use_cjk_font()
_AUDIODL_FIGURE_MIME = "application/vnd.audiodl.figure+json"
_AUDIODL_ERROR_MIME = "application/vnd.audiodl.error+json"


def _audiodl_image(_fig, _mime=None):
    """PNG, or JPEG when the PNG would be heavy (photos); ``_mime`` skips the trial when
    the other language's image already decided."""
    if _mime != "image/jpeg":
        _buf = _io.BytesIO()
        _fig.savefig(_buf, format="png", dpi=100, bbox_inches="tight")
        if _buf.tell() <= 200_000:
            return "image/png", _b64.b64encode(_buf.getvalue()).decode()
    _buf = _io.BytesIO()
    _fig.savefig(_buf, format="jpeg", dpi=100, bbox_inches="tight",
                 pil_kwargs={"quality": 85})
    return "image/jpeg", _b64.b64encode(_buf.getvalue()).decode()


def _audiodl_drawn(_fig, _lang, _mime=None):
    with _fl.drawn_in(_fig, _lang):
        _titles = [_fig._suptitle.get_text()] if _fig._suptitle else []
        _titles += [_ax.get_title() for _ax in _fig.axes if _ax.get_title()]
        _alt = "; ".join(_titles) or {"zh": "图", "en": "Figure"}[_lang]
        with _fl.glyphs_checked(f"the {_lang} figure {_alt!r}"):
            _mime, _data = _audiodl_image(_fig, _mime)
    return {"mime": _mime, "data": _data, "alt": _alt}


def _audiodl_show(*_args, **_kwargs):
    """plt.show(): every open figure becomes a display output, then is closed."""
    try:
        for _num in _plt.get_fignums():
            _fig = _plt.figure(_num)
            _en = _audiodl_drawn(_fig, "en")
            if _fl.translatable(_fig):
                _zh = _audiodl_drawn(_fig, "zh", _en["mime"])
            else:  # no word to translate: the English image serves both
                _zh = {"alt": _en["alt"], "same": True}
            _shown = {"en": {_k: _v for _k, _v in _en.items() if _k != "data"}, "zh": _zh}
            _display({_en["mime"]: _en["data"], "text/plain": _en["alt"],
                      _AUDIODL_FIGURE_MIME: _shown}, raw=True)
    finally:
        _plt.close("all")


def _audiodl_after_cell(_result):
    """The end of a cell shows what plt.show() did not. IPython only prints an error raised
    here, so it becomes an output the runner turns into the example's failure."""
    try:
        _audiodl_show()
    except Exception as _exc:
        import traceback as _tb

        _display({_AUDIODL_ERROR_MIME: {"ename": type(_exc).__name__, "evalue": str(_exc),
                                        "traceback": _tb.format_exc()}}, raw=True)


_plt.show = _audiodl_show
_get_ipython().events.register("post_run_cell", _audiodl_after_cell)
