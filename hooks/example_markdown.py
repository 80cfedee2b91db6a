"""Example markers in, Markdown out (no MkDocs and no execution here).

A page places an example's results with a marker alone on a line::

    <!-- example: ch3/conv_image -->              everything
    <!-- example: ch3/conv_image text -->         only the printed text
    <!-- example: ch3/conv_image figure=2 -->     only figure 2 (1-based; "figure=1,3" too)
    <!-- example: ch3/conv_image audio -->        only the audio players (WAVs it wrote)
    <!-- example: ch1/sampling audio=true,aliased -->  only those players (WAV file stems)
    <!-- example: ch5/deploy demo -->             the digit demo on the ONNX file it exported

Markers inside fenced code (or a `code` span) are left alone, so a page can show the
syntax; a line that is almost a marker (indented, ``Example:``, text around it) is an error
naming the page and line, not a comment that quietly shows nothing. Every page
shows the figures, alt texts, captions and notebook of its own language; each language's
files are served from its own folder (``examples/<name>/``, ``en/examples/<name>/``).
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass

from PIL import Image

from runner.cache import Result
from runner.project import EXAMPLE_NAME

MARKER = re.compile(r"^<!--\s*example:\s*(?P<spec>.*?)\s*-->\s*$")
# What a reader means as a marker but is not one (indented, "Example:", no colon, text
# after "-->"): an error, not a comment that silently loses the page its figure.
ALMOST = re.compile(r"<!--\s*examples?\b", re.IGNORECASE)
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")

LABELS = {
    "zh": {
        "figure": "图 {n}",
        "ran": "在 {device} 上运行，用时 {t} 秒（不计开头的 import）",
        "download": "下载",
        "notebook": "笔记本页面",
        "audio": "音频",
        "demo_privacy": "录音和文件只在你的浏览器里处理，不会上传到任何地方。",
        "demo_record": "按下录音，说一个数字",
        "demo_file": "选择录音文件",
        "demo_drop": "也可以把 WAV、FLAC 或 OGG 文件拖到这个框里。",
        "demo_no_script": "这个演示需要在浏览器里启用 JavaScript。",
        "fallback": "CUDA 不可用，已改用 CPU：{note}",
        "skipped": (
            "示例 `{name}` 未运行：本次构建设置了 `AUDIODL_EXAMPLES=skip`，"
            "这里本应显示它的图和输出。"
        ),
        "skipped_title": "示例未运行",
        "failed": "示例 {name} 运行失败",
        "failed_hint": "修改 `examples/{name}.py` 后保存，页面会在下一次重建时恢复。",
        "page_title": "示例笔记本：{name}",
        "page_intro": (
            "这是 `examples/{name}.py` 在构建本站时运行的结果。"
            "每个 `# %%` 单元格就是一个笔记本单元格。"
        ),
    },
    "en": {
        "figure": "Figure {n}",
        "ran": "Ran on {device} in {t} s (opening imports not counted)",
        "download": "Download",
        "notebook": "notebook page",
        "audio": "Audio",
        "demo_privacy": "Recordings and files are processed in your browser only; nothing is "
                        "uploaded anywhere.",
        "demo_record": "Press to record, then say a digit",
        "demo_file": "Choose a recording",
        "demo_drop": "Or drop a WAV, FLAC or OGG file on this box.",
        "demo_no_script": "This demo needs JavaScript enabled in your browser.",
        "fallback": "CUDA was not usable, so this ran on the CPU: {note}",
        "skipped": (
            "Example `{name}` was not run: this build set `AUDIODL_EXAMPLES=skip`. "
            "Its figures and output would appear here."
        ),
        "skipped_title": "Example not run",
        "failed": "Example {name} failed",
        "failed_hint": "Fix `examples/{name}.py` and save; the page recovers on the next rebuild.",
        "page_title": "Example notebook: {name}",
        "page_intro": (
            "What `examples/{name}.py` printed and drew when this site was built. "
            "Each `# %%` cell is a notebook cell."
        ),
    },
}


class MarkerError(Exception):
    """A marker names no known example, escapes examples/, or asks for a missing figure."""


@dataclass(frozen=True)
class Marker:
    line: int
    spec: str
    name: str
    text: bool  # show the printed text
    figures: tuple[int, ...] | None  # None: all figures
    audio: bool = False  # show the audio players
    wavs: tuple[str, ...] | None = None  # None: all of them; else these stems, in this order
    demo: bool = False  # the in-browser digit demo (DEMO_FILES)

    @property
    def everything(self) -> bool:
        return (not self.text and self.figures is None and not self.audio and self.wavs is None
                and not self.demo)


class Almost(str):
    """A line that is almost a marker, given where a marker's spec would be (so that
    :func:`parse_marker` reports it with the page and line)."""


def in_fences(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (its fences included).
    A fence closes only on a line of its own character at least as long as it opened,
    with nothing else on it (CommonMark), so a fence can show a fence."""
    flags, fence = [], None  # fence: the backticks or tildes that opened the block
    for line in lines:
        if fence is not None:
            closing = line.strip()
            if closing.startswith(fence) and not closing.strip(fence[0]):
                fence = None
            flags.append(True)
            continue
        opening = FENCE.match(line)
        if opening:
            fence = opening[1]
        flags.append(bool(opening))
    return flags


