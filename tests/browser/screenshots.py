"""`make screenshots`: the home page and one chapter page, in each language, light and
dark, as PNGs in screenshots/ (shown in the README). The site is built and served the way
the browser tests do it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served_site import ROOT, built_site, chromium  # noqa: E402

PAGES = {"home": "", "chapter": "ch3/perceptron/"}
OUT = ROOT / "screenshots"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with built_site() as (_, base), chromium() as browser:
        for scheme in ("light", "dark"):
            # Material picks its palette from prefers-color-scheme on a first visit.
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          color_scheme=scheme)
            page = context.new_page()
            for lang in ("zh", "en"):
                for name, path in PAGES.items():
                    page.goto(base + ("" if lang == "zh" else "en/") + path)
                    page.wait_for_load_state("networkidle")
                    file = OUT / f"{name}-{lang}-{scheme}.png"
                    page.screenshot(path=str(file))
                    print(file.relative_to(ROOT))
            context.close()


if __name__ == "__main__":
    main()
