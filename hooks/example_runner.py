"""Run one example in a Jupyter kernel and keep the result in a cache (no MkDocs here).

An example is a jupytext percent script, ``examples/<chapter>/<name>.py``. Running it
gives a :class:`Result`: the executed notebook, the printed text, one PNG per
matplotlib figure (its title becomes the alt text), the WAV files it wrote, the device
it ran on and how long it took. Results live in ``.cache/examples/<name>/<key>/``,
where the key hashes everything that can change the output; an entry is written to a
temporary folder and renamed into place, so a reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat.v4.rwbase import rejoin_lines

# Bump when the layout of a cache entry changes: old entries are then ignored.
CACHE_FORMAT = 2
DEFAULT_TIMEOUT_S = 600

# Runs hidden before the example. Figures become image display outputs whose text/plain is
# the figure's title, so the page can give every image real alt text: PNG for plots, JPEG
# when the PNG would be heavy (photos). plt.show() and the end of each cell both flush
# open figures; the script stays a plain script.
PROLOGUE = r"""
import base64 as _b64, io as _io
import matplotlib as _mpl
_mpl.use("agg")
import matplotlib.pyplot as _plt
from IPython import get_ipython as _get_ipython
from IPython.display import display as _display

def _audiodl_flush_figures(*_args, **_kwargs):
    for _num in _plt.get_fignums():
        _fig = _plt.figure(_num)
        _titles = [_fig._suptitle.get_text()] if _fig._suptitle else []
        _titles += [_ax.get_title() for _ax in _fig.axes if _ax.get_title()]
        _buf, _mime = _io.BytesIO(), "image/png"
        _fig.savefig(_buf, format="png", dpi=100, bbox_inches="tight")
        if _buf.tell() > 200_000:
            _buf, _mime = _io.BytesIO(), "image/jpeg"
            _fig.savefig(_buf, format="jpeg", dpi=100, bbox_inches="tight",
                         pil_kwargs={"quality": 85})
        _display({_mime: _b64.b64encode(_buf.getvalue()).decode(),
                  "text/plain": "; ".join(_titles) or "Figure"}, raw=True)
    _plt.close("all")

_plt.show = _audiodl_flush_figures
_get_ipython().events.register("post_run_cell", _audiodl_flush_figures)
"""

# Runs hidden after the example: which device audiodl.pick_device() chose, if any.
EPILOGUE = r"""
import json as _json, sys as _sys
_dev = _sys.modules.get("audiodl.device")
print(_json.dumps(_dev.last_choice() if _dev else None))
"""


IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg"}  # what a figure may come back as


class ExampleError(Exception):
    """An example raised, timed out or killed its kernel. The message says where."""


@dataclass
class Result:
    name: str  # "ch3/conv_image"
    device: str  # "CPU (x86_64)", "NVIDIA H100 80GB HBM3"
    device_note: str | None  # set when CUDA was present but unusable
    seconds: float
    text: str  # everything the example printed to stdout, in order
    figures: list[dict] = field(default_factory=list)  # [{"file": "figure-1.png", "alt": ...}]
    audio: list[str] = field(default_factory=list)  # WAV file names, sorted
    torch: str | None = None
    folder: Path | None = None  # the cache entry holding the files
    nb: dict | None = field(default=None, repr=False)  # the executed notebook, once loaded

    def path(self, file: str) -> Path:
        return self.folder / file

    @property
    def notebook(self) -> Path:
        return self.folder / "notebook.ipynb"

    @property
    def source(self) -> Path:
        return self.folder / "source.py"


# ---------------------------------------------------------------- cache keys


def device_kind() -> str:
    """cuda / mps / cpu, found without importing torch (that costs seconds)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir() and any(gpus.iterdir()):
        return "cuda"
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return "mps"
    return "cpu"


