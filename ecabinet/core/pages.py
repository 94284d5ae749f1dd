"""Small building blocks of thin views, shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
