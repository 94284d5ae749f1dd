"""The user's calendar of meetings (month list or grid, no script needed), its iCalendar
export, and the search over a body's meetings. Bad input answers 400 with the reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.selectors import body_for
from ecabinet.core.dates import vn_date
from ecabinet.core.pages import download
from ecabinet.meetings import calendar, selectors
from ecabinet.meetings import permissions as perms
from ecabinet.meetings.models import Meeting

WEEKDAYS = (
    gettext_lazy("Thứ Hai"),
    gettext_lazy("Thứ Ba"),
    gettext_lazy("Thứ Tư"),
    gettext_lazy("Thứ Năm"),
    gettext_lazy("Thứ Sáu"),
    gettext_lazy("Thứ Bảy"),
    gettext_lazy("Chủ nhật"),
)
SEARCH_PAGE = 20


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _month(raw: str | None) -> date | None:
    """``2026-05`` → 1 May 2026; None when it is not a month between 2000 and 2100."""
    if raw is None or raw == "":
        return vn_date(timezone.now()).replace(day=1)
    parts = raw.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


@require_safe
@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The user's meetings of one month (``?thang=YYYY-MM``) as a list by day, or a grid
    (``?xem=luoi``), with the next meetings beside."""
    user = _user(request)
    first = _month(request.GET.get("thang"))
    view = request.GET.get("xem", "danh-sach")
    if first is None or view not in ("danh-sach", "luoi"):
        return render(
            request,
            "meetings/calendar.html",
            {
                "error": _("Tháng không hợp lệ: hãy chọn tháng dạng năm-tháng, ví dụ 2026-05."),
                "view": "danh-sach",
            },
            status=400,
        )
    context: dict[str, Any] = {
        "month": calendar.calendar_month(user, first.year, first.month),
        "upcoming": calendar.upcoming_for(user, limit=5),
        "view": view,
        "weekdays": WEEKDAYS,
    }
    return render(request, "meetings/calendar.html", context)


@require_safe
@login_required
def calendar_ics(request: HttpRequest) -> HttpResponse:
    """The user's meetings not over yet as an iCalendar file (RFC 5545) to import."""
    user = _user(request)
    meetings = calendar.ics_meetings_for(user)
    urls = {
        m.pk: request.build_absolute_uri(reverse("meetings:detail", kwargs={"pk": m.pk}))
        for m in meetings
    }
    text = calendar.ics_calendar(
        meetings,
        url_for=urls,
        name=_("Lịch họp của %(name)s") % {"name": user.full_name or user.username},
    )
    response = download(text.encode("utf-8"), "text/calendar; charset=utf-8", "lich-hop.ics")
    return response


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Từ khóa"),
        max_length=calendar.SEARCH_TEXT_MAX,
        required=False,
        help_text=gettext_lazy("Tìm trong tên cuộc họp, tên và tóm tắt các nội dung họp."),
        error_messages={"max_length": gettext_lazy("Từ khóa dài tối đa %(limit_value)d ký tự.")},
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Trạng thái"),
        choices=[("", gettext_lazy("Tất cả")), *Meeting.Status.choices],
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Trạng thái không hợp lệ.")},
    )
    date_from = forms.DateField(
        label=gettext_lazy("Từ ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Ngày không hợp lệ (dạng năm-tháng-ngày).")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("Đến ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Ngày không hợp lệ (dạng năm-tháng-ngày).")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
        return cleaned


@require_safe
@login_required
def search(request: HttpRequest, code: str) -> HttpResponse:
    """Search the body's meetings the user may open: status, dates and words (accents
    optional), 20 a page."""
    user = _user(request)
    body = body_for(user, code)
    if not perms.can_use_meetings(user, body):
        raise PermissionDenied
    params = {
        k: request.GET[k] for k in ("q", "status", "date_from", "date_to") if k in request.GET
    }
    form = SearchForm(params or None)
    context: dict[str, Any] = {"body": body, "form": form, "searched": bool(params)}
    if not params:
        return render(request, "meetings/search.html", context)
    if not form.is_valid():
        return render(request, "meetings/search.html", context, status=400)
    data = form.cleaned_data
    result = calendar.meeting_search(
        user,
        body,
        text=data["q"],
        status=data["status"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )
    page = Paginator(result.ids, SEARCH_PAGE).get_page(request.GET.get("page"))
    found = selectors.meeting_list_for(user, body).in_bulk(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        {
            "page": page,
            "meetings": [found[pk] for pk in page.object_list if pk in found],
            "total": len(result.ids),
            "truncated": result.truncated,
            "query": query.urlencode(),
        }
    )
    return render(request, "meetings/search.html", context)