def marker_lines(markdown: str):
    """Yield (line number, line, marker spec or None) for every line; a marker inside a
    fenced code block or a code span is not one. An almost-marker's spec is an
    :class:`Almost`."""
    lines = markdown.splitlines()
    for n, (line, fenced_line) in enumerate(zip(lines, in_fences(lines), strict=True), start=1):
        if fenced_line:
            yield n, line, None
        elif match := MARKER.match(line):
            yield n, line, match["spec"]
        elif any(line[: m.start()].count("`") % 2 == 0 for m in ALMOST.finditer(line)):
            yield n, line, Almost(line.rstrip())
        else:
            yield n, line, None


def find_markers(markdown: str, where: str, known: set[str]) -> list[Marker]:
    """Every marker of a page, validated against the known example names."""
    return [
        parse_marker(spec, f"{where}:{n}", n, known)
        for n, _, spec in marker_lines(markdown)
        if spec is not None
    ]


def parse_marker(spec: str, where: str, line: int, known: set[str]) -> Marker:
    if isinstance(spec, Almost):
        raise MarkerError(
            f"{where}: '{spec}' is almost an example marker, and would be a comment that shows "
            "nothing: write the marker alone on its line, not indented, as "
            "<!-- example: <chapter>/<name> [text] [audio[=a,b]] [figure=N] [demo] --> (to show "
            "one as text, put it in a code fence or `code`)"
        )
    words = spec.split()
    shown = f"<!-- example: {spec} -->"
    if not words:
        raise MarkerError(f"{where}: {shown} names no example. Known: {', '.join(sorted(known))}")
    name = words[0].removesuffix(".py")
    if name.startswith("/") or ".." in name.split("/") or not EXAMPLE_NAME.match(name):
        raise MarkerError(
            f"{where}: {shown} must name an example inside examples/ as <chapter>/<name> "
            f"(no '..', no absolute path). Known: {', '.join(sorted(known))}"
        )
    if name not in known:
        raise MarkerError(
            f"{where}: {shown} names no example: there is no examples/{name}.py. "
            f"Known: {', '.join(sorted(known))}"
        )
    text, audio, figures, wavs, demo = False, False, None, None, False
    for word in words[1:]:
        if word == "text":
            text = True
        elif word == "demo":
            demo = True
        elif word == "audio":
            audio = True
        elif re.fullmatch(r"audio=[\w.-]+(,[\w.-]+)*", word):
            wavs = tuple(w.removesuffix(".wav") for w in word.removeprefix("audio=").split(","))
        elif re.fullmatch(r"figure=\d+(,\d+)*", word):
            figures = tuple(int(n) for n in word.removeprefix("figure=").split(","))
        else:
            raise MarkerError(
                f"{where}: {shown}: unknown option {word!r}; "
                "use 'text', 'audio', 'audio=NAME[,NAME]', 'figure=N[,M]' and/or 'demo'"
            )
    return Marker(line, spec, name, text, figures, audio, wavs, demo)


