"""Every write of the documents app: dossiers, uploads and versions, readings, notes.

An upload is checked completely before anything is kept: content type (not the extension),
size, integrity, duplicates, and the classification gate. The encrypted file is written
first, then the rows and the audit event in one transaction; if the transaction fails the
file is removed, so nothing half-stored stays behind. Conversion, text extraction, OCR and
indexing run afterwards in the background (tasks.py).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body, DocumentType, IssuingAgency, Membership, Role
from ecabinet.bodies.permissions import Perm, membership_permissions
from ecabinet.core.errors import DomainError
from ecabinet.documents import permissions as perms
from ecabinet.documents.content.classify import secret_mark, secret_mark_in_metadata
from ecabinet.documents.content.extract import ExtractionFailed, extract_text
from ecabinet.documents.content.inspect import Inspection, inspect_upload
from ecabinet.documents.content.kinds import FileKind as ContentKind
from ecabinet.documents.models import (
    Document,
    DocumentSettings,
    DocumentVersion,
    Dossier,
    FileKind,
    Folder,
    PrivateNote,
    ReadReceipt,
)
from ecabinet.documents.storage import (
    UnreadableFile,
    delete_quietly,
    read_decrypted,
    store_encrypted,
)
from ecabinet.notifications.models import NotificationKind
from ecabinet.notifications.services import notification_send

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Unit

logger = logging.getLogger(__name__)

OFFICE_KINDS = frozenset({FileKind.DOCX, FileKind.XLSX, FileKind.ODT})
IMAGE_KINDS = frozenset({FileKind.PNG, FileKind.JPEG})
NOTE_MAX = 5000


class DuplicateDocument(DomainError):
    """The same file (same SHA-256) is already here: offer the existing document."""

    def __init__(self, existing: Document) -> None:
        super().__init__(
            _("Tệp này đã được tải lên trước đây: «%(title)s». Mở tài liệu đã có thay vì tải lại.")
            % {"title": existing.title},
            code="duplicate",
        )
        self.existing = existing


class ClassifiedRefused(DomainError):
    """A state-secret mark: such material must go through the classified channel."""

    def __init__(self, mark: str) -> None:
        super().__init__(
            _(
                "Tệp có dấu chỉ độ mật «%(mark)s». Tài liệu mật nhà nước không được đưa lên "
                "hệ thống này; hãy chuyển qua kênh dành cho tài liệu mật. Lần tải lên đã "
                "được ghi lại và báo cho cán bộ bảo mật."
            )
            % {"mark": mark},
            code="classified",
        )
        self.mark = mark


@dataclass(frozen=True)
class DocumentMeta:
    """What the uploader says about a document (all optional but the title)."""

    title: str = ""
    doc_type: DocumentType | None = None
    number: str = ""
    agency: IssuingAgency | None = None
    issued_on: date | None = None
    summary: str = ""


# --- Settings and limits -------------------------------------------------------------------


def upload_rules(body: Body | None) -> tuple[frozenset[ContentKind], int]:
    """(allowed kinds, largest size in bytes) for uploads into ``body`` (personal: defaults)."""
    default_mb = int(settings.ECABINET_MAX_UPLOAD_MB)
    row = DocumentSettings.objects.filter(body=body).first() if body is not None else None
    if row is None:
        return frozenset(ContentKind), default_mb * 1024 * 1024
    kinds = frozenset(
        ContentKind(k) for k in row.allowed_kinds if k in ContentKind._value2member_map_
    )
    return kinds or frozenset(ContentKind), row.max_upload_mb * 1024 * 1024


def document_settings_update(
    *, actor: User, body: Body, allowed_kinds: list[str], max_upload_mb: int, version: int
) -> DocumentSettings:
    """Set a body's upload rules (the Office's catalogue managers)."""
    from ecabinet.bodies.permissions import can_manage_catalogue

    if not can_manage_catalogue(actor, body):
        raise PermissionDenied
    kinds = sorted({k for k in allowed_kinds if k in FileKind.values})
    if not kinds:
        raise DomainError(_("Chọn ít nhất một loại tệp được phép."), code="no_kinds")
    cap = int(settings.ECABINET_MAX_UPLOAD_HARD_CAP_MB)
    if not 1 <= max_upload_mb <= cap:
        raise DomainError(
            _("Dung lượng tối đa phải từ 1 đến %(cap)s MB.") % {"cap": cap}, code="bad_size"
        )
    with transaction.atomic():
        row, _created = DocumentSettings.objects.select_for_update().get_or_create(
            body=body,
            defaults={"allowed_kinds": list(FileKind.values), "max_upload_mb": 100},
        )
        if not _created and row.version != version:
            raise DomainError(
                _("Cấu hình vừa được người khác thay đổi. Tải lại trang rồi thử lại."),
                code="stale",
            )
        before = {"allowed_kinds": row.allowed_kinds, "max_upload_mb": row.max_upload_mb}
        row.allowed_kinds = kinds
        row.max_upload_mb = max_upload_mb
        row.version = F("version") + 1
        row.save()
        row.refresh_from_db()
        audit_append(
            actor=actor,
            verb="documents.settings_update",
            obj=row,
            body=body,
            before=before,
            after={"allowed_kinds": kinds, "max_upload_mb": max_upload_mb},
        )
    return row


# --- Dossiers and folders ------------------------------------------------------------------


def dossier_create(
    *, actor: User, body: Body, title: str, description: str = "", unit: Unit | None = None
) -> Dossier:
    """A new dossier. A submitting agency's dossier is always for its own unit."""
    if not perms.can_create_dossier(actor, body):
        raise PermissionDenied
    title = " ".join(title.split())
    if not title:
        raise DomainError(_("Hồ sơ cần có tên."), code="no_title")
    if not perms.can_manage_documents(actor, body):
        unit_id = perms.agency_unit_id(actor, body)
        unit = body.units.filter(pk=unit_id).first() if unit_id is not None else None
    elif unit is not None and unit.body_id != body.pk:
        raise DomainError(_("Cơ quan trình không thuộc cơ quan này."), code="bad_unit")
    with transaction.atomic():
        dossier = Dossier.objects.create(
            body=body,
            title=title[:300],
            description=description.strip(),
            unit=unit,
            created_by=actor,
        )
        audit_append(
            actor=actor,
            verb="documents.dossier_create",
            obj=dossier,
            body=body,
            after={"title": dossier.title, "unit": unit.pk if unit is not None else None},
        )
    return dossier


