"""The ballots statistics of a body: the page with its charts, and its CSV, XLSX, PDF exports.

Another body is a 404 (``body_for``); inside the body, those who follow every ballot (the
Office, the chair, the system administrator) see everyone's figures, a member with a seat
sees only their own, everyone else gets a 403 (``statistics.statistics_scope``). A bad
period is a 400 with the form's message, never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from ecabinet.ballots import stats_exports
from ecabinet.ballots.statistics import Scope, Statistics, statistics_for, statistics_scope
from ecabinet.ballots.stats_charts import choices_chart, timeliness_chart
from ecabinet.bodies.models import Body
from ecabinet.bodies.selectors import body_for
from ecabinet.core.dates import vn_date
from ecabinet.core.pages import download
from ecabinet.tracking.forms import PeriodForm

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


TABLE_CHOICES = [
    (stats_exports.MEMBERS, gettext_lazy("Theo thành viên")),
    (stats_exports.BALLOTS, gettext_lazy("Theo phiếu")),
    (stats_exports.QUESTIONS, gettext_lazy("Theo câu hỏi")),
]


class TableForm(forms.Form):
    """``?bang=phieu``: which table the CSV holds (one CSV, one table)."""

    bang = forms.ChoiceField(
        label=gettext_lazy("Bảng"),
        required=False,
        choices=TABLE_CHOICES,
        error_messages={"invalid_choice": gettext_lazy("Không có bảng số liệu «%(value)s».")},
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keys = stats_exports.table_keys(scope)
        field = self.fields["bang"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [c for c in TABLE_CHOICES if c[0] in keys]


def _statistics_body(request: HttpRequest, code: str) -> tuple[Body, Scope]:
    body = body_for(request.user, code)  # another body: 404
    scope = statistics_scope(request.user, body)
    if scope is None:
        raise PermissionDenied
    return body, scope


def _statistics(request: HttpRequest, body: Body) -> tuple[PeriodForm, Statistics | None]:
    now = timezone.now()
    form = PeriodForm(request.GET, today=vn_date(now))
    if not form.is_valid():
        return form, None
    period = form.cleaned_data["period"]
    # Show the period actually used (the defaults too) in the filter's fields.
    shown = PeriodForm(
        {"tu": period.start.isoformat(), "den": period.end.isoformat()}, today=vn_date(now)
    )
    return shown, statistics_for(request.user, body, period, now)


def _errors(*forms_: forms.Form) -> HttpResponse:
    errors = "; ".join(str(e) for f in forms_ for errs in f.errors.values() for e in errs)
    return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")


@require_safe
@login_required
def statistics(request: HttpRequest, code: str) -> HttpResponse:
    body, scope = _statistics_body(request, code)
    form, stats = _statistics(request, body)
    query = request.GET.copy()
    query.pop("bang", None)
    context: dict[str, Any] = {
        "body": body,
        "form": form,
        "stats": stats,
        "scope": scope,
        "member_chart": timeliness_chart(stats.members) if stats else None,
        "ballot_chart": choices_chart(stats.ballots) if stats else None,
        "query": query.urlencode(),
    }
    status = 200 if stats is not None else 400
    return render(request, "ballots/statistics.html", context, status=status)


def _export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    body, scope = _statistics_body(request, code)
    form, stats = _statistics(request, body)
    table = TableForm(request.GET, scope=scope)
    if stats is None or not table.is_valid():
        return _errors(form, table)
    key = table.cleaned_data["bang"] or stats_exports.MEMBERS
    period = stats.period
    name = f"thong-ke-phieu-{body.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "csv":
        data = stats_exports.export_csv(stats, key)
        mime = "text/csv; charset=utf-8"
        name = f"{name}-{key}"
    elif fmt == "xlsx":
        data = stats_exports.export_xlsx(stats)
        mime = XLSX_MIME
    else:
        data = stats_exports.export_pdf(stats)
        mime = "application/pdf"
    return download(data, mime, f"{name}.{fmt}")


@require_safe
@login_required
def export_csv(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, code, "csv")


@require_safe
@login_required
def export_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, code, "xlsx")


@require_safe
@login_required
def export_pdf(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, code, "pdf")
