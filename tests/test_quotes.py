"""hooks/quotes.py: numbers in the prose taken from an example's printed output. The pure
part (finding markers, matching the output) on strings; the MkDocs part on a throwaway
project whose example cache holds a made-up result; and every page's quote markers
checked for form, existing examples and the same quotes in both languages."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[1]
# Loaded by path, as MkDocs does: hooks/ on sys.path would hide the standard library's math.
_spec = importlib.util.spec_from_file_location("quotes_hook", ROOT / "hooks" / "quotes.py")
quotes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(quotes)

OUTPUT = """\
forward  difference: smallest error 1.9e-09 at h = 6e-08
central  difference: smallest error 5.2e-12 at h = 2e-05
test accuracy 99.2 % (1,000 clips), 365× faster
loss -0.25
"""


def fill(markdown: str, text: str = OUTPUT) -> str:
    return quotes.expand(
        markdown,
        "ch4/page.md",
        lambda name, pattern, where: quotes.quoted_value(pattern, text, where),
    )


def test_a_quote_becomes_the_number_as_printed():
    page = (
        'It is <!-- quote: ch4/x "{}× faster" --> times faster, '
        'at <!-- quote: ch4/x "accuracy {} %" --> %.'
    )
    assert fill(page) == "It is 365 times faster, at 99.2 %."


@pytest.mark.parametrize(
    "pattern,value",
    [
        ("forward difference: smallest error {} at", "1.9e-09"),  # spaces match any run
        ("central  difference: smallest error 5.2e-12 at h = {}", "2e-05"),
        ("loss {}", "-0.25"),
        ("(1,000 clips), {}×", "365"),
        ("accuracy {:.1f} % (", "99.2"),
        ("accuracy {:.0f} %", "99"),  # a Python format for a float
        ("loss {:.0%}", "-25"),  # a fraction as a percentage, the sign left to the sentence
        ("smallest error {:.0e} at h = 2e-05", "5e-12"),
    ],
)
def test_values(pattern, value):
    assert quotes.quoted_value(pattern, OUTPUT, "p.md:1") == value


def test_a_number_is_never_cut_out_of_a_longer_one():
    for pattern in ("accuracy 9{} %", "{}.2 %", "({} clips"):
        with pytest.raises(quotes.QuoteError, match="nothing fits"):
            quotes.quoted_value(pattern, "accuracy 99.2 % (1,000 clips)", "p.md:1")


def test_nothing_fits_names_the_place_and_shows_the_output():
    with pytest.raises(quotes.QuoteError) as err:
        fill('x <!-- quote: ch4/x "precision {} %" --> y\n')
    message = str(err.value)
    assert message.startswith('ch4/page.md:1: "precision {} %": nothing fits')
    assert "365× faster" in message


def test_two_places_fitting_is_an_error():
    with pytest.raises(quotes.QuoteError, match=r"2 places fit \(1.9e-09, 5.2e-12\)"):
        fill('<!-- quote: ch4/x "smallest error {} at" -->')


@pytest.mark.parametrize("pattern", ["no number", "{} and {}", "{:.1f} and {}"])
def test_exactly_one_placeholder(pattern):
    with pytest.raises(quotes.QuoteError, match="exactly one"):
        fill(f'<!-- quote: ch4/x "{pattern}" -->')


@pytest.mark.parametrize(
    "line",
    [
        '<!-- quote ch4/x "{}× faster" -->',  # no colon
        "<!-- quote: ch4/x {}× faster -->",  # no quotes
        '<!--Quotes: ch4/x "{}× faster" -->',
    ],
)
def test_almost_a_marker_is_an_error(line):
    with pytest.raises(quotes.QuoteError, match=r"ch4/page.md:2: a quote marker must read"):
        fill(f"text\n{line}\n")


def test_a_format_that_is_not_for_numbers_is_an_error():
    with pytest.raises(quotes.QuoteError, match=r"\{:d\} is not a format for a number"):
        fill('<!-- quote: ch4/x "loss {:d}" -->')


def test_markers_in_code_are_left_alone():
    page = (
        'Write `<!-- quote: ch4/x "{}× faster" -->` in a sentence:\n\n'
        "```text\n"
        '<!-- quote: ch4/x "{}× faster" -->\n'
        "```\n\n"
        "~~~~markdown\n"
        "```\n"
        '<!-- quote: ch4/x "{}" -->\n'
        "~~~~\n"
        'and <!-- quote: ch4/x "{}× faster" -->.'
    )
    lines = fill(page).splitlines()
    assert lines[:-1] == page.splitlines()[:-1]
    assert lines[-1] == "and 365."


# ---------------------------------------------------------------- the hook in a build


@pytest.fixture
def project(monkeypatch):
    """The hook's view of the runner: ch4/x has a current result that printed OUTPUT,
    ch4/never_ran none, and there is no ch4/nope. (The runner's own tests cover how
    it decides what is current.)"""
    from runner.batch import Status

    def status(project, names):
        [name] = names
        rows = {
            "ch4/x": Status("ch4/x", "cached", SimpleNamespace(text=OUTPUT)),
            "ch4/never_ran": Status("ch4/never_ran", "missing", None),
        }
        if name not in rows:
            raise KeyError(name)
        return [rows[name]]

    monkeypatch.setattr(quotes, "status", status)
    monkeypatch.setattr(quotes.state, "project", None, raising=False)
    monkeypatch.setattr(quotes.state, "serving", False)
    monkeypatch.delenv("AUDIODL_EXAMPLES", raising=False)
    quotes.on_files(None, None)


def page_markdown(markdown: str, lang: str = "en") -> str:
    i18n = SimpleNamespace(current_language=lang)
    config = SimpleNamespace(plugins={"i18n": i18n})
    page = SimpleNamespace(file=SimpleNamespace(src_uri="ch4/page.md"))
    return quotes.on_page_markdown(markdown, page, config, None)


@pytest.mark.usefixtures("project")
def test_the_hook_reads_the_cached_result():
    assert page_markdown('About <!-- quote: ch4/x "{}× faster" -->×.') == "About 365×."


@pytest.mark.usefixtures("project")
def test_an_example_without_a_result_stops_the_build():
    with pytest.raises(
        PluginError,
        match=r"ch4/page.md:1: examples/ch4/never_ran.py has no "
        r"current result \(missing.*make examples",
    ):
        page_markdown('<!-- quote: ch4/never_ran "{}" -->')


@pytest.mark.usefixtures("project")
def test_an_unknown_example_stops_the_build():
    with pytest.raises(PluginError, match="there is no examples/ch4/nope.py"):
        page_markdown('<!-- quote: ch4/nope "{}" -->')


@pytest.mark.usefixtures("project")
def test_skip_shows_a_question_mark_that_says_why(monkeypatch):
    monkeypatch.setenv("AUDIODL_EXAMPLES", "skip")
    out = page_markdown('About <!-- quote: ch4/never_ran "{}× faster" -->×.', lang="zh")
    assert (
        out == 'About <abbr title="示例 ch4/never_ran 未运行（AUDIODL_EXAMPLES=skip），'
        '这里本应是它打印的数">?</abbr>×.'
    )
    with pytest.raises(PluginError, match="exactly one"):  # a bad marker is still caught
        page_markdown('<!-- quote: ch4/x "no number" -->')


@pytest.mark.usefixtures("project")
def test_under_serve_the_page_shows_the_problem_and_goes_on(monkeypatch):
    monkeypatch.setattr(quotes.state, "serving", True)
    out = page_markdown('About <!-- quote: ch4/x "{} slower" -->.')
    assert out.startswith(r'About **[ch4/page.md:1: "\{\} slower": nothing fits in the printed')
    assert out.endswith("]**.")


# ---------------------------------------------------------------- the pages' markers


def quote_markers(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^\s*(`{3,}|~{3,}).*?^\s*\1\s*$", "", text, flags=re.M | re.S)  # fences
    return [(m["name"], m["pattern"]) for m in quotes.QUOTE.finditer(text)]


PAGES = sorted(p for p in (ROOT / "docs").rglob("*.md") if not p.name.endswith(".en.md"))


@pytest.mark.parametrize("zh", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_quote_existing_examples_alike_in_both_languages(zh):
    en = zh.with_name(zh.stem + ".en.md")
    zh_quotes, en_quotes = quote_markers(zh), quote_markers(en)
    assert zh_quotes == en_quotes, "the two languages must quote the same numbers, in order"
    for name, pattern in zh_quotes:
        assert (ROOT / "examples" / f"{name}.py").is_file(), f"no examples/{name}.py"
        quotes.pattern_regex(pattern, str(zh))


def test_the_hook_is_registered():
    assert "hooks/quotes.py" in (ROOT / "mkdocs.yml").read_text()
