"""URL patterns of the meetings app's screens pages (joined into `meetings/urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from ecabinet.meetings import live_views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/phien-hop/", live_views.live_member, name="live_member"),
    path("<int:pk>/dieu-hanh/", live_views.live_chair, name="live_chair"),
    path("<int:pk>/thu-ky/", live_views.live_secretary, name="live_secretary"),
    path("<int:pk>/man-chieu/", live_views.live_projector, name="live_projector"),
]
