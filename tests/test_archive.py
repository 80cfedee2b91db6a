"""Archives and cache entries made elsewhere are someone else's files: ``unpack`` and every
read of the cache refuse anything hostile or damaged, leave the cache as it was and write
nothing outside it; ``pack`` and ``unpack`` fail with one line and exit status 2.

The entries here are written by hand (no kernel runs): an entry is only files and a
``result.json``, and the checks are about those."""

from __future__ import annotations

import builtins
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import runner.__main__ as cli_main  # noqa: E402
from runner import archive, batch, cache, kernel  # noqa: E402
from runner.cache import (  # noqa: E402
    Cache,
    EntryError,
    ExampleError,
    Result,
    notebook_file,
    read_entry,
)
from runner.keys import CACHE_FORMAT, RUNNER_SHA, Environment, digest  # noqa: E402
from runner.outputs import source_cells  # noqa: E402
from runner.project import Project  # noqa: E402

ENV = Environment("p" * 64, "2.0.0", "cpu")  # the package's hash, fixed: others edit src/

SOURCE = '''\
# %% [markdown] lang="en"
# # A demo {name}

# %%
print("hi")
'''


@pytest.fixture(autouse=True)
def fixed_environment(monkeypatch):
    monkeypatch.setattr(Environment, "here", staticmethod(lambda: ENV))


def make(root: Path, names=("a", "b", "c")) -> Project:
    for name in names:
        path = root / "examples" / "demo" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SOURCE.format(name=name), encoding="utf-8")
    return Project(root)


def store(project: Project, name: str) -> Result:
    """A plausible entry of ``demo/<name>``: a figure, a WAV, the notebooks, its source."""
    full = f"demo/{name}"
    source = (project.examples / "demo" / f"{name}.py").read_bytes()
    folder = Cache(project.cache).scratch(full)
    (folder / "source.py").write_bytes(source)
    for lang in ("zh", "en"):
        (folder / notebook_file(lang)).write_text('{"cells": []}')
    (folder / "figure-1.png").write_bytes(b"\x89PNG fake")
    (folder / "tone.wav").write_bytes(b"RIFF fake")
    cells = [{**cell, "outputs": []} for cell in source_cells(source.decode())]
    cells[-1]["outputs"] = [{"stream": "stdout", "text": "hi\n"}, {"figure": 1}]
    result = Result(
        name=full, key=ENV.key(source), device="NVIDIA Test", device_note=None, seconds=1.5,
        text="hi\n", audio=["tone.wav"], cells=cells, torch=ENV.torch,
        device_kind=ENV.device_kind,
        figures=[{"zh": {"file": "figure-1.png", "alt": "图"},
                  "en": {"file": "figure-1.png", "alt": "fig"}}],
        source_sha=digest(source), package_sha=ENV.package_sha, folder=folder,
    )
    return Cache(project.cache).store(result)


@pytest.fixture
def packed(tmp_path) -> dict[str, bytes]:
    """The members of a good archive of demo/a, demo/b, demo/c, in order."""
    there = make(tmp_path / "there")
    for name in ("a", "b", "c"):
        store(there, name)
    out = tmp_path / "there.tar.gz"
    assert archive.pack(there, out).done == ["demo/a", "demo/b", "demo/c"]
    with tarfile.open(out) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


@pytest.fixture
def here(tmp_path) -> Project:
    """The machine that unpacks: the same examples, and one entry already in its cache."""
    project = make(tmp_path / "here")
    store(project, "b")
    return project


def write_tar(path: Path, members) -> Path:
    """``members``: (name, bytes) for a file, or a ready TarInfo (a link, a folder)."""
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def key_of(members: dict, name: str) -> str:
    return next(m.split("/")[2] for m in members if m.startswith(f"demo/{name}/"))


def edit_result(members: dict, name: str, change) -> dict:
    """A copy of the members with demo/<name>'s result.json changed by ``change(data)``."""
    members = dict(members)
    path = f"demo/{name}/{key_of(members, name)}/result.json"
    data = json.loads(members[path])
    change(data)
    members[path] = json.dumps(data).encode()
    return members


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file, link and folder under ``root``, with contents."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = path.read_bytes()
    return found


def refused(project: Project, members, tmp_path: Path, match: str) -> None:
    """Unpacking these members fails naming ``match``; the whole tmp_path (cache and all
    around it) is as it was, no temporary file left."""
    bad = write_tar(tmp_path / "bad.tar.gz", list(members.items())
                    if isinstance(members, dict) else members)
    before = snapshot(tmp_path)
    with pytest.raises(archive.ArchiveError, match=match):
        archive.unpack(project, bad)
    assert snapshot(tmp_path) == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name or "partial" in p.name]


# ---------------------------------------------------------------- the good path


