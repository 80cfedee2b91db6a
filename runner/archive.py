"""Carry results between machines: ``pack`` the current cache entries into one archive,
``unpack`` such an archive into the local cache.

Typical use: run the examples on a GPU machine that has no site toolchain, bring the
archive back, unpack it, build the site here. An entry is unpacked only if its key matches
the key the local sources give (the example's source, the audiodl package, the cache
format); the machine it ran on may differ, and the local build then uses it as it is.

The archive is a gzipped tar: ``manifest.json``, then ``<name>/<key>/<file>`` per entry.
An archive is someone else's file, so unpacking trusts nothing in it: it reads the archive
once, front to back, into a hidden folder of the cache (``.tmp-unpack-*``), taking only
regular files with plain names under the entries the manifest lists, within the size caps
(:data:`~runner.cache.ENTRY_CAP` an entry, :data:`ARCHIVE_CAP` in all); each entry must
then pass the same check as any cache entry (:func:`~runner.cache.read_entry`) and carry
the local ``examples/<name>.py`` as its source. Only when every entry passes are they
moved into place, all together; otherwise the cache is left as it was.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from runner.batch import select
from runner.cache import ENTRY_CAP, SAFE_FILE, Cache, EntryError, read_entry
from runner.keys import CACHE_FORMAT, RUNNER_SHA, Environment, digest
from runner.project import EXAMPLE_NAME, Project

KIND = "audiodl-examples"
ARCHIVE_CAP = 512 * 2**20  # bytes of all entries' files together
MANIFEST_CAP = 2**20
KEY = re.compile(r"^[0-9a-f]{20}$")
# What reading a damaged or cut-short gzipped tar raises.
DAMAGED = (OSError, EOFError, zlib.error, tarfile.TarError)


class ArchiveError(Exception):
    """The archive is not one of ours, is damaged, or cannot be written or unpacked."""


@dataclass
class Report:
    done: list[str] = field(default_factory=list)  # packed or unpacked
    left: list[tuple[str, str]] = field(default_factory=list)  # (name, why not)


def pack(project: Project, archive: Path, names: Iterable[str] | None = None) -> Report:
    """Write the current result of every (selected) example into ``archive``. Examples
    without one (missing, stale, failed) are left out and reported."""
    if archive.is_dir():
        raise ArchiveError(f"{archive} is a folder: name the file to write, "
                           f"e.g. {archive / 'results.tar.gz'}")
    env, cache = Environment.here(), Cache(project.cache)
    report, entries = Report(), []
    for name, path in select(project, names).items():
        source = path.read_bytes()
        found = cache.load(name, env.key(source), source)
        if found is None:
            report.left.append((name, "no result for the current source: run it first"))
        elif found.stale_because(env):
            report.left.append((name, f"its result is stale ({found.stale_because(env)})"))
        else:
            entries.append(found)
    if sum(sum(r.files.values()) for r in entries) > ARCHIVE_CAP:
        raise ArchiveError(f"{archive}: the results exceed {ARCHIVE_CAP // 2**20} MiB, "
                           "more than unpack takes: pack fewer with --only")
    manifest = {
        "kind": KIND,
        "cache_format": CACHE_FORMAT,
        "runner_sha": RUNNER_SHA,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "entries": [{"name": r.name, "key": r.key, "source_sha": r.source_sha,
                     "package_sha": r.package_sha, "device": r.device} for r in entries],
    }
    partial = archive.with_name(f".{archive.name}.{os.getpid()}.partial")
    try:
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            for result in entries:
                _add_bytes(tar, f"{result.name}/{result.key}/result.json",
                           (result.folder / "result.json").read_bytes())
                for file in result.files:
                    tar.add(result.path(file), arcname=f"{result.name}/{result.key}/{file}",
                            recursive=False)
        partial.replace(archive)
    except BaseException as exc:
        try:
            partial.unlink(missing_ok=True)
        except OSError:  # its folder is not there or not one: nothing was written
            pass
        if isinstance(exc, OSError):
            raise ArchiveError(f"{archive}: cannot write it ({_why(exc)})") from None
        raise
    report.done = [r.name for r in entries]
    return report


def unpack(project: Project, archive: Path) -> Report:
    """Put every entry of ``archive`` whose key matches the local sources into the local
    cache (replacing what is there under that key); report the others and why. A damaged
    or unsafe entry refuses the whole archive (:class:`ArchiveError`), the cache unchanged."""
    env, cache = Environment.here(), Cache(project.cache)
    scripts = project.scripts()
    report = Report()
    try:
        tar = tarfile.open(archive, "r|gz")  # one pass, front to back: sizes are checked
    except DAMAGED as exc:                   # before anything is read
        raise ArchiveError(f"{archive}: not a readable archive ({_why(exc)})") from None
    with tar, _staging(cache.root) as staging:
        members = _reading(tar, archive)
        manifest = _manifest(members, archive)
        wanted = {}  # "<name>/<key>/" -> (entry, its folder in staging)
        for n, entry in enumerate(manifest["entries"]):
            why = _mismatch(entry, scripts, env)
            if why:
                report.left.append((entry["name"], why))
            else:
                wanted[f"{entry['name']}/{entry['key']}/"] = (entry, staging / str(n))
        listed = {f"{e['name']}/{e['key']}/" for e in manifest["entries"]}
        _extract(members, archive, listed, wanted)
        results = []
        for entry, folder in wanted.values():
            name = entry["name"]
            if not folder.is_dir():
                raise ArchiveError(f"{archive}: {name}: its files are not in the archive; "
                                   "nothing was unpacked")
            try:
                result = read_entry(folder, name, entry["key"], scripts[name].read_bytes())
            except (EntryError, OSError) as exc:
                raise ArchiveError(f"{archive}: {name}: {_why(exc)}; nothing was unpacked") \
                    from None
            result.origin = "unpacked"
            (folder / "result.json").write_text(result.to_json(), encoding="utf-8")
            results.append(result)
        try:
            cache.put_all(results)
        except OSError as exc:
            raise ArchiveError(f"cannot write into the cache {cache.root} ({_why(exc)}); "
                               "nothing was unpacked") from None
    report.done = [r.name for r in results]
    return report


def _why(exc: BaseException) -> str:
    """An exception in a few words, for a one-line message."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) or exc.__class__.__name__