def folder_create(*, actor: User, name: str, parent: Folder | None = None) -> Folder:
    if parent is not None and parent.owner_id != actor.pk:
        raise PermissionDenied
    name = " ".join(name.replace("/", " ").replace("\\", " ").split())
    if not name:
        raise DomainError(_("Thư mục cần có tên."), code="no_name")
    try:
        with transaction.atomic():
            folder = Folder.objects.create(owner=actor, parent=parent, name=name[:120])
            audit_append(
                actor=actor,
                verb="documents.folder_create",
                obj=folder,
                after={"name": folder.name, "parent": parent.pk if parent else None},
            )
    except IntegrityError:
        raise DomainError(
            _("Đã có thư mục tên «%(name)s» ở đây.") % {"name": name}, code="duplicate"
        ) from None
    return folder


# --- Uploads -------------------------------------------------------------------------------


def security_officers(bodies: list[Body]) -> list[User]:
    found: dict[int, User] = {}
    for membership in Membership.objects.filter(
        body__in=bodies, is_active=True, user__is_active=True
    ).select_related("user"):
        if Perm.SECURITY_ALERTS in membership_permissions(membership):
            found[membership.user_id] = membership.user
    return list(found.values())


def _actor_bodies(actor: User) -> list[Body]:
    return list(
        Body.objects.filter(memberships__user=actor, memberships__is_active=True).distinct()
    )


def _refuse_classified(
    *, actor: User | None, mark: str, filename: str, body: Body | None, owner: User | None
) -> None:
    """Record the attempt, tell the security officers, and refuse. Nothing is stored."""
    bodies = [body] if body is not None else _actor_bodies(owner) if owner is not None else []
    with transaction.atomic():
        audit_append(
            actor=actor,
            verb="documents.classified_refused",
            body=body,
            object_type="documents.upload",
            object_id=filename[:100],
            object_repr=filename,
            after={"mark": mark, "filename": filename},
        )
        who = str(actor) if actor is not None else str(owner or "")
        for officer in security_officers(bodies):
            notification_send(
                user=officer,
                title=_("Tài liệu có dấu chỉ độ mật bị từ chối"),
                text=_("%(who)s đã tải lên tệp «%(file)s» có dấu «%(mark)s».")
                % {"who": who, "file": filename, "mark": mark},
                kind=NotificationKind.SECURITY,
                body=body if body is not None else None,
            )
    raise ClassifiedRefused(mark)


