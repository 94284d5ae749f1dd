"""The public CRL and the member's certificate page."""

from __future__ import annotations

from cryptography import x509
from django.test import Client
from django.urls import reverse

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import certificate_revoke
from ecabinet.signatures.models import MemberCertificate, RevocationReason


def test_crl_is_public_der(client: Client, member_certificate: MemberCertificate) -> None:
    certificate_revoke(
        actor=member_certificate.user,
        certificate=member_certificate,
        reason=RevocationReason.KEY_COMPROMISE,
    )
    response = client.get(reverse("signatures:crl"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    assert crl.get_revoked_certificate_by_serial_number(int(member_certificate.serial, 16))
    assert client.post(reverse("signatures:crl")).status_code == 405


def test_crl_before_ca_init_is_404(client: Client, db: None) -> None:
    assert client.get(reverse("signatures:crl")).status_code == 404


def test_my_certificates_lists_own_with_status(
    client: Client, world: World, member_certificate: MemberCertificate
) -> None:
    login_as(client, member_certificate.user)
    page = client.get(reverse("signatures:my_certificates")).content.decode()
    assert member_certificate.serial in page
    assert "badge-ok" in page
    certificate_revoke(
        actor=member_certificate.user,
        certificate=member_certificate,
        reason=RevocationReason.SUPERSEDED,
    )
    page = client.get(reverse("signatures:my_certificates")).content.decode()
    assert "badge-danger" in page
    assert "Được thay thế bằng chứng thư mới" in page
    login_as(client, world.user("chair"))
    page = client.get(reverse("signatures:my_certificates")).content.decode()
    assert member_certificate.serial not in page
    assert 'class="empty"' in page
