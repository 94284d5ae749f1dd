"""The signing and issuing world of the resolutions tests (no tests here).

On top of the resolutions desk (conftest.py): the internal CA and TSA, the chair's
certificate, TOTP device and signature image, the body's OrganId, organisational
certificate and seal image, a records clerk, and two external agencies (one with an
OrganId, one without). ``Signing`` drives a resolution from submission to issuance
through the services the pages call, step-up included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import StepUpChallenge, User
from ecabinet.bodies.models import IssuingAgency, Membership, Role
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.resolutions import selectors, signing
from ecabinet.resolutions.content import Recipient, RecipientKind
from ecabinet.resolutions.models import Resolution
from ecabinet.resolutions.tests.conftest import Desk
from ecabinet.signatures.ca import ca_init, certificate_issue, organisation_certificate_issue
from ecabinet.signatures.models import MemberCertificate, SealImage, SignatureImage
from ecabinet.signatures.pdf.images import seal_png, signature_png

SESSION = "test-session-key"
BODY_ORGAN_ID = "000.00.00.G22"
AGENCY_ORGAN_ID = "000.00.00.G10"


def confirm(challenge: StepUpChallenge) -> None:
    """The signer confirmed on the step-up page (the confirmation itself is tested in
    accounts, as in the ballots tests)."""
    StepUpChallenge.objects.filter(pk=challenge.pk).update(
        confirmed_at=timezone.now(), confirmation_method=StepUpChallenge.Method.TOTP
    )


@dataclass
class Signing:
    desk: Desk
    clerk: User
    agency_with_id: IssuingAgency
    agency_without_id: IssuingAgency

    def user(self, name: str) -> User:
        if name == "clerk":
            return self.clerk
        return self.desk.user(name)

    def awaiting(self, *, external: bool = True) -> Resolution:
        """A resolution drafted from a closed meeting, addressed to the members, the
        ministry unit, the member by name and (``external``) both agencies, submitted."""
        desk = self.desk
        resolution = desk.draft()
        content = desk.content(resolution)
        member = desk.world.memberships["member"]
        recipients = [r for r in content.recipients if r.kind != RecipientKind.TEXT]
        recipients.append(Recipient(RecipientKind.MEMBER, member.user.full_name, member.pk))
        if external:
            for agency in (self.agency_with_id, self.agency_without_id):
                recipients.append(
                    Recipient(RecipientKind.AGENCY, agency.name, agency.pk, agency.organ_id)
                )
        recipients.append(Recipient(RecipientKind.TEXT, "Lưu: VT, TH."))
        desk.edit(resolution, recipients=tuple(recipients))
        return desk.fresh(desk.submit(resolution))

    def request(self, resolution: Resolution, actor: str = "chair", **overrides: Any) -> Any:
        row = self.desk.fresh(resolution)
        draft = signing.signing_draft(row)
        kwargs: dict[str, Any] = {
            "version_sha256": row.submitted_sha256,
            "row_version": row.version,
            "draft_id": draft.pk,
        }
        kwargs.update(overrides)
        return signing.resolution_sign_request(
            actor=self.user(actor), resolution=row, session_key=SESSION, **kwargs
        )

    def sign(self, resolution: Resolution, actor: str = "chair") -> Resolution:
        """Request, confirm and sign: the resolution signed (and issued when automatic)."""
        request = self.request(resolution, actor)
        confirm(request.challenge)
        return signing.resolution_sign(
            actor=self.user(actor),
            resolution=self.desk.fresh(resolution),
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            kept=request.kept,
        )


def build_signing(desk: Desk) -> Signing:
    world = desk.world
    body = world.body
    admin = world.user("admin")
    assert admin is not None
    ca_init()
    chair = world.memberships["chair"]
    TOTPDevice.objects.get_or_create(user=chair.user, name="test", defaults={"confirmed": True})
    certificate_issue(actor=admin, membership=chair)
    SignatureImage.objects.create(
        user=chair.user,
        png=signature_png(chair.user.full_name),
        sha256="0" * 64,
        width=600,
        height=250,
    )
    body.organ_id = BODY_ORGAN_ID
    body.save(update_fields=["organ_id"])
    organisation_certificate_issue(actor=admin, body=body)
    SealImage.objects.create(
        body=body, png=seal_png(body.name), sha256="0" * 64, width=400, height=400
    )
    clerk = MembershipFactory.create(
        body=body,
        user=UserFactory.create(username="clerk", full_name="Người thử văn thư"),
        role=Role.RECORDS_CLERK,
        precedence=40,
    )
    with_id = IssuingAgency.objects.create(
        body=body, name="Bộ Tài chính (thử)", organ_id=AGENCY_ORGAN_ID
    )
    without_id = IssuingAgency.objects.create(body=body, name="Ủy ban nhân dân tỉnh Thử")
    return Signing(
        desk=desk, clerk=clerk.user, agency_with_id=with_id, agency_without_id=without_id
    )


def chair_certificate(signing_world: Signing) -> MemberCertificate:
    return MemberCertificate.objects.get(user=signing_world.user("chair"))


def chair_membership(signing_world: Signing) -> Membership:
    return signing_world.desk.world.memberships["chair"]


def frozen_content(resolution: Resolution) -> Any:
    row = Resolution.objects.select_related("submitted_version").get(pk=resolution.pk)
    assert row.submitted_version is not None
    return selectors.content_of(row.submitted_version)
