"""audiodl.figure_language: one run, figures in both languages, never boxes for glyphs."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
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


# ---------------------------------------------------------------- the bundled font

ROOT = Path(__file__).resolve().parents[1]
# Run in a process whose matplotlib knows only the fonts it ships: the example, then every
# figure it left open drawn to PNG (with the agg backend plt.show() draws nothing), then
# the file and face the Chinese family resolves to.
DRAW_EXAMPLE = """
import io, json, runpy, sys
import matplotlib, matplotlib.pyplot as plt
from matplotlib import font_manager
own = matplotlib.get_data_path()
others = [f.fname for f in font_manager.fontManager.ttflist if not f.fname.startswith(own)]
runpy.run_path(sys.argv[1], run_name="__main__")
for number in plt.get_fignums():
    plt.figure(number).savefig(io.BytesIO(), format="png")
from audiodl.figure_language import use_cjk_font
found = font_manager.findfont(font_manager.FontProperties(family=use_cjk_font()))
print(json.dumps({"others": others, "file": str(found), "face": getattr(found, "face_index", 0),
                  "family": font_manager.get_font(found).family_name}))
"""


def run_with_only_matplotlibs_fonts(tmp_path, example: Path, **env) -> subprocess.CompletedProcess:
    """``python -W error::UserWarning`` (a missing glyph is an error) on ``example`` with
    AUDIODL_LANG=zh, matplotlib's font cache in an empty folder listing only the fonts
    matplotlib ships: no system font, CJK or other, is visible to it."""
    config = tmp_path / "mplconfig"
    config.mkdir()
    own = Path(matplotlib.get_data_path())
    manager = copy.copy(font_manager.fontManager)
    manager.ttflist = [f for f in manager.ttflist if own in Path(f.fname).parents]
    manager.afmlist = [f for f in manager.afmlist if own in Path(f.fname).parents]
    font_manager.json_dump(
        manager, config / f"fontlist-v{font_manager.FontManager.__version__}.json")
    environ = {k: v for k, v in os.environ.items() if k != "AUDIODL_CJK_FONT"}
    environ.update(MPLCONFIGDIR=str(config), AUDIODL_LANG="zh", MPLBACKEND="agg", **env)
    return subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", DRAW_EXAMPLE, str(example)],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)


def test_an_example_draws_chinese_with_no_system_cjk_font(tmp_path):
    proc = run_with_only_matplotlibs_fonts(tmp_path, ROOT / "examples/ch3/perceptron_sigmoid.py")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["others"] == []  # matplotlib saw no font but its own
    assert Path(result["file"]) == fl.bundled_font_file()
    assert result["family"] == "Noto Sans CJK SC"  # the simplified Chinese face, not JP's
    assert result["face"] == 2


def test_without_the_bundled_font_the_same_run_fails(tmp_path):
    """The check above can fail: there, Chinese without audiodl's font is a missing glyph."""
    script = tmp_path / "chinese.py"
    script.write_text("import matplotlib.pyplot as plt\n"
                      "fig, ax = plt.subplots()\nax.set_title('标题')\n")
    proc = run_with_only_matplotlibs_fonts(tmp_path, script)
    assert proc.returncode == 1
    assert "UserWarning: Glyph 26631" in proc.stderr and "missing from font" in proc.stderr


def test_the_bundled_font_wins_over_a_system_font_of_the_same_name(tmp_path, monkeypatch):
    """Debian's fonts-noto-cjk has the same family names (another version, and bold faces):
    the figures still take the bundled file, so they do not depend on the machine."""
    bundled = str(fl.bundled_font_file())
    system = tmp_path / "NotoSansCJK-Regular.ttc"
    shutil.copyfile(bundled, system)
    manager = font_manager.fontManager
    # a fresh process on a machine with the font installed: the system's copy is listed,
    # the bundled one not yet
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if f.fname != bundled])
    start = len(manager.ttflist)
    manager.addfont(system)
    manager.ttflist[:] = manager.ttflist[start:] + manager.ttflist[:start]
    assert font_manager.findfont("Noto Sans CJK SC") == str(system)
    monkeypatch.setattr(fl, "_cjk_font", None)
    monkeypatch.setattr(matplotlib, "rcParams", matplotlib.rcParams.copy())
    monkeypatch.delenv("AUDIODL_CJK_FONT", raising=False)
    assert fl.use_cjk_font() == "Noto Sans CJK SC"
    for weight in ("normal", "bold"):
        prop = font_manager.FontProperties(family="Noto Sans CJK SC", weight=weight)
        assert font_manager.findfont(prop) == bundled
