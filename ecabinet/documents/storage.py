"""Encrypted file storage for document versions, behind Django's storage API.

Every stored file is ``MAGIC | nonce (12) | AES-256-GCM ciphertext + tag`` under a fresh
256-bit data key. The data key is sealed with the key-encryption key by
``core.envelope.seal`` and kept on the version row, so rotating the KEK re-wraps keys in the
database without touching the files. The object's identity (version id and slot, e.g.
``original`` or ``pdf``) is bound as associated data on both layers: a file or key moved to
another record does not decrypt.

The storage is ``STORAGES["documents"]`` (a local directory by default; any Django storage,
e.g. an S3-compatible one, can replace it: docs/decisions/0702-document-storage.md). Nothing
here assumes local files: bytes go through ``storage.save`` and ``storage.open`` only.
"""

from __future__ import annotations

import contextlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from ecabinet.core import envelope

MAGIC = b"ECD1"
NONCE_BYTES = 12


class UnreadableFile(Exception):
    """A stored file cannot be decrypted: missing, tampered, moved, or its key is unknown."""


def documents_storage() -> Storage:
    return storages["documents"]


def aad_for(version_id: object, slot: str) -> bytes:
    return f"document-version:{version_id}:{slot}".encode()


def store_encrypted(data: bytes, *, version_id: object, slot: str) -> tuple[str, bytes]:
    """Encrypt ``data`` and save it; returns (storage name, sealed data key)."""
    aad = aad_for(version_id, slot)
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(NONCE_BYTES)
    blob = MAGIC + nonce + AESGCM(data_key).encrypt(nonce, data, aad)
    wrapped = envelope.seal(data_key, aad=aad)
    hex_id = str(version_id).replace("-", "")
    name = documents_storage().save(f"{hex_id[:2]}/{hex_id}-{slot}.bin", ContentFile(blob))
    return name, wrapped


def read_decrypted(name: str, wrapped_key: bytes, *, version_id: object, slot: str) -> bytes:
    """The plaintext of a stored file; ``UnreadableFile`` on any failure, never a fallback."""
    aad = aad_for(version_id, slot)
    try:
        data_key = envelope.open_sealed(bytes(wrapped_key), aad=aad)
        with documents_storage().open(name, "rb") as handle:
            blob = handle.read()
    except (envelope.SealedDataError, envelope.KekConfigError, OSError) as exc:
        raise UnreadableFile(str(exc)) from exc
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise UnreadableFile("not an encrypted document file")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(data_key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], aad)
    except InvalidTag as exc:
        raise UnreadableFile("the file does not match its key (tampered or moved)") from exc


def delete_quietly(name: str) -> None:
    """Remove a stored file that no record points to (a failed or refused upload)."""
    if name:
        with contextlib.suppress(OSError):
            documents_storage().delete(name)


def rewrap_all() -> int:
    """Re-wrap every document version's data keys with the current KEK; the number changed.

    Files are not touched: only the sealed data keys in the database change. A key that
    does not open stops the rotation with ``SealedDataError`` (never silently skipped).
    """
    from ecabinet.documents.models import DocumentVersion

    count = 0
    current = envelope.current_kek_id()
    rows = DocumentVersion.objects.order_by("pk").values_list(
        "pk", "wrapped_key", "pdf_wrapped_key"
    )
    for version_id, wrapped, pdf_wrapped in rows.iterator():
        changes: dict[str, bytes] = {}
        for field, slot, blob in (
            ("wrapped_key", "original", wrapped),
            ("pdf_wrapped_key", "pdf", pdf_wrapped),
        ):
            if blob is None:
                continue
            blob = bytes(blob)
            aad = aad_for(version_id, slot)
            if envelope.kek_id_of(blob) == current:
                envelope.open_sealed(blob, aad=aad)
                continue
            changes[field] = envelope.rewrap(blob, aad=aad)
        if changes:
            DocumentVersion.objects.filter(pk=version_id).update(**changes)
            count += 1
    return count
