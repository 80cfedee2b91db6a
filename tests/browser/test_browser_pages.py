"""Every page of the built site, both languages, as a reader's browser meets it.

The pages are visited concurrently once (a desktop visit in the light colour scheme and a
phone visit in the dark one, in one Chromium, in a thread of its own), then one test per page
and property checks what was seen, so a failure names the page: in both visits it loads with
no console error, no failed request and no request to another host (no allow-list: anything
that fails fails the test); its images and audio load and images have alt text; at a phone's
width (390 px) nothing widens the page and no block formula is cut off (one too wide scrolls);
axe-core finds no serious or critical accessibility violation.
"""

from __future__ import annotations

import asyncio
import os
import threading
from urllib.parse import urlsplit

import pytest
from served_site import AXE_JS, CHROMIUM, CHROMIUM_ARGS, INSTALL_AXE, browser_fonts

PHONE = {"width": 390, "height": 844}

# Load every <img> now (they are loading="lazy") and report what each one got.
IMAGES_JS = """async () => {
  const imgs = [...document.images];
  for (const img of imgs) img.loading = "eager";
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
  return imgs.map((img) => ({src: img.currentSrc || img.src, alt: img.getAttribute("alt"),
                             width: img.naturalWidth, height: img.naturalHeight,
                             stated: [img.getAttribute("width"), img.getAttribute("height")],
                             article: !!img.closest("article")}));
}"""

# Players have preload="none": ask each for its metadata, which needs the file to load.
AUDIO_JS = """async () => Promise.all([...document.querySelectorAll("audio")].map(
  (audio) => new Promise((resolve) => {
    const src = audio.currentSrc || audio.src || (audio.querySelector("source") || {}).src;
    const done = (ok) => resolve({src, ok, error: audio.error && audio.error.code});
    audio.addEventListener("loadedmetadata", () => done(true), {once: true});
    audio.addEventListener("error", () => done(false), {once: true});
    setTimeout(() => done(false), 10000);
    audio.preload = "metadata";
    audio.load();
  })))"""

# Elements sticking out past the viewport's right edge that no scrolling box contains.
OVERFLOW_JS = """(limit) => {
  const scrolls = (el) => ["auto", "scroll", "hidden", "clip"].includes(
    getComputedStyle(el).overflowX);
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right <= limit || box.width === 0) continue;
    let parent = el.parentElement, contained = false;
    while (parent && parent !== document.body) {
      if (scrolls(parent)) { contained = true; break; }
      parent = parent.parentElement;
    }
    if (!contained) culprits.push(`<${el.tagName.toLowerCase()} class="${el.className}">`
                                  + ` right edge ${Math.round(box.right)} px`);
  }
  return culprits.slice(0, 5);
}"""

# Block formulas a reader cannot see whole. Each box around a formula that does not let it
# overflow sideways (overflow-x other than visible) must hold all of it: a box that scrolls,
# from its scrollable area's left edge across its scrollWidth (content centred past that
# edge cannot be scrolled to), a hidden or clipping box within its own width; outside every
# scrolling box, the screen's width. A box that does not let it overflow downwards or
# upwards must be as tall as it (accents and limits cut off).
FORMULAS_JS = """() => {
  const clipped = [];
  for (const math of document.querySelectorAll('math[display="block"]')) {
    // the formula's parts, together
    let left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
    for (const el of math.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      left = Math.min(left, r.left); right = Math.max(right, r.right);
      top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
    }
    if (left === Infinity) continue;
    const px = (a, b) => `${Math.round(a)}-${Math.round(b)} px`;
    let why = null;
    for (let box = math.parentElement; box && !why; box = box.parentElement) {
      const style = getComputedStyle(box);
      const r = box.getBoundingClientRect();
      const where = `<${box.tagName.toLowerCase()} class="${box.className}">`;
      const scrollsY = ["auto", "scroll"].includes(style.overflowY);
      if (style.overflowY !== "visible") {
        const start = r.top + box.clientTop - (scrollsY ? box.scrollTop : 0);
        const end = start + (scrollsY ? box.scrollHeight : box.clientHeight);
        if (top < start - 1 || bottom > end + 1)
          why = `cut off at the top or bottom by ${where} (overflow-y: ${style.overflowY}): `
                + `formula ${px(top, bottom)}, box ${px(start, end)}`;
        else if (scrollsY) { top = r.top; bottom = r.bottom; }
      }
      const overflow = style.overflowX;
      if (why || overflow === "visible") continue;
      const scrolls = overflow === "auto" || overflow === "scroll";
      const start = r.left + box.clientLeft - (scrolls ? box.scrollLeft : 0);
      const end = start + (scrolls ? box.scrollWidth : box.clientWidth);
      if (left < start - 1 || right > end + 1)
        why = `cut off by ${where} (overflow-x: ${overflow}): formula ${px(left, right)}, `
              + `${scrolls ? "scrollable area" : "box"} ${px(start, end)}`;
      else if (scrolls) { left = r.left; right = r.right; }  // all of it can be scrolled to
    }
    if (!why && (left < -1 || right > innerWidth + 1))
      why = `past the screen's edge: ${px(left, right)}`;
    if (why) clipped.push(`${math.textContent.slice(0, 40)}: ${why}`);
  }
  return clipped;
}"""

