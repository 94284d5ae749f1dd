"""Key stores: software (sealed) and PKCS#11 (SoftHSM2); KEK rotation of sealed keys."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Membership
from ecabinet.core import envelope
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import load_certificate, signer_for, trust_roots
from ecabinet.signatures.keystores import Pkcs11KeyStore, SoftwareKeyStore, key_store
from ecabinet.signatures.models import MemberCertificate, SoftwareKey
from ecabinet.signatures.statements import (
    payload_hash,
    statement_export,
    statement_payload,
    statement_sign,
    statement_verify,
)
from ecabinet.signatures.tests.conftest import PIN, SOFTHSM, TOKEN


def _sign_statement(world: World, cert: MemberCertificate) -> bytes:
    payload = statement_payload(
        signer=cert.user,
        role="member",
        body=world.body,
        object_type="ballots.ballot",
        object_id=7,
        choice="agree",
    )
    statement = statement_sign(
        actor=cert.user, certificate=cert, payload=payload, confirmation_hash=payload_hash(payload)
    )
    return statement_export(statement)


# --- software ------------------------------------------------------------------------------


def test_software_key_is_sealed_and_bound_to_its_row(db: None) -> None:
    store = SoftwareKeyStore()
    key_ref, public = store.generate("test")
    row = SoftwareKey.objects.get(pk=key_ref)
    private = store.private_key(key_ref)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert private.public_key().public_numbers() == public.public_numbers()  # type: ignore[union-attr]
    # The private scalar does not appear in the stored blob.
    scalar = private.private_numbers().private_value.to_bytes(32, "big")
    assert scalar not in bytes(row.sealed)
    # A blob copied onto another row does not open there.
    other_ref, _public = store.generate("other")
    SoftwareKey.objects.filter(pk=other_ref).update(sealed=row.sealed)
    with pytest.raises(envelope.SealedDataError):
        store.private_key(other_ref)


def test_software_signer_signs_verifiably(db: None) -> None:
    store = SoftwareKeyStore()
    key_ref, public = store.generate("test")
    signature = store.private_key(key_ref).sign(b"data", ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr,call-arg]
    public.verify(signature, b"data", ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr,call-arg]


def test_configured_store(settings: Any) -> None:
    settings.ECABINET_KEY_STORE = "software"
    assert isinstance(key_store(), SoftwareKeyStore)
    settings.ECABINET_KEY_STORE = "pkcs11"
    assert isinstance(key_store(), Pkcs11KeyStore)
    settings.ECABINET_KEY_STORE = "floppy"
    with pytest.raises(DomainError):
        key_store()


def test_keys_rotate_rewraps_everything_and_old_kek_can_go(
    world: World, member_certificate: MemberCertificate, key_dir: Path
) -> None:
    old = envelope.current_kek_id()
    keys = SoftwareKey.objects.count()
    assert keys == 4  # root, issuing, TSA, member
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    new = envelope.current_kek_id()
    assert new != old
    assert f"{keys} rewrapped" in out.getvalue()
    (key_dir / f"{old}.kek").unlink()
    failures = 0
    for row in SoftwareKey.objects.all():
        assert envelope.kek_id_of(bytes(row.sealed)) == new
        try:
            SoftwareKeyStore().private_key(str(row.pk))
        except envelope.SealedDataError:
            failures += 1
    assert failures == 0
    # Signing with the member's key and signing a CRL with the CA's still work.
    report = statement_verify(_sign_statement(world, member_certificate), trust_roots=trust_roots())
    assert report.ok, report.problems
    event = AuditEvent.objects.get(verb="signatures.kek_rotate")
    assert event.after == {"previous": old, "current": new, "rewrapped": keys}
    # Running it again re-wraps only to the newest KEK; nothing is lost.
    out = StringIO()
    call_command("keys", "rewrap", stdout=out)
    assert "0 rewrapped" in out.getvalue()


# --- PKCS#11 (SoftHSM2) --------------------------------------------------------------------


def test_pkcs11_generate_sign_verify(
    world: World,
    signing_member: Membership,
    issue: Callable[..., MemberCertificate],
    pkcs11_settings: None,
) -> None:
    cert = issue(signing_member, key_store="pkcs11")
    assert cert.key_store == "pkcs11"
    assert cert.key_ref.startswith("pkcs11:")
    assert not SoftwareKey.objects.filter(label__startswith="member-").exists()
    # The key on the token is private, sensitive and not extractable.
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    token = pkcs11.lib(SOFTHSM).get_token(token_label=TOKEN)
    with token.open(user_pin=PIN) as session:
        key = session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, id=bytes.fromhex(cert.key_ref[7:])
        )
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.EXTRACTABLE] is False
    report = statement_verify(_sign_statement(world, cert), trust_roots=trust_roots())
    assert report.ok, report.problems
    # The certified public key is the token's.
    signer = signer_for(cert)
    raw = async_to_sync(signer.async_sign_raw)(b"abc", "sha256")
    public = load_certificate(cert.certificate_der).public_key()
    public.verify(raw, b"abc", ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr,call-arg]
    assert hashlib.sha256(raw).hexdigest()  # a real signature, not a placeholder


def test_pkcs11_wrong_pin(softhsm_token: str, db: None) -> None:
    store = Pkcs11KeyStore(module=SOFTHSM, token_label=softhsm_token, pin="000000")
    with pytest.raises(DomainError, match="PIN") as caught:
        store.generate("x")
    assert caught.value.code == "pkcs11_pin"


def test_pkcs11_token_missing(softhsm_token: str, db: None) -> None:
    store = Pkcs11KeyStore(module=SOFTHSM, token_label="khong-co", pin=PIN)
    with pytest.raises(DomainError, match="khong-co") as caught:
        store.generate("x")
    assert caught.value.code == "pkcs11_token"


def test_pkcs11_module_missing(tmp_path: Path, db: None) -> None:
    store = Pkcs11KeyStore(module=str(tmp_path / "none.so"), token_label=TOKEN, pin=PIN)
    with pytest.raises(DomainError, match="PKCS#11") as caught:
        store.generate("x")
    assert caught.value.code == "pkcs11_module"


def test_pkcs11_wrong_pin_at_signing_time(
    world: World,
    signing_member: Membership,
    issue: Callable[..., MemberCertificate],
    pkcs11_settings: None,
    settings: Any,
) -> None:
    cert = issue(signing_member, key_store="pkcs11")
    settings.ECABINET_PKCS11_PIN = "999999"
    with pytest.raises(DomainError, match="PIN"):
        _sign_statement(world, cert)
