"""Results and the cache that keeps them: ``<cache>/<name>/<key>/``.

An entry holds ``result.json`` (everything but the files), ``source.py``, one executed
notebook per language, the figures (one file per language, or one for both when the
figure has no words to translate) and the WAV files the example wrote. An entry is
written to a temporary folder and renamed into place, so a reader never sees half of
one; ``result.json`` records each file's size, so a truncated file is noticed cheaply.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from runner.keys import CACHE_FORMAT, Environment

LANGUAGES = ("zh", "en")


class ExampleError(Exception):
    """An example raised, timed out or killed its kernel. The message says where."""


@dataclass
class Result:
    name: str  # "ch3/conv_image"
    key: str
    device: str  # "CPU (x86_64)", "NVIDIA H100 80GB HBM3"
    device_note: str | None  # set when CUDA was present but unusable
    seconds: float
    text: str  # everything the example printed to stdout, in order
    # per figure, per language: [{"zh": {"file": "figure-1.zh.png", "alt": ...}, "en": ...}]
    figures: list[dict] = field(default_factory=list)
    audio: list[str] = field(default_factory=list)  # WAV file names, sorted
    # the notebook's cells, for a page: [{"type", "lang", "source", "outputs": [...]}],
    # an output being {"stream": name, "text": ...}, {"figure": n} or {"plain": ...}
    cells: list[dict] = field(default_factory=list)
    device_kind: str = "cpu"  # cuda / mps / cpu: the machine's, whatever the example chose
    torch: str | None = None
    source_sha: str = ""
    package_sha: str = ""
    ran_at: str = ""  # ISO 8601, UTC
    origin: str = "here"  # "here", or "unpacked" from another machine's archive
    files: dict[str, int] = field(default_factory=dict)  # every file of the entry: size
    format: int = CACHE_FORMAT
    folder: Path | None = None  # the cache entry holding the files

    def path(self, file: str) -> Path:
        return self.folder / file

    def figure(self, n: int, lang: str) -> dict:
        """Figure ``n`` (1-based) in ``lang``: ``{"file": ..., "alt": ...}``."""
        return self.figures[n - 1][lang]

    def notebook(self, lang: str) -> Path:
        """The executed notebook with ``lang``'s prose and figures."""
        return self.folder / notebook_file(lang)

    @property
    def source(self) -> Path:
        return self.folder / "source.py"

    def stale_because(self, env: Environment) -> str | None:
        """Why this result no longer stands for a run here, or None. An unpacked result
        stands while its key (the sources) matches, whatever machine made it."""
        if self.origin == "unpacked":
            return None
        if self.torch != env.torch:
            return f"torch {self.torch} -> {env.torch}"
        if self.device_kind != env.device_kind:
            return f"device {self.device_kind} -> {env.device_kind}"
        return None

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("folder")
        return json.dumps(data, indent=1, ensure_ascii=False)

    @staticmethod
    def from_json(text: str, folder: Path) -> Result:
        data = json.loads(text)
        if data.get("format") != CACHE_FORMAT:
            raise ValueError(f"cache format {data.get('format')}, not {CACHE_FORMAT}")
        known = {f.name for f in fields(Result)}
        return Result(**{k: v for k, v in data.items() if k in known}, folder=folder)


def notebook_file(lang: str) -> str:
    return f"notebook.{lang}.ipynb"


def record_files(result: Result) -> None:
    """Note the size of every file of the entry (all but result.json)."""
    result.files = {
        p.name: p.stat().st_size
        for p in sorted(result.folder.iterdir())
        if p.is_file() and p.name != "result.json"
    }


def read_entry(folder: Path) -> Result:
    """The result in ``folder``; raises if it is unreadable, of another format, or a
    file is missing or has another size than when it was stored."""
    result = Result.from_json((folder / "result.json").read_text(encoding="utf-8"), folder)
    for file, size in result.files.items():
        if (folder / file).stat().st_size != size:
            raise ValueError(f"{folder / file}: truncated or changed")
    return result


class Cache:
    """``root/<name>/<key>/`` holds one finished result; anything else is not trusted."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def load(self, name: str, key: str) -> Result | None:
        folder = self.root / name / key
        if not folder.is_dir():
            return None
        try:
            return read_entry(folder)
        except Exception:  # unreadable, truncated or of another format: run again
            shutil.rmtree(folder, ignore_errors=True)
            return None

    def latest(self, name: str) -> Result | None:
        """The newest readable entry of an example, whatever its key."""
        parent = self.root / name
        if not parent.is_dir():
            return None
        for folder in sorted(self._entries(parent), key=_mtime, reverse=True):
            try:
                return read_entry(folder)
            except Exception:
                continue
        return None

    def store(self, result: Result, env: Environment | None = None) -> Result:
        """Move a finished result (in its temporary folder) into place. An entry already
        there under the same key is kept if it still stands for ``env`` (another build
        stored it first), otherwise replaced; ``env=None`` always replaces."""
        final = self.root / result.name / result.key
        final.parent.mkdir(parents=True, exist_ok=True)
        record_files(result)
        (result.folder / "result.json").write_text(result.to_json(), encoding="utf-8")
        old = None
        if final.exists():
            there = self.load(result.name, result.key)
            if there is not None and env is not None and there.stale_because(env) is None:
                shutil.rmtree(result.folder, ignore_errors=True)
                return there
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=final.parent))
            try:
                os.rename(final, old / "entry")
            except OSError:  # another build moved it first
                pass
        try:
            os.rename(result.folder, final)
        except OSError:  # another build stored the same key just now: keep theirs
            shutil.rmtree(result.folder, ignore_errors=True)
            there = self.load(result.name, result.key)
            if there is None:
                raise
            return there
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        result.folder = final
        self._prune(final.parent)
        return result

    @staticmethod
    def _entries(parent: Path) -> list[Path]:
        return [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def _prune(self, parent: Path, keep: int = 3) -> None:
        """Drop all but the newest few entries of an example. A few, not one: a build
        running beside this one may still be reading an older entry."""
        entries = sorted(self._entries(parent), key=_mtime, reverse=True)
        for old in entries[keep:]:
            shutil.rmtree(old, ignore_errors=True)

    def scratch(self, name: str) -> Path:
        """A fresh folder next to the entries, on the same file system as them."""
        parent = self.root / name
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
