"""The parity checker itself: it must catch what it promises to catch."""

from __future__ import annotations

import pytest
from mdpages import read_page
from test_parity import assert_same_anchors, assert_same_blocks, assert_same_tests

ZH = """\
# 感知器 { #perceptron }

## 公式 { #formula }

<!--pytest-codeblocks:cont-->

```python
x = 1  # 中文注释
# 整行注释
print(x)
```

<!--pytest-codeblocks:expected-output-->

```text
1
```
"""


def page(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_page(path)


def test_pages_differing_only_in_comments_match(tmp_path):
    en = ZH.replace("中文注释", "an English comment").replace("# 整行注释", "# one\n# two")
    en = en.replace("感知器", "Perceptron").replace("公式", "Formula")
    zh_page, en_page = page(tmp_path, "p.md", ZH), page(tmp_path, "p.en.md", en)
    assert_same_anchors(zh_page, en_page)
    assert_same_blocks(zh_page, en_page)


def test_reads_anchors_blocks_and_markers(tmp_path):
    p = page(tmp_path, "p.md", ZH)
    assert [h.anchor for h in p.headings] == ["perceptron", "formula"]
    assert [(b.line, b.lang) for b in p.blocks] == [(7, "python"), (15, "text")]
    assert p.blocks[0].markers == ["pytest-codeblocks:cont"]
    assert p.blocks[1].markers == ["pytest-codeblocks:expected-output"]
    assert p.blocks[0].without_comments() == "x = 1\nprint(x)"


def test_hash_inside_a_fence_is_not_a_heading(tmp_path):
    p = page(tmp_path, "p.md", "# A { #a }\n\n```python\n# not a heading\n```\n")
    assert [h.anchor for h in p.headings] == ["a"]


@pytest.mark.parametrize(
    "change, message",
    [
        (("print(x)", "print(x + 1)"), r"p.md:7 vs .*p.en.md:7: code differs"),
        (("```text", "```console"), r"fence ```text vs ```console"),
        (("<!--pytest-codeblocks:cont-->", ""), r"markers \['pytest-codeblocks:cont'\] vs \[\]"),
    ],
)
def test_code_differences_fail_naming_page_block_and_line(tmp_path, change, message):
    zh_page = page(tmp_path, "p.md", ZH)
    en_page = page(tmp_path, "p.en.md", ZH.replace(*change))
    with pytest.raises(pytest.fail.Exception, match=message):
        assert_same_blocks(zh_page, en_page)


def test_a_missing_block_is_reported(tmp_path):
    en = ZH.split("<!--pytest-codeblocks:expected-output-->")[0]
    with pytest.raises(pytest.fail.Exception, match="has 2 code blocks, .* has 1"):
        assert_same_blocks(page(tmp_path, "p.md", ZH), page(tmp_path, "p.en.md", en))


def test_anchor_mismatch_is_reported(tmp_path):
    en = ZH.replace("{ #formula }", "{ #equation }")
    with pytest.raises(pytest.fail.Exception, match=r"-## \{ #formula \}\n\+## \{ #equation \}"):
        assert_same_anchors(page(tmp_path, "p.md", ZH), page(tmp_path, "p.en.md", en))


@pytest.mark.parametrize("info", ["py", "python3", 'python title="a.py"', " python"])
def test_fences_that_pytest_codeblocks_skips_are_flagged(tmp_path, info):
    p = page(tmp_path, "p.md", f"```{info}\nprint(1)\n```\n")
    assert p.bad_fences == [(1, info)]


def test_plain_python_fence_is_fine(tmp_path):
    assert page(tmp_path, "p.md", "```python\nprint(1)\n```\n").bad_fences == []


def test_indentation_is_part_of_the_code(tmp_path):
    zh = "```python\nif True:\n    x = 1\n```\n"
    en = "```python\nif True:\n  x = 1\n```\n"
    with pytest.raises(pytest.fail.Exception, match="code differs"):
        assert_same_blocks(page(tmp_path, "p.md", zh), page(tmp_path, "p.en.md", en))


def test_fence_indent_inside_an_admonition_is_removed(tmp_path):
    p = page(tmp_path, "p.md", "!!! note\n\n    ```python\n    if True:\n        x = 1\n    ```\n")
    assert p.blocks[0].code == "if True:\n    x = 1"


# ZH's first block continues this one (pytest-codeblocks needs a block to continue).
FIRST = "```python\nx = 0\n```\n\n"


def pair(tmp_path, zh: str, en: str):
    (tmp_path / "p.md").write_text(zh, encoding="utf-8")
    (tmp_path / "p.en.md").write_text(en, encoding="utf-8")
    return tmp_path / "p.md", tmp_path / "p.en.md"


def test_pages_differing_only_in_comments_run_the_same_tests(tmp_path):
    zh = FIRST + ZH
    en = zh.replace("中文注释", "an English comment").replace("# 整行注释", "# one\n# two")
    assert_same_tests(*pair(tmp_path, zh, en))


@pytest.mark.parametrize(
    "change, message",
    [
        (("\n1\n", "\n2\n"),
         r"p.md::line 1 vs .*p.en.md::line 1: expected_output '1\\n' vs '2\\n'"),
        (("expected-output-->", "expected-output-ignore-whitespace-->"),
         "expected_output_ignore_whitespace False vs True"),
        (("x = 1  #", "x = '#'  #"), "code differs"),
        (("<!--pytest-codeblocks:cont-->", '<!--pytest.mark.skip(reason="no")-->'),
         "gives 1 test items, .* gives 2"),
    ],
)
def test_an_english_page_that_would_test_something_else_fails(tmp_path, change, message):
    zh = FIRST + ZH
    with pytest.raises(pytest.fail.Exception, match=message):
        assert_same_tests(*pair(tmp_path, zh, zh.replace(*change)))


def test_expected_output_is_compared_whole_whatever_its_fence(tmp_path):
    zh = ("```python\nprint('# 1')\n```\n\n<!--pytest-codeblocks:expected-output-->\n\n"
          "```python\n# 1\n```\n")
    en = zh.replace("\n# 1\n```\n", "\n# 2\n```\n")
    zh_page, en_page = page(tmp_path, "p.md", zh), page(tmp_path, "p.en.md", en)
    with pytest.raises(pytest.fail.Exception, match="code differs"):
        assert_same_blocks(zh_page, en_page)
    with pytest.raises(pytest.fail.Exception, match="expected_output"):
        assert_same_tests(tmp_path / "p.md", tmp_path / "p.en.md")
