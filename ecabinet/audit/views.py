"""The audit trail pages of a body: the list of events and one event with before/after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecabinet.audit.forms import AuditFilterForm
from ecabinet.audit.permissions import can_view_audit
from ecabinet.audit.selectors import audit_event_list_for, audit_event_of_body
from ecabinet.bodies.models import Body
from ecabinet.bodies.selectors import body_for

PAGE_SIZE = 50


def _audited_body(request: HttpRequest, body_code: str) -> Body:
    """The body if the user may read its audit trail: 404 outside it, 403 inside without."""
    body = body_for(request.user, body_code)
    if not can_view_audit(request.user, body):
        raise PermissionDenied
    request.current_body = body  # type: ignore[attr-defined]  # shown by the layout
    return body


@login_required
def event_list(request: HttpRequest, body_code: str) -> HttpResponse:
    body = _audited_body(request, body_code)
    form = AuditFilterForm(request.GET or None)
    # An invalid value is explained next to its field and filters nothing; the valid ones
    # still apply.
    form.is_valid()
    events = audit_event_list_for(request.user, body, filters=form.filters())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {"body": body, "form": form, "page_obj": page, "filtered": form.is_bound},
    )


@dataclass(frozen=True)
class Change:
    """One key of an event's before/after, as text for the page."""

    key: str
    before: str
    after: str
    in_before: bool
    in_after: bool

    @property
    def changed(self) -> bool:
        return (self.in_before, self.before) != (self.in_after, self.after)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(before: Any, after: Any) -> list[Change] | None:
    """Key-by-key comparison when both sides are objects (or absent); None otherwise."""
    if not isinstance(before, dict | None) or not isinstance(after, dict | None):
        return None
    old, new = before or {}, after or {}
    keys = list(old) + [key for key in new if key not in old]
    return [
        Change(
            key=str(key),
            before=_text(old[key]) if key in old else "",
            after=_text(new[key]) if key in new else "",
            in_before=key in old,
            in_after=key in new,
        )
        for key in keys
    ]


@login_required
def event_detail(request: HttpRequest, body_code: str, seq: int) -> HttpResponse:
    body = _audited_body(request, body_code)
    event = audit_event_of_body(request.user, body, seq)
    return render(
        request,
        "audit/event_detail.html",
        {
            "body": body,
            "event": event,
            "changes": changes(event.before, event.after),
            "before_json": json.dumps(event.before, ensure_ascii=False, indent=2),
            "after_json": json.dumps(event.after, ensure_ascii=False, indent=2),
        },
    )
