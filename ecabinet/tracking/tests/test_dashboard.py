"""The dashboard's figures, its chart, and the exports that must say the same."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.tracking import exports, services
from ecabinet.tracking.charts import LABEL_WIDTH, PLOT_WIDTH, handling_chart
from ecabinet.tracking.selectors import Dashboard, Period, dashboard_for
from ecabinet.tracking.stages import Policy
from ecabinet.tracking.tests.conftest import Assign, user, vn

pytestmark = pytest.mark.django_db

MON = vn(2025, 10, 6, 9)
NOW = vn(2025, 10, 8, 9)  # Wednesday, 48 hours later
PERIOD = Period(date(2025, 10, 1), date(2025, 10, 31))


@pytest.fixture
def ledger(world: World, assign: Assign) -> None:
    """member: one done in 6 h, one open for 48 h (overdue). chair: one done late in 30 h.
    office: one withdrawn. One of the member's, finished in September, is outside."""
    member, chair = user(world, "member"), user(world, "chair")
    quick = assign("member", at=MON, due=MON + timedelta(days=1), subject_id="1")
    with time_machine.travel(MON + timedelta(hours=6), tick=False):
        services.assignment_done(actor=member, assignment=quick)
    assign("member", at=MON, due=MON + timedelta(days=1), subject_id="2")
    late = assign("chair", at=MON, due=MON + timedelta(hours=2), subject_id="3")
    with time_machine.travel(MON + timedelta(hours=30), tick=False):
        services.assignment_done(actor=chair, assignment=late)
    withdrawn = assign("office", at=MON, due=MON + timedelta(days=1), subject_id="4")
    with time_machine.travel(MON + timedelta(hours=1), tick=False):
        services.assignment_cancel(actor=None, assignment=withdrawn, reason="Rút phiếu")
    old = assign("member", at=vn(2025, 9, 1, 9), due=vn(2025, 9, 20, 9), subject_id="5")
    with time_machine.travel(vn(2025, 9, 10, 9), tick=False):
        services.assignment_done(actor=member, assignment=old)


def _dashboard(world: World, policy: Policy | None = None, period: Period = PERIOD) -> Dashboard:
    return dashboard_for(user(world, "office"), world.body, period, policy or Policy(), NOW)


@pytest.mark.usefixtures("ledger")
def test_figures_per_person_unit_and_body(world: World) -> None:
    d = _dashboard(world)
    people = {f.name: f for f in d.people}
    # In order of precedence: chair, office, member.
    assert [f.name for f in d.people] == ["Người thử chair", "Người thử office", "Người thử member"]
    member = people["Người thử member"]
    assert (member.assigned, member.done, member.open, member.overdue) == (2, 1, 1, 1)
    assert member.average == timedelta(hours=27)  # (6 h + 48 h) / 2
    assert member.worst == timedelta(hours=48)
    assert member.unit_name == "Bộ Thử nghiệm"
    chair = people["Người thử chair"]
    assert (chair.done, chair.done_late, chair.average) == (1, 1, timedelta(hours=30))
    office = people["Người thử office"]
    assert (office.assigned, office.cancelled, office.average) == (1, 1, None)
    units = {f.name: f for f in d.units}
    assert units["Bộ Thử nghiệm"].assigned == 2
    assert units[""].assigned == 2  # chair and office have no unit
    assert (d.total.assigned, d.total.open, d.total.overdue) == (4, 1, 1)
    assert d.total.worst == timedelta(hours=48)


@pytest.mark.usefixtures("ledger")
def test_old_items_are_flagged_by_working_days_held(world: World) -> None:
    # Held from Monday 09:00 to Wednesday 09:00: two working days.
    assert _dashboard(world, Policy(old_item_days=2)).old_items == []
    d = _dashboard(world, Policy(old_item_days=1))
    assert [a.subject_id for a in d.old_items] == ["2"]
    assert d.total.old == 1


@pytest.mark.usefixtures("ledger")
def test_the_period_takes_items_held_during_it(world: World) -> None:
    september = _dashboard(world, period=Period(date(2025, 9, 1), date(2025, 9, 30)))
    assert september.total.assigned == 1  # the one finished on 10 September
    early = _dashboard(world, period=Period(date(2025, 9, 11), date(2025, 10, 5)))
    assert early.total.assigned == 0  # finished before, assigned after
    last_day = _dashboard(world, period=Period(date(2025, 10, 6), date(2025, 10, 6)))
    assert last_day.total.assigned == 4


