"""The example runner without MkDocs: the command line, the cache key, pack and unpack,
and the errors that stop an example (no CJK font, a glyph no font has)."""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from runner import archive, batch  # noqa: E402
from runner.cache import Cache, ExampleError  # noqa: E402
from runner.keys import (  # noqa: E402
    CACHE_FORMAT,
    RUNNER_SHA,
    Environment,
    package_digest,
    package_files,
)
from runner.project import Project  # noqa: E402

HELLO = '''\
# %% [markdown] lang="zh"
# 中文说明。

# %% [markdown] lang="en"
# English prose.

# %%
import matplotlib.pyplot as plt

from audiodl.figure_language import tr

with open("runs.log", "a") as log:  # one line per run: the tests count them
    log.write("hello\\n")
print("hello")
fig, ax = plt.subplots()
ax.plot([0, 1], [0, 1])
ax.set_title(tr("一条直线", "A line"))
plt.show()
'''

PLAIN = '''\
# %%
print("plain")
'''


def make(root: Path, examples: dict[str, str]) -> Project:
    for name, source in examples.items():
        path = root / "examples" / "demo" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return Project(root)


def runs(project: Project) -> int:
    log = project.root / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def cli(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, env={**os.environ, **env},
    )


def gpu_machine(monkeypatch) -> None:
    """Pretend to be another machine: a CUDA box with another torch."""
    here = Environment.here
    monkeypatch.setattr(Environment, "here", staticmethod(
        lambda: Environment(here().package_sha, "9.9.9+cu999", "cuda")))


@pytest.fixture(scope="module")
def gpu_archive(tmp_path_factory):
    """A project run "on a GPU machine" and packed: (project, archive)."""
    mp = pytest.MonkeyPatch()
    try:
        gpu_machine(mp)
        project = make(tmp_path_factory.mktemp("gpu"), {"hello": HELLO, "plain": PLAIN})
        outcomes = batch.results(project)
        assert all(not isinstance(r, ExampleError) for r in outcomes.values()), outcomes
        out = project.root / "results.tar.gz"
        report = archive.pack(project, out)
        assert report.done == ["demo/hello", "demo/plain"] and not report.left
    finally:
        mp.undo()
    return project, out


# ---------------------------------------------------------------- command line


