"""Test support of the live session: a meeting ready to open, signers, and short calls.

The meeting has three voting members invited (the chair, the member, member2: quorum 2 of
3), the member is represented by the substitute (the persona world's delegation, every
mandate), two discussion items and two consent items; it started five minutes ago. States
before the session are set directly: sending invitations is tested in test_services.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import SigningWindow, User
from ecabinet.accounts.stepup import session_digest
from ecabinet.bodies.models import Delegation
from ecabinet.core.testing.personas import World
from ecabinet.meetings.live import services as live
from ecabinet.meetings.models import AgendaItem, Invitation, Meeting, Poll, Vote
from ecabinet.meetings.tests.conftest import Prep, build_prep

SESSION = "live-test-session"


@dataclass
class Live:
    prep: Prep
    meeting: Meeting
    items: list[AgendaItem]

    @property
    def world(self) -> World:
        return self.prep.world

    def user(self, name: str) -> User:
        return self.prep.user(name)

    def fresh(self) -> Meeting:
        return Meeting.objects.select_related("body", "chair", "secretary").get(pk=self.meeting.pk)

    @property
    def seq(self) -> int:
        return self.fresh().seq

    def open(self) -> Meeting:
        return live.meeting_open_session(
            actor=self.user("chair"), meeting=self.fresh(), seq=self.seq
        )

    def checkin(self, name: str, mode: str = "room") -> Any:
        return live.attendance_check_in(actor=self.user(name), meeting=self.fresh(), mode=mode)

    def start(self, item: AgendaItem) -> AgendaItem:
        return live.item_start(
            actor=self.user("chair"), meeting=self.fresh(), item_id=item.pk, seq=self.seq
        )

    def poll(self, *items: AgendaItem) -> Poll:
        return live.poll_open(
            actor=self.user("chair"),
            meeting=self.fresh(),
            item_ids=[i.pk for i in items],
            seq=self.seq,
        )

    def close(self, poll: Poll) -> Poll:
        return live.poll_close(
            actor=self.user("chair"), meeting=self.fresh(), poll_id=poll.pk, seq=self.seq
        )

    def vote(
        self,
        name: str,
        poll: Poll,
        choice: str = "agree",
        key: uuid.UUID | None = None,
        session: str = SESSION,
        **kwargs: Any,
    ) -> live.VoteResult:
        return live.vote_cast(
            actor=self.user(name),
            meeting=self.fresh(),
            poll_id=poll.pk,
            choice=choice,
            key=key or uuid.uuid4(),
            session_key=session,
            **kwargs,
        )

    def signer(self, name: str, session: str = SESSION) -> None:
        """A certificate, an authenticator and an open signing window for this meeting."""
        from ecabinet.signatures.ca import ca_init, certificate_issue
        from ecabinet.signatures.models import MemberCertificate

        user = self.user(name)
        ca_init()
        if not MemberCertificate.objects.filter(user=user, revoked_at__isnull=True).exists():
            admin = self.world.user("admin")
            assert admin is not None
            certificate_issue(actor=admin, membership=self.world.memberships[name])
        open_window(user, self.meeting, session)

    def voting_ready(self, *names: str) -> Poll:
        """Session open, the named people checked in and signing, a poll on item 1."""
        self.open()
        for name in names:
            self.checkin(name)
            if name != "observer":
                self.signer(name)
        self.start(self.items[0])
        return self.poll(self.items[0])

    def votes(self, poll: Poll) -> int:
        return Vote.objects.filter(poll=poll).count()


def open_window(user: User, meeting: Meeting, session: str = SESSION) -> SigningWindow:
    TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    now = timezone.now()
    SigningWindow.objects.filter(
        user=user, session_key_hash=session_digest(session), scope_id=str(meeting.pk)
    ).delete()
    return SigningWindow.objects.create(
        user=user,
        scope_type="meeting",
        scope_id=str(meeting.pk),
        opened_at=now,
        expires_at=now + timedelta(hours=2),
        session_key_hash=session_digest(session),
        device_id=TOTPDevice.objects.filter(user=user, confirmed=True)
        .order_by("pk")
        .first()
        .persistent_id,  # type: ignore[union-attr]
    )


def build_live(world: World, *, status: str = Meeting.Status.DOCUMENTS_PUBLISHED) -> Live:
    prep = build_prep(world)
    meeting = prep.ready()
    items = [AgendaItem.objects.get(meeting=meeting)]
    items.append(prep.add_item(meeting, "Đề án Thử nghiệm thứ hai"))
    items.append(prep.add_item(meeting, "Báo cáo thông qua thứ nhất"))
    items.append(prep.add_item(meeting, "Báo cáo thông qua thứ hai"))
    AgendaItem.objects.filter(pk__in=[items[2].pk, items[3].pk]).update(
        block=AgendaItem.Block.CONSENT, status=AgendaItem.Status.CONSENT
    )
    AgendaItem.objects.filter(pk__in=[items[0].pk, items[1].pk]).update(
        block=AgendaItem.Block.DISCUSSION, status=AgendaItem.Status.DISCUSSION
    )
    for precedence, name in enumerate(("chair", "member", "member2"), start=1):
        membership = world.memberships[name]
        Invitation.objects.create(
            meeting=meeting,
            membership=membership,
            user=membership.user,
            role=membership.role,
            precedence=precedence,
            response=Invitation.Response.ACCEPTED,
            responded_at=timezone.now(),
        )
    assert world.delegation is not None
    Invitation.objects.filter(meeting=meeting, user=prep.user("member")).update(
        response=Invitation.Response.SUBSTITUTED,
        substitute=prep.user("substitute"),
        delegation=world.delegation,
    )
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        status=status,
        invitations_sent_at=now,
        documents_published_at=now,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=3),
    )
    for item in items:
        item.refresh_from_db()
    meeting.refresh_from_db()
    return Live(prep=prep, meeting=meeting, items=items)


def no_vote_mandate(world: World) -> None:
    assert world.delegation is not None
    Delegation.objects.filter(pk=world.delegation.pk).update(can_vote=False)


@pytest.fixture(autouse=True)
def _fresh_internal_tsa() -> None:
    from ecabinet.signatures import tsa

    tsa._cached.clear()
