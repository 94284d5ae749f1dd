"""Home page, web app manifest and error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ecabinet.core.shell import shell_for
from ecabinet.core.waiting import registry as waiting

# The header's deep red; also the browser's toolbar colour on phones (see app.css --brand).
THEME_COLOR = "#8c1c13"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Greeting, the user's bodies and what is waiting for them."""
    return render(
        request,
        "core/home.html",
        {
            # Shared with the header: one query for both.
            "memberships": shell_for(request).memberships,
            "sections": waiting.waiting_for(request.user),  # type: ignore[arg-type]
            "today": timezone.now(),
        },
    )


@require_safe
@cache_control(public=True, max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest, so phones can install eCabinet on the home screen."""
    icons = [
        {"src": static("ecabinet/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("ecabinet/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("ecabinet/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("ecabinet/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    data = {
        "id": "/",
        "name": "eCabinet",
        "short_name": "eCabinet",
        "description": _("Hệ thống thông tin phục vụ họp và xử lý công việc"),
        "lang": translation.get_language() or "vi",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": icons,
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale form or an expired session: offer to reload the page the form was on."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        reload_url = referer
    elif request.method in ("GET", "HEAD"):
        reload_url = request.get_full_path()
    else:
        # Reloading a POST-only address would answer 405: go home instead.
        reload_url = reverse("core:home")
    return render(request, "errors/403_csrf.html", {"reload_url": reload_url}, status=403)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors: the database may be what failed."""
    template = loader.get_template("errors/500.html")
    return HttpResponseServerError(
        template.render({"request_id": getattr(request, "request_id", "")})
    )
