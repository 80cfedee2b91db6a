"""Every example's result: from memory, from the cache, or by running the missing and
stale ones in parallel, one kernel each, the cores split between them. The command line
and the MkDocs hook both come here, so they agree on what is fresh and what runs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from runner.cache import Cache, ExampleError, Result
from runner.keys import DEFAULT_TIMEOUT_S, Environment
from runner.project import Project

Outcome = Result | ExampleError


@dataclass
class Status:
    name: str
    state: str  # "cached", "unpacked", "stale (why)", "missing"
    last: Result | None  # the current result, else the newest older one


def status(project: Project, names: Iterable[str] | None = None) -> list[Status]:
    """Where each example stands, without running anything."""
    env, cache = Environment.here(), Cache(project.cache)
    scripts = select(project, names)
    rows = []
    for name, path in scripts.items():
        source = path.read_bytes()
        found = cache.load(name, env.key(source), source)
        if found is not None and found.stale_because(env) is None:
            state = "unpacked" if found.origin == "unpacked" else "cached"
            rows.append(Status(name, state, found))
        elif found is not None:
            rows.append(Status(name, f"stale ({found.stale_because(env)})", found))
        else:
            last = cache.latest(name)
            why = "stale (source, audiodl or runner changed)" if last else "missing"
            rows.append(Status(name, why, last))
    return rows


def select(project: Project, names: Iterable[str] | None) -> dict[str, Path]:
    scripts = project.scripts()
    if names is None:
        return scripts
    names = [n.removesuffix(".py").removeprefix("examples/") for n in names]
    unknown = [n for n in names if n not in scripts]
    if unknown:
        raise KeyError(
            f"no such example: {', '.join(unknown)}. Known: {', '.join(scripts) or 'none'}"
        )
    return {n: scripts[n] for n in sorted(set(names))}


def results(
    project: Project,
    names: Iterable[str] | None = None,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    jobs: int | None = None,
    force: bool = False,
    memory: dict[str, Outcome] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, Outcome]:
    """Each example's result (or its error), running only what is missing or stale.

    ``memory`` (key -> outcome) spares re-reading the cache in a long-lived process
    (``mkdocs serve``); it also keeps a failure, so a broken example is not run again
    until its source changes. ``force`` runs the selected examples whatever the cache.
    """
    env, cache = Environment.here(), Cache(project.cache)
    memory = {} if memory is None else memory
    scripts = select(project, names)
    outcomes: dict[str, Outcome] = {}
    todo = []
    for name, path in scripts.items():
        source = path.read_bytes()
        key = env.key(source)
        found = None if force else memory.get(key)
        if isinstance(found, Result) and not found.folder.is_dir():
            found = None  # replaced meanwhile (make examples --force, an unpack)
        if found is None and not force:
            found = cache.load(name, key, source)
            if found is not None and found.stale_because(env) is not None:
                found = None
        if found is None:
            todo.append((name, path, key))
        else:
            outcomes[name] = memory[key] = found
    if todo:
        from runner.kernel import run_example  # jupyter's packages: only when something runs

        cached = f" ({len(scripts) - len(todo)} cached)" if len(todo) < len(scripts) else ""
        log(f"examples: running {len(todo)} of {len(scripts)}{cached}")
        cores = os.cpu_count() or 1
        workers = max(1, min(len(todo), jobs or cores))
        threads = max(1, cores // workers)  # kernels side by side share the cores
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                name: (key, pool.submit(run_example, name, path, project.root, cache, env,
                                        timeout_s, threads, force))
                for name, path, key in todo
            }
            for name, (key, future) in futures.items():
                try:
                    result = future.result()
                    log(f"examples: {name} ran on {result.device} in {result.seconds:.1f} s")
                except ExampleError as exc:
                    result = exc
                    log(f"examples: {name} FAILED: {str(exc).splitlines()[0]}")
                outcomes[name] = memory[key] = result
    return dict(sorted(outcomes.items()))