def check_marker(marker: Marker, result: Result, where: str) -> None:
    """The figures and WAVs a marker asks for exist in the example's result."""
    missing = [w for w in marker.wavs or () if f"{w}.wav" not in result.audio]
    if missing:
        raise MarkerError(
            f"{where}:{marker.line}: <!-- example: {marker.spec} --> asks for "
            f"{', '.join(w + '.wav' for w in missing)}, but examples/{marker.name}.py wrote "
            f"{', '.join(result.audio) or 'no WAV'}"
        )
    absent = [f for f in DEMO_FILES if f not in result.served] if marker.demo else []
    if absent:
        raise MarkerError(
            f"{where}:{marker.line}: <!-- example: {marker.spec} --> needs "
            f"{', '.join(absent)}, but examples/{marker.name}.py wrote "
            f"{', '.join(result.served) or 'no file to serve'}"
        )
    count = len(result.figures)
    for n in marker.figures or ():
        if not 1 <= n <= count:
            raise MarkerError(
                f"{where}:{marker.line}: <!-- example: {marker.spec} --> asks for figure {n}, "
                f"but examples/{marker.name}.py draws {count} figure(s)"
            )


# ---------------------------------------------------------------- rendering


def rel(target: str, from_dir: str) -> str:
    return posixpath.relpath(target, from_dir or ".")


def lang_prefix(lang: str, default: str) -> str:
    """Where a language's pages live: "" for the default language, "en/" for English."""
    return "" if lang == default else f"{lang}/"


def asset_uri(name: str, file: str, prefix: str = "") -> str:
    """Where an example's file is served for the language whose pages live at ``prefix``."""
    return f"{prefix}examples/{name}/{file}"


def downloads(result: Result, lang: str) -> dict[str, object]:
    """The files a language's pages link to: served name -> path in the cache entry."""
    stem = result.name.rsplit("/", 1)[-1]
    files = {f[lang]["file"]: result.path(f[lang]["file"]) for f in result.figures}
    files |= {name: result.path(name) for name in [*result.audio, *result.served]}
    files |= {f"{stem}.py": result.source, f"{stem}.ipynb": result.notebook(lang)}
    return files


def page_uri(name: str) -> str:
    """The src_uri of an example's notebook page (both languages)."""
    return f"examples/{name}.md"


