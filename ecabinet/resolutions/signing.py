"""The chair signs the resolution on their phone: the frozen version as a Decree 30 PDF,
PAdES with their certificate and signature image, confirmed by step-up (TOTP).

The steps follow the ballots' signed report (``ballots.services.report_sign_request`` /
``report_sign``):

1. ``signing_draft``: the frozen version (``selectors.version_to_sign``) is rendered once
   per submitted hash and kept encrypted (``ResolutionFile`` "draft"). The signing page
   shows exactly these bytes, and exactly these bytes are signed: a rendering is not
   byte-for-byte reproducible (the PDF carries its creation time and ids).
2. ``resolution_sign_request``: the page posts the content hash and the row version it was
   shown with; a resolution returned and submitted again meanwhile (another hash, or the
   same hash in another submission) is refused, and the page is shown again. The step-up
   challenge is asked over ``pdf_sign_content(draft)``.
3. ``resolution_sign``: spends the confirmation, signs (``signatures.pdfsign.pdf_sign``,
   PAdES B-T: the slow part, outside any transaction), stores the signed PDF, then under
   the row's lock checks the state and the submission again and records the signature.
   The chair's ledger item is finished. Issuance follows at once when the body issues
   automatically (``issuance.resolution_issue`` with the automatic issuer); a failure
   there never touches the signature. Otherwise the records clerks are told.

Every PDF is stored with the documents' encrypted file storage (``documents.storage``:
AES-GCM under a per-file key sealed with the KEK, bound to the file's id and kind).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.audit.services import audit_append
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.resolutions import ledger, selectors
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.models import Resolution, ResolutionEvent, ResolutionFile
from ecabinet.resolutions.transitions import MACHINE

if TYPE_CHECKING:
    from ecabinet.accounts.models import StepUpChallenge, User

logger = logging.getLogger(__name__)

PURPOSE = "resolution.sign"
# Words of the signature (content, not interface: always Vietnamese).
SIGN_REASON = "Ký ban hành nghị quyết"


# --- Encrypted PDFs ------------------------------------------------------------------------


def _slot(kind: str) -> str:
    return f"resolution-{kind}"


def file_store(
    *,
    resolution: Resolution,
    kind: str,
    pdf: bytes,
    version_sha256: str,
    actor: User | None,
) -> ResolutionFile:
    """Encrypt and write ``pdf``; returns the unsaved row (the caller saves it in its
    transaction, or calls ``file_discard`` when it does not)."""
    from ecabinet.documents.storage import store_encrypted

    row = ResolutionFile(
        resolution=resolution,
        kind=kind,
        version_sha256=version_sha256,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        created_by=actor,
        created_at=timezone.now(),
    )
    row.storage_name, row.wrapped_key = store_encrypted(pdf, version_id=row.id, slot=_slot(kind))
    return row


def file_discard(row: ResolutionFile) -> None:
    """Remove a stored file that no row names (the transaction that would have kept it did
    not commit)."""
    from ecabinet.documents.storage import delete_quietly

    delete_quietly(row.storage_name)


class FileUnreadable(DomainError):
    def __init__(self) -> None:
        super().__init__(
            gettext_lazy(
                "Không giải mã được tệp nghị quyết: tệp hoặc khóa của nó đã bị thay đổi hay "
                "thất lạc. Sự cố đã được ghi lại; hãy báo cho quản trị hệ thống."
            ),
            code="unreadable",
        )


def file_bytes(row: ResolutionFile, *, actor: User | None = None) -> bytes:
    """The decrypted PDF, checked against its hash. A failure is audited (in its own
    transaction) and raised as ``FileUnreadable`` (a 409 page), never served."""
    from ecabinet.documents.storage import UnreadableFile, read_decrypted

    try:
        data = read_decrypted(
            row.storage_name, bytes(row.wrapped_key), version_id=row.id, slot=_slot(row.kind)
        )
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise UnreadableFile("the file does not match its hash")
    except UnreadableFile as exc:
        logger.error("resolution file %s does not decrypt: %s", row.pk, exc)
        with transaction.atomic():
            audit_append(
                actor=actor,
                verb="resolutions.file_unreadable",
                obj=row.resolution,
                body=row.resolution.body_id,
                after={"file": str(row.pk), "kind": row.kind, "error": str(exc)[:200]},
            )
        raise FileUnreadable from exc
    return data


def rewrap_all() -> int:
    """Re-wrap every resolution file's data key with the current KEK (``ecabinet keys``);
    the number changed. A key that does not open stops the rotation."""
    from ecabinet.core import envelope
    from ecabinet.documents.storage import aad_for

    count = 0
    current = envelope.current_kek_id()
    rows = ResolutionFile.objects.order_by("pk").values_list("pk", "kind", "wrapped_key")
    for pk, kind, wrapped in rows.iterator():
        blob = bytes(wrapped)
        aad = aad_for(pk, _slot(kind))
        if envelope.kek_id_of(blob) == current:
            envelope.open_sealed(blob, aad=aad)
            continue
        # ResolutionFile.save refuses updates: the key is the only field that changes.
        ResolutionFile.objects.filter(pk=pk).update(wrapped_key=envelope.rewrap(blob, aad=aad))
        count += 1
    return count


def file_of(resolution: Resolution, kind: str) -> ResolutionFile | None:
    """The signed or the issued PDF's row, if any."""
    return (
        ResolutionFile.objects.filter(resolution=resolution, kind=kind)
        .select_related("resolution")
        .first()
    )


