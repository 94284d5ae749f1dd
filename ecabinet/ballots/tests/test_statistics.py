"""The ballots statistics: the figures on a small world of signed answers, the period, who
sees what, the page and its exports saying the same numbers, and bad input."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from ecabinet.accounts.models import User
from ecabinet.ballots import services, stats_exports
from ecabinet.ballots.models import Ballot, Question, Recipient
from ecabinet.ballots.statistics import (
    Scope,
    SeatState,
    Statistics,
    statistics_for,
    statistics_scope,
)
from ecabinet.ballots.stats_charts import choices_chart, timeliness_chart
from ecabinet.ballots.tests.conftest import Journey, next_deadline
from ecabinet.bodies.models import Delegation
from ecabinet.core.dates import vn_date
from ecabinet.core.testing.auth import login_as
from ecabinet.tracking.charts import LABEL_WIDTH, PLOT_WIDTH
from ecabinet.tracking.selectors import Period

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Ballots:
    """Three ballots sent at ``t0`` to the chair, the member and member2.

    A (closed): chair agrees twice after 1 h; member disagrees, then "other", after 3 h;
      member2 never answers.
    B (closed): chair agrees then disagrees after 2 h; member agrees twice after 5 h and
      corrects to disagree twice after 6 h; the deadline is then recorded as t0 + 5 h 30
      (what an import or an extension would leave), so the member's final answer is late;
      member2 never answers.
    C (open, long deadline): the member's substitute answers agree, other after 4 h; the
      chair and member2 have not answered yet.
    """

    t0: datetime
    a: Ballot
    b: Ballot
    c: Ballot

    @property
    def period(self) -> Period:
        return Period(vn_date(self.t0), vn_date(self.t0))

    @property
    def after(self) -> datetime:
        """A moment after A's and B's deadlines, before C's."""
        assert self.a.deadline_at is not None
        return self.a.deadline_at + timedelta(days=1)


def _at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def ballots(journey: Journey) -> Ballots:
    t0 = timezone.now().replace(microsecond=0)
    with _at(t0):
        a = journey.send()
        b = journey.send()
        c = journey.send(deadline=next_deadline(20))
    with _at(t0 + timedelta(hours=1)):
        journey.answer(a, "chair", [("agree", ""), ("agree", "")])
    with _at(t0 + timedelta(hours=2)):
        journey.answer(b, "chair", [("agree", ""), ("disagree", "Chưa đủ cơ sở")])
    with _at(t0 + timedelta(hours=3)):
        journey.answer(a, "member", [("disagree", ""), ("other", "Đề nghị bổ sung")])
    with _at(t0 + timedelta(hours=5)):
        journey.answer(b, "member", [("agree", ""), ("agree", "")])
    with _at(t0 + timedelta(hours=6)):
        journey.answer(b, "member", [("disagree", ""), ("disagree", "")])
    assert journey.world.delegation is not None
    Delegation.objects.filter(pk=journey.world.delegation.pk).update(can_give_opinions=True)
    with _at(t0 + timedelta(hours=4)):
        journey.answer(c, "member", [("agree", ""), ("other", "Góp ý")], actor="substitute")
    assert a.deadline_at is not None
    with _at(a.deadline_at + timedelta(minutes=1)):
        assert services.ballot_close_due() == 2
    # No service accepts an answer after the deadline: the record of a late one is made here.
    Ballot.objects.filter(pk=b.pk).update(deadline_at=t0 + timedelta(hours=5, minutes=30))
    for ballot in (a, b, c):
        ballot.refresh_from_db()
    return Ballots(t0=t0, a=a, b=b, c=c)


def _user(journey: Journey, name: str) -> User:
    return journey.user(name)


def _stats(journey: Journey, ballots: Ballots, who: str = "office") -> Statistics:
    return statistics_for(_user(journey, who), journey.world.body, ballots.period, ballots.after)


# --- The figures ---------------------------------------------------------------------------


def test_per_ballot_on_time_late_not_answered_and_pending(
    journey: Journey, ballots: Ballots
) -> None:
    stats = _stats(journey, ballots)
    assert stats.scope == Scope.ALL
    by_pk = {b.ballot.pk: b for b in stats.ballots}
    assert set(by_pk) == {ballots.a.pk, ballots.b.pk, ballots.c.pk}
    a, b, c = by_pk[ballots.a.pk], by_pk[ballots.b.pk], by_pk[ballots.c.pk]
    t = a.timeliness
    assert (t.received, t.on_time, t.late, t.not_answered, t.pending) == (3, 2, 0, 1, 0)
    t = b.timeliness
    assert (t.received, t.on_time, t.late, t.not_answered, t.pending) == (3, 1, 1, 1, 0)
    t = c.timeliness
    assert (t.received, t.on_time, t.late, t.not_answered, t.pending) == (3, 1, 0, 0, 2)
    assert (a.on_behalf, b.on_behalf, c.on_behalf) == (0, 0, 1)
    total = stats.total
    assert (total.received, total.on_time, total.late, total.not_answered, total.pending) == (
        9,
        4,
        1,
        2,
        2,
    )


