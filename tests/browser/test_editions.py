"""The PDF and offline editions, made from the site these tests built, as a reader gets them.

PDF (tools/pdf.py): one per language; every book page starts on the page the table of
contents gives, in reading order, with its title as text (pdftotext); the chapters' titles
come in order; every font is embedded and Chinese is in a named CJK font (pdffonts); no
word lies outside the printed area (code wraps); links inside the PDF lead to named
destinations, and the bookmarks cover every book page.

Offline (tools/offline.py): one zip per language holding only that language; unpacked and
opened from disk (file://) in Chromium, with no console error and no failed request, its
navigation, figures, audio, formulas and search work.

The editions are written into the built site's downloads/, where the home pages link them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest
from served_site import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import offline  # noqa: E402
import pdf  # noqa: E402

LANGS = ["zh", "en"]
CLOSING = "）」』】》〉，。、；：！？"
MM = 72 / 25.4


@pytest.fixture(scope="session")
def pdfs(site_dir, browser) -> dict[str, tuple[Path, dict]]:
    why = pdf.missing_tools()
    if why:
        pytest.skip(f"the PDF edition cannot be made here: {why}")
    results = pdf.make(site_dir, site_dir / "downloads", browser)
    return {lang: (site_dir / "downloads" / pdf.pdf_name(lang), results[lang])
            for lang in LANGS}


@pytest.fixture(scope="session")
def unpacked(site_dir, tmp_path_factory) -> dict[str, Path]:
    """Each language's zip (written to downloads/), unpacked: lang -> its index.html. The
    offline edition is a build of its own (Material's offline plugin); the test run's site
    (site_dir) is built once for every other test, the PDFs included."""
    tmp = tmp_path_factory.mktemp("offline")
    built = tmp / "site"
    offline.build(built)
    out = {}
    for lang in LANGS:
        target = site_dir / "downloads" / offline.zip_name(lang)
        offline.write_zip(built, lang, target)
        with zipfile.ZipFile(target) as z:
            z.extractall(tmp / "unpacked")
        out[lang] = tmp / "unpacked" / f"audiodl-{lang}" / "index.html"
    return out


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def chapter_titles(lang: str) -> list[str]:
    """Each chapter's title (the first line of docs/ch*/index[.en].md), in chapter order."""
    name = "index.md" if lang == "zh" else "index.en.md"
    chapters = sorted(ROOT.glob(f"docs/ch*/{name}"), key=lambda p: int(p.parent.name[2:]))
    titles = []
    for path in chapters:
        first = path.read_text("utf-8").splitlines()[0]
        titles.append(re.sub(r"\s*\{.*\}\s*$", "", first.lstrip("# ")).strip())
    return titles


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_pages_start_where_the_contents_say(pdfs, lang):
    path, result = pdfs[lang]
    pages = int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(path)), re.M)[1])
    book = result["book_pages"]
    assert pages == result["pages"] and pages > len(book) + 2, f"{path.name}: {pages} pages"
    starts = [number for _, number in book]
    assert starts == sorted(starts) and len(set(starts)) == len(starts), (
        f"{path.name}: book pages out of order: {book}")
    for (title, number), heading in zip(book, result["headings"], strict=True):
        text = run("pdftotext", "-f", str(number), "-l", str(number), str(path), "-")
        assert squeeze(text).startswith(squeeze(heading)), (
            f"{path.name}: page {number} ({title}) starts {text[:60]!r}, not {heading!r}")
    print(f"{path.name}: {pages} pages, {path.stat().st_size / 1e6:.1f} MB")


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_has_the_chapters_in_order(pdfs, lang):
    path, _ = pdfs[lang]
    text = squeeze(run("pdftotext", str(path), "-"))
    at = 0
    for title in chapter_titles(lang):
        found = text.find(squeeze(title), at)
        assert found > at, f"{path.name}: chapter {title!r} not found after position {at}"
        at = found


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_fonts_are_embedded(pdfs, lang):
    path, _ = pdfs[lang]
    rows = [line.split() for line in run("pdffonts", str(path)).splitlines()[2:]]
    assert rows, f"{path.name}: no fonts"
    # name type... emb sub uni object ID: emb is the 5th column from the end
    not_embedded = [r[0] for r in rows if r[-5] != "yes"]
    assert not not_embedded, f"{path.name}: fonts not embedded: {not_embedded}"
    type3 = [r for r in rows if "Type" in r and r[r.index("Type") + 1] == "3"]
    assert not type3, f"{path.name}: {len(type3)} Type 3 fonts (glyphs, not a font)"
    if lang == "zh":
        assert any("CJK" in r[0] for r in rows), f"{path.name}: no CJK font: {rows}"


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_text_stays_inside_the_page(pdfs, lang):
    """Every word (pdftotext -bbox) lies inside the printed area: long code lines wrap.
    A full-width closing mark ending a line (）。，) is set in half its width, its ink in
    that half; its box, which pdftotext reports, may reach half an em past the margin."""
    path, _ = pdfs[lang]
    xhtml = run("pdftotext", "-bbox", str(path), "-")
    outside = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", xhtml, re.S), start=1):
        width = float(re.search(r'width="([\d.]+)"', page)[1])
        left, right = pdf_margin("left") - 1, width - pdf_margin("right") + 1
        for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"(.*?)</word>", page):
            hang = (float(y1) - float(y0)) / 2 if word[-1] in CLOSING else 0
            if float(x0) < left or float(x1) > right + hang:
                outside.append(f"page {number}: {word!r} at x {float(x0):.0f}-{float(x1):.0f}")
    assert not outside, f"{path.name}: words outside the printed area: {outside[:10]}"


