"""Issuance (ban hành, phát hành) of a signed resolution: number, seal, distribute.

Right after the chair's signature, the body's automatic issuer (``actor=None``), or a
records clerk who presses "Phát hành" when the body chose so (``ResolutionSettings``),
runs ``resolution_issue``:

1. **Number**, in one short transaction (docs/decisions/1102-numbering.md, advice for
   SQLite): ``documents.numbering.number_assign`` gives "85/NQ-CP" (per body, type and
   Vietnam-time year, no gaps, no duplicates); the number, sequence, year and the date
   printed beside it are stored on the resolution, which stays ``signed``. Numbering is
   idempotent per resolution: a retry gets the same number and the same date.
2. **Seal**, outside any transaction (about 0.4 s): ``signatures.pdf.pades.seal_and_number``
   fills the number and the date line ("Hà Nội, ngày 05 tháng 01 năm 2027") and applies
   the body's organisational signature with its seal and an RFC 3161 timestamp, in one
   incremental revision that keeps the chair's signature valid.
3. **Issued**, in a second transaction: the sealed PDF is kept, the resolution becomes
   ``issued`` with its public verification token, and every person in the system it is
   addressed to gets it in "Văn bản đến" (``ResolutionReceipt``) with a notification; those
   named to carry it out (a member, a unit) get a handling-ledger item too.
4. **External agencies**, after that commit: one edXML message each in the body's outbox
   (``exchange.services.outbox_enqueue``); an agency without an identifier becomes a
   "manual delivery" row, shown on the resolution's page.

A failure before step 3 (no organisational certificate or seal image, the TSA down, a
refusal of the sealing) leaves the resolution ``signed`` with its number and the chair's
signature untouched: the failure is recorded on the row and audited, and a retry is
scheduled (``tasks.retry_issue``, with backoff); the records clerk may also retry from the
page. Nobody signs twice: the retry seals the same signed PDF with the same number.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body, IssuingAgency, Membership, Role
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.core.body_settings import body_settings_update
from ecabinet.core.dates import vn_date
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.notifications.services import notification_send_each
from ecabinet.resolutions import ledger, selectors
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.content import Content, RecipientKind
from ecabinet.resolutions.models import (
    Resolution,
    ResolutionEvent,
    ResolutionFile,
    ResolutionReceipt,
    ResolutionSettings,
)
from ecabinet.resolutions.signing import file_bytes, file_discard, file_of, file_store
from ecabinet.resolutions.transitions import MACHINE

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.documents.models import RegisterEntry
    from ecabinet.exchange.models import OutgoingMessage

logger = logging.getLogger(__name__)

SUBJECT_TYPE = ledger.SUBJECT_TYPE
# The handling-ledger item of those named to carry the resolution out: take it in hand
# (done when they confirm it on their "Văn bản đến" page).
KIND_RECEIVE = "resolution.receive"
SEAL_REASON = "Phát hành nghị quyết"
# Minutes before the next automatic attempt after the 1st, 2nd, ... failure (then hourly).
RETRY_MINUTES = (1, 2, 5, 10, 30, 60)
# edXML ToPlaces holds 1,000 characters together.
TO_PLACES_MAX = 1000


# --- Settings ------------------------------------------------------------------------------


def settings_for(body: Body) -> ResolutionSettings:
    """The body's issuance rules (an unsaved row with the defaults when it has set none)."""
    row = ResolutionSettings.objects.filter(body=body).first()
    return row if row is not None else ResolutionSettings(body=body, version=0)


def resolution_settings_update(
    *, actor: User, body: Body, automatic_issue: bool, version: int
) -> ResolutionSettings:
    """Choose between the automatic issuer and a records clerk's "Phát hành"."""
    if not perms.can_configure_resolutions(actor, body):
        raise PermissionDenied
    return body_settings_update(
        ResolutionSettings,
        actor=actor,
        body=body,
        values={"automatic_issue": bool(automatic_issue)},
        version=version,
        verb="resolutions.settings_update",
    )


def records_clerks(body: Body) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            body=body, role=Role.RECORDS_CLERK, is_active=True, user__is_active=True
        ).select_related("user")
    ]


def _notify(users: list[User], resolution: Resolution, title: Any, text: str = "") -> None:
    notification_send_each(
        users,
        title=title,
        values={"title": resolution.title, "number": resolution.number},
        text=text,
        url=reverse("resolutions:detail", kwargs={"pk": resolution.pk}),
        body=resolution.body,
    )


