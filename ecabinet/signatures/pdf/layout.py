"""Resolutions and decisions as PDFs in the Decree 30/2020/NĐ-CP layout.

The PDF leaves room for what is only known later, as form fields that exist before anyone
signs (docs/decisions/0602-pades.md):

- ``DocNumber``: text field for the number in "Số: ____/NQ-CP";
- ``DocDate``: text field for the place-and-date line (italic);
- ``SignerSignature``: empty signature field between the signer's title and name, locked so
  that signing it freezes every field except the three the records office fills later;
- ``OrgSignature``: empty signature field for the agency's seal, overlapping the left third
  of the signer's field, created after it so the seal draws on top; locked so that sealing
  freezes the whole document (DocMDP "no changes").
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields as sig_fields
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from ecabinet.core.dates import format_decree_date

from .fonts import source_font

NUMBER_FIELD = "DocNumber"
DATE_FIELD = "DocDate"
SIGNER_FIELD = "SignerSignature"
ORG_FIELD = "OrgSignature"
# Fields the office still fills after the signer has signed.
FIELDS_LEFT_OPEN = (NUMBER_FIELD, DATE_FIELD, ORG_FIELD)

# Decree 30, Appendix I: A4; top/bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
FONT_SIZE_PT = 14
NUMBER_WIDTH_MM = 11
# Text fields hang this far below the baseline, so descenders stay inside their box.
FIELD_DROP_PT = 4
# The signer's image box and the seal (real size of the demo seal, see images.seal_png).
SIGNER_BOX_MM = (60.0, 28.0)
SEAL_DIAMETER_MM = 36.0

_PT_PER_MM = 72 / 25.4
_PT_PER_CSS_PX = 0.75
_SIGNER_ANCHOR = "signer-signature-box"


@dataclass(frozen=True)
class Section:
    """A part of the body: an optional heading ("Điều 1. ...") and its paragraphs."""

    paragraphs: Sequence[str]
    heading: str = ""


@dataclass(frozen=True)
class Decree30Document:
    """Everything printed on a resolution except its number, date and signatures."""

    body_name: str  # "CHÍNH PHỦ"
    notation: str  # "NQ-CP"
    type_name: str  # "NGHỊ QUYẾT"
    summary: str  # trích yếu
    place: str  # "Hà Nội"
    sections: Sequence[Section]
    signer_title: str  # "THỦ TƯỚNG"
    signer_name: str
    signer_authority: str = ""  # "TM. CHÍNH PHỦ"
    parent: str = ""  # parent body, printed above the body name
    recipients: Sequence[str] = field(default_factory=tuple)
    # Before the sections, for documents that have them (a resolution): the enacting body's
    # name ("CHÍNH PHỦ"), the legal bases in italic (Decree 30, Appendix I), and the
    # enacting words ("QUYẾT NGHỊ:").
    enacting_body: str = ""
    preamble: Sequence[str] = field(default_factory=tuple)
    enacting_formula: str = ""


@dataclass(frozen=True)
class FieldBox:
    """A field's rectangle in PDF points (origin bottom-left) on page ``page`` (0-based)."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))


def decree_date_line(place: str, value: date | datetime) -> str:
    """The text of the date field: ``Hà Nội, ngày 05 tháng 01 năm 2026``."""
    return f"{place}, {format_decree_date(value, 'vi')}"


def _font_faces() -> list[dict[str, str]]:
    faces = []
    for style, weight, slant in (
        ("regular", "normal", "normal"),
        ("bold", "bold", "normal"),
        ("italic", "normal", "italic"),
        ("bolditalic", "bold", "italic"),
    ):
        path = source_font(style)  # type: ignore[arg-type]
        faces.append({"url": path.as_uri(), "weight": weight, "style": slant})
    return faces


def render_html(doc: Decree30Document) -> str:
    context: dict[str, Any] = {
        "doc": doc,
        "font_faces": _font_faces(),
        "margins": MARGINS_MM,
        "font_size": FONT_SIZE_PT,
        "number_width_mm": NUMBER_WIDTH_MM,
        "field_drop_pt": FIELD_DROP_PT,
        "signer_box": {"width": SIGNER_BOX_MM[0], "height": SIGNER_BOX_MM[1]},
        "signer_anchor": _SIGNER_ANCHOR,
        "fields": {"number": NUMBER_FIELD, "date": DATE_FIELD},
    }
    return render_to_string("signatures/pdf/decree30.html", context)


def _signer_box(document: Any) -> FieldBox:
    for index, page in enumerate(document.pages):
        if _SIGNER_ANCHOR in page.anchors:
            # CSS pixels from the top-left corner; PDF points from the bottom-left.
            left, top, right, bottom = page.anchors[_SIGNER_ANCHOR]
            page_height = page.height * _PT_PER_CSS_PX
            return FieldBox(
                index,
                left * _PT_PER_CSS_PX,
                page_height - bottom * _PT_PER_CSS_PX,
                right * _PT_PER_CSS_PX,
                page_height - top * _PT_PER_CSS_PX,
            )
    raise RuntimeError("the template lost the signer's signature box")


def seal_box(signer: FieldBox) -> FieldBox:
    """The seal: real size, vertically centred on the signer's box, covering its left third."""
    size = SEAL_DIAMETER_MM * _PT_PER_MM
    right = signer.x1 + (signer.x2 - signer.x1) / 3
    middle = (signer.y1 + signer.y2) / 2
    return FieldBox(signer.page, right - size, middle - size / 2, right, middle + size / 2)


def render_decree30_pdf(doc: Decree30Document) -> bytes:
    """The unsigned PDF: page content, the number/date text fields and both signature fields."""
    font_config = FontConfiguration()
    # pdf_forms applies at style time (the form-field UA stylesheet), so render() needs it.
    document = HTML(string=render_html(doc)).render(font_config=font_config, pdf_forms=True)
    signer = _signer_box(document)
    seal = seal_box(signer)
    pdf = document.write_pdf(pdf_forms=True, uncompressed_pdf=False)
    assert isinstance(pdf, bytes)

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.document_meta.title = f"{doc.type_name} {doc.summary}"
    sig_fields.append_signature_field(
        writer,
        sig_fields.SigFieldSpec(
            sig_field_name=SIGNER_FIELD,
            on_page=signer.page,
            box=signer.as_tuple(),
            readable_field_name=f"Chữ ký {doc.signer_title.lower()} {doc.signer_name}",
            field_mdp_spec=sig_fields.FieldMDPSpec(
                sig_fields.FieldMDPAction.EXCLUDE, list(FIELDS_LEFT_OPEN)
            ),
        ),
    )
    sig_fields.append_signature_field(
        writer,
        sig_fields.SigFieldSpec(
            sig_field_name=ORG_FIELD,
            on_page=seal.page,
            box=seal.as_tuple(),
            readable_field_name=f"Chữ ký số của {doc.body_name}",
            field_mdp_spec=sig_fields.FieldMDPSpec(sig_fields.FieldMDPAction.ALL),
            doc_mdp_update_value=sig_fields.MDPPerm.NO_CHANGES,
        ),
    )
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