def package_digest() -> str:
    """Hash of every file of the installed audiodl package (sources and data)."""
    spec = importlib.util.find_spec("audiodl")
    root = Path(next(iter(spec.submodule_search_locations)))
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def environment_digest() -> str:
    """What every example's key shares: audiodl, torch's version, the device kind."""
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = "none"
    parts = [str(CACHE_FORMAT), package_digest(), torch_version, device_kind()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cache_key(source: bytes, env_digest: str) -> str:
    return hashlib.sha256(env_digest.encode() + b"\0" + source).hexdigest()[:20]


# ---------------------------------------------------------------- cache


class Cache:
    """``root/<name>/<key>/`` holds one finished result; anything else is not trusted."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def load(self, name: str, key: str) -> Result | None:
        folder = self.root / name / key
        if not folder.is_dir():
            return None
        try:
            data = json.loads((folder / "result.json").read_text(encoding="utf-8"))
            result = Result(**{**data, "folder": folder})
            needed = [result.notebook, result.source]
            needed += [result.path(f["file"]) for f in result.figures]
            needed += [result.path(a) for a in result.audio]
            if all(p.is_file() for p in needed):
                # Plain JSON, no schema validation (that costs a warm build seconds):
                # a truncated notebook fails here all the same.
                nb = nbformat.from_dict(json.loads(result.notebook.read_bytes()))
                result.nb = rejoin_lines(nb)  # sources as strings, as nbformat.read gives
                return result
        except Exception:  # unreadable or truncated entry: drop it and run again
            pass
        shutil.rmtree(folder, ignore_errors=True)
        return None

    def store(self, result: Result, key: str) -> Result:
        """Move a finished result (in its temporary folder) into place, atomically."""
        final = self.root / result.name / key
        final.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(result)
        data.pop("folder")
        data.pop("nb")
        (result.folder / "result.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        try:
            os.rename(result.folder, final)
        except OSError:  # another build stored the same key first: keep theirs
            shutil.rmtree(result.folder, ignore_errors=True)
            if self.load(result.name, key) is None:
                raise
        result.folder = final
        self._prune(final.parent)
        return result

    def _prune(self, parent: Path, keep: int = 3) -> None:
        """Drop all but the newest few entries of an example. A few, not one: a build
        running beside this one may still be reading an older entry."""
        entries = [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")]
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[keep:]:
            shutil.rmtree(old, ignore_errors=True)

    def scratch(self, name: str) -> Path:
        """A fresh folder next to the entries, on the same file system as them."""
        parent = self.root / name
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))


# ---------------------------------------------------------------- running


def run_example(
    name: str, script: Path, project_root: Path, cache: Cache, key: str,
    timeout_s: float = DEFAULT_TIMEOUT_S, threads: int | None = None,
) -> Result:
    """Execute ``script`` in a fresh kernel (cwd = project root) and store the result.

    ``threads`` caps the kernel's math threads: kernels running side by side share the
    cores, and torch with more threads than free cores is many times slower.
    """
    folder = cache.scratch(name)
    try:
        result = _execute(name, script, project_root, folder, timeout_s, threads)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cache.store(result, key)


def _execute(
    name: str, script: Path, root: Path, folder: Path, timeout_s: float, threads: int | None
) -> Result:
    source = script.read_text(encoding="utf-8")
    nb = jupytext.reads(source, fmt="py:percent")
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.metadata.pop("jupytext", None)
    outputs = folder / "outputs"
    outputs.mkdir()
    env = {**os.environ, "AUDIODL_OUTPUT_DIR": str(outputs), "MPLBACKEND": "agg",
           "PYTHONHASHSEED": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if threads:
        env |= {var: str(threads) for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    client = NotebookClient(
        nb, kernel_name="python3", timeout=timeout_s, allow_errors=False,
        resources={"metadata": {"path": str(root)}},
    )
    # Talk to the kernel over Unix sockets in a private folder, not TCP on localhost.
    sockets = tempfile.mkdtemp(prefix="audiodl-kernel-")
    client.km = client.create_kernel_manager()
    client.km.transport, client.km.ip = "ipc", os.path.join(sockets, "k")
    start = time.perf_counter()
    try:
        with client.setup_kernel(env=env):
            _run_hidden(client, nb, PROLOGUE)
            _run_cells(client, nb, name, source, start + timeout_s, timeout_s)
            probe = _run_hidden(client, nb, EPILOGUE)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    seconds = time.perf_counter() - start

    text, figures = _collect_outputs(nb, folder)
    choice = json.loads(probe.outputs[0]["text"]) if probe.outputs else None
    _renumber(nb)
    nbformat.write(nb, folder / "notebook.ipynb")
    (folder / "source.py").write_text(source, encoding="utf-8")
    audio = []
    for wav in sorted(outputs.glob("*.wav")):
        shutil.move(wav, folder / wav.name)
        audio.append(wav.name)
    shutil.rmtree(outputs)
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = None
    return Result(
        nb=nb,
        name=name,
        device=(choice or {}).get("name") or f"CPU ({platform.machine()})",
        device_note=(choice or {}).get("note"),
        seconds=round(seconds, 2),
        text=text,
        figures=figures,
        audio=audio,
        torch=torch_version,
        folder=folder,
    )


def _run_cells(client, nb, name: str, source: str, deadline: float, timeout_s: float) -> None:
    """Run the notebook's cells in order; any failure becomes an ExampleError saying where."""
    cell_lines = _cell_start_lines(source)
    for index, cell in enumerate(nb.cells):
        client.timeout = max(1, int(deadline - time.perf_counter()))
        try:
            client.execute_cell(cell, index)
        except CellTimeoutError as exc:
            raise ExampleError(
                f"examples/{name}.py: stopped after {timeout_s:g} s (the limit, set by "
                f"AUDIODL_EXAMPLE_TIMEOUT) while running cell {index + 1} "
                f"(line {cell_lines[index]}). Make it faster or raise the limit."
            ) from exc
        except CellExecutionError as exc:
            raise ExampleError(_describe_error(name, index, cell_lines, exc)) from exc
        except DeadKernelError as exc:
            raise ExampleError(
                f"examples/{name}.py: the kernel died in cell {index + 1} "
                f"(line {cell_lines[index]}): {exc}"
            ) from exc


def _run_hidden(client: NotebookClient, nb, code: str):
    """Run code that is not part of the notebook. nbclient stores each executed cell at
    its index, so the cell is appended for the run and removed after."""
    cell = nbformat.v4.new_code_cell(code)
    nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(nb.cells) - 1)
    finally:
        nb.cells.pop()
    return cell