def test_per_ballot_and_per_question_shares_count_final_answers_only(
    journey: Journey, ballots: Ballots
) -> None:
    by_pk = {b.ballot.pk: b for b in _stats(journey, ballots).ballots}
    a, b = by_pk[ballots.a.pk], by_pk[ballots.b.pk]
    assert (a.choices.agree, a.choices.disagree, a.choices.other) == (2, 1, 1)
    assert (a.choices.agree_share, a.choices.disagree_share, a.choices.other_share) == (
        50.0,
        25.0,
        25.0,
    )
    # The member's first answer to B (agree twice) was superseded: it does not count.
    assert (b.choices.agree, b.choices.disagree, b.choices.other) == (1, 3, 0)
    assert b.choices.disagree_share == 75.0
    q1, q2 = a.questions
    assert (q1.number, q1.choices.agree, q1.choices.disagree, q1.not_answered) == (1, 1, 1, 1)
    assert (q2.choices.agree, q2.choices.other, q2.not_answered) == (1, 1, 1)
    assert q2.choices.other_share == 50.0
    bq1, bq2 = b.questions
    assert (bq1.choices.agree, bq1.choices.disagree) == (1, 1)
    assert (bq2.choices.disagree, bq2.choices.agree_share) == (2, 0.0)


def test_per_member_figures_and_average_answer_time(journey: Journey, ballots: Ballots) -> None:
    stats = _stats(journey, ballots)
    # In order of precedence: chair, member, member2.
    assert [m.name for m in stats.members] == [
        "Người thử chair",
        "Người thử member",
        "Người thử member2",
    ]
    chair, member, member2 = stats.members
    assert chair.title == "Thủ tướng"
    t = chair.timeliness
    assert (t.received, t.on_time, t.late, t.not_answered, t.pending) == (3, 2, 0, 0, 1)
    assert (chair.choices.agree, chair.choices.disagree, chair.choices.agree_share) == (3, 1, 75.0)
    assert chair.average_answer_time == timedelta(hours=1, minutes=30)
    t = member.timeliness
    assert (t.received, t.on_time, t.late, t.not_answered, t.pending) == (3, 2, 1, 0, 0)
    assert (member.choices.agree, member.choices.disagree, member.choices.other) == (1, 3, 2)
    assert member.on_behalf == 1
    # Final answers after 3 h (A), 6 h (B), 4 h (C).
    assert member.average_answer_time == timedelta(hours=13) / 3
    t = member2.timeliness
    assert (t.received, t.on_time, t.not_answered, t.pending) == (3, 0, 2, 1)
    assert member2.choices.total == 0
    assert member2.choices.agree_share is None
    assert member2.average_answer_time is None


def test_an_unanswered_seat_is_pending_until_the_deadline(
    journey: Journey, ballots: Ballots
) -> None:
    assert ballots.c.deadline_at is not None
    later = statistics_for(
        _user(journey, "office"),
        journey.world.body,
        ballots.period,
        ballots.c.deadline_at + timedelta(seconds=1),
    )
    c = next(b for b in later.ballots if b.ballot.pk == ballots.c.pk)
    assert (c.timeliness.pending, c.timeliness.not_answered) == (0, 2)


def test_the_period_takes_ballots_sent_during_it(journey: Journey, ballots: Ballots) -> None:
    office = _user(journey, "office")
    body = journey.world.body
    day = vn_date(ballots.t0)
    before = statistics_for(office, body, Period(day - timedelta(days=9), day - timedelta(days=1)))
    assert (before.ballots, before.members, before.total.received) == ([], [], 0)
    Ballot.objects.filter(pk=ballots.b.pk).update(sent_at=ballots.t0 - timedelta(days=40))
    now = statistics_for(office, body, Period(day - timedelta(days=29), day), ballots.after)
    assert {b.ballot.pk for b in now.ballots} == {ballots.a.pk, ballots.c.pk}
    assert now.total.received == 6
    earlier = statistics_for(
        office, body, Period(day - timedelta(days=45), day - timedelta(days=35)), ballots.after
    )
    assert [b.ballot.pk for b in earlier.ballots] == [ballots.b.pk]


