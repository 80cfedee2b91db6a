"""MkDocs hook: run examples/, embed their results where pages put a marker, and give
each example a notebook page in every language.

- ``on_files``: run every example whose cached result is missing or stale (in parallel,
  one kernel each), then add its figures, WAVs, ``.py`` and executed ``.ipynb`` as site
  files and its notebook page for the language being built.
- ``on_page_markdown``: replace ``<!-- example: ... -->`` markers (example_markdown.py).
- ``on_page_context``: point the language switcher of a notebook page at its twin.
- ``on_serve``: rebuild when examples/ or src/audiodl change.

Environment: ``AUDIODL_EXAMPLES=skip`` builds without running anything (markers become a
notice); ``AUDIODL_EXAMPLE_TIMEOUT`` is the limit per example in seconds (default 600).
Under ``mkdocs build`` a failing example stops the build; under ``mkdocs serve`` the page
shows the error and the server keeps going.
"""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parent))

from example_markdown import (  # noqa: E402
    MarkerError,
    asset_uri,
    check_figures,
    expand,
    find_markers,
    page_uri,
    parse_marker,
    render_error,
    render_notebook_page,
    render_result,
    render_skipped,
)
from example_runner import (  # noqa: E402
    DEFAULT_TIMEOUT_S,
    Cache,
    ExampleError,
    Result,
    cache_key,
    environment_digest,
    run_example,
)

log = logging.getLogger("mkdocs.hooks.examples")


class State:
    serving = False
    root: Path
    examples: Path
    cache: Cache
    # key -> Result or ExampleError: survives both language builds and serve rebuilds
    memory: dict[str, Result | ExampleError] = {}
    # name -> this round's Result or ExampleError
    current: dict[str, Result | ExampleError] = {}
    known: set[str] = set()  # this round's example names
    alternate: list | None = None  # the switcher links a notebook page replaced


state = State()


def mode() -> str:
    value = os.environ.get("AUDIODL_EXAMPLES", "run")
    if value not in ("run", "skip"):
        raise PluginError(f"AUDIODL_EXAMPLES={value!r}: use 'run' (the default) or 'skip'")
    return value


def timeout_s() -> float:
    value = os.environ.get("AUDIODL_EXAMPLE_TIMEOUT", str(DEFAULT_TIMEOUT_S))
    try:
        return float(value)
    except ValueError:
        raise PluginError(f"AUDIODL_EXAMPLE_TIMEOUT={value!r} is not a number of seconds") from None


def known_examples() -> dict[str, Path]:
    return {
        p.relative_to(state.examples).with_suffix("").as_posix(): p
        for p in sorted(state.examples.rglob("*.py"))
        if "__pycache__" not in p.parts and not p.name.startswith("_")
    }


def languages(config) -> tuple[str, str]:
    """(language being built, default language) from mkdocs-static-i18n."""
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return "zh", "zh"
    return i18n.current_language, i18n.default_language


# ---------------------------------------------------------------- events


def on_startup(command, dirty):
    state.serving = command == "serve"


def on_config(config):
    state.root = Path(config.config_file_path).resolve().parent
    state.examples = state.root / "examples"
    state.cache = Cache(state.root / ".cache" / "examples")


def on_serve(server, config, builder):
    server.watch(str(state.examples))
    import audiodl

    server.watch(str(Path(audiodl.__file__).parent))
    return server


@event_priority(-200)  # after mkdocs-static-i18n (-100) has chosen this language's pages
def on_files(files, config):
    examples = known_examples()
    state.known = set(examples)
    check_markers(files, state.known)
    if mode() == "skip":
        state.current = {}
        return files
    state.current = run_all(examples)
    failures = {n: r for n, r in state.current.items() if isinstance(r, ExampleError)}
    if failures and not state.serving:
        raise PluginError("\n\n".join(str(e) for e in failures.values()))
    lang, default = languages(config)
    for result in state.current.values():
        if isinstance(result, Result):
            add_files(files, config, result, lang, default)
    return files


