"""Fixtures for the browser tests: one strict build, one local server, one Chromium.

The site is built once, before the tests are collected, so that tests can be parametrized
over the pages actually built (a failure then names the page): under pytest-xdist by the
controller before the workers start (conftest.py at the root, served_site.prebuild), so
every worker tests that one build; in a single process when the first browser test is
collected. Without Chromium or Playwright the tests skip and say how to install them; under
CI=true a skip counts as a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from served_site import build, chromium, missing_browser, pages, prebuilt, serve

HERE = Path(__file__).resolve().parent
_built: dict[str, object] = {}


def _site() -> tuple[Path, list[str]] | None:
    """Build the site once per session (None when the browser tests cannot run)."""
    if missing_browser():
        return None
    if "site" not in _built:
        site = prebuilt()
        if site is None:
            tmp = Path(tempfile.mkdtemp(prefix="audiodl-site-"))
            _built["tmp"] = tmp
            site = build(tmp / "site")
        _built["site"] = (site, pages(site))
    return _built["site"]


def pytest_generate_tests(metafunc):
    if "page_path" in metafunc.fixturenames:
        built = _site()
        paths = built[1] if built else ["(no browser)"]
        metafunc.parametrize("page_path", paths, ids=[p or "/" for p in paths])


def pytest_sessionfinish(session):
    if "tmp" in _built:
        shutil.rmtree(_built["tmp"], ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    in_here = Path(str(item.fspath)).resolve().parent == HERE
    if in_here and report.skipped and os.environ.get("CI") == "true":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser test skipped under CI=true, which counts as a failure: {reason}"


@pytest.fixture(scope="session")
def site_dir() -> Path:
    why = missing_browser()
    if why:
        pytest.skip(why)
    return _site()[0]


@pytest.fixture(scope="session")
def base_url(site_dir):
    with serve(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser(site_dir):
    with chromium() as b:
        yield b
