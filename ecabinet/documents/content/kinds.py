"""The file types a dossier accepts, with their MIME types and file name extensions."""

from __future__ import annotations

from enum import StrEnum


class FileKind(StrEnum):
    """A document file type, as recognised from the file's content (never from its name)."""

    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    ODT = "odt"
    PNG = "png"
    JPEG = "jpeg"

    @property
    def mime_type(self) -> str:
        return _MIME_TYPES[self]

    @property
    def extension(self) -> str:
        """The usual extension, without the dot ("pdf", "jpg")."""
        return _EXTENSIONS[self][0]

    @property
    def extensions(self) -> tuple[str, ...]:
        """Every extension a name of this kind may end with, lower case, without the dot."""
        return _EXTENSIONS[self]

    @property
    def label(self) -> str:
        """A short name people know the type by ("PDF", "Word (DOCX)")."""
        return _LABELS[self]

    @property
    def is_office(self) -> bool:
        """A ZIP-based office document: converted to PDF for viewing."""
        return self in OFFICE_KINDS

    @property
    def is_image(self) -> bool:
        return self in IMAGE_KINDS

    @classmethod
    def from_extension(cls, extension: str) -> FileKind | None:
        """The kind whose extension this is (case-insensitive, leading dot allowed), else None."""
        wanted = extension.lower().lstrip(".")
        for kind in cls:
            if wanted in _EXTENSIONS[kind]:
                return kind
        return None

    @classmethod
    def from_mime_type(cls, mime_type: str) -> FileKind | None:
        wanted = mime_type.split(";", 1)[0].strip().lower()
        for kind in cls:
            if _MIME_TYPES[kind] == wanted:
                return kind
        return None


_MIME_TYPES: dict[FileKind, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.ODT: "application/vnd.oasis.opendocument.text",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
}

_EXTENSIONS: dict[FileKind, tuple[str, ...]] = {
    FileKind.PDF: ("pdf",),
    FileKind.DOCX: ("docx",),
    FileKind.XLSX: ("xlsx",),
    FileKind.ODT: ("odt",),
    FileKind.PNG: ("png",),
    FileKind.JPEG: ("jpg", "jpeg", "jpe"),
}

_LABELS: dict[FileKind, str] = {
    FileKind.PDF: "PDF",
    FileKind.DOCX: "Word (DOCX)",
    FileKind.XLSX: "Excel (XLSX)",
    FileKind.ODT: "OpenDocument (ODT)",
    FileKind.PNG: "PNG",
    FileKind.JPEG: "JPEG",
}

OFFICE_KINDS = frozenset({FileKind.DOCX, FileKind.XLSX, FileKind.ODT})
IMAGE_KINDS = frozenset({FileKind.PNG, FileKind.JPEG})
