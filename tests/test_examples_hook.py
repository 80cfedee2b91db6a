"""The example runner behind the site, end to end: a throwaway project with tiny examples,
built by the real `mkdocs build` / `mkdocs serve` with the real mkdocs.yml and hooks.

A build costs seconds, so tests that only read a build's output share one (``built``),
tests that change a project change a copy of it (its example cache comes along, so only
what the test changes runs), and what a hook function decides alone is asked of it
directly; every outcome a reader sees (a page, a failed build, serve) keeps a real build."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml
from mkdocs.utils.yaml import yaml_load

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from runner import batch  # noqa: E402
from runner.cache import Cache, Result  # noqa: E402
from runner.project import Project  # noqa: E402

HELLO = '''\
# %% [markdown] lang="zh"
# # 你好
# 一个小例子。

# %% [markdown] lang="en"
# # Hello
# A tiny example.

# %%
import matplotlib.pyplot as plt

from audiodl.figure_language import tr

with open("runs.log", "a") as log:  # one line per run: the tests count them
    log.write("hello\\n")
print("shape (2, 3)")
print("<script>alert('x')</script>")

# %%
fig, ax = plt.subplots()
ax.plot([0, 1], [0, 1], label=tr("直线", "line"))
ax.set_title(tr("一条直线", "A line"))
ax.set_xticks([0, 1], [tr("起点", "start"), tr("终点", "end")])
ax.legend()
plt.show()
'''

BROKEN = '''\
# %%
x = 1

# %%
y = x + 1
raise ValueError("bad input shape")
'''

SLOW = '''\
# %%
import time

time.sleep(120)
'''

# A second example, shown by its printed text only: a change to it must not rerun hello.
OTHER = '''\
# %%
with open("runs.log", "a") as log:
    log.write("other\\n")
print("other shape (2, 3)")
'''

FENCED_MARKER = "```text\n<!-- example: demo/nowhere -->\n```\n"
PAGE = {
    # The fenced marker must stay text: a page may show the syntax.
    "zh": "# 演示 {{ #demo }}\n\n前文。\n\n{marker}\n\n" + FENCED_MARKER,
    "en": "# Demo {{ #demo }}\n\nBefore.\n\n{marker}\n\n" + FENCED_MARKER,
}


def make_project(tmp_path: Path, examples: dict[str, str], marker: str) -> Path:
    """mkdocs.yml as the course has it (hooks from this repo, no nav), a home page pair,
    a demo page pair holding ``marker``, and examples/demo/<name>.py."""
    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["hooks"] = [str(ROOT / h) for h in config["hooks"]]
    if "custom_dir" in config["theme"]:
        config["theme"]["custom_dir"] = str(ROOT / config["theme"]["custom_dir"])
    config.pop("nav")
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "i18n" in plugin:
            for language in plugin["i18n"]["languages"]:
                language.pop("nav_translations", None)
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    docs = tmp_path / "docs"
    (docs / "stylesheets").mkdir(parents=True)
    (docs / "stylesheets" / "extra.css").write_text("")
    (docs / "index.md").write_text("# 首页 { #home }\n", encoding="utf-8")
    (docs / "index.en.md").write_text("# Home { #home }\n", encoding="utf-8")
    (docs / "demo.md").write_text(PAGE["zh"].format(marker=marker), encoding="utf-8")
    (docs / "demo.en.md").write_text(PAGE["en"].format(marker=marker), encoding="utf-8")
    for name, source in examples.items():
        path = tmp_path / "examples" / "demo" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return tmp_path


def build(project: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MKDOCS, "build", "--strict"], cwd=project, capture_output=True, text=True,
        timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
    )


def runs(project: Path, name: str | None = None) -> int:
    """How many times the examples (or the one called ``name``) ran in ``project``."""
    log = project / "runs.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return len([line for line in lines if name in (None, line)])


def copy(project: Path, to: Path) -> Path:
    """The project with its example cache, so only what a test changes runs again."""
    shutil.copytree(project, to, ignore=shutil.ignore_patterns("site*"))
    return to


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


@dataclass
class Built:
    project: Path
    docs_before: dict[str, bytes]
    cold: list[str]  # the stderr of each of the two cold builds
    warm: subprocess.CompletedProcess
    pages: dict[str, str]  # the notebook pages after the cold builds


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """One successful project (hello shown whole, other as text), built twice at once from
    cold (into site/ and site2/: they share one cache), then once warm. Tests only read
    it; those that change a project change a copy."""
    folder = tmp_path_factory.mktemp("ok")
    project = make_project(folder, {"hello": HELLO, "other": OTHER},
                           "<!-- example: demo/hello -->\n\n<!-- example: demo/other text -->")
    docs_before = snapshot(project / "docs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    procs = [
        subprocess.Popen([*MKDOCS, "build", "--strict", "-d", site], cwd=project, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for site in ("site", "site2")
    ]
    cold = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        cold.append(err)
    pages = notebook_pages(project)
    warm = build(project)
    assert warm.returncode == 0, warm.stderr
    return Built(project, docs_before, cold, warm, pages)


def notebook_pages(project: Path) -> dict[str, str]:
    site = project / "site"
    return {p: (site / p).read_text(encoding="utf-8")
            for p in ("examples/demo/hello/index.html", "en/examples/demo/hello/index.html")}


def test_each_language_embeds_its_own_figure_alt_caption_and_device_line(built):
    project = built.project
    site = project / "site"
    zh = (site / "demo" / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "demo" / "index.html").read_text(encoding="utf-8")
    cases = [
        (zh, 'alt="一条直线"', "图 1 · 一条直线", "上运行，用时", "figure-1.zh.png"),
        (en, 'alt="A line"', "Figure 1 · A line", "Ran on CPU", "figure-1.en.png"),
    ]
    for html, alt, caption, ran, image in cases:
        assert alt in html and caption in html and ran in html
        assert f"examples/demo/hello/{image}" in html
        assert "shape (2, 3)" in html
    assert "A line" not in zh and "一条直线" not in en
    zh_png = site / "examples" / "demo" / "hello" / "figure-1.zh.png"
    en_png = site / "en" / "examples" / "demo" / "hello" / "figure-1.en.png"
    assert zh_png.stat().st_size > 1000 and en_png.stat().st_size > 1000
    assert zh_png.read_bytes() != en_png.read_bytes()
    assert not (site / "examples" / "demo" / "hello" / "figure-1.en.png").exists()


def test_printed_html_is_text_not_markup(built):
    html = (built.project / "site" / "demo" / "index.html").read_text(encoding="utf-8")
    assert "alert(" in html and "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_markers_inside_code_fences_are_left_alone(built):
    html = (built.project / "site" / "demo" / "index.html").read_text(encoding="utf-8")
    assert "&lt;!-- example: demo/nowhere --&gt;" in html


def test_each_example_runs_once_across_languages_and_builds(built):
    """Each cold build runs each example at most once for both languages (the other build
    may have stored it first); the warm build runs nothing."""
    project = built.project
    for name in ("hello", "other"):
        ran = [err.count(f"examples: demo/{name} ran on") for err in built.cold]
        assert all(n <= 1 for n in ran) and runs(project, name) == sum(ran) >= 1, ran
    assert all(err.count("examples: running") <= 1 for err in built.cold)
    assert "running" not in built.warm.stderr
    en = (project / "site" / "en" / "demo" / "index.html").read_text(encoding="utf-8")
    assert "other shape (2, 3)" in en


def test_two_builds_at_once_share_one_good_cache_entry(built):
    entries = list((built.project / ".cache/examples/demo/hello").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")
    data = json.loads((entries[0] / "result.json").read_text())
    assert data["figures"][0]["en"]["alt"] == "A line"
    assert data["figures"][0]["zh"]["alt"] == "一条直线"
    for lang in ("zh", "en"):
        nbformat.validate(nbformat.read(entries[0] / f"notebook.{lang}.ipynb", as_version=4))
    for site in ("site", "site2"):
        assert (built.project / site / "en" / "demo" / "index.html").is_file()


def test_downloads_and_notebook_pages_in_each_language(built):
    project = built.project
    site = project / "site"
    for lang, prefix, mine, other, alt, switch_to in [
        ("zh", "", "一个小例子。", "A tiny example.", "一条直线", "en/examples/demo/hello/"),
        ("en", "en/", "A tiny example.", "一个小例子。", "A line", "examples/demo/hello/"),
    ]:
        folder = site / f"{prefix}examples" / "demo" / "hello"
        assert (folder / "hello.py").read_text() == HELLO
        nb = nbformat.read(folder / "hello.ipynb", as_version=4)
        nbformat.validate(nb)
        prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert mine in prose and other not in prose, lang
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert any("shape (2, 3)" in o.get("text", "") for o in outputs)
        figures = [o for o in outputs if "image/png" in o.get("data", {})]
        assert [f.data["text/plain"] for f in figures] == [alt]
        assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2]
        assert all(not k.startswith("application/vnd.audiodl")
                   for o in outputs for k in o.get("data", {}))
        html = (folder / "index.html").read_text(encoding="utf-8")
        title = {"zh": "示例笔记本：demo/hello", "en": "Example notebook: demo/hello"}[lang]
        assert title in html and f'alt="{alt}"' in html and mine in html and other not in html
        assert 'href="hello.ipynb"' in html
        switcher = [line for line in html.splitlines() if "hreflang=" in line]
        assert any(switch_to in line for line in switcher), switcher


def test_warm_build_reuses_notebook_pages_html_unchanged(built):
    project, pages_first = built.project, built.pages
    stored = list((project / ".cache" / "pages" / "html").rglob("*.html"))
    assert len(stored) == 4  # one notebook page per example and language
    assert notebook_pages(project) == pages_first
    zh = pages_first["examples/demo/hello/index.html"]
    assert 'class="highlight"' in zh and "shape (2, 3)" in zh and "一个小例子。" in zh


def test_without_fences_drops_fenced_blocks_only():
    hooks_on_path()
    from page_cache import without_fences

    md = "# T\n\n```python\n# not a heading\nx = 1\n```\n\ntext\n\n````text\n```\n````\nend\n"
    assert without_fences(md) == "# T\n\n\ntext\n\nend\n"


def test_nothing_is_written_under_docs(built):
    assert snapshot(built.project / "docs") == built.docs_before


def test_corrupt_cache_entry_is_run_again(built, tmp_path):
    """The runner's decision, asked of it directly: the build only calls it."""
    project = copy(built.project, tmp_path / "copy")
    entries = list((project / ".cache" / "examples" / "demo" / "hello").iterdir())
    assert len(entries) == 1
    (entries[0] / "notebook.zh.ipynb").write_text('{"cells": [', encoding="utf-8")  # truncated
    before = {name: runs(project, name) for name in ("hello", "other")}
    outcome = batch.results(Project(project))
    assert all(isinstance(r, Result) for r in outcome.values()), outcome
    assert runs(project, "hello") == before["hello"] + 1
    assert runs(project, "other") == before["other"]


