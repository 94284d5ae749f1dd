"""The user's notifications: list, mark one read (and open it), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ecabinet.accounts.models import User
from ecabinet.notifications.selectors import notification_for, notification_list_for
from ecabinet.notifications.services import notification_mark_all_read, notification_mark_read

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by login_required
    return user


@require_safe
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("loc") == "chua-doc"
    page = Paginator(notification_list_for(_user(request), unread_only=unread_only), PAGE_SIZE)
    return render(
        request,
        "notifications/list.html",
        {"page": page.get_page(request.GET.get("trang")), "unread_only": unread_only},
    )


@require_POST
@login_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read; with ``open`` set, go on to the notification's page (a local URL only)."""
    user = _user(request)
    notification = notification_mark_read(user=user, notification=notification_for(user, pk))
    target = notification.url
    if (
        request.POST.get("open")
        and target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(target)
    return redirect(_back_to_list(request))


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(user=_user(request))
    if count:
        messages.success(request, _("Đã đánh dấu tất cả thông báo là đã đọc."))
    return redirect(_back_to_list(request))


def _back_to_list(request: HttpRequest) -> str:
    """The list page the form was on (filter and page kept), or the list itself."""
    back = request.POST.get("next", "")
    list_url = reverse("notifications:list")
    if back.startswith(list_url) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back
    return list_url