def _gate(
    *,
    actor: User,
    data: bytes,
    inspection: Inspection,
    meta_fields: list[str],
    body: Body | None,
    owner: User | None,
) -> None:
    """The classification gate on metadata and on the text the file carries."""
    mark = secret_mark_in_metadata(*meta_fields)
    if mark is None and not inspection.kind.is_image:
        try:
            mark = secret_mark(extract_text(data, inspection.kind).pages)
        except ExtractionFailed:
            mark = None  # unreadable text: checked again after OCR/extraction in the task
    if mark is not None:
        _refuse_classified(
            actor=actor, mark=mark, filename=inspection.filename, body=body, owner=owner
        )


def _recipients(dossier: Dossier) -> list[int]:
    """Everyone who receives the dossier's documents: readers of the body, its agency."""
    ids: list[int] = []
    for membership in Membership.objects.filter(
        body=dossier.body, is_active=True, user__is_active=True
    ):
        perms_of = membership_permissions(membership)
        agency_of_dossier = (
            membership.role == Role.AGENCY
            and dossier.unit_id is not None
            and membership.unit_id == dossier.unit_id
        )
        if Perm.DOCUMENTS_VIEW in perms_of or agency_of_dossier:
            ids.append(membership.user_id)
    return ids


def _store_version(
    *, document_id: int | None, inspection: Inspection, data: bytes
) -> tuple[uuid.UUID, str, bytes]:
    version_id = uuid.uuid4()
    name, wrapped = store_encrypted(data, version_id=version_id, slot="original")
    return version_id, name, wrapped


def _new_version_row(
    *,
    version_id: uuid.UUID,
    document: Document,
    number: int,
    inspection: Inspection,
    blob_name: str,
    wrapped: bytes,
    actor: User,
) -> DocumentVersion:
    kind = FileKind(inspection.kind.value)
    if kind in OFFICE_KINDS:
        view_status = DocumentVersion.ViewStatus.CONVERTING
    else:
        view_status = DocumentVersion.ViewStatus.NATIVE
    return DocumentVersion.objects.create(
        id=version_id,
        document=document,
        number=number,
        filename=inspection.filename,
        kind=kind,
        size=inspection.size,
        sha256=inspection.sha256,
        page_count=inspection.page_count,
        blob_name=blob_name,
        wrapped_key=wrapped,
        view_status=view_status,
        uploaded_by=actor,
    )


def _enqueue_processing(version_id: uuid.UUID) -> None:
    from ecabinet.documents.tasks import process_version

    value = str(version_id)
    transaction.on_commit(lambda: process_version.enqueue(value), robust=True)


def _find_duplicate(
    *, sha256: str, dossier: Dossier | None, owner: User | None, actor: User
) -> Document | None:
    versions = DocumentVersion.objects.filter(sha256=sha256).exclude(
        processing=DocumentVersion.Processing.REFUSED
    )
    if owner is not None:
        versions = versions.filter(document__owner=owner)
    elif dossier is not None:
        if perms.can_view_body_documents(actor, dossier.body):
            versions = versions.filter(document__body=dossier.body)
        else:
            versions = versions.filter(document__dossier=dossier)
    found = versions.select_related("document").first()
    return found.document if found is not None else None


