"""The chair signs the frozen version (PAdES with step-up); refusals leave nothing written."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from ecabinet.accounts.models import StepUpChallenge
from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.auth import login_as
from ecabinet.resolutions import ledger, services, signing
from ecabinet.resolutions.models import (
    Resolution,
    ResolutionEvent,
    ResolutionFile,
    ResolutionSettings,
)
from ecabinet.resolutions.tests.conftest import Desk
from ecabinet.resolutions.tests.test_signing_fixtures import (
    SESSION,
    Signing,
    build_signing,
    confirm,
)
from ecabinet.signatures.ca import certificate_revoke, trust_roots
from ecabinet.signatures.models import MemberCertificate, SignatureImage
from ecabinet.signatures.pdf.pades import validate_pdf
from ecabinet.tracking.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def sig(desk: Desk) -> Signing:
    return build_signing(desk)


@pytest.fixture
def by_hand(sig: Signing) -> Signing:
    """The body issues by a records clerk's hand: signing stops at ``signed``."""
    ResolutionSettings.objects.create(body=sig.desk.world.body, automatic_issue=False)
    return sig


def _sign_item(sig: Signing, resolution: Resolution) -> Assignment | None:
    return Assignment.objects.filter(
        assignee=sig.user("chair"),
        kind=ledger.KIND_SIGN,
        subject_type=ledger.SUBJECT_TYPE,
        subject_id=str(resolution.pk),
    ).first()


# --- The signature -------------------------------------------------------------------------


def test_the_chair_signs_the_pdf_shown_and_it_validates(by_hand: Signing) -> None:
    sig = by_hand
    resolution = sig.awaiting()
    item = _sign_item(sig, resolution)
    assert item is not None
    assert item.done_at is None
    draft = signing.signing_draft(resolution)
    row = sig.sign(resolution)

    assert row.status == Resolution.Status.SIGNED
    assert row.signed_at is not None
    assert row.number == ""  # numbered at issuance
    signed = ResolutionFile.objects.get(resolution=row, kind=ResolutionFile.Kind.SIGNED)
    data = signing.file_bytes(signed)
    # The PDF the chair read is the first revision of the signed file, byte for byte.
    pdf = signing.file_bytes(draft)
    assert data[: len(pdf)] == pdf
    assert signed.version_sha256 == row.submitted_sha256
    report = validate_pdf(data, trust_roots=trust_roots())
    [chair] = report.signatures
    assert chair.ok, chair.summary
    assert chair.certification
    assert "Người thử chair" in chair.signer_name
    assert chair.timestamp_ok
    item = _sign_item(sig, resolution)
    assert item is not None
    assert item.done_at is not None
    assert ResolutionEvent.objects.filter(resolution=row, action="sign").count() == 1


def test_signing_is_audited_with_the_hashes(by_hand: Signing) -> None:
    resolution = by_hand.awaiting()
    row = by_hand.sign(resolution)
    event = AuditEvent.objects.get(verb="resolutions.resolution_sign")
    signed = ResolutionFile.objects.get(resolution=row, kind=ResolutionFile.Kind.SIGNED)
    assert event.after["signed_sha256"] == signed.sha256
    assert event.after["version_sha256"] == row.submitted_sha256
    assert event.after["status"] == "signed"
    assert AuditEvent.objects.filter(verb="signatures.pdf_signed").count() == 1
    assert AuditEvent.objects.filter(verb="accounts.stepup_consumed").count() == 1


def test_the_draft_is_rendered_once_per_submission(sig: Signing) -> None:
    resolution = sig.awaiting()
    first = signing.signing_draft(resolution)
    assert signing.signing_draft(resolution).pk == first.pk
    assert ResolutionFile.objects.filter(kind=ResolutionFile.Kind.DRAFT).count() == 1


def test_the_step_up_summary_names_the_resolution_and_the_pdf(sig: Signing) -> None:
    resolution = sig.awaiting()
    request = sig.request(resolution)
    assert request.challenge.purpose == "resolution.sign"
    assert request.challenge.summary.startswith(f"Bạn ký: Nghị quyết «{resolution.title}»")
    assert "3 mục" in request.challenge.summary


# --- Refusals ------------------------------------------------------------------------------