@contextmanager
def _staging(root: Path):
    """A fresh hidden folder in the cache (on its file system, so entries move into place
    by renaming), removed afterwards with any folders made for it."""
    made = [p for p in (root, *root.parents) if not p.exists()]
    try:
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".tmp-unpack-", dir=root))
    except OSError as exc:
        _remove_empty(made)
        raise ArchiveError(f"cannot write into the cache {root} ({_why(exc)})") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _remove_empty(made)


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        try:
            folder.rmdir()
        except OSError:  # not empty (entries went in), or not there
            pass


def _reading(tar: tarfile.TarFile, archive: Path):
    """Each member with its bytes, in order; the caps are checked on the sizes the
    headers give, before the bytes are read."""
    total = 0
    while True:
        try:
            member = tar.next()
            if member is None:
                return
            total += member.size
            if total > ARCHIVE_CAP:
                raise ArchiveError(f"{archive}: holds more than {ARCHIVE_CAP // 2**20} MiB; "
                                   "nothing was unpacked")
            if not member.isfile():
                raise ArchiveError(f"{archive}: {member.name!r} is not a regular file; "
                                   "nothing was unpacked")
            cap = MANIFEST_CAP if member.name == "manifest.json" else ENTRY_CAP
            if member.size > cap:
                raise ArchiveError(f"{archive}: {member.name!r} exceeds {cap // 2**20} MiB; "
                                   "nothing was unpacked")
            data = tar.extractfile(member).read()
        except DAMAGED as exc:
            raise ArchiveError(f"{archive}: damaged or cut short ({_why(exc)}); "
                               "nothing was unpacked") from None
        yield member, data


