"""URL patterns of the meetings app's live pages (joined into `meetings/urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from ecabinet.meetings.live import views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/ky-bieu-quyet/", views.live_signing, name="live_signing"),
    path("<int:pk>/diem-danh.csv", views.live_attendance_csv, name="live_attendance_csv"),
    path(
        "<int:pk>/noi-dung/<int:item>/ket-luan/tep/",
        views.live_conclusion_attachment,
        name="live_conclusion_attachment",
    ),
]
