"""The pieces together: a member certificate from the internal CA signs a Decree 30 PDF,
time-stamped by the internal TSA that `ca init` created, and verifies against the CA's roots."""

from __future__ import annotations

import pytest
from django.test import Client

from ecabinet.core.testing.personas import World
from ecabinet.signatures import ca, tsa
from ecabinet.signatures.models import CertificateAuthority, MemberCertificate
from ecabinet.signatures.pdf import images, layout
from ecabinet.signatures.pdf.pades import sign_as_signer, validate_pdf


def _resolution() -> layout.Decree30Document:
    return layout.Decree30Document(
        body_name="CHÍNH PHỦ",
        notation="NQ-CP",
        type_name="NGHỊ QUYẾT",
        summary="Phiên họp Chính phủ thường kỳ tháng 11 năm 2026",
        place="Hà Nội",
        sections=[layout.Section(heading="Điều 1.", paragraphs=["Thông qua đề án thử."])],
        signer_authority="TM. CHÍNH PHỦ",
        signer_title="THỦ TƯỚNG",
        signer_name="Người thử member",
    )


@pytest.fixture(autouse=True)
def _fresh_tsa_cache() -> None:
    tsa._cached.clear()


def test_member_signs_a_resolution_timestamped_by_the_internal_tsa(
    world: World, member_certificate: MemberCertificate
) -> None:
    signed = sign_as_signer(
        layout.render_decree30_pdf(_resolution()),
        signer=ca.signer_for(member_certificate),
        timestamper=tsa.timestamper_for_settings(),
        signature_png=images.signature_png("Người thử member"),
    )

    report = validate_pdf(signed, trust_roots=ca.trust_roots())

    [signature] = report.signatures
    assert signature.intact
    assert signature.valid
    assert signature.trusted
    assert signature.timestamp_time is not None


def test_internal_tsa_is_refused_before_ca_init(db: None) -> None:
    with pytest.raises(tsa.TsaConfigurationError, match="ca init"):
        tsa.timestamper_for_settings()


def test_tsa_endpoint_answers_a_malformed_request_with_a_rejection(
    authorities: dict[str, CertificateAuthority], client: Client
) -> None:
    response = client.post(
        "/chu-ky/tsa/", data=b"not a request", content_type="application/timestamp-query"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/timestamp-reply"