def notify_awaiting_issue(resolution: Resolution) -> None:
    """The body issues by hand: its records clerks hear that a signed resolution waits
    (called in the signing transaction)."""
    _notify(
        records_clerks(resolution.body),
        resolution,
        gettext_lazy("Nghị quyết đã ký, chờ phát hành: %(title)s"),
    )


# --- Issuance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueResult:
    """What an issuance did: ``issued``, or the ``error`` recorded (a retry is scheduled);
    ``manual`` lists the external agencies to reach by other means."""

    resolution: Resolution
    issued: bool
    error: str = ""
    manual: tuple[OutgoingMessage, ...] = field(default_factory=tuple)
    already: bool = False


def _fresh(resolution: Resolution) -> Resolution:
    return Resolution.objects.select_related(
        "body", "document_type", "signer", "submitted_version"
    ).get(pk=resolution.pk)


def _locked(resolution: Resolution) -> Resolution:
    return (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("body", "document_type", "submitted_version")
        .get(pk=resolution.pk)
    )


def _check_actor(actor: User | None, resolution: Resolution) -> None:
    # None is the body's automatic issuer (the system); a person must be a records clerk.
    if actor is not None and not perms.is_records_clerk(actor, resolution.body):
        raise PermissionDenied


def resolution_issue(
    *, actor: User | None, resolution: Resolution, at: datetime | None = None
) -> IssueResult:
    """Number, seal, record as issued and distribute a signed resolution (see the module's
    docstring). ``actor`` is a records clerk of the body, or None for the automatic issuer
    (and the retries); ``at`` the instant of issuance for the number's year and the date
    printed (default now; ignored on a retry, which keeps the number already given).

    Never raises for a failure of the seal or the timestamp: the resolution stays
    ``signed``, the failure is recorded and a retry scheduled (``IssueResult.error``).
    Issuing an issued resolution again changes nothing (``already``).
    """
    row = _fresh(resolution)
    _check_actor(actor, row)
    if row.status == t.ISSUED:
        return IssueResult(row, issued=True, already=True)
    if row.status != t.SIGNED:
        raise InvalidTransition(_("Chỉ phát hành nghị quyết đã được ký."))
    signed = file_of(row, ResolutionFile.Kind.SIGNED)
    if signed is None:
        raise DomainError(_("Không tìm thấy bản nghị quyết đã ký."), code="not_signed")
    try:
        entry = _number(actor, row, at)
        if entry is None:  # issued meanwhile by a concurrent issuance
            return IssueResult(_fresh(row), issued=True, already=True)
        row = _fresh(row)
        sealed, serial = _seal(row, entry, file_bytes(signed, actor=actor))
    except Exception as exc:  # TSA down, no certificate, a refusal, a crash of the signer
        return _failed(actor, row, exc)
    stored = file_store(
        resolution=row,
        kind=ResolutionFile.Kind.ISSUED,
        pdf=sealed,
        version_sha256=signed.version_sha256,
        actor=actor,
    )
    try:
        issued = _record_issued(actor, row, entry, stored, serial)
    except Exception as exc:
        file_discard(stored)
        if isinstance(exc, DomainError):
            return _failed(actor, row, exc)
        raise
    if issued is None:  # a concurrent issuance recorded it first
        file_discard(stored)
        return IssueResult(_fresh(row), issued=True, already=True)
    manual = deliver_external(actor=actor, resolution=issued, entry=entry, pdf=sealed)
    return IssueResult(issued, issued=True, manual=tuple(manual))


