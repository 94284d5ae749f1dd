"""Outgoing messages at rest: sealed in the database with the installation's KEK.

An edXML message carries the issued document itself (base64 of a ZIP of the PDF), so it is
kept as encrypted as the document's own file. Messages are small enough for a column: each
is sealed by ``core.envelope.seal`` under its own data key, bound to the row's id, and
``rewrap_all`` re-wraps them when the KEK rotates (``ecabinet keys rotate``).
"""

from __future__ import annotations

import hashlib

from ecabinet.core import envelope


class MessageUnreadable(Exception):
    """A stored message does not open (tampered, moved to another row, unknown KEK) or does
    not match its recorded hash."""


def aad_for(message_id: object) -> bytes:
    return f"exchange-outgoing:{message_id}".encode()


def seal_message(data: bytes, *, message_id: object) -> bytes:
    return envelope.seal(data, aad=aad_for(message_id))


def open_message(sealed: bytes | memoryview, *, message_id: object, sha256: str) -> bytes:
    """The message's bytes; ``MessageUnreadable`` on any failure, never a fallback."""
    try:
        data = envelope.open_sealed(bytes(sealed), aad=aad_for(message_id))
    except (envelope.SealedDataError, envelope.KekConfigError) as exc:
        raise MessageUnreadable(str(exc)) from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise MessageUnreadable("the message does not match its recorded SHA-256")
    return data


def rewrap_all() -> int:
    """Re-wrap every outgoing message's data key with the current KEK; the number changed.

    A blob that does not open stops the rotation with ``SealedDataError`` (never skipped).
    """
    from ecabinet.exchange.models import OutgoingMessage

    count = 0
    current = envelope.current_kek_id()
    rows = (
        OutgoingMessage.objects.filter(sealed_message__isnull=False)
        .order_by("pk")
        .values_list("pk", "sealed_message")
    )
    for message_id, sealed in rows.iterator():
        if sealed is None:
            continue
        blob = bytes(sealed)
        aad = aad_for(message_id)
        if envelope.kek_id_of(blob) == current:
            envelope.open_sealed(blob, aad=aad)
            continue
        OutgoingMessage.objects.filter(pk=message_id).update(
            sealed_message=envelope.rewrap(blob, aad=aad)
        )
        count += 1
    return count