def test_pack_then_unpack_carries_the_entries(packed, here, tmp_path):
    good = write_tar(tmp_path / "good.tar.gz", list(packed.items()))
    report = archive.unpack(here, good)
    assert report.done == ["demo/a", "demo/b", "demo/c"] and not report.left
    assert [s.state for s in batch.status(here)] == ["unpacked"] * 3
    a = batch.results(here)["demo/a"]
    assert a.device == "NVIDIA Test" and a.path("tone.wav").read_bytes() == b"RIFF fake"
    entries = [p for p in here.cache.rglob("*") if p.name.startswith(".")]
    assert entries == []  # no staging folder left


# ---------------------------------------------------------------- file names a result lists


@pytest.mark.parametrize("field, value", [
    ("figure", "/etc/passwd"),
    ("audio", "../../../../.bashrc"),
    ("audio", "sub/tone.wav"),
    ("audio", ".hidden.wav"),
    ("audio", "result.json"),
])
def test_a_result_naming_a_file_outside_its_entry_is_refused(packed, here, tmp_path,
                                                             field, value):
    def change(data):
        if field == "figure":
            data["figures"][0]["en"]["file"] = value
        else:
            data["audio"] = [value]
        data["files"][value] = 5

    members = edit_result(packed, "c", change)
    refused(here, members, tmp_path, f"demo/c: it names '{value}': not a plain file name")


def test_an_entry_with_a_file_its_result_does_not_list_is_refused(packed, here, tmp_path):
    members = dict(packed)
    members[f"demo/c/{key_of(packed, 'c')}/extra.sh"] = b"#!/bin/sh\n"
    refused(here, members, tmp_path, "demo/c: it holds 'extra.sh', which its result does not")


def test_an_entry_missing_a_file_it_lists_is_refused(packed, here, tmp_path):
    members = {n: d for n, d in packed.items() if not n.endswith("c/" + key_of(packed, "c")
                                                                 + "/tone.wav")}
    refused(here, members, tmp_path, "demo/c: tone.wav is missing or not a plain file")


def test_an_entry_whose_source_is_not_the_local_example_is_refused(packed, here, tmp_path):
    members = dict(packed)
    path = f"demo/c/{key_of(packed, 'c')}/source.py"
    members[path] = members[path].replace(b"A demo", b"A DEMO")  # same size: not a truncation
    refused(here, members, tmp_path, "demo/c: its source.py is not examples/demo/c.py")


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.DIRTYPE])
def test_links_and_folders_in_an_archive_are_refused(packed, here, tmp_path, kind):
    link = tarfile.TarInfo(f"demo/c/{key_of(packed, 'c')}/" +
                           ("sub" if kind == tarfile.DIRTYPE else "figure-2.png"))
    link.type, link.linkname = kind, "/etc/passwd"
    refused(here, [*packed.items(), link], tmp_path, "is not a regular file")


@pytest.mark.parametrize("name, why", [
    ("demo/c/{key}/sub/figure-1.png", "outside the entries it lists"),
    ("../../escaped.txt", "outside the entries it lists"),
    ("demo/c/{key}/figure-1.png", "twice"),
    ("ch9/other/0123456789abcdef0123/x.png", "outside the entries it lists"),
])
def test_a_member_outside_the_listed_entries_or_twice_is_refused(packed, here, tmp_path,
                                                                  name, why):
    name = name.format(key=key_of(packed, "c"))
    refused(here, [*packed.items(), (name, b"x")], tmp_path, f"unexpected member.*{why}")


def test_a_bad_third_entry_leaves_the_cache_as_it_was(packed, here, tmp_path):
    """demo/a and demo/b are good (b replaces the entry that is here), demo/c is not:
    nothing moves, and the entry b had stays."""
    members = edit_result(packed, "c", lambda d: d["audio"].append("../../x.wav"))
    had = snapshot(here.cache)
    refused(here, members, tmp_path, "demo/c")
    assert snapshot(here.cache) == had
    assert [s.state for s in batch.status(here)] == ["missing", "cached", "missing"]


# ---------------------------------------------------------------- sizes


def test_an_entry_over_the_cap_is_refused(packed, here, tmp_path, monkeypatch):
    biggest = max(len(d) for n, d in packed.items() if n.startswith("demo/c/"))
    monkeypatch.setattr(archive, "ENTRY_CAP", biggest + 10)
    refused(here, packed, tmp_path, "demo/a: its files exceed")


