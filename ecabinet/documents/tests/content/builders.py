"""Test files made in code: office documents with minimal valid XML, PDFs, rendered images."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from PIL import Image, ImageDraw, ImageFont

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def zip_bytes(entries: list[tuple[str, bytes | str]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(entries):
            raw = content.encode("utf-8") if isinstance(content, str) else content
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), raw, method)
    return buffer.getvalue()


def _w_paragraphs(paragraphs: list[str]) -> str:
    return "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
        for text in paragraphs
    )


def docx(
    paragraphs: list[str],
    *,
    header: str | None = None,
    extra: list[tuple[str, bytes | str]] | None = None,
    body_xml: str | None = None,
) -> bytes:
    """A minimal Word document; ``header`` adds a page header part."""
    overrides = (
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    )
    doc_rels = ""
    sect = ""
    entries: list[tuple[str, bytes | str]] = []
    if header is not None:
        overrides += (
            '<Override PartName="/word/header1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
        )
        doc_rels = f'<Relationship Id="rIdH1" Type="{REL_TYPE}/header" Target="header1.xml"/>'
        sect = '<w:sectPr><w:headerReference w:type="default" r:id="rIdH1"/></w:sectPr>'
        entries.append(
            (
                "word/header1.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:hdr xmlns:w="{W_NS}">{_w_paragraphs([header])}</w:hdr>',
            )
        )
    body = body_xml if body_xml is not None else _w_paragraphs(paragraphs)
    entries = [
        (
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{CT_NS}">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{overrides}</Types>",
        ),
        (
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{REL_TYPE}/officeDocument" Target="word/document.xml"/></Relationships>',
        ),
        (
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}{sect}'
            "</w:body></w:document>",
        ),
        (
            "word/_rels/document.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{PKG_REL}">{doc_rels}</Relationships>',
        ),
        *entries,
        *(extra or []),
    ]
    return zip_bytes(entries)


def xlsx(sheets: dict[str, list[list[str | int]]]) -> bytes:
    """A minimal workbook: strings go to the shared strings table, numbers stay inline."""
    shared: list[str] = []
    sheet_parts: list[tuple[str, str]] = []
    for index, rows in enumerate(sheets.values(), start=1):
        xml_rows = []
        for row_number, row in enumerate(rows, start=1):
            cells = []
            for column, value in enumerate(row):
                ref = f"{chr(ord('A') + column)}{row_number}"
                if isinstance(value, int):
                    cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                else:
                    shared.append(value)
                    cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
            xml_rows.append(f'<row r="{row_number}">{"".join(cells)}</row>')
        sheet_parts.append(
            (
                f"xl/worksheets/sheet{index}.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<worksheet xmlns="{S_NS}"><sheetData>{"".join(xml_rows)}</sheetData>'
                "</worksheet>",
            )
        )
    sheet_list = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_TYPE}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    rels += f'<Relationship Id="rIdS" Type="{REL_TYPE}/sharedStrings" Target="sharedStrings.xml"/>'
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    strings = "".join(f"<si><t>{escape(text)}</t></si>" for text in shared)
    return zip_bytes(
        [
            (
                "[Content_Types].xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{CT_NS}">'
                '<Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                f"{overrides}</Types>",
            ),
            (
                "_rels/.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                f'Type="{REL_TYPE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            ),
            (
                "xl/workbook.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<workbook xmlns="{S_NS}" xmlns:r="{R_NS}"><sheets>{sheet_list}</sheets>'
                "</workbook>",
            ),
            (
                "xl/_rels/workbook.xml.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Relationships xmlns="{PKG_REL}">{rels}</Relationships>',
            ),
            (
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<sst xmlns="{S_NS}" count="{len(shared)}" uniqueCount="{len(shared)}">'
                f"{strings}</sst>",
            ),
            *sheet_parts,
        ]
    )


ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
ODF_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


def odt(
    paragraphs: list[str],
    *,
    heading: str | None = None,
    header: str | None = None,
    mimetype: str = "application/vnd.oasis.opendocument.text",
) -> bytes:
    """A minimal OpenDocument text; ``header`` goes into the master page's header."""
    body = f'<text:h text:outline-level="1">{escape(heading)}</text:h>' if heading else ""
    body += "".join(f"<text:p>{escape(text)}</text:p>" for text in paragraphs)
    ns = f'xmlns:office="{ODF_OFFICE}" xmlns:text="{ODF_TEXT}" xmlns:style="{ODF_STYLE}"'
    entries: list[tuple[str, bytes | str]] = [
        ("mimetype", mimetype),
        (
            "META-INF/manifest.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            f'xmlns:manifest="{ODF_MANIFEST}" manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        ),
        (
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
            f'office:version="1.2"><office:body><office:text>{body}</office:text>'
            "</office:body></office:document-content>",
        ),
    ]
    header_xml = f"<style:header><text:p>{escape(header)}</text:p></style:header>" if header else ""
    entries.append(
        (
            "styles.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ns} '
            f'office:version="1.2"><office:master-styles><style:master-page '
            f'style:name="Standard">{header_xml}</style:master-page></office:master-styles>'
            "</office:document-styles>",
        )
    )
    return zip_bytes(entries, stored_first=True)


def pdf_text(pages: list[str]) -> bytes:
    """A PDF with a text layer, one page per item (WeasyPrint, Liberation/DejaVu fonts)."""
    from weasyprint import HTML

    html = "".join(
        f'<section style="page-break-after: always">'
        f"{''.join(f'<p>{escape(line)}</p>' for line in page.split(chr(10)))}</section>"
        for page in pages
    )
    document = (
        "<html><head><style>@page { size: A4; margin: 2cm } "
        "body { font-family: 'Liberation Serif', 'DejaVu Serif', serif; font-size: 14pt }"
        f"</style></head><body>{html}</body></html>"
    )
    result = HTML(string=document).write_pdf()
    assert isinstance(result, bytes)
    return result


def font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    pytest.skip(
        "SKIPPED LOUDLY: no TrueType font with Vietnamese letters (install fonts-liberation2 "
        "or fonts-dejavu-core) to render OCR test images"
    )


def text_image(lines: list[str], *, width: int = 2000, font_size: int = 48) -> Image.Image:
    """Black text on white, large enough for Tesseract (≈ 300 dpi body text)."""
    font = ImageFont.truetype(str(font_path()), font_size)
    line_height = int(font_size * 1.6)
    image = Image.new("L", (width, line_height * len(lines) + 200), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((100, 100 + index * line_height), line, font=font, fill=0)
    return image


def image_bytes(image: Image.Image, pil_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=pil_format, **options)
    return buffer.getvalue()


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """An image-only PDF (no text layer), like the output of a scanner, at 300 dpi."""
    images = [text_image(lines).convert("RGB") for lines in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=300.0)
    return buffer.getvalue()
