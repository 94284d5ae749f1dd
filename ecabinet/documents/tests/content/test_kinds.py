"""FileKind: MIME types and extensions."""

from __future__ import annotations

from ecabinet.documents.content.kinds import FileKind


def test_mime_types_and_extensions() -> None:
    assert FileKind.PDF.mime_type == "application/pdf"
    assert FileKind.DOCX.mime_type.endswith("wordprocessingml.document")
    assert FileKind.XLSX.mime_type.endswith("spreadsheetml.sheet")
    assert FileKind.ODT.mime_type == "application/vnd.oasis.opendocument.text"
    assert FileKind.JPEG.extension == "jpg"
    assert FileKind.JPEG.extensions == ("jpg", "jpeg", "jpe")
    assert [kind.value for kind in FileKind] == ["pdf", "docx", "xlsx", "odt", "png", "jpeg"]


def test_lookups() -> None:
    assert FileKind.from_extension(".JPEG") is FileKind.JPEG
    assert FileKind.from_extension("pdf") is FileKind.PDF
    assert FileKind.from_extension("exe") is None
    assert FileKind.from_mime_type("image/png; charset=binary") is FileKind.PNG
    assert FileKind.from_mime_type("text/plain") is None


def test_groups() -> None:
    assert [kind for kind in FileKind if kind.is_office] == [
        FileKind.DOCX,
        FileKind.XLSX,
        FileKind.ODT,
    ]
    assert [kind for kind in FileKind if kind.is_image] == [FileKind.PNG, FileKind.JPEG]
    assert FileKind.XLSX.label == "Excel (XLSX)"