def test_withdrawn_ballots_are_left_out(journey: Journey, ballots: Ballots) -> None:
    services.ballot_withdraw(actor=_user(journey, "office"), ballot=ballots.c, reason="Sai sót")
    stats = _stats(journey, ballots)
    assert ballots.c.pk not in {b.ballot.pk for b in stats.ballots}
    assert stats.total.received == 6


def test_a_member_sees_only_their_own_seats(journey: Journey, ballots: Ballots) -> None:
    stats = _stats(journey, ballots, "member")
    assert stats.scope == Scope.OWN
    assert stats.ballots == []
    assert [m.name for m in stats.members] == ["Người thử member"]
    assert [s.ballot.pk for s in stats.seats] == sorted([ballots.a.pk, ballots.b.pk, ballots.c.pk])
    states = {s.ballot.pk: s.state for s in stats.seats}
    assert states == {
        ballots.a.pk: SeatState.ON_TIME,
        ballots.b.pk: SeatState.LATE,
        ballots.c.pk: SeatState.ON_TIME,
    }
    c = next(s for s in stats.seats if s.ballot.pk == ballots.c.pk)
    assert c.on_behalf
    assert c.answer_time == timedelta(hours=4)
    assert stats.total.received == 3


def test_who_sees_the_statistics(journey: Journey) -> None:
    body = journey.world.body
    scopes = {
        name: statistics_scope(journey.user(name), body)
        for name in ("chair", "office", "head", "leader", "admin", "member", "member2")
    }
    assert scopes == {
        "chair": Scope.ALL,
        "office": Scope.ALL,
        "head": Scope.ALL,
        "leader": Scope.ALL,
        "admin": Scope.ALL,
        "member": Scope.OWN,
        "member2": Scope.OWN,
    }
    for name in ("substitute", "agency", "observer", "outsider"):
        assert statistics_scope(journey.user(name), body) is None, name


def _cheap_ballot(journey: Journey, n: int, sent_at: datetime) -> None:
    """A sent ballot made directly (no signatures): only the query count reads it."""
    world = journey.world
    first = Ballot.objects.first()
    assert first is not None
    ballot = Ballot.objects.create(
        body=world.body,
        title=f"Phiếu thêm {n}",
        dossier=first.dossier,
        status=Ballot.Status.CLOSED,
        sent_at=sent_at,
        deadline_at=sent_at + timedelta(days=1),
        closed_at=sent_at + timedelta(days=1),
        electorate=2,
        created_by=journey.user("office"),
    )
    Question.objects.create(ballot=ballot, number=1, text="Câu hỏi thêm")
    for name in ("chair", "member"):
        membership = world.memberships[name]
        Recipient.objects.create(
            ballot=ballot, membership=membership, user=membership.user, role=membership.role
        )


