"""Small building blocks of thin views, shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecabinet.core.errors import DomainError


def form_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    act: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """A form page (``context["form"]``): on a valid POST run ``act(cleaned_data)``, which
    calls the service and returns the response (a redirect); a refusal (DomainError) becomes
    the form's error, and a page with errors answers 400 so that nothing is taken as done."""
    form = context["form"]
    if request.method != "POST":
        return render(request, template, context)
    if form.is_valid():
        try:
            return act(form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
    return render(request, template, context, status=400)


def download(data: bytes | str, mime: str, filename: str) -> HttpResponse:
    """A file to save (exports, signed PDFs, attachments): never cached, never sniffed, its
    name in RFC 6266 form so that Vietnamese letters survive."""
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
