"""A body's organisational certificate (its digital seal), sealing and signing PDFs as
services, the ``ca issue-body`` and ``sign_demo`` commands, and the CRL distribution point."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import crl as asn1_crl  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Membership, Role
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World
from ecabinet.signatures import ca, keystores, tsa
from ecabinet.signatures.models import (
    CertificateAuthority,
    MemberCertificate,
    OrganisationCertificate,
    RevocationReason,
    SoftwareKey,
)
from ecabinet.signatures.pdf import images, layout
from ecabinet.signatures.pdf.pades import sign_as_signer, validate_pdf
from ecabinet.signatures.pdfsign import (
    pdf_seal,
    pdf_seal_content,
    pdf_sign,
    pdf_sign_content,
    seal_certificate,
)
from ecabinet.signatures.statements import (
    payload_hash,
    statement_export,
    statement_payload,
    statement_sign,
    statement_verify,
)
from ecabinet.signatures.verify import verify_bytes

DATE_LINE = layout.decree_date_line("Hà Nội", date(2026, 11, 24))


@pytest.fixture(autouse=True)
def _fresh_tsa_cache() -> None:
    tsa._cached.clear()


@pytest.fixture
def admin(world: World) -> Any:
    user = world.user("admin")
    assert user is not None
    return user


@pytest.fixture
def clerk(world: World, issue: Callable[..., MemberCertificate]) -> Membership:
    """A records clerk of the body, with a certificate of their own."""
    membership: Membership = MembershipFactory.create(body=world.body, role=Role.RECORDS_CLERK)
    issue(membership)
    return membership


@pytest.fixture
def organisation(
    world: World, authorities: dict[str, CertificateAuthority], admin: Any
) -> OrganisationCertificate:
    return ca.organisation_certificate_issue(actor=admin, body=world.body)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _draft(signer_name: str = "Người thử member") -> bytes:
    return layout.render_decree30_pdf(
        layout.Decree30Document(
            body_name="CHÍNH PHỦ (THỬ)",
            notation="NQ-CP",
            type_name="NGHỊ QUYẾT",
            summary="Thử nghiệm chữ ký số của cơ quan",
            place="Hà Nội",
            sections=[layout.Section(heading="Điều 1.", paragraphs=["Thử nghiệm."])],
            signer_authority="TM. CHÍNH PHỦ",
            signer_title="THỦ TƯỚNG",
            signer_name=signer_name,
        )
    )


def _signed(member_certificate: MemberCertificate) -> bytes:
    draft = _draft()
    return pdf_sign(
        actor=member_certificate.user,
        certificate=member_certificate,
        pdf=draft,
        confirmation_hash=_digest(pdf_sign_content(draft)),
        signature_png=images.signature_png("Người thử member"),
    )


# --- issuing and revoking --------------------------------------------------------------------


def test_organisation_certificate_names_the_body_and_may_sign(
    world: World, organisation: OrganisationCertificate
) -> None:
    cert = ca.load_certificate(organisation.certificate_der)
    issuing = CertificateAuthority.objects.get(role="issuing", active=True)
    cert.verify_directly_issued_by(ca.load_certificate(issuing.certificate_der))
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == world.body.name
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == world.body.name
    assert not subject.get_attributes_for_oid(NameOID.TITLE)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    assert not usage.value.key_cert_sign
    purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(purposes) == [ca.DOCUMENT_SIGNING]
    assert organisation.key_store == "software"
    assert SoftwareKey.objects.filter(pk=organisation.key_ref, label=f"body-{world.body.pk}")
    assert ca.organisation_certificate_for(world.body) == organisation
    ca.check_can_sign(organisation)
    event = AuditEvent.objects.get(verb="signatures.organisation_certificate_issued")
    assert event.body_id == world.body.pk
    assert event.after is not None
    assert event.after["serial"] == organisation.serial


def test_organisation_certificate_issue_refusals(
    world: World,
    organisation: OrganisationCertificate,
    admin: Any,
    body_admin: Membership,
) -> None:
    with pytest.raises(DomainError, match="còn hiệu lực") as caught:
        ca.organisation_certificate_issue(actor=admin, body=world.body)
    assert caught.value.code == "duplicate"
    for persona in ("chair", "office", "member", "outsider"):
        user = world.user(persona)
        assert user is not None
        with pytest.raises(PermissionDenied):
            ca.organisation_certificate_issue(actor=user, body=world.other_body)
    # A body administrator issues for their own body only.
    with pytest.raises(PermissionDenied):
        ca.organisation_certificate_issue(actor=body_admin.user, body=world.other_body)
    other = ca.organisation_certificate_issue(
        actor=admin, body=world.other_body, common_name="  Văn phòng   thử  "
    )
    subject = ca.load_certificate(other.certificate_der).subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Văn phòng thử"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        world.other_body.name
    )
    world.other_body.is_active = False
    world.other_body.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="đang hoạt động"):
        ca.organisation_certificate_issue(actor=admin, body=world.other_body)


def test_revoked_organisation_certificate_is_in_the_crl_and_seals_no_more(
    world: World, organisation: OrganisationCertificate, admin: Any, clerk: Membership
) -> None:
    member = world.user("member")
    assert member is not None
    with pytest.raises(PermissionDenied):
        ca.organisation_certificate_revoke(
            actor=member, certificate=organisation, reason=RevocationReason.SUPERSEDED
        )
    ca.organisation_certificate_revoke(
        actor=admin, certificate=organisation, reason=RevocationReason.KEY_COMPROMISE
    )
    with pytest.raises(DomainError, match="đã bị thu hồi"):
        ca.organisation_certificate_revoke(
            actor=admin, certificate=organisation, reason=RevocationReason.SUPERSEDED
        )
    crl = x509.load_der_x509_crl(ca.crl_der())
    assert crl.get_revoked_certificate_by_serial_number(int(organisation.serial, 16))
    organisation.refresh_from_db()
    with pytest.raises(DomainError, match="thu hồi"):
        ca.signer_for(organisation)
    assert ca.organisation_certificate_for(world.body) is None
    # Without an organisational certificate the clerk's own is used; a new one can be issued.
    assert isinstance(seal_certificate(actor=clerk.user, body=world.body), MemberCertificate)
    fresh = ca.organisation_certificate_issue(actor=admin, body=world.body)
    assert seal_certificate(actor=clerk.user, body=world.body) == fresh


# --- sealing -----------------------------------------------------------------------------------


def test_seal_is_made_with_the_organisational_certificate(
    world: World,
    member_certificate: MemberCertificate,
    organisation: OrganisationCertificate,
    clerk: Membership,
) -> None:
    signed = _signed(member_certificate)
    content = pdf_seal_content(body=world.body, pdf=signed, number="15", date_text=DATE_LINE)
    sealed = pdf_seal(
        actor=clerk.user,
        body=world.body,
        pdf=signed,
        number="15",
        date_text=DATE_LINE,
        confirmation_hash=_digest(content),
        seal_png=images.seal_png("CHÍNH PHỦ"),
    )

    report = validate_pdf(sealed, trust_roots=ca.trust_roots())
    assert report.ok, report
    seal = report.by_field(layout.ORG_FIELD)
    assert seal.signer_name == world.body.name
    assert f"Organization: {world.body.name}" in seal.certificate_subject
    assert report.by_field(layout.SIGNER_FIELD).signer_name == "Người thử member"
    verified = verify_bytes(sealed)
    assert verified.ok
    assert verified.signatures[1].serial == organisation.serial
    event = AuditEvent.objects.get(verb="signatures.pdf_sealed")
    assert event.actor_id == clerk.user_id
    assert event.after is not None
    assert event.after["organisational"] is True
    assert event.after["certificate_serial"] == organisation.serial
    assert AuditEvent.objects.filter(verb="signatures.pdf_signed").count() == 1


def test_without_organisational_certificate_the_clerk_seals_with_their_own(
    world: World, member_certificate: MemberCertificate, clerk: Membership
) -> None:
    signed = _signed(member_certificate)
    content = pdf_seal_content(body=world.body, pdf=signed, number="16", date_text=DATE_LINE)
    sealed = pdf_seal(
        actor=clerk.user,
        body=world.body,
        pdf=signed,
        number="16",
        date_text=DATE_LINE,
        confirmation_hash=_digest(content),
        seal_png=images.seal_png("CHÍNH PHỦ"),
    )
    report = validate_pdf(sealed, trust_roots=ca.trust_roots())
    assert report.ok, report
    assert report.by_field(layout.ORG_FIELD).signer_name == clerk.user.full_name
    event = AuditEvent.objects.get(verb="signatures.pdf_sealed")
    assert event.after is not None
    assert event.after["organisational"] is False


def test_sealing_refusals(
    world: World,
    member_certificate: MemberCertificate,
    organisation: OrganisationCertificate,
    clerk: Membership,
) -> None:
    signed = _signed(member_certificate)
    content = pdf_seal_content(body=world.body, pdf=signed, number="15", date_text=DATE_LINE)
    seal = images.seal_png("CHÍNH PHỦ")

    def attempt(actor: Any, confirmed: bytes, *, number: str = "15") -> bytes:
        return pdf_seal(
            actor=actor,
            body=world.body,
            pdf=signed,
            number=number,
            date_text=DATE_LINE,
            confirmation_hash=_digest(confirmed),
            seal_png=seal,
        )

    # Only the body's records clerks seal, not the signer, not an office leader.
    for user in (member_certificate.user, world.user("office"), world.user("admin")):
        with pytest.raises(PermissionDenied):
            attempt(user, content)
    # What was confirmed is what is sealed: another number, or a confirmation to sign.
    with pytest.raises(DomainError, match="khác với nội dung") as caught:
        attempt(clerk.user, content, number="16")
    assert caught.value.code == "confirmation_mismatch"
    with pytest.raises(DomainError, match="khác với nội dung"):
        attempt(clerk.user, pdf_sign_content(signed))
    # Without a seal image the body cannot seal.
    with pytest.raises(DomainError, match="ảnh con dấu"):
        pdf_seal(
            actor=clerk.user,
            body=world.body,
            pdf=signed,
            number="15",
            date_text=DATE_LINE,
            confirmation_hash=_digest(content),
        )
    assert not AuditEvent.objects.filter(verb="signatures.pdf_sealed").exists()


def test_signing_refusals(world: World, member_certificate: MemberCertificate) -> None:
    draft = _draft()
    other = world.user("chair")
    with pytest.raises(PermissionDenied):
        pdf_sign(
            actor=other,  # type: ignore[arg-type]
            certificate=member_certificate,
            pdf=draft,
            confirmation_hash=_digest(pdf_sign_content(draft)),
        )
    with pytest.raises(DomainError, match="khác với nội dung"):
        pdf_sign(
            actor=member_certificate.user,
            certificate=member_certificate,
            pdf=draft,
            confirmation_hash=_digest(pdf_sign_content(draft + b" ")),
        )
    with pytest.raises(DomainError, match="ảnh chữ ký"):
        pdf_sign(
            actor=member_certificate.user,
            certificate=member_certificate,
            pdf=draft,
            confirmation_hash=_digest(pdf_sign_content(draft)),
        )


def test_organisational_certificate_on_a_pkcs11_token_seals(
    world: World,
    member_certificate: MemberCertificate,
    authorities: dict[str, CertificateAuthority],
    admin: Any,
    clerk: Membership,
    pkcs11_settings: None,
) -> None:
    organisation = ca.organisation_certificate_issue(
        actor=admin, body=world.body, key_store="pkcs11"
    )
    assert organisation.key_ref.startswith("pkcs11:")
    signed = _signed(member_certificate)
    content = pdf_seal_content(body=world.body, pdf=signed, number="17", date_text=DATE_LINE)
    sealed = pdf_seal(
        actor=clerk.user,
        body=world.body,
        pdf=signed,
        number="17",
        date_text=DATE_LINE,
        confirmation_hash=_digest(content),
        seal_png=images.seal_png("CHÍNH PHỦ"),
    )
    report = validate_pdf(sealed, trust_roots=ca.trust_roots())
    assert report.ok, report
    assert report.by_field(layout.ORG_FIELD).signer_name == world.body.name


# --- the command line ------------------------------------------------------------------------


def test_ca_issue_body_and_revoke_from_the_command_line(
    world: World, authorities: dict[str, CertificateAuthority]
) -> None:
    out = StringIO()
    call_command("ca", "issue-body", world.body.code, stdout=out)
    organisation = OrganisationCertificate.objects.get(body=world.body)
    assert organisation.serial in out.getvalue()
    with pytest.raises(CommandError, match="còn hiệu lực"):
        call_command("ca", "issue-body", world.body.code, stdout=StringIO())
    with pytest.raises(CommandError, match="not found"):
        call_command("ca", "issue-body", "no-such-body", stdout=StringIO())
    call_command("ca", "revoke", organisation.serial, "--reason", "superseded", stdout=out)
    organisation.refresh_from_db()
    assert organisation.revocation_reason == "superseded"


def _code(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_sign_demo_signs_and_seals_after_step_up(
    world: World,
    signing_member: Membership,
    member_certificate: MemberCertificate,
    organisation: OrganisationCertificate,
    clerk: Membership,
    tmp_path: Path,
) -> None:
    for user in (signing_member.user, clerk.user):
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    target = tmp_path / "nq.pdf"
    out = StringIO()
    call_command(
        "sign_demo",
        str(target),
        body=world.body.code,
        signer=signing_member.user.username,
        clerk=clerk.user.username,
        number="15",
        signer_code=_code(signing_member.user),
        clerk_code=_code(clerk.user),
        stdout=out,
    )
    report = verify_bytes(target.read_bytes())
    assert report.ok
    assert [s.who for s in report.signatures] == ["Người thử member", world.body.name]
    assert "SHA-256:" in out.getvalue()
    assert AuditEvent.objects.filter(verb="accounts.stepup_consumed").count() == 2
    assert AuditEvent.objects.filter(verb="signatures.pdf_sealed").count() == 1

    # A wrong code: nothing is signed, nothing written.
    refused = tmp_path / "refused.pdf"
    right = _code(signing_member.user)
    with pytest.raises(CommandError, match="Mã xác thực không đúng"):
        call_command(
            "sign_demo",
            str(refused),
            body=world.body.code,
            signer=signing_member.user.username,
            clerk=clerk.user.username,
            signer_code="000000" if right != "000000" else "111111",
            clerk_code=_code(clerk.user),
            stdout=StringIO(),
        )
    assert not refused.exists()
    assert AuditEvent.objects.filter(verb="signatures.pdf_signed").count() == 1


# --- CRL distribution point ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("", None),
        ("ecabinet.example.gov.vn", None),  # not an absolute URI: no distribution point
        ("  https://ecabinet.example.gov.vn/  ", "https://ecabinet.example.gov.vn/chu-ky/crl.der"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/chu-ky/crl.der"),
    ],
)
def test_crl_distribution_point_only_with_an_absolute_site_address(
    world: World,
    authorities: dict[str, CertificateAuthority],
    admin: Any,
    settings: Any,
    base_url: str,
    expected: str | None,
) -> None:
    settings.ECABINET_BASE_URL = base_url
    assert ca.crl_url() == (expected or "")
    record = ca.organisation_certificate_issue(actor=admin, body=world.body)
    cert = ca.load_certificate(record.certificate_der)
    if expected is None:
        with pytest.raises(x509.ExtensionNotFound):
            cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    else:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert points[0].full_name is not None
        assert points[0].full_name[0].value == expected


def test_without_distribution_point_revocation_is_checked_with_the_exported_crl(
    world: World,
    member_certificate: MemberCertificate,
    organisation: OrganisationCertificate,
    clerk: Membership,
    admin: Any,
    time_machine: Any,
) -> None:
    """No CDP (ECABINET_BASE_URL unset): a verifier offline uses the CRL it is given."""
    cert = ca.load_certificate(member_certificate.certificate_der)
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    now = datetime.now(UTC)
    time_machine.move_to(now - timedelta(minutes=2), tick=True)
    signed = _signed(member_certificate)
    payload = statement_payload(
        signer=member_certificate.user,
        role="member",
        body=world.body,
        object_type="ballots.ballot",
        object_id=1,
        choice="agree",
    )
    statement = statement_sign(
        actor=member_certificate.user,
        certificate=member_certificate,
        payload=payload,
        confirmation_hash=payload_hash(payload),
    )
    time_machine.move_to(now, tick=True)
    ca.certificate_revoke(
        actor=admin, certificate=member_certificate, reason=RevocationReason.KEY_COMPROMISE
    )
    # The bundle exported now carries the CRL that lists the certificate.
    bundle = statement_export(statement)
    assert json.loads(bundle)["crls"]
    report = statement_verify(bundle, trust_roots=ca.trust_roots())
    assert report.revoked
    assert not report.ok
    # The PDF signed before the revocation stands (B-T), one signed after does not.
    crl = asn1_crl.CertificateList.load(ca.crl_der())
    assert validate_pdf(signed, trust_roots=ca.trust_roots(), crls=[crl]).ok
    key_signer = keystores.key_store(member_certificate.key_store).signer(
        member_certificate.key_ref,
        ca.to_asn1(member_certificate.certificate_der),
        ca.chain_of(member_certificate),
    )
    late = sign_as_signer(
        _draft(),
        signer=key_signer,
        timestamper=tsa.timestamper_for_settings(),
        signature_png=images.signature_png("Người thử member"),
    )
    late_report = validate_pdf(late, trust_roots=ca.trust_roots(), crls=[crl])
    assert not late_report.ok
    assert not late_report.signatures[0].trusted
    # Verified by the installation (``ecabinet verify``): its stored CRL is used.
    assert not verify_bytes(late).ok
    assert verify_bytes(signed).ok
