"""Demo resolutions of the Government, made through the same services as the pages.

From the decided demo ballot: the Office drafts the resolution, addresses it to the
members, two ministries and two provinces (one without an identifier on the exchange axis),
submits it; the Prime Minister signs with the demo authenticator and the automatic issuer
numbers, seals and distributes it (the register, the public verification page, "Văn bản
đến" and the outbox can be tried at once). Then the Office drafts an amendment of it and
submits it: it waits in the Prime Minister's "Văn bản chờ ký", to be signed on a phone.
"""

from __future__ import annotations

from dataclasses import replace

from ecabinet.accounts.models import User
from ecabinet.ballots.demo import SESSION, _confirm
from ecabinet.ballots.models import Ballot
from ecabinet.ballots.transitions import DECIDED
from ecabinet.bodies.models import Body, IssuingAgency, Unit
from ecabinet.resolutions import register, selectors, services, signing
from ecabinet.resolutions.content import Recipient, RecipientKind
from ecabinet.resolutions.models import Resolution

UNITS = ("Bộ Tài chính", "Bộ Tư pháp")


def _recipients(body: Body) -> tuple[Recipient, ...]:
    people = [Recipient(RecipientKind.MEMBERS, f"Các thành viên {body.name}")]
    for unit in Unit.objects.filter(body=body, name__in=UNITS).order_by("name"):
        people.append(Recipient(RecipientKind.UNIT, unit.name, unit.pk))
    agencies = [
        Recipient(RecipientKind.AGENCY, a.name, a.pk, a.organ_id)
        for a in IssuingAgency.objects.filter(body=body, is_active=True).order_by("order")[:1]
    ]
    # A province not yet on the exchange axis: its copy goes by hand ("manual" in the outbox).
    outside = IssuingAgency.objects.get_or_create(
        body=body, name="Ủy ban nhân dân tỉnh Mẫu", defaults={"organ_id": "", "order": 999}
    )[0]
    agencies.append(Recipient(RecipientKind.AGENCY, outside.name, outside.pk, ""))
    return (*people, *agencies, Recipient(RecipientKind.TEXT, "Lưu: VT, TH."))


def _submitted(resolution: Resolution, office: User, recipients: tuple[Recipient, ...]) -> None:
    row = Resolution.objects.select_related("body", "current_version").get(pk=resolution.pk)
    assert row.current_version is not None
    content = replace(selectors.content_of(row.current_version), recipients=recipients)
    version = services.resolution_edit(
        actor=office, resolution=row, base_version=row.current_version.number, content=content
    )
    services.resolution_submit(actor=office, resolution=row, version=version.number)


def load_demo_resolutions(body: Body) -> Resolution | None:
    """The issued resolution and the amendment awaiting signature (None without the
    decided demo ballot)."""
    ballot = Ballot.objects.filter(body=body, status=DECIDED).order_by("pk").first()
    if ballot is None:
        return None
    office = User.objects.get(username="chuyenvien1")
    chair = User.objects.get(username="thutuong")
    recipients = _recipients(body)

    resolution = services.resolution_create_from_ballot(actor=office, ballot=ballot)
    _submitted(resolution, office, recipients)
    row = Resolution.objects.select_related("body").get(pk=resolution.pk)
    draft = signing.signing_draft(row)
    asked = signing.resolution_sign_request(
        actor=chair,
        resolution=row,
        session_key=SESSION,
        version_sha256=row.submitted_sha256,
        row_version=row.version,
        draft_id=draft.pk,
    )
    _confirm(chair, asked.challenge)
    issued = signing.resolution_sign(
        actor=chair,
        resolution=row,
        session_key=SESSION,
        challenge_id=asked.challenge.pk,
        kept=asked.kept,
    )

    if issued.status == Resolution.Status.ISSUED:
        amendment = register.resolution_create_amendment(
            actor=office, earlier=issued, kind=Resolution.AmendmentKind.AMEND
        )
        _submitted(amendment, office, recipients)
    return issued
