"""Render $...$ and $$...$$ as MathML at build time: no CDN, no JavaScript, no network.

pymdownx.arithmatex (generic mode) wraps each formula in
``<span class="arithmatex">\\(...\\)</span>`` or ``<div class="arithmatex">\\[...\\]</div>``;
this hook replaces exactly those wrappers with MathML, which browsers render natively. A
block formula sits in ``<div class="math-display">``, the box that scrolls sideways when the
formula is wider than the column (docs/stylesheets/extra.css): Firefox does not scroll a
``<math>`` element itself.

latex2mathml never refuses a formula it only half understands: an unknown command stays
as text (``<mi>\\foo</mi>``), an unknown environment is dropped around its content, a
stray ``&`` becomes a literal ``&``, a ``\\\\`` outside a table a line break that MathML
Core (Chromium) ignores, and ``\\textstyle`` in a table cell an empty ``<mstyle/>`` (the
cell keeps display style). Each of those stops the build here, naming the page and formula.
"""

from __future__ import annotations

import html
import re

from latex2mathml import commands
from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

_WRAPPED = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])"
    r"</(?P=tag)>",
    re.DOTALL,
)
# `aligned` (amsmath's inner form, the one allowed inside $$) lines up like `align*`,
# which latex2mathml turns into a table: columns right, left, right, left, ...
_SAME_AS = {"aligned": "align*"}
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{([^}]*)\}")
_KNOWN_ENVIRONMENTS = {name.removeprefix("\\") for name in commands.MATRICES}
# What latex2mathml leaves when it did not understand (see the module docstring). Its
# output spells every character as an entity, so a raw & or backslash is a leftover.
_LEFTOVERS = (
    (re.compile(r"(\\[A-Za-z]+)"), "unknown command {0}"),
    (re.compile(r"&(?!#x[0-9A-Fa-f]+;)"), "a & outside an environment such as aligned"),
    (re.compile(r'linebreak="newline"'), "a \\\\ outside an environment such as aligned"),
    (re.compile(r"<mstyle[^>]*/>"), "a style command such as \\textstyle that applies to "
     "nothing here; in aligned, brace it with what it styles: {{\\textstyle\\sum_i}}"),
)


def latex_for_converter(latex: str, where: str) -> str:
    """`latex` with environments latex2mathml lacks renamed to their equivalents; an
    environment it does not know at all is refused."""

    def rename(match: re.Match[str]) -> str:
        name = match[1]
        if name in _SAME_AS:
            return match[0].replace(name, _SAME_AS[name])
        if name not in _KNOWN_ENVIRONMENTS:
            known = ", ".join(sorted(_KNOWN_ENVIRONMENTS | set(_SAME_AS)))
            raise bad_formula(where, latex, f"unknown environment {name}; known: {known}")
        return match[0]

    return _ENVIRONMENT.sub(rename, latex)


def to_mathml(page_html: str, where: str) -> str:
    """Return ``page_html`` with every arithmatex formula rendered as MathML."""

    def render(match: re.Match[str]) -> str:
        display = "block" if match["block"] is not None else "inline"
        latex = html.unescape(match["block"] if display == "block" else match["inline"])
        source = latex_for_converter(latex.strip(), where)
        try:
            mathml = convert(source, display=display)
        except Exception as exc:  # latex2mathml raises many types; all mean "bad formula"
            raise bad_formula(where, latex, f"{type(exc).__name__} {exc}".strip()) from exc
        for pattern, why in _LEFTOVERS:
            leftover = pattern.search(mathml)
            if leftover:
                raise bad_formula(where, latex, why.format(leftover[0]))
        return f'<div class="math-display">{mathml}</div>' if display == "block" else mathml

    return _WRAPPED.sub(render, page_html)


def bad_formula(where: str, latex: str, why: str) -> PluginError:
    return PluginError(
        f"{where}: cannot render the formula ${latex}$ as MathML ({why}). "
        "Fix the LaTeX, using only commands latex2mathml supports."
    )


def on_page_content(html_text, page, **kwargs):
    return to_mathml(html_text, page.file.src_uri)
