"""Render $...$ and $$...$$ as MathML at build time: no CDN, no JavaScript, no network.

pymdownx.arithmatex (generic mode) wraps each formula in
``<span class="arithmatex">\\(...\\)</span>`` or ``<div class="arithmatex">\\[...\\]</div>``;
this hook replaces exactly those wrappers with MathML, which browsers render natively.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

_WRAPPED = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])"
    r"</(?P=tag)>",
    re.DOTALL,
)
# latex2mathml keeps a command it does not know as literal text, e.g. <mi>\foo</mi>.
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")


def to_mathml(page_html: str, where: str) -> str:
    """Return ``page_html`` with every arithmatex formula rendered as MathML."""

    def render(match: re.Match[str]) -> str:
        display = "block" if match["block"] is not None else "inline"
        latex = html.unescape(match["block"] if display == "block" else match["inline"])
        try:
            mathml = convert(latex.strip(), display=display)
        except Exception as exc:  # latex2mathml raises many types; all mean "bad formula"
            raise bad_formula(where, latex, f"{type(exc).__name__} {exc}".strip()) from exc
        unknown = _UNKNOWN_COMMAND.search(mathml)
        if unknown:
            raise bad_formula(where, latex, f"unknown command {unknown[1]}")
        return mathml

    return _WRAPPED.sub(render, page_html)


def bad_formula(where: str, latex: str, why: str) -> PluginError:
    return PluginError(
        f"{where}: cannot render the formula ${latex}$ as MathML ({why}). "
        "Fix the LaTeX, using only commands latex2mathml supports."
    )


def on_page_content(html_text, page, **kwargs):
    return to_mathml(html_text, page.file.src_uri)