def _resubmitted_with_changes(sig: Signing, resolution: Resolution) -> Resolution:
    services.resolution_return(
        actor=sig.user("chair"), resolution=sig.desk.fresh(resolution), reason="Sửa tên."
    )
    sig.desk.edit(resolution, title="Tên mới của nghị quyết")
    return sig.desk.fresh(sig.desk.submit(resolution))


def test_a_changed_submission_is_refused_before_the_challenge(sig: Signing) -> None:
    resolution = sig.awaiting()
    shown = sig.desk.fresh(resolution)
    draft = signing.signing_draft(shown)
    _resubmitted_with_changes(sig, resolution)
    with pytest.raises(DomainError) as refused:
        sig.request(
            resolution,
            version_sha256=shown.submitted_sha256,
            row_version=shown.version,
            draft_id=draft.pk,
        )
    assert refused.value.code == "changed"
    assert not StepUpChallenge.objects.exists()


def test_a_stale_page_is_refused(sig: Signing) -> None:
    """Returned and submitted again with the same content: same hash, another submission."""
    resolution = sig.awaiting()
    shown = sig.desk.fresh(resolution)
    draft = signing.signing_draft(shown)
    services.resolution_return(actor=sig.user("chair"), resolution=shown, reason="Xem lại.")
    again = sig.desk.fresh(sig.desk.submit(resolution))
    assert again.submitted_sha256 == shown.submitted_sha256
    with pytest.raises(DomainError) as refused:
        sig.request(
            resolution,
            version_sha256=shown.submitted_sha256,
            row_version=shown.version,
            draft_id=draft.pk,
        )
    assert refused.value.code == "stale"
    assert not StepUpChallenge.objects.exists()


def test_a_change_between_confirmation_and_signature_signs_nothing(sig: Signing) -> None:
    resolution = sig.awaiting()
    request = sig.request(resolution)
    confirm(request.challenge)
    _resubmitted_with_changes(sig, resolution)
    with pytest.raises(DomainError) as refused:
        signing.resolution_sign(
            actor=sig.user("chair"),
            resolution=sig.desk.fresh(resolution),
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            kept=request.kept,
        )
    assert refused.value.code == "changed"
    assert sig.desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE
    assert not ResolutionFile.objects.filter(kind=ResolutionFile.Kind.SIGNED).exists()
    assert not AuditEvent.objects.filter(verb="signatures.pdf_signed").exists()
    # The confirmation was not spent on anything.
    assert StepUpChallenge.objects.get(pk=request.challenge.pk).consumed_at is None


def test_a_revoked_chair_certificate_is_refused(sig: Signing) -> None:
    resolution = sig.awaiting()
    certificate = MemberCertificate.objects.get(user=sig.user("chair"))
    certificate_revoke(actor=sig.user("chair"), certificate=certificate, reason="key_compromise")
    with pytest.raises(DomainError) as refused:
        sig.request(resolution)
    assert refused.value.code == "no_certificate"
    assert "chứng thư số còn hiệu lực" in str(refused.value.message)


def test_a_certificate_revoked_after_confirmation_signs_nothing(sig: Signing) -> None:
    resolution = sig.awaiting()
    request = sig.request(resolution)
    confirm(request.challenge)
    certificate = MemberCertificate.objects.get(user=sig.user("chair"))
    certificate_revoke(actor=sig.user("chair"), certificate=certificate, reason="key_compromise")
    with pytest.raises(DomainError):
        signing.resolution_sign(
            actor=sig.user("chair"),
            resolution=sig.desk.fresh(resolution),
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            kept=request.kept,
        )
    assert sig.desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE
    assert not ResolutionFile.objects.filter(kind=ResolutionFile.Kind.SIGNED).exists()


