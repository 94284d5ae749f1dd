"""The dashboard's table as CSV and XLSX: the same columns and numbers as on the page.

Handling times are decimal hours, so a spreadsheet can sum and average them. Text cells
that a spreadsheet would run as a formula (a name starting with "=", "+", "-" or "@") are
neutralised: CSV cells get a leading apostrophe, XLSX cells are stored as plain text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ecabinet.core.dates import VN_TZ
from ecabinet.tracking.formatting import hours
from ecabinet.tracking.selectors import Dashboard, Figures

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers(dashboard: Dashboard, *, first: str) -> list[str]:
    return [
        first,
        _("Đơn vị"),
        _("Số việc"),
        _("Đã xử lý"),
        _("Xử lý trễ hạn"),
        _("Đang xử lý"),
        _("Quá hạn"),
        _("Tồn quá %(n)s ngày làm việc") % {"n": dashboard.policy.old_item_days},
        _("Đã hủy"),
        _("Thời gian xử lý trung bình (giờ)"),
        _("Thời gian xử lý lâu nhất (giờ)"),
    ]


def row_values(figures: Figures, *, name: str, unit: str) -> list[Any]:
    return [
        name,
        unit,
        figures.assigned,
        figures.done,
        figures.done_late,
        figures.open,
        figures.overdue,
        figures.old,
        figures.cancelled,
        hours(figures.average),
        hours(figures.worst),
    ]


def people_rows(dashboard: Dashboard) -> list[list[Any]]:
    rows = [row_values(p, name=p.name, unit=p.unit_name) for p in dashboard.people]
    rows.append(row_values(dashboard.total, name=_("Tổng cộng"), unit=""))
    return rows


def unit_rows(dashboard: Dashboard) -> list[list[Any]]:
    rows = [row_values(u, name=u.name or _("Không thuộc đơn vị"), unit="") for u in dashboard.units]
    rows.append(row_values(dashboard.total, name=_("Tổng cộng"), unit=""))
    # The unit column repeats the name in the per-unit table: drop it.
    return [[r[0], *r[2:]] for r in rows]


def safe_text(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (a leading apostrophe)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(dashboard: Dashboard) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheet programs read Vietnamese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(dashboard, first=_("Họ và tên")))
    for row in people_rows(dashboard):
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(dashboard: Dashboard) -> bytes:
    """Two sheets: per person and per unit, each with a bold header row."""
    workbook = Workbook()
    people = workbook.active
    assert people is not None
    people.title = _("Theo người")[:31]
    fill_sheet(people, headers(dashboard, first=_("Họ và tên")), people_rows(dashboard))
    units = workbook.create_sheet(_("Theo đơn vị")[:31])
    unit_headers = headers(dashboard, first=_("Đơn vị"))
    fill_sheet(units, [unit_headers[0], *unit_headers[2:]], unit_rows(dashboard))
    workbook.properties.title = _("Thời gian xử lý công việc từ %(start)s đến %(end)s") % {
        "start": dashboard.period.start.strftime("%d/%m/%Y"),
        "end": dashboard.period.end.strftime("%d/%m/%Y"),
    }
    workbook.properties.created = dashboard.now.astimezone(VN_TZ).replace(tzinfo=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_sheet(sheet: Any, header: list[str], rows: list[list[Any]]) -> None:
    """A bold header row, then the rows; text cells are stored as text, never formulas."""
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 32
