"""Noto CJK, cut down to the characters a document uses and given TrueType outlines.

Chromium prints the Noto CJK fonts Debian installs (OpenType with CFF outlines, in .ttc
collections) into a PDF as hundreds of nameless Type 3 fonts. A TrueType font it embeds as
one subset font with its name, as it does DejaVu or Liberation. So ``tools/pdf.py`` asks
this module for each face it uses: fontTools (installed with matplotlib) subsets the face
to the document's characters and converts the cubic CFF outlines to quadratic TrueType
ones; the result is cached in ``.cache/pdf-fonts/`` by face and characters.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

NOTO = Path("/usr/share/fonts/opentype/noto")
# face -> (file, name of the face inside the collection)
FACES = {
    "serif": ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    "serif-bold": ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
    "sans": ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    "sans-bold": ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
    "mono": ("NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"),
}
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "pdf-fonts"


def missing() -> str | None:
    """Why the fonts cannot be made here, or None."""
    absent = sorted({f for f, _ in FACES.values() if not (NOTO / f).exists()})
    if absent:
        return f"no {', '.join(absent)} in {NOTO}: apt-get install fonts-noto-cjk"
    try:
        import fontTools  # noqa: F401
    except ImportError:
        return "fontTools is not installed (it comes with matplotlib)"
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
    """The face (a key of FACES) as a TrueType font holding the characters of `text`."""
    chars = "".join(sorted(set(text)))
    key = hashlib.sha256(f"{face}\n{chars}".encode()).hexdigest()[:16]
    cached = CACHE / f"{face}-{key}.ttf"
    if cached.exists():
        return cached.read_bytes()
    from fontTools import subset

    file, family = FACES[face]
    font = _face(NOTO / file, family)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    _to_truetype(font)
    CACHE.mkdir(parents=True, exist_ok=True)
    font.save(str(cached))
    return cached.read_bytes()
