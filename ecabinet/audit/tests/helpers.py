"""Building and tampering with audit chains in tests.

Every tampering function works behind the triggers (``audit_maintenance``), as someone with
direct database access would, and leaves the chain head consistent where an attacker would
bother to, so that only the hash chain can tell.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ecabinet.audit.maintenance import audit_maintenance
from ecabinet.audit.models import AuditEvent, AuditHead
from ecabinet.audit.services import audit_append, event_hash


def append(
    verb: str = "test.happened",
    *,
    actor: Any = None,
    body: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_repr: str = "",
) -> AuditEvent:
    with transaction.atomic():
        return audit_append(
            actor=actor, verb=verb, body=body, before=before, after=after, object_repr=object_repr
        )


def make_chain(length: int) -> list[AuditEvent]:
    """``length`` events numbered 1..length (the table must start empty)."""
    assert not AuditEvent.objects.exists(), "these tests number events from 1"
    return [
        append(f"test.step_{n}", after={"n": n, "tên": f"bước {n}"}, object_repr=f"Bước {n}")
        for n in range(1, length + 1)
    ]


def row(seq: int) -> AuditEvent:
    return AuditEvent.objects.get(seq=seq)


def edit_field(seq: int) -> None:
    with audit_maintenance():
        AuditEvent.objects.filter(seq=seq).update(verb="forged.verb")


def edit_and_rehash(seq: int) -> None:
    """Change a row and give it a matching hash, as a careful forger would."""
    event = row(seq)
    event.after = {"n": -1, "tên": "giả mạo"}
    with audit_maintenance():
        AuditEvent.objects.filter(seq=seq).update(after=event.after, hash=event_hash(event))


def edit_prev_hash(seq: int) -> None:
    with audit_maintenance():
        AuditEvent.objects.filter(seq=seq).update(prev_hash="f" * 64)


def delete(seq: int) -> None:
    with audit_maintenance():
        AuditEvent.objects.filter(seq=seq).delete()


def swap_order(a: int, b: int) -> None:
    """Exchange two rows' sequence numbers (contents and hashes move with them)."""
    first, second = row(a), row(b)
    with audit_maintenance():
        AuditEvent.objects.filter(pk=first.pk).update(seq=-a)
        AuditEvent.objects.filter(pk=second.pk).update(seq=a)
        AuditEvent.objects.filter(pk=first.pk).update(seq=b)


def swap_contents(a: int, b: int) -> None:
    """Exchange everything but the sequence numbers between two rows."""
    fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in {"id", "seq"}]
    first, second = row(a), row(b)
    values_a = {f: getattr(first, f) for f in fields}
    values_b = {f: getattr(second, f) for f in fields}
    with audit_maintenance():
        # The hashes are unique: park one row's out of the way first.
        AuditEvent.objects.filter(pk=first.pk).update(prev_hash="a" * 64, hash="b" * 64)
        AuditEvent.objects.filter(pk=second.pk).update(**values_a)
        AuditEvent.objects.filter(pk=first.pk).update(**values_b)


def forged_event(seq: int, prev_hash: str) -> AuditEvent:
    model = row(1)
    forged = AuditEvent(
        seq=seq,
        at=model.at,
        actor_label="Kẻ giả mạo",
        verb="forged.event",
        after={"giả": True},
        prev_hash=prev_hash,
    )
    forged.hash = event_hash(forged)
    return forged


def insert_forged(at: int) -> None:
    """Shift events ``at``.. up by one and slip a well-formed event in at ``at``.

    The displaced event is re-linked to the forged one (prev_hash is unique, so two rows
    cannot follow the same predecessor); its own hash cannot be redone without re-hashing
    the whole rest of the chain.
    """
    prev_hash = row(at - 1).hash if at > 1 else "0" * 64
    forged = forged_event(at, prev_hash)
    with audit_maintenance():
        for event in AuditEvent.objects.filter(seq__gte=at).order_by("-seq"):
            AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
        AuditEvent.objects.filter(seq=at + 1).update(prev_hash=forged.hash)
        forged.save(force_insert=True)
        head = AuditHead.objects.get(id=1)
        AuditHead.objects.filter(id=1).update(seq=head.seq + 1)


def append_forged(*, linked: bool = True) -> int:
    """Add an event after the last one without moving the head (inserts need no bypass)."""
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    forged = forged_event(last.seq + 1, last.hash if linked else "e" * 64)
    forged.save(force_insert=True)
    return forged.seq


def tamper_head() -> None:
    AuditHead.objects.filter(id=1).update(hash="c" * 64)


def delete_head() -> None:
    with audit_maintenance():
        AuditHead.objects.all().delete()
