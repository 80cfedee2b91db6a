"""An executed notebook in, a result's files out: the figures in both languages, one
notebook per language, the printed text and the cells a page shows.

A figure output (see ``kernel_side.py``) carries the English image as its ordinary data
and both languages under ``FIGURE_MIME``. Cells with ``lang`` metadata (jupytext:
``# %% [markdown] lang="zh"``) belong to that language's notebook only; cells without it
to both.
"""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path

import nbformat

from runner.cache import LANGUAGES, notebook_file

FIGURE_MIME = "application/vnd.audiodl.figure+json"
ERROR_MIME = "application/vnd.audiodl.error+json"
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg"}  # what a figure may come back as


def cell_error(cell) -> dict | None:
    """The error the figure flush reported at the end of ``cell``, if any."""
    for out in cell.get("outputs", []):
        if ERROR_MIME in out.get("data", {}):
            return out["data"][ERROR_MIME]
    return None


# A line break between two CJK characters: browsers render it as a space ("卷积层的 权重"),
# and a prose cell must break its lines (ruff's line length); Latin text keeps its breaks.
_CJK_BREAK = re.compile(r"(?<=[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef])\n"
                        r"(?=[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef])")


def prose(cell) -> str:
    """A cell's source as readers get it: markdown lines of Chinese joined up."""
    return _CJK_BREAK.sub("", cell.source) if cell.cell_type == "markdown" else cell.source


def source_cells(source: str) -> list[dict]:
    """The cells of an example's source (a jupytext percent script) as a result lists
    them, without outputs: ``[{"type", "lang", "source"}]``. A page takes its prose from
    here, never from a result, which may come from another machine."""
    import jupytext  # a second's import, only for a build that renders notebook pages

    nb = jupytext.reads(source, fmt="py:percent")
    return [{"type": cell.cell_type, "lang": cell.get("metadata", {}).get("lang"),
             "source": prose(cell)} for cell in nb.cells]


def in_language(cell, lang: str) -> bool:
    return cell.get("metadata", {}).get("lang", lang) == lang


def collect(nb, folder: Path) -> tuple[str, list[dict], list[dict]]:
    """Write every figure of ``nb`` into ``folder`` in both languages, and write one
    notebook per language there. Returns (printed text, figures, cells)."""
    text, figures, cells = [], [], []
    per_language = {lang: {} for lang in LANGUAGES}  # (cell, output index) -> replacement
    for c, cell in enumerate(nb.cells):
        shown = []
        for o, out in enumerate(cell.get("outputs", [])):
            if out.output_type == "stream":
                if out.name == "stdout":
                    text.append(out.text)
                shown.append({"stream": out.name, "text": out.text})
            elif out.output_type in ("display_data", "execute_result"):
                data = out.get("data", {})
                if FIGURE_MIME in data or IMAGE_TYPES.keys() & data.keys():
                    n = len(figures) + 1
                    figure, images = _write_figure(n, data, folder)
                    figures.append(figure)
                    shown.append({"figure": n})
                    for lang in LANGUAGES:
                        mime, encoded = images[lang]
                        per_language[lang][c, o] = nbformat.v4.new_output(
                            "display_data",
                            data={mime: encoded, "text/plain": figure[lang]["alt"]},
                        )
                elif "text/plain" in data:
                    if out.output_type == "execute_result":
                        text.append(data["text/plain"] + "\n")
                    shown.append({"plain": data["text/plain"]})
        cells.append({"type": cell.cell_type, "lang": cell.get("metadata", {}).get("lang"),
                      "source": prose(cell), "outputs": shown})
    for lang in LANGUAGES:
        nbformat.write(_notebook_in(nb, lang, per_language[lang]), folder / notebook_file(lang))
    return "".join(text), figures, cells


def _write_figure(n: int, data: dict, folder: Path) -> tuple[dict, dict]:
    """Write figure ``n``'s image(s). Returns ``{"zh": {"file", "alt"}, "en": {...}}``
    and each language's (mime type, base64 data)."""
    both = data.get(FIGURE_MIME)
    if both is None:  # an image shown some other way (IPython.display.Image, ...)
        mime = next(m for m in IMAGE_TYPES if m in data)
        both = {"en": {"mime": mime, "alt": data.get("text/plain", "Figure")}}
        both["zh"] = {**both["en"], "same": True}
        encoded = {"en": data[mime]}
    else:
        encoded = {"en": data[both["en"]["mime"]], "zh": both["zh"].get("data")}
    figure, images = {}, {}
    for lang in ("en", "zh"):
        entry = both[lang]
        if entry.get("same"):
            figure[lang] = {"file": figure["en"]["file"], "alt": entry["alt"]}
            images[lang] = images["en"]
            continue
        suffix = "" if both["zh"].get("same") else f".{lang}"
        file = f"figure-{n}{suffix}.{IMAGE_TYPES[entry['mime']]}"
        (folder / file).write_bytes(base64.b64decode(encoded[lang]))
        figure[lang] = {"file": file, "alt": entry["alt"]}
        images[lang] = (entry["mime"], encoded[lang])
    return {"zh": figure["zh"], "en": figure["en"]}, images


def _notebook_in(nb, lang: str, figures: dict):
    """A copy of ``nb`` with only ``lang``'s cells and ``lang``'s figures."""
    out = copy.copy(nb)
    out.cells = []
    for c, cell in enumerate(nb.cells):
        if not in_language(cell, lang):
            continue
        cell = copy.copy(cell)
        cell.source = prose(cell)
        if "outputs" in cell:
            cell.outputs = [figures.get((c, o), output) for o, output in enumerate(cell.outputs)]
        out.cells.append(cell)
    return out
