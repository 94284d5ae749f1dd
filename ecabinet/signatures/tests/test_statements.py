"""Signed statements: payload, signing, export, offline verification, immutability."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World
from ecabinet.signatures import ca as ca_module
from ecabinet.signatures import statements
from ecabinet.signatures.ca import certificate_revoke, to_asn1, trust_roots
from ecabinet.signatures.models import (
    CertificateAuthority,
    MemberCertificate,
    RevocationReason,
    SignedStatement,
)
from ecabinet.signatures.statements import (
    canonical,
    payload_hash,
    statement_export,
    statement_payload,
    statement_sign,
    statement_verify,
)

DOC_HASH = hashlib.sha256(b"to-trinh.pdf").hexdigest()


def _payload(world: World, cert: MemberCertificate, **extra: Any) -> dict[str, Any]:
    return statement_payload(
        signer=cert.user,
        role="member",
        body=world.body,
        object_type="ballots.ballot",
        object_id=42,
        choice="agree",
        comment="Đồng ý với dự thảo, đề nghị sửa Điều 3.",
        documents={"Tờ trình.pdf": DOC_HASH},
        **extra,
    )


def _sign(world: World, cert: MemberCertificate, **extra: Any) -> SignedStatement:
    payload = _payload(world, cert, **extra)
    return statement_sign(
        actor=cert.user, certificate=cert, payload=payload, confirmation_hash=payload_hash(payload)
    )


def test_payload_shape(world: World, member_certificate: MemberCertificate) -> None:
    substitute = world.user("substitute")
    payload = _payload(world, member_certificate, on_behalf_of=substitute)
    assert payload["time"].endswith("+07:00")
    assert len(payload["nonce"]) == 32
    assert payload["documents"] == [{"name": "Tờ trình.pdf", "sha256": DOC_HASH}]
    assert payload["object"] == {"type": "ballots.ballot", "id": "42"}
    assert payload["on_behalf_of"]["id"] == substitute.pk  # type: ignore[union-attr]
    text = canonical(payload).decode()
    assert text.startswith('{"body":')  # sorted keys, no spaces: RFC 8785
    assert ": " not in text
    other = _payload(world, member_certificate)
    assert other["nonce"] != payload["nonce"]
    with pytest.raises(DomainError, match="Mã băm"):
        statement_payload(
            signer=member_certificate.user,
            role="member",
            body=world.body,
            object_type="x",
            object_id=1,
            choice="agree",
            documents={"a": "not-a-hash"},
        )


def test_sign_export_verify_round_trip(world: World, member_certificate: MemberCertificate) -> None:
    statement = _sign(world, member_certificate)
    assert (
        statement.payload_sha256 == hashlib.sha256(statement.payload_canonical.encode()).hexdigest()
    )
    event = AuditEvent.objects.get(verb="signatures.statement_signed")
    assert event.object_id == str(statement.pk)
    assert event.after is not None
    assert event.after["payload_sha256"] == statement.payload_sha256

    bundle = statement_export(statement)
    parsed = json.loads(bundle)
    assert parsed["format"] == "ecabinet-statement/1"
    assert len(parsed["certificates"]) == 3
    report = statement_verify(bundle, trust_roots=trust_roots())
    assert report.ok, report.problems
    assert report.intact
    assert report.trusted
    assert report.canonical
    assert report.valid_at_signing_time
    assert not report.revoked
    assert "Người thử member" in report.signer_subject
    assert report.signed_at is not None
    assert abs(report.signed_at - timezone.now()) < timedelta(minutes=1)
    assert report.payload["choice"] == "agree"


def test_altered_payload_byte_is_not_intact(
    world: World, member_certificate: MemberCertificate
) -> None:
    bundle = json.loads(statement_export(_sign(world, member_certificate)))
    bundle["payload"] = bundle["payload"].replace('"agree"', '"agreE"')
    report = statement_verify(json.dumps(bundle).encode(), trust_roots=trust_roots())
    assert not report.intact
    assert not report.ok


def test_altered_cms_is_not_intact(world: World, member_certificate: MemberCertificate) -> None:
    bundle = json.loads(statement_export(_sign(world, member_certificate)))
    cms_der = bytearray(base64.b64decode(bundle["cms"]))
    cms_der[-5] ^= 0x01  # inside the signature value, at the end of the SignerInfo
    bundle["cms"] = base64.b64encode(bytes(cms_der)).decode()
    report = statement_verify(json.dumps(bundle).encode(), trust_roots=trust_roots())
    assert not report.ok
    assert not report.intact


def test_untrusted_root_is_not_trusted(world: World, member_certificate: MemberCertificate) -> None:
    bundle = statement_export(_sign(world, member_certificate))
    key = ec.generate_private_key(ec.SECP256R1())
    now = timezone.now()
    stranger = ca_module._build(
        subject=ca_module._name("Root lạ", organisation="Lạ"),
        public_key=key.public_key(),
        issuer=None,
        self_key=key,
        not_before=now,
        not_after=now + timedelta(days=30),
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
    )
    report = statement_verify(
        bundle, trust_roots=[to_asn1(stranger.public_bytes(serialization.Encoding.DER))]
    )
    assert report.intact
    assert not report.trusted
    assert not report.ok


def test_revoked_after_signing_is_reported_but_signature_holds(
    world: World, member_certificate: MemberCertificate, time_machine: Any
) -> None:
    # Times in CMS and CRLs have one-second precision: sign well before the revocation.
    now = timezone.now()
    time_machine.move_to(now - timedelta(minutes=2), tick=True)
    statement = _sign(world, member_certificate)
    time_machine.move_to(now, tick=True)
    certificate_revoke(
        actor=member_certificate.user,
        certificate=member_certificate,
        reason=RevocationReason.KEY_COMPROMISE,
    )
    report = statement_verify(statement_export(statement), trust_roots=trust_roots())
    assert report.revoked
    assert report.revoked_at is not None
    assert report.intact
    assert report.trusted  # revoked after the signing time
    assert report.valid_at_signing_time
    assert not report.ok  # a verifier is told, and decides


def test_revoked_certificate_refuses_to_sign(
    world: World, member_certificate: MemberCertificate
) -> None:
    certificate_revoke(
        actor=member_certificate.user,
        certificate=member_certificate,
        reason=RevocationReason.SUPERSEDED,
    )
    member_certificate.refresh_from_db()
    with pytest.raises(DomainError, match="thu hồi"):
        _sign(world, member_certificate)
    assert not SignedStatement.objects.exists()


def test_expired_certificate_refuses_to_sign(
    world: World, member_certificate: MemberCertificate, time_machine: Any
) -> None:
    time_machine.move_to(member_certificate.not_after + timedelta(days=1))
    with pytest.raises(DomainError, match="hết hạn"):
        _sign(world, member_certificate)
    assert not SignedStatement.objects.exists()


def test_certificate_without_non_repudiation_refuses_to_sign(
    world: World, member_certificate: MemberCertificate
) -> None:
    issuing = CertificateAuthority.objects.get(role="issuing", active=True)
    issuer = ca_module._Issuer(
        ca_module.load_certificate(issuing.certificate_der), ca_module._ca_key(issuing)
    )
    public = ca_module.SoftwareKeyStore().private_key(member_certificate.key_ref).public_key()
    now = timezone.now() - timedelta(minutes=1)
    cert = ca_module._build(
        subject=ca_module._name("Không chống chối bỏ", organisation=world.body.name),
        public_key=public,
        issuer=issuer,
        self_key=None,
        not_before=now,
        not_after=now + timedelta(days=30),
        extensions=[(ca_module._key_usage(digital_signature=True), True)],
    )
    member_certificate.certificate_der = cert.public_bytes(serialization.Encoding.DER)
    member_certificate.serial = format(cert.serial_number, "x")
    member_certificate.save()
    with pytest.raises(DomainError, match="chống chối bỏ"):
        _sign(world, member_certificate)


def test_content_other_than_confirmed_is_refused(
    world: World, member_certificate: MemberCertificate
) -> None:
    payload = _payload(world, member_certificate)
    confirmed = payload_hash(payload)
    payload["choice"] = "disagree"
    with pytest.raises(DomainError, match="khác với nội dung bạn đã xác nhận"):
        statement_sign(
            actor=member_certificate.user,
            certificate=member_certificate,
            payload=payload,
            confirmation_hash=confirmed,
        )
    assert not SignedStatement.objects.exists()


def test_only_the_holder_signs_for_the_right_body(
    world: World, member_certificate: MemberCertificate
) -> None:
    payload = _payload(world, member_certificate)
    chair = world.user("chair")
    assert chair is not None
    with pytest.raises(PermissionDenied):
        statement_sign(
            actor=chair,
            certificate=member_certificate,
            payload=payload,
            confirmation_hash=payload_hash(payload),
        )
    payload["body"]["id"] = world.other_body.pk
    with pytest.raises(DomainError, match="không phải của người ký"):
        statement_sign(
            actor=member_certificate.user,
            certificate=member_certificate,
            payload=payload,
            confirmation_hash=payload_hash(payload),
        )


def test_a_signed_statement_is_never_updated(
    world: World, member_certificate: MemberCertificate
) -> None:
    statement = _sign(world, member_certificate)
    statement.comment = "sửa"  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="never updated"):
        statement.save()
    # Every later service leaves the row as it was: revoking the certificate, re-exporting.
    before = SignedStatement.objects.values().get(pk=statement.pk)
    certificate_revoke(
        actor=member_certificate.user,
        certificate=member_certificate,
        reason=RevocationReason.SUPERSEDED,
    )
    statement_export(statement)
    assert SignedStatement.objects.values().get(pk=statement.pk) == before


def test_no_service_module_updates_statements() -> None:
    """No code of the app writes to SignedStatement except the insert in statement_sign."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("SignedStatement.objects.filter", "SignedStatement.objects.update"):
            if needle in text and ".update(" in text.split(needle, 1)[1].split("\n", 1)[0]:
                offenders.append(str(path))
        if "SignedStatement.objects.bulk_update" in text or "statement.save(update_fields" in text:
            offenders.append(str(path))
    assert not offenders


@pytest.mark.parametrize(
    "data",
    [b"not json", b'{"format": "other/1"}', b'{"format": "ecabinet-statement/1"}'],
)
def test_malformed_bundles_fail_cleanly(db: None, data: bytes) -> None:
    report = statement_verify(data, trust_roots=[])
    assert not report.ok
    assert report.problems


def test_verify_module_is_importable_without_database() -> None:
    # statement_verify needs no database: anyone with the export and the roots checks it.
    assert callable(statements.statement_verify)