def _collect_outputs(nb, folder: Path) -> tuple[str, list[dict]]:
    import base64

    text, figures = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                text.append(out.text)
            elif out.output_type in ("display_data", "execute_result"):
                data = out.get("data", {})
                mime = next((m for m in IMAGE_TYPES if m in data), None)
                if mime:
                    file = f"figure-{len(figures) + 1}.{IMAGE_TYPES[mime]}"
                    (folder / file).write_bytes(base64.b64decode(data[mime]))
                    figures.append({"file": file, "alt": data.get("text/plain", "Figure")})
                elif out.output_type == "execute_result" and "text/plain" in data:
                    text.append(data["text/plain"] + "\n")
    return "".join(text), figures


def _renumber(nb) -> None:
    """The hidden prologue took execution count 1; give the notebook 1, 2, 3, ..."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count"):
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = count


_MARKER = re.compile(r"^# %%")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _cell_start_lines(source: str) -> list[int]:
    """The 1-based line where each jupytext cell's code begins."""
    lines = source.splitlines()
    starts = [n + 2 for n, line in enumerate(lines) if _MARKER.match(line)]
    if not lines or not _MARKER.match(lines[0]):
        starts.insert(0, 1)
    return starts + [len(lines)] * 100  # defensive: jupytext may split more finely


def _describe_error(name: str, index: int, starts: list[int], exc: CellExecutionError) -> str:
    trace = _ANSI.sub("", exc.traceback or str(exc)).strip()
    line = starts[index]
    found = re.search(r"Cell In\[\d+\], line (\d+)", trace)
    if found:
        line += int(found[1]) - 1
    return (
        f"examples/{name}.py, cell {index + 1}, line {line}: {exc.ename}: {exc.evalue}\n\n{trace}"
    )
