"""MkDocs hook: a thin adapter between the example runner (``runner/``, no MkDocs there)
and the site. It asks the runner for every example's result and renders them.

- ``on_files``: get each example's result (``runner.batch.results``: from the cache, or
  run in parallel when missing or stale), then add the files of the language being built
  (its figures, the WAVs, the ``.py`` and its ``.ipynb``) and its notebook page.
- ``on_page_markdown``: replace ``<!-- example: ... -->`` markers (example_markdown.py).
- ``on_page_markdown`` / ``on_page_content`` of a notebook page: reuse its HTML when its
  Markdown did not change (page_cache.py; highlighting its code is most of a warm build's
  extra time).
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
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

HOOKS = Path(__file__).resolve().parent
sys.path[:0] = [str(HOOKS), str(HOOKS.parent)]  # example_markdown, and the runner package

from example_markdown import (  # noqa: E402
    MarkerError,
    asset_uri,
    check_marker,
    downloads,
    expand,
    find_markers,
    lang_prefix,
    page_uri,
    parse_marker,
    render_error,
    render_notebook_page,
    render_result,
    render_skipped,
)
from page_cache import PageCache  # noqa: E402

from runner.batch import Outcome, results  # noqa: E402
from runner.cache import ExampleError, Result  # noqa: E402
from runner.keys import DEFAULT_TIMEOUT_S  # noqa: E402
from runner.project import Project  # noqa: E402

log = logging.getLogger("mkdocs.hooks.examples")


class State:
    serving = False
    project: Project
    pages: PageCache
    # key -> Result or ExampleError: survives both language builds and serve rebuilds
    memory: dict[str, Outcome] = {}
    current: dict[str, Outcome] = {}  # name -> this round's Result or ExampleError
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
    state.project = Project(Path(config.config_file_path).resolve().parent)
    state.pages = PageCache(state.project.root / ".cache" / "pages" / "html")


def on_serve(server, config, builder):
    server.watch(str(state.project.examples))
    import audiodl

    server.watch(str(Path(audiodl.__file__).parent))
    return server


@event_priority(-200)  # after mkdocs-static-i18n (-100) has chosen this language's pages
def on_files(files, config):
    state.known = set(state.project.scripts())
    check_markers(files, state.known)
    if mode() == "skip":
        state.current = {}
        return files
    # INFO, not ERROR: strict mode would abort `serve`, which must keep going; `build`
    # raises below anyway, and the page shows the error.
    state.current = results(state.project, timeout_s=timeout_s(), memory=state.memory,
                            log=log.info)
    failures = [r for r in state.current.values() if isinstance(r, ExampleError)]
    if failures and not state.serving:
        raise PluginError("\n\n".join(str(e) for e in failures))
    lang, default = languages(config)
    for result in state.current.values():
        if isinstance(result, Result):
            add_files(files, config, result, lang, lang_prefix(lang, default))
    return files


def on_page_markdown(markdown, page, config, files):
    src_uri = page.file.src_uri
    lang, default = languages(config)
    if src_uri.startswith("examples/"):  # a notebook page
        return state.pages.before_render(src_uri, lang, markdown, page.file.dest_uri, config)
    if "<!--" not in markdown:
        return markdown
    shown: set[str] = set()  # examples whose device/time line this page already has

    def replace(line: int, spec: str) -> str:
        try:
            marker = parse_marker(spec, f"{src_uri}:{line}", line, state.known)
            if mode() == "skip":
                return render_skipped(marker.name, lang)
            result = state.current[marker.name]
            if isinstance(result, ExampleError):
                return render_error(marker.name, str(result), lang)
            check_marker(marker, result, src_uri)
            first = marker.name not in shown
            shown.add(marker.name)
            return render_result(result, marker, lang, src_uri, page.url, meta=first,
                                 prefix=lang_prefix(lang, default))
        except MarkerError as exc:
            if not state.serving:
                raise PluginError(str(exc)) from None
            return render_error(spec, str(exc), lang)

    return expand(markdown, replace)


def on_page_content(html, page, config, files):
    if page.file.src_uri.startswith("examples/"):
        return state.pages.after_render(page.file.src_uri, html)
    return html


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
        {**alt, "link": f"{lang_prefix(alt['lang'], default)}examples/{name}/"}
        for alt in state.alternate
    ]
    return context


def on_post_page(output, page, config):
    if state.alternate is not None:
        config.extra.alternate, state.alternate = state.alternate, None
    return output


# ---------------------------------------------------------------- files


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


def add_files(files, config, result: Result, lang: str, prefix: str) -> None:
    """This language's files of one example, and its notebook page."""
    for file, path in downloads(result, lang).items():
        uri = asset_uri(result.name, file, prefix)
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    pages = state.project.root / ".cache" / "pages" / lang
    from runner.outputs import source_cells  # nbformat and jupytext: only when pages render

    # The example's own cells: its result's source.py is examples/<name>.py (checked
    # when the result was read), and stays what it ran even if the file is edited now.
    cells = source_cells(result.source.read_text(encoding="utf-8"))
    try:
        page = render_notebook_page(result, cells, lang, prefix)
    except MarkerError as exc:
        raise PluginError(str(exc)) from None
    write_if_changed(pages / page_uri(result.name), page)
    files.append(
        File(page_uri(result.name), str(pages), config.site_dir, config.use_directory_urls,
             dest_uri=f"{prefix}examples/{result.name}/index.html")
    )


def write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