BAD_MARKERS = [
    ("<!-- example: demo/nowhere -->", "names no example: there is no examples/demo/nowhere.py"),
    ("<!-- example: ../secret -->", "must name an example inside examples/"),
    ("<!-- example: /etc/passwd -->", "must name an example inside examples/"),
    ("<!-- example: demo/hello colour=red -->", "unknown option 'colour=red'"),
    ("    <!-- example: demo/hello -->", "is almost an example marker"),
    ("<!-- Example: demo/hello -->", "is almost an example marker"),
    ("<!-- example demo/hello -->", "is almost an example marker"),
    ("<!-- example: demo/hello --> and then text", "is almost an example marker"),
    ("Before <!-- example: demo/hello -->", "is almost an example marker"),
]


@pytest.mark.parametrize("marker, message", BAD_MARKERS)
def test_bad_marker_fails_naming_page_line_and_known_examples(marker, message):
    hooks_on_path()
    from example_markdown import MarkerError, find_markers

    page = PAGE["zh"].format(marker=marker)
    with pytest.raises(MarkerError) as error:
        find_markers(page, "demo.md", {"demo/hello"})
    assert "demo.md:5: " in str(error.value) and message in str(error.value)
    assert marker.strip() in str(error.value)
    if "names no example" in message or "inside examples/" in message:
        assert "Known: demo/hello" in str(error.value)


