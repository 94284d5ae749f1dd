"""Test files made in code: PDFs with Vietnamese text, DOCX, images. Nothing binary is committed."""

from __future__ import annotations

import io
from functools import lru_cache
from html import escape


@lru_cache(maxsize=64)
def pdf_bytes(*pages: str) -> bytes:
    """A PDF with one page per argument, each holding that text (WeasyPrint, fonts embedded)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    body = "".join(
        f'<section style="page-break-after: always"><p>{escape(text)}</p></section>'
        for text in pages
    )
    html = f'<html lang="vi"><body style="font-family: Liberation Serif">{body}</body></html>'
    return bytes(HTML(string=html).write_pdf())


def docx_bytes(text: str) -> bytes:
    """A minimal valid Word document whose body is ``text``."""
    from ecabinet.documents.tests.content.builders import docx

    return docx([text])


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
