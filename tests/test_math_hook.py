"""hooks/math.py: formulas become MathML at build time; a bad one stops the build."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

_spec = importlib.util.spec_from_file_location(
    "math_hook", Path(__file__).resolve().parents[1] / "hooks" / "math.py"
)
math_hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(math_hook)


def test_inline_and_block_formulas_become_mathml():
    html = (
        '<p>Let <span class="arithmatex">\\(z &lt; 1\\)</span>.</p>\n'
        '<div class="arithmatex">\\[\\sigma(z) = \\frac{1}{1 + e^{-z}}\\]</div>'
    )
    out = math_hook.to_mathml(html, "p.md")
    assert "arithmatex" not in out
    assert out.count("<math") == 2
    assert 'display="inline"' in out and 'display="block"' in out
    assert "<mfrac>" in out
    assert "&#x0003C;" in out  # the escaped < reached latex2mathml as a real <


def test_a_block_formula_sits_in_a_box_that_scrolls_an_inline_one_does_not():
    out = math_hook.to_mathml('<div class="arithmatex">\\[x\\]</div>', "p.md")
    assert out.startswith('<div class="math-display"><math ') and out.endswith("</math></div>")
    out = math_hook.to_mathml('<span class="arithmatex">\\(x\\)</span>', "p.md")
    assert out.startswith("<math ") and out.endswith("</math>")


def test_aligned_becomes_a_table_of_right_and_left_columns():
    latex = "\\begin{aligned} a &= b + c & d &= e \\\\ fg &= h & i &= j \\end{aligned}"
    out = math_hook.to_mathml(f'<div class="arithmatex">\\[{latex}\\]</div>', "p.md")
    assert out.count("<mtr>") == 2 and out.count("<mtd") == 8
    assert out.count('columnalign="right"') == 4 and out.count('columnalign="left"') == 4
    assert 'columnspacing="0em 2em' in out  # docs/stylesheets/extra.css spaces the pairs
    assert "&" not in out.replace("&#x", "") and "(1)" not in out  # no stray &, no number


def test_a_braced_style_command_in_aligned_styles_what_it_holds():
    latex = "\\begin{aligned} b &= {\\textstyle\\sum_i} x \\end{aligned}"
    out = math_hook.to_mathml(f'<div class="arithmatex">\\[{latex}\\]</div>', "p.md")
    assert '<mstyle displaystyle="false" scriptlevel="0"><msub><mo>&#x02211;</mo>' in out


def test_page_without_math_is_unchanged():
    html = "<p>No maths here: $5 and $6.</p>"
    assert math_hook.to_mathml(html, "p.md") == html


@pytest.mark.parametrize(
    "latex, why",
    [
        ("x^", "MissingSuperScriptOrSubscriptError"),
        ("\\sigmoid(z)", "unknown command \\sigmoid"),
        ("\\text{see \\foo}", "unknown command \\foo"),  # left as text inside <mtext>
        ("a &= b", "a & outside an environment such as aligned"),  # a literal & otherwise
        ("a \\\\ b", "a \\\\ outside an environment such as aligned"),  # Chromium: one line
        ("\\begin{gathered} a \\end{gathered}", "unknown environment gathered; known: "),
        ("\\begin{aligned} a &= \\textstyle\\sum_i b \\end{aligned}", "a style command such"),
    ],
)
def test_bad_formula_names_the_page_the_formula_and_why(latex, why):
    html = f'<span class="arithmatex">\\({latex}\\)</span>'
    with pytest.raises(PluginError) as err:
        math_hook.to_mathml(html, "ch3/x.md")
    expected = f"ch3/x.md: cannot render the formula ${latex}$ as MathML ({why}"
    assert str(err.value).startswith(expected)
