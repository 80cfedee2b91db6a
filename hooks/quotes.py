"""MkDocs hook: numbers in the prose taken from an example's printed output, so the prose
can never drift from what the example prints.

A page writes, inside a sentence::

    ... which is <!-- quote: ch4/gradient_check "{}× the central" --> times worse.

The quoted text is a piece of the example's printed output with ``{}`` where the number
is; spaces match any run of spaces. The hook finds the one place in the output that fits
and puts that number in the sentence: as printed, or formatted by a Python format for a
float such as ``{:.0f}`` or ``{:.1%}`` (a fraction as a percentage, without the sign).
It fails the build, naming page and line, when the example has no current result, when
nothing or more than one place in the output fits, or when a marker is malformed. Under
``AUDIODL_EXAMPLES=skip`` the number shows as a "?" that says why. Markers in code
(fences, `spans`) are left alone.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from mkdocs.exceptions import PluginError

HOOKS = Path(__file__).resolve().parent
sys.path[:0] = [str(HOOKS), str(HOOKS.parent)]  # example_markdown, and the runner package
from example_markdown import in_fences, md_escape  # noqa: E402

from runner.batch import status  # noqa: E402
from runner.project import Project  # noqa: E402

log = logging.getLogger("mkdocs.hooks.quotes")

QUOTE = re.compile(r'<!--\s*quote:\s*(?P<name>[^\s"]+)\s+"(?P<pattern>[^"]*)"\s*-->')
# A code span (left alone) or a quote marker, whichever comes first on a line.
SPAN_OR_QUOTE = re.compile(r"(?P<code>(?P<ticks>`+).+?(?P=ticks))|" + QUOTE.pattern)
ALMOST = re.compile(r"<!--\s*quotes?\b", re.IGNORECASE)
# A number as Python prints it: sign, digits, decimals, an exponent; not the tail of one.
NUMBER = r"(?<!\d)(?<!\d[.,])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?!\d|[.,]\d)"

NOT_RUN = {
    "zh": "示例 {name} 未运行（AUDIODL_EXAMPLES=skip），这里本应是它打印的数",
    "en": "example {name} was not run (AUDIODL_EXAMPLES=skip); its printed number goes here",
}


class QuoteError(Exception):
    """A quote that cannot be filled in; the message names page, line and what to do."""


PLACEHOLDER = re.compile(r"\{(?::(?P<spec>[^{}]*))?\}")


def placeholder(pattern: str, where: str) -> re.Match:
    """The one ``{}`` or ``{:spec}`` in a pattern."""
    found = list(PLACEHOLDER.finditer(pattern))
    if len(found) != 1:
        raise QuoteError(
            f'{where}: "{pattern}" must contain exactly one {{}} or {{:format}} (the number)'
        )
    return found[0]


def pattern_regex(pattern: str, where: str) -> re.Pattern:
    """The output text around the placeholder as a regex: literal, spaces flexible."""
    hole = placeholder(pattern, where)

    def literal(text: str) -> str:
        return r"\s+".join(re.escape(word) for word in re.split(r"\s+", text))

    before, after = pattern[: hole.start()], pattern[hole.end() :]
    return re.compile(f"{literal(before)}(?P<value>{NUMBER}){literal(after)}")


def shown(value: str, spec: str | None, where: str) -> str:
    """The number as the sentence shows it: as printed, or formatted with Python's ``spec``;
    a ``%`` spec gives the percentage without its sign, which each language writes its way
    (99 % in English, 99% in Chinese)."""
    if spec is None:
        return value
    try:
        text = format(float(value), spec)
    except ValueError:
        raise QuoteError(f"{where}: {{:{spec}}} is not a format for a number") from None
    return text.removesuffix("%") if spec.endswith("%") else text


def quoted_value(pattern: str, text: str, where: str) -> str:
    """The number in ``text`` (an example's printed output) at the one place ``pattern`` fits,
    as the sentence shows it."""
    found = [m["value"] for m in pattern_regex(pattern, where).finditer(text)]
    if len(found) != 1:
        what = "nothing fits" if not found else f"{len(found)} places fit ({', '.join(found)})"
        raise QuoteError(
            f'{where}: "{pattern}": {what} in the printed output; quote a piece of one line '
            f"of it with {{}} for the number. The output:\n{text.rstrip()}"
        )
    return shown(found[0], placeholder(pattern, where)["spec"], where)


def expand(markdown: str, src_uri: str, replace: Callable[[str, str, str], str]) -> str:
    """Each quote marker outside code, replaced by ``replace(name, pattern, where)``."""
    out, lines = [], markdown.split("\n")
    for n, (line, fenced_line) in enumerate(zip(lines, in_fences(lines), strict=True), start=1):
        if fenced_line or "<!--" not in line:
            out.append(line)
            continue
        where = f"{src_uri}:{n}"

        def one(m: re.Match, where: str = where) -> str:
            return m["code"] or replace(m["name"], m["pattern"], where)

        line = SPAN_OR_QUOTE.sub(one, line)
        outside_code = re.sub(r"(`+).+?\1", "", line)
        if ALMOST.search(outside_code):
            raise QuoteError(
                f"{where}: a quote marker must read "
                f'<!-- quote: <chapter>/<name> "text {{}} text" --> on one line: {line.strip()}'
            )
        out.append(line)
    return "\n".join(out)


def not_run(name: str, lang: str) -> str:
    return f'<abbr title="{NOT_RUN[lang].format(name=name)}">?</abbr>'


# ---------------------------------------------------------------- MkDocs events


class State:
    project: Project
    serving = False
    texts: dict[str, str | QuoteError] = {}  # example -> printed text, this build


state = State()


def on_startup(command, dirty):
    state.serving = command == "serve"


def on_config(config):
    state.project = Project(Path(config.config_file_path).resolve().parent)


def on_files(files, config):
    state.texts = {}  # each build (each language, each serve rebuild) reads results anew
    return files


def printed_text(name: str, where: str) -> str:
    """The current result's printed text, read from the cache (the examples hook has run
    every example by now); nothing runs here."""
    if name not in state.texts:
        try:
            [row] = status(state.project, [name])
            if row.state in ("cached", "unpacked"):
                state.texts[name] = row.last.text
            else:
                state.texts[name] = QuoteError(
                    f"examples/{name}.py has no current result ({row.state}, or it failed): "
                    f'run `make examples ARGS="--only {name}"` and read its error'
                )
        except KeyError:
            state.texts[name] = QuoteError(f"there is no examples/{name}.py")
    text = state.texts[name]
    if isinstance(text, QuoteError):
        raise QuoteError(f"{where}: {text}")
    return text


def on_page_markdown(markdown, page, config, files):
    if "<!--" not in markdown or page.file.src_uri.startswith("examples/"):
        return markdown
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "zh"
    skip = os.environ.get("AUDIODL_EXAMPLES", "run") == "skip"

    def replace(name: str, pattern: str, where: str) -> str:
        if skip:
            pattern_regex(pattern, where)  # still catch a malformed marker
            log.info("quotes: %s shows '?' for %s (AUDIODL_EXAMPLES=skip)", where, name)
            return not_run(name, lang)
        try:
            return quoted_value(pattern, printed_text(name, where), where)
        except QuoteError as exc:
            if not state.serving:
                raise
            log.info(str(exc))  # not an error: strict mode would stop `serve`
            return f"**[{md_escape(str(exc).splitlines()[0])}]**"

    try:
        return expand(markdown, page.file.src_uri, replace)
    except QuoteError as exc:
        raise PluginError(str(exc)) from None
