"""Issuance: the number, the seal with its timestamp, distribution inside and outside the
system; failures keep the signature and the number and are retried; per-body setting."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.verify import verify_chain
from ecabinet.core.dates import VN_TZ, vn_date
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.testing.auth import login_as
from ecabinet.documents.models import RegisterEntry
from ecabinet.exchange import edxml
from ecabinet.exchange.models import OutgoingMessage
from ecabinet.exchange.services import outgoing_message_bytes
from ecabinet.notifications.models import Notification
from ecabinet.resolutions import issuance, signing
from ecabinet.resolutions.models import (
    Resolution,
    ResolutionFile,
    ResolutionReceipt,
    ResolutionSettings,
)
from ecabinet.resolutions.tasks import issue_due, retry_issue
from ecabinet.resolutions.tests.conftest import Desk
from ecabinet.resolutions.tests.test_signing_fixtures import (
    AGENCY_ORGAN_ID,
    BODY_ORGAN_ID,
    Signing,
    build_signing,
)
from ecabinet.signatures import tsa
from ecabinet.signatures.ca import organisation_certificate_issue, trust_roots
from ecabinet.signatures.models import OrganisationCertificate
from ecabinet.signatures.pdf.layout import DATE_FIELD, NUMBER_FIELD, ORG_FIELD, SIGNER_FIELD
from ecabinet.signatures.pdf.pades import validate_pdf
from ecabinet.tracking.models import Assignment

pytestmark = pytest.mark.django_db

DEAD_TSA = "http://127.0.0.1:9/tsa"


@pytest.fixture
def sig(desk: Desk) -> Signing:
    return build_signing(desk)


@pytest.fixture
def by_hand(sig: Signing) -> Signing:
    ResolutionSettings.objects.create(body=sig.desk.world.body, automatic_issue=False)
    return sig


@pytest.fixture
def tsa_down_after_signing(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[None]:
    """The TSA answers the chair's signature, then stops answering (connection refused)."""
    real = tsa.timestamper_for_settings
    calls = {"n": 0}

    def flaky() -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            return real()
        return tsa.CheckedHTTPTimeStamper(DEAD_TSA, timeout=2)

    monkeypatch.setattr(tsa, "timestamper_for_settings", flaky)
    yield
    monkeypatch.setattr(tsa, "timestamper_for_settings", real)


def _issued_pdf(resolution: Resolution) -> bytes:
    row = ResolutionFile.objects.get(resolution=resolution, kind=ResolutionFile.Kind.ISSUED)
    return signing.file_bytes(row)


def _fields(pdf: bytes) -> dict[str, Any]:
    fields = PdfReader(io.BytesIO(pdf)).get_fields() or {}
    return {name: field.get("/V") for name, field in fields.items()}


# --- Automatic issuance --------------------------------------------------------------------


def test_the_signature_is_followed_by_number_seal_and_timestamp(sig: Signing) -> None:
    resolution = sig.sign(sig.awaiting())
    assert resolution.status == Resolution.Status.ISSUED
    assert resolution.number == "01/NQ-CP"
    assert (resolution.sequence, resolution.year) == (1, vn_date(timezone.now()).year)
    assert resolution.promulgation_date == vn_date(timezone.now())
    assert resolution.issued_at is not None
    assert resolution.issued_by is None
    assert resolution.verify_token is not None
    entry = RegisterEntry.objects.get()
    assert (entry.number, entry.subject_id) == ("01/NQ-CP", str(resolution.pk))

    pdf = _issued_pdf(resolution)
    report = validate_pdf(pdf, trust_roots=trust_roots())
    assert report.ok, [s.summary for s in report.signatures]
    chair = report.by_field(SIGNER_FIELD)
    seal = report.by_field(ORG_FIELD)
    # The chair's signature survives the number, the date and the seal (form filling only).
    assert chair.modification_level == "FORM_FILLING"
    assert chair.timestamp_ok
    assert seal.timestamp_ok
    assert "Chính phủ (thử)" in seal.signer_name
    fields = _fields(pdf)
    assert fields[NUMBER_FIELD] == "01"
    assert fields[DATE_FIELD] == issuance.date_line(resolution)
    assert fields[DATE_FIELD].startswith("Hà Nội, ngày ")