def _number(actor: User | None, row: Resolution, at: datetime | None) -> RegisterEntry | None:
    """Step 1: the number, in its own short transaction (the counter stays locked until it
    ends). None when the resolution was issued meanwhile."""
    from ecabinet.documents.numbering import number_assign

    with transaction.atomic():
        locked = _locked(row)
        if locked.status != t.SIGNED:
            return None
        # number_assign locks the counter and audits: before our own audit event (lock order).
        entry = number_assign(
            actor=actor,
            body=locked.body,
            document_type=locked.document_type,
            subject_type=SUBJECT_TYPE,
            subject_id=str(locked.pk),
            at=at,
        )
        if locked.sequence is None:
            now = timezone.now()
            locked.number, locked.sequence, locked.year = entry.number, entry.sequence, entry.year
            locked.promulgation_date = vn_date(entry.issued_at)
            locked.version += 1
            locked.save(
                update_fields=["number", "sequence", "year", "promulgation_date", "version"]
            )
            ResolutionEvent.objects.create(
                resolution=locked,
                action=ResolutionEvent.Action.NUMBER,
                actor=actor,
                reason=entry.number,
                at=now,
            )
            audit_append(
                actor=actor,
                verb="resolutions.resolution_number",
                obj=locked,
                body=locked.body,
                after={
                    "number": entry.number,
                    "sequence": entry.sequence,
                    "year": entry.year,
                    "promulgation_date": locked.promulgation_date,
                },
            )
    return entry


def date_line(resolution: Resolution) -> str:
    """The place-and-date line printed beside the number: "Hà Nội, ngày 05 tháng 01 năm
    2027" (the date the number was given, Vietnam time)."""
    from ecabinet.signatures.pdf.layout import decree_date_line

    assert resolution.promulgation_date is not None
    return decree_date_line(resolution.body.place, resolution.promulgation_date)


def _seal(row: Resolution, entry: RegisterEntry, pdf: bytes) -> tuple[bytes, str]:
    """Step 2, outside any transaction: number, date and the body's seal on the signed PDF;
    returns the sealed PDF and the serial of the organisational certificate."""
    from ecabinet.signatures import tsa
    from ecabinet.signatures.ca import organisation_certificate_for, signer_for
    from ecabinet.signatures.models import SealImage
    from ecabinet.signatures.pdf.pades import seal_and_number

    certificate = organisation_certificate_for(row.body)
    if certificate is None:
        raise DomainError(
            _(
                "%(body)s chưa có chứng thư số của cơ quan (con dấu số) còn hiệu lực. Quản trị "
                "hệ thống cần cấp chứng thư cho cơ quan, sau đó phát hành lại."
            )
            % {"body": row.body.name},
            code="no_org_certificate",
        )
    image = SealImage.objects.filter(body=row.body).first()
    if image is None:
        raise DomainError(
            _("Cơ quan chưa có ảnh con dấu. Quản trị cơ quan cần tải ảnh con dấu lên."),
            code="no_seal_image",
        )
    sealed = seal_and_number(
        pdf,
        org_signer=signer_for(certificate),
        timestamper=tsa.timestamper_for_settings(),
        seal_png=bytes(image.png),
        number=entry.code_number,
        date_text=date_line(row),
        reason=SEAL_REASON,
    )
    return sealed, certificate.serial


def _retry_delay(attempts: int) -> timedelta:
    index = min(max(attempts, 1), len(RETRY_MINUTES)) - 1
    return timedelta(minutes=RETRY_MINUTES[index])


def _failed(actor: User | None, row: Resolution, exc: BaseException) -> IssueResult:
    """Record a failed attempt (the resolution stays signed, its number kept), audit it and
    schedule the next one."""
    from ecabinet.resolutions.tasks import retry_issue

    if isinstance(exc, DomainError):
        message, code = str(exc.message), exc.code
    else:
        logger.exception("issuance of resolution %s failed", row.pk)
        message = _("Lỗi khi đóng dấu, cấp dấu thời gian: %(error)s") % {
            "error": type(exc).__name__
        }
        code = "error"
    message = message[:500]
    with transaction.atomic():
        locked = _locked(row)
        if locked.status != t.SIGNED:
            return IssueResult(_fresh(row), issued=locked.status == t.ISSUED, already=True)
        now = timezone.now()
        first = locked.issue_attempts == 0 or not locked.issue_error
        locked.issue_attempts += 1
        locked.issue_error = message
        locked.issue_failed_at = now
        locked.issue_retry_at = now + _retry_delay(locked.issue_attempts)
        locked.version += 1
        locked.save(
            update_fields=[
                "issue_attempts",
                "issue_error",
                "issue_failed_at",
                "issue_retry_at",
                "version",
            ]
        )
        ResolutionEvent.objects.create(
            resolution=locked,
            action=ResolutionEvent.Action.ISSUE_FAILED,
            actor=actor,
            reason=message[:1000],
            at=now,
        )
        audit_append(
            actor=actor,
            verb="resolutions.issue_failed",
            obj=locked,
            body=locked.body,
            after={
                "attempt": locked.issue_attempts,
                "code": code,
                "error": message,
                "number": locked.number,
                "retry_at": locked.issue_retry_at,
            },
        )
        if first:
            # The records office hears of it once, not at every retry.
            _notify(
                records_clerks(locked.body) + [u for u in (locked.submitted_by,) if u is not None],
                locked,
                gettext_lazy("Chưa phát hành được nghị quyết: %(title)s"),
                message,
            )
        pk, retry_at = locked.pk, locked.issue_retry_at
        transaction.on_commit(
            lambda: retry_issue.using(run_after=retry_at).enqueue(pk), robust=True
        )
    return IssueResult(_fresh(row), issued=False, error=message)


