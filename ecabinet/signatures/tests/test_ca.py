"""The internal CA: hierarchy, members' certificates, revocation and CRL, trust anchors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Membership, Role
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World
from ecabinet.signatures import ca as ca_module
from ecabinet.signatures.ca import (
    ca_init,
    certificate_issue,
    certificate_revoke,
    crl_der,
    load_certificate,
    signer_for,
    trust_anchor_import,
    trust_roots,
)
from ecabinet.signatures.models import (
    CertificateAuthority,
    MemberCertificate,
    RevocationReason,
    SoftwareKey,
    TrustAnchor,
)

Role_ = CertificateAuthority.Role


def _cert(ca: CertificateAuthority) -> x509.Certificate:
    return load_certificate(ca.certificate_der)


def test_ca_init_builds_the_hierarchy_once(db: None) -> None:
    first = ca_init()
    assert set(first) == {Role_.ROOT, Role_.ISSUING, Role_.TSA}
    assert AuditEvent.objects.filter(verb="signatures.ca_created").count() == 3
    again = ca_init()
    assert {r: c.pk for r, c in again.items()} == {r: c.pk for r, c in first.items()}
    assert CertificateAuthority.objects.count() == 3
    assert SoftwareKey.objects.count() == 3
    assert AuditEvent.objects.filter(verb="signatures.ca_created").count() == 3

    root, issuing, tsa = (_cert(first[r]) for r in (Role_.ROOT, Role_.ISSUING, Role_.TSA))
    root.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(root)
    tsa.verify_directly_issued_by(root)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert issuing.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    root_years = (root.not_valid_after_utc - root.not_valid_before_utc).days / 365
    issuing_years = (issuing.not_valid_after_utc - issuing.not_valid_before_utc).days / 365
    assert 9.9 < root_years < 10.1
    assert 4.9 < issuing_years < 5.1
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert not tsa.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_issue_builds_the_member_certificate(
    world: World, signing_member: Membership, issue: Callable[..., MemberCertificate]
) -> None:
    record = issue(signing_member)
    cert = load_certificate(record.certificate_der)
    issuing = _cert(CertificateAuthority.objects.get(role=Role_.ISSUING, active=True))
    cert.verify_directly_issued_by(issuing)
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Người thử member"
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Bộ trưởng Bộ Thử nghiệm"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == world.body.name
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days in range(729, 733)
    assert record.serial == format(cert.serial_number, "x")
    assert cert.serial_number.bit_length() > 64
    assert record.key_store == "software"
    assert SoftwareKey.objects.filter(pk=record.key_ref).exists()
    # Without a public address, no CRL distribution point (a relative URI is not valid).
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    event = AuditEvent.objects.get(verb="signatures.certificate_issued")
    assert event.body_id == world.body.pk
    assert event.after is not None
    assert event.after["serial"] == record.serial


def test_issue_with_public_address_points_at_the_crl(
    settings: Any, signing_member: Membership, issue: Callable[..., MemberCertificate]
) -> None:
    settings.ECABINET_BASE_URL = "https://ecabinet.example.gov.vn/"
    cert = load_certificate(issue(signing_member).certificate_der)
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name is not None
    assert points[0].full_name[0].value == "https://ecabinet.example.gov.vn/chu-ky/crl.der"


@pytest.mark.parametrize("persona", ["chair", "office", "member", "outsider", "observer"])
def test_only_admins_issue(
    world: World, authorities: Any, signing_member: Membership, persona: str
) -> None:
    actor = world.user(persona)
    assert actor is not None
    with pytest.raises(PermissionDenied):
        certificate_issue(actor=actor, membership=signing_member)
    assert not MemberCertificate.objects.exists()


def test_body_admin_issues_in_own_body_only(
    world: World, authorities: Any, body_admin: Membership, signing_member: Membership
) -> None:
    record = certificate_issue(actor=body_admin.user, membership=signing_member)
    assert record.issued_by == body_admin.user
    other = MembershipFactory.create(body=world.other_body, role=Role.MEMBER)
    with pytest.raises(PermissionDenied):
        certificate_issue(actor=body_admin.user, membership=other)


def test_issue_refusals(
    world: World,
    signing_member: Membership,
    issue: Callable[..., MemberCertificate],
) -> None:
    with pytest.raises(DomainError, match="không ký số"):
        issue(world.memberships["observer"])
    issue(signing_member)
    with pytest.raises(DomainError, match="còn hiệu lực"):
        issue(signing_member)
    signing_member.is_active = False
    signing_member.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="đang hoạt động"):
        issue(signing_member)


def test_issue_without_ca_is_refused(world: World, signing_member: Membership) -> None:
    admin = world.user("admin")
    assert admin is not None
    with pytest.raises(DomainError, match="ca init"):
        certificate_issue(actor=admin, membership=signing_member)


def test_revoke_and_crl(
    world: World,
    member_certificate: MemberCertificate,
    signing_member: Membership,
    issue: Callable[..., MemberCertificate],
) -> None:
    chair = world.user("chair")
    assert chair is not None
    with pytest.raises(PermissionDenied):
        certificate_revoke(
            actor=chair, certificate=member_certificate, reason=RevocationReason.SUPERSEDED
        )
    holder = signing_member.user
    with pytest.raises(DomainError):
        certificate_revoke(actor=holder, certificate=member_certificate, reason="bogus")
    revoked = certificate_revoke(
        actor=holder, certificate=member_certificate, reason=RevocationReason.KEY_COMPROMISE
    )
    assert revoked.revoked_at is not None
    with pytest.raises(DomainError, match="đã bị thu hồi"):
        certificate_revoke(
            actor=holder, certificate=member_certificate, reason=RevocationReason.SUPERSEDED
        )
    assert AuditEvent.objects.filter(verb="signatures.certificate_revoked").count() == 1
    # A revoked certificate no longer blocks a new one.
    fresh = issue(signing_member)

    crl = x509.load_der_x509_crl(crl_der())
    issuing = _cert(CertificateAuthority.objects.get(role=Role_.ISSUING, active=True))
    assert crl.is_signature_valid(issuing.public_key())
    assert crl.issuer == issuing.subject
    entry = crl.get_revoked_certificate_by_serial_number(int(member_certificate.serial, 16))
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    assert crl.get_revoked_certificate_by_serial_number(int(fresh.serial, 16)) is None
    assert crl.next_update_utc is not None
    assert crl.next_update_utc > timezone.now()


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def test_trust_anchor_import(
    world: World, authorities: dict[str, CertificateAuthority], db: None
) -> None:
    admin = world.user("admin")
    chair = world.user("chair")
    assert admin is not None
    assert chair is not None
    # An external root: build one with the same helpers, in another (throwaway) hierarchy.
    ext = ca_module._name("Root CA Bên ngoài", organisation="Cơ quan khác")
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    now = timezone.now()
    external = ca_module._build(
        subject=ext,
        public_key=key.public_key(),
        issuer=None,
        self_key=key,
        not_before=now,
        not_after=now + timedelta(days=365),
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
    )
    with pytest.raises(PermissionDenied):
        trust_anchor_import(actor=chair, data=_pem(external))
    anchor = trust_anchor_import(actor=admin, data=_pem(external))
    assert "Root CA Bên ngoài" in anchor.subject
    with pytest.raises(DomainError, match="đã được nhập"):
        trust_anchor_import(actor=admin, data=external.public_bytes(serialization.Encoding.DER))
    leaf = ca_module._build(
        subject=ca_module._name("Không phải CA", organisation="X"),
        public_key=key.public_key(),
        issuer=None,
        self_key=key,
        not_before=now,
        not_after=now + timedelta(days=365),
        extensions=[],
    )
    with pytest.raises(DomainError, match="không phải của tổ chức cấp chứng thư"):
        trust_anchor_import(actor=admin, data=leaf.public_bytes(serialization.Encoding.DER))
    with pytest.raises(DomainError, match="PEM hoặc DER"):
        trust_anchor_import(actor=admin, data=b"not a certificate")
    assert TrustAnchor.objects.count() == 1
    roots = {r.sha256 for r in trust_roots()}
    root_der = bytes(authorities[Role_.ROOT].certificate_der)
    import hashlib

    assert hashlib.sha256(root_der).digest() in roots
    assert hashlib.sha256(bytes(anchor.certificate_der)).digest() in roots


def test_signer_for_refuses_certificates_that_may_not_sign(
    world: World, member_certificate: MemberCertificate
) -> None:
    signer = signer_for(member_certificate)
    assert signer.signing_cert is not None
    assert signer.signing_cert.dump() == bytes(member_certificate.certificate_der)
    later = member_certificate.not_after + timedelta(seconds=1)
    with pytest.raises(DomainError, match="hết hạn"):
        signer_for(member_certificate, at=later)
    earlier = member_certificate.not_before - timedelta(seconds=1)
    with pytest.raises(DomainError, match="chưa đến"):
        signer_for(member_certificate, at=earlier)
    admin = world.user("admin")
    assert admin is not None
    certificate_revoke(
        actor=admin, certificate=member_certificate, reason=RevocationReason.UNSPECIFIED
    )
    member_certificate.refresh_from_db()
    with pytest.raises(DomainError, match="thu hồi"):
        signer_for(member_certificate)


def test_a_software_signer_is_unsealed_once_for_a_few_minutes(
    member_certificate: MemberCertificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecabinet.signatures import ca, keystores

    ca.signers_forget()
    unsealed: list[str] = []
    unseal = keystores.SoftwareKeyStore.private_key

    def counting(self: keystores.SoftwareKeyStore, key_ref: str) -> Any:
        unsealed.append(key_ref)
        return unseal(self, key_ref)

    monkeypatch.setattr(keystores.SoftwareKeyStore, "private_key", counting)
    clock = [1000.0]
    monkeypatch.setattr(ca.time, "monotonic", lambda: clock[0])
    first = signer_for(member_certificate)
    assert signer_for(member_certificate) is first
    assert len(unsealed) == 1
    clock[0] += ca.SIGNER_SECONDS
    assert signer_for(member_certificate) is not first  # unsealed again after the delay
    assert len(unsealed) == 2
    ca.signers_forget()
    signer_for(member_certificate)
    assert len(unsealed) == 3