def pdf_margin(side: str) -> float:
    return float(pdf.MARGIN[side].removesuffix("mm")) * MM


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_links_and_bookmarks(pdfs, lang, tmp_path):
    path, result = pdfs[lang]
    dests = pdf.destinations(path)
    plain = tmp_path / "plain.pdf"
    run("qpdf", "--qdf", "--object-streams=disable", str(path), str(plain))
    raw = plain.read_bytes().decode("latin-1")
    links = re.findall(r"/Dest /(\S+)", raw)
    assert len(links) >= len(result["book_pages"]), f"{path.name}: {len(links)} internal links"
    dangling = sorted({name for name in links if name not in dests})
    assert not dangling, f"{path.name}: links to no destination: {dangling[:10]}"
    local = re.findall(r"/URI \((http://127\.0\.0\.1[^)]*)\)", raw)
    assert not local, f"{path.name}: links to the print server: {local[:5]}"
    outline = run("pdftohtml", "-xml", "-i", "-stdout", "-q", str(path))
    bookmarks = re.findall(r'<item page="(\d+)">', outline)
    starts = {str(number) for _, number in result["book_pages"]}
    assert starts <= set(bookmarks), (
        f"{path.name}: book pages without a bookmark: {sorted(starts - set(bookmarks))}")


@pytest.mark.parametrize("lang", LANGS)
def test_home_page_links_the_editions(pdfs, unpacked, base_url, lang):
    home = base_url + ("" if lang == "zh" else "en/")
    with urllib.request.urlopen(home) as response:
        html = response.read().decode("utf-8")
    links = [href for href in re.findall(r'href="([^"]*downloads/[^"]+)"', html)]
    wanted = {pdf.pdf_name(lang), offline.zip_name(lang)}
    assert {href.rsplit("/", 1)[-1] for href in links} == wanted, f"/{home}: {links}"
    for href in links:
        with urllib.request.urlopen(urllib.request.urljoin(home, href)) as response:
            assert response.status == 200 and len(response.read()) > 100_000, href


@pytest.mark.parametrize("lang", LANGS)
def test_offline_zip_holds_one_language(site_dir, unpacked, lang):
    with zipfile.ZipFile(site_dir / "downloads" / offline.zip_name(lang)) as z:
        names = [n.split("/", 1)[1] for n in z.namelist()]
    pages = [n for n in names if n.endswith(".html") and n != "index.html"]
    if lang == "en":
        strays = [n for n in pages if not n.startswith("en/")]
    else:
        strays = [n for n in pages if n.startswith("en/")]
    assert pages and not strays, f"{lang} zip holds other pages: {strays[:5]}"
    assert "index.html" in names and not any(n.endswith(".map") for n in names)