def test_real_markers_and_shown_syntax_are_not_almost_markers():
    hooks_on_path()
    from example_markdown import find_markers

    page = ("<!-- example: demo/hello -->\n<!--example:demo/hello text-->\n\n"
            "Write `<!-- example: demo/hello -->` alone on a line.\n\n"
            "```text\n  <!-- Example: demo/hello --> anything\n```\n<!-- other comment -->\n")
    assert [m.line for m in find_markers(page, "p.md", {"demo/hello"})] == [1, 2]


def test_a_bad_marker_stops_the_build_before_anything_runs(tmp_path):
    marker = "<!-- Example: demo/hello -->"
    project = make_project(tmp_path, {"hello": HELLO}, marker)
    result = build(project)
    assert result.returncode == 1
    assert f"demo.md:5: '{marker}' is almost an example marker" in result.stderr
    assert runs(project) == 0  # failed before running anything


def test_missing_figure_number_or_wav_fails(built):
    hooks_on_path()
    from example_markdown import MarkerError, check_marker, parse_marker

    result = Cache(built.project / ".cache" / "examples").latest("demo/hello")
    marker = parse_marker("demo/hello figure=2", "demo.md:5", 5, {"demo/hello"})
    with pytest.raises(MarkerError, match=r"demo.md:5: <!-- example: demo/hello figure=2 --> "
                       r"asks for figure 2, but examples/demo/hello.py draws 1 figure\(s\)"):
        check_marker(marker, result, "demo.md")
    marker = parse_marker("demo/hello audio=tone", "demo.md:5", 5, {"demo/hello"})
    with pytest.raises(MarkerError, match=r"asks for tone.wav, but examples/demo/hello.py "
                       r"wrote no WAV"):
        check_marker(marker, result, "demo.md")