def test_an_expired_chair_certificate_is_refused(sig: Signing) -> None:
    resolution = sig.awaiting()
    MemberCertificate.objects.filter(user=sig.user("chair")).update(
        not_after=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(DomainError) as refused:
        sig.request(resolution)
    assert refused.value.code == "no_certificate"


def test_a_chair_without_a_signature_image_is_refused(sig: Signing) -> None:
    resolution = sig.awaiting()
    SignatureImage.objects.filter(user=sig.user("chair")).delete()
    with pytest.raises(DomainError) as refused:
        sig.request(resolution)
    assert refused.value.code == "no_signature_image"


@pytest.mark.parametrize("persona", ["office", "member", "substitute", "clerk", "admin"])
def test_only_the_signer_signs(sig: Signing, persona: str) -> None:
    resolution = sig.awaiting()
    with pytest.raises(PermissionDenied):
        sig.request(resolution, actor=persona)
    request = sig.request(resolution)
    confirm(request.challenge)
    with pytest.raises(PermissionDenied):
        signing.resolution_sign(
            actor=sig.user(persona),
            resolution=sig.desk.fresh(resolution),
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            kept=request.kept,
        )
    assert sig.desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE


def test_a_second_click_does_not_sign_twice(by_hand: Signing) -> None:
    sig = by_hand
    resolution = sig.awaiting()
    first = sig.request(resolution)
    second = sig.request(resolution)
    confirm(first.challenge)
    confirm(second.challenge)
    kwargs = {"actor": sig.user("chair"), "session_key": SESSION}
    signing.resolution_sign(
        resolution=sig.desk.fresh(resolution),
        challenge_id=first.challenge.pk,
        kept=first.kept,
        **kwargs,
    )
    with pytest.raises(DomainError) as refused:
        signing.resolution_sign(
            resolution=sig.desk.fresh(resolution),
            challenge_id=second.challenge.pk,
            kept=second.kept,
            **kwargs,
        )
    assert refused.value.code == "already_signed"
    assert ResolutionFile.objects.filter(kind=ResolutionFile.Kind.SIGNED).count() == 1
    assert AuditEvent.objects.filter(verb="signatures.pdf_signed").count() == 1
    assert AuditEvent.objects.filter(verb="resolutions.resolution_sign").count() == 1
    with pytest.raises(DomainError) as again:
        signing.resolution_sign_request(
            actor=sig.user("chair"),
            resolution=sig.desk.fresh(resolution),
            session_key=SESSION,
            version_sha256=first.draft.version_sha256,
            row_version=sig.desk.fresh(resolution).version,
            draft_id=first.draft.pk,
        )
    assert again.value.code == "already_signed"


def test_a_tampered_frozen_version_is_not_signed(sig: Signing) -> None:
    from ecabinet.resolutions.models import ResolutionVersion

    resolution = sig.awaiting()
    version = sig.desk.fresh(resolution).submitted_version
    assert version is not None
    ResolutionVersion.objects.filter(pk=version.pk).update(
        content={**version.content, "title": "Nội dung bị sửa trong cơ sở dữ liệu"}
    )
    with pytest.raises(DomainError) as refused:
        signing.signing_draft(resolution)
    assert refused.value.code == "tampered"


def test_the_chair_returns_instead_of_signing(sig: Signing) -> None:
    resolution = sig.awaiting()
    services.resolution_return(
        actor=sig.user("chair"), resolution=sig.desk.fresh(resolution), reason="Bổ sung căn cứ."
    )
    with pytest.raises(DomainError):
        sig.request(resolution)
    item = _sign_item(sig, resolution)
    assert item is not None
    assert item.done_at is not None


# --- The pages -----------------------------------------------------------------------------


def _stepup(response: object) -> tuple[int, str]:
    location = urlsplit(response["Location"])  # type: ignore[index]
    match = resolve(location.path)
    assert match.view_name == "accounts:stepup", location.path
    return int(match.kwargs["challenge_id"]), parse_qs(location.query)["next"][0]


def _shown(client: Client, resolution: Resolution) -> dict[str, object]:
    page = client.get(reverse("resolutions:sign", kwargs={"pk": resolution.pk}))
    assert page.status_code == 200
    form = page.context["form"]
    return {k: form.initial[k] for k in ("version_sha256", "row_version", "draft")}


def test_the_phone_signing_page_shows_the_pdf_and_the_key_facts(
    sig: Signing, client: Client
) -> None:
    resolution = sig.awaiting()
    login_as(client, sig.user("chair"))
    detail = client.get(reverse("resolutions:detail", kwargs={"pk": resolution.pk}))
    assert "Xem và ký" in detail.content.decode()
    page = client.get(reverse("resolutions:sign", kwargs={"pk": resolution.pk}))
    text = page.content.decode()
    assert "Số: …/NQ-CP" in text
    assert resolution.title in text
    assert resolution.summary in text
    assert "Bộ Tài chính (thử)" in text  # a recipient
    assert 'name="viewport"' in text
    pdf_url = reverse("resolutions:sign_pdf", kwargs={"pk": resolution.pk})
    assert f'data-pdf-url="{pdf_url}"' in text
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    draft = ResolutionFile.objects.get(kind=ResolutionFile.Kind.DRAFT)
    assert pdf.content == signing.file_bytes(draft)


def test_signing_through_the_pages_then_a_reload_signs_nothing_more(
    sig: Signing, client: Client
) -> None:
    resolution = sig.awaiting()
    login_as(client, sig.user("chair"))
    response = client.post(
        reverse("resolutions:sign", kwargs={"pk": resolution.pk}), _shown(client, resolution)
    )
    challenge_id, finish = _stepup(response)
    confirm(StepUpChallenge.objects.get(pk=challenge_id))
    done = client.get(finish, follow=True)
    assert "01/NQ-CP" in done.content.decode()
    again = client.get(finish)
    assert again.status_code == 302
    assert ResolutionFile.objects.filter(kind=ResolutionFile.Kind.SIGNED).count() == 1
    assert sig.desk.fresh(resolution).status == Resolution.Status.ISSUED


def test_a_page_shown_before_a_resubmission_is_refused_and_shown_again(
    sig: Signing, client: Client
) -> None:
    resolution = sig.awaiting()
    login_as(client, sig.user("chair"))
    shown = _shown(client, resolution)
    _resubmitted_with_changes(sig, resolution)
    response = client.post(reverse("resolutions:sign", kwargs={"pk": resolution.pk}), shown)
    assert response.status_code == 409
    text = response.content.decode()
    assert "Nội dung trình ký đã thay đổi" in text
    assert "Tên mới của nghị quyết" in text
    assert response.context["form"].initial["version_sha256"] != shown["version_sha256"]
    assert not StepUpChallenge.objects.exists()


def test_a_forged_form_is_refused(sig: Signing, client: Client) -> None:
    resolution = sig.awaiting()
    login_as(client, sig.user("chair"))
    response = client.post(
        reverse("resolutions:sign", kwargs={"pk": resolution.pk}), {"version_sha256": "x"}
    )
    assert response.status_code == 400
    assert not StepUpChallenge.objects.exists()


def test_a_finish_without_the_kept_content_is_refused(sig: Signing, client: Client) -> None:
    resolution = sig.awaiting()
    request = sig.request(resolution)
    confirm(request.challenge)
    login_as(client, sig.user("chair"))
    url = reverse(
        "resolutions:sign_finish",
        kwargs={"pk": resolution.pk, "challenge_id": request.challenge.pk},
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("resolutions:sign", kwargs={"pk": resolution.pk})
    assert sig.desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE


def test_the_signing_page_after_the_signature_goes_to_the_resolution(
    by_hand: Signing, client: Client
) -> None:
    resolution = by_hand.awaiting()
    by_hand.sign(resolution)
    login_as(client, by_hand.user("chair"))
    response = client.get(reverse("resolutions:sign", kwargs={"pk": resolution.pk}))
    assert response["Location"] == reverse("resolutions:detail", kwargs={"pk": resolution.pk})


def test_the_tsa_down_at_the_signature_signs_nothing(
    sig: Signing, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecabinet.signatures import tsa

    resolution = sig.awaiting()
    request = sig.request(resolution)
    confirm(request.challenge)
    monkeypatch.setattr(
        tsa,
        "timestamper_for_settings",
        lambda: tsa.CheckedHTTPTimeStamper("http://127.0.0.1:9/tsa", timeout=2),
    )
    with pytest.raises(DomainError) as refused:
        signing.resolution_sign(
            actor=sig.user("chair"),
            resolution=sig.desk.fresh(resolution),
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            kept=request.kept,
        )
    assert refused.value.code == "timestamp_unavailable"
    assert sig.desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE
    assert not ResolutionFile.objects.filter(kind=ResolutionFile.Kind.SIGNED).exists()
    assert not AuditEvent.objects.filter(verb="resolutions.resolution_sign").exists()
