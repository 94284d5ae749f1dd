"""Fixtures of the ballots tests: the Office's route, signers, and a journey driver.

The persona world (core/testing/personas.py) has the chair, one member, the member's
substitute (a deputy with every mandate, "give opinions" included), an agency, an observer
and an outsider. The Office's route needs a head of department and a leader of the Office
too; they are added here, with a second member so that ties and majorities can be counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import StepUpChallenge, User
from ecabinet.ballots import services
from ecabinet.ballots.models import Answer, Ballot, Recipient
from ecabinet.bodies.models import Delegation, Membership, Role, Title
from ecabinet.core.calendar import add_working_days
from ecabinet.core.dates import VN_TZ
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import ca_init, certificate_issue
from ecabinet.signatures.models import SignatureImage
from ecabinet.signatures.pdf.images import signature_png

SESSION = "test-session-key"
QUESTIONS = (
    "Thông qua chủ trương điều chỉnh quy hoạch tổng thể phát triển kinh tế - xã hội.",
    "Giao Bộ Kế hoạch và Đầu tư hoàn thiện hồ sơ, trình ban hành trong tháng 12.",
)


def next_deadline(days: int = 5) -> datetime:
    """A deadline on a working day at 17:00, ``days`` working days ahead."""
    day = add_working_days(timezone.now(), days).astimezone(VN_TZ).date()
    return datetime.combine(day, datetime.min.time().replace(hour=17), tzinfo=VN_TZ)


def confirm(challenge: StepUpChallenge) -> None:
    """The signer confirmed on the step-up page (the confirmation itself is tested in
    accounts; here a TOTP time step would allow only one or two per user and test)."""
    StepUpChallenge.objects.filter(pk=challenge.pk).update(
        confirmed_at=timezone.now(), confirmation_method=StepUpChallenge.Method.TOTP
    )


@dataclass
class Journey:
    """Drives a ballot through its steps with the persona world's people."""

    world: World
    people: dict[str, User] = field(default_factory=dict)

    def user(self, name: str) -> User:
        if name in self.people:
            return self.people[name]
        user = self.world.user(name)
        assert user is not None, name
        return user

    def file(self, actor: str = "agency", **kwargs: Any) -> Ballot:
        data: dict[str, Any] = {
            "title": "Về việc điều chỉnh quy hoạch tổng thể",
            "questions": list(QUESTIONS),
            "proposal_number": "125/TTr-BTN",
            "proposal_summary": "Bộ Thử nghiệm kính trình Chính phủ xem xét.",
        }
        data.update(kwargs)
        return services.ballot_file(actor=self.user(actor), body=self.world.body, **data)

    def draft(self, ballot: Ballot, *, deadline: datetime | None = None, **kwargs: Any) -> Ballot:
        ballot.refresh_from_db()
        recipients = kwargs.pop(
            "recipients",
            [r.membership for r in Recipient.objects.filter(ballot=ballot)],
        )
        return services.ballot_update(
            actor=self.user(kwargs.pop("actor", "office")),
            ballot=ballot,
            title=kwargs.pop("title", ballot.title),
            questions=kwargs.pop("questions", [q.text for q in ballot.questions.all()]),
            recipients=recipients,
            deadline_at=deadline or next_deadline(),
            follower=kwargs.pop("follower", self.user("office")),
            version=ballot.version,
        )

    def to_chair(self, ballot: Ballot) -> Ballot:
        ballot.refresh_from_db()
        ballot = services.ballot_submit(
            actor=self.user("office"), ballot=ballot, version=ballot.version
        )
        for step, role in enumerate(ballot.route):
            holder = {"office_head": "head", "office_leader": "leader", "office_staff": "office"}[
                role
            ]
            ballot = services.ballot_forward(
                actor=self.user(holder), ballot=ballot, step=step, cycle=ballot.cycle
            )
        return ballot

    def approve(self, ballot: Ballot, actor: str = "chair") -> Ballot:
        ballot.refresh_from_db()
        request = services.ballot_approval_request(
            actor=self.user(actor), ballot=ballot, session_key=SESSION
        )
        confirm(request.challenge)
        return services.ballot_approve(
            actor=self.user(actor),
            ballot=ballot,
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            content=request.content,
        )

    def send(self, **kwargs: Any) -> Ballot:
        """File, draft, route and approve: an open ballot."""
        ballot = self.file()
        self.draft(ballot, **kwargs)
        self.to_chair(ballot)
        return self.approve(ballot)

    def seat(self, ballot: Ballot, member: str) -> Recipient:
        recipient = Recipient.objects.select_related("membership", "user", "ballot__body").get(
            ballot=ballot, user=self.user(member)
        )
        return recipient

    def answer(
        self,
        ballot: Ballot,
        member: str,
        choices: list[tuple[str, str]] | None = None,
        *,
        actor: str | None = None,
    ) -> Answer:
        """``member``'s seat answers (signed by ``actor``, the member by default)."""
        ballot.refresh_from_db()
        seat = self.seat(ballot, member)
        seat.ballot = ballot
        who = self.user(actor or member)
        questions = list(ballot.questions.order_by("number"))
        picked = choices or [("agree", "")] * len(questions)
        services.answer_draft_save(
            actor=who,
            recipient=seat,
            choices={q.pk: picked[i] for i, q in enumerate(questions)},
        )
        request = services.answer_sign_request(actor=who, recipient=seat, session_key=SESSION)
        confirm(request.challenge)
        return services.answer_sign(
            actor=who,
            recipient=seat,
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            content=request.content,
        )


