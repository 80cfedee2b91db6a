"""Every content page of chapters 1-6 ends with exercises, and every solution is checkable.

A content page is any page under docs/ch1 ... docs/ch6 except a chapter's `index` (the
overview) and `corrections` pages; the glossary and the home page are not in a chapter.
Each must end with `## 练习 { #exercises }` / `## Exercises { #exercises }` holding at least
three exercises (top-level numbered items). Every solution box (`??? success "参考答案"` /
`??? success "Solution"`) holds a ```python block, which pytest-codeblocks runs like any
block, or starts by saying its answer is prose: "（文字解答）" / "(Answer in words.)". A
solution block that prints is followed by an expected-output block. A failure names the
page and the line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mdpages import read_page

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHAPTERS = ("ch1", "ch2", "ch3", "ch4", "ch5", "ch6")  # a missing chapter folder is skipped
NOT_CONTENT = {"index", "corrections"}  # page stems that are not content pages
MIN_EXERCISES = 3

TITLE = {"zh": "参考答案", "en": "Solution"}
PROSE = {"zh": "（文字解答）", "en": "(Answer in words.)"}
SECTION_TITLE = {"zh": "## 练习 { #exercises }", "en": "## Exercises { #exercises }"}

FENCE = re.compile(r"^(?P<indent>\s*)(?P<chars>`{3,}|~{3,})(?P<info>.*)$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*$")
EXERCISES_ANCHOR = re.compile(r"\{\s*#exercises\s*\}\s*$")
ITEM = re.compile(r"^\d+\.\s+\S")  # a top-level numbered item: no indent
BOX = re.compile(r'^(?P<indent>\s*)\?\?\?\+?\s+success\b[^"]*"(?P<title>[^"]*)"')


def lang_of(path: Path) -> str:
    return "en" if path.name.endswith(".en.md") else "zh"


def stem_of(path: Path) -> str:
    """'ch3/conv' for docs/ch3/conv.md and docs/ch3/conv.en.md."""
    name = path.name.removesuffix(".md").removesuffix(".en")
    return f"{path.parent.name}/{name}"


def content_pages(docs: Path = DOCS) -> list[Path]:
    pages = []
    for chapter in CHAPTERS:
        folder = docs / chapter
        if folder.is_dir():
            pages += [p for p in folder.glob("*.md")
                      if stem_of(p).split("/")[1] not in NOT_CONTENT]
    return sorted(pages)


def outside_fences(lines: list[str]):
    """(index, line) of every line outside fenced code, fence lines included as inside."""
    fence = None
    for i, line in enumerate(lines):
        opened = FENCE.match(line)
        if opened:
            chars = opened["chars"]
            if fence is None:
                fence = chars
                continue
            if chars[0] == fence[0] and len(chars) >= len(fence) and not opened["info"].strip():
                fence = None
                continue
        if fence is None:
            yield i, line


def exercise_section(lines: list[str]) -> tuple[int, int, int, list[str]]:
    """(heading index, level, end index, later headings of level <= 2); (-1, 0, 0, []) if none."""
    start, level, end, after = -1, 0, len(lines), []
    for i, line in outside_fences(lines):
        heading = HEADING.match(line)
        if not heading:
            continue
        n = len(heading["hashes"])
        if start < 0 and EXERCISES_ANCHOR.search(heading["text"]):
            start, level = i, n
        elif start >= 0 and n <= level:
            end = min(end, i)
            if n <= 2:
                after.append(line.strip())
    return start, level, end, after


def count_exercises(path: Path) -> int:
    """Top-level numbered items in the page's exercises section (0 without one)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start, _, end, _ = exercise_section(lines)
    if start < 0:
        return 0
    return sum(1 for i, line in outside_fences(lines) if start < i < end and ITEM.match(line))


