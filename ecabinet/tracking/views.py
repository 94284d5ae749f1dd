"""Pages of the ledger: my items, a body's dashboard and its exports, a subject's route,
the body's reminder policy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body
from ecabinet.bodies.selectors import body_for
from ecabinet.core.dates import vn_date
from ecabinet.core.errors import DomainError
from ecabinet.core.pages import download
from ecabinet.tracking import exports, selectors, services
from ecabinet.tracking import permissions as perms
from ecabinet.tracking.charts import handling_chart
from ecabinet.tracking.forms import PeriodForm, SettingsForm, settings_initial
from ecabinet.tracking.models import TrackingSettings
from ecabinet.tracking.services import CODE_PATTERN, SUBJECT_ID_PATTERN
from ecabinet.tracking.stages import Policy

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The user's own items: open ones (overdue first in red), and the last month's."""
    user = _user(request)
    now = timezone.now()
    return render(
        request,
        "tracking/mine.html",
        {
            "open_items": list(selectors.open_assignments_for(user)),
            "closed_items": list(selectors.recent_closed_for(user, now)[:50]),
            "dashboards": selectors.dashboard_bodies_for(user),
            "now": now,
        },
    )


def _dashboard_body(request: HttpRequest, code: str) -> Body:
    body = body_for(request.user, code)  # another body: 404
    if not perms.can_view_dashboard(request.user, body):
        raise PermissionDenied
    return body


def _figures(
    request: HttpRequest, body: Body
) -> tuple[PeriodForm, selectors.Dashboard | None, Policy]:
    now = timezone.now()
    form = PeriodForm(request.GET, today=vn_date(now))
    policy = services.policy_for(body)
    if not form.is_valid():
        return form, None, policy
    period = form.cleaned_data["period"]
    # Show the period actually used (the defaults too) in the filter's fields.
    shown = PeriodForm(
        {"tu": period.start.isoformat(), "den": period.end.isoformat()}, today=vn_date(now)
    )
    return shown, selectors.dashboard_for(request.user, body, period, policy, now), policy


@require_safe
@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    body = _dashboard_body(request, code)
    form, figures, policy = _figures(request, body)
    context: dict[str, Any] = {
        "body": body,
        "form": form,
        "dashboard": figures,
        "policy": policy,
        "chart": handling_chart(figures.people) if figures else None,
        "can_configure": perms.can_configure_tracking(request.user, body),
        "query": request.GET.urlencode(),
    }
    status = 200 if figures is not None else 400
    return render(request, "tracking/dashboard.html", context, status=status)


def _export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    body = _dashboard_body(request, code)
    form, figures, _policy = _figures(request, body)
    if figures is None:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    period = figures.period
    name = f"thoi-gian-xu-ly-{body.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    if fmt == "csv":
        return download(exports.export_csv(figures), "text/csv; charset=utf-8", name)
    return download(exports.export_xlsx(figures), XLSX_MIME, name)


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
def route(request: HttpRequest, code: str, subject_type: str, subject_id: str) -> HttpResponse:
    """Who held the subject, in order, and for how long."""
    body = _dashboard_body(request, code)
    if not (CODE_PATTERN.match(subject_type) and SUBJECT_ID_PATTERN.match(subject_id)):
        raise Http404
    steps = selectors.route_for(request.user, body, subject_type, subject_id)
    return render(
        request,
        "tracking/route.html",
        {"body": body, "steps": steps, "subject_title": steps[-1].assignment.title},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def body_settings(request: HttpRequest, code: str) -> HttpResponse:
    body = body_for(request.user, code)
    user = _user(request)
    if not perms.can_configure_tracking(user, body):
        raise PermissionDenied
    row = TrackingSettings.objects.filter(body=body).first()
    policy = Policy.of(row)
    initial = {
        **settings_initial([o.as_json() for o in policy.remind_before]),
        "at_deadline": policy.at_deadline,
        "daily_after": policy.daily_after,
        "escalate_to_office": policy.escalate_to_office,
        "old_item_days": policy.old_item_days,
        "version": row.version if row else 0,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.tracking_settings_update(
                    actor=user,
                    body=body,
                    remind_before=data["remind_before"],
                    at_deadline=data["at_deadline"],
                    daily_after=data["daily_after"],
                    escalate_to_office=data["escalate_to_office"],
                    old_item_days=data["old_item_days"],
                    version=data["version"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã lưu cấu hình nhắc việc."))
                if perms.can_view_dashboard(user, body):
                    return redirect("tracking:dashboard", code=body.code)
                return redirect("tracking:settings", code=body.code)
        return render(request, "tracking/settings.html", {"body": body, "form": form}, status=400)
    return render(request, "tracking/settings.html", {"body": body, "form": form})