def _record_issued(
    actor: User | None,
    row: Resolution,
    entry: RegisterEntry,
    stored: ResolutionFile,
    serial: str,
) -> Resolution | None:
    """Step 3: the sealed PDF kept, the state ``issued``, the people in the system told."""
    from ecabinet.signatures.ca import check_can_sign, organisation_certificate_for

    with transaction.atomic():
        locked = _locked(row)
        if locked.status != t.SIGNED:
            return None
        # Revoked while we sealed? Then the seal is not kept (retried with a new one).
        certificate = organisation_certificate_for(locked.body)
        if certificate is None or certificate.serial != serial:
            raise DomainError(
                _("Chứng thư số của cơ quan vừa bị thu hồi hoặc thay đổi trong khi đóng dấu."),
                code="org_certificate_changed",
            )
        check_can_sign(certificate)
        now = timezone.now()
        stored.save()
        locked.status = MACHINE.target("issue", locked.status)
        locked.issued_at = now
        locked.issued_by = actor
        locked.verify_token = uuid.uuid4()
        locked.issue_error = ""
        locked.issue_retry_at = None
        locked.version += 1
        locked.save(
            update_fields=[
                "status",
                "issued_at",
                "issued_by",
                "verify_token",
                "issue_error",
                "issue_retry_at",
                "version",
            ]
        )
        ResolutionEvent.objects.create(
            resolution=locked,
            action=ResolutionEvent.Action.ISSUE,
            actor=actor,
            reason=entry.number,
            at=now,
        )
        receipts = deliver_internal(actor=actor, resolution=locked, now=now)
        audit_append(
            actor=actor,
            verb="resolutions.resolution_issue",
            obj=locked,
            body=locked.body,
            before={"status": t.SIGNED},
            after={
                "status": locked.status,
                "number": entry.number,
                "promulgation_date": locked.promulgation_date,
                "issued_sha256": stored.sha256,
                "seal_certificate_serial": serial,
                "automatic": actor is None,
                "attempts_failed": locked.issue_attempts,
                "internal_recipients": len(receipts),
            },
        )
    return locked


# --- Distribution --------------------------------------------------------------------------


@dataclass
class _Addressee:
    membership: Membership
    via: str
    must_act: bool


def internal_recipients(body: Body, content: Content) -> list[_Addressee]:
    """Every active person of the body the recipients list names: all voting members
    ("members"), a member by name, the people of a unit. Those named (a member, a unit)
    carry it out (``must_act``); one entry per person. At most three queries."""
    found: dict[int, _Addressee] = {}

    def add(memberships: Any, via: str, must_act: bool) -> None:
        for m in memberships:
            known = found.get(m.user_id)
            if known is None:
                found[m.user_id] = _Addressee(m, via, must_act)
            elif must_act and not known.must_act:
                known.must_act, known.via = True, via

    active = Membership.objects.filter(body=body, is_active=True, user__is_active=True)
    active = active.select_related("user").order_by("precedence", "pk")
    member_ids = [r.ref for r in content.recipients_of(RecipientKind.MEMBER) if r.ref]
    unit_ids = [r.ref for r in content.recipients_of(RecipientKind.UNIT) if r.ref]
    if member_ids:
        add(active.filter(pk__in=member_ids), RecipientKind.MEMBER, True)
    if unit_ids:
        add(active.filter(unit_id__in=unit_ids), RecipientKind.UNIT, True)
    if content.recipients_of(RecipientKind.MEMBERS):
        add(active.filter(role__in=VOTING_ROLES), RecipientKind.MEMBERS, False)
    return list(found.values())


