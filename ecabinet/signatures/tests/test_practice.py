"""Guided practice signing: the full flow through step-up, and its refusals."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import resolve
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import StepUpChallenge, User
from ecabinet.accounts.stepup import stepup_confirm
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.signatures.models import MemberCertificate, SignedStatement
from ecabinet.signatures.practice import OBJECT_TYPE, PRACTICE_TEXT, PURPOSE
from ecabinet.signatures.verify import verify_bytes


def _code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    offset = 0 if now > device.last_t else 1
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{value:0{device.digits}d}"


def _start(client: Client) -> tuple[int, str]:
    """Press "Ký thử": the challenge id and the result URL step-up returns to."""
    response = client.post("/chu-ky/thuc-hanh/")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    match = resolve(target.path)
    assert match.view_name == "accounts:stepup"
    return int(match.kwargs["challenge_id"]), parse_qs(target.query)["next"][0]


def _confirm(client: Client, user: User, challenge_id: int) -> None:
    challenge = StepUpChallenge.objects.get(pk=challenge_id)
    stepup_confirm(
        actor=user,
        session_key=client.session.session_key,
        challenge=challenge,
        code=_code(user),
    )


def test_member_practises_signing(
    world: World, client: Client, member_certificate: MemberCertificate
) -> None:
    member = world.user("member")
    assert member is not None
    login_as(client, member)

    page = client.get("/chu-ky/thuc-hanh/")
    assert page.status_code == 200
    assert "Ký thử" in page.content.decode()
    assert member_certificate.serial in page.content.decode()

    challenge_id, result_url = _start(client)
    challenge = StepUpChallenge.objects.get(pk=challenge_id)
    assert challenge.purpose == PURPOSE
    assert PRACTICE_TEXT in challenge.summary
    stepup_page = client.get(f"/tai-khoan/ky-so/{challenge_id}/", {"next": result_url})
    assert PRACTICE_TEXT in stepup_page.content.decode()

    _confirm(client, member, challenge_id)
    response = client.get(result_url)

    assert response.status_code == 302
    assert response["Location"] == "/chu-ky/thuc-hanh/bien-nhan/"
    statement = SignedStatement.objects.get(signer=member, object_type=OBJECT_TYPE)
    assert statement.payload["choice"] == PRACTICE_TEXT
    assert statement.certificate == member_certificate

    receipt = client.get("/chu-ky/thuc-hanh/bien-nhan/")
    content = receipt.content.decode()
    assert receipt.status_code == 200
    assert PRACTICE_TEXT in content
    assert "Chữ ký số hợp lệ" in content
    assert "/chu-ky/kiem-tra/" in content

    download = client.get("/chu-ky/thuc-hanh/bien-nhan/tai-ve/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    report = verify_bytes(download.content)
    assert report.ok
    assert report.signatures[0].who == "Người thử member"

    # The result URL signs once: opened again, it is refused and nothing more is signed.
    replay = client.get(result_url)
    assert replay.status_code == 400
    assert SignedStatement.objects.filter(signer=member).count() == 1


def test_unconfirmed_practice_is_not_signed(
    world: World, client: Client, member_certificate: MemberCertificate
) -> None:
    member = world.user("member")
    login_as(client, member)
    _challenge_id, result_url = _start(client)

    response = client.get(result_url)

    assert response.status_code == 400
    assert not SignedStatement.objects.exists()


def test_practice_of_another_session_is_refused(
    world: World, client: Client, member_certificate: MemberCertificate
) -> None:
    member = world.user("member")
    assert member is not None
    login_as(client, member)
    challenge_id, result_url = _start(client)
    _confirm(client, member, challenge_id)

    other = Client()
    login_as(other, member)
    response = other.get(result_url)

    assert response.status_code == 400
    assert not SignedStatement.objects.exists()


def test_without_a_certificate_the_office_must_issue_one(
    world: World, client: Client, authorities: object
) -> None:
    login_as(client, world.user("member"))

    page = client.get("/chu-ky/thuc-hanh/")
    assert "Văn phòng cấp chứng thư số" in page.content.decode()
    assert 'type="submit"' not in page.content.decode().split("practice-go")[1]

    response = client.post("/chu-ky/thuc-hanh/")
    assert response.status_code == 400
    assert "Văn phòng cấp chứng thư số" in response.content.decode()


@pytest.mark.parametrize("persona", ["office", "agency", "observer", "admin"])
def test_roles_that_do_not_sign_may_not_practise(
    world: World, client: Client, persona: str
) -> None:
    login_as(client, world.user(persona))

    assert client.get("/chu-ky/thuc-hanh/").status_code == 403
    assert client.post("/chu-ky/thuc-hanh/").status_code == 403
    assert client.get("/chu-ky/thuc-hanh/bien-nhan/").status_code == 403
