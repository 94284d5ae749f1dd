from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

handler403 = "ecabinet.core.views.forbidden"
handler404 = "ecabinet.core.views.not_found"
handler500 = "ecabinet.core.views.server_error"

urlpatterns = [
    path("", include("ecabinet.core.urls")),
    path("tai-khoan/", include("ecabinet.accounts.urls")),
    path("co-quan/", include("ecabinet.bodies.urls")),
    path("nhat-ky/", include("ecabinet.audit.urls")),
    path("thong-bao/", include("ecabinet.notifications.urls")),
    path("chu-ky/", include("ecabinet.signatures.urls")),
    path("tai-lieu/", include("ecabinet.documents.urls")),
    path("theo-doi/", include("ecabinet.tracking.urls")),
    path("phieu-lay-y-kien/", include("ecabinet.ballots.urls")),
    path("cuoc-hop/", include("ecabinet.meetings.urls")),
    path("nghi-quyet/", include("ecabinet.resolutions.urls")),
    path("trao-doi/", include("ecabinet.exchange.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # The admin's own login form would bypass lockout and the login log: use ours.
    path(
        "quan-tri-django/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
    path("quan-tri-django/", admin.site.urls),
]
