"""The user's calendar of meetings, its iCalendar export and the search over a body's meetings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecabinet.core.dates import VN_TZ
from ecabinet.core.testing.auth import login_as
from ecabinet.meetings import calendar, services
from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import Meeting
from ecabinet.meetings.tests.conftest import Prep, start_in

pytestmark = pytest.mark.usefixtures("fast_pdf")


def _client(prep: Prep, who: str) -> Client:
    client = Client()
    login_as(client, prep.user(who))
    return client


def _titles(meetings: list[Meeting]) -> set[str]:
    return {m.title for m in meetings}


def _world(prep: Prep) -> dict[str, Meeting]:
    """An invited meeting, a draft (the Office's), a cancelled one, a past one."""
    invited = prep.invite(prep.ready(title="Họp thường kỳ tháng sau"))
    draft = prep.ready(title="Dự thảo chưa gửi", starts_at=start_in(12))
    cancelled = prep.invite(prep.ready(title="Cuộc họp bị hủy", starts_at=start_in(14)))
    services.meeting_cancel(actor=prep.user("office"), meeting=cancelled, reason="Đổi lịch")
    past = prep.invite(prep.ready(title="Cuộc họp đã qua", starts_at=start_in(16)))
    begin = timezone.now() - timedelta(days=40)
    Meeting.objects.filter(pk=past.pk).update(
        starts_at=begin, ends_at=begin + timedelta(hours=2), status=t.CLOSED
    )
    return {"invited": invited, "draft": draft, "cancelled": cancelled, "past": past}


# --- Whose meetings ------------------------------------------------------------------------


def test_calendar_holds_the_meetings_each_person_has_a_part_in(prep: Prep) -> None:
    _world(prep)
    every = {"Họp thường kỳ tháng sau", "Dự thảo chưa gửi", "Cuộc họp bị hủy", "Cuộc họp đã qua"}
    sent = every - {"Dự thảo chưa gửi"}
    # The Office (all of the body's), the chair (chairs every one), the invited members.
    assert _titles(list(calendar.my_meetings(prep.user("office")))) == every
    assert _titles(list(calendar.my_meetings(prep.user("chair")))) == every
    assert _titles(list(calendar.my_meetings(prep.user("member")))) == sent
    assert _titles(list(calendar.my_meetings(prep.user("member2")))) == sent
    # Observers, agencies, and other bodies have no part in them.
    for name in ("observer", "agency", "outsider", "substitute"):
        assert list(calendar.my_meetings(prep.user(name))) == [], name


def test_a_named_substitute_sees_the_meeting(prep: Prep) -> None:
    meetings = _world(prep)
    invitation = prep.invitation(meetings["invited"], "member")
    services.invitation_respond(
        actor=prep.user("member"),
        invitation=invitation,
        response="substituted",
        substitute=prep.world.memberships["substitute"],
        version=invitation.version,
    )
    assert _titles(list(calendar.my_meetings(prep.user("substitute")))) == {
        "Họp thường kỳ tháng sau"
    }


def test_a_member_who_left_the_body_has_an_empty_calendar(prep: Prep) -> None:
    _world(prep)
    membership = prep.world.memberships["member"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert list(calendar.my_meetings(prep.user("member"))) == []


def test_upcoming_skips_cancelled_and_past_meetings(prep: Prep) -> None:
    _world(prep)
    assert [m.title for m in calendar.upcoming_for(prep.user("member"))] == [
        "Họp thường kỳ tháng sau"
    ]


def test_month_is_cut_in_vietnam_time(prep: Prep) -> None:
    meeting = prep.invite(prep.ready(title="Họp đầu tháng"))
    # 00:30 on the first of a month in Hà Nội is still the previous month in UTC.
    first = (start_in(30).replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=30)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=first, ends_at=first + timedelta(hours=2)
    )
    month = calendar.calendar_month(prep.user("member"), first.year, first.month)
    assert [d.date for d in month.days] == [first.date()]
    assert month.count == 1
    before = first - timedelta(days=1)
    assert calendar.calendar_month(prep.user("member"), before.year, before.month).count == 0
    cells = [d for week in month.weeks for d in week if d.meetings]
    assert len(cells) == 1
    assert cells[0].in_month
    assert len(month.weeks[0]) == 7


# --- iCalendar -----------------------------------------------------------------------------


def test_ics_escapes_text() -> None:
    assert calendar.ics_escape("a,b;c\\d\ne\r\nf\x00") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_ics_folds_long_lines_at_75_octets_without_breaking_letters() -> None:
    line = "SUMMARY:" + "Phiên họp Chính phủ thường kỳ về dự án Luật Đất đai (sửa đổi) " * 4
    folded = calendar.ics_fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 3
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert calendar.ics_fold("SHORT:x") == "SHORT:x"


def test_ics_calendar_is_rfc5545(prep: Prep) -> None:
    meetings = _world(prep)
    Meeting.objects.filter(pk=meetings["invited"].pk).update(title="Họp; bàn, chốt \\ kế hoạch")
    rows = calendar.ics_meetings_for(prep.user("office"))
    assert _titles(rows) == {"Họp; bàn, chốt \\ kế hoạch", "Cuộc họp bị hủy"}
    text = calendar.ics_calendar(
        rows, url_for={m.pk: f"https://e.example/cuoc-hop/{m.pk}/" for m in rows}, name="Lịch"
    )
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    unfolded = text.replace("\r\n ", "").split("\r\n")
    assert unfolded.count("BEGIN:VEVENT") == 2 == unfolded.count("END:VEVENT")
    assert "SUMMARY:Họp\\; bàn\\, chốt \\\\ kế hoạch" in unfolded
    assert "STATUS:CANCELLED" in unfolded
    assert "STATUS:CONFIRMED" in unfolded
    invited = meetings["invited"]
    # 08:00 in Hà Nội is 01:00 UTC.
    dtstart = "DTSTART:" + invited.starts_at.astimezone(VN_TZ).strftime("%Y%m%dT010000Z")
    assert dtstart in unfolded
    assert len({line for line in unfolded if line.startswith("UID:")}) == 2
    description = next(
        line for line in unfolded if line.startswith("DESCRIPTION:") and "1." in line
    )
    assert "\\n1. Dự án Luật Thử nghiệm" in description


def test_ics_view_downloads_the_users_calendar(prep: Prep) -> None:
    _world(prep)
    response = _client(prep, "member").get(reverse("meetings:calendar_ics"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert "Dự thảo chưa gửi" not in body
    assert "Cuộc họp đã qua" not in body
    assert "Họp thường kỳ tháng sau" in body.replace("\r\n ", "")
    assert "URL:http://testserver/cuoc-hop/" in body.replace("\r\n ", "")


# --- The calendar page ---------------------------------------------------------------------


def test_calendar_page_lists_the_month_and_a_grid(prep: Prep) -> None:
    meetings = _world(prep)
    starts = meetings["invited"].starts_at.astimezone(VN_TZ)
    client = _client(prep, "member")
    url = reverse("meetings:calendar")
    listed = client.get(url, {"thang": starts.strftime("%Y-%m")})
    assert listed.status_code == 200
    assert "Họp thường kỳ tháng sau" in listed.content.decode()
    grid = client.get(url, {"thang": starts.strftime("%Y-%m"), "xem": "luoi"})
    assert grid.status_code == 200
    assert "Chủ nhật" in grid.content.decode()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("params", [{"thang": "2026-13"}, {"thang": "abc"}, {"xem": "tuan"}])
def test_calendar_page_answers_400_on_bad_input(prep: Prep, params: dict[str, str]) -> None:
    response = _client(prep, "member").get(reverse("meetings:calendar"), params)
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


# --- Search --------------------------------------------------------------------------------


def _search(prep: Prep, who: str, **kwargs: object) -> set[str]:
    ids = calendar.meeting_search(prep.user(who), prep.world.body, **kwargs).ids  # type: ignore[arg-type]
    return set(Meeting.objects.filter(pk__in=ids).values_list("title", flat=True))


def test_search_is_accent_insensitive_over_titles_and_items(prep: Prep) -> None:
    meeting = prep.ready(title="Phiên họp về quy hoạch đô thị")
    prep.add_item(meeting, "Báo cáo dự án", summary="Đường cao tốc Bắc – Nam giai đoạn hai")
    prep.invite(meeting)
    prep.invite(prep.ready(title="Họp về ngân sách", starts_at=start_in(11)))
    for text in ("quy hoach do thi", "QUY HOẠCH", "đô", "duong cao toc", "Bac nam"):
        assert _search(prep, "member", text=text) == {"Phiên họp về quy hoạch đô thị"}, text
    assert _search(prep, "member", text="quy hoach ngan sach") == set()
    assert len(_search(prep, "member", text="hop")) == 2


def test_search_finds_only_what_the_user_may_open(prep: Prep) -> None:
    prep.invite(prep.ready(title="Họp đã gửi giấy mời"))
    prep.ready(title="Họp dự thảo", starts_at=start_in(12))
    assert _search(prep, "office", text="hop") == {"Họp đã gửi giấy mời", "Họp dự thảo"}
    assert _search(prep, "member", text="hop") == {"Họp đã gửi giấy mời"}
    assert _search(prep, "observer", text="hop") == set()
    assert _search(prep, "outsider", text="hop") == set()
    response = _client(prep, "outsider").get(
        reverse("meetings:search", kwargs={"code": prep.world.body.code}), {"q": "hop"}
    )
    assert response.status_code == 404


def test_search_filters_status_and_dates(prep: Prep) -> None:
    meetings = _world(prep)
    assert _search(prep, "office", status=t.DRAFT) == {"Dự thảo chưa gửi"}
    day = meetings["invited"].starts_at.astimezone(VN_TZ).date()
    assert _search(prep, "office", date_from=day, date_to=day) == {"Họp thường kỳ tháng sau"}
    assert "Cuộc họp đã qua" not in _search(prep, "office", date_from=day)
    assert _search(prep, "office", date_to=day - timedelta(days=1)) == {"Cuộc họp đã qua"}


def test_search_page_paginates(prep: Prep) -> None:
    meeting = prep.ready(title="Họp mẫu")
    starts = meeting.starts_at
    for n in range(21):
        Meeting.objects.create(
            body=meeting.body,
            meeting_type=meeting.meeting_type,
            title=f"Họp mẫu số {n}",
            starts_at=starts + timedelta(days=n),
            ends_at=starts + timedelta(days=n, hours=1),
            place="Hà Nội",
            chair=meeting.chair,
            positions_cutoff_at=starts,
            dossier=meeting.dossier,
            created_by=meeting.created_by,
        )
    client = _client(prep, "office")
    url = reverse("meetings:search", kwargs={"code": prep.world.body.code})
    first = client.get(url, {"q": "hop mau"})
    assert first.status_code == 200
    assert first.context["total"] == 22
    assert len(first.context["meetings"]) == 20
    second = client.get(url, {"q": "hop mau", "page": 2})
    assert len(second.context["meetings"]) == 2
    assert "Trang 2 / 2" in second.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-02-30"}, "Ngày không hợp lệ"),
        ({"date_from": "2026-05-10", "date_to": "2026-05-01"}, "Ngày kết thúc phải sau"),
        ({"q": "x" * 201}, "tối đa 200 ký tự"),
        ({"status": "bogus"}, "Trạng thái không hợp lệ"),
    ],
)
def test_search_page_answers_400_on_bad_input(
    prep: Prep, params: dict[str, str], message: str
) -> None:
    response = _client(prep, "member").get(
        reverse("meetings:search", kwargs={"code": prep.world.body.code}), params
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_search_page_without_criteria_shows_the_form(prep: Prep) -> None:
    response = _client(prep, "member").get(
        reverse("meetings:search", kwargs={"code": prep.world.body.code})
    )
    assert response.status_code == 200
    assert "Nhập từ khóa" in response.content.decode()


def test_month_bounds_are_vietnam_midnights() -> None:
    start, end = calendar.month_bounds(2026, 12)
    assert start == datetime(2026, 12, 1, tzinfo=VN_TZ)
    assert end == datetime(2027, 1, 1, tzinfo=VN_TZ)
