"""Build the site, serve it on 127.0.0.1 and start Debian's Chromium under Playwright.

Shared by the browser tests (tests/browser/), `make screenshots` (tests/browser/screenshots.py)
and the page-weight report (bench/page_weight.py). The build is the normal strict build, so it
uses and fills the example cache in .cache/examples.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import browser_fonts  # noqa: E402  (Chromium's CJK font, from the lock)

CHROMIUM = Path(os.environ.get("AUDIODL_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
INSTALL_CHROMIUM = "install it with `apt-get install chromium` (Debian/Ubuntu)"
INSTALL_PLAYWRIGHT = "run `make setup` (installs playwright with the test group)"
INSTALL_AXE = "run `make setup` with npm present (npm ci --prefix web: web/package-lock.json)"


def missing_browser() -> str | None:
    """Why the browser can't run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"playwright is not installed: {INSTALL_PLAYWRIGHT}"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}: {INSTALL_CHROMIUM}"
    return None


def build(site: Path) -> Path:
    """`mkdocs build --strict -d site`; raises with mkdocs' output when the build fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{proc.stdout}\n{proc.stderr}")
    return site


# A site built once for a whole test run (conftest.py, before pytest-xdist's workers
# start): the folder holding site/, or build-error.txt when the build failed.
PREBUILT_ENV = "AUDIODL_TEST_SITE"


def prebuild() -> Path:
    """Build into a new temporary folder and name it in $AUDIODL_TEST_SITE for the
    processes started after this (the workers); returns the folder, to be removed after."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="audiodl-site-"))
    try:
        build(folder / "site")
    except RuntimeError as e:
        (folder / "build-error.txt").write_text(str(e), encoding="utf-8")
    os.environ[PREBUILT_ENV] = str(folder)
    return folder


def prebuilt() -> Path | None:
    """The site prebuild() made for this run (None if none); raises if its build failed."""
    folder = os.environ.get(PREBUILT_ENV)
    if not folder:
        return None
    error = Path(folder) / "build-error.txt"
    if error.exists():
        raise RuntimeError(error.read_text(encoding="utf-8"))
    return Path(folder) / "site"


def pages(site: Path) -> list[str]:
    """Every HTML page of the built site as a URL path: '', 'ch3/conv/', 'en/', '404.html'."""
    found = []
    for html in sorted(site.rglob("*.html")):
        rel = html.relative_to(site).as_posix()
        found.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return found


class _QuietHandler(SimpleHTTPRequestHandler):
    """A static host like GitHub Pages: a missing address gets the site's 404.html, with
    status 404."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or self.command != "GET" or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A browser that stops a download (an audio player with its metadata, a page left
        mid-load) closes the connection: not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 on a free port; yields the base URL ('http://127.0.0.1:N/')."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def built_site(site: Path | None = None) -> Iterator[tuple[Path, str]]:
    """Build into `site` (a temporary folder when None), serve it; yields (folder, base URL)."""
    with contextlib.ExitStack() as stack:
        if site is None:
            import tempfile

            site = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "site"
        elif site.exists():
            shutil.rmtree(site)
        build(site)
        yield site, stack.enter_context(serve(site))


@contextlib.contextmanager
def chromium():
    """A Playwright Chromium browser (sync API) on Debian's binary, with the locked Noto Sans
    CJK among its fonts (tools/browser_fonts.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                    env=browser_fonts.environment())
        try:
            yield browser
        finally:
            browser.close()
