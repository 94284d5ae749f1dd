"""Text of an accepted file for search and the classification gate.

PDF: the text layer, page by page (pypdf). DOCX, XLSX, ODT: their XML parts, streamed under
the zip-bomb limits with entity declarations refused. Images have no text layer: the result
asks for OCR. All text is returned in NFC with control characters removed.
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pypdf import PasswordType, PdfReader

from ecabinet.documents.content import _zip
from ecabinet.documents.content.kinds import FileKind

# Text beyond this many characters is dropped (the search index needs no more).
MAX_TEXT_CHARS = 5_000_000
# A PDF page with fewer letters than this has no usable text layer (a scan, or a stamp only).
MIN_PAGE_LETTERS = 25

_W = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
_S = frozenset(
    {
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main",
    }
)
_R = frozenset(
    {
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
    }
)
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_DOCX_EXTRA = re.compile(r"word/(header|footer|footnotes|endnotes)(\d*)\.xml")


class ExtractionFailed(Exception):
    """The file's text could not be read; the document stays viewable without text search."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Extraction:
    """Text of a file: ``pages`` per page when pages are known (PDF, OCR), else one item."""

    text: str
    pages: tuple[str, ...]
    method: str
    ocr_needed: bool
    truncated: bool = False


def extract_text(
    data: bytes, kind: FileKind, *, zip_limits: _zip.ZipLimits = _zip.DEFAULT_ZIP_LIMITS
) -> Extraction:
    """Extract the text of an accepted file; raise ``ExtractionFailed`` when it cannot."""
    if kind is FileKind.PDF:
        return _pdf(data)
    if kind.is_image:
        return Extraction(text="", pages=("",), method="image", ocr_needed=True)
    try:
        archive = _zip.open_package(data, zip_limits)
        reader = _zip.CappedReader(archive, zip_limits)
        sink = _Sink()
        try:
            if kind is FileKind.DOCX:
                _docx(archive, reader, sink)
            elif kind is FileKind.XLSX:
                _xlsx(archive, reader, sink)
            else:
                _odt(archive, reader, sink)
        except _Full:
            pass
    except (_zip.BadPackage, _zip.ZipBomb, ValueError) as exc:
        raise _failed(exc) from exc
    text = normalize_text(sink.value())
    return Extraction(
        text=text, pages=(text,), method=str(kind), ocr_needed=False, truncated=sink.full
    )