def fenced(text: str, lang: str = "text") -> str:
    """A fence longer than any backtick run in ``text``, so no output can close it early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


def md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>{}#|])", r"\\\1", text)


def figure_size(result: Result, file: str) -> str:
    """`` width=W height=H`` for a figure, in CSS pixels: the runner saves at 100 dpi, one
    image pixel to one CSS pixel, which is how a bare image displays. With its size the
    browser lays out a lazy image before loading it, so images below the first screen
    stay unloaded (0 px high, every one would seem near the screen and load at once).
    "" when the file is absent (a test's result with no files)."""
    path = result.path(file)
    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
    except FileNotFoundError:
        return ""
    except OSError as exc:  # UnidentifiedImageError too
        raise MarkerError(
            f"{path}: figure {file} of examples/{result.name}.py is not a readable image "
            f"({exc}): run it again with `make examples ARGS=\"--force --only {result.name}\"`"
        ) from None
    return f" width={int(width)} height={int(height)}"


def figure_md(result: Result, index: int, lang: str, src_dir: str, prefix: str) -> str:
    fig = result.figure(index, lang)
    src = rel(asset_uri(result.name, fig["file"], prefix), src_dir)
    caption = LABELS[lang]["figure"].format(n=index) + " · " + fig["alt"]
    size = figure_size(result, fig["file"])
    return (
        '<figure markdown="span">\n'
        f'  ![{md_escape(fig["alt"])}]({src}){{ loading=lazy{size} }}\n'
        f"  <figcaption>{html.escape(caption)}</figcaption>\n"
        "</figure>"
    )


def audio_html(result: Result, page_url_dir: str, prefix: str,
               wavs: tuple[str, ...] | None = None) -> str:
    """Raw HTML, which MkDocs leaves alone: so relative to the page's URL, not its file.
    ``wavs``: the file stems to show, in that order (None: every WAV)."""
    players = []
    for wav in result.audio if wavs is None else [f"{w}.wav" for w in wavs]:
        src = rel(asset_uri(result.name, wav, prefix), page_url_dir)
        players.append(
            f'<figure class="example-audio"><figcaption>{html.escape(wav)}</figcaption>'
            f'<audio controls preload="none" src="{html.escape(src)}"></audio></figure>'
        )
    return "\n".join(players)


DEMO_FILES = ("digit_cnn.onnx", "digit_cnn.json")  # what the demo loads: graph, settings
DEMO_SCRIPT = "assets/javascripts/digit-demo.js"  # overrides/: the theme's assets
RUNTIME = "assets/onnxruntime-web/"  # hooks/web_runtime.py copies it there


def demo_html(result: Result, page_url_dir: str, prefix: str, lang: str) -> str:
    """The in-browser digit demo (raw HTML, so relative to the page's URL): a record button,
    a file chooser and drop zone, a status line and the ten probabilities. Its script
    fills in the rest and loads the runtime and the model only on a press or a file."""
    t = LABELS[lang]

    def url(target: str) -> str:
        return html.escape(rel(target, page_url_dir))

    model, settings = (asset_uri(result.name, f, prefix) for f in DEMO_FILES)
    runtime = rel(RUNTIME, page_url_dir).rstrip("/") + "/"
    return (
        f'<div class="digit-demo" data-model="{url(model)}" data-settings="{url(settings)}" '
        f'data-runtime="{html.escape(runtime)}">\n'
        f'<p class="digit-demo__privacy">{html.escape(t["demo_privacy"])}</p>\n'
        '<div class="digit-demo__controls">\n'
        '<button type="button" class="md-button md-button--primary digit-demo__record" '
        f'disabled>{html.escape(t["demo_record"])}</button>\n'
        f'<label class="md-button digit-demo__file">{html.escape(t["demo_file"])}'
        '<input type="file" accept=".wav,.flac,.ogg,audio/wav,audio/flac,audio/ogg" '
        'disabled></label>\n</div>\n'
        f'<p class="digit-demo__drop">{html.escape(t["demo_drop"])}</p>\n'
        f'<p class="digit-demo__status" role="status">{html.escape(t["demo_no_script"])}</p>\n'
        '<p class="digit-demo__answer"></p>\n'
        '<div class="digit-demo__bars"></div>\n'
        f'</div>\n<script src="{url(DEMO_SCRIPT)}" defer></script>'
    )


def meta_md(
    result: Result, lang: str, src_dir: str, prefix: str, with_page_link: bool = True
) -> str:
    t = LABELS[lang]
    stem = result.name.rsplit("/", 1)[-1]
    py = rel(asset_uri(result.name, f"{stem}.py", prefix), src_dir)
    nb = rel(asset_uri(result.name, f"{stem}.ipynb", prefix), src_dir)
    parts = [
        t["ran"].format(device=md_escape(result.device), t=f"{result.seconds:.1f}"),
        f"{t['download']} [`{stem}.py`]({py}){{ download }} · [`{stem}.ipynb`]({nb}){{ download }}",
    ]
    if with_page_link:
        parts.append(f"[{t['notebook']}]({rel(page_uri(result.name), src_dir)})")
    out = " · ".join(parts) + "\n{ .example-meta }"
    if result.device_note:
        out += f'\n\n!!! warning ""\n    {md_escape(t["fallback"].format(note=result.device_note))}'
    return out


def render_result(
    result: Result, marker: Marker, lang: str, src_uri: str, page_url: str, meta: bool = True,
    prefix: str = "",
) -> str:
    """What replaces one marker: figures, printed text, audio, then (if ``meta``) the
    device/time line with the downloads. A page shows that line once per example.
    ``prefix`` is where the page's language lives ("" or "en/")."""
    src_dir = posixpath.dirname(src_uri)
    blocks = []
    for n in marker.figures or (range(1, len(result.figures) + 1) if marker.everything else ()):
        blocks.append(figure_md(result, n, lang, src_dir, prefix))
    if (marker.text or marker.everything) and result.text.strip():
        blocks.append(fenced(result.text))
    # "ch2/data/" with directory URLs, "ch2/data.html" without (the offline edition)
    url_dir = page_url if page_url.endswith("/") else posixpath.dirname(page_url)
    if (marker.audio or marker.wavs or marker.everything) and result.audio:
        blocks.append(audio_html(result, url_dir, prefix, None if marker.audio else marker.wavs))
    if marker.demo:
        blocks.append(demo_html(result, url_dir, prefix, lang))
    if meta:
        blocks.append(meta_md(result, lang, src_dir, prefix))
    return "\n\n".join(blocks)


def render_error(name: str, message: str, lang: str) -> str:
    t = LABELS[lang]
    body = fenced(message).replace("\n", "\n    ")
    hint = t["failed_hint"].format(name=name)
    return f'!!! failure "{t["failed"].format(name=name)}"\n\n    {hint}\n\n    {body}'


def render_skipped(name: str, lang: str) -> str:
    t = LABELS[lang]
    return f'!!! info "{t["skipped_title"]}"\n\n    {t["skipped"].format(name=name)}'


def expand(markdown: str, replace) -> str:
    """Replace each marker line (outside fences) with ``replace(line_number, spec)``."""
    out = [
        line if spec is None else replace(n, spec) for n, line, spec in marker_lines(markdown)
    ]
    return "\n".join(out) + "\n"


def render_notebook_page(result: Result, cells: list[dict], lang: str, prefix: str = "") -> str:
    """The example as a page of its own in ``lang``: every cell of that language (and
    every cell without one), with its outputs, in order. ``cells`` are the example's own
    (``runner.outputs.source_cells``): the page's prose and code come from there, only
    the outputs (shown as text and figures) from the result, which may have been made on
    another machine; prose from there could carry raw HTML into the site."""
    if [(c["type"], c["lang"]) for c in cells] != [(c["type"], c["lang"]) for c in result.cells]:
        raise MarkerError(
            f"the result of examples/{result.name}.py does not fit the example's cells: run it "
            f'again with `make examples ARGS="--force --only {result.name}"`'
        )
    t = LABELS[lang]
    src_dir = posixpath.dirname(page_uri(result.name))
    page_url_dir = f"{prefix}examples/{result.name}/"
    blocks = [
        # Left out of search: the chapter pages already hold this prose and these results.
        "---\nsearch:\n  exclude: true\n---",
        f"# {t['page_title'].format(name=result.name)} {{ #notebook }}",
        t["page_intro"].format(name=result.name),
        meta_md(result, lang, src_dir, prefix, with_page_link=False),
    ]
    for cell, ran in zip(cells, result.cells, strict=True):
        if cell["lang"] not in (None, lang):
            continue
        if cell["type"] == "markdown":
            # The notebook's own headings sit one level under the page title.
            blocks.append(re.sub(r"^(#{1,5}) ", r"#\1 ", cell["source"], flags=re.M))
            continue
        if cell["type"] != "code" or not cell["source"].strip():
            continue
        blocks.append(fenced(cell["source"], "python"))
        for out in ran["outputs"]:
            if "figure" in out:
                blocks.append(figure_md(result, out["figure"], lang, src_dir, prefix))
            else:
                blocks.append(fenced(out.get("text", out.get("plain", ""))))
    if result.audio:
        blocks.append(audio_html(result, page_url_dir, prefix))
    return "\n\n".join(blocks) + "\n"
