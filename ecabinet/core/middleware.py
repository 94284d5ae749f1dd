"""Request id for the audit trail, and domain errors shown as pages instead of 500s."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecabinet.core import request_context
from ecabinet.core.errors import DomainError


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_context.bind(request_context.RequestContext(rid, client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = rid
        return response


class DomainErrorMiddleware:
    """A DomainError that escapes a view becomes a 409 page with its message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if getattr(request, "htmx", False):
            # htmx does not swap error responses: reload the page, which shows the message.
            messages.error(request, str(exception.message))
            response = HttpResponse(str(exception.message), status=exception.status_code)
            response["HX-Refresh"] = "true"
            return response
        # A full page shows the message itself; adding it to messages would show it twice.
        return render(
            request,
            "errors/409.html",
            {"message": exception.message},
            status=exception.status_code,
        )