def solution_boxes(lines: list[str]) -> list[tuple[int, str, int, int]]:
    """(marker index, title, first body index, end index) of every solution box."""
    boxes = []
    for i, line in outside_fences(lines):
        box = BOX.match(line)
        if not box:
            continue
        indent, end = len(box["indent"]), len(lines)
        for j in range(i + 1, len(lines)):
            if lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) <= indent:
                end = j
                break
        boxes.append((i, box["title"], i + 1, end))
    return boxes


def problems(path: Path, root: Path = DOCS.parent) -> list[str]:
    """Everything wrong with a content page's exercises, one line each."""
    where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    lang = lang_of(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    start, level, end, after = exercise_section(lines)
    if start < 0:
        return [f"{where}: no exercises section; end the page with `{SECTION_TITLE[lang]}` "
                f"and at least {MIN_EXERCISES} numbered exercises"]
    if level != 2:
        found.append(f"{where}:{start + 1}: the exercises heading must be level 2 (`## `)")
    if after:
        found.append(f"{where}:{start + 1}: the exercises section must be the page's last; "
                     f"found after it: {after[0]!r}")
    n = count_exercises(path)
    if n < MIN_EXERCISES:
        found.append(f"{where}:{start + 1}: {n} exercise(s) in the exercises section, "
                     f"need at least {MIN_EXERCISES} (top-level `1.`, `2.`, ... items)")
    blocks = read_page(path).blocks
    for i, title, body, stop in solution_boxes(lines):
        if title != TITLE[lang]:
            found.append(f"{where}:{i + 1}: solution box titled {title!r}; "
                         f"this page's language writes {TITLE[lang]!r}")
        if not start < i < end:
            found.append(f"{where}:{i + 1}: solution box outside the exercises section")
        elif not lines[i][:1].isspace():
            found.append(f"{where}:{i + 1}: solution box not indented under its exercise")
        text = [line.strip() for line in lines[body:stop] if line.strip()]
        inside = [b for b in blocks if body < b.line <= stop]
        has_python = any(b.info == "python" for b in inside)
        if not has_python and not (text and text[0].startswith(PROSE[lang])):
            found.append(f"{where}:{i + 1}: solution box has no ```python block; an answer in "
                         f"prose must start with {PROSE[lang]!r}")
        found += unchecked_prints(where, blocks, inside)
    return found


def unchecked_prints(where: str, blocks, inside) -> list[str]:
    """A python block that prints must be followed (through `cont` blocks) by expected output."""
    found = []
    for block in inside:
        if block.info != "python" or "print(" not in block.without_comments():
            continue
        if any(m.startswith("pytest.mark.skip") for m in block.markers):
            continue
        k = blocks.index(block) + 1
        while k < len(blocks) and "pytest-codeblocks:cont" in blocks[k].markers:
            k += 1
        if k >= len(blocks) or not any(
            m.startswith("pytest-codeblocks:expected-output") for m in blocks[k].markers
        ):
            found.append(f"{where}:{block.line}: solution block prints but has no "
                         "`<!--pytest-codeblocks:expected-output-->` block after it")
    return found


def rel(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def test_content_pages_found():
    assert content_pages(), f"no content pages under {DOCS}/ch2 ... ch5"


@pytest.mark.parametrize("page", content_pages(), ids=rel)
def test_page_ends_with_exercises(page):
    found = problems(page)
    assert not found, "\n".join(found)


def twins():
    zh = [p for p in content_pages() if lang_of(p) == "zh"]
    return [p for p in zh if p.with_suffix(".en.md").exists()]


@pytest.mark.parametrize("zh", twins(), ids=rel)
def test_both_languages_have_the_same_exercises(zh):
    en = zh.with_suffix(".en.md")
    counts = {p: (count_exercises(p), len(solution_boxes(p.read_text("utf-8").splitlines())))
              for p in (zh, en)}
    assert counts[zh] == counts[en], (
        f"(exercises, solution boxes): {rel(zh)} has {counts[zh]}, {rel(en)} has {counts[en]}"
    )


# The checker itself, on small pages: it must find each kind of mistake.

GOOD = """# Page {{ #page }}

## Summary {{ #summary }}

Text.

## Exercises {{ #exercises }}

1. Predict a shape.

    ??? success "Solution"

        ```python
        print((1, 2))
        ```

        <!--pytest-codeblocks:expected-output-->

        ```text
        (1, 2)
        ```

2. Explain.

    ??? success "Solution"

        (Answer in words.) Because.

{third}
"""


def write(tmp_path: Path, text: str, name: str = "p.en.md") -> Path:
    page = tmp_path / "ch2" / name
    page.parent.mkdir(exist_ok=True)
    page.write_text(text, encoding="utf-8")
    return page


def test_checker_passes_a_good_page(tmp_path):
    page = write(tmp_path, GOOD.format(third="3. Go further: no solution box needed."))
    assert count_exercises(page) == 3
    assert problems(page, root=tmp_path) == []


@pytest.mark.parametrize("third,expected", [
    ("", "2 exercise(s)"),
    ("3. A.\n\n    ??? success \"Solution\"\n\n        Just words.\n", "no ```python block"),
    ("3. A.\n\n    ??? success \"参考答案\"\n\n        ```python\n        x = 1\n        ```\n",
     "titled '参考答案'"),
    ("3. A.\n\n    ??? success \"Solution\"\n\n        ```python\n        print(1)\n        ```\n",
     "prints but has no"),
    ("3. A.\n\n## More { #more }\n", "must be the page's last"),
])
def test_checker_finds_each_mistake(tmp_path, third, expected):
    page = write(tmp_path, GOOD.format(third=third))
    found = problems(page, root=tmp_path)
    assert any(expected in line for line in found), found
    assert all(line.startswith("ch2/p.en.md") for line in found), found


def test_checker_names_a_page_without_exercises(tmp_path):
    page = write(tmp_path, "# 页 { #page }\n\n```python\n# 1. not an item\n```\n", "p.md")
    [message] = problems(page, root=tmp_path)
    assert message.startswith("ch2/p.md: no exercises section") and "练习" in message


def test_content_pages_skip_overviews_and_missing_chapters(tmp_path):
    for name in ("index.md", "index.en.md", "corrections.md", "a.md", "a.en.md"):
        write(tmp_path, "", name)
    assert [p.name for p in content_pages(tmp_path)] == ["a.en.md", "a.md"]


# ---------------------------------------------------------------- the overviews' counts

COUNT = {"zh": re.compile(r"练习 (\d+) 道"), "en": re.compile(r"(\d+) exercises?\b")}
LISTED = re.compile(r"^\d+\.\s+\[[^\]]*\]\((?P<page>[a-z0-9-]+)\.md\)")


def overview_counts(index: Path) -> dict[str, int | None]:
    """{page stem: the exercise count its line states (None if none)} from an overview's
    numbered list of the chapter's pages."""
    found = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        listed = LISTED.match(line)
        if listed:
            count = COUNT[lang_of(index)].search(line)
            found[listed["page"]] = int(count[1]) if count else None
    return found


OVERVIEWS = sorted(p for c in CHAPTERS for p in (DOCS / c).glob("index*.md"))


@pytest.mark.parametrize("index", OVERVIEWS, ids=rel)
def test_overview_states_each_pages_exercise_count(index):
    """Readers see at a glance how many exercises a chapter has: the overview lists every
    content page with its number of exercises, and the number is the page's real count."""
    suffix = ".en.md" if lang_of(index) == "en" else ".md"
    stated = overview_counts(index)
    wrong = []
    for page in content_pages():
        if page.parent != index.parent or not page.name.endswith(suffix):
            continue
        if lang_of(page) != lang_of(index):
            continue
        name = stem_of(page).split("/")[1]
        real = count_exercises(page)
        if stated.get(name) != real:
            wrong.append(f"{rel(index)}: {name} has {real} exercises, the overview says "
                         f"{stated.get(name, 'nothing (page not listed)')}")
    assert not wrong, "\n".join(wrong)