def document_upload(
    *,
    actor: User,
    data: bytes,
    filename: str,
    meta: DocumentMeta,
    dossier: Dossier | None = None,
    folder: Folder | None = None,
) -> Document:
    """A new document (version 1) in a dossier, or in the actor's personal space.

    Raises ``RejectedFile`` (bad type, size, corrupt, ...), ``DuplicateDocument`` or
    ``ClassifiedRefused``; in each case nothing is kept.
    """
    if dossier is not None:
        if not perms.can_add_to_dossier(actor, dossier):
            raise PermissionDenied
        body: Body | None = dossier.body
        owner: User | None = None
    else:
        if folder is not None and folder.owner_id != actor.pk:
            raise PermissionDenied
        body, owner = None, actor
    allowed, max_bytes = upload_rules(body)
    inspection = inspect_upload(data, filename=filename, allowed=allowed, max_bytes=max_bytes)
    title = " ".join((meta.title or inspection.filename).split())[:300]
    existing = _find_duplicate(sha256=inspection.sha256, dossier=dossier, owner=owner, actor=actor)
    if existing is not None:
        raise DuplicateDocument(existing)
    _gate(
        actor=actor,
        data=data,
        inspection=inspection,
        meta_fields=[title, meta.summary, meta.number],
        body=body,
        owner=owner,
    )
    version_id, blob_name, wrapped = _store_version(
        document_id=None, inspection=inspection, data=data
    )
    try:
        with transaction.atomic():
            document = Document.objects.create(
                body=body,
                dossier=dossier,
                owner=owner,
                folder=folder,
                title=title,
                doc_type=meta.doc_type,
                number=meta.number.strip()[:60],
                agency=meta.agency,
                issued_on=meta.issued_on,
                summary=meta.summary.strip(),
                created_by=actor,
            )
            version = _new_version_row(
                version_id=version_id,
                document=document,
                number=1,
                inspection=inspection,
                blob_name=blob_name,
                wrapped=wrapped,
                actor=actor,
            )
            if dossier is not None:
                now = timezone.now()
                ReadReceipt.objects.bulk_create(
                    ReadReceipt(document=document, user_id=user_id, received_at=now)
                    for user_id in _recipients(dossier)
                )
            audit_append(
                actor=actor,
                verb="documents.document_upload",
                obj=document,
                body=body,
                after={
                    "dossier": dossier.pk if dossier else None,
                    "personal": owner is not None,
                    "version": str(version.pk),
                    "filename": version.filename,
                    "kind": version.kind,
                    "size": version.size,
                    "sha256": version.sha256,
                },
            )
            _enqueue_processing(version_id)
    except BaseException:
        delete_quietly(blob_name)
        raise
    return document


def document_add_version(
    *, actor: User, document: Document, data: bytes, filename: str
) -> DocumentVersion:
    """A new version of a document; older versions stay readable."""
    if not perms.can_add_version(actor, document):
        raise PermissionDenied
    body = document.body
    allowed, max_bytes = upload_rules(body)
    inspection = inspect_upload(data, filename=filename, allowed=allowed, max_bytes=max_bytes)
    latest = DocumentVersion.objects.filter(document=document).order_by("-number").first()
    if latest is not None and latest.sha256 == inspection.sha256:
        raise DomainError(
            _("Tệp này giống hệt phiên bản hiện tại (phiên bản %(n)s): không có gì mới để lưu.")
            % {"n": latest.number},
            code="duplicate",
        )
    _gate(
        actor=actor,
        data=data,
        inspection=inspection,
        meta_fields=[],
        body=body,
        owner=document.owner,
    )
    version_id, blob_name, wrapped = _store_version(
        document_id=document.pk, inspection=inspection, data=data
    )
    try:
        with transaction.atomic():
            locked = Document.objects.select_for_update().get(pk=document.pk)
            number = (
                DocumentVersion.objects.filter(document=locked).aggregate(n=Max("number"))["n"] or 0
            ) + 1
            version = _new_version_row(
                version_id=version_id,
                document=locked,
                number=number,
                inspection=inspection,
                blob_name=blob_name,
                wrapped=wrapped,
                actor=actor,
            )
            Document.objects.filter(pk=locked.pk).update(version=F("version") + 1)
            audit_append(
                actor=actor,
                verb="documents.version_add",
                obj=locked,
                body=body,
                after={
                    "version": str(version.pk),
                    "number": number,
                    "filename": version.filename,
                    "sha256": version.sha256,
                },
            )
            _enqueue_processing(version_id)
    except BaseException:
        delete_quietly(blob_name)
        raise
    return version


# --- Reading -------------------------------------------------------------------------------


