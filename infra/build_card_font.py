"""Rebuild layers/zhtj/cards/fonts/NotoSansSC-Regular.ttf (see its README) from the Noto Sans SC
OpenType (CFF) file: keep the characters GBK encodes, convert the cubic CFF outlines to
quadratic TrueType glyf outlines. Run by hand, not by the build:

    pip download --no-deps pylopdf-fonts-zh-cn==0.1.1 && unzip the wheel
    python -m infra.build_card_font <NotoSansSC-Regular.otf> layers/zhtj/cards/fonts/NotoSansSC-Regular.ttf
"""

from __future__ import annotations

import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2460, 0x24FF), (0x25A0, 0x25FF),
          (0x3000, 0x303F), (0xFF00, 0xFFEF)]  # fmt: skip


def characters() -> set[int]:
    chosen = {cp for low, high in RANGES for cp in range(low, high + 1)}
    for cp in range(0x4E00, 0xA000):
        try:
            chr(cp).encode("gbk")
        except UnicodeEncodeError:
            continue
        chosen.add(cp)
    return chosen


def build(source: str, target: str) -> None:
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = {}
    for name in font.getGlyphOrder():
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    del font["CFF "]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attribute in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                      "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):  # fmt: skip
        setattr(maxp, attribute, 0)
    maxp.maxZones = 1
    font["post"].formatType = 3.0  # no glyph names: smaller, and PDF text maps by ToUnicode
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(target)


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2])
