"""DOCX, XLSX and ODT to PDF with LibreOffice in headless mode, for viewing in the browser.

Each conversion runs in its own private directory (mode 0700) with its own LibreOffice user
profile, so conversions never share state and leave nothing behind. The profile blocks macros
and links to resources outside the document. A conversion past its time is killed.
"""

from __future__ import annotations

import io
import shutil

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from pypdf import PdfReader

from ecabinet.documents.content._process import (
    TimedOut,
    private_workdir,
    program_env,
    run_program,
)
from ecabinet.documents.content.kinds import OFFICE_KINDS, FileKind

DEFAULT_TIMEOUT = 120.0

# Settings written into the fresh profile before LibreOffice starts: the highest macro
# security with macros disabled, and no loading of images or data linked from the document
# (which would let a document make the server fetch addresses of its choosing).
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">\
<prop oor:name="UseLocking" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class ConversionFailed(Exception):
    """The file could not be converted; the original stays downloadable."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def conversion_available() -> bool:
    """LibreOffice is installed (``soffice`` or ``libreoffice`` on PATH)."""
    return soffice_path() is not None


def convert_to_pdf(data: bytes, kind: FileKind, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The PDF rendering of an office file; raise ``ConversionFailed`` (also on timeout)."""
    if kind not in OFFICE_KINDS:
        raise ValueError(f"{kind} is not converted to PDF")
    program = soffice_path()
    if program is None:
        raise ConversionFailed(
            _("Máy chủ chưa cài LibreOffice nên chưa chuyển được tài liệu sang PDF để xem."),
            detail="soffice not found",
        )
    with private_workdir("ecabinet-convert-") as work:
        source = work / f"document.{kind.extension}"
        source.write_bytes(data)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            _PROFILE_SETTINGS, encoding="utf-8"
        )
        outdir = work / "out"
        outdir.mkdir()
        args = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        try:
            finished = run_program(args, cwd=work, timeout=timeout, env=program_env(work))
        except TimedOut as exc:
            raise ConversionFailed(
                _("Chuyển tài liệu sang PDF quá %(seconds)s giây nên đã dừng.")
                % {"seconds": number_format(timeout, decimal_pos=None)},
                detail=str(exc),
            ) from exc
        result = outdir / "document.pdf"
        if finished.returncode != 0 or not result.is_file():
            raise ConversionFailed(
                _("LibreOffice không chuyển được tài liệu này sang PDF."),
                detail=_tail(finished.stderr or finished.stdout),
            )
        pdf = result.read_bytes()
    _check_pdf(pdf)
    return pdf


def _check_pdf(pdf: bytes) -> None:
    try:
        if not pdf.startswith(b"%PDF-"):
            raise ValueError("no PDF header")
        if len(PdfReader(io.BytesIO(pdf), strict=False).pages) < 1:
            raise ValueError("no pages")
    except Exception as exc:
        raise ConversionFailed(
            _("LibreOffice không chuyển được tài liệu này sang PDF."), detail=str(exc)
        ) from exc


def _tail(output: bytes) -> str:
    return output.decode("utf-8", "replace")[-500:]
