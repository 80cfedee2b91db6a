"""Read a course page into what the parity test compares: heading anchors, code blocks,
and the markers (pytest-codeblocks, pytest.mark, example) bound to each block.

Only what the parity rules need, nothing more: fences are found line by line (any
indent, ``` or ~~~), headings and markers only outside fences.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(r"^(?P<indent>\s*)(?P<chars>`{3,}|~{3,})(?P<info>.*)$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*$")
ANCHOR = re.compile(r"\{\s*#(?P<id>[A-Za-z0-9_-]+)[^}]*\}$")
MARKER = re.compile(
    r"^\s*<!--\s*(?P<body>(?:pytest-codeblocks:|pytest\.mark\.|example:).*?)\s*-->\s*$"
)
# Languages whose `#` starts a comment: those comments may be translated.
HASH_COMMENT_LANGS = {"python", "sh", "bash", "console", "shell"}


@dataclass
class Heading:
    line: int
    level: int
    text: str
    anchor: str | None


@dataclass
class Block:
    line: int  # 1-based line of the opening fence, as pytest-codeblocks reports it
    info: str  # the fence's info string, e.g. "python" or "text"
    code: str
    markers: list[str] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def is_expected_output(self) -> bool:
        return any(m.startswith("pytest-codeblocks:expected-output") for m in self.markers)

    def without_comments(self) -> str:
        """The code as it must match across languages: `#` comments removed (not from a
        block of expected output, whatever its fence says)."""
        if self.lang not in HASH_COMMENT_LANGS or self.is_expected_output:
            return self.code
        if self.lang == "python":
            return strip_python_comments(self.code)
        return strip_shell_comments(self.code)


@dataclass
class Page:
    path: Path
    headings: list[Heading]
    blocks: list[Block]
    markers: list[tuple[int, str]]  # every marker, with its line, in page order
    bad_fences: list[tuple[int, str]]  # (line, info) of fences pytest-codeblocks would skip


def read_page(path: Path) -> Page:
    headings: list[Heading] = []
    blocks: list[Block] = []
    markers: list[tuple[int, str]] = []
    bad_fences: list[tuple[int, str]] = []
    pending: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            chars, indent, info = fence["chars"], len(fence["indent"]), fence["info"]
            body, j = [], i + 1
            while j < len(lines):
                close = FENCE.match(lines[j])
                if close and close["chars"][0] == chars[0] and len(close["chars"]) >= len(chars) \
                        and not close["info"].strip():
                    break
                # Drop the fence's own indent (a block inside a list or admonition), no more.
                line_j = lines[j]
                body.append(line_j[indent:] if not line_j[:indent].strip() else line_j.lstrip())
                j += 1
            if is_uncollected_python(info):
                bad_fences.append((i + 1, info))
            blocks.append(Block(i + 1, info.strip(), "\n".join(body), pending))
            pending = []
            i = j + 1
            continue
        marker = MARKER.match(line)
        if marker:
            markers.append((i + 1, marker["body"]))
            pending = [*pending, marker["body"]]
        heading = HEADING.match(line)
        if heading:
            anchor = ANCHOR.search(heading["text"])
            headings.append(
                Heading(i + 1, len(heading["hashes"]), heading["text"], anchor and anchor["id"])
            )
        i += 1
    return Page(path, headings, blocks, markers, bad_fences)


def is_uncollected_python(info: str) -> bool:
    """A fence meant as Python that pytest-codeblocks would silently not run.

    It collects exactly ```python; ```py, ```python3, ```python title="x" and
    ``` python all look like code to a reader but are never tested.
    """
    word = info.strip().split()[0] if info.strip() else ""
    if not word.startswith("py") or word == "pycon":
        return False
    return info != "python"


def runnable(code: str, lang: str) -> str:
    """What running `code` depends on, for comparing two pages' test items: Python less
    its `#` comments (by the tokenizer, so a `#` in a string stays), a shell script less
    its whole-line comments, and anything else (Python that does not tokenize) verbatim."""
    if lang == "python":
        return strip_python_comments(code, fallback=lambda text: text)
    if lang in ("sh", "bash"):
        return "\n".join(line for line in code.split("\n") if not line.lstrip().startswith("#"))
    return code


def strip_python_comments(code: str, fallback=None) -> str:
    """Remove `#` comments (whole-line and trailing) using Python's own tokenizer; code that
    does not tokenize (a fragment) goes to `fallback`, by default the shell rule."""
    cut: dict[int, int] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code + "\n").readline):
            if tok.type == tokenize.COMMENT:
                cut[tok.start[0]] = tok.start[1]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return (fallback or strip_shell_comments)(code)
    out = []
    for n, line in enumerate(code.split("\n"), start=1):
        if n in cut:
            line = line[: cut[n]].rstrip()
            if not line:
                continue  # a comment-only line: translations may wrap differently
        out.append(line.rstrip())
    return "\n".join(out)


def strip_shell_comments(code: str) -> str:
    out = []
    for line in code.split("\n"):
        if line.lstrip().startswith("#"):
            continue
        out.append(re.sub(r"\s+#.*$", "", line).rstrip())
    return "\n".join(out)
