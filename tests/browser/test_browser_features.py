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


# Searches a reader might type, each with the page that must come up in the first three:
# single terms and phrases, written from the pages of chapters 2 and 3 and the glossary.
SEARCHES = {
    "zh": [
        ("张量", "ch2/tensors/"),
        ("广播", "ch2/tensors/"),
        ("DataLoader", "ch2/data/"),
        ("划分训练集与测试集", "ch2/data/"),
        ("SummaryWriter", "ch2/tensorboard/"),
        ("conda", "ch2/environment/"),
        ("state_dict", "ch2/modules/"),
        ("把模型搬到设备上", "ch2/modules/"),
        ("卷积层", "ch3/conv/"),
        ("互相关", "ch3/conv/"),
        ("感受野", "ch3/conv/"),
        ("输出尺寸", "ch3/conv/"),
        ("最大池化", "ch3/pooling/"),
        ("梯度消失", "ch3/activations/"),
        ("感知机", "ch3/perceptron/"),
        ("展平", "ch3/linear/"),
        ("两个线性层叠起来", "ch3/linear/"),
        ("监督学习", "ch3/machine-learning/"),
        ("隐藏层", "ch3/neural-networks/"),
        ("梅尔", "ch5/warm-up/"),
        ("术语表", "glossary/"),
    ],
    "en": [
        ("broadcasting", "en/ch2/tensors/"),
        ("DataLoader", "en/ch2/data/"),
        ("training and test sets", "en/ch2/data/"),
        ("SummaryWriter", "en/ch2/tensorboard/"),
        ("conda", "en/ch2/environment/"),
        ("state_dict", "en/ch2/modules/"),
        ("moving a model to a device", "en/ch2/modules/"),
        ("convolutional layer", "en/ch3/conv/"),
        ("cross-correlation", "en/ch3/conv/"),
        ("receptive field", "en/ch3/conv/"),
        ("output size", "en/ch3/conv/"),
        ("max pooling", "en/ch3/pooling/"),
        ("vanishing gradients", "en/ch3/activations/"),
        ("perceptron", "en/ch3/perceptron/"),
        ("flatten", "en/ch3/linear/"),
        ("stacked linear layers", "en/ch3/linear/"),
        ("supervised learning", "en/ch3/machine-learning/"),
        ("hidden layer", "en/ch3/neural-networks/"),
        ("mel filterbank", "en/ch5/warm-up/"),
        ("glossary", "en/glossary/"),
    ],
}
HOMES = {"zh": "", "en": "en/"}
RESULT_PAGES = """() => [...document.querySelectorAll(
  ".md-search-result__item > .md-search-result__link")].map((a) => a.href.split(/[?#]/)[0])"""
SETTLED = """() => document.querySelector(".md-search-result__item")
  || document.querySelector(".md-search-result__meta").textContent.match(/\\d|没有|No /)"""