def normalize_text(text: str) -> str:
    """NFC, Unix newlines, no control or format characters, no trailing spaces, ≤ 2 blank lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\f", "\n").replace("\v", "\n")
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _failed(exc: object) -> ExtractionFailed:
    return ExtractionFailed(
        _("Không đọc được nội dung chữ của tệp; tài liệu vẫn xem được nhưng không tìm kiếm được."),
        detail=str(exc),
    )


def _pdf(data: bytes) -> Extraction:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise ExtractionFailed(
                _("Tệp PDF có mật khẩu nên không đọc được nội dung chữ."), detail="encrypted"
            )
        pages: list[str] = []
        failures = 0
        total = 0
        truncated = False
        for page in reader.pages:
            try:
                raw = page.extract_text()
            except Exception:
                failures += 1
                raw = ""
            text = normalize_text(raw)
            if total + len(text) > MAX_TEXT_CHARS:
                text = text[: max(MAX_TEXT_CHARS - total, 0)]
                truncated = True
            total += len(text)
            pages.append(text)
    except ExtractionFailed:
        raise
    except Exception as exc:
        raise _failed(exc) from exc
    if not pages or failures == len(pages):
        raise _failed("no page could be read")
    bare = sum(1 for page in pages if letter_count(page) < MIN_PAGE_LETTERS)
    return Extraction(
        text="\n\n".join(pages),
        pages=tuple(pages),
        method="pdf-text",
        ocr_needed=bare * 2 >= len(pages),
        truncated=truncated,
    )


class _Full(Exception):
    """The text reached MAX_TEXT_CHARS: stop parsing."""


class _Sink:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.full = False

    def add(self, text: str) -> None:
        if self.size + len(text) > MAX_TEXT_CHARS:
            self.parts.append(text[: MAX_TEXT_CHARS - self.size])
            self.full = True
            raise _Full
        self.parts.append(text)
        self.size += len(text)

    def value(self) -> str:
        return "".join(self.parts)


def _split(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, _sep, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _docx(archive: zipfile.ZipFile, reader: _zip.CappedReader, sink: _Sink) -> None:
    """Headers, body, foot- and endnotes, footers: the text of ``w:t`` runs, paragraph by line."""
    extra: dict[str, list[tuple[int, str]]] = {}
    for name in archive.namelist():
        match = _DOCX_EXTRA.fullmatch(name)
        if match:
            extra.setdefault(match[1], []).append((int(match[2] or 0), name))
    order = [name for _n, name in sorted(extra.get("header", []))]
    order.append("word/document.xml")
    for group in ("footnotes", "endnotes", "footer"):
        order += [name for _n, name in sorted(extra.get(group, []))]
    for name in order:
        _docx_part(reader.chunks(name), sink)
        sink.add("\n")


def _docx_part(chunks: Iterator[bytes], sink: _Sink) -> None:
    state = {"t": 0, "run": 0, "skip": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        if name == _MC_FALLBACK:
            state["skip"] += 1
            return
        namespace, local = _split(name)
        if namespace not in _W or state["skip"]:
            return
        if local == "t":
            state["t"] += 1
        elif local == "r":
            state["run"] += 1
        elif state["run"] and local == "tab":
            sink.add("\t")
        elif state["run"] and local in ("br", "cr"):
            sink.add("\n")
        elif state["run"] and local == "noBreakHyphen":
            sink.add("-")

    def end(name: str) -> None:
        if name == _MC_FALLBACK:
            state["skip"] -= 1
            return
        namespace, local = _split(name)
        if namespace not in _W or state["skip"]:
            return
        if local == "t":
            state["t"] -= 1
        elif local == "r":
            state["run"] -= 1
        elif local == "p":
            sink.add("\n")

    def text(data: str) -> None:
        if state["t"] and not state["skip"]:
            sink.add(data)

    _zip.parse_xml(chunks, start=start, end=end, text=text)


def _odt(archive: zipfile.ZipFile, reader: _zip.CappedReader, sink: _Sink) -> None:
    """Headers and footers of the page styles, then the body; paragraph and heading by line."""
    if "styles.xml" in archive.namelist():
        _odt_part(reader.chunks("styles.xml"), sink, scope=f"{{{_STYLE}}}master-page")
        sink.add("\n")
    _odt_part(reader.chunks("content.xml"), sink, scope=f"{{{_OFFICE}}}body")


def _odt_part(chunks: Iterator[bytes], sink: _Sink, *, scope: str) -> None:
    skipped = {
        f"{{{_OFFICE}}}annotation",
        f"{{{_TEXT}}}tracked-changes",
        f"{{{_TEXT}}}note-citation",
    }
    paragraphs = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
    state = {"scope": 0, "para": 0, "skip": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == scope:
            state["scope"] += 1
        if not state["scope"]:
            return
        if name in skipped:
            state["skip"] += 1
        elif state["skip"]:
            return
        elif name in paragraphs:
            state["para"] += 1
        elif name == f"{{{_TEXT}}}s":
            count = attrs.get(f"{{{_TEXT}}}c", "1")
            sink.add(" " * min(int(count) if count.isdigit() else 1, 100))
        elif name == f"{{{_TEXT}}}tab":
            sink.add("\t")
        elif name == f"{{{_TEXT}}}line-break":
            sink.add("\n")

    def end(name: str) -> None:
        if not state["scope"]:
            return
        if name in skipped:
            state["skip"] -= 1
        elif not state["skip"] and name in paragraphs:
            state["para"] -= 1
            sink.add("\n")
        if name == scope:
            state["scope"] -= 1

    def text(data: str) -> None:
        if state["scope"] and state["para"] and not state["skip"]:
            sink.add(data)

    _zip.parse_xml(chunks, start=start, end=end, text=text)


def _xlsx(archive: zipfile.ZipFile, reader: _zip.CappedReader, sink: _Sink) -> None:
    """Each sheet (workbook order): its name, then one line per row, cells separated by tabs."""
    names = set(archive.namelist())
    targets = (
        _relationships(reader, "xl/_rels/workbook.xml.rels", base="xl")
        if ("xl/_rels/workbook.xml.rels" in names)
        else {}
    )
    shared_path = next(
        (path for path, kind in targets.values() if kind == "sharedStrings"),
        "xl/sharedStrings.xml",
    )
    shared = _shared_strings(reader.chunks(shared_path)) if shared_path in names else _Shared()
    sheets = _sheet_list(reader, targets)
    if not sheets:
        sheets = [("", name) for name in sorted(names) if name.startswith("xl/worksheets/")]
    for title, path in sheets:
        if path not in names:
            raise _zip.BadPackage(f"missing sheet {path!r}")
        if title:
            sink.add(title + "\n")
        _sheet(reader.chunks(path), shared, sink)
        sink.add("\n")


def _relationships(
    reader: _zip.CappedReader, path: str, *, base: str
) -> dict[str, tuple[str, str]]:
    """Relationship id → (package path of the target, last segment of the type)."""
    found: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name != f"{{{_PKG_REL}}}Relationship" or attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "")
        if target.startswith("/"):
            resolved = posixpath.normpath(target.lstrip("/"))
        else:
            resolved = posixpath.normpath(posixpath.join(base, target))
        found[attrs.get("Id", "")] = (resolved, attrs.get("Type", "").rsplit("/", 1)[-1])

    _zip.parse_xml(reader.chunks(path), start=start)
    return found


def _sheet_list(
    reader: _zip.CappedReader, targets: dict[str, tuple[str, str]]
) -> list[tuple[str, str]]:
    sheets: list[tuple[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, local = _split(name)
        if namespace not in _S or local != "sheet":
            return
        rel = next((value for key, value in attrs.items() if _split(key) in _R_ID), "")
        if rel in targets:
            sheets.append((attrs.get("name", ""), targets[rel][0]))

    _zip.parse_xml(reader.chunks("xl/workbook.xml"), start=start)
    return sheets


_R_ID = frozenset((namespace, "id") for namespace in _R)


class _Shared(list[str]):
    """The shared strings table; ``complete`` is False when it was cut at MAX_TEXT_CHARS."""

    complete = True


def _shared_strings(chunks: Iterator[bytes]) -> _Shared:
    strings = _Shared()
    current: list[str] = []
    state = {"t": 0, "phonetic": 0}
    size = 0

    def start(name: str, _attrs: dict[str, str]) -> None:
        namespace, local = _split(name)
        if namespace not in _S:
            return
        if local == "si":
            current.clear()
        elif local == "t":
            state["t"] += 1
        elif local == "rPh":
            state["phonetic"] += 1

    def end(name: str) -> None:
        nonlocal size
        namespace, local = _split(name)
        if namespace not in _S:
            return
        if local == "si":
            value = "".join(current)
            size += len(value)
            if size > MAX_TEXT_CHARS:
                raise _Full
            strings.append(value)
        elif local == "t":
            state["t"] -= 1
        elif local == "rPh":
            state["phonetic"] -= 1

    def text(data: str) -> None:
        if state["t"] and not state["phonetic"]:
            current.append(data)

    try:
        _zip.parse_xml(chunks, start=start, end=end, text=text)
    except _Full:
        strings.complete = False
    return strings


def _sheet(chunks: Iterator[bytes], shared: _Shared, sink: _Sink) -> None:
    row: list[str] = []
    cell: dict[str, str] = {}
    value: list[str] = []
    state = {"v": 0, "inline": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, local = _split(name)
        if namespace not in _S:
            return
        if local == "row":
            row.clear()
        elif local == "c":
            cell.clear()
            cell["t"] = attrs.get("t", "n")
            value.clear()
        elif local == "v":
            state["v"] += 1
        elif local == "is":
            state["inline"] += 1
        elif local == "t" and state["inline"]:
            state["v"] += 1

    def end(name: str) -> None:
        namespace, local = _split(name)
        if namespace not in _S:
            return
        if local == "c":
            row.append(_cell_text(cell.get("t", "n"), "".join(value), shared))
        elif local == "v" or (local == "t" and state["inline"]):
            state["v"] -= 1
        elif local == "is":
            state["inline"] -= 1
        elif local == "row":
            line = "\t".join(row).strip()
            if line:
                sink.add(line + "\n")

    def text(data: str) -> None:
        if state["v"]:
            value.append(data)

    _zip.parse_xml(chunks, start=start, end=end, text=text)


def _cell_text(cell_type: str, raw: str, shared: _Shared) -> str:
    if cell_type == "s":
        try:
            return shared[int(raw)]
        except (ValueError, IndexError) as exc:
            if not shared.complete:
                return ""
            raise _zip.BadPackage(f"shared string {raw!r} out of range") from exc
    if cell_type == "b":
        return "TRUE" if raw.strip() == "1" else "FALSE"
    return raw
