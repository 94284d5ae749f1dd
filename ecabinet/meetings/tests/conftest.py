"""Fixtures of the meetings tests: the persona world with a meeting type, a room, the Office
unit, a second member, and a driver that prepares a meeting step by step.

In the persona world (core/testing/personas.py) the agency's unit is the member's ministry
("Bộ Thử nghiệm"), and the member has handed every mandate to the substitute from an hour ago
for seven days. Meetings prepared here start ten working days ahead, outside that period,
unless a test says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.bodies.models import MeetingType, Role, Room, Title, Unit
from ecabinet.core.calendar import add_working_days
from ecabinet.core.dates import VN_TZ
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.personas import World
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Invitation, ItemDocument, Meeting


def start_in(working_days: int = 10, hour: int = 8) -> datetime:
    """A start ``working_days`` working days ahead, at ``hour`` Vietnam time."""
    day = add_working_days(timezone.now(), working_days).astimezone(VN_TZ).date()
    return datetime.combine(day, datetime.min.time().replace(hour=hour), tzinfo=VN_TZ)


def pdf(text: str) -> bytes:
    from ecabinet.documents.tests.files import pdf_bytes

    return pdf_bytes(text)


@dataclass
class Prep:
    """Prepares meetings with the persona world's people."""

    world: World
    meeting_type: MeetingType
    room: Room
    ministry: Unit

    def user(self, name: str) -> User:
        user = self.world.user(name)
        assert user is not None, name
        return user

    def create(self, actor: str = "office", **kwargs: Any) -> Meeting:
        starts = kwargs.pop("starts_at", None) or start_in()
        data: dict[str, Any] = {
            "meeting_type": self.meeting_type,
            "title": "Phiên họp Chính phủ thường kỳ (thử)",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=3),
            "room": self.room,
            "chair": self.user("chair"),
            "secretary": self.user("office"),
        }
        data.update(kwargs)
        return services.meeting_create(actor=self.user(actor), body=self.world.body, **data)

    def add_item(
        self, meeting: Meeting, title: str = "Dự án Luật Thử nghiệm", **kwargs: Any
    ) -> AgendaItem:
        actor = kwargs.pop("actor", "office")
        data: dict[str, Any] = {"presenting_unit": self.ministry, "planned_minutes": 45}
        data.update(kwargs)
        return services.agenda_item_add(
            actor=self.user(actor), meeting=meeting, title=title, **data
        )

    def upload(
        self, item: AgendaItem, actor: str = "agency", text: str = "Tờ trình dự án luật"
    ) -> ItemDocument:
        item.meeting.refresh_from_db()
        return services.item_document_submit(
            actor=self.user(actor), item=item, data=pdf(text), filename="to-trinh.pdf", title=text
        )

    def approve(self, paper: ItemDocument) -> ItemDocument:
        return services.item_document_decide(actor=self.user("office"), paper=paper, approve=True)

    def ready(self, **kwargs: Any) -> Meeting:
        """A draft with one item and one approved paper."""
        meeting = self.create(**kwargs)
        item = self.add_item(meeting)
        self.approve(self.upload(item))
        meeting.refresh_from_db()
        return meeting

    def invite(self, meeting: Meeting, **kwargs: Any) -> Meeting:
        meeting.refresh_from_db()
        return services.meeting_invite(
            actor=self.user("office"), meeting=meeting, version=meeting.version, **kwargs
        )

    def invitation(self, meeting: Meeting, name: str) -> Invitation:
        row = Invitation.objects.select_related("membership", "meeting__body").get(
            meeting=meeting, user=self.user(name)
        )
        return row


def build_prep(world: World) -> Prep:
    body = world.body
    Unit.objects.create(
        body=body, name="Văn phòng Chính phủ (thử)", short_name="VPCP", kind="office"
    )
    ministry = world.memberships["agency"].unit
    assert ministry is not None
    meeting_type = MeetingType.objects.create(
        body=body, name="Phiên họp thường kỳ", code="thuong-ky"
    )
    room = Room.objects.create(
        body=body,
        name="Phòng họp số 1",
        location="Số 1 Hoàng Hoa Thám",
        seating_rows=4,
        seats_per_row=8,
    )
    world.memberships["chair"].title = Title.objects.create(body=body, name="Thủ tướng")
    world.memberships["chair"].save(update_fields=["title"])
    member2 = MembershipFactory.create(
        body=body,
        user=UserFactory.create(username="member2", full_name="Người thử member2"),
        role=Role.MEMBER,
        precedence=4,
    )
    world.memberships["member2"] = member2
    world.users["member2"] = member2.user
    return Prep(world=world, meeting_type=meeting_type, room=room, ministry=ministry)


@pytest.fixture
def prep(world: World) -> Prep:
    return build_prep(world)


@pytest.fixture
def fast_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip rendering the invitation (WeasyPrint) where the PDF itself is not the point."""
    from ecabinet.meetings import invitation

    counter = iter(range(1, 10_000))
    monkeypatch.setattr(
        invitation, "invitation_pdf", lambda *a, **k: pdf(f"Giấy mời {next(counter)}")
    )