CONCURRENCY = max(2, os.cpu_count() or 2)
# Rules switched off, each for a reason that is not ours to fix:
AXE_DISABLED = {
    # Material's search overlay (<div class="md-search" role="dialog">) has no accessible
    # name; it is the theme's own template (partials/search.html), not our markup.
    "aria-dialog-name": "Material's search dialog has no aria-label",
}


def record(page, seen: dict) -> None:
    """Collect the page's requests, failed requests, HTTP errors and console errors."""
    seen.update(requests=[], failed=[], console=[])
    page.on("request", lambda r: seen["requests"].append(r.url))
    # Cancelled is not failed (net::ERR_ABORTED): a player that has its metadata cancels the
    # rest of the file (AUDIO_JS checks that each player loaded), and a moved page's
    # redirect (hooks/redirects.py) cancels the page it replaces; other failures count.
    page.on("requestfailed", lambda r: (r.failure != "net::ERR_ABORTED"
                                        or r.resource_type not in ("media", "document"))
            and seen["failed"].append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and seen["failed"].append(
        f"{r.url} (HTTP {r.status})"))
    page.on("console", lambda m: m.type == "error" and seen["console"].append(
        (m.text, m.location.get("url"))))
    page.on("pageerror", lambda e: seen["console"].append((f"uncaught: {e}", None)))


async def visit_desktop(context, base_url: str, path: str, axe: bool) -> dict:
    page = await context.new_page()
    seen = {"status": None}
    record(page, seen)
    try:
        response = await page.goto(base_url + path, wait_until="load")
        seen["status"] = response.status if response else None
        seen["images"] = await page.evaluate(IMAGES_JS)
        seen["audio"] = await page.evaluate(AUDIO_JS)
        await page.wait_for_load_state("networkidle")
        if axe:
            await page.add_script_tag(path=str(AXE_JS))
            rules = {rule: {"enabled": False} for rule in AXE_DISABLED}
            seen["axe"] = await page.evaluate(
                "(rules) => axe.run(document, {rules, resultTypes: ['violations']})"
                ".then((r) => r.violations)", rules)
    finally:
        await page.close()
    return seen


async def visit_phone(context, base_url: str, path: str) -> dict:
    page = await context.new_page()
    seen: dict = {}
    record(page, seen)
    try:
        await page.goto(base_url + path, wait_until="load")
        await page.evaluate(IMAGES_JS)  # images at their real size
        seen["width"] = await page.evaluate("document.documentElement.scrollWidth")
        seen["culprits"] = (await page.evaluate(OVERFLOW_JS, PHONE["width"] + 1)
                            if seen["width"] > PHONE["width"] + 1 else [])
        seen["formulas"] = await page.evaluate(FORMULAS_JS)
        seen["scheme"] = await page.get_attribute("body", "data-md-color-scheme")
        await page.wait_for_load_state("networkidle")
    finally:
        await page.close()
    return seen


async def visit_all(base_url: str, paths: list[str]) -> dict[str, dict]:
    from playwright.async_api import async_playwright

    axe = AXE_JS.exists()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                          env=browser_fonts.environment())
        desktop = await browser.new_context(viewport={"width": 1280, "height": 900},
                                            color_scheme="light")
        phone = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                          color_scheme="dark")
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(path):
            async with gate:
                seen = await visit_desktop(desktop, base_url, path, axe)
                seen["phone"] = await visit_phone(phone, base_url, path)
                return path, seen

        results = dict(await asyncio.gather(*(one(path) for path in paths)))
        await browser.close()
    return results


