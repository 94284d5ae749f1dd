"""Optical character recognition with Tesseract's Vietnamese model, for scans and photos.

Images are read directly (converted to greyscale PNG first); PDFs are rendered page by page
with Poppler's ``pdftoppm`` at 300 dpi and each page recognised in turn, so at most one page
image is on disk at a time, inside a private directory removed afterwards. ``timeout`` bounds
the whole document.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from pathlib import Path

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader

from ecabinet.documents.content._process import (
    TimedOut,
    private_workdir,
    program_env,
    run_program,
)
from ecabinet.documents.content.extract import (
    MAX_TEXT_CHARS,
    Extraction,
    ExtractionFailed,
    normalize_text,
)
from ecabinet.documents.content.kinds import FileKind

LANGUAGE = "vie"
RENDER_DPI = 300
DEFAULT_TIMEOUT = 1800.0
# Images without a resolution are taken as scans at this density.
ASSUMED_DPI = 300


class OcrFailed(ExtractionFailed):
    """Recognition failed or ran out of time; the document stays viewable."""


def ocr_available() -> bool:
    """Tesseract is on PATH and its Vietnamese model ("vie") is installed."""
    languages = _tesseract_languages()
    return languages is not None and LANGUAGE in languages


def pdf_rendering_available() -> bool:
    """Poppler's pdftoppm is on PATH (needed to recognise scanned PDFs, not images)."""
    return shutil.which("pdftoppm") is not None


def _tesseract_languages() -> frozenset[str] | None:
    program = shutil.which("tesseract")
    if program is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, resolved program path
            [program, "--list-langs"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def ocr_text(data: bytes, kind: FileKind, *, timeout: float = DEFAULT_TIMEOUT) -> Extraction:
    """Recognise the text of an image or a scanned PDF; raise ``OcrFailed``."""
    tesseract = shutil.which("tesseract")
    if tesseract is None or not ocr_available():
        raise OcrFailed(
            _("Máy chủ chưa cài Tesseract với mô hình tiếng Việt nên chưa nhận dạng được chữ."),
            detail="tesseract with 'vie' not found",
        )
    deadline = time.monotonic() + timeout
    with private_workdir("ecabinet-ocr-") as work:
        try:
            if kind.is_image:
                page = work / "page.png"
                dpi = _to_png(data, page)
                pages = [_recognise(tesseract, page, dpi, work, deadline)]
            elif kind is FileKind.PDF:
                pages = _recognise_pdf(tesseract, data, work, deadline)
            else:
                raise ValueError(f"{kind} is not recognised with OCR")
        except TimedOut as exc:
            raise OcrFailed(
                _("Nhận dạng chữ quá %(seconds)s giây nên đã dừng.")
                % {"seconds": number_format(timeout, decimal_pos=None)},
                detail=str(exc),
            ) from exc
    text = "\n\n".join(pages)
    return Extraction(
        text=text,
        pages=tuple(pages),
        method="ocr",
        ocr_needed=False,
        truncated=len(text) >= MAX_TEXT_CHARS,
    )


def _to_png(data: bytes, target: Path) -> int:
    """Greyscale PNG for Tesseract; returns the image's resolution (or the assumed one)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            dpi = image.info.get("dpi", (0, 0))[0]
            image.convert("L").save(target, format="PNG")
    except Exception as exc:
        raise OcrFailed(_("Ảnh bị hỏng nên không nhận dạng được chữ."), detail=str(exc)) from exc
    return int(dpi) if dpi and dpi >= 70 else ASSUMED_DPI


def _recognise_pdf(tesseract: str, data: bytes, work: Path, deadline: float) -> list[str]:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise OcrFailed(
            _("Máy chủ chưa cài Poppler (pdftoppm) nên chưa nhận dạng được chữ trong tệp PDF."),
            detail="pdftoppm not found",
        )
    try:
        count = len(PdfReader(io.BytesIO(data), strict=False).pages)
    except Exception as exc:
        raise OcrFailed(
            _("Tệp PDF bị hỏng nên không nhận dạng được chữ."), detail=str(exc)
        ) from exc
    source = work / "document.pdf"
    source.write_bytes(data)
    pages: list[str] = []
    total = 0
    for number in range(1, count + 1):
        prefix = work / "page"
        args = [pdftoppm, "-f", str(number), "-l", str(number), "-r", str(RENDER_DPI)]
        args += ["-gray", "-png", "-singlefile", str(source), str(prefix)]
        finished = run_program(
            args, cwd=work, timeout=deadline - time.monotonic(), env=program_env(work)
        )
        image = prefix.with_suffix(".png")
        if finished.returncode != 0 or not image.is_file():
            raise OcrFailed(
                _("Không dựng được trang %(number)s của tệp PDF để nhận dạng chữ.")
                % {"number": number},
                detail=finished.stderr.decode("utf-8", "replace")[-500:],
            )
        text = _recognise(tesseract, image, RENDER_DPI, work, deadline)
        image.unlink()
        pages.append(text[: max(MAX_TEXT_CHARS - total, 0)])
        total += len(pages[-1])
    return pages


def _recognise(tesseract: str, image: Path, dpi: int, work: Path, deadline: float) -> str:
    args = [tesseract, str(image), "stdout", "-l", LANGUAGE, "--dpi", str(dpi), "--psm", "3"]
    finished = run_program(
        args, cwd=work, timeout=deadline - time.monotonic(), env=program_env(work)
    )
    if finished.returncode != 0:
        raise OcrFailed(
            _("Tesseract không nhận dạng được chữ trong tệp này."),
            detail=finished.stderr.decode("utf-8", "replace")[-500:],
        )
    return normalize_text(finished.stdout.decode("utf-8", "replace"))
