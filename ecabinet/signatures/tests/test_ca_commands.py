"""``ecabinet ca ...`` from the command line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_pem_x509_certificate
from django.core.management import call_command
from django.core.management.base import CommandError

from ecabinet.bodies.models import Membership
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import load_certificate
from ecabinet.signatures.models import CertificateAuthority, MemberCertificate, TrustAnchor


def _run(*args: str) -> str:
    out = StringIO()
    call_command("ca", *args, stdout=out)
    return out.getvalue()


def test_init_issue_revoke_import(world: World, signing_member: Membership, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="ca init"):
        _run("export-root")
    assert "root" in _run("init")
    assert CertificateAuthority.objects.count() == 3
    _run("init")
    assert CertificateAuthority.objects.count() == 3

    output = _run("issue", "member", world.body.code)
    cert = MemberCertificate.objects.get(user=signing_member.user)
    assert cert.serial in output
    with pytest.raises(CommandError, match="còn hiệu lực"):
        _run("issue", "member", world.body.code)
    with pytest.raises(CommandError, match="not found"):
        _run("issue", "member", world.other_body.code)
    with pytest.raises(CommandError, match="--by"):
        _run("issue", "chair", world.body.code, "--by", "chair")

    _run("revoke", cert.serial.upper(), "--reason", "key_compromise")
    cert.refresh_from_db()
    assert cert.revoked_at is not None
    assert cert.revocation_reason == "key_compromise"

    root = CertificateAuthority.objects.get(role="root")
    exported = _run("export-root")
    assert exported.startswith("-----BEGIN CERTIFICATE-----")
    assert load_pem_x509_certificate(exported.encode()) == load_certificate(root.certificate_der)
    pem = tmp_path / "root.pem"
    pem.write_bytes(load_certificate(root.certificate_der).public_bytes(serialization.Encoding.PEM))
    _run("import-anchor", str(pem))
    assert TrustAnchor.objects.count() == 1
    leaf = tmp_path / "leaf.der"
    leaf.write_bytes(bytes(cert.certificate_der))
    with pytest.raises(CommandError, match="CA"):
        _run("import-anchor", str(leaf))