def on_page_markdown(markdown, page, config, files):
    src_uri = page.file.src_uri
    if src_uri.startswith("examples/") or "<!--" not in markdown:
        return markdown
    lang, _ = languages(config)
    shown: set[str] = set()  # examples whose device/time line this page already has

    def replace(line: int, spec: str) -> str:
        try:
            marker = parse_marker(spec, f"{src_uri}:{line}", line, state.known)
            if mode() == "skip":
                return render_skipped(marker.name, lang)
            result = state.current[marker.name]
            if isinstance(result, ExampleError):
                return render_error(marker.name, str(result), lang)
            check_figures(marker, result, src_uri)
            first = marker.name not in shown
            shown.add(marker.name)
            return render_result(result, marker, lang, src_uri, page.url, meta=first)
        except MarkerError as exc:
            if not state.serving:
                raise PluginError(str(exc)) from None
            return render_error(spec, str(exc), lang)

    return expand(markdown, replace)


def on_page_context(context, page, config, nav):
    """A notebook page has no i18n twin file, so set its language switcher here."""
    src_uri = page.file.src_uri
    if not (src_uri.startswith("examples/") and src_uri.endswith(".md")):
        return context
    _, default = languages(config)
    name = src_uri.removeprefix("examples/").removesuffix(".md")
    # An attribute, as the theme reads it and mkdocs-static-i18n assigns it; a new list,
    # put back after the page (on_post_page), so no later page inherits these links.
    state.alternate = getattr(config.extra, "alternate", None) or []
    config.extra.alternate = [
        {**alt, "link": f"{'' if alt['lang'] == default else alt['lang'] + '/'}examples/{name}/"}
        for alt in state.alternate
    ]
    return context


def on_post_page(output, page, config):
    if state.alternate is not None:
        config.extra.alternate, state.alternate = state.alternate, None
    return output


# ---------------------------------------------------------------- work


def check_markers(files, known: set[str]) -> None:
    """Fail fast, before anything runs, on a marker that names no example."""
    if state.serving:
        return  # serve shows the error on the page instead
    for file in files.documentation_pages():
        if file.abs_src_path and not file.src_uri.startswith("examples/"):
            text = Path(file.abs_src_path).read_text(encoding="utf-8")
            try:
                find_markers(text, file.src_uri, known)
            except MarkerError as exc:
                raise PluginError(str(exc)) from None


def run_all(examples: dict[str, Path]) -> dict[str, Result | ExampleError]:
    env = environment_digest()
    results: dict[str, Result | ExampleError] = {}
    todo = []
    for name, path in examples.items():
        key = cache_key(path.read_bytes(), env)
        found = state.memory.get(key) or state.cache.load(name, key)
        if found is None:
            todo.append((name, path, key))
        else:
            results[name] = state.memory[key] = found
    if todo:
        log.info(f"examples: running {len(todo)} of {len(examples)} (the rest are cached)")
        limit, root, cache = timeout_s(), state.root, state.cache
        cores = os.cpu_count() or 1
        workers = min(len(todo), cores)
        threads = max(1, cores // workers)  # kernels side by side share the cores
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                name: (key, pool.submit(
                    run_example, name, path, root, cache, key, limit, threads))
                for name, path, key in todo
            }
            for name, (key, future) in futures.items():
                try:
                    result = future.result()
                    log.info(f"examples: {name} ran on {result.device} in {result.seconds:.1f} s")
                except ExampleError as exc:
                    # INFO, not ERROR: strict mode would abort `serve`, which must keep
                    # going; `build` raises below anyway, and the page shows the error.
                    result = exc
                    log.info(f"examples: {name} FAILED: {str(exc).splitlines()[0]}")
                results[name] = state.memory[key] = result
    return dict(sorted(results.items()))


def add_files(files, config, result: Result, lang: str, default: str) -> None:
    stem = result.name.rsplit("/", 1)[-1]
    assets = {f["file"]: result.path(f["file"]) for f in result.figures}
    assets |= {wav: result.path(wav) for wav in result.audio}
    assets |= {f"{stem}.py": result.source, f"{stem}.ipynb": result.notebook}
    for file, path in assets.items():
        files.append(File.generated(config, asset_uri(result.name, file), abs_src_path=str(path)))
    pages = state.root / ".cache" / "pages" / lang
    src = pages / page_uri(result.name)
    write_if_changed(src, render_notebook_page(result, result.nb, lang))
    prefix = "" if lang == default else f"{lang}/"
    dest = f"{prefix}examples/{result.name}/index.html"
    files.append(
        File(page_uri(result.name), str(pages), config.site_dir, config.use_directory_urls,
             dest_uri=dest)
    )


def write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
