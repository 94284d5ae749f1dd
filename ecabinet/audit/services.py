"""Appending to the audit log. Every service that changes state calls ``audit_append``.

Each event's hash is SHA-256 over the RFC 8785 canonical JSON of its fields, including the
previous event's hash, so the events form a chain that ``ecabinet.audit.verify`` recomputes.
The single ``AuditHead`` row holds the chain's last sequence number and hash; appenders lock
it, which serialises them (docs/decisions/0100-audit-chain.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import Any

import rfc8785
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from ecabinet.audit.models import AuditEvent, AuditHead
from ecabinet.core import request_context

GENESIS_HASH = "0" * 64

# Events of the innermost ``audit_batch`` block, written when it ends.
_pending: ContextVar[list[AuditEvent] | None] = ContextVar("audit_pending", default=None)


def to_json_value(value: Any) -> Any:
    """Plain JSON value (dates, decimals, UUIDs as strings) as stored and as hashed."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """The fields the hash covers, in the form they have after a database round trip."""
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "body_id": event.body_id,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the RFC 8785 canonical JSON of the event, which includes prev_hash."""
    return hashlib.sha256(rfc8785.dumps(event_payload(event))).hexdigest()


def audit_append(
    *,
    actor: Any,
    verb: str,
    obj: models.Model | None = None,
    body: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction, and return it.

    Must run inside ``transaction.atomic()`` together with the change it records, so the
    change and its record commit or roll back together. The chain head is read and locked
    inside that same transaction: reading it outside forks the chain under concurrency.

    ``actor`` is the user who acted (None for the system); ``verb`` an ``<entity>.<verb>``
    code; ``obj`` the changed model instance, from which ``object_type``, ``object_id`` and
    ``object_repr`` default; ``body`` the body (or its id) whose trail shows the event;
    ``before``/``after`` the changed values, stored as plain JSON. The request id and client
    address come from ``ecabinet.core.request_context``.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_append must run inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    body_id = getattr(body, "pk", body)
    actor_id = getattr(actor, "pk", None)
    ctx = request_context.current()
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=(str(actor)[:200] if actor is not None else ""),
        body_id=body_id,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        before=to_json_value(before),
        after=to_json_value(after),
        request_id=ctx.request_id,
        ip=ctx.ip,
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
    else:
        _write([event])
    return event


@contextmanager
def audit_batch() -> Iterator[None]:
    """Write the events appended inside this block together when it ends without error.

    For a service that records several events in one transaction (a live vote: the step-up's
    three and the vote's two): the chain head is read, locked and updated once and the
    events inserted in one statement, in the order they were appended, with the time of
    writing. An exception leaving the block drops them with the change they describe (the
    block must be inside that change's ``transaction.atomic()``). Nested blocks write with
    the outermost one; pair each with the savepoint (``atomic()``) of its change, so that
    an exception leaving both drops its events and keeps the others (a group of votes).
    Events returned by ``audit_append`` inside get their ``seq`` and ``hash`` when the
    outermost block ends.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_batch must run inside the transaction of the change")
    outer = _pending.get()
    if outer is not None:
        # Inside another batch (a savepoint of its transaction): the outer block writes
        # these events, unless an error leaves this block, which drops them with the
        # savepoint's changes.
        mark = len(outer)
        try:
            yield
        except BaseException:
            del outer[mark:]
            raise
        return
    events: list[AuditEvent] = []
    token = _pending.set(events)
    try:
        yield
    finally:
        _pending.reset(token)
    if events:
        _write(events)


def _write(events: list[AuditEvent]) -> None:
    """Chain ``events`` to the head, under its lock, and insert them."""
    head, _created = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    seq, prev = head.seq, head.hash
    at = timezone.now()
    for event in events:
        seq += 1
        event.seq, event.at, event.prev_hash = seq, at, prev
        event.hash = prev = event_hash(event)
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        AuditEvent.objects.bulk_create(events)
    AuditHead.objects.filter(id=1).update(seq=seq, hash=prev)