@pytest.mark.usefixtures("ledger")
def test_chart_bars_are_proportional_to_average_with_the_worst_marked(world: World) -> None:
    chart = handling_chart(_dashboard(world).people)
    assert chart is not None
    assert chart.unit == "giờ"
    # The office's withdrawn item has no handling time: no bar.
    assert [b.name for b in chart.bars] == ["Người thử chair", "Người thử member"]
    chair, member = chart.bars
    assert (chair.average, member.average, member.worst) == (
        "1 ngày 6 giờ",
        "1 ngày 3 giờ",
        "2 ngày",
    )
    # Axis up to 50 hours (steps of 10): 27 h is 27/50 of the plot.
    assert chart.ticks[-1].label == "50"
    assert member.width == pytest.approx(PLOT_WIDTH * 27 / 50, abs=0.1)
    assert member.worst_x == pytest.approx(LABEL_WIDTH + PLOT_WIDTH * 48 / 50, abs=0.1)
    assert member.flagged
    assert not chair.flagged
    assert handling_chart([]) is None


@pytest.mark.usefixtures("ledger")
def test_csv_export_parses_back_to_the_same_table(world: World) -> None:
    d = _dashboard(world)
    data = exports.export_csv(d)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "Họ và tên"
    assert rows[0][7] == "Tồn quá 7 ngày làm việc"
    member = next(r for r in rows if r[0] == "Người thử member")
    assert member[1:] == ["Bộ Thử nghiệm", "2", "1", "0", "1", "1", "0", "0", "27.0", "48.0"]
    office = next(r for r in rows if r[0] == "Người thử office")
    assert office[-2:] == ["", ""]
    assert rows[-1][0] == "Tổng cộng"
    assert len(rows) == 1 + len(d.people) + 1


@pytest.mark.usefixtures("ledger")
def test_xlsx_export_parses_back_with_both_tables(world: World) -> None:
    d = _dashboard(world)
    book = load_workbook(io.BytesIO(exports.export_xlsx(d)))
    assert book.sheetnames == ["Theo người", "Theo đơn vị"]
    people = [list(r) for r in book["Theo người"].iter_rows(values_only=True)]
    assert people[0][0] == "Họ và tên"
    member = next(r for r in people if r[0] == "Người thử member")
    assert member[1:] == ["Bộ Thử nghiệm", 2, 1, 0, 1, 1, 0, 0, 27.0, 48.0]
    units = [list(r) for r in book["Theo đơn vị"].iter_rows(values_only=True)]
    assert units[0][:3] == ["Đơn vị", "Số việc", "Đã xử lý"]
    assert ["Bộ Thử nghiệm", 2, 1, 0, 1, 1, 0, 0, 27.0, 48.0] in units
    assert units[-1][0] == "Tổng cộng"


def test_exports_never_carry_a_formula(world: World, assign: Assign) -> None:
    member = user(world, "member")
    member.full_name = '=HYPERLINK("http://x")'
    member.save()
    assign("member", at=MON, due=MON + timedelta(days=1))
    d = _dashboard(world)
    text = exports.export_csv(d).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(exports.export_xlsx(d)))["Theo người"]
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


@pytest.mark.usefixtures("ledger")
def test_dashboard_page_shows_the_figures_chart_and_overdue_in_red(
    world: World, client: Client
) -> None:
    login_as(client, world.user("office"))
    url = f"/theo-doi/{world.body.code}/?tu=2025-10-01&den=2025-10-31"
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="img"' in html
    assert html.count('class="chart-bar"') == 2
    assert "Thời gian xử lý theo thành viên" in html
    assert '<tr class="overdue">' in html  # the member's row
    assert "Cần đôn đốc" in html
    assert "1 ngày 3 giờ" in html
    assert "xuat.csv?tu=2025-10-01&amp;den=2025-10-31" in html
    with time_machine.travel(NOW, tick=False):
        csv_response = client.get(f"/theo-doi/{world.body.code}/xuat.csv?tu=2025-10-01")
        xlsx_response = client.get(f"/theo-doi/{world.body.code}/xuat.xlsx?tu=2025-10-01")
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "thoi-gian-xu-ly-chinh-phu-thu-20251001-20251008.csv"
        in (csv_response["Content-Disposition"])
    )
    assert xlsx_response.content.startswith(b"PK")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tu=2025-13-45", "Ngày không hợp lệ"),
        ("den=hom-qua", "Ngày không hợp lệ"),
        ("tu=2025-10-31&den=2025-10-01", "Ngày bắt đầu phải trước"),
        ("tu=2019-01-01&den=2025-10-01", "tối đa là 3 năm"),
    ],
    ids=["bad-month", "not-a-date", "reversed", "too-long"],
)
def test_bad_dates_are_a_clear_400(world: World, client: Client, query: str, message: str) -> None:
    login_as(client, world.user("office"))
    page = client.get(f"/theo-doi/{world.body.code}/?{query}")
    assert page.status_code == 400
    assert message in page.content.decode()
    export = client.get(f"/theo-doi/{world.body.code}/xuat.csv?{query}")
    assert export.status_code == 400
    assert message in export.content.decode()
