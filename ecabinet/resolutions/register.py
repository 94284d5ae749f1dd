"""The register of issued resolutions, their public verification, the incoming lists, and
amendments and revocations (new resolutions pointing at an issued one).

- **Register**: a body's issued resolutions with number, date, signer and status, newest
  number first, filtered by year and searched accent-insensitively (the project's
  folding, ``search.folding``, as the meetings' search does: every word typed must start a
  word of the number, title, summary or signer's name; "nghi quyet" finds "Nghị quyết").
  Everyone of the body reads it (an issued resolution is visible to all its members).
- **Public verification**: an issued resolution has a random token; its page (no login)
  shows the signature report of the issued PDF (``signatures.verify.verify_bytes``: the
  chair's signature and the body's seal, both with their timestamp) and offers the PDF.
  Nothing else has a token: drafts and signed-but-not-issued resolutions are never
  reachable there.
- **Amendment, revocation**: a signed resolution is never edited. The Office drafts a new
  resolution from the issued one's page (``resolution_create_amendment``), with ``amends``
  and the kind; both pages show the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ecabinet.audit.services import audit_append
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import selectors, services
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.content import Content, Section, clean_content, content_hash
from ecabinet.resolutions.models import (
    Resolution,
    ResolutionEvent,
    ResolutionFile,
    ResolutionReceipt,
    ResolutionVersion,
)
from ecabinet.search.folding import folded_terms

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body
    from ecabinet.bodies.permissions import AnyUser
    from ecabinet.signatures.verify import VerifyReport

SEARCH_TEXT_MAX = 200
SEARCH_TERMS_MAX = 16
SEARCH_SCAN_MAX = 5000
VERIFY_CACHE_SECONDS = 600


# --- The register --------------------------------------------------------------------------


def _issued_for(user: AnyUser, body: Body) -> QuerySet[Resolution]:
    return (
        selectors.resolution_list_for(user, body)
        .filter(status=t.ISSUED)
        .select_related("signer", "amends")
    )


def register_years(user: AnyUser, body: Body) -> list[int]:
    """The years of the body's register, newest first."""
    years = _issued_for(user, body).order_by().values_list("year", flat=True).distinct()
    return sorted({y for y in years if y is not None}, reverse=True)


@dataclass
class RegisterResult:
    rows: list[Resolution]
    truncated: bool = False


def _matches(terms: Sequence[str], tokens: set[str]) -> bool:
    # Every word must start one of the resolution's words ("quyet" finds "quyết").
    return all(any(token.startswith(term) for token in tokens) for term in terms)


def register_search(
    user: AnyUser, body: Body, *, text: str = "", year: int | None = None
) -> RegisterResult:
    """The body's issued resolutions the user reads, newest year and number first, in
    ``year`` (the number's year) and matching every word of ``text`` accent-insensitively
    in the number, title, summary or signer's name. One query."""
    qs = _issued_for(user, body)
    if year is not None:
        qs = qs.filter(year=year)
    qs = qs.order_by("-year", "-sequence", "-pk")
    terms = list(dict.fromkeys(folded_terms((text or "")[:SEARCH_TEXT_MAX])))[:SEARCH_TERMS_MAX]
    rows = list(qs[: SEARCH_SCAN_MAX + 1])
    truncated = len(rows) > SEARCH_SCAN_MAX
    rows = rows[:SEARCH_SCAN_MAX]
    if terms:
        rows = [
            r
            for r in rows
            if _matches(
                terms,
                set(folded_terms(f"{r.number} {r.title} {r.summary} {r.signer.full_name}")),
            )
        ]
    return RegisterResult(rows=rows, truncated=truncated)


# --- One issued resolution: its files, deliveries and links --------------------------------


def issued_file(resolution: Resolution) -> ResolutionFile | None:
    if resolution.status != t.ISSUED:
        return None
    return (
        ResolutionFile.objects.filter(resolution=resolution, kind=ResolutionFile.Kind.ISSUED)
        .select_related("resolution")
        .first()
    )


def amendments_of(user: AnyUser, resolution: Resolution) -> list[Resolution]:
    """The resolutions that amend or revoke this one and that the user may see."""
    return list(
        selectors.resolution_list_for(user, resolution.body)
        .filter(amends=resolution)
        .exclude(status=t.CANCELLED)
        .order_by("created_at", "pk")
    )


def issued_amendments(resolution: Resolution) -> list[Resolution]:
    """The issued amendments and revocations of this one (for the public page)."""
    return list(
        Resolution.objects.filter(amends=resolution, status=t.ISSUED).order_by("issued_at", "pk")
    )


def outgoing_of(resolution: Resolution) -> list[Any]:
    """The edXML messages and manual deliveries to external agencies."""
    from ecabinet.exchange.selectors import outgoing_for_subject
    from ecabinet.resolutions.ledger import SUBJECT_TYPE

    return list(outgoing_for_subject(resolution.body, SUBJECT_TYPE, str(resolution.pk)))


