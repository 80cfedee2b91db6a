"""One term per concept: a Chinese page must not use a term the glossary marks 不用.

The glossary (docs/glossary.md) has a column 不用 (avoid) per term, e.g. 步长 for 步幅.
Such a word may still appear where a page names it on purpose: in parentheses after the
term ("感知机（也称感知器）"), in quotation marks (quoting the notes), and in code. A
failure names the page, the line and the term to use instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
GLOSSARY = DOCS / "glossary.md"
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# Places where a discouraged word is named, not used: code, comments, parentheses, quotes.
EXEMPT = re.compile(
    r"`[^`]*`|<!--.*?-->|（[^（）]*）|\([^()]*\)|“[^”]*”|‘[^’]*’|「[^」]*」|\"[^\"]*\""
)


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def avoided_terms(glossary: Path = GLOSSARY) -> dict[str, str]:
    """{discouraged word: the glossary's term} from every table with a 不用 column."""
    found: dict[str, str] = {}
    column = None
    for line in glossary.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            column = None
            continue
        row = cells(line)
        if row[0] == "中文":
            column = row.index("不用") if "不用" in row else None
        elif column is not None and not set(line) <= set("|- "):
            for word in re.split(r"[、，,]", row[column]):
                if word.strip():
                    found[word.strip()] = row[0]
    return found


def prose_lines(text: str):
    """(line number, text) of every line outside fenced code, exempt spans removed."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        opened = FENCE.match(line)
        if opened:
            chars = opened.group(1)
            if fence is None:
                fence = chars
            elif chars[0] == fence[0] and len(chars) >= len(fence):
                fence = None
            continue
        if fence is None:
            yield number, EXEMPT.sub("", line)


def misuses(page: Path, terms: dict[str, str], root: Path = DOCS.parent) -> list[str]:
    return [
        f"{page.relative_to(root)}:{number}: '{word}' — use '{term}' (docs/glossary.md)"
        for number, line in prose_lines(page.read_text(encoding="utf-8"))
        for word, term in terms.items()
        if word in line
    ]


ZH_PAGES = sorted(
    p for p in DOCS.rglob("*.md") if not p.name.endswith(".en.md") and p != GLOSSARY
)


def test_glossary_lists_avoided_terms():
    terms = avoided_terms()
    assert {"步长", "正向传播", "抽头", "登记"} <= set(terms), terms


@pytest.mark.parametrize("page", ZH_PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_chinese_page_uses_glossary_terms(page):
    found = misuses(page, avoided_terms())
    assert not found, "\n".join(found)


def test_checker_finds_a_misuse_and_spares_quotes_parens_and_code(tmp_path):
    page = tmp_path / "docs" / "p.md"
    page.parent.mkdir()
    page.write_text(
        "卷积核的步长是 2。\n"  # a misuse
        "步幅（有的书叫步长）是 2；笔记写作“步长”，代码 `步长`。\n"
        "```python\n# 步长\n```\n",
        encoding="utf-8",
    )
    found = misuses(page, {"步长": "步幅"}, root=tmp_path)
    assert len(found) == 1 and ":1:" in found[0] and "步幅" in found[0], found
