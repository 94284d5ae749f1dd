"""The register of issued resolutions, the public verification page, "Văn bản đến", and
amendments and revocations (a signed resolution is never edited)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.testing.auth import login_as
from ecabinet.resolutions import issuance, register, selectors, services
from ecabinet.resolutions.models import Resolution, ResolutionSettings
from ecabinet.resolutions.tests.conftest import Desk
from ecabinet.resolutions.tests.test_signing_fixtures import Signing, build_signing

pytestmark = pytest.mark.django_db


@pytest.fixture
def sig(desk: Desk) -> Signing:
    return build_signing(desk)


def _issued(sig: Signing, title: str = "") -> Resolution:
    resolution = sig.awaiting(external=False)
    if title:
        services.resolution_return(
            actor=sig.user("chair"), resolution=sig.desk.fresh(resolution), reason="Đổi tên."
        )
        sig.desk.edit(resolution, title=title)
        resolution = sig.desk.fresh(sig.desk.submit(resolution))
    row = sig.sign(resolution)
    if row.status == Resolution.Status.SIGNED:  # the body issues by hand
        issuance.resolution_issue(actor=sig.user("clerk"), resolution=row)
        row = sig.desk.fresh(row)
    assert row.status == Resolution.Status.ISSUED
    return row


# --- The register --------------------------------------------------------------------------


def test_the_register_lists_issued_resolutions_newest_number_first(sig: Signing) -> None:
    first = _issued(sig)
    second = _issued(sig, title="Nghị quyết về cải cách thủ tục hành chính")
    sig.awaiting(external=False)  # awaiting signature: not in the register
    body = sig.desk.world.body
    result = register.register_search(sig.user("member2"), body)
    assert [r.number for r in result.rows] == [second.number, first.number]
    assert register.register_years(sig.user("observer"), body) == [first.year]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("cai cach", ["02/NQ-CP"]),
        ("CẢI CÁCH thủ tục", ["02/NQ-CP"]),
        ("02/NQ", ["02/NQ-CP"]),
        ("nguoi thu chair", ["02/NQ-CP", "01/NQ-CP"]),
        ("phien hop", ["01/NQ-CP"]),
        ("không có", []),
    ],
)
def test_the_register_is_searched_without_accents(
    sig: Signing, text: str, found: list[str]
) -> None:
    _issued(sig)
    _issued(sig, title="Nghị quyết về cải cách thủ tục hành chính")
    rows = register.register_search(sig.user("office"), sig.desk.world.body, text=text).rows
    # The second resolution's summary is unchanged ("Phiên họp ..."): its title differs.
    expected = found if text != "phien hop" else ["02/NQ-CP", "01/NQ-CP"]
    assert [r.number for r in rows] == expected


def test_the_register_filters_by_year(sig: Signing) -> None:
    row = _issued(sig)
    body = sig.desk.world.body
    assert register.register_search(sig.user("office"), body, year=row.year).rows == [row]
    assert register.register_search(sig.user("office"), body, year=1999).rows == []


def test_the_register_takes_constant_queries(sig: Signing) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, body = sig.user("observer"), sig.desk.world.body
    _issued(sig)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = register.register_search(user, body, text="nghi quyet").rows
            assert all(r.signer.full_name for r in rows)
        return len(queries.captured_queries)

    one = count()
    _issued(sig)
    _issued(sig)
    assert count() == one


def test_the_register_page(sig: Signing, client: Client) -> None:
    row = _issued(sig)
    body = sig.desk.world.body
    login_as(client, sig.user("agency"))
    url = reverse("resolutions:register", kwargs={"code": body.code})
    text = client.get(url, {"q": "nghi quyet", "nam": row.year}).content.decode()
    assert row.number in text
    assert "Người thử chair" in text
    assert reverse("resolutions:verify", kwargs={"token": row.verify_token}) in text


# --- Public verification -------------------------------------------------------------------


def test_the_public_page_shows_both_signatures_without_login(sig: Signing, client: Client) -> None:
    row = _issued(sig)
    response = client.get(reverse("resolutions:verify", kwargs={"token": row.verify_token}))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Chữ ký số hợp lệ" in text
    assert "Người thử chair" in text
    assert "Chính phủ (thử)" in text
    assert response.context["report"].ok
    assert len(response.context["report"].signatures) == 2
    pdf = client.get(reverse("resolutions:verify_pdf", kwargs={"token": row.verify_token}))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_public_page_shows_nothing_before_issuance(sig: Signing, client: Client) -> None:
    ResolutionSettings.objects.create(body=sig.desk.world.body, automatic_issue=False)
    signed = sig.sign(sig.awaiting(external=False))
    assert signed.verify_token is None
    for name in ("resolutions:verify", "resolutions:verify_pdf"):
        assert client.get(reverse(name, kwargs={"token": uuid.uuid4()})).status_code == 404
    # A token that existed for a resolution no longer issued (never happens, but checked).
    issued = _issued(sig)
    Resolution.objects.filter(pk=issued.pk).update(status=Resolution.Status.SIGNED)
    url = reverse("resolutions:verify", kwargs={"token": issued.verify_token})
    assert client.get(url).status_code == 404


def test_the_public_page_says_when_a_resolution_was_revoked(sig: Signing, client: Client) -> None:
    earlier = _issued(sig)
    revocation = register.resolution_create_amendment(
        actor=sig.user("office"), earlier=earlier, kind="revoke"
    )
    sig.desk.submit(revocation)
    revocation = sig.sign(revocation)
    assert revocation.number == "02/NQ-CP"
    text = client.get(
        reverse("resolutions:verify", kwargs={"token": earlier.verify_token})
    ).content.decode()
    assert "đã bị bãi bỏ bởi Nghị quyết số 02/NQ-CP" in text


# --- Never edited; amendments and revocations ----------------------------------------------


def test_a_signed_resolution_is_never_edited(sig: Signing, client: Client) -> None:
    ResolutionSettings.objects.create(body=sig.desk.world.body, automatic_issue=False)
    signed = sig.sign(sig.awaiting(external=False))
    issued = _issued(sig)
    office = sig.user("office")
    for row in (signed, issued):
        fresh = sig.desk.fresh(row)
        version = fresh.current_version
        assert version is not None
        content = replace(selectors.content_of(version), title="Sửa sau khi ký")
        with pytest.raises(InvalidTransition) as refused:
            services.resolution_edit(
                actor=office, resolution=fresh, base_version=version.number, content=content
            )
        assert "không bao giờ được sửa" in str(refused.value.message)
        with pytest.raises(DomainError):
            services.resolution_submit(actor=office, resolution=fresh, version=version.number)
        with pytest.raises(DomainError):
            services.resolution_cancel(actor=office, resolution=fresh, reason="Hủy.")
        with pytest.raises(DomainError):
            services.consultation_open(
                actor=office, resolution=fresh, version=version.number, working_days=3
            )
        login_as(client, office)
        page = client.get(reverse("resolutions:edit", kwargs={"pk": row.pk}), follow=True)
        assert "không sửa được nội dung" in page.content.decode()
        assert sig.desk.fresh(row).title == row.title


def test_the_office_drafts_an_amendment_shown_on_both_pages(sig: Signing, client: Client) -> None:
    earlier = _issued(sig)
    login_as(client, sig.user("office"))
    url = reverse("resolutions:amend", kwargs={"pk": earlier.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "amend"})
    assert response.status_code == 302
    amendment = Resolution.objects.get(amends=earlier)
    assert response["Location"] == reverse("resolutions:edit", kwargs={"pk": amendment.pk})
    assert amendment.amendment_kind == "amend"
    assert amendment.source == Resolution.Source.AMENDMENT
    assert amendment.status == Resolution.Status.DRAFTING
    assert f"Nghị quyết số {earlier.number}" in amendment.title
    content = sig.desk.content(amendment)
    assert content.recipients == sig.desk.content(earlier).recipients
    event = AuditEvent.objects.get(verb="resolutions.resolution_create", after__amends=earlier.pk)
    assert event.after["kind"] == "amend"
    earlier_page = client.get(reverse("resolutions:detail", kwargs={"pk": earlier.pk}))
    assert "Được sửa đổi, bổ sung bởi" in earlier_page.content.decode()
    new_page = client.get(reverse("resolutions:detail", kwargs={"pk": amendment.pk}))
    assert f"Nghị quyết số {earlier.number}" in new_page.content.decode()


def test_only_the_office_amends_and_only_an_issued_resolution(sig: Signing) -> None:
    earlier = _issued(sig)
    for persona in ("chair", "member", "clerk", "agency"):
        with pytest.raises(PermissionDenied):
            register.resolution_create_amendment(
                actor=sig.user(persona), earlier=earlier, kind="revoke"
            )
    draft = sig.desk.draft()
    with pytest.raises(InvalidTransition):
        register.resolution_create_amendment(actor=sig.user("office"), earlier=draft, kind="amend")
    with pytest.raises(DomainError):
        register.resolution_create_amendment(
            actor=sig.user("office"), earlier=earlier, kind="rewrite"
        )


def test_an_amendment_needs_its_kind_in_the_database(sig: Signing) -> None:
    from django.db import IntegrityError, transaction

    earlier = _issued(sig)
    amendment = register.resolution_create_amendment(
        actor=sig.user("office"), earlier=earlier, kind="amend"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Resolution.objects.filter(pk=amendment.pk).update(amendment_kind="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Resolution.objects.filter(pk=amendment.pk).update(amends=None)


# --- Văn bản đến ---------------------------------------------------------------------------


def test_the_incoming_list_shows_what_was_addressed_to_me(sig: Signing, client: Client) -> None:
    row = _issued(sig)
    login_as(client, sig.user("member2"))
    url = reverse("resolutions:received")
    text = client.get(url).content.decode()
    assert f"Nghị quyết số {row.number}" in text
    assert "Chưa đọc" in text
    client.get(reverse("resolutions:detail", kwargs={"pk": row.pk}))
    assert "Đã đọc" in client.get(url).content.decode()
    assert register.unread_count(sig.user("member2")) == 0
    # Not addressed to the observer, nor to someone of another body.
    for persona in ("observer", "outsider"):
        assert not list(register.received_for(sig.user(persona)))
