"""Translation parity: the Chinese page (page.md) and the English page (page.en.md)
have the same anchors, the same code blocks and the same markers.

Code may differ only in `#` comments. A failure names the page, the line and the
difference, so the fix is one look away.

The suite runs each page's blocks once, from the Chinese page (conftest.py does not
collect an English page that has a Chinese twin): test_english_page_runs_the_same_tests
is what makes that safe, by comparing the test items pytest-codeblocks makes of the two
pages, code, markers and expected output included.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from mdpages import Page, read_page, runnable
from pytest_codeblocks.main import extract_from_file

DOCS = Path(__file__).resolve().parents[1] / "docs"


def twin_of(path: Path) -> Path:
    if path.name.endswith(".en.md"):
        return path.with_name(path.name[: -len(".en.md")] + ".md")
    return path.with_suffix(".en.md")


def rel(path: Path) -> str:
    """The path as a maintainer types it: relative to the repository when inside it."""
    root = DOCS.parent
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


ALL_PAGES = sorted(DOCS.rglob("*.md"))
ZH_PAGES = [p for p in ALL_PAGES if not p.name.endswith(".en.md")]


def test_docs_exist():
    assert ZH_PAGES, f"no Markdown pages under {DOCS}"


@pytest.mark.parametrize("path", ALL_PAGES, ids=rel)
def test_every_page_has_its_twin(path):
    twin = twin_of(path)
    assert twin.exists(), (
        f"{rel(path)} has no translation: create {rel(twin)} "
        "with the same headings, anchors and code blocks."
    )


@pytest.mark.parametrize("path", ALL_PAGES, ids=rel)
def test_every_heading_has_an_explicit_anchor(path):
    missing = [h for h in read_page(path).headings if not h.anchor]
    assert not missing, "\n".join(
        f"{rel(path)}:{h.line}: heading {h.text!r} has no anchor; "
        "add an English id, e.g. `## 卷积层 { #conv-layer }`"
        for h in missing
    )


@pytest.mark.parametrize("path", ALL_PAGES, ids=rel)
def test_python_fences_are_collected(path):
    bad = read_page(path).bad_fences
    assert not bad, "\n".join(
        f"{rel(path)}:{line}: fence ```{info} is never run by pytest-codeblocks; "
        "write exactly ```python (or ```text for code that must not run)"
        for line, info in bad
    )


def pairs():
    return [(p, twin_of(p)) for p in ZH_PAGES if twin_of(p).exists()]


@pytest.mark.parametrize("zh,en", pairs(), ids=lambda p: rel(p))
def test_same_anchors_in_same_order(zh, en):
    assert_same_anchors(read_page(zh), read_page(en))


@pytest.mark.parametrize("zh,en", pairs(), ids=lambda p: rel(p))
def test_same_code_blocks_and_markers(zh, en):
    assert_same_blocks(read_page(zh), read_page(en))


@pytest.mark.parametrize("zh,en", pairs(), ids=lambda p: rel(p))
def test_english_page_runs_the_same_tests(zh, en):
    assert_same_tests(zh, en)


# What pytest-codeblocks runs for a block and checks its output against.
ITEM_FIELDS = ("syntax", "marks", "importorskip", "expected_output",
               "expected_output_ignore_whitespace")


def assert_same_tests(zh: Path, en: Path) -> None:
    """The items pytest-codeblocks collects from the two pages (`cont` blocks joined to the
    block they continue, expected output attached) are the same, Python comments aside:
    running the English page's blocks would run the Chinese page's tests again."""
    a, b = collected(zh), collected(en)
    problems = []
    if len(a) != len(b):
        problems.append(f"{rel(zh)} gives {len(a)} test items, {rel(en)} gives {len(b)}")
    for x, y in zip(a, b, strict=False):
        where = f"{rel(zh)}::line {x.lineno} vs {rel(en)}::line {y.lineno}"
        for name in ITEM_FIELDS:
            if getattr(x, name) != getattr(y, name):
                problems.append(f"{where}: {name} {getattr(x, name)!r} vs {getattr(y, name)!r}")
        code_x, code_y = runnable(x.code, x.syntax), runnable(y.code, y.syntax)
        if code_x != code_y:
            diff = "\n".join(difflib.unified_diff(
                code_x.splitlines(), code_y.splitlines(), rel(zh), rel(en), lineterm=""))
            problems.append(f"{where}: code differs (comments ignored):\n{diff}")
    if problems:
        pytest.fail("\n".join(problems))


def collected(path: Path) -> list:
    """The blocks pytest-codeblocks makes test items of (plugin.MarkdownFile.collect)."""
    return [b for b in extract_from_file(path) if b.syntax in RUN_SYNTAX]


RUN_SYNTAX = ("python", "sh", "bash")


def assert_same_anchors(zh: Page, en: Page) -> None:
    a = [(h.level, h.anchor) for h in zh.headings]
    b = [(h.level, h.anchor) for h in en.headings]
    if a == b:
        return
    diff = "\n".join(
        difflib.unified_diff(
            [f"{'#' * lv} {{ #{id_} }}" for lv, id_ in a],
            [f"{'#' * lv} {{ #{id_} }}" for lv, id_ in b],
            rel(zh.path), rel(en.path), lineterm="",
        )
    )
    pytest.fail(f"headings differ between {rel(zh.path)} and {rel(en.path)}:\n{diff}")


def assert_same_blocks(zh: Page, en: Page) -> None:
    problems = []
    if len(zh.blocks) != len(en.blocks):
        problems.append(
            f"{rel(zh.path)} has {len(zh.blocks)} code blocks, "
            f"{rel(en.path)} has {len(en.blocks)}"
        )
    for n, (a, b) in enumerate(zip(zh.blocks, en.blocks, strict=False), start=1):
        where = f"block {n}: {rel(zh.path)}:{a.line} vs {rel(en.path)}:{b.line}"
        if a.info != b.info:
            problems.append(f"{where}: fence ```{a.info} vs ```{b.info}")
        if a.markers != b.markers:
            problems.append(f"{where}: markers {a.markers} vs {b.markers}")
        code_a, code_b = a.without_comments(), b.without_comments()
        if code_a != code_b:
            diff = "\n".join(
                difflib.unified_diff(
                    code_a.splitlines(), code_b.splitlines(),
                    f"{rel(zh.path)}:{a.line}", f"{rel(en.path)}:{b.line}", lineterm="",
                )
            )
            problems.append(f"{where}: code differs (comments ignored):\n{diff}")
    example_a = [m for _, m in zh.markers if m.startswith("example:")]
    example_b = [m for _, m in en.markers if m.startswith("example:")]
    if example_a != example_b:
        problems.append(f"example markers differ: {example_a} vs {example_b}")
    if problems:
        pytest.fail("\n".join(problems))
