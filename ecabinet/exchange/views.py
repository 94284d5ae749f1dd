"""Pages of the outbox: the body's outgoing edXML messages, and each message's file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body
from ecabinet.bodies.selectors import body_for
from ecabinet.core.pages import download
from ecabinet.exchange import permissions as perms
from ecabinet.exchange import selectors, services
from ecabinet.exchange.models import OutgoingMessage

PAGE_SIZE = 50
EDXML_MIME = "application/xml"


def _outbox_body(request: HttpRequest, code: str) -> Body:
    body = body_for(request.user, code)  # another body: 404
    if not perms.can_view_outbox(request.user, body):
        raise PermissionDenied
    return body


@require_safe
@login_required
def outbox(request: HttpRequest, code: str) -> HttpResponse:
    """The body's outbox, newest first, filtered by status (``?trang-thai=``)."""
    body = _outbox_body(request, code)
    status = request.GET.get("trang-thai", "")
    if status not in OutgoingMessage.Status.values:
        status = ""
    messages = selectors.outbox_list_for(request.user, body, status=status or None)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("trang"))
    counts = selectors.outbox_counts(request.user, body)
    return render(
        request,
        "exchange/outbox.html",
        {
            "body": body,
            "page_obj": page,
            "status": status,
            "statuses": [
                (value, label, counts[value]) for value, label in OutgoingMessage.Status.choices
            ],
            "total": sum(counts.values()),
        },
    )


@require_safe
@login_required
def message_file(request: HttpRequest, code: str, pk: str) -> HttpResponse:
    """The .edxml file of one message, as it will travel to the axis."""
    body = _outbox_body(request, code)
    message = selectors.outgoing_get(request.user, body, pk)
    assert isinstance(request.user, User)
    data = services.outgoing_message_bytes(actor=request.user, message=message)
    return download(data, EDXML_MIME, message.file_name())
