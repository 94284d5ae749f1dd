from django.urls import path

from ecabinet.accounts import views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("xac-thuc/", views.otp_view, name="otp"),
    path("thiet-lap-xac-thuc/", views.otp_setup_view, name="otp_setup"),
    path("ma-khoi-phuc/", views.recovery_codes_view, name="recovery_codes"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("doi-mat-khau/", views.password_change_view, name="password_change"),
    path("bao-mat/", views.security_view, name="security"),
    path("ngon-ngu/", views.set_language_view, name="set_language"),
    path("nhat-ky-dang-nhap/", views.login_log_view, name="login_log"),
]

# Step-up before signing (docs/decisions/0601-step-up.md).
from ecabinet.accounts import stepup_views  # noqa: E402

urlpatterns += [
    path("ky-so/<int:challenge_id>/", stepup_views.stepup_view, name="stepup"),
    path(
        "ky-so/phien-ky/<int:window_id>/dong/",
        stepup_views.signing_window_close_view,
        name="signing_window_close",
    ),
]
