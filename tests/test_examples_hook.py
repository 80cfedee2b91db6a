"""The example runner, end to end: a throwaway project with tiny examples, built by the
real `mkdocs build` / `mkdocs serve` with the real mkdocs.yml and hooks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]

HELLO = '''\
# %% [markdown]
# # Hello
# A tiny example.

# %%
import matplotlib.pyplot as plt

with open("runs.log", "a") as log:  # one line per run: the tests count them
    log.write("hello\\n")
print("shape (2, 3)")
print("<script>alert('x')</script>")

# %%
fig, ax = plt.subplots()
ax.plot([0, 1], [0, 1])
ax.set_title("A line")
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

FENCED_MARKER = "```text\n<!-- example: demo/nowhere -->\n```\n"
PAGE = {
    # The fenced marker must stay text: a page may show the syntax.
    "zh": "# 演示 {{ #demo }}\n\n前文。\n\n{marker}\n\n" + FENCED_MARKER,
    "en": "# Demo {{ #demo }}\n\nBefore.\n\n{marker}\n\n" + FENCED_MARKER,
}


def make_project(tmp_path: Path, examples: dict[str, str], marker: str) -> Path:
    """mkdocs.yml as the course has it (hooks from this repo, no nav), a home page pair,
    a demo page pair holding ``marker``, and examples/demo/<name>.py."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["hooks"] = [str(ROOT / h) for h in config["hooks"]]
    config.pop("nav")
    config["plugins"][1]["i18n"]["languages"][1].pop("nav_translations")
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