@pytest.fixture(autouse=True)
def _fresh_internal_tsa() -> None:
    """Each test has its own CA; the internal TSA is cached per CA row id, which the next
    test's CA reuses (the signatures tests clear it the same way)."""
    from ecabinet.signatures import tsa

    tsa._cached.clear()


def _signer(world: World, membership: Membership, admin: User) -> None:
    TOTPDevice.objects.get_or_create(
        user=membership.user, name="test", defaults={"confirmed": True}
    )
    certificate_issue(actor=admin, membership=membership)


@pytest.fixture
def journey(world: World) -> Journey:
    """The world with the Office's route, a second member, certificates and TOTP devices."""
    return build_journey(world)


def build_journey(world: World) -> Journey:
    """See ``journey``; also used by the browser journey."""
    body = world.body
    people: dict[str, User] = {}
    titles = {
        "head": Title.objects.create(body=body, name="Vụ trưởng Vụ Tổng hợp"),
        "leader": Title.objects.create(body=body, name="Phó Chủ nhiệm Văn phòng"),
        "chair": Title.objects.create(body=body, name="Thủ tướng"),
        "member": Title.objects.create(body=body, name="Bộ trưởng Bộ Thử nghiệm"),
        "member2": Title.objects.create(body=body, name="Bộ trưởng Bộ Thứ hai"),
    }
    for name, role, precedence in (
        ("head", Role.OFFICE_HEAD, 20),
        ("leader", Role.OFFICE_LEADER, 21),
        ("member2", Role.MEMBER, 4),
    ):
        membership = MembershipFactory.create(
            body=body,
            user=UserFactory.create(username=name, full_name=f"Người thử {name}"),
            role=role,
            precedence=precedence,
            title=titles[name],
        )
        world.memberships[name] = membership
        people[name] = membership.user
    for name in ("chair", "member"):
        world.memberships[name].title = titles[name]
        world.memberships[name].save(update_fields=["title"])
    admin = world.user("admin")
    assert admin is not None
    ca_init()
    for name in ("chair", "member", "member2", "substitute", "leader"):
        _signer(world, world.memberships[name], admin)
    leader = world.memberships["leader"].user
    SignatureImage.objects.create(
        user=leader, png=signature_png(leader.full_name), sha256="0" * 64, width=600, height=250
    )
    # The world's delegation hands the member's opinions to the substitute; most tests want
    # the member to answer themselves (see ``opinions_delegated``).
    assert world.delegation is not None
    Delegation.objects.filter(pk=world.delegation.pk).update(can_give_opinions=False)
    return Journey(world=world, people=people)


@pytest.fixture
def opinions_delegated(journey: Journey) -> Journey:
    """The member's delegation to the substitute carries the "give opinions" mandate."""
    assert journey.world.delegation is not None
    Delegation.objects.filter(pk=journey.world.delegation.pk).update(can_give_opinions=True)
    return journey


def later(minutes: int = 0, days: int = 0) -> datetime:
    return timezone.now() + timedelta(minutes=minutes, days=days)
