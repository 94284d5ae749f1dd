"""Verifying any signed file: statements, PDFs, tampered and garbage input; command; page."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asn1crypto import cms  # type: ignore[import-untyped]
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.signatures import ca, tsa
from ecabinet.signatures.ca import crl_publish
from ecabinet.signatures.models import MemberCertificate, RevocationReason
from ecabinet.signatures.pdf import images, layout
from ecabinet.signatures.pdf.pades import sign_as_signer
from ecabinet.signatures.statements import (
    canonical,
    payload_hash,
    statement_export,
    statement_payload,
    statement_sign,
)
from ecabinet.signatures.verify import KIND_PDF, KIND_STATEMENT, verify_bytes


@pytest.fixture(autouse=True)
def _fresh_tsa_cache() -> None:
    tsa._cached.clear()


@pytest.fixture
def bundle(world: World, member_certificate: MemberCertificate) -> bytes:
    payload = statement_payload(
        signer=member_certificate.user,
        role="member",
        body=world.body,
        object_type="ballots.ballot",
        object_id=7,
        choice="agree",
    )
    statement = statement_sign(
        actor=member_certificate.user,
        certificate=member_certificate,
        payload=payload,
        confirmation_hash=payload_hash(payload),
    )
    return statement_export(statement)


@pytest.fixture
def signed_pdf(member_certificate: MemberCertificate) -> bytes:
    doc = layout.Decree30Document(
        body_name="CHÍNH PHỦ",
        notation="NQ-CP",
        type_name="NGHỊ QUYẾT",
        summary="Phiên họp thử",
        place="Hà Nội",
        sections=[layout.Section(heading="Điều 1.", paragraphs=["Thông qua đề án thử."])],
        signer_authority="TM. CHÍNH PHỦ",
        signer_title="THỦ TƯỚNG",
        signer_name="Người thử member",
    )
    return sign_as_signer(
        layout.render_decree30_pdf(doc),
        signer=ca.signer_for(member_certificate),
        timestamper=tsa.timestamper_for_settings(),
        signature_png=images.signature_png("Người thử member"),
    )


def test_genuine_statement(bundle: bytes, member_certificate: MemberCertificate) -> None:
    report = verify_bytes(bundle)

    assert report.ok
    assert report.kind == KIND_STATEMENT
    [sig] = report.signatures
    assert sig.who == "Người thử member"
    assert sig.title == "Bộ trưởng Bộ Thử nghiệm"
    assert sig.body == "Chính phủ (thử)"
    assert "ballots.ballot #7" in sig.what
    assert "agree" in sig.what
    assert sig.signed_at is not None
    assert sig.serial == member_certificate.serial
    assert sig.issuer.endswith("Issuing CA")
    assert {c.code for c in sig.checks} == {
        "format",
        "intact",
        "trusted",
        "identity",
        "period",
        "revocation",
    }
    assert all(c.ok and c.reason for c in sig.checks)


def test_altered_statement_is_refused(bundle: bytes) -> None:
    data = json.loads(bundle)
    data["payload"] = data["payload"].replace('"agree"', '"disagree"')

    report = verify_bytes(json.dumps(data).encode())

    assert not report.ok
    [sig] = report.signatures
    assert not next(c for c in sig.checks if c.code == "intact").ok


def test_revoked_after_signing_still_valid_but_reported(
    world: World, bundle: bytes, member_certificate: MemberCertificate
) -> None:
    # Revoked a minute after signing (CRL dates have a one-second resolution).
    MemberCertificate.objects.filter(pk=member_certificate.pk).update(
        revoked_at=timezone.now() + timedelta(minutes=1),
        revocation_reason=RevocationReason.SUPERSEDED,
    )
    with transaction.atomic():
        crl_publish()

    report = verify_bytes(bundle)

    [sig] = report.signatures
    revocation = next(c for c in sig.checks if c.code == "revocation")
    assert revocation.ok
    assert "sau thời điểm ký" in revocation.reason
    assert report.ok


def test_genuine_pdf(signed_pdf: bytes, member_certificate: MemberCertificate) -> None:
    report = verify_bytes(signed_pdf)

    assert report.ok, report
    assert report.kind == KIND_PDF
    [sig] = report.signatures
    assert sig.who == "Người thử member"
    assert sig.title == "Bộ trưởng Bộ Thử nghiệm"
    assert "SignerSignature" in sig.what
    assert sig.timestamp_at is not None
    assert sig.serial == member_certificate.serial


def test_altered_pdf_is_refused(signed_pdf: bytes) -> None:
    middle = len(signed_pdf) // 3
    altered = signed_pdf[:middle] + bytes([signed_pdf[middle] ^ 0x01]) + signed_pdf[middle + 1 :]

    report = verify_bytes(altered)

    assert not report.ok


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "Tệp rỗng"),
        (b"hello world", "Không nhận ra tệp"),
        (b"\x00\xff" * 100, "Không nhận ra tệp"),
        (b'{"format": "other"}', "Không nhận ra tệp"),
        (b"%PDF-1.7\n garbage", "PDF"),
        (b'{"format": "ecabinet-statement/1"}', "không đúng định dạng"),
        (
            b'{"format": "ecabinet-statement/1", "payload": "{}", "cms": "!!", "certificates": []}',
            "không đúng định dạng",
        ),
    ],
)
def test_garbage_gives_a_reason_never_an_exception(
    authorities: object, data: bytes, reason: str
) -> None:
    report = verify_bytes(data)

    assert not report.ok
    assert reason in report.error


def test_truncated_files_are_refused(bundle: bytes, signed_pdf: bytes) -> None:
    for data in (bundle[: len(bundle) // 2], signed_pdf[: len(signed_pdf) // 2]):
        report = verify_bytes(data)
        assert not report.ok


# --- the command ---------------------------------------------------------------------------


def _run(path: Path) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify", str(path), stdout=out, stderr=out)
    return int(exit_info.value.code or 0), out.getvalue()


def test_command_exit_codes(tmp_path: Path, bundle: bytes) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(bundle)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"garbage")

    code, out = _run(good)
    assert code == 0
    assert "HỢP LỆ / VALID" in out
    assert "Người ký / Signer: Người thử member" in out
    assert "ĐẠT / PASS" in out

    code, out = _run(bad)
    assert code == 1
    assert "KHÔNG HỢP LỆ / NOT VALID" in out

    code, out = _run(tmp_path / "missing.pdf")
    assert code == 2
    assert "cannot read" in out


def test_console_script(tmp_path: Path) -> None:
    """The installed ``ecabinet verify``: a file that is not signed exits 1, a missing one 2."""
    script = Path(sys.executable).parent / "ecabinet"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"not a signed file")
    # A verifier's own machine: the embedded shape in a fresh data directory, whatever
    # shape this test run uses (the scale shape would demand a SECRET_KEY).
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(ECABINET_DATA_DIR=str(tmp_path / "data"), ECABINET_TESTING="1")

    done = subprocess.run(
        [str(script), "verify", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 1, done.stderr
    assert "KHÔNG HỢP LỆ / NOT VALID" in done.stdout

    missing = subprocess.run(
        [str(script), "verify", str(tmp_path / "none.pdf")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert missing.returncode == 2


# --- the page ------------------------------------------------------------------------------


def _upload(client: Client, name: str, data: bytes) -> Any:
    return client.post("/chu-ky/kiem-tra/", {"file": SimpleUploadedFile(name, data)})


def test_page_shows_a_valid_statement(world: World, client: Client, bundle: bytes) -> None:
    login_as(client, world.user("observer"))

    response = client.get("/chu-ky/kiem-tra/")
    assert response.status_code == 200

    response = _upload(client, "ky.json", bundle)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Chữ ký số hợp lệ" in content
    assert "Người thử member" in content
    assert "badge-ok" in content


def test_page_refuses_garbage_with_a_message(world: World, client: Client, db: None) -> None:
    login_as(client, world.user("member"))

    response = _upload(client, "x.pdf", b"%PDF-1.4 broken")
    assert response.status_code == 200
    assert "Chữ ký số không hợp lệ" in response.content.decode()

    response = _upload(client, "empty.pdf", b"")
    assert response.status_code == 400
    assert "Tệp rỗng" in response.content.decode()

    response = _upload(client, "big.pdf", b"%PDF" + b"0" * (20 * 1024 * 1024))
    assert response.status_code == 400
    assert "lớn hơn 20 MB" in response.content.decode()


def test_page_needs_a_login(client: Client, db: None) -> None:
    response = client.get("/chu-ky/kiem-tra/")
    assert response.status_code == 302


def test_revoked_before_signing_is_refused(
    bundle: bytes, member_certificate: MemberCertificate
) -> None:
    MemberCertificate.objects.filter(pk=member_certificate.pk).update(
        revoked_at=timezone.now() - timedelta(minutes=1),
        revocation_reason=RevocationReason.KEY_COMPROMISE,
    )
    with transaction.atomic():
        crl_publish()

    report = verify_bytes(bundle)

    assert not report.ok
    [sig] = report.signatures
    assert not next(c for c in sig.checks if c.code == "revocation").ok


def test_statement_naming_someone_else_is_refused(
    bundle: bytes, member_certificate: MemberCertificate
) -> None:
    """A holder of a genuine certificate signs content that names another person."""
    data = json.loads(bundle)
    payload = json.loads(data["payload"])
    payload["signer"]["name"] = "Người thử chair"
    content = canonical(payload)
    signed = async_to_sync(ca.signer_for(member_certificate).async_sign_general_data)(
        cms.ContentInfo({"content_type": "data", "content": content}), "sha256", detached=True
    )
    data["payload"] = content.decode("utf-8")
    data["cms"] = base64.b64encode(signed.dump()).decode("ascii")

    report = verify_bytes(json.dumps(data).encode())

    assert not report.ok
    [sig] = report.signatures
    assert not next(c for c in sig.checks if c.code == "identity").ok