def runs(project: Path) -> int:
    log = project / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One successful project, built twice: cold, then warm."""
    folder = tmp_path_factory.mktemp("ok")
    project = make_project(folder, {"hello": HELLO}, "<!-- example: demo/hello -->")
    docs_before = snapshot(project / "docs")
    first = build(project)
    assert first.returncode == 0, first.stderr
    runs_after_first = runs(project)
    second = build(project)
    assert second.returncode == 0, second.stderr
    return project, docs_before, runs_after_first, second


def test_both_languages_embed_figure_text_and_device_line(built):
    project = built[0]
    zh = (project / "site" / "demo" / "index.html").read_text(encoding="utf-8")
    en = (project / "site" / "en" / "demo" / "index.html").read_text(encoding="utf-8")
    cases = [(zh, "图 1 · A line", "上运行，用时"), (en, "Figure 1 · A line", "Ran on CPU")]
    for html, figure, ran in cases:
        assert 'alt="A line"' in html and figure in html and ran in html
        assert "shape (2, 3)" in html
        assert "examples/demo/hello/figure-1.png" in html
    assert (project / "site" / "examples" / "demo" / "hello" / "figure-1.png").stat().st_size > 1000


def test_printed_html_is_text_not_markup(built):
    html = (built[0] / "site" / "demo" / "index.html").read_text(encoding="utf-8")
    assert "alert(" in html and "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_markers_inside_code_fences_are_left_alone(built):
    html = (built[0] / "site" / "demo" / "index.html").read_text(encoding="utf-8")
    assert "&lt;!-- example: demo/nowhere --&gt;" in html


def test_each_example_runs_once_across_languages_and_builds(built):
    project, _, runs_after_first, second = built
    assert runs_after_first == 1
    assert runs(project) == 1
    assert "running" not in second.stderr  # the warm build ran nothing


def test_downloads_and_notebook_pages_in_both_languages(built):
    project = built[0]
    site = project / "site"
    folder = site / "examples" / "demo" / "hello"
    assert (folder / "hello.py").read_text() == HELLO
    nb = nbformat.read(folder / "hello.ipynb", as_version=4)
    nbformat.validate(nb)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("shape (2, 3)" in o.get("text", "") for o in outputs)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2]
    for page, title, other in [
        (site / "examples/demo/hello/index.html", "示例笔记本：demo/hello",
         "en/examples/demo/hello/"),
        (site / "en/examples/demo/hello/index.html", "Example notebook: demo/hello",
         "examples/demo/hello/"),
    ]:
        html = page.read_text(encoding="utf-8")
        assert title in html and 'alt="A line"' in html and "A tiny example." in html
        switcher = [line for line in html.splitlines() if "hreflang=" in line]
        assert any(other in line for line in switcher), switcher


def test_nothing_is_written_under_docs(built):
    project, docs_before = built[0], built[1]
    assert snapshot(project / "docs") == docs_before


def test_corrupt_cache_entry_is_run_again(built, tmp_path):
    project = built[0]
    entries = list((project / ".cache" / "examples" / "demo" / "hello").iterdir())
    assert len(entries) == 1
    (entries[0] / "notebook.ipynb").write_text('{"cells": [', encoding="utf-8")  # truncated
    before = runs(project)
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert runs(project) == before + 1


@pytest.mark.parametrize(
    "marker, message",
    [
        ("<!-- example: demo/nowhere -->",
         "names no example: there is no examples/demo/nowhere.py"),
        ("<!-- example: ../secret -->", "must name an example inside examples/"),
        ("<!-- example: /etc/passwd -->", "must name an example inside examples/"),
        ("<!-- example: demo/hello colour=red -->", "unknown option 'colour=red'"),
    ],
)
def test_bad_marker_fails_naming_page_line_and_known_examples(tmp_path, marker, message):
    project = make_project(tmp_path, {"hello": HELLO}, marker)
    result = build(project)
    assert result.returncode == 1
    assert f"demo.md:5: {marker}" in result.stderr and message in result.stderr
    if "unknown option" not in message:
        assert "Known: demo/hello" in result.stderr
    assert runs(project) == 0  # failed before running anything


def test_missing_figure_number_fails(tmp_path):
    project = make_project(tmp_path, {"hello": HELLO}, "<!-- example: demo/hello figure=2 -->")
    result = build(project)
    assert result.returncode == 1
    assert "asks for figure 2, but examples/demo/hello.py draws 1 figure(s)" in result.stderr


def test_failing_example_stops_the_build_naming_cell_and_line(tmp_path):
    project = make_project(tmp_path, {"broken": BROKEN}, "<!-- example: demo/broken -->")
    result = build(project)
    assert result.returncode == 1
    where = "examples/demo/broken.py, cell 2, line 6: ValueError: bad input shape"
    assert where in result.stderr
    assert 'raise ValueError("bad input shape")' in result.stderr  # the traceback
    assert not list((project / ".cache" / "examples" / "demo" / "broken").glob("[!.]*"))


def test_example_that_runs_too_long_is_stopped(tmp_path):
    project = make_project(tmp_path, {"slow": SLOW}, "<!-- example: demo/slow -->")
    start = time.monotonic()
    result = build(project, AUDIODL_EXAMPLE_TIMEOUT="3")
    assert result.returncode == 1
    assert "examples/demo/slow.py: stopped after 3 s" in result.stderr
    assert time.monotonic() - start < 60


def test_skip_mode_builds_without_running(tmp_path):
    project = make_project(tmp_path, {"hello": HELLO}, "<!-- example: demo/hello -->")
    result = build(project, AUDIODL_EXAMPLES="skip")
    assert result.returncode == 0, result.stderr
    assert runs(project) == 0
    assert "AUDIODL_EXAMPLES=skip" in (project / "site/demo/index.html").read_text(encoding="utf-8")


def test_two_builds_at_once_share_one_good_cache_entry(tmp_path):
    project = make_project(tmp_path, {"hello": HELLO}, "<!-- example: demo/hello -->")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    procs = [
        subprocess.Popen([*MKDOCS, "build", "--strict", "-d", f"site{i}"], cwd=project, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in (1, 2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    entries = [p for p in (project / ".cache/examples/demo/hello").iterdir()]
    assert len(entries) == 1 and not entries[0].name.startswith(".")
    data = json.loads((entries[0] / "result.json").read_text())
    assert data["figures"][0]["alt"] == "A line"
    nbformat.validate(nbformat.read(entries[0] / "notebook.ipynb", as_version=4))


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


def test_device_fallback_is_said_on_the_page():
    sys.path.insert(0, str(ROOT / "hooks"))
    from example_markdown import Marker, render_result
    from example_runner import Result

    result = Result(name="demo/x", device="CPU (x86_64)", seconds=1.0, text="",
                    device_note="CUDA present but unusable (RuntimeError: no kernel image)",
                    folder=Path("/nowhere"))
    marker = Marker(1, "demo/x", "demo/x", False, None)
    md = render_result(result, marker, "en", "demo.md", "demo/")
    assert "CUDA was not usable, so this ran on the CPU" in md and "no kernel image" in md
    assert "Ran on CPU (x86\\_64) in 1.0 s" in md  # Markdown-escaped


def test_marker_options_select_what_is_shown():
    sys.path.insert(0, str(ROOT / "hooks"))
    from example_markdown import parse_marker, render_result
    from example_runner import Result

    result = Result(name="demo/x", device="CPU", device_note=None, seconds=1.0, text="hi\n",
                    figures=[{"file": "figure-1.png", "alt": "One"},
                             {"file": "figure-2.png", "alt": "Two"}],
                    audio=["tone.wav"], folder=Path("/nowhere"))

    def shown(spec):
        md = render_result(result, parse_marker(spec, "p.md", 1, {"demo/x"}), "en", "p.md", "p/")
        return ("figure-1" in md, "figure-2" in md, "hi" in md, "tone.wav" in md)

    assert shown("demo/x") == (True, True, True, True)
    assert shown("demo/x figure=2") == (False, True, False, False)
    assert shown("demo/x text") == (False, False, True, False)
    assert shown("demo/x audio") == (False, False, False, True)
    assert shown("demo/x text figure=1,2") == (True, True, True, False)
    marker = parse_marker("demo/x text", "p.md", 1, {"demo/x"})
    assert "Ran on" in render_result(result, marker, "en", "p.md", "p/")
    assert "Ran on" not in render_result(result, marker, "en", "p.md", "p/", meta=False)


def test_output_with_backticks_cannot_close_its_fence():
    sys.path.insert(0, str(ROOT / "hooks"))
    from example_markdown import fenced

    block = fenced("a\n```\nb")
    assert block.startswith("````text\n") and block.endswith("\n````")
    assert textwrap.dedent(block).count("````") == 2


def test_changing_one_example_reruns_only_that_one(tmp_path):
    other = HELLO.replace('log.write("hello\\n")', 'log.write("other\\n")')
    project = make_project(tmp_path, {"hello": HELLO, "other": other},
                           "<!-- example: demo/hello -->\n\n<!-- example: demo/other text -->")
    assert build(project).returncode == 0
    (project / "examples/demo/other.py").write_text(other.replace("(2, 3)", "(4, 5)"))
    result = build(project)
    assert result.returncode == 0, result.stderr
    lines = (project / "runs.log").read_text().splitlines()
    assert sorted(lines[:2]) == ["hello", "other"] and lines[2:] == ["other"]
    assert "shape (4, 5)" in (project / "site/en/demo/index.html").read_text(encoding="utf-8")
