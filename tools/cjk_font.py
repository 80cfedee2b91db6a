"""Noto CJK, cut down to the characters a document uses and given TrueType outlines.

Chromium prints Noto CJK (OpenType with CFF outlines, in .ttc collections) into a PDF as
hundreds of nameless Type 3 fonts. A TrueType font it embeds as one subset font with its
name, as it does DejaVu or Liberation. So ``tools/pdf.py`` asks this module for each face it
uses: fontTools (installed with matplotlib) subsets the face to the document's characters
and converts the cubic CFF outlines to quadratic TrueType ones; the result is cached in
``.cache/pdf-fonts/`` by source, face and characters.

Each face comes from Debian's fonts-noto-cjk when it is installed, else from the locked
wheel noto-cjk-sans-otc (the font of the figures), which has Noto Sans CJK SC and its Mono
twin in regular only: serif text is then set in the sans face, and the bold faces are the
regular one emboldened here as FreeType does it (:func:`embolden`). Chromium would embolden
it itself, but prints such synthetic bold as Type 3 glyphs.
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

NOTO = Path("/usr/share/fonts/opentype/noto")
# face -> (Debian's file, name of the face inside the collection, its name in the wheel)
FACES = {
    "serif": ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "Noto Sans CJK SC"),
    "serif-bold": ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC", "Noto Sans CJK SC"),
    "sans": ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", "Noto Sans CJK SC"),
    "sans-bold": ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", "Noto Sans CJK SC"),
    "mono": ("NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC", "Noto Sans Mono CJK SC"),
}
BOLD = 1 / 24  # FreeType's synthetic bold: the strokes grow by 1/24 em
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "pdf-fonts"


def _bundled() -> Path:
    """The wheel's NotoSansCJK-Regular.ttc; raises, saying how to install it, without it."""
    from audiodl.figure_language import bundled_font_file

    return bundled_font_file()


def source(face: str) -> tuple[Path, str, bool]:
    """The collection that has `face` (a key of FACES), the face's name in it, and whether
    it must be emboldened (a bold face taken from the wheel's regular one)."""
    file, family, bundled = FACES[face]
    if (NOTO / file).exists():
        return NOTO / file, family, False
    return _bundled(), bundled, face.endswith("-bold")


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


def embolden(font, strength: int) -> None:
    """Make the TrueType outlines of `font` `strength` font units bolder, as FreeType's
    FT_Outline_EmboldenXY does: each point moves outwards along the bisector of its two
    edges (by half the strength, less at a sharp corner) and up and right by half, and the
    advance grows by the strength."""
    from fontTools.ttLib.tables._g_l_y_f import GlyphCoordinates

    glyf, hmtx = font["glyf"], font["hmtx"]
    half = strength / 2
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if glyph.numberOfContours <= 0:
            continue
        points = [tuple(map(float, p)) for p in glyph.coordinates]
        first = 0
        area = 0.0  # twice the signed area: < 0 when outer contours run clockwise
        for last in glyph.endPtsOfContours:
            ring = points[first:last + 1]
            area += sum(x0 * y1 - x1 * y0
                        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))
            first = last + 1
        sign = -1.0 if area < 0 else 1.0  # TrueType (clockwise) or PostScript direction
        moved = list(points)
        first = 0
        for last in glyph.endPtsOfContours:
            ring = list(range(first, last + 1))
            for n, i in enumerate(ring):
                x, y = points[i]
                prev = next_ = None
                for step in range(1, len(ring)):  # the nearest distinct neighbours
                    px, py = points[ring[n - step]]
                    if prev is None and (px, py) != (x, y):
                        prev = (px, py)
                    nx, ny = points[ring[(n + step) % len(ring)]]
                    if next_ is None and (nx, ny) != (x, y):
                        next_ = (nx, ny)
                if prev is None or next_ is None:
                    continue
                in_x, in_y = x - prev[0], y - prev[1]
                out_x, out_y = next_[0] - x, next_[1] - y
                l_in, l_out = math.hypot(in_x, in_y), math.hypot(out_x, out_y)
                in_x, in_y, out_x, out_y = in_x / l_in, in_y / l_in, out_x / l_out, out_y / l_out
                d = in_x * out_x + in_y * out_y
                shift_x = shift_y = 0.0
                if d > -0.9375:  # not a spike turning back on itself
                    d += 1
                    shift_x, shift_y = in_y + out_y, in_x + out_x
                    if sign < 0:
                        shift_x = -shift_x
                    else:
                        shift_y = -shift_y
                    q = (out_x * in_y - out_y * in_x) * sign
                    limit = min(l_in, l_out)
                    scale = half / d if half * q <= limit * d else limit / q
                    shift_x, shift_y = shift_x * scale, shift_y * scale
                moved[i] = (x + half + shift_x, y + half + shift_y)
            first = last + 1
        glyph.coordinates = GlyphCoordinates([(round(x), round(y)) for x, y in moved])
        glyph.recalcBounds(glyf)
    for name in font.getGlyphOrder():
        width, _ = hmtx[name]
        hmtx[name] = (width + strength, getattr(glyf[name], "xMin", 0))


def truetype(face: str, text: str) -> bytes:
    """The face (a key of FACES) as a TrueType font holding the characters of `text`."""
    collection, family, bold = source(face)
    chars = "".join(sorted(set(text)))
    key = hashlib.sha256(f"{collection}\n{family}\n{bold}\n{chars}".encode()).hexdigest()[:16]
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
    if bold:
        embolden(font, round(BOLD * font["head"].unitsPerEm))
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
    font.save(str(tmp))
    tmp.replace(cached)
    return cached.read_bytes()