# Players have preload="none": ask each for its metadata, which needs the file to load.
AUDIO_JS = """async () => Promise.all([...document.querySelectorAll("audio")].map(
  (audio) => new Promise((resolve) => {
    audio.addEventListener("loadedmetadata", () => resolve(audio.duration > 0), {once: true});
    audio.addEventListener("error", () => resolve(false), {once: true});
    setTimeout(() => resolve(false), 10000);
    audio.preload = "metadata";
    audio.load();
  })))"""
IMAGES_JS = """async () => {
  const imgs = [...document.querySelectorAll("article img")];
  for (const img of imgs) img.loading = "eager";
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
  return imgs.map((img) => img.naturalWidth);
}"""


def first_page_with(root: Path, pattern: str) -> Path | None:
    for html in sorted(root.rglob("*.html")):
        if re.search(pattern, html.read_text("utf-8")):
            return html
    return None


@pytest.mark.parametrize("lang", LANGS)
def test_offline_edition_works_from_disk(browser, unpacked, lang):
    index = unpacked[lang]
    root = index.parent / ("en" if lang == "en" else "")
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    # cancelled (net::ERR_ABORTED: by the next click, or a player that has its metadata) is
    # not failed; a file missing from the zip is net::ERR_FILE_NOT_FOUND
    page.on("requestfailed", lambda r: r.failure != "net::ERR_ABORTED"
            and problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("request", lambda r: not r.url.startswith(("file:", "data:", "blob:", "about:"))
            and problems.append(f"not from disk: {r.url}"))

    page.goto(index.as_uri())
    # networkidle: the English zip's front page forwards to en/index.html (a meta refresh)
    page.wait_for_load_state("networkidle")
    home = page.url
    assert home.endswith("index.html") and not page.query_selector(".md-select"), home
    assert not page.query_selector("#editions"), "the offline home page lists the editions"

    # navigation: the sidebar's link to the first chapter, then its "next" footer link
    page.click(".md-nav--primary a.md-nav__link[href$='ch2/index.html']")
    page.wait_for_url("**/ch2/index.html")
    page.click("a.md-footer__link--next")
    page.wait_for_load_state("load")
    assert page.url != home and page.url.endswith(".html"), page.url

    checks = {"figures": r"<article[\s\S]*<img ", "math": r"<math ", "audio": r"<audio "}
    skipping = os.environ.get("AUDIODL_EXAMPLES") == "skip"
    for what, pattern in checks.items():
        found = first_page_with(root, pattern)
        if found is None and skipping and what != "math":
            continue  # the examples did not run: no figures, no audio
        assert found is not None, f"{lang}: no page with {what} in the offline edition"
        # "load", not "networkidle": a page of many players did not go quiet within 120 s
        # while pytest's other workers held both cores (CI, twice). The checks below wait
        # for what they need themselves (each image decoded, each player's metadata).
        page.goto(found.as_uri())
        if what == "figures":
            widths = page.evaluate(IMAGES_JS)
            assert widths and all(widths), f"{found.name}: figures that did not load: {widths}"
        elif what == "math":
            height = page.eval_on_selector("article math",
                                           "(m) => m.getBoundingClientRect().height")
            assert height > 5, f"{found.name}: a formula {height} px high"
        else:
            played = page.evaluate(AUDIO_JS)
            assert played and all(played), f"{found.name}: audio that did not load: {played}"

    page.goto(index.as_uri())
    box = page.locator(".md-search__input")
    box.click()
    box.fill("DataLoader")
    box.press("End")
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    hits = page.eval_on_selector_all(".md-search-result__item > .md-search-result__link",
                                     "(links) => links.map((a) => a.href)")
    assert hits and all(h.startswith("file:") for h in hits), f"{lang}: search gave {hits[:3]}"
    assert all(("/en/" in h) == (lang == "en") for h in hits), f"{lang}: {hits[:3]}"
    context.close()
    assert not problems, f"{lang} offline edition: {problems[:10]}"
