"""The offline edition: one zip per language that a reader unpacks and opens from disk.

    python tools/offline.py [--out site/downloads]

Builds the site a second time with Material's offline plugin (``AUDIODL_OFFLINE=true``,
see mkdocs.yml): links name their files (``conv.html``, not ``conv/``), search loads its
index as a script and runs its worker through the site's own iframe-worker shim, since
``file://`` allows neither fetch nor workers (hooks/search_per_language.py), and the
language switcher is left out. It then zips each language: the default language's pages
with everything else outside the other languages' folders, and a language's own folder
with the shared assets (``assets/``, ``stylesheets/``) and a front page that opens it.
The zips are deterministic (sorted, fixed timestamps): the same site gives the same bytes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = {"zh": "", "en": "en/"}  # locale -> folder in the built site (mkdocs.yml, i18n)
SHARED = ("assets/", "stylesheets/")
# Not for a reader on disk: the host's 404 page and sitemap, other editions, source maps,
# lunr's language scripts (the index is set up with lunr's English alone, see
# hooks/search_per_language.py), and chapter 5 demo's runtime (14 MB that a browser will
# not load from file://: the demo says so).
LEFT_OUT = ("404.html", "sitemap.xml", "sitemap.xml.gz", "downloads/",
            "assets/javascripts/lunr/", "assets/onnxruntime-web/")
FRONT = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0; url={prefix}index.html">
<title>audiodl</title></head>
<body><p><a href="{prefix}index.html">{prefix}index.html</a></p></body></html>
"""
README = """音频信号处理与深度学习 / Audio Signal Processing and Deep Learning with PyTorch
离线版：解压后用浏览器打开 index.html。Offline edition: unpack, then open index.html in a browser.
"""


def zip_name(lang: str) -> str:
    return f"audiodl-offline-{lang}.zip"


def build(site: Path) -> None:
    """The strict offline build into `site`; raises with mkdocs' output when it fails."""
    env = {**os.environ, "AUDIODL_OFFLINE": "true", "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"offline build failed:\n{proc.stdout}\n{proc.stderr}")


def members(site: Path, lang: str) -> dict[str, Path]:
    """Zip path (inside the zip's folder) -> file, for one language's edition."""
    prefix = LANGUAGES[lang]
    others = tuple(p for p in LANGUAGES.values() if p and p != prefix)
    out = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(LEFT_OUT) or rel.endswith(".map"):
            continue
        if prefix:
            keep = rel.startswith(prefix) or rel.startswith(SHARED)
        else:
            keep = not rel.startswith(others)
        if keep:
            out[rel] = path
    return out


def write_zip(site: Path, lang: str, target: Path) -> int:
    """Write one language's zip; returns its size in bytes."""
    folder = f"audiodl-{lang}/"
    extra = {"README.txt": README}
    if LANGUAGES[lang]:
        extra["index.html"] = FRONT.format(lang=lang, prefix=LANGUAGES[lang])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        entries = {**{k: v.read_bytes() for k, v in members(site, lang).items()},
                   **{k: v.encode("utf-8") for k, v in extra.items()}}
        for name in sorted(entries):
            info = zipfile.ZipInfo(folder + name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, entries[name])
    tmp.replace(target)
    return target.stat().st_size


def make(out: Path, site: Path | None = None) -> dict[str, Path]:
    """Build the offline site (into `site`, or a temporary folder) and write each
    language's zip into `out`; returns {lang: zip path}."""
    with tempfile.TemporaryDirectory(prefix="audiodl-offline-") as tmp:
        site = site or Path(tmp) / "site"
        build(site)
        zips = {}
        for lang in LANGUAGES:
            zips[lang] = out / zip_name(lang)
            write_zip(site, lang, zips[lang])
    return zips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site" / "downloads")
    args = parser.parse_args()
    start = time.perf_counter()
    for lang, path in make(args.out).items():
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{path.stat().st_size / 1e6:.1f} MB ({lang})")
    print(f"offline edition in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