def document_open(*, actor: User, document: Document, version: DocumentVersion) -> ReadReceipt:
    """Record that ``actor`` opened the document: the first and every later opening."""
    if not perms.can_view_document(actor, document):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        receipt, _created = ReadReceipt.objects.select_for_update().get_or_create(
            document=document, user=actor, defaults={"received_at": now}
        )
        first = receipt.first_opened_at is None
        ReadReceipt.objects.filter(pk=receipt.pk).update(
            first_opened_at=receipt.first_opened_at or now,
            last_opened_at=now,
            open_count=F("open_count") + 1,
        )
        audit_append(
            actor=actor,
            verb="documents.document_open",
            obj=document,
            body=document.body,
            after={"version": str(version.pk), "number": version.number, "first": first},
        )
    receipt.refresh_from_db()
    return receipt


class DocumentUnreadable(DomainError):
    """The stored file does not decrypt (answered 409 with this message, never a 500)."""

    def __init__(self) -> None:
        super().__init__(
            gettext_lazy(
                "Không giải mã được tệp này: tệp hoặc khóa của nó đã bị thay đổi hay thất lạc. "
                "Sự cố đã được ghi lại; hãy báo cho quản trị hệ thống."
            ),
            code="unreadable",
        )


def version_bytes(*, actor: User | None, version: DocumentVersion, slot: str = "original") -> bytes:
    """The decrypted bytes of a version (``original`` or its ``pdf`` rendition).

    A failure is never hidden: it is audited (in its own transaction, so the record stays)
    and raised as ``DocumentUnreadable``.
    """
    if slot == "pdf":
        name, wrapped = version.pdf_blob_name, version.pdf_wrapped_key
    else:
        name, wrapped = version.blob_name, version.wrapped_key
    try:
        if not name or wrapped is None:
            raise UnreadableFile("no stored file")
        return read_decrypted(name, bytes(wrapped), version_id=version.pk, slot=slot)
    except UnreadableFile as exc:
        logger.error("document version %s (%s) does not decrypt: %s", version.pk, slot, exc)
        with transaction.atomic():
            audit_append(
                actor=actor,
                verb="documents.decrypt_failed",
                obj=version.document,
                body=version.document.body,
                after={"version": str(version.pk), "slot": slot, "error": str(exc)[:200]},
            )
        raise DocumentUnreadable from exc


# --- Private notes -------------------------------------------------------------------------


def _clean_note(text: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(_("Ghi chú không được để trống."), code="empty")
    if len(text) > NOTE_MAX:
        raise DomainError(_("Ghi chú dài quá %(n)s ký tự.") % {"n": NOTE_MAX}, code="too_long")
    return text


def note_create(
    *, actor: User, document: Document, text: str, page: int | None = None
) -> PrivateNote:
    if not perms.can_view_document(actor, document):
        raise PermissionDenied
    text = _clean_note(text)
    version = DocumentVersion.objects.filter(document=document).order_by("-number").first()
    pages = version.page_count if version is not None else None
    if page is not None and (page < 1 or (pages is not None and page > pages)):
        raise DomainError(
            _("Trang %(page)s không có trong tài liệu.") % {"page": page}, code="page"
        )
    with transaction.atomic():
        note = PrivateNote.objects.create(document=document, author=actor, page=page, text=text)
        # The trail records that a note exists, never its text: notes are private.
        audit_append(
            actor=actor,
            verb="documents.note_create",
            obj=note,
            object_repr=f"note {note.pk}",
            body=document.body,
            after={"document": document.pk, "page": page},
        )
    return note


def _own_note(actor: User, note: PrivateNote) -> None:
    if note.author_id != actor.pk:
        raise PermissionDenied


def note_update(*, actor: User, note: PrivateNote, text: str) -> PrivateNote:
    _own_note(actor, note)
    text = _clean_note(text)
    with transaction.atomic():
        note.text = text
        note.save(update_fields=["text", "updated_at"])
        audit_append(
            actor=actor,
            verb="documents.note_update",
            obj=note,
            object_repr=f"note {note.pk}",
            body=note.document.body,
            after={"document": note.document_id, "page": note.page},
        )
    return note


def note_delete(*, actor: User, note: PrivateNote) -> None:
    _own_note(actor, note)
    with transaction.atomic():
        audit_append(
            actor=actor,
            verb="documents.note_delete",
            obj=note,
            object_repr=f"note {note.pk}",
            body=note.document.body,
            after={"document": note.document_id, "page": note.page},
        )
        note.delete()


def document_url(document: Document) -> str:
    return reverse("documents:document", kwargs={"pk": document.pk})
