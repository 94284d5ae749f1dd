"""Fixtures of the resolutions tests: the persona world with the meetings' catalogue, the
"Nghị quyết" document type, and a desk that drives a resolution through its steps.

The voting members are the chair ("Thủ tướng"), the member and member2 (meetings'
``build_prep``). In the persona world the member has handed every mandate to the substitute;
here the member gives their own opinions unless a test asks for ``opinions_delegated``.
Closed meetings are made with the meetings' own services: the session is opened by the
chair, the Office records the conclusions and the chair closes it (the states before the
session are set directly, as the meetings tests do).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Delegation, DocumentType
from ecabinet.core.testing.personas import World
from ecabinet.meetings.live import services as live
from ecabinet.meetings.models import AgendaItem, Meeting
from ecabinet.meetings.tests.conftest import Prep, build_prep
from ecabinet.resolutions import selectors, services
from ecabinet.resolutions.content import Content
from ecabinet.resolutions.models import (
    Consultation,
    ConsultationRecipient,
    Resolution,
    ResolutionVersion,
)

CONCLUSIONS: tuple[tuple[str, str, str], ...] = (
    (
        "Dự án Luật Thử nghiệm",
        "adopted",
        "Thống nhất thông qua dự án Luật.\nGiao Bộ Thử nghiệm hoàn thiện hồ sơ.",
    ),
    ("Đề án Thử nghiệm thứ hai", "rejected", "Chưa đủ cơ sở thực tiễn."),
    ("Báo cáo Thử nghiệm thứ ba", "deferred", ""),
)


@dataclass
class Desk:
    """Drives resolutions with the persona world's people."""

    prep: Prep

    @property
    def world(self) -> World:
        return self.prep.world

    def user(self, name: str) -> User:
        return self.prep.user(name)

    def closed_meeting(
        self,
        conclusions: tuple[tuple[str, str, str], ...] = CONCLUSIONS,
        title: str = "Phiên họp Chính phủ thường kỳ tháng 5 năm 2026",
        close: bool = True,
    ) -> Meeting:
        """A meeting whose session ran: each item concluded by the Office (an empty outcome
        leaves the item without conclusion), then closed by the chair."""
        meeting = self.prep.create(title=title)
        items = [self.prep.add_item(meeting, item_title) for item_title, _o, _t in conclusions]
        now = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(
            status=Meeting.Status.DOCUMENTS_PUBLISHED,
            invitations_sent_at=now,
            documents_published_at=now,
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(hours=2),
        )
        live.meeting_open_session(
            actor=self.user("chair"), meeting=self.fresh_meeting(meeting), seq=0
        )
        for item, (_title, outcome, text) in zip(items, conclusions, strict=True):
            if not outcome:
                continue
            live.item_conclude(
                actor=self.user("office"),
                meeting=self.fresh_meeting(meeting),
                item_id=item.pk,
                outcome=outcome,
                text=text,
            )
        if close:
            row = self.fresh_meeting(meeting)
            live.meeting_close_session(actor=self.user("chair"), meeting=row, seq=row.seq)
        return self.fresh_meeting(meeting)

    def fresh_meeting(self, meeting: Meeting) -> Meeting:
        return Meeting.objects.select_related("body", "chair", "secretary").get(pk=meeting.pk)

    def items(self, meeting: Meeting) -> list[AgendaItem]:
        return list(AgendaItem.objects.filter(meeting=meeting).order_by("number"))

    def draft(self, meeting: Meeting | None = None, actor: str = "office") -> Resolution:
        meeting = meeting or self.closed_meeting()
        return services.resolution_create_from_meeting(actor=self.user(actor), meeting=meeting)

    def fresh(self, resolution: Resolution) -> Resolution:
        return Resolution.objects.select_related(
            "body", "current_version", "submitted_version", "signer", "document_type"
        ).get(pk=resolution.pk)

    def content(self, resolution: Resolution) -> Content:
        version = self.fresh(resolution).current_version
        assert version is not None
        return selectors.content_of(version)

    def edit(
        self,
        resolution: Resolution,
        actor: str = "office",
        base: int | None = None,
        **changes: Any,
    ) -> ResolutionVersion:
        """Save the current content with ``changes`` (Content fields) as a new version."""
        row = self.fresh(resolution)
        assert row.current_version is not None
        content = replace(selectors.content_of(row.current_version), **changes)
        return services.resolution_edit(
            actor=self.user(actor),
            resolution=row,
            base_version=base if base is not None else row.current_version.number,
            content=content,
        )

    def consult(self, resolution: Resolution, days: int = 3, **kwargs: Any) -> Consultation:
        row = self.fresh(resolution)
        assert row.current_version is not None
        return services.consultation_open(
            actor=self.user(kwargs.pop("actor", "office")),
            resolution=row,
            version=row.current_version.number,
            working_days=days,
            **kwargs,
        )

    def seat(self, resolution: Resolution, member: str) -> ConsultationRecipient:
        row = self.fresh(resolution)
        recipient = ConsultationRecipient.objects.get(
            consultation__resolution=row,
            consultation__closed_at__isnull=True,
            user=self.user(member),
        )
        return selectors.recipient_of(row, recipient.pk)

    def answer(
        self,
        resolution: Resolution,
        member: str,
        choice: str = "agree",
        comments: dict[str, str] | None = None,
        *,
        actor: str | None = None,
    ) -> ConsultationRecipient:
        return services.opinion_submit(
            actor=self.user(actor or member),
            recipient=self.seat(resolution, member),
            choice=choice,
            comments=comments or {},
        )

    def submit(self, resolution: Resolution, actor: str = "office") -> Resolution:
        row = self.fresh(resolution)
        assert row.current_version is not None
        return services.resolution_submit(
            actor=self.user(actor), resolution=row, version=row.current_version.number
        )


def build_desk(world: World) -> Desk:
    prep = build_prep(world)
    DocumentType.objects.create(body=world.body, name="Nghị quyết", abbreviation="NQ")
    return Desk(prep=prep)


@pytest.fixture
def desk(world: World) -> Desk:
    """The world ready for resolutions; the member gives their own opinions."""
    desk = build_desk(world)
    assert world.delegation is not None
    Delegation.objects.filter(pk=world.delegation.pk).update(can_give_opinions=False)
    return desk


@pytest.fixture
def opinions_delegated(desk: Desk) -> Desk:
    """The member's delegation to the substitute carries the "give opinions" mandate."""
    assert desk.world.delegation is not None
    Delegation.objects.filter(pk=desk.world.delegation.pk).update(can_give_opinions=True)
    return desk


@pytest.fixture(autouse=True)
def _fresh_internal_tsa() -> None:
    from ecabinet.signatures import tsa

    tsa._cached.clear()