def search(page, query: str) -> list[str]:
    """Type `query` into the open search box; the result pages (URLs), best first."""
    box = page.locator(".md-search__input")
    box.fill("")
    box.press("End")  # Material reads the box on keyup
    page.wait_for_function("() => !document.querySelector('.md-search-result__item')")
    box.fill(query)
    box.press("End")
    page.wait_for_function(SETTLED, timeout=20_000)
    return list(dict.fromkeys(page.evaluate(RESULT_PAGES)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_search_finds_the_page_in_the_top_three(context, base_url, lang):
    page = context.new_page()
    index = []
    page.on("request", lambda r: "/search/" in r.url and index.append(r.url))
    page.goto(base_url + HOMES[lang])
    page.wait_for_load_state("networkidle")
    own = f"{base_url}{HOMES[lang]}search/"
    # On a page view only the index's config; its documents come with the first search.
    assert index == [own + "search_index.json"], f"{lang} page view loaded {index}"
    page.locator(".md-search__input").click()
    ranks, misses, strays = [], [], []
    for query, target in SEARCHES[lang]:
        found = search(page, query)
        rank = found.index(base_url + target) + 1 if base_url + target in found else None
        ranks.append(rank)
        if rank is None or rank > 3:
            misses.append(f"{query!r} -> /{target} ranked {rank}; top: {found[:3]}")
        other = [u for u in found if u.startswith(base_url + "en/") != (lang == "en")]
        if other:
            strays.append(f"{query!r}: {other[:3]}")
    at1 = sum(r == 1 for r in ranks) / len(ranks)
    at3 = sum(r is not None and r <= 3 for r in ranks) / len(ranks)
    print(f"search {lang}: {len(ranks)} queries, recall@1 {at1:.2f}, recall@3 {at3:.2f}")
    assert index == [own + "search_index.json", own + "search_docs.js"], (
        f"{lang} site loaded the search files {index}")
    assert not strays, f"{lang} site: results from the other language: {strays}"
    assert not misses, f"{lang} site: recall@3 {at3:.2f}, misses:\n  " + "\n  ".join(misses)


def test_search_keeps_chinese_words_whole(context, base_url):
    """梅尔 is searched, listed and highlighted as 梅尔 (Material alone made it 梅)."""
    page = context.new_page()
    page.goto(base_url)
    page.locator(".md-search__input").click()
    search(page, "梅尔")
    marks = page.eval_on_selector_all(".md-search-result__item mark", "(ms) => ms.map((m) => "
                                      "m.textContent)")
    assert marks and all(m.startswith("梅尔") for m in marks), f"result highlights: {marks}"
    links = page.eval_on_selector_all(
        ".md-search-result__item .md-search-result__link",
        "(links) => links.map((a) => new URL(a.href).searchParams.get('h')).filter(Boolean)")
    assert links and set(links) == {"梅尔"}, f"highlight terms passed to the pages: {links}"
    # On the page, Material marks the term where it is visible (not in a collapsed box):
    # the first result page that shows it at all must show exactly 梅尔.
    hrefs = page.eval_on_selector_all(
        ".md-search-result__item .md-search-result__link[href*='h=']",
        "(links) => links.map((a) => a.href)")
    for href in hrefs[:6]:
        page.goto(href)
        page.wait_for_load_state("networkidle")
        on_page = page.eval_on_selector_all("mark[data-md-highlight]",
                                            "(ms) => ms.map((m) => m.textContent)")
        if on_page:
            assert set(on_page) == {"梅尔"}, f"{href}: highlighted {sorted(set(on_page))}"
            break
    else:
        pytest.fail(f"no highlight on any of the result pages {hrefs[:6]}")


@pytest.mark.parametrize("old, new", [
    ("ch5/spoken-digits/#cnn", "ch5/cnn/#cnn"),
    ("en/ch5/spoken-digits/#no-digit", "en/ch5/your-voice/#no-digit"),
    ("ch5/spoken-digits/#listen", "ch5/spoken-digits/#listen"),  # stayed: no move
])
def test_old_anchor_of_a_split_page_lands_on_its_section(context, base_url, old, new):
    """An old link to a section of a page that was split in parts still reaches it."""
    page = context.new_page()
    page.goto(base_url + old)
    page.wait_for_url(base_url + new)
    anchor = new.split("#")[1]
    assert page.locator(f"#{anchor}").count() == 1, f"/{old} went to {page.url}"


@pytest.mark.parametrize("missing", ["no-such-page/", "en/ch3/no-such-page/"])
def test_missing_page_gets_the_404_page(context, base_url, missing):
    """A missing address gets 404.html (as GitHub Pages serves it): it loads cleanly and
    its language switcher leads to each language's home page."""
    page = context.new_page()
    errors = []
    # The browser reports the document's own 404 status in the console: that one is the
    # point of the page; any other error or failed request is not.
    page.on("console", lambda m: m.type == "error" and m.location.get("url") != base_url + missing
            and errors.append(f"{m.text} at {m.location.get('url')}"))
    page.on("response", lambda r: r.status >= 400 and r.url != base_url + missing
            and errors.append(f"{r.url} (HTTP {r.status})"))
    response = page.goto(base_url + missing)
    page.wait_for_load_state("networkidle")
    assert response.status == 404 and page.locator("h1").inner_text() == "404"
    assert not errors, f"/{missing}: {errors}"
    for lang, home in HOMES.items():
        page.hover(".md-header__option .md-select")
        page.click(f".md-select__link[hreflang={lang}]")
        page.wait_for_url(base_url + home)
        page.go_back()


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
