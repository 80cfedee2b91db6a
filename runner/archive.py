"""Carry results between machines: ``pack`` the current cache entries into one archive,
``unpack`` such an archive into the local cache.

Typical use: run the examples on a GPU machine that has no site toolchain, bring the
archive back, unpack it, build the site here. An entry is unpacked only if its key matches
the key the local sources give (the example's source, the audiodl package, the cache
format); the machine it ran on may differ, and the local build then uses it as it is.

The archive is a gzipped tar: ``manifest.json``, then ``<name>/<key>/<file>`` per entry.
Unpacking reads only plain files with plain names into fresh folders, never paths the
archive chooses.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from runner.batch import select
from runner.cache import Cache, Result, read_entry
from runner.keys import CACHE_FORMAT, RUNNER_SHA, Environment, digest
from runner.project import Project

KIND = "audiodl-examples"
SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ArchiveError(Exception):
    """The archive is not one of ours, or is damaged."""


@dataclass
class Report:
    done: list[str] = field(default_factory=list)  # packed or unpacked
    left: list[tuple[str, str]] = field(default_factory=list)  # (name, why not)


def pack(project: Project, archive: Path, names: Iterable[str] | None = None) -> Report:
    """Write the current result of every (selected) example into ``archive``. Examples
    without one (missing, stale, failed) are left out and reported."""
    env, cache = Environment.here(), Cache(project.cache)
    report, entries = Report(), []
    for name, path in select(project, names).items():
        found = cache.load(name, env.key(path.read_bytes()))
        if found is None:
            report.left.append((name, "no result for the current source: run it first"))
        elif found.stale_because(env):
            report.left.append((name, f"its result is stale ({found.stale_because(env)})"))
        else:
            entries.append(found)
    manifest = {
        "kind": KIND,
        "cache_format": CACHE_FORMAT,
        "runner_sha": RUNNER_SHA,
        "made_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "entries": [{"name": r.name, "key": r.key, "source_sha": r.source_sha,
                     "package_sha": r.package_sha, "device": r.device} for r in entries],
    }
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar:
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
        for result in entries:
            _add_bytes(tar, f"{result.name}/{result.key}/result.json",
                       (result.folder / "result.json").read_bytes())
            for file in result.files:
                tar.add(result.path(file), arcname=f"{result.name}/{result.key}/{file}",
                        recursive=False)
            report.done.append(result.name)
    partial.replace(archive)
    return report


def unpack(project: Project, archive: Path) -> Report:
    """Put every entry of ``archive`` whose key matches the local sources into the local
    cache (replacing what is there under that key); report the others and why."""
    env, cache = Environment.here(), Cache(project.cache)
    scripts = project.scripts()
    report = Report()
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise ArchiveError(f"{archive}: not a readable archive ({exc})") from None
    with tar:
        manifest = _manifest(tar, archive)
        members = {m.name: m for m in tar.getmembers()}
        for entry in manifest["entries"]:
            name, key = entry["name"], entry["key"]
            why = _mismatch(entry, scripts, env)
            if why:
                report.left.append((name, why))
                continue
            folder = cache.scratch(name)
            try:
                result = _extract(tar, members, name, key, folder)
            except ArchiveError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                report.left.append((name, str(exc)))
                continue
            result.origin = "unpacked"
            cache.store(result, env=None)
            report.done.append(name)
    return report


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o644
    tar.addfile(info, io.BytesIO(data))


def _manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError, tarfile.TarError, AttributeError):
        raise ArchiveError(
            f"{archive}: no readable manifest.json; is it an archive made by "
            "`python -m runner pack`?"
        ) from None
    if manifest.get("kind") != KIND:
        raise ArchiveError(f"{archive}: not an archive of example results")
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


def _extract(tar, members: dict, name: str, key: str, folder: Path) -> Result:
    """Copy one entry's files into ``folder`` and read it back (sizes checked)."""
    prefix = f"{name}/{key}/"
    chosen = [m for n, m in members.items() if n.startswith(prefix)]
    for member in chosen:
        file = member.name[len(prefix):]
        if not member.isfile() or not SAFE_FILE.match(file):
            raise ArchiveError(f"unexpected member {member.name!r} in the archive")
        with tar.extractfile(member) as src, open(folder / file, "wb") as dst:
            shutil.copyfileobj(src, dst)
    try:
        result = read_entry(folder)
    except Exception as exc:
        raise ArchiveError(f"its entry is incomplete or damaged ({exc})") from None
    if (result.name, result.key) != (name, key):
        raise ArchiveError(f"its entry says it is {result.name} {result.key}")
    return result