def test_failing_and_too_slow_examples_stop_the_build_saying_where(tmp_path):
    """One build, two kernels side by side: one raises, one outlives its limit."""
    project = make_project(tmp_path, {"broken": BROKEN, "slow": SLOW},
                           "<!-- example: demo/broken -->\n\n<!-- example: demo/slow -->")
    start = time.monotonic()
    result = build(project, AUDIODL_EXAMPLE_TIMEOUT="10")
    assert result.returncode == 1
    where = "examples/demo/broken.py, cell 2, line 6: ValueError: bad input shape"
    assert where in result.stderr
    assert 'raise ValueError("bad input shape")' in result.stderr  # the traceback
    assert "examples/demo/slow.py: stopped after 10 s" in result.stderr
    assert time.monotonic() - start < 90
    for name in ("broken", "slow"):
        assert not list((project / ".cache" / "examples" / "demo" / name).glob("[!.]*"))


def test_skip_mode_builds_without_running(tmp_path):
    project = make_project(tmp_path, {"hello": HELLO}, "<!-- example: demo/hello -->")
    result = build(project, AUDIODL_EXAMPLES="skip")
    assert result.returncode == 0, result.stderr
    assert runs(project) == 0
    assert "AUDIODL_EXAMPLES=skip" in (project / "site/demo/index.html").read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, until, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            last = urllib.request.urlopen(url, timeout=5).read().decode("utf-8")
            if until(last):
                return last
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} never satisfied the condition; last page:\n{last[-2000:]}")


