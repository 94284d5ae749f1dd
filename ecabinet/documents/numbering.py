"""The outgoing documents register: numbers such as "85/NQ-CP", without gaps or duplicates.

Decree 30/2020/NĐ-CP, Art. 15: a document's number is its order among the documents the
body issues in the year, from 01 on 1 January to 31 December (Vietnam time), written with a
leading zero below 10; the notation follows it: "<number>/<type abbreviation>-<body
notation>". Each body keeps one sequence per document type (issue 7: "per body, per document
type, per year"), as the Government does for its resolutions (NQ-CP) and decisions.

No gaps: the number is taken in the issuing transaction of the caller, so an issuance that
rolls back gives its number back. No duplicates: the sequence's counter row stays locked
until that transaction ends, and the register's unique constraints refuse a second use of a
number or a second number for one document. See docs/decisions/1102-numbering.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body, DocumentType
from ecabinet.core.dates import vn_date
from ecabinet.core.errors import DomainError
from ecabinet.documents import permissions as perms
from ecabinet.documents.models import NumberCounter, RegisterEntry

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.permissions import AnyUser

# The same shapes as the tracking ledger's subject references.
SUBJECT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SUBJECT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def format_number(sequence: int, abbreviation: str, notation: str) -> str:
    """ "85/NQ-CP"; numbers below 10 take a leading zero: "01/NQ-CP" (Decree 30, Art. 15)."""
    if sequence < 1:
        raise ValueError(f"document numbers start at 1, got {sequence}")
    return f"{sequence:02d}/{abbreviation}-{notation}"


def _check_reference(subject_type: str, subject_id: str) -> None:
    # Programming errors of the calling app, not user input: fail loudly.
    if not SUBJECT_TYPE_PATTERN.match(subject_type):
        raise ValueError(f"subject_type must look like 'app.model', got {subject_type!r}")
    if not SUBJECT_ID_PATTERN.match(subject_id):
        raise ValueError(f"bad subject_id {subject_id!r}")


def _check_sequence(body: Body, document_type: DocumentType) -> None:
    if document_type.body_id != body.pk:
        raise DomainError(
            _("Loại văn bản không thuộc danh mục của cơ quan này."), code="wrong_body"
        )
    if not document_type.is_active:
        raise DomainError(
            _("Loại văn bản «%(name)s» đã ngừng sử dụng, không cấp số mới.")
            % {"name": document_type.name},
            code="inactive_type",
        )
    if not document_type.abbreviation.strip():
        raise DomainError(
            _("Loại văn bản «%(name)s» chưa có chữ viết tắt nên chưa cấp số được.")
            % {"name": document_type.name},
            code="no_abbreviation",
        )
    if not body.notation.strip():
        raise DomainError(
            _("Cơ quan chưa có ký hiệu dùng trong số văn bản (ví dụ «CP»)."),
            code="no_notation",
        )


def _existing(
    subject_type: str, subject_id: str, body: Body, document_type: DocumentType
) -> RegisterEntry | None:
    entry = (
        RegisterEntry.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .select_related("body", "document_type")
        .first()
    )
    if entry is not None and (
        entry.body_id != body.pk or entry.document_type_id != document_type.pk
    ):
        raise DomainError(
            _("Văn bản này đã được cấp số %(number)s; không cấp thêm số khác.")
            % {"number": entry.number},
            code="already_numbered",
        )
    return entry


def number_assign(
    *,
    actor: User | None,
    body: Body,
    document_type: DocumentType,
    subject_type: str,
    subject_id: str,
    at: datetime | None = None,
) -> RegisterEntry:
    """Give the next number of ``body``'s ``document_type`` sequence to one document.

    Must run INSIDE the caller's issuance transaction (``RuntimeError`` otherwise): the
    number belongs to that transaction, so an issuance that rolls back leaves no gap. The
    counter row stays locked until the transaction ends; keep what follows in it short.
    Lock order: call this before the transaction's first ``audit_append`` (which locks the
    audit chain's head), as this function does, so two issuances never wait on each other
    in opposite orders on PostgreSQL.

    Idempotent per subject: a document that already has its number gets the same entry
    back (a retried issuance never takes a second number); the same document with another
    body or type is refused (``DomainError`` "already_numbered").

    ``actor`` is the records clerk or Office member issuing (``documents.manage`` in the
    body), or None for the body's automatic issuer. ``at`` is the instant of issuance
    (default: now); its calendar year in Vietnam time picks the sequence, so numbering
    restarts at 01 on 1 January at 00:00 in Hà Nội (31 December, 17:00 UTC).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("number_assign must run inside the issuing transaction")
    _check_reference(subject_type, subject_id)
    if at is None:
        at = timezone.now()
    elif at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    if actor is not None and not perms.can_manage_documents(actor, body):
        raise PermissionDenied
    existing = _existing(subject_type, subject_id, body, document_type)
    if existing is not None:
        return existing
    _check_sequence(body, document_type)
    year = vn_date(at).year

    # The lock that serialises issuers of one sequence: FOR UPDATE on PostgreSQL (a
    # second issuer's get waits here until the first transaction ends). SQLite ignores FOR
    # UPDATE; there the IMMEDIATE transaction already holds the database's write lock.
    # get_or_create retries its get when a concurrent first issuer of the year created the
    # row in between (its insert fails on the unique constraint inside a savepoint).
    counter, _created = NumberCounter.objects.select_for_update().get_or_create(
        body=body, document_type=document_type, year=year
    )
    # Under the lock: a concurrent issuance of the same document may have committed while
    # this one waited.
    again = _existing(subject_type, subject_id, body, document_type)
    if again is not None:
        return again
    sequence = counter.last + 1
    entry = RegisterEntry(
        body=body,
        document_type=document_type,
        year=year,
        sequence=sequence,
        number=format_number(sequence, document_type.abbreviation.strip(), body.notation.strip()),
        issued_at=at,
        subject_type=subject_type,
        subject_id=subject_id,
        actor=actor,
    )
    try:
        # A savepoint, so that the refusal below leaves the caller's transaction usable.
        with transaction.atomic():
            NumberCounter.objects.filter(pk=counter.pk).update(last=sequence)
            entry.save(force_insert=True)
    except IntegrityError:
        # Only reachable when the same document is numbered at the same instant in another
        # sequence (another type or body): the subject's unique constraint refused it.
        if RegisterEntry.objects.filter(subject_type=subject_type, subject_id=subject_id).exists():
            raise DomainError(
                _("Văn bản này vừa được cấp số ở một giao dịch khác; không cấp thêm số."),
                code="already_numbered",
            ) from None
        raise
    audit_append(
        actor=actor,
        verb="documents.number_assign",
        obj=entry,
        body=body,
        after={
            "number": entry.number,
            "year": year,
            "sequence": sequence,
            "document_type": document_type.abbreviation,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "issued_at": at,
        },
    )
    return entry


def register_list_for(
    user: AnyUser,
    body: Body,
    *,
    year: int | None = None,
    document_type: DocumentType | None = None,
) -> QuerySet[RegisterEntry]:
    """``body``'s register, newest year first, then by type and number (highest first).

    Whoever reads the body's documents reads its register; anyone else gets an empty list.
    """
    qs = RegisterEntry.objects.filter(body=body).select_related("document_type", "actor")
    if not perms.can_view_body_documents(user, body):
        return qs.none()
    if year is not None:
        qs = qs.filter(year=year)
    if document_type is not None:
        qs = qs.filter(document_type=document_type)
    return qs.order_by("-year", "document_type__order", "document_type__name", "-sequence")


def register_entry_for_subject(subject_type: str, subject_id: str) -> RegisterEntry | None:
    """The number given to a document, if any (for the issuing app's own pages and checks)."""
    return (
        RegisterEntry.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .select_related("body", "document_type")
        .first()
    )