def test_cli_runs_lists_and_only(tmp_path):
    project = make(tmp_path, {"hello": HELLO, "plain": PLAIN})
    listed = cli("--list", "--root", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "demo/hello" in listed.stdout and "missing" in listed.stdout

    ran = cli("--only", "demo/hello", "--root", str(tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert "running 1 of 1" in ran.stdout and "demo/hello ran on CPU" in ran.stdout
    assert runs(project) == 1
    rows = {line.split()[0]: line for line in
            cli("list", "--root", str(tmp_path)).stdout.splitlines()[1:]}
    assert " cached " in rows["demo/hello"]
    assert f"CPU ({platform.machine()})" in rows["demo/hello"]
    assert " missing" in rows["demo/plain"]

    again = cli("--root", str(tmp_path))  # only the missing one runs
    assert again.returncode == 0 and "running 1 of 2 (1 cached)" in again.stdout
    assert runs(project) == 1

    (project.examples / "demo" / "hello.py").write_text(HELLO + "\nprint('more')\n")
    rows = {line.split()[0]: line for line in
            cli("--list", "--root", str(tmp_path)).stdout.splitlines()[1:]}
    assert "stale (source, audiodl or runner changed)" in rows["demo/hello"]
    assert "CPU" in rows["demo/hello"]  # the last run is still shown

    unknown = cli("--only", "demo/nowhere", "--root", str(tmp_path))
    assert unknown.returncode == 2 and "no such example: demo/nowhere" in unknown.stderr


def test_cli_reports_a_failing_example_and_exits_1(tmp_path):
    make(tmp_path, {"bad": "# %%\nx = 1\n\n# %%\nraise ValueError('bad input shape')\n"})
    ran = cli("--root", str(tmp_path))
    assert ran.returncode == 1
    assert "examples/demo/bad.py, cell 2, line 5: ValueError: bad input shape" in ran.stderr
    assert "0 of 1 examples have a current result; 1 failed" in ran.stdout


def test_runner_imports_nothing_of_mkdocs():
    code = "import runner.__main__, runner.kernel, runner.archive, sys; " \
           "print([m for m in sys.modules if m.startswith('mkdocs')])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- keys


def test_key_covers_source_and_package_not_the_machine(monkeypatch):
    env = Environment.here()
    assert env.key(b"a") != env.key(b"b")
    other_package = Environment("0" * 64, env.torch, env.device_kind)
    assert other_package.key(b"a") != env.key(b"a")
    other_machine = Environment(env.package_sha, "9.9.9", "cuda")
    assert other_machine.key(b"a") == env.key(b"a")


def test_package_digest_is_the_same_for_an_installed_copy(tmp_path):
    """What a wheel of audiodl holds (its modules and the package-data of pyproject.toml)
    hashes like the source tree: results made with an installed copy unpack here."""
    import tomllib

    import audiodl

    src = Path(audiodl.__file__).parent
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = ["**/*.py", *config["tool"]["setuptools"]["package-data"]["audiodl"]]
    shipped = {f for pattern in patterns for f in src.glob(pattern) if f.is_file()}
    assert set(package_files(src)) == {f for f in shipped if "__pycache__" not in f.parts}, (
        "src/audiodl holds files a wheel would not ship: add them to package-data")
    copy = tmp_path / "audiodl"
    for file in shipped:
        target = copy / file.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.read_bytes())
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    (copy / ".x.py.swp").write_bytes(b"an editor's")
    assert package_digest(copy) == package_digest(src)
    (copy / "seed.py").write_text("changed")
    assert package_digest(copy) != package_digest(src)


# ---------------------------------------------------------------- pack / unpack


def test_results_made_elsewhere_are_unpacked_and_used_here(gpu_archive, tmp_path):
    gpu, out = gpu_archive
    here = make(tmp_path, {"hello": HELLO, "plain": PLAIN})
    assert [s.state for s in batch.status(here)] == ["missing", "missing"]
    report = archive.unpack(here, out)
    assert report.done == ["demo/hello", "demo/plain"] and not report.left
    assert [s.state for s in batch.status(here)] == ["unpacked", "unpacked"]
    outcomes = batch.results(here)  # nothing runs: the unpacked results stand
    assert runs(here) == 0
    hello = outcomes["demo/hello"]
    assert hello.origin == "unpacked" and hello.device_kind == "cuda"
    assert hello.torch == "9.9.9+cu999"
    assert hello.figure(1, "zh")["alt"] == "一条直线" and hello.figure(1, "en")["alt"] == "A line"
    for lang in ("zh", "en"):
        assert hello.notebook(lang).read_bytes() == (
            Cache(gpu.cache).load("demo/hello", hello.key).notebook(lang).read_bytes())
    listed = cli("--list", "--root", str(tmp_path))
    assert listed.stdout.count(" unpacked ") == 2
    # The machine's own run of the same sources replaces it only when forced.
    forced = batch.results(here, ["demo/plain"], force=True)
    assert forced["demo/plain"].origin == "here"
    assert batch.results(here)["demo/hello"].origin == "unpacked"


def test_unpack_refuses_entries_whose_key_does_not_match(gpu_archive, tmp_path):
    _, out = gpu_archive
    here = make(tmp_path, {"hello": HELLO.replace("hello", "changed"), "other": PLAIN})
    result = cli("unpack", str(out), "--root", str(tmp_path))
    assert result.returncode == 1
    assert "not unpacked: demo/hello: examples/demo/hello.py here differs from the one " \
           "that ran there" in result.stderr
    assert "python -m runner --only demo/hello" in result.stderr  # what to do
    assert "not unpacked: demo/plain: there is no examples/demo/plain.py here" in result.stderr
    assert "unpacked 0 result(s)" in result.stdout
    assert [s.state for s in batch.status(here)] == ["missing", "missing"]


def test_unpack_refuses_results_of_another_audiodl_package(gpu_archive, tmp_path, monkeypatch):
    _, out = gpu_archive
    here = make(tmp_path, {"hello": HELLO, "plain": PLAIN})
    real = Environment.here()
    monkeypatch.setattr(Environment, "here", staticmethod(
        lambda: Environment("1" * 64, real.torch, real.device_kind)))
    report = archive.unpack(here, out)
    assert report.done == []
    assert [name for name, _ in report.left] == ["demo/hello", "demo/plain"]
    assert all("the audiodl package here differs" in why for _, why in report.left)


def test_unpack_rejects_foreign_or_unsafe_archives(tmp_path):
    here = make(tmp_path, {"plain": PLAIN})
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(archive.ArchiveError, match="not a readable archive"):
        archive.unpack(here, junk)

    env = Environment.here()
    key = env.key((here.examples / "demo" / "plain.py").read_bytes())
    evil = tmp_path / "evil.tar.gz"
    manifest = {"kind": archive.KIND, "cache_format": CACHE_FORMAT, "runner_sha": RUNNER_SHA,
                "entries": [{"name": "demo/plain", "key": key}]}
    with tarfile.open(evil, "w:gz") as tar:
        for name, data in [("manifest.json", json.dumps(manifest).encode()),
                           (f"demo/plain/{key}/../../../../escaped.txt", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(archive.ArchiveError, match="unexpected member"):
        archive.unpack(here, evil)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not here.cache.exists()  # nothing written, not even the cache's folder


def test_unpack_refuses_an_archive_of_another_runner(gpu_archive, tmp_path):
    _, out = gpu_archive
    here = make(tmp_path, {"hello": HELLO, "plain": PLAIN})
    other = tmp_path / "other.tar.gz"
    with tarfile.open(out, "r:gz") as src, tarfile.open(other, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["runner_sha"] = "0" * 64
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    result = cli("unpack", str(other), "--root", str(tmp_path))
    assert result.returncode == 2
    assert "made by another version of the runner" in result.stderr
    assert [s.state for s in batch.status(here)] == ["missing", "missing"]


def test_pack_leaves_out_what_has_no_current_result(tmp_path):
    here = make(tmp_path, {"plain": PLAIN})
    result = cli("pack", str(tmp_path / "r.tar.gz"), "--root", str(tmp_path))
    assert result.returncode == 1
    assert "not packed: demo/plain: no result for the current source: run it first" \
        in result.stderr
    assert [s.state for s in batch.status(here)] == ["missing"]


# ---------------------------------------------------------------- fonts and glyphs


def test_no_cjk_font_stops_the_example_saying_what_to_install(tmp_path, monkeypatch):
    project = make(tmp_path, {"plain": PLAIN})
    monkeypatch.setenv("AUDIODL_CJK_FONT", "No Such Font")
    error = batch.results(project)["demo/plain"]
    assert isinstance(error, ExampleError)
    assert "examples/demo/plain.py could not start" in str(error)
    assert "fonts-noto-cjk" in str(error)


@pytest.mark.parametrize("show", ["plt.show()\n", ""])
def test_a_glyph_no_font_has_fails_the_example(tmp_path, show):
    source = ("# %%\nimport matplotlib.pyplot as plt\nfrom audiodl.figure_language import tr\n"
              "\n# %%\nfig, ax = plt.subplots()\n"
              "ax.set_title(tr('标题 \\U0010fffd', 'title'))\n" + show)
    error = batch.results(make(tmp_path, {"glyph": source}))["demo/glyph"]
    assert isinstance(error, ExampleError)
    assert "examples/demo/glyph.py, cell 2" in str(error)
    assert "MissingGlyphError" in str(error) and "the zh figure" in str(error)
    assert not list((tmp_path / ".cache" / "examples" / "demo" / "glyph").glob("[!.]*"))


def test_chinese_prose_lines_are_joined_latin_lines_kept():
    """A line break between two CJK characters would show as a space in the browser."""
    import nbformat

    from runner.outputs import prose

    source = "# 标题\n\n卷积层的\n权重是张量，\nshape (out, in)\n的矩阵。\n- 列表"
    cell = nbformat.v4.new_markdown_cell(source)
    assert prose(cell) == "# 标题\n\n卷积层的权重是张量，\nshape (out, in)\n的矩阵。\n- 列表"
    code = nbformat.v4.new_code_cell("# 中文\n# 注释")
    assert prose(code) == code.source


def test_wavs_and_files_for_the_page_are_kept_and_anything_else_is_not(tmp_path):
    source = ("# %%\nfrom audiodl import output_dir\n\nout = output_dir()\n"
              "for name in ('tone.wav', 'model.onnx', 'settings.json', 'scratch.npy'):\n"
              "    (out / name).write_bytes(b'x')\n(out / 'folder.onnx').mkdir()\n")
    result = batch.results(make(tmp_path, {"files": source}))["demo/files"]
    assert result.audio == ["tone.wav"]
    assert result.served == ["model.onnx", "settings.json"]
    assert {"tone.wav", "model.onnx", "settings.json"} <= set(result.files)
    assert "scratch.npy" not in result.files and "folder.onnx" not in result.files


def test_an_unsafe_name_for_a_served_file_fails_the_example(tmp_path):
    source = ("# %%\nfrom audiodl import output_dir\n\n"
              "(output_dir() / 'a b.onnx').write_bytes(b'x')\n")
    error = batch.results(make(tmp_path, {"unsafe": source}))["demo/unsafe"]
    assert isinstance(error, ExampleError)
    assert "wrote 'a b.onnx': name the files it writes with letters" in str(error)
