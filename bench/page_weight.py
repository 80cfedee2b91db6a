"""Bytes a reader downloads on a first visit to each page (empty browser cache), split into
HTML / CSS / JS / fonts / images / other; the heaviest pages, and any page over 700 KB or
image over 300 KB. Images below the first screen are lazy and the search documents load
with the first search (hooks/search_per_language.py), so neither counts here. Run by
`make bench` after the build timings."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

from served_site import built_site, chromium, pages  # noqa: E402

KINDS = {"document": "html", "stylesheet": "css", "script": "js", "font": "fonts",
         "image": "images", "media": "audio"}
PAGE_LIMIT, IMAGE_LIMIT = 700 * 1024, 300_000


def weigh(browser, url: str) -> tuple[Counter, list[tuple[str, int]]]:
    """Bytes by kind for one first visit, and each image's size."""
    context = browser.new_context()  # fresh: nothing cached
    page = context.new_page()
    sizes: Counter = Counter()
    images: list[tuple[str, int]] = []

    def count(response):
        try:
            n = len(response.body())
        except Exception:  # a redirect or an aborted request has no body
            return
        kind = KINDS.get(response.request.resource_type, "other")
        sizes[kind] += n
        if kind == "images":
            images.append((response.url, n))

    page.on("response", count)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    context.close()
    return sizes, images


def main() -> None:
    rows, heavy_images = [], []
    with built_site() as (site, base), chromium() as browser:
        for path in pages(site):
            sizes, images = weigh(browser, base + path)
            rows.append((sum(sizes.values()), path or "/", sizes))
            heavy_images += [(u, n) for u, n in images if n > IMAGE_LIMIT]
    rows.sort(key=lambda row: -row[0])
    kinds = ["html", "css", "js", "fonts", "images", "audio", "other"]
    print(f"\npage weight on first load, {len(rows)} pages (KB):")
    print(f"  {'page':40s} {'total':>7s} " + " ".join(f"{k:>6s}" for k in kinds))
    for total, path, sizes in rows[:10]:
        print(f"  {path:40s} {total / 1024:7.0f} "
              + " ".join(f"{sizes[k] / 1024:6.0f}" for k in kinds))
    total, path, _ = rows[0]
    print(f"largest page: {path} {total / 1024:.0f} KB (limit {PAGE_LIMIT // 1024} KB)")
    over = [(p, t) for t, p, _ in rows if t > PAGE_LIMIT]
    print(f"pages over the limit: {over or 'none'}")
    print(f"images over {IMAGE_LIMIT // 1000} KB: {sorted(set(heavy_images)) or 'none'}")


if __name__ == "__main__":
    main()
