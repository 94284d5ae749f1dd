"""Check an uploaded file before anything is stored: its real type, size, name and integrity.

The type comes from the content (signatures, and for ZIP containers the entries they hold),
never from the name; a name whose extension disagrees with the content is refused. Each
refusal is a ``RejectedFile`` with a ``code`` and a Vietnamese message saying what was wrong
and what to do.
"""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PasswordType, PdfReader

from ecabinet.core.errors import DomainError
from ecabinet.documents.content import _zip
from ecabinet.documents.content.kinds import FileKind

logger = logging.getLogger(__name__)

MAX_STEM_CHARS = 150
_PIL_FORMATS = {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG"}
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk with its CRC
_CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Characters Windows refuses in names; replaced so a downloaded copy can be saved anywhere.
_RESERVED = frozenset('<>:"|?*')
# The part of each office kind whose XML must parse for the file to be usable.
_MAIN_PART = {
    FileKind.DOCX: "word/document.xml",
    FileKind.XLSX: "xl/workbook.xml",
    FileKind.ODT: "content.xml",
}


class RejectCode(StrEnum):
    """Why an upload was refused (``RejectedFile.code``)."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNKNOWN_TYPE = "unknown_type"
    TYPE_MISMATCH = "type_mismatch"
    NOT_ALLOWED = "not_allowed"
    ENCRYPTED_PDF = "encrypted_pdf"
    ENCRYPTED_OFFICE = "encrypted_office"
    CORRUPT = "corrupt"
    ZIP_BOMB = "zip_bomb"
    IMAGE_TOO_LARGE = "image_too_large"
    BAD_NAME = "bad_name"


class RejectedFile(DomainError):
    """An upload refused before storage; ``detail`` is a technical note for logs only."""

    def __init__(self, code: RejectCode, message: str, *, detail: str = "") -> None:
        super().__init__(message, code=code)
        self.code: RejectCode = code
        self.detail = detail


@dataclass(frozen=True)
class Inspection:
    """What an accepted upload is.

    ``filename`` is the cleaned display name (extension added when the name had none);
    ``page_count`` is known for PDFs (pages) and images (1), None for office files until
    they are converted.
    """

    kind: FileKind
    filename: str
    size: int
    sha256: str
    page_count: int | None


def inspect_upload(
    data: bytes,
    *,
    filename: str,
    allowed: Collection[FileKind],
    max_bytes: int,
    zip_limits: _zip.ZipLimits = _zip.DEFAULT_ZIP_LIMITS,
) -> Inspection:
    """Accept an upload or raise ``RejectedFile``; reads only ``data``, writes nothing."""
    name = clean_filename(filename)
    if not data:
        raise RejectedFile(
            RejectCode.EMPTY,
            _("Tệp “%(name)s” rỗng (0 byte). Hãy chọn đúng tệp tài liệu rồi tải lên lại.")
            % {"name": name},
        )
    if len(data) > max_bytes:
        raise RejectedFile(
            RejectCode.TOO_LARGE,
            _(
                "Tệp “%(name)s” có dung lượng %(size)s, vượt giới hạn %(limit)s. "
                "Hãy giảm dung lượng (nén ảnh, tách thành nhiều tệp) rồi tải lên lại."
            )
            % {"name": name, "size": filesizeformat(len(data)), "limit": filesizeformat(max_bytes)},
        )
    archive: zipfile.ZipFile | None = None
    if data.startswith(b"PK\x03\x04"):
        archive = _open_archive(data, name, zip_limits)
    kind = _detect(data, name, archive, zip_limits)
    name = _check_extension(name, kind)
    if kind not in allowed:
        raise RejectedFile(
            RejectCode.NOT_ALLOWED,
            _(
                "Tệp “%(name)s” là tệp %(kind)s, loại tệp không được phép tải lên ở đây. "
                "Các loại được phép: %(allowed)s."
            )
            % {"name": name, "kind": kind.label, "allowed": _labels(allowed)},
        )
    page_count: int | None = None
    if kind is FileKind.PDF:
        page_count = _check_pdf(data, name)
    elif kind.is_image:
        _check_image(data, kind, name)
        page_count = 1
    elif archive is not None:
        _check_package(archive, kind, name, zip_limits)
    return Inspection(
        kind=kind,
        filename=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=page_count,
    )


def clean_filename(raw: str) -> str:
    """A safe display name: no directory part, no control characters, NFC, bounded length.

    Raise ``RejectedFile`` ("bad_name") when nothing usable is left.
    """
    name = unicodedata.normalize("NFC", raw)
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if ch in _RESERVED else ch for ch in name)
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot or _extension_of(name) is None:
        stem, extension = name, ""
    stem = stem.strip(" .")[:MAX_STEM_CHARS].rstrip(" .")
    if not any(ch.isalnum() for ch in stem):
        raise RejectedFile(
            RejectCode.BAD_NAME,
            _(
                "Tên tệp “%(raw)s” không dùng được: sau khi bỏ phần đường dẫn và ký tự đặc "
                "biệt thì không còn tên. Hãy đổi tên tệp (ví dụ “To-trinh-so-12.pdf”) rồi "
                "tải lên lại."
            )
            % {"raw": raw[:200]},
        )
    return f"{stem}.{extension}" if extension else stem


def _extension_of(name: str) -> str | None:
    """The extension when the name has one that looks like a file type (ASCII, 1-5 chars)."""
    _stem, dot, suffix = name.rpartition(".")
    if not dot or not suffix or len(suffix) > 5:
        return None
    if not (suffix.isascii() and suffix.isalnum() and any(ch.isalpha() for ch in suffix)):
        return None
    return suffix.lower()


def _labels(kinds: Collection[FileKind]) -> str:
    return ", ".join(kind.label for kind in FileKind if kind in kinds) or "—"


def _open_archive(data: bytes, name: str, limits: _zip.ZipLimits) -> zipfile.ZipFile:
    try:
        return _zip.open_package(data, limits)
    except _zip.ZipBomb as exc:
        raise _zip_bomb(name, exc) from exc
    except _zip.BadPackage as exc:
        raise _corrupt(name, exc) from exc


def _detect(
    data: bytes, name: str, archive: zipfile.ZipFile | None, limits: _zip.ZipLimits
) -> FileKind:
    if data.startswith(b"%PDF-"):
        return FileKind.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if archive is not None:
        names = set(archive.namelist())
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return FileKind.DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return FileKind.XLSX
        if "mimetype" in names:
            try:
                mimetype = _zip.CappedReader(archive, limits).read("mimetype", max_bytes=200)
            except _zip.BadPackage as exc:
                raise _corrupt(name, exc) from exc
            except _zip.ZipBomb as exc:
                raise _zip_bomb(name, exc) from exc
            if mimetype.strip() == _ODT_MIMETYPE:
                return FileKind.ODT
    if data.startswith(_CFB_SIGNATURE):
        if _ENCRYPTED_PACKAGE in data:
            raise RejectedFile(
                RejectCode.ENCRYPTED_OFFICE,
                _(
                    "Tệp “%(name)s” là tài liệu Office được đặt mật khẩu nên hệ thống không "
                    "mở được. Hãy mở tệp, gỡ mật khẩu, lưu lại rồi tải lên lại."
                )
                % {"name": name},
            )
        raise RejectedFile(
            RejectCode.UNKNOWN_TYPE,
            _(
                "Tệp “%(name)s” là tài liệu Office định dạng cũ (.doc, .xls, .ppt), không được "
                "nhận. Hãy mở tệp và lưu lại dưới dạng .docx, .xlsx hoặc PDF rồi tải lên lại."
            )
            % {"name": name},
        )
    raise RejectedFile(
        RejectCode.UNKNOWN_TYPE,
        _(
            "Không nhận ra định dạng của tệp “%(name)s” từ nội dung của nó. Hệ thống chỉ nhận "
            "%(known)s; hãy lưu hoặc xuất tài liệu sang một trong các định dạng này rồi tải lên "
            "lại."
        )
        % {"name": name, "known": _labels(list(FileKind))},
    )


def _check_extension(name: str, kind: FileKind) -> str:
    """Refuse a name whose extension names another type; add the extension when missing."""
    extension = _extension_of(name)
    if extension is None:
        return f"{name}.{kind.extension}"
    if extension not in kind.extensions:
        raise RejectedFile(
            RejectCode.TYPE_MISMATCH,
            _(
                "Tên tệp “%(name)s” có đuôi .%(extension)s nhưng nội dung lại là tệp %(kind)s. "
                "Tệp có thể đã bị đổi tên hoặc giả định dạng; hãy kiểm tra lại tệp gốc, hoặc "
                "đặt lại đuôi .%(expected)s nếu đúng là tệp %(kind)s."
            )
            % {
                "name": name,
                "extension": extension,
                "kind": kind.label,
                "expected": kind.extension,
            },
        )
    return name


def _check_pdf(data: bytes, name: str) -> int:
    # Every complete PDF (and each incremental update) ends with %%EOF; a cut-off upload does not.
    if b"%%EOF" not in data[-2048:]:
        raise _corrupt(name, "no %%EOF at the end (truncated)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:
        raise _corrupt(name, exc) from exc
    if reader.is_encrypted:
        # Files with only an owner password (permissions) open with the empty user password:
        # every reader shows them, so they are accepted. A user password is refused.
        try:
            opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
        except Exception as exc:
            logger.info("PDF decryption check failed: %s", exc)
            opened = False
        if not opened:
            raise RejectedFile(
                RejectCode.ENCRYPTED_PDF,
                _(
                    "Tệp PDF “%(name)s” được bảo vệ bằng mật khẩu nên hệ thống không thể mở để "
                    "hiển thị và tìm kiếm. Hãy gỡ mật khẩu (hoặc in lại ra một tệp PDF không "
                    "mật khẩu) rồi tải lên lại."
                )
                % {"name": name},
            )
    try:
        count = len(reader.pages)
        for page in reader.pages:
            box = page.mediabox
            if box.width <= 0 or box.height <= 0:
                raise ValueError("page with an empty media box")
    except Exception as exc:
        raise _corrupt(name, exc) from exc
    if count < 1:
        raise _corrupt(name, "no pages")
    return count


def _check_image(data: bytes, kind: FileKind, name: str) -> None:
    limit = Image.MAX_IMAGE_PIXELS or 89_478_485
    try:
        # Pillow warns between 1x and 2x its limit (an error where warnings are errors) and
        # raises above; the explicit check covers the warning case without touching the
        # process-wide warning filters.
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]]) as image:
            width, height = image.size
            if width * height > limit:
                raise _image_too_large(name, width, height)
            image.load()
        # Decoding alone is not enough: WeasyPrint sets Pillow's process-wide
        # LOAD_TRUNCATED_IMAGES, which pads a cut-off image instead of failing.
        if not _image_complete(data, kind):
            raise ValueError("image data ends before the end of the image")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _image_too_large(name, 0, 0) from exc
    except RejectedFile:
        raise
    except Exception as exc:
        raise _corrupt(name, exc) from exc


def _image_complete(data: bytes, kind: FileKind) -> bool:
    """The file holds the whole image: every PNG chunk to IEND with valid CRCs, or a JPEG
    whose (first) scan is followed by the end-of-image marker."""
    if kind is FileKind.PNG:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()  # reads every chunk to IEND; critical chunks' CRCs always checked
        return _PNG_END in data
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:  # start of scan: entropy-coded data never holds FF D9
            return b"\xff\xd9" in data[position + 2 + length :]
        position += 2 + length
    return False


def _check_package(
    archive: zipfile.ZipFile, kind: FileKind, name: str, limits: _zip.ZipLimits
) -> None:
    """Decompress every entry under the limits (real sizes, CRCs) and parse the main part."""
    reader = _zip.CappedReader(archive, limits)
    try:
        for info in archive.infolist():
            reader.drain(info.filename)
        _zip.parse_xml(reader.chunks(_MAIN_PART[kind]))
    except _zip.ZipBomb as exc:
        raise _zip_bomb(name, exc) from exc
    except _zip.BadPackage as exc:
        raise _corrupt(name, exc) from exc


def _corrupt(name: str, detail: object) -> RejectedFile:
    return RejectedFile(
        RejectCode.CORRUPT,
        _(
            "Tệp “%(name)s” bị hỏng hoặc không đầy đủ nên không đọc được. Hãy mở thử tệp trên "
            "máy của bạn, lưu (hoặc xuất) lại rồi tải lên lại."
        )
        % {"name": name},
        detail=str(detail),
    )


def _zip_bomb(name: str, detail: object) -> RejectedFile:
    return RejectedFile(
        RejectCode.ZIP_BOMB,
        _(
            "Tệp “%(name)s” khi giải nén sẽ lớn bất thường, vượt giới hạn an toàn, nên bị từ "
            "chối. Hãy lưu lại tài liệu bằng phần mềm soạn thảo rồi tải lên lại; nếu tài liệu "
            "thật sự rất lớn, hãy tách thành nhiều tệp."
        )
        % {"name": name},
        detail=str(detail),
    )


def _image_too_large(name: str, width: int, height: int) -> RejectedFile:
    return RejectedFile(
        RejectCode.IMAGE_TOO_LARGE,
        _(
            "Ảnh “%(name)s” có quá nhiều điểm ảnh, vượt giới hạn an toàn khi giải nén. Hãy "
            "giảm độ phân giải của ảnh (ví dụ quét ở 300 dpi) rồi tải lên lại."
        )
        % {"name": name},
        detail=f"{width}x{height}",
    )
