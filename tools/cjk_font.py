"""Noto CJK, cut down to the characters a document uses and given TrueType outlines.

Chromium prints Noto CJK (OpenType with CFF outlines, in .ttc collections) into a PDF as
hundreds of nameless Type 3 fonts. A TrueType font it embeds as one subset font with its
name, as it does DejaVu or Liberation. So ``tools/pdf.py`` asks this module for each face it
uses: fontTools (installed with matplotlib) subsets the face to the document's characters
and converts the cubic CFF outlines to quadratic TrueType ones; the result is cached in
``.cache/pdf-fonts/`` by source, face and characters.

Each face comes from Debian's fonts-noto-cjk when it is installed, else from the locked
wheel noto-cjk-sans-otc (the font of the figures), which has Noto Sans CJK SC and its Mono
twin in regular only: serif text is then set in the sans face, and a bold face is left out
(:func:`source` gives None) so that Chromium emboldens the regular one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

NOTO = Path("/usr/share/fonts/opentype/noto")
# face -> (Debian's file, name of the face inside the collection, its name in the wheel)
FACES = {
    "serif": ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "Noto Sans CJK SC"),
    "serif-bold": ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC", None),
    "sans": ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", "Noto Sans CJK SC"),
    "sans-bold": ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", None),
    "mono": ("NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC", "Noto Sans Mono CJK SC"),
}
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "pdf-fonts"


def _bundled() -> Path:
    """The wheel's NotoSansCJK-Regular.ttc; raises, saying how to install it, without it."""
    from audiodl.figure_language import bundled_font_file

    return bundled_font_file()


def source(face: str) -> tuple[Path, str] | None:
    """The collection that has `face` (a key of FACES) and the face's name in it; None for
    a bold face neither Debian's fonts nor the wheel have."""
    file, family, bundled = FACES[face]
    if (NOTO / file).exists():
        return NOTO / file, family
    return (_bundled(), bundled) if bundled else None


def missing() -> str | None:
    """Why the fonts cannot be made here, or None."""
    try:
        import fontTools  # noqa: F401
    except ImportError:
        return "fontTools is not installed (it comes with matplotlib)"
    try:
        _bundled()
    except RuntimeError as exc:
        return str(exc)
    return None


def _face(collection: Path, family: str):
    from fontTools.ttLib import TTCollection

    for font in TTCollection(str(collection), lazy=True):
        if font["name"].getDebugName(1) == family:
            return font
    raise LookupError(f"{family!r} is not in {collection}")


def _to_truetype(font) -> None:
    """Replace the CFF outlines of `font` with TrueType ones (fontTools' otf2ttf recipe)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        width, _ = hmtx[name]
        hmtx[name] = (width, getattr(glyph, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def truetype(face: str, text: str) -> bytes:
    """The face (a key of FACES whose :func:`source` is not None) as a TrueType font
    holding the characters of `text`."""
    collection, family = source(face)
    chars = "".join(sorted(set(text)))
    key = hashlib.sha256(f"{collection}\n{family}\n{chars}".encode()).hexdigest()[:16]
    cached = CACHE / f"{face}-{key}.ttf"
    if cached.exists():
        return cached.read_bytes()
    from fontTools import subset

    font = _face(collection, family)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    _to_truetype(font)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
    font.save(str(tmp))
    tmp.replace(cached)
    return cached.read_bytes()
