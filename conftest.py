"""Hooks for the whole suite.

- A failing page snippet says what failed, not just the message: pytest-codeblocks reports
  only ``str(exc)``; a maintainer also wants the exception type and the line of the snippet
  that raised. Both come from the original exception, which pytest-codeblocks keeps as
  ``__context__`` of its RuntimeError.
- Each page's blocks run once: an English page (``page.en.md``) whose Chinese twin exists is
  not collected, because tests/test_parity.py proves that pytest-codeblocks makes the same
  test items of both (code less comments, markers, expected output). Naming an English page
  on the command line still runs it.
- Under pytest-xdist (``make test`` runs ``-n auto``) the browser tests' site is built once,
  here in the controller before the workers start (tests/browser/conftest.py).
"""

from __future__ import annotations

import shutil
import sys
import traceback
from pathlib import Path

import pytest
from pytest_codeblocks.plugin import TestBlock

ROOT = Path(__file__).resolve().parent
BROWSER_TESTS = ROOT / "tests" / "browser"
PREBUILT = pytest.StashKey[Path]()


def snippet_traceback(exc: BaseException, code: str) -> str:
    lines = code.splitlines()
    out = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<string>" and frame.lineno and frame.lineno <= len(lines):
            out.append(f"  block line {frame.lineno}: {lines[frame.lineno - 1].strip()}")
    out.append(f"{type(exc).__name__}: {exc}")
    return "\n".join(out)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    cause = call.excinfo and call.excinfo.value.__context__
    if isinstance(item, TestBlock) and report.failed and cause is not None:
        report.longrepr = f"{report.longrepr}\n\n{snippet_traceback(cause, item.obj.code)}"


def pytest_ignore_collect(collection_path: Path, config):
    """Skip collecting an English page that has a Chinese twin (see the module's docstring)."""
    name = collection_path.name
    if not name.endswith(".en.md") or not config.option.codeblocks:
        return None
    twin = collection_path.with_name(name.removesuffix(".en.md") + ".md")
    if twin.is_file() and collection_path not in named_on_command_line(config):
        return True
    return None


def named_on_command_line(config) -> set[Path]:
    where = config.invocation_params.dir
    return {(where / arg.split("::")[0]).resolve() for arg in config.invocation_params.args
            if not arg.startswith("-")}



@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """The xdist controller builds the browser tests' site before the workers start, so
    that every worker tests the one build (served_site.prebuild)."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    if not (BROWSER_TESTS / "served_site.py").is_file() or not runs_browser_tests(config):
        return
    sys.path.insert(0, str(BROWSER_TESTS))
    import served_site

    if served_site.missing_browser() is None:
        say = config.pluginmanager.get_plugin("terminalreporter")
        if say:
            say.write_line("building the site for the browser tests (tests/browser) ...")
        config.stash[PREBUILT] = served_site.prebuild()


def pytest_sessionfinish(session):
    folder = session.config.stash.get(PREBUILT, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def runs_browser_tests(config) -> bool:
    where = config.invocation_params.dir
    paths = [(where / arg.split("::")[0]).resolve() for arg in config.args]
    return any(BROWSER_TESTS.is_relative_to(p) or p.is_relative_to(BROWSER_TESTS)
               for p in paths)