@pytest.mark.parametrize("who", ["office", "member"])
def test_queries_do_not_grow_with_ballots_seats_or_answers(
    journey: Journey,
    ballots: Ballots,
    who: str,
    django_assert_max_num_queries: Any,
) -> None:
    user, body = _user(journey, who), journey.world.body
    with CaptureQueriesContext(connection) as few:
        statistics_for(user, body, ballots.period, ballots.after)
    for n in range(6):
        _cheap_ballot(journey, n, ballots.t0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        many = statistics_for(user, body, ballots.period, ballots.after)
    assert many.total.received == (9 + 12 if who == "office" else 3 + 6)
    assert len(few.captured_queries) <= 7


# --- Charts --------------------------------------------------------------------------------


def test_charts_stack_the_same_numbers(journey: Journey, ballots: Ballots) -> None:
    stats = _stats(journey, ballots)
    chart = timeliness_chart(stats.members)
    assert chart is not None
    member = chart.bars[1]
    assert [(s.kind, s.value) for s in member.segments] == [("on-time", 2.0), ("late", 1.0)]
    # Axis of whole ballots up to 3: 3 ballots fill the plot.
    assert chart.ticks[-1].label == "3"
    assert sum(s.width for s in member.segments) == pytest.approx(PLOT_WIDTH, abs=0.2)
    assert member.segments[0].x == LABEL_WIDTH
    assert "đúng hạn 2, trễ hạn 1" in member.summary
    ballot_chart = choices_chart(stats.ballots)
    assert ballot_chart is not None
    a = next(bar for bar in ballot_chart.bars if bar.name == ballots.a.title)
    assert [(s.kind, round(s.value)) for s in a.segments] == [
        ("agree", 50),
        ("disagree", 25),
        ("other", 25),
    ]
    assert a.segments[0].width == pytest.approx(PLOT_WIDTH / 2, abs=0.1)
    assert timeliness_chart([]) is None
    assert choices_chart([]) is None


# --- Pages and exports ---------------------------------------------------------------------


def _url(journey: Journey, name: str = "ballots:statistics") -> str:
    return reverse(name, kwargs={"code": journey.world.body.code})


def test_the_page_shows_tables_and_charts_for_the_office(
    journey: Journey, ballots: Ballots, client: Client
) -> None:
    login_as(client, _user(journey, "office"))
    response = client.get(_url(journey))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thống kê phiếu lấy ý kiến" in html
    assert 'role="img"' in html
    assert 'id="members-chart-title"' in html
    assert 'id="ballots-chart-desc"' in html
    for name in ("Người thử chair", "Người thử member", "Người thử member2"):
        assert name in html
    assert "50%" in html  # A: agree 2 of 4
    assert 'class="table-wrap"' in html
    assert reverse("ballots:statistics_pdf", kwargs={"code": journey.world.body.code}) in html


def test_the_member_page_shows_their_own_row_only(
    journey: Journey, ballots: Ballots, client: Client
) -> None:
    login_as(client, _user(journey, "member"))
    html = client.get(_url(journey)).content.decode()
    assert "chỉ hiển thị số liệu trả lời phiếu của chính bạn" in html
    assert "Người thử member2" not in html
    assert "Người thử chair" not in html
    assert "Trả lời trễ hạn" in html
    response = client.get(_url(journey, "ballots:statistics_csv"), {"bang": "cau-hoi"})
    assert response.status_code == 400
    assert "cau-hoi" in response.content.decode()


def test_the_list_links_to_the_statistics_for_those_who_may_see_them(
    journey: Journey, client: Client
) -> None:
    link = _url(journey)
    login_as(client, _user(journey, "chair"))
    assert link in client.get(_url(journey, "ballots:list")).content.decode()
    login_as(client, _user(journey, "agency"))
    assert link not in client.get(_url(journey, "ballots:list")).content.decode()
    assert client.get(link).status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"tu": "31/02/2026"}, "Ngày không hợp lệ"),
        ({"tu": "2026-03-10", "den": "2026-03-01"}, "Ngày bắt đầu phải trước"),
        ({"tu": "2020-01-01", "den": "2026-01-01"}, "tối đa là 3 năm"),
        ({"den": "x" * 500}, "Ngày không hợp lệ"),
    ],
)
def test_a_bad_period_is_a_400_with_the_reason(
    journey: Journey, client: Client, query: dict[str, str], message: str
) -> None:
    login_as(client, _user(journey, "office"))
    page = client.get(_url(journey), query)
    assert page.status_code == 400
    assert message in page.content.decode()
    for name in ("ballots:statistics_csv", "ballots:statistics_xlsx", "ballots:statistics_pdf"):
        response = client.get(_url(journey, name), query)
        assert response.status_code == 400, name
        assert message in response.content.decode()
        assert response["Content-Type"].startswith("text/plain")


