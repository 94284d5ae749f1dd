"""Keep half-logged-in users (password passed, second factor not yet) on the second step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ecabinet.accounts.selectors import SecondFactorStep
from ecabinet.accounts.session import pending_second_factor

# The pages a user may reach before the second factor: the steps themselves, logout, and
# what those pages load (language switch, JavaScript catalogue).
EXEMPT_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:otp",
        "accounts:otp_setup",
        "accounts:logout",
        "accounts:set_language",
        "set_language",
        "javascript-catalog",
    }
)


class SecondFactorMiddleware:
    """Redirect an authenticated but unverified user who needs a second factor.

    Goes right after django_otp.middleware.OTPMiddleware. Users with an authenticator are
    sent to the code step, users who must have one to enrolment; everyone else passes.
    Sessions opened by any other path (the Django admin's login form, for one) are caught
    here too, because the check is on the session, not on how it was opened.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        step = pending_second_factor(request)
        if step is None:
            return None
        target = reverse("accounts:otp" if step is SecondFactorStep.OTP else "accounts:otp_setup")
        if request.headers.get("HX-Request") == "true":
            # A fragment request: make htmx load the step as a whole page.
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(target)
