"""The PDF edition: the whole course, one PDF per language, printed by Chromium.

    python tools/pdf.py --site site --out site/downloads     (make pdf)

Serves the built site (``--site``; without it, a strict build into a temporary folder),
opens it in Debian's Chromium through Playwright (the browser the tests drive) and, per
language, puts every page of the navigation into one document in reading order: the
page's article with its headings, text, code, figures, MathML formulas and tables; ids are
made unique per page and links between pages become links inside the PDF. A title page and
a table of contents come first; Chromium prints it to A4 with page numbers and PDF
bookmarks for the headings. The table of contents gets its page numbers in a second
printing, from the page of each book page's named destination in the first (``pdfinfo
-dests``, poppler-utils). Chinese is set in Noto CJK made TrueType for the characters the
book uses (tools/cjk_font.py; Debian's fonts-noto-cjk where installed, else the locked
wheel's Noto Sans CJK), so the PDF embeds it as a named font, not as Type 3 glyphs.
At the printed width code wraps, and a formula or table wider than the column is set
smaller until it fits; anything still wider stops the run.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import html as htmllib
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from served_site import build, chromium, serve  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import cjk_font  # noqa: E402

LANGUAGES = {"zh": "", "en": "en/"}  # locale -> the language's home in the built site
TITLES = {
    "zh": ("音频信号处理与深度学习", "用 PyTorch 学音频信号处理与深度学习", "目录",
           "（音频：请在网页版或离线版中播放）"),
    "en": ("Audio Signal Processing and Deep Learning",
           "with PyTorch", "Contents", "(audio: play it in the web or offline edition)"),
}
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
FOOTER = ('<div style="font-size:8pt;width:100%;text-align:center;color:#555">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def pdf_name(lang: str) -> str:
    return f"audiodl-{lang}.pdf"


# The reading order and the table-of-contents titles: the primary navigation of a page
# (not the page's own table of contents), each link with its depth.
NAV_JS = """() => {
  const seen = new Set(), out = [];
  for (const a of document.querySelectorAll(".md-nav--primary a.md-nav__link[href]")) {
    if (a.closest(".md-nav--secondary")) continue;
    const url = new URL(a.href, location.href); url.hash = "";
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    let level = 0;
    for (let n = a.parentElement.closest("nav.md-nav"); n && !n.matches(".md-nav--primary");
         n = n.parentElement.closest("nav.md-nav")) level++;
    out.push({url: url.href, title: a.textContent.trim(), level});
  }
  return out;
}"""

# Fetch each page, take its article, make ids unique (p<n>-<id>), turn links between the
# book's pages into #p<n>-<id> links, and point images at absolute addresses.
ASSEMBLE_JS = """async ({pages, audioNote, siteUrl}) => {
  const index = new Map(pages.map((p, n) => [p.url, n]));
  const parser = new DOMParser();
  const sections = [];
  for (const [n, {url}] of pages.entries()) {
    const html = await (await fetch(url)).text();
    const doc = parser.parseFromString(html, "text/html");
    const article = doc.querySelector("article.md-content__inner");
    article.querySelectorAll(
      "a.headerlink, .md-source-file, .md-content__button, .audiodl-editions, script"
    ).forEach((el) => el.remove());
    // the home page's section on the editions: the PDF is one of them
    const editions = article.querySelector("h2#editions");
    while (editions && editions.nextElementSibling
           && editions.nextElementSibling.tagName !== "H2") editions.nextElementSibling.remove();
    if (editions) editions.remove();
    article.querySelectorAll("details").forEach((d) => d.setAttribute("open", ""));
    // the empty anchor on every code line (pymdownx.highlight's anchor_linenums)
    article.querySelectorAll("a[id^='__codelineno']").forEach((a) => a.remove());
    article.querySelectorAll("audio").forEach((audio) => {
      const note = doc.createElement("p");
      note.className = "pdf-audio";
      note.textContent = audioNote;
      audio.replaceWith(note);
    });
    article.querySelectorAll("[id]").forEach((el) => { el.id = `p${n}-${el.id}`; });
    article.querySelectorAll("img[src]").forEach((img) => {
      img.src = new URL(img.getAttribute("src"), url).href;
      img.loading = "eager";
    });
    article.querySelectorAll("a[href]").forEach((a) => {
      const target = new URL(a.getAttribute("href"), url);
      const hash = target.hash.slice(1);
      target.hash = "";
      if (index.has(target.href)) {
        const m = index.get(target.href);
        a.setAttribute("href", hash ? `#p${m}-${decodeURIComponent(hash)}` : `#p${m}`);
      } else if (target.origin === location.origin) {
        // a file or page that is not in the book (a notebook, a download)
        if (siteUrl) a.setAttribute("href", new URL(target.pathname.slice(1), siteUrl).href);
        else a.replaceWith(...a.childNodes);
      }
      a.removeAttribute("download");
    });
    sections.push(`<section class="pdf-page" id="p${n}">${article.innerHTML}</section>`);
  }
  // Keep only the ids a link points at and the headings' (each id becomes a named
  // destination in the PDF).
  const box = document.createElement("div");
  box.innerHTML = sections.join("");
  const targets = new Set([...box.querySelectorAll("a[href^='#']")].map(
    (a) => decodeURIComponent(a.getAttribute("href").slice(1))));
  box.querySelectorAll("[id]").forEach((el) => {
    if (!targets.has(el.id) && !/^H[1-6]$/.test(el.tagName) && !el.matches("section.pdf-page"))
      el.removeAttribute("id");
  });
  return [...box.children].map((el) => el.outerHTML);
}"""

# A formula or table wider than the printed column is set smaller until it fits (code
# wraps instead); returns how many were shrunk.
FIT_JS = """() => {
  let shrunk = 0;
  const sel = 'section.pdf-page math[display="block"], section.pdf-page table';
  for (const el of document.querySelectorAll(sel)) {
    const avail = () => el.parentElement.clientWidth;
    const need = () => Math.max(el.scrollWidth, el.getBoundingClientRect().width);
    if (need() <= avail() + 1) continue;
    shrunk++;
    for (let i = 0; i < 4 && need() > avail() + 1; i++) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      el.style.fontSize = `${size * avail() / need() * 0.98}px`;
    }
  }
  return shrunk;
}"""

# Code, formulas, tables and figures that do not fit the printed width (code wraps, so a
# code line should never be wider).
OVERFLOW_JS = """() => {
  const visibleRight = (el) => {
    let most = -Infinity;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walk.nextNode(); node; node = walk.nextNode())
      for (let i = 0; i < node.length; i++) {
        if (/\\s/.test(node.data[i])) continue;
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        most = Math.max(most, range.getBoundingClientRect().right);
      }
    return most;
  };
  const out = [];
  for (const section of document.querySelectorAll("section.pdf-page")) {
    const right = section.getBoundingClientRect().right + 1;
    for (const el of section.querySelectorAll("pre, code, math, table, img, figure")) {
      // an inline box (code in a line of text) has no width of its own, and its padding
      // and a space where the line breaks may hang out: look at its visible characters
      const block = getComputedStyle(el).display !== "inline";
      const wide = el.getBoundingClientRect().right > right
        && (block || visibleRight(el) > right);
      if (wide || (block && el.scrollWidth > el.clientWidth + 1))
        out.push(`${section.querySelector("h1").textContent}: <${el.tagName.toLowerCase()}> `
                 + el.textContent.slice(0, 60));
    }
  }
  return out;
}"""

# (CSS family, weight, tools/cjk_font.py face)
CJK_FACES = [("audiodl CJK Serif", 400, "serif"), ("audiodl CJK Serif", 700, "serif-bold"),
             ("audiodl CJK Sans", 400, "sans"), ("audiodl CJK Sans", 700, "sans-bold"),
             ("audiodl CJK Mono", 400, "mono")]

PRINT_CSS = """
@page { size: A4; margin: 16mm 16mm 18mm 16mm; }
html, body { background: #fff; }
body { margin: 0; }
.md-typeset {
  font-family: "Liberation Serif", "audiodl CJK Serif", serif;
  font-size: 10.5pt; line-height: 1.6; color: #000;
}
.md-typeset h1, .md-typeset h2, .md-typeset h3, .md-typeset h4, .pdf-title, .pdf-toc {
  font-family: "Liberation Sans", "audiodl CJK Sans", sans-serif; color: #000;
}
.md-typeset h1 { font-size: 20pt; font-weight: 700; margin: 0 0 0.8em; }
.md-typeset h2 { font-size: 14pt; font-weight: 700; }
.md-typeset h3 { font-size: 12pt; font-weight: 700; }
.md-typeset h1, .md-typeset h2, .md-typeset h3 { break-after: avoid; }
.md-typeset code, .md-typeset pre, .md-typeset kbd {
  font-family: "DejaVu Sans Mono", "audiodl CJK Mono", monospace;
}
.md-typeset pre > code {
  font-size: 8pt; line-height: 1.45;
  white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-all; overflow: visible;
}
.md-typeset code { overflow-wrap: anywhere; }
.md-typeset pre { break-inside: auto; }
.md-typeset .highlight { break-inside: avoid; }
math { font-family: "DejaVu Math TeX Gyre", "audiodl CJK Serif", math; }
math[display="block"] { overflow: visible; font-size: 1.05em; }
.md-typeset img { max-width: 100%; height: auto; }
.md-typeset figure, .md-typeset img, .md-typeset tr { break-inside: avoid; }
.md-typeset table:not([class]) { font-size: 8.5pt; display: table; width: 100%; }
.md-typeset__scrollwrap, .md-typeset__table { overflow: visible !important; }
.md-typeset details { break-inside: auto; }
.md-typeset a { color: #1a237e; text-decoration: none; }
.md-typeset .md-clipboard, .md-typeset .md-code__nav { display: none; }
.pdf-page { break-before: page; }
.pdf-audio { font-style: italic; color: #444; }
.pdf-title { break-after: page; text-align: center; padding-top: 70mm; }
.pdf-title h1 { font-size: 26pt; margin-bottom: 0.4em; }
.pdf-title p { font-size: 14pt; }
.pdf-toc h1 { font-size: 20pt; }
.pdf-toc ol { list-style: none; padding: 0; margin: 0; }
.pdf-toc li { display: flex; align-items: baseline; margin: 0.25em 0; font-size: 11pt; }
.pdf-toc li.level-0 { font-weight: 700; margin-top: 0.7em; }
.pdf-toc li.level-1 { padding-left: 1.5em; }
.pdf-toc li.level-2 { padding-left: 3em; }
.pdf-toc a { color: #000; text-decoration: none; }
.pdf-toc .dots { flex: 1; border-bottom: 1px dotted #888; margin: 0 0.4em; }
.pdf-toc .num { min-width: 2.5em; text-align: right; font-variant-numeric: tabular-nums; }
"""


def font_faces(text: str) -> str:
    """@font-face rules for the CJK faces, cut down to the characters of `text`."""
    chars = "".join(sorted({c for c in text if ord(c) > 0x7F}))
    rules = []
    for family, weight, face in CJK_FACES:
        data = base64.b64encode(cjk_font.truetype(face, chars)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                     f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}')
    return "\n".join(rules)


def document(lang: str, stylesheets: list[str], pages: list[dict], sections: list[str],
             numbers: list[str], fonts: str = "") -> str:
    """The whole book as one HTML document."""
    title, subtitle, contents, _ = TITLES[lang]
    toc = "\n".join(
        f'<li class="level-{min(p["level"], 2)}"><a href="#p{n}">{escape(p["title"])}</a>'
        f'<span class="dots"></span><span class="num">{numbers[n]}</span></li>'
        for n, p in enumerate(pages))
    css = "\n".join(f'<link rel="stylesheet" href="{href}">' for href in stylesheets)
    return f"""<!doctype html>
<html lang="{'zh-Hans' if lang == 'zh' else 'en'}">
<head><meta charset="utf-8"><title>{escape(title)}</title>
{css}
<style>{fonts}\n{PRINT_CSS}</style></head>
<body data-md-color-scheme="default" data-md-color-primary="indigo">
<div class="md-typeset">
<div class="pdf-title"><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></div>
<nav class="pdf-toc"><h1>{escape(contents)}</h1><ol>{toc}</ol></nav>
{"".join(sections)}
</div></body></html>"""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def page_texts(pdf: Path) -> list[str]:
    """Each page's text (pdftotext, reading order)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def normalize(text: str) -> str:
    return re.sub(r"\s+", "", text)


def destinations(pdf: Path) -> dict[str, int]:
    """The PDF's named destinations (an element id -> its page, 1-based): pdfinfo -dests."""
    out = subprocess.run(["pdfinfo", "-dests", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return {m[2]: int(m[1]) for m in re.finditer(r'^\s*(\d+)\s+\[.*?\]\s+"(.*)"$', out, re.M)}


def find_pages(pdf: Path, count: int) -> list[int]:
    """The PDF page on which each of the book's `count` pages starts (its section p<n>)."""
    found = destinations(pdf)
    missing = [f"p{n}" for n in range(count) if f"p{n}" not in found]
    if missing:
        raise RuntimeError(f"{pdf.name}: no destination for the sections {missing}")
    return [found[f"p{n}"] for n in range(count)]


def print_pdf(page, html: str, target: Path, lang: str) -> int:
    """Lay out `html` at the printed width, shrink what is too wide, check that nothing
    still is, print; returns how many formulas and tables were shrunk."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round((210 - 32) / 25.4 * 96), "height": 1000})
    page.set_content(html, wait_until="load")
    page.evaluate("Promise.all([...document.images].map((i) => i.decode().catch(() => 0)))")
    shrunk = page.evaluate(FIT_JS)
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow:
        raise RuntimeError(f"{lang}: wider than the printed page: {overflow[:5]}")
    page.pdf(path=str(target), format="A4", print_background=True, margin=MARGIN,
             display_header_footer=True, header_template="<span></span>",
             footer_template=FOOTER, outline=True, tagged=True)
    return shrunk


def make_pdf(browser, base_url: str, lang: str, target: Path, site_url: str = "") -> dict:
    """Print one language's book to `target`; returns {pages, size, headings, shrunk,
    book_pages}."""
    page = browser.new_page()
    home = base_url + LANGUAGES[lang]
    page.goto(home)
    pages = page.evaluate(NAV_JS)
    if not pages:
        raise RuntimeError(f"{home}: no navigation found (is the site built?)")
    css = page.eval_on_selector_all("link[rel=stylesheet]", "(ls) => ls.map((l) => l.href)")
    sections = page.evaluate(ASSEMBLE_JS, {"pages": pages, "audioNote": TITLES[lang][3],
                                           "siteUrl": site_url})
    headings = [htmllib.unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1.*?</h1>", s, re.S)[0]))
                for s in sections]
    placeholder = ["000"] * len(pages)
    fonts = font_faces(document(lang, css, pages, sections, placeholder))
    html = document(lang, css, pages, sections, placeholder, fonts)
    shrunk = print_pdf(page, html, target, lang)
    numbers = [str(n) for n in find_pages(target, len(pages))]
    for _ in range(2):  # the numbers have the placeholders' width: the layout stays
        print_pdf(page, document(lang, css, pages, sections, numbers, fonts), target, lang)
        again = [str(n) for n in find_pages(target, len(pages))]
        if again == numbers:
            break
        numbers = again
    else:
        raise RuntimeError(f"{lang}: table of contents page numbers did not settle")
    page.close()
    compress(target)
    return {"pages": len(page_texts(target)), "size": target.stat().st_size, "headings": headings,
            "shrunk": shrunk,
            "book_pages": [(p["title"], int(num)) for p, num in zip(pages, numbers, strict=True)]}


def compress(pdf: Path) -> None:
    """Chromium writes the tagged PDF's structure (which its bookmarks need) uncompressed,
    more than half the file; qpdf puts it in compressed object streams and linearizes the
    file (its first page shows before the rest has downloaded)."""
    tmp = pdf.with_suffix(".qpdf.pdf")
    subprocess.run(["qpdf", "--object-streams=generate", "--compress-streams=y",
                    "--recompress-flate", "--compression-level=9", "--linearize",
                    str(pdf), str(tmp)], check=True, capture_output=True)
    tmp.replace(pdf)


def missing_tools() -> str | None:
    """Why the PDF cannot be made here, or None."""
    import shutil

    absent = [tool for tool in ("pdfinfo", "pdftotext", "pdffonts", "qpdf")
              if shutil.which(tool) is None]
    if absent:
        return f"{', '.join(absent)} not found: apt-get install poppler-utils qpdf"
    return cjk_font.missing()


def site_url() -> str:
    """mkdocs.yml's site_url (empty until the site is published)."""
    text = (ROOT / "mkdocs.yml").read_text("utf-8")
    found = re.search(r"^site_url:\s*(\S+)", text, re.M)
    return found[1].strip("'\"") if found else ""


def make(site: Path, out: Path, browser=None) -> dict[str, dict]:
    """Both languages' PDFs from the built `site` into `out`, printed by `browser` (a
    Playwright Chromium; by default one started here)."""
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    with contextlib.ExitStack() as stack:
        base_url = stack.enter_context(serve(site))
        browser = browser or stack.enter_context(chromium())
        for lang in LANGUAGES:
            results[lang] = make_pdf(browser, base_url, lang, out / pdf_name(lang), site_url())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--out", type=Path, default=ROOT / "site" / "downloads")
    args = parser.parse_args()
    why = missing_tools()
    if why:
        sys.exit(f"tools/pdf.py: {why}")
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        site = args.site
        if site is None:
            site = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "site"
            build(site)
        results = make(site, args.out)
    for lang, r in results.items():
        print(f"{args.out / pdf_name(lang)}: {r['pages']} pages, {r['size'] / 1e6:.1f} MB, "
              f"{r['shrunk']} formulas or tables set smaller to fit")
    print(f"PDF edition in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
