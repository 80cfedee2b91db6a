"""What identifies a cached result, and what it ran on.

The key of a result hashes what decides its content: the example's source, the installed
``audiodl`` package, the code that draws the figures in the kernel (``kernel_side.py``) and
the cache format. Where it ran (torch's version, the device kind)
is recorded in the result, not hashed into the key: results made on a GPU machine carry
the same keys as here, so they can be unpacked and used here (see ``archive``). A result
made here is stale when torch or the device kind changed since; an unpacked one is used
as long as the sources match.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

# Bump when the layout of a cache entry changes: entries of another format are ignored.
CACHE_FORMAT = 4
DEFAULT_TIMEOUT_S = 900  # the limit per example, unless AUDIODL_EXAMPLE_TIMEOUT says


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_files(root: Path) -> list[Path]:
    """The files of the audiodl package that an installed copy has too: its modules and
    its data (``package-data`` in ``pyproject.toml``), not caches or hidden files."""
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix != ".pyc"
        and not any(part == "__pycache__" or part.startswith(".")
                    for part in p.relative_to(root).parts)
    )


def package_digest(root: Path | None = None) -> str:
    """Hash of the audiodl package's modules and data, the same for an editable checkout
    and an installed wheel of the same sources. Remembered while no file's size or time
    changes: a build asks twice (once per language), and the data weigh megabytes."""
    if root is None:
        spec = importlib.util.find_spec("audiodl")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(
                "the audiodl package is not importable: install it (pip install -e .) "
                "or put src/ on PYTHONPATH"
            )
        root = Path(next(iter(spec.submodule_search_locations)))
    files = package_files(root)
    stamp = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    if _digests.get(root) and _digests[root][0] == stamp:
        return _digests[root][1]
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    _digests[root] = (stamp, h.hexdigest())
    return h.hexdigest()


_digests: dict[Path, tuple[tuple, str]] = {}


def runner_digest() -> str:
    """The runner's part of every key: the cache format and the code run in the kernel."""
    kernel_side = (Path(__file__).parent / "kernel_side.py").read_bytes()
    return digest(f"{CACHE_FORMAT}\0".encode() + kernel_side)


RUNNER_SHA = runner_digest()


def cache_key(source_sha: str, package_sha: str) -> str:
    return digest(f"{RUNNER_SHA}\0{package_sha}\0{source_sha}".encode())[:20]


def device_kind() -> str:
    """cuda / mps / cpu, found without importing torch (that costs seconds)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir() and any(gpus.iterdir()):
        return "cuda"
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return "mps"
    return "cpu"


def torch_version() -> str | None:
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class Environment:
    """What this machine would run an example with."""

    package_sha: str
    torch: str | None
    device_kind: str

    @staticmethod
    def here() -> Environment:
        """Computed afresh each time: under ``mkdocs serve`` the package changes."""
        return Environment(package_digest(), torch_version(), device_kind())

    def key(self, source: bytes) -> str:
        return cache_key(digest(source), self.package_sha)
