"""A demo meeting of the Government, made through the same services as the pages.

The regular session of next month: three agenda items presented by ministries, papers the
Office approved, the invitations and papers sent, most members confirmed (one declined, one
sent a substitute) and several positions given, so that the consent/discussion split, the
answers and the calendar can be tried at once; the live screens open when the chair opens the
session (the Office can move the start time to now).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body, MeetingType, Membership, Room, Unit
from ecabinet.core.calendar import add_working_days
from ecabinet.core.dates import VN_TZ
from ecabinet.meetings import positions, services
from ecabinet.meetings.models import Invitation, Meeting, Position

ITEMS = [
    (
        "Dự án Luật sửa đổi, bổ sung một số điều của Luật Ban hành văn bản quy phạm pháp luật",
        "Bộ Tư pháp",
        "Tờ trình dự án Luật",
        True,
    ),
    (
        "Báo cáo tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2026",
        "Bộ Tài chính",
        "Báo cáo tình hình kinh tế - xã hội",
        False,
    ),
    (
        "Đề án nâng cao năng lực y tế cơ sở giai đoạn 2026 - 2030",
        "Bộ Y tế",
        "Tờ trình Đề án",
        True,
    ),
]


def _start(now: datetime) -> datetime:
    """Eight working days from now, at 8:00 Vietnam time: after the invitation period."""
    day = add_working_days(now, 8).astimezone(VN_TZ).date()
    return datetime.combine(day, time(8, 0), tzinfo=VN_TZ)


def load_demo_meeting(body: Body) -> Meeting:
    from ecabinet.core.demo import _paper_pdf

    office = User.objects.get(username="chuyenvien1")
    chair = User.objects.get(username="thutuong")
    starts_at = _start(timezone.now())
    meeting = services.meeting_create(
        actor=office,
        body=body,
        meeting_type=MeetingType.objects.filter(body=body).order_by("order").first(),
        title=f"Phiên họp Chính phủ thường kỳ tháng {starts_at.month} năm {starts_at.year}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
        chair=chair,
        room=Room.objects.filter(body=body).order_by("order").first(),
        secretary=User.objects.get(username="chuyenvien2"),
    )
    for title, unit_name, paper, needs_decision in ITEMS:
        unit = Unit.objects.get(body=body, name=unit_name)
        item = services.agenda_item_add(
            actor=office,
            meeting=meeting,
            title=title,
            summary=title,
            presenting_unit=unit,
            planned_minutes=45,
            needs_decision=needs_decision,
        )
        document = services.item_document_submit(
            actor=office,
            item=item,
            data=_paper_pdf(paper, f"{item.number}/TTr", [title, "Kính trình Chính phủ xem xét."]),
            filename=f"noi-dung-{item.number}.pdf",
            title=paper,
        )
        services.item_document_decide(actor=office, paper=document, approve=True)
    meeting.refresh_from_db()
    meeting = services.meeting_invite(
        actor=office, meeting=meeting, version=meeting.version, with_documents=True
    )
    _answers(meeting)
    return meeting


def _answers(meeting: Meeting) -> None:
    """Most members attend and give positions; one declines, one sends a deputy."""
    invitations = list(
        Invitation.objects.filter(meeting=meeting).select_related("user").order_by("precedence")
    )
    items = list(meeting.items.order_by("number"))
    deputy = Membership.objects.get(body=meeting.body, user__username="thutruong.tuphap")
    declining = next(i for i in invitations[8:] if i.user.username != "botruong.tuphap")
    for index, invitation in enumerate(invitations[:16]):
        username = invitation.user.username
        if username == "botruong.tuphap":
            services.invitation_respond(
                actor=invitation.user,
                invitation=invitation,
                response=Invitation.Response.SUBSTITUTED,
                version=invitation.version,
                substitute=deputy,
                mandates=["speak", "vote"],
            )
            continue
        if invitation.pk == declining.pk:
            services.invitation_respond(
                actor=invitation.user,
                invitation=invitation,
                response=Invitation.Response.DECLINED,
                version=invitation.version,
                reason="Đi công tác nước ngoài theo kế hoạch.",
            )
            continue
        services.invitation_respond(
            actor=invitation.user,
            invitation=invitation,
            response=Invitation.Response.ACCEPTED,
            version=invitation.version,
        )
        answers = [
            positions.Answer(item_id=item.pk, stance=Position.Stance.NO_OBJECTION) for item in items
        ]
        if index % 5 == 1:
            answers[2] = positions.Answer(
                item_id=items[2].pk,
                stance=Position.Stance.OBJECT,
                text="Đề nghị thảo luận thêm về nguồn lực thực hiện Đề án.",
            )
        elif index % 5 == 3:
            answers[0] = positions.Answer(
                item_id=items[0].pk,
                stance=Position.Stance.COMMENT,
                text="Đề nghị làm rõ thời hạn thẩm định.",
            )
        invitation.refresh_from_db()
        positions.positions_give(actor=invitation.user, invitation=invitation, answers=answers)