# --- The PDF shown and signed --------------------------------------------------------------


def signing_draft(resolution: Resolution) -> ResolutionFile:
    """The frozen version as the PDF the chair reads and signs, rendered once per submitted
    hash (a resolution returned and submitted again with other content gets a new one).

    Raises like ``selectors.version_to_sign`` when the resolution does not await signature
    or its stored content no longer matches the hash recorded at submission.
    """
    from ecabinet.resolutions.printing import render_version_pdf

    version = selectors.version_to_sign(resolution)
    existing = (
        ResolutionFile.objects.filter(
            resolution=resolution, kind=ResolutionFile.Kind.DRAFT, version_sha256=version.sha256
        )
        .select_related("resolution")
        .first()
    )
    if existing is not None:
        return existing
    row = Resolution.objects.select_related("body", "document_type").get(pk=resolution.pk)
    pdf = render_version_pdf(row, version)
    draft = file_store(
        resolution=row,
        kind=ResolutionFile.Kind.DRAFT,
        pdf=pdf,
        version_sha256=version.sha256,
        actor=None,
    )
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        # Another page rendered it at the same moment: show and sign that one.
        file_discard(draft)
        return ResolutionFile.objects.select_related("resolution").get(
            resolution=resolution, kind=ResolutionFile.Kind.DRAFT, version_sha256=version.sha256
        )
    return draft


# --- Signing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignRequest:
    """The step-up challenge and what to keep until the signature (the session keeps it)."""

    challenge: StepUpChallenge
    draft: ResolutionFile
    kept: str


def _check_signer(actor: User, resolution: Resolution) -> None:
    if not (
        perms.is_chair(actor, resolution.body)
        and getattr(actor, "pk", None) == resolution.signer_id
    ):
        raise PermissionDenied


def _already_signed() -> DomainError:
    return DomainError(_("Nghị quyết đã được ký."), code="already_signed")


def _changed() -> DomainError:
    return DomainError(
        _(
            "Nội dung trình ký đã thay đổi sau khi trang được mở (Văn phòng đã trình lại). "
            "Chưa ký gì. Hãy đọc lại văn bản mới rồi ký."
        ),
        code="changed",
    )


def _stale() -> DomainError:
    return DomainError(
        _(
            "Trang ký đã cũ: nghị quyết vừa được trả lại hoặc trình lại. Chưa ký gì. "
            "Hãy mở lại trang ký."
        ),
        code="stale",
    )


def _check_state(row: Resolution, *, version_sha256: str, row_version: int) -> None:
    if row.status in (t.SIGNED, t.ISSUED):
        raise _already_signed()
    if row.status != t.AWAITING_SIGNATURE:
        raise InvalidTransition(_("Nghị quyết không ở trạng thái chờ ký."))
    if row.submitted_sha256 != version_sha256:
        raise _changed()
    if row.version != row_version:
        raise _stale()


def _check_signature_image(actor: User) -> None:
    from ecabinet.signatures.models import SignatureImage

    if not SignatureImage.objects.filter(user=actor).exists():
        raise DomainError(
            _("Bạn chưa có ảnh chữ ký. Tải ảnh chữ ký lên trước khi ký nghị quyết."),
            code="no_signature_image",
        )


def _draft_for(resolution: Resolution, draft_id: Any, version_sha256: str) -> ResolutionFile:
    draft = (
        ResolutionFile.objects.filter(
            pk=draft_id, resolution=resolution, kind=ResolutionFile.Kind.DRAFT
        )
        .select_related("resolution")
        .first()
        if draft_id
        else None
    )
    if draft is None or draft.version_sha256 != version_sha256:
        raise _changed()
    return draft


def sign_summary(resolution: Resolution, pdf_sha256: str, sections: int) -> str:
    """What the step-up page says the chair signs."""
    from ecabinet.accounts.stepup import grouped_hash

    return _("Bạn ký: Nghị quyết «%(title)s» — %(sections)s mục; tệp PDF mã băm %(hash)s") % {
        "title": resolution.title,
        "sections": sections,
        "hash": grouped_hash(pdf_sha256, groups=4),
    }