def _manifest(members, archive: Path) -> dict:
    """The manifest (the archive's first member), checked: kind, format, runner, entries."""
    first = next(members, None)
    try:
        if first is None or first[0].name != "manifest.json":
            raise ValueError
        manifest = json.loads(first[1])
    except ValueError:
        raise ArchiveError(
            f"{archive}: no readable manifest.json first; is it an archive made by "
            "`python -m runner pack`?"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise ArchiveError(f"{archive}: not an archive of example results (its manifest.json "
                           f"is not a JSON object of kind {KIND!r})")
    if manifest.get("cache_format") != CACHE_FORMAT:
        raise ArchiveError(
            f"{archive}: its results have cache format {manifest.get('cache_format')}, this "
            f"runner reads {CACHE_FORMAT}. Run the examples there with the same commit of "
            "this repository (runner/ included) and pack again."
        )
    if manifest.get("runner_sha") != RUNNER_SHA:
        raise ArchiveError(
            f"{archive}: made by another version of the runner (runner/kernel_side.py draws "
            "the figures differently there). Run the examples there with the same commit of "
            "this repository and pack again."
        )
    entries = manifest.get("entries")
    if not isinstance(entries, list):
        raise ArchiveError(f"{archive}: manifest.json: 'entries' is missing or not a list")
    seen = set()
    for n, entry in enumerate(entries, start=1):
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and EXAMPLE_NAME.match(entry["name"]) and isinstance(entry.get("key"), str)
                and KEY.match(entry["key"])
                and all(isinstance(entry.get(k, ""), str)
                        for k in ("source_sha", "package_sha", "device"))):
            raise ArchiveError(
                f"{archive}: manifest.json: entry {n} is not {{name: '<chapter>/<example>', "
                "key: 20 hex digits, source_sha, package_sha, device: strings}")
        if entry["name"] in seen:
            raise ArchiveError(f"{archive}: manifest.json lists {entry['name']} twice")
        seen.add(entry["name"])
    return manifest


def _mismatch(entry: dict, scripts: dict[str, Path], env: Environment) -> str | None:
    """Why an archived entry does not fit the local sources, with what to do; or None."""
    name = entry["name"]
    redo = (f"copy this checkout's examples/ and src/ to that machine, run "
            f"`python -m runner --only {name}` and pack again, or run it here")
    if name not in scripts:
        return f"there is no examples/{name}.py here"
    source = scripts[name].read_bytes()
    if env.key(source) == entry["key"]:
        return None
    if digest(source) != entry.get("source_sha"):
        return f"examples/{name}.py here differs from the one that ran there: {redo}"
    if env.package_sha != entry.get("package_sha"):
        return f"the audiodl package here differs from the one it ran with there: {redo}"
    return f"its key {entry['key']} does not match the local key {env.key(source)}: {redo}"


def _extract(members, archive: Path, listed: set[str], wanted: dict) -> None:
    """Write the wanted entries' files into their staging folders; every other member must
    belong to an entry the manifest lists (and is skipped)."""
    seen = set()
    sizes = dict.fromkeys(wanted, 0)
    for member, data in members:
        prefix, _, file = member.name.rpartition("/")
        prefix += "/"
        if prefix not in listed or not SAFE_FILE.match(file) or member.name in seen:
            what = "twice" if member.name in seen else "outside the entries it lists"
            raise ArchiveError(f"{archive}: unexpected member {member.name!r} ({what}); "
                               "nothing was unpacked")
        seen.add(member.name)
        if prefix not in wanted:
            continue
        entry, folder = wanted[prefix]
        sizes[prefix] += member.size
        if sizes[prefix] > ENTRY_CAP:
            raise ArchiveError(f"{archive}: {entry['name']}: its files exceed "
                               f"{ENTRY_CAP // 2**20} MiB; nothing was unpacked")
        try:
            folder.mkdir(exist_ok=True)
            (folder / file).write_bytes(data)
        except OSError as exc:
            raise ArchiveError(f"cannot write into the cache ({_why(exc)}); "
                               "nothing was unpacked") from None


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o644
    tar.addfile(info, io.BytesIO(data))