def _csv(response: Any) -> list[list[str]]:
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_exports_parse_back_to_the_same_numbers(
    journey: Journey, ballots: Ballots, client: Client
) -> None:
    login_as(client, _user(journey, "office"))
    response = client.get(_url(journey, "ballots:statistics_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "thanh-vien.csv" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:3] == ["Họ và tên", "Chức danh", "Số phiếu được hỏi"]
    member = next(r for r in rows if r[0] == "Người thử member")
    assert member[2:7] == ["3", "2", "1", "0", "0"]  # received, on time, late, none, pending
    assert member[header.index("Đồng ý")] == "1"
    assert member[header.index("Không đồng ý (%)")] == "50.0"
    assert member[header.index("Thời gian trả lời trung bình (giờ)")] == "4.3"
    total = rows[-1]
    assert total[0] == "Tổng cộng"
    assert total[2:7] == ["9", "4", "1", "2", "2"]
    member2 = next(r for r in rows if r[0] == "Người thử member2")
    assert member2[header.index("Đồng ý (%)")] == ""

    header, *rows = _csv(client.get(_url(journey, "ballots:statistics_csv"), {"bang": "phieu"}))
    b = next(r for r in rows if r[0] == ballots.b.title and r[5:10] == ["3", "1", "1", "1", "0"])
    assert b[header.index("Không đồng ý")] == "3"
    header, *rows = _csv(client.get(_url(journey, "ballots:statistics_csv"), {"bang": "cau-hoi"}))
    assert len(rows) == 6  # two questions of three ballots
    assert header[1] == "Câu hỏi số"


def test_xlsx_export_has_the_same_numbers(
    journey: Journey, ballots: Ballots, client: Client
) -> None:
    login_as(client, _user(journey, "office"))
    response = client.get(_url(journey, "ballots:statistics_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Theo thành viên", "Theo phiếu", "Theo câu hỏi"]
    people = [list(r) for r in workbook["Theo thành viên"].iter_rows(values_only=True)]
    header = people[0]
    member = next(r for r in people if r[0] == "Người thử member")
    assert member[2:7] == [3, 2, 1, 0, 0]
    assert member[header.index("Đồng ý (%)")] == pytest.approx(16.7)
    assert people[-1][0] == "Tổng cộng"
    assert people[-1][2:7] == [9, 4, 1, 2, 2]
    questions = list(workbook["Theo câu hỏi"].iter_rows(values_only=True))
    assert len(questions) == 1 + 6


def test_pdf_export_is_a_pdf_naming_the_body(
    journey: Journey, ballots: Ballots, client: Client
) -> None:
    login_as(client, _user(journey, "office"))
    response = client.get(_url(journey, "ballots:statistics_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    assert journey.world.body.name in text
    assert "Người thử member2" in text
    assert "Theo câu hỏi" in text


def test_member_exports_hold_their_own_row_only(
    journey: Journey, ballots: Ballots, client: Client
) -> None:
    login_as(client, _user(journey, "member"))
    header, *rows = _csv(client.get(_url(journey, "ballots:statistics_csv")))
    assert [r[0] for r in rows] == ["Người thử member"]
    header, *rows = _csv(client.get(_url(journey, "ballots:statistics_csv"), {"bang": "phieu"}))
    assert len(rows) == 3
    assert sorted(r[header.index("Tình trạng")] for r in rows) == [
        "Trả lời trễ hạn",
        "Trả lời đúng hạn",
        "Trả lời đúng hạn",
    ]
    workbook = load_workbook(
        io.BytesIO(client.get(_url(journey, "ballots:statistics_xlsx")).content)
    )
    names = [r[0] for r in workbook["Theo thành viên"].iter_rows(min_row=2, values_only=True)]
    assert names == ["Người thử member"]
    assert workbook.sheetnames == ["Theo thành viên", "Theo phiếu"]


def test_formula_like_text_is_neutralised_in_every_export(
    journey: Journey, ballots: Ballots, client: Client
) -> None:
    Ballot.objects.filter(pk=ballots.a.pk).update(title='=HYPERLINK("http://x","y")')
    User.objects.filter(pk=journey.user("member2").pk).update(full_name="@SUM(1+1)")
    Question.objects.filter(ballot=ballots.a, number=1).update(text="+cmd|' /C calc'!A0")
    login_as(client, _user(journey, "office"))
    url = _url(journey, "ballots:statistics_csv")
    members = _csv(client.get(url))
    assert [r[0] for r in members if "SUM" in r[0]] == ["'@SUM(1+1)"]
    ballots_csv = _csv(client.get(url, {"bang": "phieu"}))
    assert any(r[0] == '\'=HYPERLINK("http://x","y")' for r in ballots_csv)
    questions = _csv(client.get(url, {"bang": "cau-hoi"}))
    assert any(r[2] == "'+cmd|' /C calc'!A0" for r in questions)
    assert not any(cell.startswith(("=", "+", "@")) for r in questions for cell in r)

    workbook = load_workbook(
        io.BytesIO(client.get(_url(journey, "ballots:statistics_xlsx")).content)
    )
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    titles = [c.value for c in workbook["Theo phiếu"]["A"]]
    assert '=HYPERLINK("http://x","y")' in titles


def test_every_export_is_titled_with_the_body_and_the_period(
    journey: Journey, ballots: Ballots
) -> None:
    stats = _stats(journey, ballots)
    day = f"{vn_date(ballots.t0):%d/%m/%Y}"
    assert stats_exports.title_of(stats) == (
        f"Thống kê trả lời phiếu lấy ý kiến {journey.world.body.name} từ {day} đến {day}"
    )
    assert [t.key for t in stats_exports.tables_of(stats)] == ["thanh-vien", "phieu", "cau-hoi"]