def resolution_sign_request(
    *,
    actor: User,
    resolution: Resolution,
    session_key: str | None,
    version_sha256: str,
    row_version: int,
    draft_id: Any,
) -> SignRequest:
    """The chair asks to sign the PDF they were shown (``draft_id``), rendered from the
    content with hash ``version_sha256`` while the row was at ``row_version``.

    Refused, with nothing written, when the submission changed since the page was shown,
    when the chair has no valid certificate (revoked, expired) or no signature image.
    """
    from ecabinet.accounts.stepup import stepup_request
    from ecabinet.ballots.services import signing_certificate
    from ecabinet.signatures.pdfsign import pdf_sign_content

    _check_signer(actor, resolution)
    row = Resolution.objects.select_related("body").get(pk=resolution.pk)
    _check_state(row, version_sha256=version_sha256, row_version=row_version)
    selectors.version_to_sign(row)
    draft = _draft_for(row, draft_id, version_sha256)
    signing_certificate(actor, row.body)
    _check_signature_image(actor)
    pdf = file_bytes(draft, actor=actor)
    version = row.submitted_version
    assert version is not None
    sections = len(selectors.content_of(version).sections)
    challenge = stepup_request(
        actor=actor,
        session_key=session_key,
        purpose=PURPOSE,
        content=pdf_sign_content(pdf),
        summary=sign_summary(row, draft.sha256, sections)[:2000],
    )
    kept = json.dumps({"draft": str(draft.pk), "version": row_version, "sha256": version_sha256})
    return SignRequest(challenge, draft, kept)


def _parse_kept(kept: str) -> tuple[str, int, str]:
    try:
        data = json.loads(kept)
        return str(data["draft"]), int(data["version"]), str(data["sha256"])
    except (ValueError, KeyError, TypeError):
        raise DomainError(
            _("Không tìm thấy nội dung cần ký trong phiên làm việc này. Vui lòng ký lại."),
            code="not_found",
        ) from None


def resolution_sign(
    *,
    actor: User,
    resolution: Resolution,
    session_key: str | None,
    challenge_id: int,
    kept: str,
) -> Resolution:
    """Spend the confirmation and sign the PDF shown (PAdES B-T, the chair's certificate
    and signature image); the resolution becomes ``signed``.

    ``kept`` is ``SignRequest.kept`` (what the page showed). Refused when the resolution
    is signed already (a second click), was returned or submitted again meanwhile, or the
    chair's certificate was revoked or expired; then nothing is stored. Issuance follows
    when the body issues automatically; its outcome is on the returned row (``issued``,
    or ``issue_error`` with a retry scheduled).
    """
    from ecabinet.accounts.stepup import stepup_consume
    from ecabinet.ballots.services import signing_certificate
    from ecabinet.resolutions.issuance import notify_awaiting_issue, resolution_issue, settings_for
    from ecabinet.signatures.pdfsign import pdf_sign, pdf_sign_content

    _check_signer(actor, resolution)
    draft_id, row_version, version_sha256 = _parse_kept(kept)
    row = Resolution.objects.select_related("body").get(pk=resolution.pk)
    _check_state(row, version_sha256=version_sha256, row_version=row_version)
    draft = _draft_for(row, draft_id, version_sha256)
    pdf = file_bytes(draft, actor=actor)
    content = pdf_sign_content(pdf)
    certificate = signing_certificate(actor, row.body)
    stepup_consume(actor=actor, session_key=session_key, challenge_id=challenge_id, content=content)
    # The slow part, outside any transaction: unseal the key, time-stamp, sign.
    signed = pdf_sign(
        actor=actor,
        certificate=certificate,
        pdf=pdf,
        confirmation_hash=hashlib.sha256(content).hexdigest(),
        reason=SIGN_REASON,
    )
    automatic = settings_for(row.body).automatic_issue
    stored = file_store(
        resolution=row,
        kind=ResolutionFile.Kind.SIGNED,
        pdf=signed,
        version_sha256=version_sha256,
        actor=actor,
    )
    try:
        with transaction.atomic():
            locked = (
                Resolution.objects.select_for_update(of=("self",))
                .select_related("body")
                .get(pk=row.pk)
            )
            # Returned, submitted again or signed by a concurrent request meanwhile.
            _check_state(locked, version_sha256=version_sha256, row_version=row_version)
            now = timezone.now()
            stored.save()
            locked.status = MACHINE.target("sign", locked.status)
            locked.signed_at = now
            locked.version += 1
            locked.save(update_fields=["status", "signed_at", "version"])
            ResolutionEvent.objects.create(
                resolution=locked,
                action=ResolutionEvent.Action.SIGN,
                actor=actor,
                version_number=locked.submitted_version.number
                if locked.submitted_version
                else None,
                at=now,
            )
            audit_append(
                actor=actor,
                verb="resolutions.resolution_sign",
                obj=locked,
                body=locked.body,
                before={"status": t.AWAITING_SIGNATURE},
                after={
                    "status": locked.status,
                    "version_sha256": version_sha256,
                    "draft_sha256": draft.sha256,
                    "signed_sha256": stored.sha256,
                    "certificate_serial": certificate.serial,
                    "challenge": challenge_id,
                    "automatic_issue": automatic,
                },
            )
            ledger.ledger_signature_handled(actor=actor, resolution=locked)
            if not automatic:
                notify_awaiting_issue(locked)
    except BaseException:
        file_discard(stored)
        raise
    if automatic:
        # Issuance right after the signature; its failures are recorded, never raised.
        resolution_issue(actor=None, resolution=locked)
    return Resolution.objects.select_related("body", "document_type", "signer").get(pk=row.pk)