def test_a_member_over_the_cap_is_refused_before_it_is_read(packed, here, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr(archive, "ENTRY_CAP", 4)
    refused(here, packed, tmp_path, "result.json' exceeds")


def test_an_archive_over_the_cap_is_refused(packed, here, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "ARCHIVE_CAP", sum(map(len, packed.values())) - 1)
    refused(here, packed, tmp_path, "holds more than")


def test_a_cache_entry_over_the_cap_is_not_used(here, monkeypatch):
    entry = next((here.cache / "demo" / "b").iterdir())
    monkeypatch.setattr(cache, "ENTRY_CAP", 10)
    with pytest.raises(EntryError, match="its files exceed"):
        read_entry(entry, "demo/b")


# ---------------------------------------------------------------- manifests


@pytest.mark.parametrize("manifest, message", [
    ([1, 2], "not an archive of example results"),
    ({"kind": archive.KIND, "cache_format": CACHE_FORMAT, "runner_sha": RUNNER_SHA},
     "'entries' is missing or not a list"),
    ({"kind": archive.KIND, "cache_format": CACHE_FORMAT, "runner_sha": RUNNER_SHA,
      "entries": {"name": "demo/a"}}, "'entries' is missing or not a list"),
    ({"kind": archive.KIND, "cache_format": CACHE_FORMAT, "runner_sha": RUNNER_SHA,
      "entries": [{"key": "0123456789abcdef0123"}]}, "entry 1 is not"),
    ({"kind": archive.KIND, "cache_format": CACHE_FORMAT, "runner_sha": RUNNER_SHA,
      "entries": [{"name": "demo/a", "key": 12}]}, "entry 1 is not"),
    ({"kind": archive.KIND, "cache_format": CACHE_FORMAT, "runner_sha": RUNNER_SHA,
      "entries": [{"name": "../../etc", "key": "0123456789abcdef0123"}]}, "entry 1 is not"),
    ({"kind": archive.KIND, "cache_format": CACHE_FORMAT, "runner_sha": RUNNER_SHA,
      "entries": ["demo/a"]}, "entry 1 is not"),
    ("{not json", "no readable manifest.json"),
])
def test_a_bad_manifest_is_one_line_and_exit_status_2(here, tmp_path, capsys, manifest,
                                                       message):
    data = manifest.encode() if isinstance(manifest, str) else json.dumps(manifest).encode()
    bad = write_tar(tmp_path / "bad.tar.gz", [("manifest.json", data)])
    before = snapshot(tmp_path)
    assert cli_main.main(["unpack", str(bad), "--root", str(here.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before


def test_an_archive_without_its_manifest_first_is_refused(packed, here, tmp_path):
    members = list(packed.items())
    refused(here, members[1:] + members[:1], tmp_path, "no readable manifest.json first")


# ---------------------------------------------------------------- damaged files, the CLI


def test_a_gzip_cut_in_half_is_one_line_and_exit_status_2(packed, here, tmp_path):
    whole = write_tar(tmp_path / "whole.tar.gz", list(packed.items())).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    before = snapshot(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "runner", "unpack", str(cut), "--root", str(here.root)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {cut}: damaged or cut short")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("data", [b"", b"not an archive", gzip.compress(b"not a tar" * 100)])
def test_a_file_that_is_not_an_archive_is_refused(here, tmp_path, capsys, data):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(data)
    before = snapshot(tmp_path)
    assert cli_main.main(["unpack", str(junk), "--root", str(here.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {junk}: ") and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before


def test_a_missing_archive_is_one_line(here, tmp_path, capsys):
    assert cli_main.main(["unpack", str(tmp_path / "nowhere.tar.gz"),
                          "--root", str(here.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nowhere.tar.gz" in err and err.count("\n") == 1


def read_only(monkeypatch, folder: Path) -> None:
    """Make ``folder`` refuse new files and folders, as a read-only mount does (chmod would
    not stop root, which runs the tests in many containers)."""
    inside = folder.resolve()

    def refuse(path) -> None:
        if Path(path).resolve().is_relative_to(inside):
            raise PermissionError(13, "Permission denied", str(path))

    def guarded(real, creates):
        def call(path, *args, **kwargs):
            if creates(args, kwargs):
                refuse(path)
            return real(path, *args, **kwargs)
        return call

    def writes(args, kwargs) -> bool:
        mode = args[0] if args else kwargs.get("mode", "r")
        return isinstance(mode, str) and any(c in mode for c in "wax+")

    opener = guarded(builtins.open, writes)
    monkeypatch.setattr(builtins, "open", opener)
    monkeypatch.setattr(io, "open", opener)
    monkeypatch.setattr(os, "open", guarded(os.open, lambda a, k: a[0] & os.O_CREAT))
    monkeypatch.setattr(os, "mkdir", guarded(os.mkdir, lambda a, k: True))


def test_a_read_only_cache_is_one_line_and_exit_status_2(packed, here, tmp_path, capsys,
                                                         monkeypatch):
    good = write_tar(tmp_path / "good.tar.gz", list(packed.items()))
    before = snapshot(tmp_path)
    read_only(monkeypatch, here.cache)
    assert cli_main.main(["unpack", str(good), "--root", str(here.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write into the cache {here.cache}")
    assert "Permission denied" in err and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before


def test_a_failing_move_into_place_moves_back_what_moved(packed, here, tmp_path,
                                                         monkeypatch):
    """The entries are checked, then moved: if the third move fails, the first two go back
    (and the entry demo/b had returns)."""
    good = write_tar(tmp_path / "good.tar.gz", list(packed.items()))
    before = snapshot(tmp_path)
    real_rename, moves = os.rename, []

    def rename(src, dst):
        if Path(dst).parent.name == "c" and Path(dst).parent.parent.name == "demo":
            raise PermissionError(13, "Permission denied", str(dst))
        moves.append(dst)
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(archive.ArchiveError, match="nothing was unpacked"):
        archive.unpack(here, good)
    assert len(moves) > 3  # two entries and b's old one moved, then back
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["folder", "under a file", "read-only"])
def test_packing_where_it_cannot_write_is_one_line_and_exit_status_2(here, tmp_path, capsys,
                                                                    monkeypatch, where):
    target = {"folder": tmp_path,
              "under a file": here.examples / "demo" / "a.py" / "out.tar.gz",
              "read-only": tmp_path / "ro" / "out.tar.gz"}[where]
    (tmp_path / "ro").mkdir()
    before = snapshot(tmp_path)
    read_only(monkeypatch, tmp_path / "ro")
    assert cli_main.main(["pack", str(target), "--root", str(here.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}") and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before  # no .partial left


# ---------------------------------------------------------------- a cache restored by CI


@pytest.mark.parametrize("attack", ["figure outside", "audio outside", "linked file",
                                    "linked entry", "extra file", "other example"])
def test_a_hostile_entry_in_the_cache_itself_is_not_used(here, tmp_path, monkeypatch,
                                                         attack):
    """A cache restored by CI is read with the same checks as an unpacked one: the entry is
    dropped (the example runs again), nothing it points to is read, copied or removed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish")
    entry = next(p for p in (here.cache / "demo" / "b").iterdir())
    data = json.loads((entry / "result.json").read_text())
    if attack == "figure outside":
        data["figures"][0]["zh"]["file"] = str(secret)
        data["files"][str(secret)] = secret.stat().st_size
    elif attack == "audio outside":
        data["audio"] = ["../../../../secret.txt"]
        data["files"]["../../../../secret.txt"] = secret.stat().st_size
    elif attack == "linked file":
        (entry / "tone.wav").unlink()
        (entry / "tone.wav").symlink_to(secret)
        data["files"]["tone.wav"] = secret.stat().st_size
    elif attack == "linked entry":
        elsewhere = tmp_path / "elsewhere"
        entry.rename(elsewhere)
        entry.symlink_to(elsewhere, target_is_directory=True)
    elif attack == "extra file":
        (entry / "payload.html").write_text("<script>alert(1)</script>")
    elif attack == "other example":
        data["name"] = "../../../x"
    if attack != "linked entry":
        (entry / "result.json").write_text(json.dumps(data))

    def outside_the_cache():
        return {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("here/.cache")}

    outside = outside_the_cache()
    ran = []

    def run_example(name, *args, **kwargs):  # what the build would do: run it again
        ran.append(name)
        raise ExampleError(f"{name} ran again")

    monkeypatch.setattr(kernel, "run_example", run_example)
    assert isinstance(batch.results(here, ["demo/b"])["demo/b"], ExampleError)
    assert ran == ["demo/b"]  # the entry was not used
    assert not entry.exists() and not entry.is_symlink()  # and is gone
    assert [s.state for s in batch.status(here)][1] == "missing"
    assert outside_the_cache() == outside
    if attack == "linked entry":
        assert (tmp_path / "elsewhere" / "result.json").is_file()  # the link, not its target


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(seconds="fast"), "'seconds' is not a number"),
    (lambda d: d.update(figures={"zh": 1}), "'figures' is not a list"),
    (lambda d: d.update(audio="tone.wav"), "'audio' is not a list"),
    (lambda d: d.update(files=[1]), "'files' is not a mapping"),
    (lambda d: d["cells"][1]["outputs"].append({"figure": 7}), "'cells' is not a list"),
    (lambda d: d["cells"][0].update(source=None), "'cells' is not a list"),
    (lambda d: d.pop("text"), "no 'text'"),
])
def test_a_result_of_the_wrong_shape_is_refused(here, change, message):
    entry = next(p for p in (here.cache / "demo" / "b").iterdir())
    data = json.loads((entry / "result.json").read_text())
    change(data)
    (entry / "result.json").write_text(json.dumps(data))
    with pytest.raises(EntryError, match=message):
        read_entry(entry, "demo/b")
    (entry / "result.json").write_text("[1, 2]")
    with pytest.raises(EntryError, match="not a JSON object"):
        read_entry(entry, "demo/b")
