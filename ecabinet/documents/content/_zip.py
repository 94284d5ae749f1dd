"""Safe reading of ZIP-based office files (DOCX, XLSX, ODT): zip-bomb limits and XML parsing.

Limits are checked twice: on the sizes the archive declares (before anything is decompressed)
and on the bytes actually produced while streaming, because declared sizes can lie. XML is
parsed with the standard library's expat in streaming mode and any document type declaration
is refused, so no entity (internal or external) is ever defined, let alone expanded.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.parsers import expat

CHUNK = 64 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """Bounds for one archive; the defaults fit real office documents with room to spare."""

    max_entries: int = 5_000
    max_total_uncompressed: int = 512 * 1024 * 1024
    max_entry_uncompressed: int = 256 * 1024 * 1024
    # Compression ratio (uncompressed / compressed) allowed for an entry larger than
    # ratio_floor bytes; XML compresses 10-50 times, repetitive spreadsheets up to ~200.
    max_ratio: int = 300
    ratio_floor: int = 1024 * 1024


DEFAULT_ZIP_LIMITS = ZipLimits()


class ZipBomb(Exception):
    """The archive would expand beyond the limits."""


class BadPackage(Exception):
    """The archive or one of its XML parts is damaged or not what it claims to be."""


def open_package(data: bytes, limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> zipfile.ZipFile:
    """Open an archive and check its declared sizes; raise ZipBomb or BadPackage."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise BadPackage(str(exc)) from exc
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ZipBomb(f"{len(infos)} entries (limit {limits.max_entries})")
    total = 0
    compressed = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise BadPackage(f"encrypted entry {info.filename!r}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BadPackage(f"unsupported compression {info.compress_type}")
        if info.file_size > limits.max_entry_uncompressed:
            raise ZipBomb(f"{info.filename!r} declares {info.file_size} bytes")
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise ZipBomb(f"{info.filename!r} ratio {info.file_size}/{info.compress_size}")
        total += info.file_size
        compressed += info.compress_size
    if total > limits.max_total_uncompressed:
        raise ZipBomb(f"{total} bytes declared in total")
    # Entries that share compressed data (overlapping entries) claim more than the file holds.
    if compressed > len(data):
        raise ZipBomb("entries overlap")
    return archive


class CappedReader:
    """Counts the bytes decompressed across one archive and stops at the limits."""

    def __init__(self, archive: zipfile.ZipFile, limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> None:
        self.archive = archive
        self.limits = limits
        self.total = 0

    def chunks(self, name: str) -> Iterator[bytes]:
        """Yield an entry's bytes in chunks; raise ZipBomb past a limit, BadPackage if damaged."""
        try:
            info = self.archive.getinfo(name)
        except KeyError as exc:
            raise BadPackage(f"missing {name!r}") from exc
        cap = min(info.file_size, self.limits.max_entry_uncompressed)
        produced = 0
        try:
            with self.archive.open(info) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    produced += len(chunk)
                    self.total += len(chunk)
                    if produced > cap:
                        raise ZipBomb(f"{name!r} expands past its declared size")
                    if self.total > self.limits.max_total_uncompressed:
                        raise ZipBomb("archive expands past the total limit")
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise BadPackage(f"{name!r}: {exc}") from exc

    def read(self, name: str, *, max_bytes: int) -> bytes:
        """A small entry in full (e.g. the ODF ``mimetype``); BadPackage past max_bytes."""
        out = bytearray()
        for chunk in self.chunks(name):
            out += chunk
            if len(out) > max_bytes:
                raise BadPackage(f"{name!r} is larger than {max_bytes} bytes")
        return bytes(out)

    def drain(self, name: str) -> None:
        """Decompress an entry fully (checks its CRC and real size) and discard the bytes."""
        for _chunk in self.chunks(name):
            pass


StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]
TextHandler = Callable[[str], None]


def parse_xml(
    chunks: Iterator[bytes],
    *,
    start: StartHandler | None = None,
    end: EndHandler | None = None,
    text: TextHandler | None = None,
) -> None:
    """Stream XML through expat; element names are ``"{namespace}local"``.

    A document type declaration (where entities would be defined) is refused.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_doctype(*_args: object) -> None:
        raise BadPackage("XML with a document type declaration")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    if start is not None:
        parser.StartElementHandler = lambda name, attrs: start(
            _qualify(name), {_qualify(key): value for key, value in attrs.items()}
        )
    if end is not None:
        parser.EndElementHandler = lambda name: end(_qualify(name))
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise BadPackage(f"malformed XML: {exc}") from exc


def _qualify(name: str) -> str:
    return "{" + name if "}" in name else name
