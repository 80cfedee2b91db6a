"""One term per concept: Chinese text must not use a term the glossary marks 不用.

The glossary (docs/glossary.md) has a column 不用 (avoid) per term, e.g. 步长 for 步幅.
Such a word may still appear where a page names it on purpose: in parentheses after the
term ("感知机（也称感知器）"), in quotation marks (quoting the notes), and in code. The
Chinese text checked is every Chinese page outside code, and in the examples (whose text
becomes pages and figures) the `lang="zh"` Markdown cells and every string holding Chinese.
One word cannot be banned outright: 归一化 is right for scaling to a range or a sum of 1, so
only a sentence that pairs a bare 归一化 with the mean (a z-score, which is 标准化) fails.
A failure names the file, the line and the term to use instead.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
GLOSSARY = DOCS / "glossary.md"
CODE = [DOCS.parent / "examples", DOCS.parent / "src" / "audiodl"]
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


HAN = re.compile(r"[\u3400-\u9fff]")
ZH_CELL = re.compile(r'^# %% \[markdown\] lang="zh"')
STRING_TOKENS = {tokenize.STRING} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
QUOTED = re.compile(r"""^[A-Za-z]*('''|\"\"\"|'|")(.*)\1$""", re.DOTALL)


def string_body(token: str) -> str:
    """A string literal without its prefix and quotes (which EXEMPT would take as a quote)."""
    quoted = QUOTED.match(token)
    return quoted.group(2) if quoted else token


def python_chinese(source: str):
    """(line number, text) of an example's Chinese: `lang="zh"` Markdown cells (prose, so
    fenced code and exempt spans are left out as on a page) and strings holding Chinese
    (figure text, `tr("…", "…")`), exempt spans removed."""
    cell: list[tuple[int, str]] | None = None
    cells: list[list[tuple[int, str]]] = []
    for number, line in enumerate(source.splitlines(), 1):
        if line.startswith("# %%"):
            cell = [] if ZH_CELL.match(line) else None
            if cell is not None:
                cells.append(cell)
        elif cell is not None and line.startswith("#"):
            cell.append((number, line[2:]))
        elif cell is not None and line.strip():
            cell = None  # the cell ended in code without a new marker
    for cell in cells:
        numbers = [number for number, _ in cell]
        for index, text in prose_lines("\n".join(text for _, text in cell)):
            yield numbers[index - 1], text
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in STRING_TOKENS and HAN.search(token.string):
            yield token.start[0], EXEMPT.sub("", string_body(token.string))


def chinese_lines(path: Path):
    text = path.read_text(encoding="utf-8")
    return python_chinese(text) if path.suffix == ".py" else prose_lines(text)


# 归一化 in a name (批量归一化, 未归一化的分数 …) is not the z-score; the sentence is the unit.
NORMALISATION_NAMES = re.compile(
    r"批量归一化|层归一化|组归一化|实例归一化|归一化层|未归一化|倒谱均值(?:方差)?归一化"
)


def standardisation_slips(line: str) -> bool:
    """Whether a sentence calls subtracting the mean 归一化 (the glossary: 标准化)."""
    return any(
        "归一化" in sentence and "均值" in sentence
        for sentence in re.split(r"[。；！？]", NORMALISATION_NAMES.sub("", line))
    )


def misuses(page: Path, terms: dict[str, str], root: Path = DOCS.parent) -> list[str]:
    found = []
    for number, line in chinese_lines(page):
        where = f"{page.relative_to(root)}:{number}"
        found += [
            f"{where}: '{word}' — use '{term}' (docs/glossary.md)"
            for word, term in terms.items()
            if word in line
        ]
        if standardisation_slips(line):
            found.append(
                f"{where}: '归一化' for subtracting the mean — use '标准化' (docs/glossary.md)"
            )
    return found


ZH_PAGES = sorted(
    p for p in DOCS.rglob("*.md") if not p.name.endswith(".en.md") and p != GLOSSARY
)
CODE_FILES = sorted(p for folder in CODE for p in folder.rglob("*.py"))


def test_glossary_lists_avoided_terms():
    terms = avoided_terms()
    one_term_per_concept = {  # issue 19, item 18: the variant each chosen term replaced
        "全连接层": "线性层",
        "权重共享": "权值共享",
        "累加": "梯度累积",
        "重现": "可复现性",
        "指数平均": "滑动平均",
        "方块模糊": "均值模糊",
    }
    assert {"步长", "正向传播", "抽头", "登记"} <= set(terms), terms
    assert {w: terms.get(w) for w in one_term_per_concept} == one_term_per_concept


def test_a_name_is_either_also_called_or_avoided():
    """The glossary's intro: a name sits in 也称 (met elsewhere) or 不用 (not used here)."""
    both = []
    header = None
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None  # a table's first row is its header
            continue
        row = cells(line)
        if header is None:
            header = row
        elif {"也称", "不用"} <= set(header) and not set(line) <= set("|- "):
            names = [
                {w.strip() for w in re.split(r"[、，,]", row[header.index(col)]) if w.strip()}
                for col in ("也称", "不用")
            ]
            both += [f"{row[0]}: {w}" for w in names[0] & names[1]]
    assert not both, both


def test_examples_are_found():
    assert len(CODE_FILES) > 20 and any(p.name == "conv_image.py" for p in CODE_FILES)


@pytest.mark.parametrize("page", ZH_PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_chinese_page_uses_glossary_terms(page):
    found = misuses(page, avoided_terms())
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", CODE_FILES, ids=lambda p: p.relative_to(DOCS.parent).as_posix())
def test_chinese_text_of_examples_uses_glossary_terms(path):
    found = misuses(path, avoided_terms())
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


def test_checker_reads_examples_cells_and_strings_but_not_code(tmp_path):
    example = tmp_path / "examples" / "e.py"
    example.parent.mkdir()
    example.write_text(
        '# %% [markdown] lang="zh"\n'
        "# 卷积核的步长是 2。\n"  # a misuse in a Chinese cell
        "\n"
        '# %% [markdown] lang="en"\n'
        "# 步长 in an English cell is not Chinese running text\n"
        "\n"
        "# %%\n"
        "x = 1  # 步长 in a code comment\n"
        'title = tr("步长为 2", "stride 2")\n'  # a misuse in figure text
        'note = f"步幅（有的书叫步长）{x}"\n',
        encoding="utf-8",
    )
    found = misuses(example, {"步长": "步幅"}, root=tmp_path)
    assert [f.split(":")[1] for f in found] == ["2", "9"], found


def test_standardisation_is_not_called_normalisation(tmp_path):
    page = tmp_path / "docs" / "p.md"
    page.parent.mkdir()
    page.write_text(
        "按通道归一化图像：每个通道减去自己的均值，再除以标准差。\n"  # a slip
        "批量归一化用当前批量的均值和方差把每个通道标准化。\n"
        "先把音量归一化。网络减去均值。\n"  # two sentences: no slip
        "未归一化的分数减去均值不改变 softmax。\n",
        encoding="utf-8",
    )
    found = misuses(page, {}, root=tmp_path)
    assert len(found) == 1 and ":1:" in found[0] and "标准化" in found[0], found
