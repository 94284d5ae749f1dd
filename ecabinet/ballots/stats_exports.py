"""The statistics as tables: CSV (one table), XLSX (every table) and PDF (every table, charts).

The tables are built once (``tables_of``) and every format prints them, so the page, the
spreadsheets and the PDF say the same numbers. Shares are per cent with one decimal, answer
times decimal hours, so a spreadsheet can sum and average them. Text typed by people (a
ballot's title, a question, a name) that a spreadsheet would run as a formula is neutralised
by the ledger's helpers: CSV cells get a leading apostrophe, XLSX cells are stored as text.
The PDF is a printout for reading, not a document to sign: no signature fields.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ecabinet.ballots.statistics import (
    ChoiceCounts,
    Scope,
    Statistics,
    Timeliness,
)
from ecabinet.ballots.stats_charts import choices_chart, timeliness_chart
from ecabinet.core.dates import VN_TZ
from ecabinet.signatures.pdf.fonts import source_font
from ecabinet.signatures.pdf.layout import decree_date_line
from ecabinet.tracking.exports import fill_sheet, safe_text
from ecabinet.tracking.formatting import hours

MEMBERS = "thanh-vien"
BALLOTS = "phieu"
QUESTIONS = "cau-hoi"


@dataclass(frozen=True)
class Table:
    key: str  # the CSV's ``bang`` parameter
    title: str
    header: list[str]
    rows: list[list[Any]]


def _when(value: datetime | None) -> str:
    return value.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if value is not None else ""


def _timeliness_header() -> list[str]:
    return [
        _("Số phiếu được hỏi"),
        _("Trả lời đúng hạn"),
        _("Trả lời trễ hạn"),
        _("Không trả lời"),
        _("Chưa trả lời, còn hạn"),
    ]


def _timeliness(t: Timeliness) -> list[Any]:
    return [t.received, t.on_time, t.late, t.not_answered, t.pending]


def _choices_header() -> list[str]:
    return [
        _("Số ý kiến"),
        _("Đồng ý"),
        _("Không đồng ý"),
        _("Ý kiến khác"),
        _("Đồng ý (%)"),
        _("Không đồng ý (%)"),
        _("Ý kiến khác (%)"),
    ]


def _choices(c: ChoiceCounts) -> list[Any]:
    return [
        c.total,
        c.agree,
        c.disagree,
        c.other,
        c.agree_share,
        c.disagree_share,
        c.other_share,
    ]


def member_table(stats: Statistics) -> Table:
    header = [
        _("Họ và tên"),
        _("Chức danh"),
        *_timeliness_header(),
        _("Tỷ lệ đúng hạn (%)"),
        _("Số lần người được ủy quyền trả lời thay"),
        *_choices_header(),
        _("Thời gian trả lời trung bình (giờ)"),
    ]
    rows = [
        [
            m.name,
            m.title,
            *_timeliness(m.timeliness),
            m.timeliness.on_time_share,
            m.on_behalf,
            *_choices(m.choices),
            hours(m.average_answer_time),
        ]
        for m in stats.members
    ]
    if stats.scope == Scope.ALL:
        rows.append(
            [
                _("Tổng cộng"),
                "",
                *_timeliness(stats.total),
                stats.total.on_time_share,
                sum(m.on_behalf for m in stats.members),
                *_choices(stats.choices),
                hours(stats.average_answer_time),
            ]
        )
    return Table(MEMBERS, _("Theo thành viên"), header, rows)


def ballot_table(stats: Statistics) -> Table:
    header = [
        _("Trích yếu"),
        _("Số, ký hiệu tờ trình"),
        _("Gửi lúc"),
        _("Hạn trả lời"),
        _("Trạng thái"),
        *_timeliness_header(),
        _("Số lần người được ủy quyền trả lời thay"),
        *_choices_header(),
    ]
    rows = [
        [
            b.ballot.title,
            b.ballot.proposal_number,
            _when(b.ballot.sent_at),
            _when(b.ballot.deadline_at),
            b.ballot.get_status_display(),
            *_timeliness(b.timeliness),
            b.on_behalf,
            *_choices(b.choices),
        ]
        for b in stats.ballots
    ]
    return Table(BALLOTS, _("Theo phiếu"), header, rows)


def question_table(stats: Statistics) -> Table:
    header = [
        _("Trích yếu"),
        _("Câu hỏi số"),
        _("Nội dung xin ý kiến"),
        *_choices_header(),
        _("Không trả lời"),
    ]
    rows = [
        [b.ballot.title, q.number, q.text, *_choices(q.choices), q.not_answered]
        for b in stats.ballots
        for q in b.questions
    ]
    return Table(QUESTIONS, _("Theo câu hỏi"), header, rows)


def seat_table(stats: Statistics) -> Table:
    """A member's own seats: one row per ballot they were asked."""
    header = [
        _("Trích yếu"),
        _("Gửi lúc"),
        _("Hạn trả lời"),
        _("Trả lời lúc"),
        _("Tình trạng"),
        _("Người được ủy quyền trả lời thay"),
        _("Đồng ý"),
        _("Không đồng ý"),
        _("Ý kiến khác"),
        _("Thời gian trả lời (giờ)"),
    ]
    rows = [
        [
            s.ballot.title,
            _when(s.ballot.sent_at),
            _when(s.ballot.deadline_at),
            _when(s.answered_at),
            s.state_label,
            _("Có") if s.on_behalf else "",
            s.choices.agree,
            s.choices.disagree,
            s.choices.other,
            hours(s.answer_time),
        ]
        for s in stats.seats
    ]
    return Table(BALLOTS, _("Theo phiếu"), header, rows)


