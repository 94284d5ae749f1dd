"""inspect_upload: real type from content, and a clear refusal for every kind of bad input."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import unicodedata
import zipfile
import zlib

import pytest
from PIL import Image, ImageFile
from pypdf import PdfWriter

from ecabinet.core.errors import DomainError
from ecabinet.documents.content._zip import (
    BadPackage,
    CappedReader,
    ZipBomb,
    ZipLimits,
    open_package,
)
from ecabinet.documents.content.inspect import (
    Inspection,
    RejectCode,
    RejectedFile,
    clean_filename,
    inspect_upload,
)
from ecabinet.documents.content.kinds import FileKind
from ecabinet.documents.tests.content import builders

ALL = frozenset(FileKind)
LIMIT = 100 * 1024 * 1024


def inspect(data: bytes, filename: str, **options: object) -> Inspection:
    allowed = options.pop("allowed", ALL)
    max_bytes = options.pop("max_bytes", LIMIT)
    return inspect_upload(
        data,
        filename=filename,
        allowed=allowed,  # type: ignore[arg-type]
        max_bytes=max_bytes,  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def refused(data: bytes, filename: str, **options: object) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        inspect(data, filename, **options)
    return caught.value


def png() -> bytes:
    return builders.image_bytes(Image.new("RGB", (40, 30), "white"), "PNG")


def jpeg() -> bytes:
    return builders.image_bytes(Image.new("RGB", (40, 30), "white"), "JPEG")


def simple_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx() -> bytes:
    return builders.docx(["Tờ trình về việc phê duyệt đề án"])


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# Accepted files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "filename", "kind", "pages"),
    [
        (lambda: simple_pdf(3), "to-trinh.pdf", FileKind.PDF, 3),
        (docx, "du-thao.docx", FileKind.DOCX, None),
        (lambda: builders.xlsx({"Tổng hợp": [["Đơn vị", 3]]}), "bang.xlsx", FileKind.XLSX, None),
        (lambda: builders.odt(["Báo cáo"]), "bao-cao.odt", FileKind.ODT, None),
        (png, "anh.png", FileKind.PNG, 1),
        (jpeg, "anh.JPG", FileKind.JPEG, 1),
        (jpeg, "anh.jpeg", FileKind.JPEG, 1),
    ],
)
def test_accepts_each_kind_from_its_content(
    make: object, filename: str, kind: FileKind, pages: int | None
) -> None:
    data = make()  # type: ignore[operator]
    result = inspect(data, filename)
    assert result == Inspection(
        kind=kind,
        filename=filename,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=pages,
    )


def test_pdf_page_count_of_a_real_document(text_pdf: bytes) -> None:
    assert inspect(text_pdf, "quyet-dinh.pdf").page_count == 2


def test_a_name_without_extension_gets_the_real_one() -> None:
    assert inspect(simple_pdf(), "Quyết định 12").filename == "Quyết định 12.pdf"
    assert inspect(png(), "ảnh chụp v1.2").filename == "ảnh chụp v1.2.png"


def test_pdf_with_only_an_owner_password_is_accepted() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert inspect(out.getvalue(), "han-che-in.pdf").page_count == 1


def test_size_exactly_at_the_limit_is_accepted() -> None:
    data = simple_pdf()
    assert inspect(data, "a.pdf", max_bytes=len(data)).size == len(data)


# Refusals ------------------------------------------------------------------------------------


def test_rejected_file_is_a_domain_error_with_a_code_and_vietnamese_message() -> None:
    error = refused(b"", "trong.pdf")
    assert isinstance(error, DomainError)
    assert error.code == "empty"
    assert error.code is RejectCode.EMPTY
    assert "“trong.pdf”" in str(error.message)
    assert "Hãy" in str(error.message)


def test_empty_file() -> None:
    assert refused(b"", "a.pdf").code is RejectCode.EMPTY


def test_file_over_the_size_limit() -> None:
    data = simple_pdf()
    error = refused(data, "a.pdf", max_bytes=len(data) - 1)
    assert error.code is RejectCode.TOO_LARGE
    assert "vượt giới hạn" in str(error.message)


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,  # a Windows program
        b"Day la van ban thuong, khong phai PDF.\n",
        b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
        b"<html><body>%PDF-1.7</body></html>",
    ],
    ids=["exe", "text", "elf", "html"],
)
def test_unknown_content_named_pdf(data: bytes) -> None:
    error = refused(data, "quyet-dinh.pdf")
    assert error.code is RejectCode.UNKNOWN_TYPE
    assert "PDF" in str(error.message)


def test_plain_zip_and_other_opendocument_types_are_unknown() -> None:
    plain = builders.zip_bytes([("readme.txt", "xin chào")])
    assert refused(plain, "tai-lieu.docx").code is RejectCode.UNKNOWN_TYPE
    spreadsheet = builders.odt(["x"], mimetype="application/vnd.oasis.opendocument.spreadsheet")
    assert refused(spreadsheet, "bang.odt").code is RejectCode.UNKNOWN_TYPE


def test_legacy_and_encrypted_office_files() -> None:
    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    legacy = refused(cfb, "cu.doc")
    assert legacy.code is RejectCode.UNKNOWN_TYPE
    assert ".docx" in str(legacy.message)
    encrypted = cfb + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64
    assert refused(encrypted, "mat-khau.docx").code is RejectCode.ENCRYPTED_OFFICE


@pytest.mark.parametrize(
    ("make", "filename", "actual"),
    [
        (png, "quyet-dinh.pdf", "PNG"),
        (simple_pdf, "du-thao.docx", "PDF"),
        (docx, "bang-tinh.xlsx", "Word (DOCX)"),
        (jpeg, "anh.png", "JPEG"),
        (simple_pdf, "chuong-trinh.exe", "PDF"),
    ],
)
def test_extension_that_disagrees_with_the_content(
    make: object, filename: str, actual: str
) -> None:
    error = refused(make(), filename)  # type: ignore[operator]
    assert error.code is RejectCode.TYPE_MISMATCH
    assert actual in str(error.message)


def test_kind_not_allowed_lists_the_allowed_ones() -> None:
    error = refused(docx(), "du-thao.docx", allowed={FileKind.PDF, FileKind.PNG})
    assert error.code is RejectCode.NOT_ALLOWED
    assert "PDF, PNG" in str(error.message)


def test_password_protected_pdf() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="mat-khau", owner_password="chu", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    error = refused(out.getvalue(), "bao-mat.pdf")
    assert error.code is RejectCode.ENCRYPTED_PDF
    assert "mật khẩu" in str(error.message)


def test_truncated_pdf(text_pdf: bytes) -> None:
    assert refused(text_pdf[: len(text_pdf) // 2], "cut.pdf").code is RejectCode.CORRUPT
    assert refused(text_pdf[:-10], "cut.pdf").code is RejectCode.CORRUPT


def test_pdf_with_garbage_body() -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n"
    assert refused(data, "rac.pdf").code is RejectCode.CORRUPT


def test_pdf_without_pages() -> None:
    out = io.BytesIO()
    PdfWriter().write(out)
    assert refused(out.getvalue(), "rong.pdf").code is RejectCode.CORRUPT


@pytest.mark.parametrize("pil_format", ["PNG", "JPEG"])
@pytest.mark.parametrize("lenient_pillow", [False, True])
def test_truncated_image(
    pil_format: str, lenient_pillow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # WeasyPrint sets LOAD_TRUNCATED_IMAGES for the whole process when it is imported.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient_pillow)
    image = Image.effect_noise((300, 300), 64).convert("RGB")
    data = builders.image_bytes(image, pil_format)
    name = f"anh.{pil_format.lower()}"
    assert inspect(data, name).kind.value == pil_format.lower()
    for cut in (len(data) // 2, len(data) - 2):
        assert refused(data[:cut], name).code is RejectCode.CORRUPT


def test_image_over_the_pixel_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 40 x 30 = 1,200 pixels
    assert refused(png(), "a.png").code is RejectCode.IMAGE_TOO_LARGE


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_over_the_pixel_limit_when_pillow_only_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert refused(jpeg(), "a.jpg").code is RejectCode.IMAGE_TOO_LARGE


def test_decompression_bomb_png_is_refused_before_decoding() -> None:
    # 40,000 x 40,000 pixels declared in a file of a few hundred bytes.
    header = struct.pack(">IIBBBBB", 40_000, 40_000, 1, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 5001))
        + png_chunk(b"IEND", b"")
    )
    assert refused(data, "bom.png").code is RejectCode.IMAGE_TOO_LARGE


def test_docx_with_broken_xml_or_entity_declarations() -> None:
    broken = builders.docx([], body_xml="<w:p><w:r><w:t>chưa đóng thẻ</w:r></w:p>")
    assert refused(broken, "hong.docx").code is RejectCode.CORRUPT
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "hahahahaha">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<w:document xmlns:w="{builders.W_NS}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    data = builders.zip_bytes(
        [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", laughs),
        ]
    )
    assert refused(data, "cuoi.docx").code is RejectCode.CORRUPT


def test_damaged_zip_container() -> None:
    data = docx()
    assert refused(data[: len(data) - 30], "cut.docx").code is RejectCode.CORRUPT
    # Flip a byte inside the compressed document part: the CRC check fails while reading.
    offset = data.index(b"word/document.xml") + len("word/document.xml") + 10
    damaged = data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1 :]
    assert refused(damaged, "crc.docx").code is RejectCode.CORRUPT


def test_zip_bomb_high_compression_ratio() -> None:
    data = builders.docx(["x"], extra=[("word/media/bom.bin", b"\x00" * (8 * 1024 * 1024))])
    assert len(data) < 100_000
    error = refused(data, "bom.docx")
    assert error.code is RejectCode.ZIP_BOMB
    assert "giới hạn an toàn" in str(error.message)


def test_zip_bomb_too_many_entries() -> None:
    extra: list[tuple[str, bytes | str]] = [(f"word/media/{i}.txt", b"") for i in range(5001)]
    assert refused(builders.docx(["x"], extra=extra), "nhieu.docx").code is RejectCode.ZIP_BOMB


def test_zip_bomb_total_declared_size() -> None:
    limits = ZipLimits(max_total_uncompressed=500)
    assert refused(docx(), "a.docx", zip_limits=limits).code is RejectCode.ZIP_BOMB


def overlapping_zip(copies: int) -> bytes:
    """One compressed entry that many central-directory records point at (no real copies)."""
    content = random.Random(7).randbytes(4000)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = compressor.compress(content) + compressor.flush()
    crc = zlib.crc32(content)
    first = b"[Content_Types].xml"
    local = struct.pack(
        "<4sHHHHHIIIHH",
        b"PK\x03\x04",
        20,
        0,
        8,
        0,
        0,
        crc,
        len(packed),
        len(content),
        len(first),
        0,
    )
    names = [first, b"word/document.xml"] + [f"word/p{i}.xml".encode() for i in range(copies)]
    central = b"".join(
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(packed),
            len(content),
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
        for name in names
    )
    end = struct.pack(
        "<4sHHHHIIH",
        b"PK\x05\x06",
        0,
        0,
        len(names),
        len(names),
        len(central),
        len(local) + len(packed),
        0,
    )
    return local + packed + central + end


def test_zip_bomb_overlapping_entries() -> None:
    data = overlapping_zip(20)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.infolist()) == 22
    assert refused(data, "chong.docx").code is RejectCode.ZIP_BOMB


def central_record(data: bytes, name: bytes) -> int:
    position = 0
    while True:
        position = data.index(b"PK\x01\x02", position)
        length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + length] == name:
            return position
        position += 4


def test_understated_declared_size_is_caught_while_reading() -> None:
    data = bytearray(builders.docx(["Đoạn văn đủ dài " * 200]))
    struct.pack_into("<I", data, central_record(data, b"word/document.xml") + 24, 100)
    # zipfile stops at the declared size and the CRC no longer matches.
    assert refused(bytes(data), "noi-doi.docx").code is RejectCode.CORRUPT


def test_overstated_declared_size_is_a_zip_bomb() -> None:
    data = bytearray(builders.docx(["Đoạn văn"]))
    struct.pack_into("<I", data, central_record(data, b"word/document.xml") + 24, 300_000_000)
    assert refused(bytes(data), "phong-dai.docx").code is RejectCode.ZIP_BOMB


def test_capped_reader_counts_real_bytes_across_entries() -> None:
    data = builders.docx(["Đoạn văn " * 500])
    archive = open_package(data)
    reader = CappedReader(archive, ZipLimits(max_total_uncompressed=1000))
    with pytest.raises(ZipBomb):
        reader.drain("word/document.xml")
    with pytest.raises(BadPackage):
        CappedReader(archive).read("word/document.xml", max_bytes=10)


# File names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("/var/www/../quyet-dinh.pdf", "quyet-dinh.pdf"),
        ("bao\x00cao\x1b[31m.pdf", "baocao[31m.pdf"),
        ("tai-lieu\u202efdp.exe", "tai-lieufdp.exe"),
        ("  Tờ   trình\tsố 12 .pdf", "Tờ trình số 12.pdf"),
        ('a<b>c:d"e|f?g*.pdf', "a_b_c_d_e_f_g_.pdf"),
        ("..hidden.pdf", "hidden.pdf"),
        ("ten.pdf.", "ten.pdf"),
    ],
)
def test_clean_filename(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_clean_filename_keeps_vietnamese_letters_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết định phê duyệt đề án.pdf")
    assert clean_filename(decomposed) == "Quyết định phê duyệt đề án.pdf"
    assert unicodedata.is_normalized("NFC", clean_filename(decomposed))


def test_clean_filename_bounds_the_length() -> None:
    name = clean_filename("đ" * 400 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name) == 150 + 4


@pytest.mark.parametrize("raw", ["", "   ", "../", "..", ".pdf", "\x00\x01\x02", "///", "C:\\"])
def test_name_empty_after_cleaning(raw: str) -> None:
    error = refused(simple_pdf(), raw)
    assert error.code is RejectCode.BAD_NAME
    assert "đổi tên" in str(error.message)


def test_upload_with_a_path_in_its_name_keeps_only_the_base_name() -> None:
    assert inspect(simple_pdf(), "../../etc/passwd.pdf").filename == "passwd.pdf"
