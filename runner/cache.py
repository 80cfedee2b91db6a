"""Results and the cache that keeps them: ``<cache>/<name>/<key>/``.

An entry holds ``result.json`` (everything but the files), ``source.py``, one executed
notebook per language, the figures (one file per language, or one for both when the
figure has no words to translate), the WAV files the example wrote and the files it
wrote for a page to load (:data:`SERVED`: an exported model and its settings). An entry is
written to a temporary folder and renamed into place, so a reader never sees half of
one; ``result.json`` records each file's size, so a truncated file is noticed cheaply.

An entry may come from elsewhere (an unpacked archive, a cache restored by CI), so every
read checks it before the site uses it (:func:`read_entry`): ``result.json`` has the
fields and types of a :class:`Result`, names its own example and key, and lists exactly
the files the entry holds: plain names of regular files in the entry's folder (no
folders, no links, no paths), no more than :data:`ENTRY_CAP` bytes in all.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from runner.keys import CACHE_FORMAT, Environment

LANGUAGES = ("zh", "en")
# A file of an entry: a plain name (no folder, no "..", not hidden), safe in a URL too.
SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SERVED = (".onnx", ".json")  # besides WAVs, what an example writes that its page loads
ENTRY_CAP = 64 * 2**20  # bytes in one entry's files (the largest today: about 3 MB)


class EntryError(ValueError):
    """A cache entry that must not be used: damaged, or not the result it claims to be."""


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
    # other files it wrote for a page to load (an exported model, its settings), sorted
    served: list[str] = field(default_factory=list)
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
        try:
            data = json.loads(text)
        except ValueError:
            raise EntryError("result.json is not JSON") from None
        if not isinstance(data, dict):
            raise EntryError("result.json is not a JSON object")
        if data.get("format") != CACHE_FORMAT:
            raise EntryError(f"cache format {data.get('format')}, not {CACHE_FORMAT}")
        known = {f.name for f in fields(Result)} - {"folder"}
        data = {k: v for k, v in data.items() if k in known}
        _check_types(data)
        return Result(**data, folder=folder)

    def listed_files(self) -> set[str]:
        """Every file the result refers to: its source, notebooks, figures, WAVs and the
        files it serves."""
        files = {"source.py", *(notebook_file(lang) for lang in LANGUAGES), *self.audio,
                 *self.served}
        return files | {figure[lang]["file"] for figure in self.figures for lang in LANGUAGES}


def notebook_file(lang: str) -> str:
    return f"notebook.{lang}.ipynb"


def record_files(result: Result) -> None:
    """Note the size of every file of the entry (all but result.json)."""
    result.files = {
        p.name: p.stat().st_size
        for p in sorted(result.folder.iterdir())
        if p.is_file() and p.name != "result.json"
    }


def read_entry(folder: Path, name: str, key: str | None = None,
               source: bytes | None = None) -> Result:
    """The result of example ``name`` in ``folder`` (whose name is its key unless ``key``
    says). Raises :class:`EntryError` saying why when the entry must not be used: it is
    unreadable or of another format, claims another example or key, lists a file that
    is not a plain one of its own or holds one it does not list, a file is missing or has
    another size than when it was stored, it is over the size cap, or (when ``source``
    is given) its ``source.py`` is not that source."""
    if folder.is_symlink() or not folder.is_dir():
        raise EntryError(f"{folder} is not a folder")
    try:
        text = (folder / "result.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EntryError(f"no readable result.json ({exc.__class__.__name__})") from None
    result = Result.from_json(text, folder)
    key = folder.name if key is None else key
    if (result.name, result.key) != (name, key):
        raise EntryError(f"it says it is {result.name} {result.key}, not {name} {key}")
    listed = set(result.files)
    unsafe = sorted(f for f in listed | result.listed_files()
                    if not SAFE_FILE.match(f) or f == "result.json")
    if unsafe:
        raise EntryError(f"it names {unsafe[0]!r}: not a plain file name of the entry")
    if listed != result.listed_files():
        odd = sorted(listed ^ result.listed_files())
        raise EntryError(f"its list of files and what it refers to differ ({', '.join(odd)})")
    with os.scandir(folder) as found:
        present = {e.name: e for e in found}
    extra = sorted(set(present) - listed - {"result.json"})
    if extra:
        raise EntryError(f"it holds {extra[0]!r}, which its result does not list")
    for file, size in result.files.items():
        entry = present.get(file)
        if entry is None or not entry.is_file(follow_symlinks=False):
            raise EntryError(f"{file} is missing or not a plain file")
        if entry.stat(follow_symlinks=False).st_size != size:
            raise EntryError(f"{file} is truncated or changed")
    if sum(result.files.values()) > ENTRY_CAP:
        raise EntryError(f"its files exceed {ENTRY_CAP // 2**20} MiB")
    if source is not None and result.source.read_bytes() != source:
        raise EntryError(f"its source.py is not examples/{name}.py")
    return result


def _check_types(data: dict) -> None:
    """Raise EntryError unless ``data`` (result.json) has a Result's fields and types."""

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise EntryError(f"result.json: {what}")

    def text(value) -> bool:
        return isinstance(value, str)

    def count(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    for required in ("name", "key", "device", "device_note", "seconds", "text"):
        need(required in data, f"no {required!r}")
    for field_name in ("name", "key", "device", "text", "device_kind", "source_sha",
                       "package_sha", "ran_at", "origin"):
        need(text(data.get(field_name, "")), f"{field_name!r} is not a string")
    for field_name in ("device_note", "torch"):
        need(data.get(field_name) is None or text(data[field_name]),
             f"{field_name!r} is not a string")
    seconds = data["seconds"]
    need(isinstance(seconds, (int, float)) and not isinstance(seconds, bool),
         "'seconds' is not a number")
    figures = data.get("figures", [])
    need(isinstance(figures, list) and all(
        isinstance(f, dict) and all(
            isinstance(f.get(lang), dict) and text(f[lang].get("file"))
            and text(f[lang].get("alt")) for lang in LANGUAGES)
        for f in figures), "'figures' is not a list of {zh, en: {file, alt}}")
    for listed in ("audio", "served"):
        names = data.get(listed, [])
        need(isinstance(names, list) and all(map(text, names)),
             f"'{listed}' is not a list of names")
    files = data.get("files", {})
    need(isinstance(files, dict) and all(map(count, files.values())),
         "'files' is not a mapping of names to sizes")

    def output(out) -> bool:
        if not isinstance(out, dict):
            return False
        if "figure" in out:
            return count(out["figure"]) and 1 <= out["figure"] <= len(figures)
        if "stream" in out:
            return text(out["stream"]) and text(out.get("text"))
        return text(out.get("plain"))

    cells = data.get("cells", [])
    need(isinstance(cells, list) and all(
        isinstance(c, dict) and text(c.get("type")) and text(c.get("source"))
        and (c.get("lang") is None or text(c["lang"]))
        and isinstance(c.get("outputs"), list) and all(map(output, c["outputs"]))
        for c in cells), "'cells' is not a list of cells with their outputs")


class Cache:
    """``root/<name>/<key>/`` holds one finished result; anything else is not trusted."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def load(self, name: str, key: str, source: bytes | None = None) -> Result | None:
        """The entry of ``name`` under ``key``, or None. An entry that must not be used
        (see :func:`read_entry`; ``source``: the example's own, which its ``source.py``
        must be) is removed, so the example runs again."""
        folder = self.root / name / key
        if not (folder.is_dir() or folder.is_symlink()):
            return None
        try:
            return read_entry(folder, name, key, source)
        except (EntryError, OSError):
            _remove(folder)
            return None

    def latest(self, name: str) -> Result | None:
        """The newest readable entry of an example, whatever its key."""
        parent = self.root / name
        if not parent.is_dir():
            return None
        for folder in sorted(self._entries(parent), key=_mtime, reverse=True):
            try:
                return read_entry(folder, name)
            except (EntryError, OSError):
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
        if final.exists() or final.is_symlink():
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

    def put_all(self, results: list[Result]) -> None:
        """Move finished results (each checked, in a temporary folder under the root)
        into place, replacing what is there under their keys: all of them, or, when a
        move fails, none (those moved already are moved back)."""
        moved = []  # (result, where it was, the entry it replaced or None, folders made)
        try:
            for result in results:
                final = self.root / result.name / result.key
                made = [p for p in final.parents if not p.exists() and self.root in p.parents]
                final.parent.mkdir(parents=True, exist_ok=True)
                old = None
                if final.exists() or final.is_symlink():
                    old = result.folder.with_name(result.folder.name + ".old")
                    os.rename(final, old)
                moved.append((result, result.folder, old, made))
                os.rename(result.folder, final)
                result.folder = final
        except OSError:
            for result, was, old, made in reversed(moved):
                if result.folder != was:
                    os.rename(result.folder, was)
                    result.folder = was
                if old is not None:
                    os.rename(old, self.root / result.name / result.key)
                for folder in made:  # deepest first
                    try:
                        folder.rmdir()
                    except OSError:
                        pass
            raise
        for result, _, old, _ in moved:
            if old is not None:
                _remove(old)
            self._prune(result.folder.parent)

    @staticmethod
    def _entries(parent: Path) -> list[Path]:
        return [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def _prune(self, parent: Path, keep: int = 3) -> None:
        """Drop all but the newest few entries of an example. A few, not one: a build
        running beside this one may still be reading an older entry."""
        entries = sorted(self._entries(parent), key=_mtime, reverse=True)
        for old in entries[keep:]:
            _remove(old)

    def scratch(self, name: str) -> Path:
        """A fresh folder next to the entries, on the same file system as them."""
        parent = self.root / name
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))


def _remove(path: Path) -> None:
    """Remove an entry: a link itself, never what it points to."""
    if path.is_symlink():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
