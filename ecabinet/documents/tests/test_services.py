"""Uploads, versions, readings and notes: the happy paths and every refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Membership
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World
from ecabinet.documents import services
from ecabinet.documents.content.inspect import RejectedFile
from ecabinet.documents.models import (
    Document,
    DocumentSettings,
    DocumentVersion,
    Dossier,
    Folder,
    PrivateNote,
    ReadReceipt,
)
from ecabinet.documents.storage import read_decrypted
from ecabinet.documents.tests.conftest import TEXT, stored_files
from ecabinet.documents.tests.files import docx_bytes, pdf_bytes, png_bytes
from ecabinet.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _nothing_kept(before_docs: int = 0) -> None:
    assert Document.objects.count() == before_docs
    assert DocumentVersion.objects.count() == before_docs
    assert len(stored_files()) == before_docs


def test_upload_stores_encrypted_and_records_everything(
    world: World, upload: Callable[..., Document]
) -> None:
    document = upload(number="125/TTr-BTN", summary="Về việc điều chỉnh quy hoạch")
    version = DocumentVersion.objects.get(document=document)
    assert (version.number, version.kind, version.page_count) == (1, "pdf", 1)
    assert document.title == "to-trinh.pdf"
    # The stored bytes are not the PDF: no header, no text.
    (path,) = stored_files()
    raw = path.read_bytes()
    assert b"%PDF" not in raw
    assert raw.startswith(b"ECD1")
    assert read_decrypted(
        version.blob_name, bytes(version.wrapped_key), version_id=version.pk, slot="original"
    ) == pdf_bytes(TEXT)
    event = AuditEvent.objects.get(verb="documents.document_upload")
    assert event.after["sha256"] == version.sha256
    assert event.body_id == world.body.pk


def test_every_reader_of_the_body_and_the_agency_receive_it(
    world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    receivers = set(
        ReadReceipt.objects.filter(document=document).values_list("user__username", flat=True)
    )
    # Members, the chair, the office, the deputy, the observer, and the dossier's agency.
    assert receivers == {"chair", "office", "member", "substitute", "agency", "observer"}
    assert not ReadReceipt.objects.filter(first_opened_at__isnull=False).exists()


def test_opening_records_first_and_every_later_opening(
    world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    version = document.versions.get()
    member = world.user("member")
    assert member is not None
    first = services.document_open(actor=member, document=document, version=version)
    second = services.document_open(actor=member, document=document, version=version)
    assert second.open_count == 2
    assert second.first_opened_at == first.first_opened_at
    assert second.last_opened_at is not None
    assert second.last_opened_at >= first.last_opened_at
    events = AuditEvent.objects.filter(verb="documents.document_open", actor_id=member.pk)
    assert [e.after["first"] for e in events.order_by("seq")] == [True, False]


def test_outsider_cannot_open(world: World, upload: Callable[..., Document]) -> None:
    document = upload()
    outsider = world.user("outsider")
    assert outsider is not None
    with pytest.raises(PermissionDenied):
        services.document_open(actor=outsider, document=document, version=document.versions.get())


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "trong.pdf", "empty"),
        (png_bytes(), "gia-mao.pdf", "type_mismatch"),
        (b"MZ\x90\x00" + b"\x00" * 200, "chuong-trinh.pdf", "unknown_type"),
        (pdf_bytes(TEXT)[:400], "hong.pdf", "corrupt"),
    ],
    ids=["empty", "spoofed", "executable", "truncated"],
)
def test_bad_files_are_refused_and_nothing_is_kept(
    upload: Callable[..., Document], data: bytes, filename: str, code: str
) -> None:
    with pytest.raises(RejectedFile) as excinfo:
        upload(data=data, filename=filename)
    assert excinfo.value.code == code
    assert str(excinfo.value.message)
    _nothing_kept()


def test_a_body_limits_kinds_and_size(world: World, upload: Callable[..., Document]) -> None:
    DocumentSettings.objects.create(body=world.body, allowed_kinds=["pdf"], max_upload_mb=1)
    with pytest.raises(RejectedFile) as excinfo:
        upload(data=png_bytes(), filename="anh.png")
    assert excinfo.value.code == "not_allowed"
    big = pdf_bytes(TEXT) + b"%" + b"x" * (1024 * 1024)
    with pytest.raises(RejectedFile) as excinfo:
        upload(data=big, filename="lon.pdf")
    assert excinfo.value.code == "too_large"
    _nothing_kept()


def test_duplicate_offers_the_existing_document(upload: Callable[..., Document]) -> None:
    first = upload()
    with pytest.raises(services.DuplicateDocument) as excinfo:
        upload(filename="ban-sao.pdf")
    assert excinfo.value.existing == first
    _nothing_kept(before_docs=1)


def test_path_characters_in_the_name_are_removed(upload: Callable[..., Document]) -> None:
    document = upload(filename="../../etc/Tờ trình.pdf")
    assert document.versions.get().filename == "Tờ trình.pdf"


@pytest.mark.parametrize(
    "text",
    ["MẬT\nQuyết định về việc bảo vệ công trình", "TỐI MẬT\nKế hoạch bảo vệ"],
    ids=["mat", "toi-mat"],
)
def test_a_state_secret_mark_is_refused_audited_and_reported(
    world: World, upload: Callable[..., Document], security: Membership, text: str
) -> None:
    with pytest.raises(services.ClassifiedRefused):
        upload(data=pdf_bytes(*text.split("\n")), filename="mat.pdf")
    _nothing_kept()
    event = AuditEvent.objects.get(verb="documents.classified_refused")
    assert event.after["filename"] == "mat.pdf"
    assert Notification.objects.filter(user=security.user).count() == 1


def test_the_word_inside_prose_is_not_a_mark(upload: Callable[..., Document]) -> None:
    upload(data=pdf_bytes("Cán bộ phải giữ bí mật thông tin và đổi mật khẩu định kỳ."))
    assert Document.objects.count() == 1


def test_a_mark_in_the_metadata_is_refused(
    upload: Callable[..., Document], security: Membership
) -> None:
    with pytest.raises(services.ClassifiedRefused):
        upload(summary="TUYỆT MẬT")
    _nothing_kept()


def test_agency_uploads_only_to_its_own_dossiers(
    world: World, upload: Callable[..., Document]
) -> None:
    office = world.user("office")
    assert office is not None
    foreign = services.dossier_create(actor=office, body=world.body, title="Hồ sơ khác")
    upload(actor="agency")
    with pytest.raises(PermissionDenied):
        upload(actor="agency", target=foreign, data=pdf_bytes("khác"))
    for persona in ("member", "observer", "outsider"):
        with pytest.raises(PermissionDenied):
            upload(actor=persona, data=pdf_bytes(persona))


def test_agency_creates_dossiers_for_its_own_unit_only(world: World) -> None:
    agency = world.user("agency")
    assert agency is not None
    other_unit = world.body.units.create(name="Bộ Khác")
    dossier = services.dossier_create(
        actor=agency, body=world.body, title="Tờ trình của bộ", unit=other_unit
    )
    assert dossier.unit == world.memberships["agency"].unit
    member = world.user("member")
    assert member is not None
    with pytest.raises(PermissionDenied):
        services.dossier_create(actor=member, body=world.body, title="Không được")


def test_new_versions_are_numbered_and_old_ones_stay(
    world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    office = world.user("office")
    assert office is not None
    second = services.document_add_version(
        actor=office, document=document, data=pdf_bytes("Bản sửa đổi"), filename="v2.pdf"
    )
    assert second.number == 2
    with pytest.raises(DomainError) as excinfo:
        services.document_add_version(
            actor=office, document=document, data=pdf_bytes("Bản sửa đổi"), filename="v3.pdf"
        )
    assert excinfo.value.code == "duplicate"
    first = document.versions.get(number=1)
    assert services.version_bytes(actor=office, version=first) == pdf_bytes(TEXT)
    assert len(stored_files()) == 2


def test_a_tampered_file_is_an_error_and_an_audit_event(
    world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    version = document.versions.get()
    (path,) = stored_files()
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(services.DocumentUnreadable):
        services.version_bytes(actor=world.user("member"), version=version)
    assert AuditEvent.objects.filter(verb="documents.decrypt_failed").count() == 1


def test_a_file_moved_to_another_record_does_not_decrypt(
    world: World, upload: Callable[..., Document]
) -> None:
    a = upload().versions.get()
    b = upload(data=pdf_bytes("Văn bản thứ hai"), filename="b.pdf").versions.get()
    # Point b's row at a's file and key: the identity bound to the ciphertext differs.
    DocumentVersion.objects.filter(pk=b.pk).update(blob_name=a.blob_name, wrapped_key=a.wrapped_key)
    b.refresh_from_db()
    with pytest.raises(services.DocumentUnreadable):
        services.version_bytes(actor=None, version=b)


def test_personal_documents_and_folders_are_the_owners_alone(world: World) -> None:
    member = world.user("member")
    chair = world.user("chair")
    assert member is not None
    assert chair is not None
    folder = services.folder_create(actor=member, name="Tài liệu họp tháng 11")
    sub = services.folder_create(actor=member, name="Ghi chép", parent=folder)
    with pytest.raises(DomainError):
        services.folder_create(actor=member, name="Tài liệu họp tháng 11")
    with pytest.raises(PermissionDenied):
        services.folder_create(actor=chair, name="x", parent=folder)
    document = services.document_upload(
        actor=member,
        data=docx_bytes("Ghi chép cá nhân về đề án"),
        filename="ghi-chep.docx",
        folder=sub,
        meta=services.DocumentMeta(),
    )
    assert document.owner == member
    assert document.body is None
    assert not ReadReceipt.objects.filter(document=document).exists()
    with pytest.raises(PermissionDenied):
        services.document_open(actor=chair, document=document, version=document.versions.get())
    with pytest.raises(PermissionDenied):
        services.document_upload(
            actor=chair,
            data=pdf_bytes("x"),
            filename="x.pdf",
            folder=folder,
            meta=services.DocumentMeta(),
        )
    assert Folder.objects.filter(owner=member).count() == 2


def test_private_notes_are_private(world: World, upload: Callable[..., Document]) -> None:
    document = upload()
    member, chair = world.user("member"), world.user("chair")
    assert member is not None
    assert chair is not None
    note = services.note_create(actor=member, document=document, text="Hỏi lại mục 3", page=1)
    with pytest.raises(PermissionDenied):
        services.note_update(actor=chair, note=note, text="sửa")
    with pytest.raises(PermissionDenied):
        services.note_delete(actor=chair, note=note)
    with pytest.raises(DomainError):
        services.note_create(actor=member, document=document, text="   ")
    with pytest.raises(DomainError):
        services.note_create(actor=member, document=document, text="x", page=9)
    with pytest.raises(DomainError):
        services.note_create(actor=member, document=document, text="x" * 5001)
    outsider = world.user("outsider")
    assert outsider is not None
    with pytest.raises(PermissionDenied):
        services.note_create(actor=outsider, document=document, text="x")
    services.note_update(actor=member, note=note, text="Hỏi lại mục 3 và 4")
    services.note_delete(actor=member, note=note)
    assert not PrivateNote.objects.exists()
    # The trail knows a note existed, never what it said.
    events = AuditEvent.objects.filter(verb__startswith="documents.note_")
    assert events.count() == 3
    assert all("Hỏi" not in str(e.after) + e.object_repr for e in events)


def test_settings_update_checks_permission_and_staleness(world: World) -> None:
    office, member = world.user("office"), world.user("member")
    assert office is not None
    assert member is not None
    row = services.document_settings_update(
        actor=office, body=world.body, allowed_kinds=["pdf", "docx"], max_upload_mb=20, version=0
    )
    assert row.allowed_kinds == ["docx", "pdf"]
    kinds, size = services.upload_rules(world.body)
    assert {k.value for k in kinds} == {"pdf", "docx"}
    assert size == 20 * 1024 * 1024
    with pytest.raises(DomainError) as excinfo:
        services.document_settings_update(
            actor=office, body=world.body, allowed_kinds=["pdf"], max_upload_mb=20, version=0
        )
    assert excinfo.value.code == "stale"
    with pytest.raises(PermissionDenied):
        services.document_settings_update(
            actor=member, body=world.body, allowed_kinds=["pdf"], max_upload_mb=5, version=2
        )
    with pytest.raises(DomainError):
        services.document_settings_update(
            actor=office, body=world.body, allowed_kinds=[], max_upload_mb=5, version=2
        )


def test_dossier_needs_a_title(world: World) -> None:
    office = world.user("office")
    assert office is not None
    with pytest.raises(DomainError):
        services.dossier_create(actor=office, body=world.body, title="   ")
    assert not Dossier.objects.exists()
