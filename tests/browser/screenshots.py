"""`make screenshots`: the home page and one chapter page, in each language, light and
dark, as PNGs in screenshots/ (shown in the README). The chapter page is shown from its
section with a figure, so the Chinese screenshots show a Chinese figure as well as Chinese
text. The site is built and served the way the browser tests do it (Chromium with the
locked Noto Sans CJK, tools/browser_fonts.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served_site import ROOT, built_site, chromium  # noqa: E402

# name -> (page, the heading to scroll to: the chapter page's section with its figure,
# ch3/perceptron_sigmoid)
PAGES = {"home": ("", None), "chapter": ("ch3/perceptron/", "by-hand")}
OUT = ROOT / "screenshots"
# the heading at the top, just under Material's fixed header
SCROLL_TO = """(id) => scrollTo(0, document.getElementById(id).getBoundingClientRect().top
  + scrollY - document.querySelector("header").offsetHeight - 16)"""


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with built_site() as (_, base), chromium() as browser:
        for scheme in ("light", "dark"):
            # Material picks its palette from prefers-color-scheme on a first visit.
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          color_scheme=scheme)
            page = context.new_page()
            for lang in ("zh", "en"):
                for name, (path, heading) in PAGES.items():
                    page.goto(base + ("" if lang == "zh" else "en/") + path)
                    if heading:  # scrolled, not a #link: that would show the heading's ¶
                        page.evaluate(SCROLL_TO, heading)
                    page.wait_for_load_state("networkidle")
                    # lazy figures load once in view: wait until those in view are drawn
                    page.wait_for_function("""[...document.images].every((i) => {
                        const r = i.getBoundingClientRect();
                        return r.bottom < 0 || r.top > innerHeight || i.complete; })""")
                    file = OUT / f"{name}-{lang}-{scheme}.png"
                    page.screenshot(path=str(file))
                    print(file.relative_to(ROOT))
            context.close()


if __name__ == "__main__":
    main()