def test_serve_shows_a_failing_example_and_recovers(tmp_path):
    project = make_project(tmp_path, {"broken": BROKEN}, "<!-- example: demo/broken -->")
    port = free_port()
    server = subprocess.Popen(
        [*MKDOCS, "serve", "-a", f"127.0.0.1:{port}"], cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        page = fetch(f"http://127.0.0.1:{port}/demo/", lambda html: "运行失败" in html)
        assert "示例 demo/broken 运行失败" in page and "bad input shape" in page
        fixed = BROKEN.replace('raise ValueError("bad input shape")', 'print("fixed", y)')
        (project / "examples/demo/broken.py").write_text(fixed, encoding="utf-8")
        page = fetch(f"http://127.0.0.1:{port}/en/demo/", lambda html: "fixed 2" in html)
        assert "failed" not in page
        assert server.poll() is None  # still serving
    finally:
        server.terminate()
        server.wait(timeout=30)


def hooks_on_path() -> None:
    for folder in (ROOT, ROOT / "hooks"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def test_device_fallback_is_said_on_the_page():
    hooks_on_path()
    from example_markdown import Marker, render_result

    from runner.cache import Result

    result = Result(name="demo/x", key="k", device="CPU (x86_64)", seconds=1.0, text="",
                    device_note="CUDA present but unusable (RuntimeError: no kernel image)",
                    folder=Path("/nowhere"))
    marker = Marker(1, "demo/x", "demo/x", False, None)
    md = render_result(result, marker, "en", "demo.md", "demo/")
    assert "CUDA was not usable, so this ran on the CPU" in md and "no kernel image" in md
    assert "Ran on CPU (x86\\_64) in 1.0 s" in md  # Markdown-escaped


def test_marker_options_select_what_is_shown():
    hooks_on_path()
    from example_markdown import MarkerError, parse_marker, render_result

    from runner.cache import Result

    def both(file, zh, en):
        return {"zh": {"file": file, "alt": zh}, "en": {"file": file, "alt": en}}

    result = Result(name="demo/x", key="k", device="CPU", device_note=None, seconds=1.0,
                    text="hi\n", figures=[both("figure-1.png", "一", "One"),
                                          both("figure-2.png", "二", "Two")],
                    audio=["noise.wav", "tone.wav"], folder=Path("/nowhere"))

    def shown(spec):
        md = render_result(result, parse_marker(spec, "p.md", 1, {"demo/x"}), "en", "p.md", "p/")
        return ("figure-1" in md, "figure-2" in md, "hi" in md, "tone.wav" in md)

    def players(spec):
        md = render_result(result, parse_marker(spec, "p.md", 1, {"demo/x"}), "en", "p.md", "p/")
        return re.findall(r"<figcaption>(\w+)\.wav</figcaption>", md)

    zh = render_result(result, parse_marker("demo/x figure=2", "p.md", 1, {"demo/x"}), "zh",
                       "p.md", "p/")
    assert "![二](examples/demo/x/figure-2.png)" in zh and "图 2 · 二" in zh
    en = render_result(result, parse_marker("demo/x figure=2", "p.md", 1, {"demo/x"}), "en",
                       "p.en.md", "en/p/", prefix="en/")
    assert "![Two](en/examples/demo/x/figure-2.png)" in en and "Figure 2 · Two" in en

    assert shown("demo/x") == (True, True, True, True)
    assert shown("demo/x figure=2") == (False, True, False, False)
    assert shown("demo/x text") == (False, False, True, False)
    assert shown("demo/x audio") == (False, False, False, True)
    assert shown("demo/x text figure=1,2") == (True, True, True, False)
    assert shown("demo/x audio=tone") == (False, False, False, True)
    assert players("demo/x audio") == ["noise", "tone"]
    assert players("demo/x audio=tone,noise") == ["tone", "noise"]  # in the marker's order
    assert players("demo/x audio=noise.wav") == ["noise"]
    with pytest.raises(MarkerError, match="unknown option 'audio='"):
        parse_marker("demo/x audio=", "p.md", 1, {"demo/x"})
    marker = parse_marker("demo/x text", "p.md", 1, {"demo/x"})
    assert "Ran on" in render_result(result, marker, "en", "p.md", "p/")
    assert "Ran on" not in render_result(result, marker, "en", "p.md", "p/", meta=False)


def test_output_with_backticks_cannot_close_its_fence():
    hooks_on_path()
    from example_markdown import fenced

    block = fenced("a\n```\nb")
    assert block.startswith("````text\n") and block.endswith("\n````")
    assert textwrap.dedent(block).count("````") == 2


def test_changing_one_example_reruns_only_that_one(built, tmp_path):
    project = copy(built.project, tmp_path / "copy")
    before = {name: runs(project, name) for name in ("hello", "other")}
    (project / "examples/demo/other.py").write_text(OTHER.replace("(2, 3)", "(4, 5)"))
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert runs(project, "other") == before["other"] + 1
    assert runs(project, "hello") == before["hello"]
    page = (project / "site/en/demo/index.html").read_text(encoding="utf-8")
    assert "other shape (4, 5)" in page and "other shape (2, 3)" not in page


def test_notebook_page_prose_comes_from_the_example_not_the_result(built):
    """A result may come from another machine: prose in its cells that is not the
    example's own (raw HTML, a script) never reaches the page."""
    hooks_on_path()
    from example_markdown import MarkerError, render_notebook_page

    from runner.outputs import source_cells

    result = Cache(built.project / ".cache" / "examples").latest("demo/hello")
    cells = source_cells(HELLO)
    assert [c["source"] for c in result.cells] == [c["source"] for c in cells]
    for cell in result.cells:
        if cell["type"] == "markdown":
            cell["source"] = "<script>alert('pwned')</script>"
        else:
            cell["source"] = "import os  # not what ran"
    for lang, prose in (("zh", "一个小例子。"), ("en", "A tiny example.")):
        page = render_notebook_page(result, cells, lang)
        assert "pwned" not in page and "not what ran" not in page
        assert prose in page and 'print("shape (2, 3)")' in page
    result.cells.pop()
    with pytest.raises(MarkerError, match="does not fit the example's cells"):
        render_notebook_page(result, cells, "en")


def test_figures_state_their_size_in_css_pixels(tmp_path):
    """A lazy image without width and height is 0 px high until it loads, so the browser
    loads every one at once; the runner saves at 100 dpi, one pixel to one CSS pixel."""
    hooks_on_path()
    import markdown
    from example_markdown import MarkerError, parse_marker, render_result
    from PIL import Image

    Image.new("RGB", (30, 20)).save(tmp_path / "figure-1.png")
    Image.new("RGB", (17, 41)).save(tmp_path / "figure-2.jpg", quality=85)
    figures = [{lang: {"file": file, "alt": alt} for lang in ("zh", "en")}
               for file, alt in (("figure-1.png", "One"), ("figure-2.jpg", "Two"))]
    result = Result(name="demo/x", key="k", device="CPU", device_note=None, seconds=1.0,
                    text="", figures=figures, folder=tmp_path)
    md = render_result(result, parse_marker("demo/x", "p.md", 1, {"demo/x"}), "en", "p.md", "p/")
    assert "![One](examples/demo/x/figure-1.png){ loading=lazy width=30 height=20 }" in md
    assert "![Two](examples/demo/x/figure-2.jpg){ loading=lazy width=17 height=41 }" in md
    page = markdown.markdown(md, extensions=["attr_list", "md_in_html"])
    assert '<img alt="One" height="20" loading="lazy" src="examples/demo/x/figure-1.png" ' \
        'width="30" />' in page

    (tmp_path / "figure-2.jpg").write_bytes(b"not an image")
    with pytest.raises(MarkerError, match=r"figure-2.jpg of examples/demo/x.py is not a "
                       r"readable image .*--force --only demo/x"):
        render_result(result, parse_marker("demo/x", "p.md", 1, {"demo/x"}), "en", "p.md", "p/")


def test_demo_marker_points_at_the_model_settings_script_and_runtime():
    hooks_on_path()
    from example_markdown import MarkerError, check_marker, parse_marker, render_result

    from runner.cache import Result

    result = Result(name="ch5/deploy", key="k", device="CPU", device_note=None, seconds=1.0,
                    text="hi\n", served=["digit_cnn.json", "digit_cnn.onnx"],
                    folder=Path("/nowhere"))
    marker = parse_marker("ch5/deploy demo", "p.md", 3, {"ch5/deploy"})
    assert marker.demo and not marker.everything
    check_marker(marker, result, "p.md")
    zh = render_result(result, marker, "zh", "ch5/deploy.md", "ch5/deploy/", meta=False)
    assert "hi" not in zh  # the demo only
    assert 'data-model="../../examples/ch5/deploy/digit_cnn.onnx"' in zh
    assert 'data-settings="../../examples/ch5/deploy/digit_cnn.json"' in zh
    assert 'data-runtime="../../assets/onnxruntime-web/"' in zh
    assert 'src="../../assets/javascripts/digit-demo.js"' in zh and "不会上传" in zh
    en = render_result(result, marker, "en", "ch5/deploy.en.md", "en/ch5/deploy/", meta=False,
                       prefix="en/")
    assert 'data-model="../../examples/ch5/deploy/digit_cnn.onnx"' in en  # en/examples/...
    assert 'data-runtime="../../../assets/onnxruntime-web/"' in en and "uploaded" in en
    # the offline edition's file names: ch5/deploy.html
    offline = render_result(result, marker, "zh", "ch5/deploy.md", "ch5/deploy.html", meta=False)
    assert 'data-model="../examples/ch5/deploy/digit_cnn.onnx"' in offline
    empty = Result(name="ch5/deploy", key="k", device="CPU", device_note=None, seconds=1.0,
                   text="", served=["digit_cnn.onnx"], folder=Path("/nowhere"))
    with pytest.raises(MarkerError, match=r"p.md:3: <!-- example: ch5/deploy demo --> needs "
                       r"digit_cnn.json, but examples/ch5/deploy.py wrote digit_cnn.onnx"):
        check_marker(marker, empty, "p.md")
