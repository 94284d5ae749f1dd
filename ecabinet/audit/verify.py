"""Recomputing the audit chain to find the first row that was tampered with.

Each event's hash covers its content and the previous event's hash, and the chain head
(``AuditHead``) holds the last sequence number and hash. ``verify_chain`` walks the events in
sequence order, streaming them in chunks so that memory stays flat for millions of rows, and
stops at the first inconsistency, which it classifies:

- ``deleted``: a sequence number is missing (in the middle, or at the tail behind the head);
- ``edited``: a row's content no longer matches its hash, or a row was edited and re-hashed
  (its successor still points at the old hash);
- ``reordered``: a row links to a hash that sits elsewhere in the chain;
- ``inserted``: a row was slipped in (the next row's hash only matches its content one place
  earlier), or lies beyond the head;
- ``head_mismatch``: the rows chain correctly but the head disagrees with the last one.

It runs beside live appends without locking them out. Events are immutable and an append
commits its row and the head together, so: one streaming query sees a consistent set of rows;
a head read after it may only be ahead of it (rows appended meanwhile), which a second,
bounded pass then covers; and a row beyond the head read after the row was seen was never
appended by ``audit_append``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import AbstractContextManager, nullcontext
from copy import copy
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ecabinet.audit.models import AuditEvent, AuditHead
from ecabinet.audit.services import GENESIS_HASH, event_hash

DEFAULT_CHUNK_SIZE = 2000


class Reason(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    REORDERED = "reordered"
    INSERTED = "inserted"
    HEAD_MISMATCH = "head_mismatch"

    @property
    def message(self) -> Promise:
        """A sentence for people, with ``%(seq)d`` for the first bad sequence number."""
        return _REASON_MESSAGES[self]

    @property
    def english(self) -> str:
        """The same sentence in English, fixed, for logs and scripts."""
        return _REASON_ENGLISH[self]


_REASON_MESSAGES: dict[Reason, Promise] = {
    Reason.EDITED: _(
        "Sự kiện #%(seq)d đã bị sửa: nội dung không còn khớp với mã băm đã ghi trong chuỗi."
    ),
    Reason.DELETED: _("Sự kiện #%(seq)d đã bị xóa: chuỗi bị thiếu từ số thứ tự này."),
    Reason.REORDERED: _(
        "Sự kiện #%(seq)d đã bị đảo thứ tự: sự kiện ở vị trí này thuộc về vị trí khác."
    ),
    Reason.INSERTED: _(
        "Sự kiện #%(seq)d đã bị chèn thêm: sự kiện này không được ghi qua chuỗi nhật ký."
    ),
    Reason.HEAD_MISMATCH: _("Đầu chuỗi nhật ký không khớp với sự kiện cuối cùng #%(seq)d."),
}

_REASON_ENGLISH: dict[Reason, str] = {
    Reason.EDITED: "Event #%(seq)d was edited: its content no longer matches the chained hash.",
    Reason.DELETED: "Event #%(seq)d was deleted: the chain is missing rows from this number.",
    Reason.REORDERED: "Event #%(seq)d was reordered: the row here belongs elsewhere.",
    Reason.INSERTED: "Event #%(seq)d was inserted: it was not appended through the chain.",
    Reason.HEAD_MISMATCH: "The chain head does not match the last event #%(seq)d.",
}


@dataclass(frozen=True)
class ChainProblem:
    """The first inconsistency found: where, what kind, and the technical evidence."""

    seq: int
    reason: Reason
    detail: str

    def message(self) -> str:
        return str(self.reason.message) % {"seq": self.seq}

    def english(self) -> str:
        return self.reason.english % {"seq": self.seq}


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of ``verify_chain``: events checked, the head, and the first problem if any."""

    count: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _ChainBroken(Exception):
    def __init__(self, problem: ChainProblem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _short(value: str) -> str:
    return value[:16]


class _Walker:
    """Checks events one by one in sequence order; remembers the last good one."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.count = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        # Hash of the row before the last one, to test whether a row was shifted by an insert.
        self.before_last_hash = GENESIS_HASH

    def feed(self, events: Iterator[AuditEvent]) -> None:
        for event in events:
            self.check(event)
            self.count += 1
            self.last_seq = event.seq
            self.before_last_hash, self.last_hash = self.last_hash, event.hash

    def check(self, event: AuditEvent) -> None:
        expected = self.last_seq + 1
        if event.seq > expected:
            self.fail(expected, Reason.DELETED, f"expected seq {expected}, found {event.seq}")
        if event.seq < expected:
            # Only possible for the first row: sequence numbers start at 1.
            self.fail(event.seq, Reason.INSERTED, f"seq {event.seq} precedes seq 1")
        content_ok = event_hash(event) == event.hash
        link_ok = event.prev_hash == self.last_hash
        if content_ok and link_ok:
            return
        head = _read_head(self.using)
        if head is not None and event.seq > head.seq:
            self.fail(event.seq, Reason.INSERTED, f"seq {event.seq} is beyond the head {head.seq}")
        if not content_ok and self.shifted_by_insert(event):
            self.fail(
                event.seq - 1,
                Reason.INSERTED,
                f"seq {event.seq} hashes as seq {event.seq - 1} after seq {event.seq - 2}: "
                "a row was slipped in before it",
            )
        if link_ok:
            self.fail(
                event.seq,
                Reason.EDITED,
                f"stored hash {_short(event.hash)} != recomputed {_short(event_hash(event))}",
            )
        self.broken_link(event, content_ok)

    def shifted_by_insert(self, event: AuditEvent) -> bool:
        """Whether ``event`` is an intact row that was one place earlier, before an insert.

        Its stored hash then matches its content at the previous sequence number, linked to
        the row two back. A cryptographic test, not a guess.
        """
        if event.seq < 2:
            return False
        original = copy(event)
        original.seq = event.seq - 1
        original.prev_hash = self.before_last_hash
        return event_hash(original) == event.hash

    def broken_link(self, event: AuditEvent, content_ok: bool) -> None:
        """``event`` does not point at its predecessor's hash: find what it points at."""
        seq = event.seq
        detail = (
            f"seq {seq} links to {_short(event.prev_hash)}, "
            f"seq {self.last_seq} has hash {_short(self.last_hash)}"
        )
        if event.prev_hash == GENESIS_HASH:
            target: int | None = 0
        else:
            target = (
                AuditEvent.objects.using(self.using)
                .filter(hash=event.prev_hash)
                .values_list("seq", flat=True)
                .first()
            )
        if target is not None:
            self.fail(seq, Reason.REORDERED, f"{detail} (the hash of seq {target})")
        if content_ok and seq > 1:
            # This row is intact and points at a hash that no longer exists: its predecessor
            # was edited and given a fresh hash to hide it.
            self.fail(seq - 1, Reason.EDITED, f"{detail}, which no row has any more")
        self.fail(seq, Reason.EDITED, f"{detail}; content hash ok: {content_ok}")

    @staticmethod
    def fail(seq: int, reason: Reason, detail: str) -> NoReturn:
        raise _ChainBroken(ChainProblem(seq=seq, reason=reason, detail=detail))


def _read_head(using: str) -> AuditHead | None:
    return AuditHead.objects.using(using).filter(id=1).first()


def _streaming(using: str) -> AbstractContextManager[object]:
    # PostgreSQL: a server-side cursor outside a transaction is declared WITH HOLD, which
    # materialises the whole result before the first row; inside one it streams. The
    # transaction only reads, so it blocks no appender. SQLite: no transaction, because with
    # IMMEDIATE it would take the write lock for the whole walk; a single SELECT already
    # reads one consistent snapshot in WAL mode.
    if connections[using].vendor == "postgresql":
        return transaction.atomic(using=using)
    return nullcontext()


def _walk(walker: _Walker, *, after: int, upto: int | None, chunk_size: int) -> None:
    events = AuditEvent.objects.using(walker.using).filter(seq__gt=after)
    if upto is not None:
        events = events.filter(seq__lte=upto)
    with _streaming(walker.using):
        rows = events.order_by("seq").iterator(chunk_size=chunk_size)
        try:
            walker.feed(rows)
        finally:
            # Close the cursor now, inside the transaction that declared it, when the walk
            # stops early; left to the garbage collector it would outlive that transaction.
            if isinstance(rows, Generator):
                rows.close()


def verify_chain(
    *, using: str = DEFAULT_DB_ALIAS, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> VerifyReport:
    """Recompute every event's hash in sequence order and check the links and the head.

    Returns a report naming the first bad sequence number and the kind of tampering, or an
    ok report with the number of events and the head's hash. Reads only; safe to run while
    events are being appended.
    """
    walker = _Walker(using)
    try:
        _walk(walker, after=0, upto=None, chunk_size=chunk_size)
        head = _read_head(using)
        if head is not None and head.seq > walker.last_seq:
            # Appended while we walked (or deleted at the tail): walk up to this head.
            _walk(walker, after=walker.last_seq, upto=head.seq, chunk_size=chunk_size)
        problem = _head_problem(head, walker)
    except _ChainBroken as broken:
        problem = broken.problem
        head = _read_head(using)
    return VerifyReport(
        count=walker.count,
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else GENESIS_HASH,
        problem=problem,
    )


def _head_problem(head: AuditHead | None, walker: _Walker) -> ChainProblem | None:
    if head is None:
        if walker.last_seq == 0:
            return None  # nothing was ever appended
        return ChainProblem(walker.last_seq, Reason.HEAD_MISMATCH, "the chain head is missing")
    if head.seq > walker.last_seq:
        return ChainProblem(
            walker.last_seq + 1,
            Reason.DELETED,
            f"the head is at seq {head.seq}, the last event is seq {walker.last_seq}",
        )
    if head.seq < walker.last_seq:
        return ChainProblem(
            head.seq + 1,
            Reason.INSERTED,
            f"events after seq {head.seq} are not covered by the head",
        )
    if head.hash != walker.last_hash:
        return ChainProblem(
            head.seq,
            Reason.HEAD_MISMATCH,
            f"head hash {_short(head.hash)} != last event hash {_short(walker.last_hash)}",
        )
    return None