def deliver_internal(
    *, actor: User | None, resolution: Resolution, now: datetime
) -> list[ResolutionReceipt]:
    """In the issuing transaction: a receipt in each person's "Văn bản đến", a
    notification, and a ledger item for those who carry it out."""
    version = resolution.submitted_version
    assert version is not None
    addressees = internal_recipients(resolution.body, selectors.content_of(version))
    receipts = [
        ResolutionReceipt(
            resolution=resolution,
            user=a.membership.user,
            membership=a.membership,
            via=a.via,
            must_act=a.must_act,
            delivered_at=now,
        )
        for a in addressees
    ]
    ResolutionReceipt.objects.bulk_create(receipts, ignore_conflicts=True)
    title = f"{resolution.number} {resolution.title}"
    url = reverse("resolutions:detail", kwargs={"pk": resolution.pk})
    told: set[int] = set()
    if ledger.ledger_installed():
        from ecabinet.tracking.services import assignment_create

        for a in addressees:
            if a.must_act:
                assignment_create(
                    actor=actor,
                    body=resolution.body,
                    assignee=a.membership.user,
                    kind=KIND_RECEIVE,
                    subject_type=SUBJECT_TYPE,
                    subject_id=str(resolution.pk),
                    title=title,
                    url=url,
                    due_at=None,
                    notify=True,
                )
                told.add(a.membership.user_id)
    _notify(
        [a.membership.user for a in addressees if a.membership.user_id not in told],
        resolution,
        gettext_lazy("Văn bản đến: Nghị quyết số %(number)s — %(title)s"),
    )
    return receipts


def external_recipients(body: Body, content: Content) -> list[Any]:
    """The agencies outside the system (edXML), with their current identifier from the
    catalogue (the one saved in the content when the agency is gone)."""
    from ecabinet.exchange.services import Recipient

    agencies = content.recipients_of(RecipientKind.AGENCY)
    current = {
        a.pk: a
        for a in IssuingAgency.objects.filter(body=body, pk__in=[r.ref for r in agencies if r.ref])
    }
    result = []
    for r in agencies:
        agency = current.get(r.ref) if r.ref else None
        organ_id = (agency.organ_id if agency is not None else r.organ_id) or ""
        result.append(Recipient(name=r.name, organ_id=organ_id.strip()))
    return result


def _to_places(content: Content) -> tuple[str, ...]:
    places: list[str] = []
    for r in content.recipients:
        candidate = [*places, r.name]
        if len(unicodedata.normalize("NFC", ", ".join(candidate))) > TO_PLACES_MAX:
            break
        places = candidate
    return tuple(places)


def outgoing_document(resolution: Resolution, entry: RegisterEntry, pdf: bytes) -> Any:
    """The edXML metadata of the issued resolution, its sealed PDF attached."""
    from ecabinet.exchange import edxml
    from ecabinet.exchange.services import OutgoingDocument

    version = resolution.submitted_version
    assert version is not None
    assert resolution.promulgation_date is not None
    content = selectors.content_of(version)
    filename = entry.number.replace("/", "-") + ".pdf"
    return OutgoingDocument(
        code=edxml.Code(entry.code_number, entry.code_notation),
        promulgation_date=resolution.promulgation_date,
        document_type=edxml.document_type_for(resolution.document_type.abbreviation),
        subject=content.summary,
        signer=edxml.SignerInfo(
            competence=content.signer.authority,
            position=content.signer.title,
            full_name=content.signer.name,
        ),
        attachments=(
            edxml.Attachment(
                name=filename,
                content_type="application/pdf",
                data=pdf,
                description=content.title,
            ),
        ),
        to_places=_to_places(content),
    )


