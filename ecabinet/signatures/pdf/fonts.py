"""Fonts for resolution PDFs: Liberation Serif 2.x for the page, a 1000-upem copy for fields.

WeasyPrint lays out the page with the installed Liberation Serif 2.x (metric-compatible with
Times New Roman, full Vietnamese coverage). pyHanko, which draws the appearance of the number
and date fields, places glyphs correctly only with fonts of 1000 units per em, so the field
font is a copy rescaled with fontTools (``scale_upem``), hinting removed (hinting programs
refer to the old grid), and renamed: "Liberation" is a Reserved Font Name under the SIL OFL,
so a modified copy must not carry it. The copy is generated on first use into
``DATA_DIR/cache/fonts`` from the machine's own font and never shipped with the project
(docs/decisions/0602-pades.md).

Settings: ``ECABINET_PDF_FONT_DIR`` (directory with LiberationSerif-*.ttf; default the
Debian fonts-liberation2 directory).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Literal

from django.conf import settings
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fontTools.ttLib.scaleUpem import scale_upem  # type: ignore[import-untyped]

from ecabinet.core.errors import DomainError

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/liberation2"
FIELD_UPEM = 1000
FIELD_FAMILY = "EcabinetFieldSerif"

Style = Literal["regular", "bold", "italic", "bolditalic"]

_FILES: dict[str, str] = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bolditalic": "LiberationSerif-BoldItalic.ttf",
}
_SUBFAMILY: dict[str, str] = {
    "regular": "Regular",
    "bold": "Bold",
    "italic": "Italic",
    "bolditalic": "Bold Italic",
}
# Tables that only carry TrueType hinting (instructions, device metrics computed from them).
_HINTING_TABLES = ("fpgm", "prep", "cvt ", "hdmx", "VDMX", "LTSH")
# A Vietnamese letter missing from the old Liberation Serif 1.x: refuse that font early.
_VIETNAMESE_PROBE = "ệỹữ"

_lock = threading.Lock()


class FontUnavailable(DomainError):
    """The serif font for resolutions is missing or lacks Vietnamese letters."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="font_unavailable")


def font_dir() -> Path:
    return Path(getattr(settings, "ECABINET_PDF_FONT_DIR", "") or DEFAULT_FONT_DIR)


def source_font(style: Style = "regular") -> Path:
    """The installed Liberation Serif file for ``style``, checked for Vietnamese letters."""
    path = font_dir() / _FILES[style]
    if not path.is_file():
        raise FontUnavailable(
            f"Không tìm thấy phông chữ {path} (cần Liberation Serif 2.x, gói fonts-liberation2)."
        )
    return path


def _covers_vietnamese(font: TTFont) -> bool:
    cmap = font.getBestCmap() or {}
    return all(ord(ch) in cmap for ch in _VIETNAMESE_PROBE)


def _rename(font: TTFont, style: Style) -> None:
    name = font["name"]
    subfamily = _SUBFAMILY[style]
    postscript = f"{FIELD_FAMILY}-{subfamily.replace(' ', '')}"
    full = f"{FIELD_FAMILY} {subfamily}"
    for record_id, value in (
        (1, FIELD_FAMILY),
        (2, subfamily),
        (3, f"ecabinet: {full} (rescaled from Liberation Serif)"),
        (4, full),
        (6, postscript),
    ):
        name.setName(value, record_id, 3, 1, 0x409)
        name.setName(value, record_id, 1, 0, 0)
    # Typographic family names would still say "Liberation Serif" where present.
    name.removeNames(nameID=16)
    name.removeNames(nameID=17)
    # The trademark notice names the Reserved Font Name; it does not apply to the copy.
    name.removeNames(nameID=7)


def _build_field_font(source: Path, target: Path, style: Style) -> None:
    font = TTFont(str(source))
    if not _covers_vietnamese(font):
        raise FontUnavailable(
            f"Phông chữ {source} thiếu chữ tiếng Việt (cần Liberation Serif 2.x hoặc Tinos)."
        )
    if font["head"].unitsPerEm != FIELD_UPEM:
        scale_upem(font, FIELD_UPEM)
    for tag in _HINTING_TABLES:
        if tag in font:
            del font[tag]
    if "glyf" in font:
        glyf = font["glyf"]
        for glyph_name in glyf.glyphOrder:
            glyf[glyph_name].removeHinting()
    if "maxp" in font and hasattr(font["maxp"], "maxSizeOfInstructions"):
        maxp = font["maxp"]
        maxp.maxSizeOfInstructions = 0
        maxp.maxFunctionDefs = 0
        maxp.maxInstructionDefs = 0
        maxp.maxStackElements = 0
        maxp.maxTwilightPoints = 0
        maxp.maxStorage = 0
    _rename(font, style)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written to a temporary file and renamed: a concurrent reader never sees half a font.
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        font.save(tmp_name)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def field_font(style: Style = "regular") -> Path:
    """Path of the 1000-upem field font for ``style``, generated into the cache on first use.

    The cache file name carries a hash of the source font, so an upgraded system font
    produces a fresh copy.
    """
    source = source_font(style)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    target = Path(settings.DATA_DIR) / "cache" / "fonts" / f"{FIELD_FAMILY}-{style}-{digest}.ttf"
    if target.is_file():
        return target
    with _lock:
        if not target.is_file():
            _build_field_font(source, target, style)
    return target