@pytest.fixture(scope="session")
def visits(site_dir, base_url) -> dict[str, dict]:
    """Every page visited once on a desktop and once on a phone (in a thread of its own,
    so the async API does not meet the sync one the other tests use)."""
    from served_site import pages

    out: dict = {}

    def run():
        try:
            out["result"] = asyncio.run(visit_all(base_url, pages(site_dir)))
        except BaseException as e:  # re-raised in the test thread
            out["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["result"]


def test_page_loads_cleanly(visits, base_url, page_path):
    seen, where = visits[page_path], f"/{page_path}"
    assert seen["status"] == 200, f"{where}: HTTP {seen['status']}"
    host = urlsplit(base_url).netloc
    for visit, got in (("light, desktop", seen), ("dark, phone", seen["phone"])):
        console = [f"{text} at {url}" for text, url in got["console"]]
        assert not console, f"{where} ({visit}): console errors: {console}"
        assert not got["failed"], f"{where} ({visit}): failed requests: {got['failed']}"
        foreign = [u for u in got["requests"]
                   if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != host]
        assert not foreign, f"{where} ({visit}): requests to another host: {foreign}"
    assert seen["phone"]["scheme"] == "slate", (
        f"{where}: a reader whose system is dark got scheme {seen['phone']['scheme']!r}")
    broken = [i["src"] for i in seen["images"] if i["width"] == 0]
    assert not broken, f"{where}: images that did not load: {broken}"
    no_alt = [i["src"] for i in seen["images"] if not (i["alt"] or "").strip()]
    assert not no_alt, f"{where}: images without alt text: {no_alt}"
    # Without its size a lazy image is 0 px high until it loads, so the browser loads every
    # one on the first view; the stated size is the one it displays at (1 px per CSS px).
    unsized = [f"{i['src']} states {i['stated']}, is {i['width']}x{i['height']}"
               for i in seen["images"]
               if i["article"] and i["stated"] != [str(i["width"]), str(i["height"])]]
    assert not unsized, f"{where}: images without their width and height: {unsized}"
    silent = [f"{a['src']} (media error {a['error']})" for a in seen["audio"] if not a["ok"]]
    assert not silent, f"{where}: audio that did not load: {silent}"


def test_no_horizontal_overflow_on_phone(visits, page_path):
    phone = visits[page_path]["phone"]
    assert phone["width"] <= PHONE["width"] + 1, (
        f"/{page_path}: page is {phone['width']} px wide at a {PHONE['width']} px viewport; "
        f"widest elements outside a scrolling box: {phone['culprits']}")


def test_no_formula_cut_off_on_phone(visits, page_path):
    """A block formula wider than the column scrolls sideways, like code (hooks/math.py,
    docs/stylesheets/extra.css): nothing of it is out of reach."""
    clipped = visits[page_path]["phone"]["formulas"]
    assert not clipped, f"/{page_path}: formulas cut off at {PHONE['width']} px: {clipped}"


@pytest.mark.parametrize("style, cut", [
    ("", False),  # the site's own box: scrolls
    ("overflow-x: hidden", True),
    ("overflow-x: clip", True),
    ("overflow: visible", True),  # then the screen's edge cuts it
    ("height: 0.5em", True),  # overflow-y: hidden cuts off its top and bottom
    ("overflow-x: auto; display: flex; justify-content: center", True),  # left end unreachable
])
def test_formula_check_sees_a_cut_off_formula(browser, site_dir, style, cut):
    """FORMULAS_JS itself, on a formula three times the phone's width in a page built with
    the site's stylesheet, its box restyled the ways a formula gets cut off."""
    css = (site_dir / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    mrow = "<mo>+</mo>".join(f"<msub><mi>x</mi><mn>{i}</mn></msub>" for i in range(60))
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(
            f'<style>{css}</style><article class="md-typeset">'
            f'<div class="math-display" style="{style}"><math display="block"><mrow>{mrow}'
            "</mrow></math></div></article>")
        width = page.eval_on_selector("mrow", "m => m.getBoundingClientRect().width")
        assert width > 3 * PHONE["width"], width
        clipped = page.evaluate(FORMULAS_JS)
    finally:
        page.close()
    assert bool(clipped) == cut, clipped


# Each column of every aligned formula (a table with columnspacing "0em ...", see
# hooks/math.py): [column alignment, the left or right edge of each row's content].
COLUMNS_JS = """() => [...document.querySelectorAll('mtable[columnspacing^="0em"]')].flatMap(
  (table) => {
    const rows = [...table.querySelectorAll(":scope > mtr")];
    const edges = (cell, align) => {
      const parts = [...cell.children].map((el) => el.getBoundingClientRect())
        .filter((r) => r.width > 0);
      return align === "right" ? Math.max(...parts.map((r) => r.right))
                               : Math.min(...parts.map((r) => r.left));
    };
    const columns = Math.max(...rows.map((row) => row.children.length));
    return [...Array(columns).keys()].map((i) => {
      const cells = rows.map((row) => row.children[i]).filter((cell) => cell);
      const align = cells[0].getAttribute("columnalign");
      return [align, cells.map((cell) => edges(cell, align)).filter(isFinite)];
    });
  })"""


@pytest.mark.parametrize("path", ["ch4/autograd/", "en/ch4/optimizers/"])
def test_aligned_formulas_line_up(browser, base_url, path):
    """`aligned` renders as a table whose right-aligned columns end, and left-aligned columns
    start, at one edge in every row (Chromium ignores MathML's columnalign by itself)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + path)
        columns = page.evaluate(COLUMNS_JS)
    finally:
        page.close()
    assert len(columns) >= 4, f"/{path}: no aligned formula found: {columns}"
    for align, edges in columns:
        assert align in ("left", "right") and len(edges) >= 2, (align, edges)
        assert max(edges) - min(edges) < 1.5, f"/{path}: a {align} column's edges: {edges}"


def test_accessibility(visits, page_path):
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed at {AXE_JS}: {INSTALL_AXE}")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} -- "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
        for v in visits[page_path]["axe"] if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"/{page_path}: axe-core violations:\n  " + "\n  ".join(serious)


def test_requests_were_seen(visits):
    """The recording works: every page made requests (its CSS and JS at least)."""
    counts = {path: len(seen["requests"]) for path, seen in visits.items()}
    assert all(n > 1 for n in counts.values()), f"pages with no requests recorded: {counts}"
    print(f"{len(counts)} pages, {sum(counts.values())} requests")