def deliver_external(
    *, actor: User | None, resolution: Resolution, entry: RegisterEntry, pdf: bytes
) -> list[OutgoingMessage]:
    """One edXML message per external agency in the body's outbox (after the issuing
    commit; idempotent per agency). Returns the agencies to reach by hand. A failure is
    logged, audited and retried by a task; the resolution stays issued."""
    from ecabinet.exchange.services import outbox_enqueue
    from ecabinet.resolutions.tasks import retry_external

    version = resolution.submitted_version
    assert version is not None
    recipients = external_recipients(resolution.body, selectors.content_of(version))
    if not recipients:
        return []
    try:
        result = outbox_enqueue(
            actor=actor,
            body=resolution.body,
            recipients=recipients,
            document=outgoing_document(resolution, entry, pdf),
            subject_type=SUBJECT_TYPE,
            subject_id=str(resolution.pk),
            title=f"Nghị quyết {entry.number}: {resolution.summary}",
        )
    except Exception as exc:
        logger.exception("edXML messages of resolution %s were not written", resolution.pk)
        with transaction.atomic():
            audit_append(
                actor=actor,
                verb="resolutions.outbox_failed",
                obj=resolution,
                body=resolution.body,
                after={
                    "error": str(getattr(exc, "message", exc))[:300],
                    "recipients": len(recipients),
                },
            )
            pk = resolution.pk
            transaction.on_commit(
                lambda: retry_external.using(
                    run_after=timezone.now() + timedelta(minutes=RETRY_MINUTES[0])
                ).enqueue(pk),
                robust=True,
            )
        return []
    return result.manual


def redeliver_external(*, resolution: Resolution) -> list[OutgoingMessage]:
    """Write the edXML messages of an issued resolution again (the stored ones are kept:
    ``outbox_enqueue`` is idempotent per agency); the task's retry after a failure."""
    from ecabinet.documents.numbering import register_entry_for_subject

    row = _fresh(resolution)
    entry = register_entry_for_subject(SUBJECT_TYPE, str(row.pk))
    issued = file_of(row, ResolutionFile.Kind.ISSUED)
    if row.status != t.ISSUED or entry is None or issued is None:
        return []
    return deliver_external(
        actor=None, resolution=row, entry=entry, pdf=file_bytes(issued, actor=None)
    )


def issue_due(now: datetime | None = None) -> int:
    """Retry every failed issuance whose next attempt is due; the number issued."""
    now = now or timezone.now()
    due = list(
        Resolution.objects.filter(
            status=t.SIGNED, issue_retry_at__isnull=False, issue_retry_at__lte=now
        )
        .order_by("issue_retry_at", "pk")
        .values_list("pk", flat=True)
    )
    issued = 0
    for pk in due:
        row = Resolution.objects.select_related("body").get(pk=pk)
        if resolution_issue(actor=None, resolution=row).issued:
            issued += 1
    return issued


# --- Reading receipts ----------------------------------------------------------------------


def receipt_read(*, actor: User, resolution: Resolution) -> bool:
    """The person opened an issued resolution addressed to them: the first reading is
    kept (a later opening writes nothing). True when this was the first reading."""
    if not actor.is_authenticated:
        return False
    unread = ResolutionReceipt.objects.filter(
        resolution=resolution, user=actor, read_at__isnull=True
    )
    # Read first: most openings are not the first, and need no write (nor its lock).
    if not unread.exists():
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = ResolutionReceipt.objects.filter(
            resolution=resolution, user=actor, read_at__isnull=True
        ).update(read_at=now)
        if updated:
            audit_append(
                actor=actor,
                verb="resolutions.receipt_read",
                obj=resolution,
                body=resolution.body_id,
                after={"read_at": now},
            )
    return bool(updated)


def receipt_acknowledge(*, actor: User, resolution: Resolution) -> ResolutionReceipt:
    """Someone named to carry the resolution out confirms they took it in hand: the time
    is kept (the first one) and their ledger item is done."""
    receipt = ResolutionReceipt.objects.filter(resolution=resolution, user=actor).first()
    if receipt is None or not receipt.must_act:
        raise PermissionDenied
    with transaction.atomic():
        row = ResolutionReceipt.objects.select_for_update().get(pk=receipt.pk)
        if row.acknowledged_at is not None:
            return row
        now = timezone.now()
        row.read_at = row.read_at or now
        row.acknowledged_at = now
        row.save(update_fields=["read_at", "acknowledged_at"])
        audit_append(
            actor=actor,
            verb="resolutions.receipt_acknowledge",
            obj=resolution,
            body=resolution.body_id,
            after={"acknowledged_at": now},
        )
        if ledger.ledger_installed():
            from ecabinet.tracking.selectors import assignment_open_of
            from ecabinet.tracking.services import assignment_done

            item = assignment_open_of(
                actor, subject_type=SUBJECT_TYPE, subject_id=str(resolution.pk), kind=KIND_RECEIVE
            )
            if item is not None:
                assignment_done(actor=actor, assignment=item)
    return row