def test_ecabinet_verify_passes_and_names_both_signatures(sig: Signing, tmp_path: Path) -> None:
    resolution = sig.sign(sig.awaiting())
    path = tmp_path / "nghi-quyet.pdf"
    path.write_bytes(_issued_pdf(resolution))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify", str(path), stdout=out, stderr=out)
    assert exited.value.code == 0, out.getvalue()
    assert "HỢP LỆ / VALID" in out.getvalue()
    assert "Người thử chair" in out.getvalue()
    assert "Chính phủ (thử)" in out.getvalue()


def test_issuance_is_audited_step_by_step(sig: Signing) -> None:
    sig.sign(sig.awaiting())
    verbs = list(
        AuditEvent.objects.filter(
            verb__in=[
                "resolutions.resolution_sign",
                "documents.number_assign",
                "resolutions.resolution_number",
                "resolutions.resolution_issue",
                "exchange.outgoing_enqueue",
                "exchange.outgoing_manual",
            ]
        )
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs[:4] == [
        "resolutions.resolution_sign",
        "documents.number_assign",
        "resolutions.resolution_number",
        "resolutions.resolution_issue",
    ]
    assert sorted(verbs[4:]) == ["exchange.outgoing_enqueue", "exchange.outgoing_manual"]
    issued = AuditEvent.objects.get(verb="resolutions.resolution_issue")
    assert issued.actor_id is None
    assert issued.after["automatic"] is True
    assert verify_chain().ok


def test_people_in_the_system_receive_it(sig: Signing) -> None:
    resolution = sig.sign(sig.awaiting())
    receipts = {
        r.user.username: r
        for r in ResolutionReceipt.objects.filter(resolution=resolution).select_related("user")
    }
    # All voting members (chair, member, member2), the ministry's people, the member by name.
    assert set(receipts) == {"chair", "member", "member2", "agency", "substitute"}
    assert receipts["member"].must_act
    assert receipts["member"].via == "member"
    assert receipts["agency"].must_act
    assert receipts["agency"].via == "unit"
    assert not receipts["chair"].must_act
    assert receipts["chair"].via == "members"
    acting = Assignment.objects.filter(kind=issuance.KIND_RECEIVE, subject_id=str(resolution.pk))
    assert set(acting.values_list("assignee__username", flat=True)) == {
        "member",
        "agency",
        "substitute",
    }
    assert acting.filter(due_at__isnull=True, done_at__isnull=True).count() == 3
    for name in ("chair", "member2"):
        assert Notification.objects.filter(
            user=receipts[name].user, title__startswith="Văn bản đến: Nghị quyết số 01/NQ-CP"
        ).exists()
    # Those with a ledger item hear of it from the ledger, once.
    assert (
        Notification.objects.filter(user=receipts["member"].user, url__contains=str(resolution.pk))
        .exclude(title__startswith="Văn bản đến")
        .exists()
    )
    assert not Notification.objects.filter(
        user=receipts["member"].user, title__startswith="Văn bản đến"
    ).exists()


def test_external_agencies_get_an_edxml_message_or_a_manual_row(sig: Signing) -> None:
    resolution = sig.sign(sig.awaiting())
    rows = {m.recipient_name: m for m in OutgoingMessage.objects.all()}
    queued = rows["Bộ Tài chính (thử)"]
    manual = rows["Ủy ban nhân dân tỉnh Thử"]
    assert queued.status == OutgoingMessage.Status.QUEUED
    assert manual.status == OutgoingMessage.Status.MANUAL
    assert manual.manual_reason == "no_organ_id"
    parsed = edxml.parse_message(outgoing_message_bytes(actor=None, message=queued))
    meta = parsed.metadata
    assert meta.sender.organ_id == BODY_ORGAN_ID
    assert [r.organ_id for r in meta.recipients] == [AGENCY_ORGAN_ID]
    assert (meta.code.code_number, meta.code.code_notation) == ("01", "NQ-CP")
    assert meta.promulgation.promulgation_date == resolution.promulgation_date
    assert meta.subject == resolution.summary
    assert meta.signer.full_name == "Người thử chair"
    assert meta.document_type.type_name
    [attachment] = parsed.attachments
    assert attachment.name == "01-NQ-CP.pdf"
    assert attachment.data == _issued_pdf(resolution)
    assert parsed.warnings == ()


def test_the_page_shows_the_manual_deliveries(sig: Signing, client: Client) -> None:
    resolution = sig.sign(sig.awaiting())
    login_as(client, sig.user("office"))
    text = client.get(reverse("resolutions:detail", kwargs={"pk": resolution.pk})).content.decode()
    assert "Cần chuyển thủ công" in text
    assert "Ủy ban nhân dân tỉnh Thử" in text
    assert "01/NQ-CP" in text
    # A member reads the resolution, not the records office's deliveries.
    login_as(client, sig.user("member2"))
    text = client.get(reverse("resolutions:detail", kwargs={"pk": resolution.pk})).content.decode()
    assert "01/NQ-CP" in text
    assert "Cần chuyển thủ công" not in text


def test_issuing_again_changes_nothing(sig: Signing) -> None:
    resolution = sig.sign(sig.awaiting())
    again = issuance.resolution_issue(actor=None, resolution=resolution)
    assert again.issued
    assert again.already
    assert RegisterEntry.objects.count() == 1
    assert ResolutionFile.objects.filter(kind=ResolutionFile.Kind.ISSUED).count() == 1
    assert AuditEvent.objects.filter(verb="resolutions.resolution_issue").count() == 1


def test_a_resolution_awaiting_signature_is_not_issued(sig: Signing) -> None:
    resolution = sig.awaiting()
    with pytest.raises(InvalidTransition):
        issuance.resolution_issue(actor=None, resolution=resolution)
    assert not RegisterEntry.objects.exists()


# --- Failures and retries ------------------------------------------------------------------


def test_the_tsa_down_keeps_the_signature_and_the_number_and_schedules_a_retry(
    sig: Signing,
    tsa_down_after_signing: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    resolution = sig.awaiting()
    with django_capture_on_commit_callbacks(execute=True):
        row = sig.sign(resolution)
    assert row.status == Resolution.Status.SIGNED
    assert row.number == "01/NQ-CP"
    assert row.issue_attempts == 1
    assert "dấu thời gian" in row.issue_error
    assert row.issue_retry_at is not None
    assert row.issue_retry_at > timezone.now()
    assert ResolutionFile.objects.filter(kind=ResolutionFile.Kind.SIGNED).count() == 1
    assert not ResolutionFile.objects.filter(kind=ResolutionFile.Kind.ISSUED).exists()
    assert not ResolutionReceipt.objects.exists()
    assert not OutgoingMessage.objects.exists()
    failed = AuditEvent.objects.get(verb="resolutions.issue_failed")
    assert failed.after["code"] == "timestamp_unavailable"
    assert failed.after["number"] == "01/NQ-CP"
    task = DBTaskResult.objects.get(task_path__endswith="retry_issue")
    assert task.args_kwargs["args"] == [row.pk]
    assert task.run_after == row.issue_retry_at
    # The records office hears of it.
    assert Notification.objects.filter(
        user=sig.user("clerk"), title__startswith="Chưa phát hành được"
    ).exists()


def test_the_retry_reuses_the_number_and_nobody_signs_twice(
    sig: Signing, tsa_down_after_signing: None
) -> None:
    row = sig.sign(sig.awaiting())
    assert row.status == Resolution.Status.SIGNED
    assert retry_issue.call(row.pk) == "not_due"
    Resolution.objects.filter(pk=row.pk).update(
        issue_retry_at=timezone.now() - timedelta(seconds=1)
    )
    # Still down: a second failure, later retry, same number.
    assert retry_issue.call(row.pk) == "failed"
    row.refresh_from_db()
    assert row.issue_attempts == 2
    assert row.number == "01/NQ-CP"
    assert row.status == Resolution.Status.SIGNED
    assert RegisterEntry.objects.count() == 1
    assert ResolutionFile.objects.filter(kind=ResolutionFile.Kind.SIGNED).count() == 1
    assert AuditEvent.objects.filter(verb="signatures.pdf_signed").count() == 1
    # The later attempts wait longer.
    assert row.issue_retry_at is not None
    assert row.issue_retry_at - row.issue_failed_at == timedelta(minutes=2)  # type: ignore[operator]


def test_a_retry_after_the_tsa_is_back_issues_with_the_same_number(sig: Signing) -> None:
    resolution = sig.awaiting()
    real = tsa.timestamper_for_settings
    calls = {"n": 0}

    def flaky() -> Any:
        calls["n"] += 1
        return real() if calls["n"] != 2 else tsa.CheckedHTTPTimeStamper(DEAD_TSA, timeout=2)

    tsa.timestamper_for_settings = flaky  # type: ignore[assignment]
    try:
        row = sig.sign(resolution)
        assert row.status == Resolution.Status.SIGNED
        assert row.number == "01/NQ-CP"
        Resolution.objects.filter(pk=row.pk).update(
            issue_retry_at=timezone.now() - timedelta(seconds=1)
        )
        assert retry_issue.call(row.pk) == "issued"
    finally:
        tsa.timestamper_for_settings = real  # type: ignore[assignment]
    row.refresh_from_db()
    assert row.status == Resolution.Status.ISSUED
    assert row.number == "01/NQ-CP"
    assert row.issue_error == ""
    assert row.issue_retry_at is None
    assert RegisterEntry.objects.count() == 1
    assert AuditEvent.objects.filter(verb="signatures.pdf_signed").count() == 1
    assert validate_pdf(_issued_pdf(row), trust_roots=trust_roots()).ok
    assert retry_issue.call(row.pk) == "unchanged"


def test_a_body_without_an_organisational_certificate_waits(sig: Signing) -> None:
    OrganisationCertificate.objects.update(
        revoked_at=timezone.now(), revocation_reason="superseded"
    )
    row = sig.sign(sig.awaiting())
    assert row.status == Resolution.Status.SIGNED
    assert "chưa có chứng thư số của cơ quan" in row.issue_error
    assert AuditEvent.objects.get(verb="resolutions.issue_failed").after["code"] == (
        "no_org_certificate"
    )
    admin = sig.desk.world.user("admin")
    assert admin is not None
    organisation_certificate_issue(actor=admin, body=sig.desk.world.body)
    Resolution.objects.filter(pk=row.pk).update(
        issue_retry_at=timezone.now() - timedelta(seconds=1)
    )
    assert issue_due.call() == 1
    row.refresh_from_db()
    assert row.status == Resolution.Status.ISSUED
    assert row.number == "01/NQ-CP"


def test_a_body_without_a_notation_gets_no_number(sig: Signing) -> None:
    body = sig.desk.world.body
    body.notation = ""
    body.save(update_fields=["notation"])
    row = sig.sign(sig.awaiting())
    assert row.status == Resolution.Status.SIGNED
    assert row.number == ""
    assert row.sequence is None
    assert AuditEvent.objects.get(verb="resolutions.issue_failed").after["code"] == "no_notation"
    assert not RegisterEntry.objects.exists()


# --- A records clerk issues ----------------------------------------------------------------


def test_by_hand_the_clerks_are_told_and_one_of_them_issues(by_hand: Signing) -> None:
    row = by_hand.sign(by_hand.awaiting())
    assert row.status == Resolution.Status.SIGNED
    assert row.number == ""
    assert Notification.objects.filter(
        user=by_hand.user("clerk"), title__startswith="Nghị quyết đã ký, chờ phát hành"
    ).exists()
    for persona in ("office", "chair", "member"):
        with pytest.raises(PermissionDenied):
            issuance.resolution_issue(actor=by_hand.user(persona), resolution=row)
    result = issuance.resolution_issue(actor=by_hand.user("clerk"), resolution=row)
    assert result.issued
    assert [m.recipient_name for m in result.manual] == ["Ủy ban nhân dân tỉnh Thử"]
    row.refresh_from_db()
    assert row.status == Resolution.Status.ISSUED
    assert row.issued_by == by_hand.user("clerk")
    assert RegisterEntry.objects.get().actor == by_hand.user("clerk")


def test_the_clerk_issues_and_retries_from_the_page(
    by_hand: Signing, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = by_hand.sign(by_hand.awaiting())
    login_as(client, by_hand.user("clerk"))
    url = reverse("resolutions:detail", kwargs={"pk": row.pk})
    assert ">Phát hành</button>" in client.get(url).content.decode()
    real = tsa.timestamper_for_settings
    monkeypatch.setattr(
        tsa, "timestamper_for_settings", lambda: tsa.CheckedHTTPTimeStamper(DEAD_TSA, timeout=2)
    )
    response = client.post(reverse("resolutions:issue", kwargs={"pk": row.pk}), follow=True)
    text = response.content.decode()
    assert "Chưa phát hành được" in text
    assert "Thử lại phát hành" in text
    monkeypatch.setattr(tsa, "timestamper_for_settings", real)
    response = client.post(reverse("resolutions:issue", kwargs={"pk": row.pk}), follow=True)
    assert "Đã phát hành nghị quyết số 01/NQ-CP" in response.content.decode()
    again = client.post(reverse("resolutions:issue", kwargs={"pk": row.pk}))
    assert again.status_code == 302
    assert RegisterEntry.objects.count() == 1


def test_the_setting_is_kept_per_body_and_audited(sig: Signing) -> None:
    body = sig.desk.world.body
    assert issuance.settings_for(body).automatic_issue is True
    row = issuance.resolution_settings_update(
        actor=sig.user("office"), body=body, automatic_issue=False, version=0
    )
    assert row.automatic_issue is False
    assert AuditEvent.objects.filter(verb="resolutions.settings_update").count() == 1
    with pytest.raises(DomainError) as stale:
        issuance.resolution_settings_update(
            actor=sig.user("office"), body=body, automatic_issue=True, version=0
        )
    assert stale.value.code == "stale"
    for persona in ("chair", "member", "clerk"):
        with pytest.raises(PermissionDenied):
            issuance.resolution_settings_update(
                actor=sig.user(persona), body=body, automatic_issue=True, version=row.version
            )


def test_the_settings_page(sig: Signing, client: Client) -> None:
    body = sig.desk.world.body
    login_as(client, sig.user("office"))
    url = reverse("resolutions:settings", kwargs={"code": body.code})
    assert client.get(url).status_code == 200
    response = client.post(url, {"automatic_issue": "0", "version": 0})
    assert response.status_code == 302
    assert ResolutionSettings.objects.get(body=body).automatic_issue is False


# --- Receipts ------------------------------------------------------------------------------


def test_opening_marks_read_once_and_acknowledging_finishes_the_ledger_item(
    sig: Signing, client: Client
) -> None:
    resolution = sig.sign(sig.awaiting())
    member = sig.user("member")
    login_as(client, member)
    url = reverse("resolutions:detail", kwargs={"pk": resolution.pk})
    assert "Xác nhận tiếp nhận" in client.get(url).content.decode()
    client.get(url)
    receipt = ResolutionReceipt.objects.get(resolution=resolution, user=member)
    assert receipt.read_at is not None
    assert AuditEvent.objects.filter(verb="resolutions.receipt_read").count() == 1
    response = client.post(reverse("resolutions:acknowledge", kwargs={"pk": resolution.pk}))
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.acknowledged_at is not None
    item = Assignment.objects.get(assignee=member, kind=issuance.KIND_RECEIVE)
    assert item.done_at is not None
    # Someone who is only informed has nothing to acknowledge.
    login_as(client, sig.user("member2"))
    refused = client.post(reverse("resolutions:acknowledge", kwargs={"pk": resolution.pk}))
    assert refused.status_code == 403


# --- Numbers under concurrency and at the year boundary ------------------------------------


def _signed(sig: Signing, count: int) -> list[Resolution]:
    return [sig.sign(sig.awaiting(external=False)) for _ in range(count)]


def _at_once(actions: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=20)
            results.append(action())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    assert len(results) == len(actions)
    return results


@pytest.mark.django_db(transaction=True)
def test_resolutions_issued_at_the_same_instant_get_consecutive_numbers(desk: Desk) -> None:
    sig = build_signing(desk)
    ResolutionSettings.objects.create(body=desk.world.body, automatic_issue=False)
    rows = _signed(sig, 3)
    results = _at_once(
        [lambda r=r: issuance.resolution_issue(actor=None, resolution=r) for r in rows]
    )
    assert all(r.issued for r in results)
    numbers = sorted(Resolution.objects.values_list("sequence", flat=True))
    assert numbers == [1, 2, 3]
    assert sorted(Resolution.objects.values_list("number", flat=True)) == [
        "01/NQ-CP",
        "02/NQ-CP",
        "03/NQ-CP",
    ]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_one_resolution_issued_twice_at_once_is_numbered_and_sealed_once(desk: Desk) -> None:
    sig = build_signing(desk)
    ResolutionSettings.objects.create(body=desk.world.body, automatic_issue=False)
    [row] = _signed(sig, 1)
    results = _at_once([lambda: issuance.resolution_issue(actor=None, resolution=row)] * 2)
    assert all(r.issued for r in results)
    assert RegisterEntry.objects.count() == 1
    assert ResolutionFile.objects.filter(kind=ResolutionFile.Kind.ISSUED).count() == 1
    assert AuditEvent.objects.filter(verb="resolutions.resolution_issue").count() == 1


def test_numbering_restarts_on_1_january_vietnam_time(by_hand: Signing) -> None:
    year = vn_date(timezone.now()).year
    late, early = _signed(by_hand, 2)
    last_minute = datetime(year, 12, 31, 23, 59, tzinfo=VN_TZ)
    new_year = datetime(year + 1, 1, 1, 0, 0, tzinfo=VN_TZ)
    first = issuance.resolution_issue(actor=None, resolution=late, at=last_minute).resolution
    second = issuance.resolution_issue(actor=None, resolution=early, at=new_year).resolution
    assert (first.number, first.year) == ("01/NQ-CP", year)
    assert (second.number, second.year) == ("01/NQ-CP", year + 1)
    assert first.promulgation_date == last_minute.date()
    assert second.promulgation_date == new_year.date()
    assert _fields(_issued_pdf(first))[DATE_FIELD] == f"Hà Nội, ngày 31 tháng 12 năm {year}"
    assert _fields(_issued_pdf(second))[DATE_FIELD] == f"Hà Nội, ngày 01 tháng 01 năm {year + 1}"


# --- Stored PDFs ---------------------------------------------------------------------------


def test_key_rotation_rewraps_the_pdfs_and_the_old_key_can_go(sig: Signing) -> None:
    from django.conf import settings

    from ecabinet.core import envelope

    resolution = sig.sign(sig.awaiting())
    rows = list(ResolutionFile.objects.filter(resolution=resolution))
    assert {r.kind for r in rows} == {"draft", "signed", "issued"}
    before = [signing.file_bytes(r) for r in rows]
    old = envelope.current_kek_id()
    call_command("keys", "rotate", stdout=io.StringIO())
    (Path(settings.ECABINET_KEY_DIR) / f"{old}.kek").unlink()
    after = [signing.file_bytes(ResolutionFile.objects.get(pk=r.pk)) for r in rows]
    assert after == before
    assert signing.rewrap_all() == 0


def test_a_tampered_file_is_refused_and_audited(sig: Signing) -> None:
    resolution = sig.sign(sig.awaiting())
    row = ResolutionFile.objects.get(resolution=resolution, kind=ResolutionFile.Kind.ISSUED)
    other = ResolutionFile.objects.get(resolution=resolution, kind=ResolutionFile.Kind.SIGNED)
    # The issued file's key put on the signed file's row: bound to another id, it does not open.
    ResolutionFile.objects.filter(pk=other.pk).update(wrapped_key=row.wrapped_key)
    with pytest.raises(signing.FileUnreadable):
        signing.file_bytes(ResolutionFile.objects.get(pk=other.pk))
    event = AuditEvent.objects.get(verb="resolutions.file_unreadable")
    assert event.after["file"] == str(other.pk)
