"""audiodl.figure_language: one run, figures in both languages, never boxes for glyphs."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from audiodl import figure_language as fl  # noqa: E402
from audiodl.figure_language import drawn_in, tr  # noqa: E402


def texts(fig) -> set[str]:
    fig.canvas.draw()
    return {t.get_text() for t in fig.findobj(Text) if t.get_text()}


@pytest.fixture
def figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label=tr("直线", "line"))
    ax.set_title(tr("一条直线", "A line"))
    ax.set_xlabel(tr("时间（秒）", "time (s)"))
    ax.set_xticks([0, 1], [tr("起点", "start"), tr("终点", "end")])
    ax.annotate(tr("这里", "here"), (0.5, 0.5))
    fig.suptitle(tr("总标题", "Overall"))
    ax.legend()
    yield fig
    plt.close(fig)


def test_tr_follows_audiodl_lang(monkeypatch):
    monkeypatch.delenv("AUDIODL_LANG", raising=False)
    assert tr("猫", "cat") == "cat"  # English unless asked
    monkeypatch.setenv("AUDIODL_LANG", "zh")
    assert tr("猫", "cat") == "猫"
    monkeypatch.setenv("AUDIODL_LANG", "fr")
    with pytest.raises(ValueError, match="AUDIODL_LANG='fr'"):
        tr("猫", "cat")


def test_drawn_in_switches_every_text_and_restores_it(figure, monkeypatch):
    monkeypatch.delenv("AUDIODL_LANG", raising=False)
    english = texts(figure)
    assert {"A line", "line", "time (s)", "start", "end", "here", "Overall"} <= english
    with drawn_in(figure, "zh"):
        chinese = texts(figure)
    assert {"一条直线", "直线", "时间（秒）", "起点", "终点", "这里", "总标题"} <= chinese
    assert not {"A line", "line", "time (s)", "start", "end", "here", "Overall"} & chinese
    assert texts(figure) == english  # back as it was
    with drawn_in(figure, "en"):
        assert texts(figure) == english
    with pytest.raises(ValueError, match="unknown language 'de'"):
        with drawn_in(figure, "de"):
            pass


def test_the_two_languages_give_two_images(figure):
    images = {}
    for lang in ("en", "zh"):
        with drawn_in(figure, lang), fl.glyphs_checked(lang):
            buf = io.BytesIO()
            figure.savefig(buf, format="png")
            images[lang] = buf.getvalue()
    assert images["en"] != images["zh"]


def test_translatable_tells_figures_with_words_from_those_without(figure):
    texts(figure)
    assert fl.translatable(figure)
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    ax.set_title(tr("ReLU", "ReLU"))  # the same in both languages
    texts(fig)
    assert not fl.translatable(fig)
    plt.close(fig)


def test_a_glyph_no_font_has_is_an_error_not_a_box():
    fig, ax = plt.subplots()
    ax.set_title("\U0010fffd")  # a private-use character: no font draws it
    with pytest.raises(fl.MissingGlyphError, match="the test figure: Glyph .* missing"):
        with fl.glyphs_checked("the test figure"):
            fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def test_chinese_draws_without_a_missing_glyph(figure):
    fl.use_cjk_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with drawn_in(figure, "zh"), fl.glyphs_checked("zh"):
            figure.savefig(io.BytesIO(), format="png")


def test_no_cjk_font_says_what_to_install(monkeypatch):
    monkeypatch.setattr(fl, "_cjk_font", None)
    monkeypatch.setattr(matplotlib, "rcParams", matplotlib.rcParams.copy())
    monkeypatch.setenv("AUDIODL_CJK_FONT", "No Such Font")
    with pytest.raises(RuntimeError, match="fonts-noto-cjk") as info:
        fl.use_cjk_font()
    assert "AUDIODL_CJK_FONT='No Such Font'" in str(info.value)


def test_a_named_cjk_font_is_used(monkeypatch):
    found = fl.use_cjk_font()
    monkeypatch.setattr(fl, "_cjk_font", None)
    monkeypatch.setattr(matplotlib, "rcParams", matplotlib.rcParams.copy())
    monkeypatch.setenv("AUDIODL_CJK_FONT", found)
    assert fl.use_cjk_font() == found
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans", found]
    # DejaVu Sans comes first, so minus signs stay U+2212 and still have a glyph
    assert matplotlib.rcParams["axes.unicode_minus"]
    fig, ax = plt.subplots()
    ax.plot([-3, 3], [-2, 2])
    ax.set_title(tr("负数 −1", "negative −1"))
    with drawn_in(fig, "zh"), fl.glyphs_checked("zh"):
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
