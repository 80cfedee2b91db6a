"""Execute one example in a fresh Jupyter kernel and store its result in the cache.

The example (a jupytext percent script) becomes a notebook; ``kernel_side.py`` runs
hidden before it, a probe of ``audiodl.device`` hidden after it. Any failure (an
exception, the time limit, a dead kernel, no CJK font, a glyph no font has) becomes an
:class:`~runner.cache.ExampleError` that names the example, the cell and the line.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import re
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from runner.cache import SAFE_FILE, SERVED, Cache, ExampleError, Result
from runner.keys import DEFAULT_TIMEOUT_S, Environment, digest
from runner.outputs import cell_error, collect

PROLOGUE = (Path(__file__).parent / "kernel_side.py").read_text(encoding="utf-8")

# Runs hidden after the example: which device audiodl.pick_device() chose, if any.
EPILOGUE = r"""
import json as _json, sys as _sys
_dev = _sys.modules.get("audiodl.device")
print(_json.dumps(_dev.last_choice() if _dev else None))
"""

# Runs hidden before the clock starts: the example's opening imports, each in a throwaway
# namespace (modules loaded, no name bound); one that fails is left to the example's cell.
IMPORT_AHEAD = """
def _audiodl_import_ahead(statements):
    for statement in statements:
        try:
            exec(statement, {{}})
        except Exception:
            pass
_audiodl_import_ahead({statements!r})
del _audiodl_import_ahead
"""


def run_example(
    name: str, script: Path, root: Path, cache: Cache, env: Environment,
    timeout_s: float = DEFAULT_TIMEOUT_S, threads: int | None = None, replace: bool = False,
) -> Result:
    """Execute ``script`` in a fresh kernel (cwd = ``root``) and store the result.

    ``threads`` caps the kernel's math threads: kernels running side by side share the
    cores, and torch with more threads than free cores is many times slower. An entry
    that another process stored meanwhile under the same key is kept, unless ``replace``.
    """
    source = script.read_bytes()
    folder = cache.scratch(name)
    try:
        result = _execute(name, source.decode("utf-8"), root, folder, timeout_s, threads)
        result.key, result.source_sha = env.key(source), digest(source)
        result.package_sha, result.torch, result.device_kind = (
            env.package_sha, env.torch, env.device_kind)
        (folder / "source.py").write_bytes(source)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cache.store(result, None if replace else env)


def _execute(
    name: str, source: str, root: Path, folder: Path, timeout_s: float, threads: int | None
) -> Result:
    nb = jupytext.reads(source, fmt="py:percent")
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.metadata.pop("jupytext", None)
    outputs = folder / "outputs"
    outputs.mkdir()
    env = {**os.environ, "AUDIODL_OUTPUT_DIR": str(outputs), "MPLBACKEND": "agg",
           "AUDIODL_LANG": "en", "PYTHONHASHSEED": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
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
    ran_at = datetime.now(UTC).isoformat(timespec="seconds")
    start = time.perf_counter()
    try:
        with client.setup_kernel(env=env):
            try:
                _run_hidden(client, nb, PROLOGUE)
                ahead = _run_hidden(client, nb, IMPORT_AHEAD.format(
                    statements=_opening_imports(source)))
            except CellExecutionError as exc:
                raise ExampleError(
                    f"examples/{name}.py could not start: {exc.ename}: {exc.evalue}"
                ) from exc
            # The time a page reports is the example's own work: its cells, from the first
            # one's start to the last one's end. The kernel's start and shutdown, the
            # prologue and loading the modules the example imports first (torch alone is
            # 3-4 s of CPU here) happen off the clock, as in a notebook whose imports ran.
            clock = time.perf_counter()
            _run_cells(client, nb, name, source, start + timeout_s, timeout_s)
            seconds = time.perf_counter() - clock
            probe = _run_hidden(client, nb, EPILOGUE)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if code and ahead.outputs:  # whatever an import printed shows where the example imports
        code[0].outputs[:0] = ahead.outputs

    _renumber(nb)
    text, figures, cells = collect(nb, folder)
    choice = json.loads(probe.outputs[0]["text"]) if probe.outputs else None
    audio, served = [], []
    for file in sorted(outputs.iterdir()):
        kind = audio if file.suffix == ".wav" else served if file.suffix in SERVED else None
        if kind is None or not file.is_file():
            continue  # anything else it wrote stays out of the cache
        if not SAFE_FILE.match(file.name):  # a cache entry holds only plain, URL-safe names
            raise ExampleError(
                f"examples/{name}.py wrote {file.name!r}: name the files it writes with "
                "letters, digits, '.', '_' and '-' only (starting with a letter or digit)"
            )
        shutil.move(file, folder / file.name)
        kind.append(file.name)
    shutil.rmtree(outputs)
    return Result(
        name=name,
        key="",
        device=(choice or {}).get("name") or f"CPU ({platform.machine()})",
        device_note=(choice or {}).get("note"),
        seconds=round(seconds, 2),
        text=text,
        figures=figures,
        audio=audio,
        served=served,
        cells=cells,
        ran_at=ran_at,
        folder=folder,
    )


def _opening_imports(source: str) -> list[str]:
    """The import statements the example starts with (before any other statement), so
    that nothing the example does first can change what they import."""
    try:
        body = ast.parse(source).body
    except SyntaxError:  # IPython syntax (a magic): its cells import as they go
        return []
    statements = []
    for node in body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            break
        if isinstance(node, ast.ImportFrom) and (node.level or node.module == "__future__"):
            continue
        statements.append(ast.unparse(node))
    return statements


def _run_cells(client, nb, name: str, source: str, deadline: float, timeout_s: float) -> None:
    """Run the notebook's cells in order; any failure becomes an ExampleError saying where."""
    cell_lines = _cell_start_lines(source)
    for index, cell in enumerate(nb.cells):
        client.timeout = max(1, int(deadline - time.perf_counter()))
        where = f"cell {index + 1} (line {cell_lines[index]})"
        try:
            client.execute_cell(cell, index)
        except CellTimeoutError as exc:
            raise ExampleError(
                f"examples/{name}.py: stopped after {timeout_s:g} s (the limit, set by "
                f"AUDIODL_EXAMPLE_TIMEOUT) while running {where}. "
                "Make it faster or raise the limit."
            ) from exc
        except CellExecutionError as exc:
            raise ExampleError(_describe_error(name, index, cell_lines, exc)) from exc
        except DeadKernelError as exc:
            raise ExampleError(f"examples/{name}.py: the kernel died in {where}: {exc}") from exc
        failed = cell_error(cell)
        if failed:  # drawing the cell's figures failed after the cell's own code ran
            raise ExampleError(
                f"examples/{name}.py, {where}, drawing its figures: "
                f"{failed['ename']}: {failed['evalue']}\n\n{failed['traceback']}"
            )


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