def tables_of(stats: Statistics) -> list[Table]:
    """The tables the user may see, in the order of the page."""
    if stats.scope == Scope.OWN:
        return [member_table(stats), seat_table(stats)]
    return [member_table(stats), ballot_table(stats), question_table(stats)]


def table_keys(scope: Scope) -> list[str]:
    return [MEMBERS, BALLOTS] if scope == Scope.OWN else [MEMBERS, BALLOTS, QUESTIONS]


def title_of(stats: Statistics) -> str:
    return _("Thống kê trả lời phiếu lấy ý kiến %(body)s từ %(start)s đến %(end)s") % {
        "body": stats.body.name,
        "start": stats.period.start.strftime("%d/%m/%Y"),
        "end": stats.period.end.strftime("%d/%m/%Y"),
    }


def export_csv(stats: Statistics, key: str = MEMBERS) -> bytes:
    """One table; UTF-8 with a byte order mark, so spreadsheets read Vietnamese correctly."""
    table = next(t for t in tables_of(stats) if t.key == key)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(stats: Statistics) -> bytes:
    """One sheet per table, each with a bold header row."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    for index, table in enumerate(tables_of(stats)):
        sheet = first if index == 0 else workbook.create_sheet()
        sheet.title = table.title[:31]
        fill_sheet(sheet, table.header, table.rows)
    workbook.properties.title = title_of(stats)
    workbook.properties.created = stats.now.astimezone(VN_TZ).replace(tzinfo=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _font_faces() -> list[dict[str, str]]:
    """The serif the resolutions print with (full Vietnamese coverage)."""
    faces = []
    for style, weight, slant in (
        ("regular", "normal", "normal"),
        ("bold", "bold", "normal"),
        ("italic", "normal", "italic"),
    ):
        faces.append(
            {"url": source_font(style).as_uri(), "weight": weight, "style": slant}  # type: ignore[arg-type]
        )
    return faces


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _numeric(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def render_pdf_html(stats: Statistics) -> str:
    tables = [
        {
            "title": t.title,
            "header": t.header,
            "rows": [[(_cell(v), _numeric(v)) for v in r] for r in t.rows],
        }
        for t in tables_of(stats)
    ]
    return render_to_string(
        "ballots/statistics_pdf.html",
        {
            "stats": stats,
            "title": title_of(stats),
            "tables": tables,
            "member_chart": timeliness_chart(stats.members),
            "ballot_chart": choices_chart(stats.ballots),
            "font_faces": _font_faces(),
            "date_line": decree_date_line(stats.body.place, stats.now) if stats.body.place else "",
            "made_at": _when(stats.now),
        },
    )


def export_pdf(stats: Statistics) -> bytes:
    """A4 landscape; the body's name, the period, the charts and the tables."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf = HTML(string=render_pdf_html(stats)).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
