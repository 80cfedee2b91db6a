"""What a reader does on the site: switch language, copy code, search, switch to dark mode,
download an example."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urljoin

import nbformat
import pytest
from served_site import pages


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    yield context
    context.close()


@pytest.mark.parametrize("here, there, lang", [
    ("ch3/perceptron/", "en/ch3/perceptron/", "en"),
    ("en/ch3/perceptron/", "ch3/perceptron/", "zh"),
    ("examples/ch3/perceptron_sigmoid/", "en/examples/ch3/perceptron_sigmoid/", "en"),
    ("en/examples/ch3/perceptron_sigmoid/", "examples/ch3/perceptron_sigmoid/", "zh"),
])
def test_language_switcher_lands_on_the_same_page(context, base_url, here, there, lang):
    page = context.new_page()
    page.goto(base_url + here)
    page.hover(".md-header__option .md-select")
    page.click(f".md-select__link[hreflang={lang}]")
    page.wait_for_url(base_url + there)
    assert page.url == base_url + there, f"/{here}: switcher to {lang} went to {page.url}"


def test_copy_button_copies_the_code(browser, base_url):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(base_url + "ch3/perceptron/")
    block = page.locator(".md-typeset .highlight:has(pre > code)").first
    block.hover()
    # Material 9.5: button.md-clipboard; 9.6 and later: .md-code__button[data-md-type=copy].
    block.locator(".md-clipboard, .md-code__button[data-md-type=copy]").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    code = block.locator("code").inner_text()
    context.close()
    assert copied.strip() and copied.strip() == code.strip(), (
        f"/ch3/perceptron/: copy button gave {copied[:80]!r}, block has {code[:80]!r}")


@pytest.mark.parametrize("home, query, target", [
    ("", "卷积", "ch3/conv/"),
    ("en/", "convolution", "en/ch3/conv/"),
])
def test_search_finds_the_convolution_page(context, base_url, home, query, target):
    page = context.new_page()
    page.goto(base_url + home)
    search = page.locator(".md-search__input")
    search.click()
    search.press_sequentially(query, delay=50)
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    links = page.eval_on_selector_all(
        ".md-search-result__item > .md-search-result__link",
        "(links) => links.map((a) => a.href.split(/[?#]/)[0])")
    top = list(dict.fromkeys(links))[:3]
    assert base_url + target in top, f"/{home}: searching {query!r}: top pages {top}"


def test_dark_mode_toggle_persists(context, base_url):
    page = context.new_page()
    page.goto(base_url + "ch3/perceptron/")
    scheme = "body >> nth=0"
    assert page.get_attribute(scheme, "data-md-color-scheme") == "default"
    page.click("form[data-md-component=palette] label:not([hidden])")
    assert page.get_attribute(scheme, "data-md-color-scheme") == "slate", "toggle did nothing"
    stored = page.evaluate("Object.keys(localStorage).filter((k) => k.endsWith('__palette'))")
    assert stored, "the palette choice was not stored in localStorage"
    for other in ("ch3/conv/", "en/ch3/conv/", "examples/ch3/perceptron_sigmoid/"):
        page.goto(base_url + other)
        got = page.get_attribute(scheme, "data-md-color-scheme")
        assert got == "slate", f"/{other}: dark mode did not persist (scheme {got!r})"


def test_download_links_answer_and_notebooks_are_valid(site_dir, base_url):
    links = set()
    for path in pages(site_dir):
        html = (site_dir / (path + "index.html" if not path.endswith(".html") else path))
        for href in re.findall(r'<a download href="([^"]+)"', html.read_text("utf-8")):
            links.add((path, urljoin(base_url + path, href)))
    assert any(url.endswith(".ipynb") for _, url in links), "no notebook download links found"
    assert any(url.endswith(".py") for _, url in links), "no .py download links found"
    checked: dict[str, str] = {}
    for path, url in sorted(links):
        if url not in checked:
            try:
                with urllib.request.urlopen(url) as response:
                    body = response.read()
                    checked[url] = "ok" if response.status == 200 else f"HTTP {response.status}"
                if url.endswith(".ipynb"):
                    nbformat.validate(nbformat.reads(body.decode("utf-8"), as_version=4))
            except Exception as e:  # noqa: BLE001 (any failure is reported with its page)
                checked[url] = f"{type(e).__name__}: {e}"[:200]
        assert checked[url] == "ok", f"/{path}: download {url}: {checked[url]}"