def receipts_of(resolution: Resolution) -> list[ResolutionReceipt]:
    return list(
        ResolutionReceipt.objects.filter(resolution=resolution)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


# --- Incoming list ("Văn bản đến") ---------------------------------------------------------


def received_for(user: AnyUser) -> QuerySet[ResolutionReceipt]:
    """The issued resolutions addressed to the user, newest first, in bodies they still
    belong to. One query."""
    if not user.is_authenticated or not user.is_active:
        return ResolutionReceipt.objects.none()
    return (
        ResolutionReceipt.objects.filter(
            user_id=user.pk,
            resolution__status=t.ISSUED,
            resolution__body__is_active=True,
            resolution__body__memberships__user_id=user.pk,
            resolution__body__memberships__is_active=True,
        )
        .select_related("resolution", "resolution__body", "resolution__signer")
        .distinct()
        .order_by("-delivered_at", "-pk")
    )


def unread_count(user: AnyUser) -> int:
    return received_for(user).filter(read_at__isnull=True).count()


# --- Public verification -------------------------------------------------------------------


def resolution_by_token(token: Any) -> Resolution:
    """The issued resolution with this verification token; 404 for anything else."""
    row = (
        Resolution.objects.select_related("body", "document_type", "signer")
        .filter(verify_token=token, status=t.ISSUED)
        .first()
    )
    if row is None:
        raise Http404
    return row


def verification_report(resolution: Resolution) -> tuple[VerifyReport, ResolutionFile]:
    """The signature report of the issued PDF (cached a few minutes per file: the page is
    public and a validation costs tens of milliseconds)."""
    from ecabinet.resolutions.signing import file_bytes
    from ecabinet.signatures.verify import verify_bytes

    row = issued_file(resolution)
    if row is None:
        raise Http404
    key = f"resolutions:verify:{row.sha256}"
    report = cache.get(key)
    if report is None:
        report = verify_bytes(file_bytes(row))
        cache.set(key, report, VERIFY_CACHE_SECONDS)
    return report, row


# --- Amendments and revocations ------------------------------------------------------------


def _amendment_content(earlier: Resolution, kind: str) -> Content:
    version = earlier.submitted_version
    assert version is not None
    assert earlier.promulgation_date is not None
    before = selectors.content_of(version)
    body = earlier.body
    dated = earlier.promulgation_date.strftime("%d/%m/%Y")
    reference = f"Nghị quyết số {earlier.number} ngày {dated} của {body.name}"
    if kind == Resolution.AmendmentKind.REVOKE:
        title = f"Nghị quyết bãi bỏ {reference}"
        summary = f"Bãi bỏ {reference}"
        sections = (
            Section("revoke", "Điều 1.", (f"Bãi bỏ {reference} ({earlier.summary}).",)),
            Section("effect", "Điều 2.", ("Nghị quyết này có hiệu lực kể từ ngày ký ban hành.",)),
        )
    else:
        title = f"Nghị quyết sửa đổi, bổ sung {reference}"
        summary = f"Sửa đổi, bổ sung {reference}"
        sections = (
            Section(
                "amend",
                f"Điều 1. Sửa đổi, bổ sung một số nội dung của {reference}",
                ("Văn phòng ghi các nội dung được sửa đổi, bổ sung.",),
            ),
            Section("effect", "Điều 2.", ("Nghị quyết này có hiệu lực kể từ ngày ký ban hành.",)),
        )
    return Content(
        title=title[:300],
        summary=summary[:500],
        sections=sections,
        signer=before.signer,
        preamble=before.preamble,
        recipients=before.recipients,
    )


def resolution_create_amendment(*, actor: User, earlier: Resolution, kind: str) -> Resolution:
    """The Office drafts a resolution that amends (``amend``) or revokes (``revoke``) an
    issued one: a new draft (version 1) pointing at it, with the same recipients and legal
    bases, then edited, consulted, signed and issued like any other."""
    if not perms.can_manage_resolution(actor, earlier):
        raise PermissionDenied
    if kind not in Resolution.AmendmentKind.values:
        raise DomainError(_("Hãy chọn sửa đổi, bổ sung hoặc bãi bỏ."), code="bad_kind")
    row = (
        Resolution.objects.select_related("body", "submitted_version").filter(pk=earlier.pk).first()
    )
    if row is None or row.status != t.ISSUED:
        raise InvalidTransition(_("Chỉ sửa đổi, bãi bỏ nghị quyết đã ban hành."))
    content = clean_content(_amendment_content(row, kind))
    document_type = services._document_type(row.body)
    chair = services._chair(row.body)
    content = services._with_chair(content, chair)
    data = content.to_json()
    sha256 = content_hash(data)
    with transaction.atomic():
        created = Resolution.objects.create(
            body=row.body,
            document_type=document_type,
            title=content.title,
            summary=content.summary,
            source=Resolution.Source.AMENDMENT,
            amends=row,
            amendment_kind=kind,
            signer=chair.user,
            created_by=actor,
        )
        version = ResolutionVersion.objects.create(
            resolution=created,
            number=1,
            content=data,
            sha256=sha256,
            author=actor,
            note=str(Resolution.AmendmentKind(kind).label),
        )
        created.current_version = version
        created.save(update_fields=["current_version"])
        services._event(created, ResolutionEvent.Action.CREATE, actor, version_number=1)
        audit_append(
            actor=actor,
            verb="resolutions.resolution_create",
            obj=created,
            body=row.body,
            after={
                "source": Resolution.Source.AMENDMENT,
                "amends": row.pk,
                "amends_number": row.number,
                "kind": kind,
                "title": content.title,
                "version": 1,
                "sha256": sha256,
                "sections": [s.key for s in content.sections],
            },
        )
    return created
