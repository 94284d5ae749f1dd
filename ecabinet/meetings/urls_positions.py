"""URL patterns of the meetings app's positions pages (joined into `meetings/urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from ecabinet.meetings import calendar_views, positions_views

urlpatterns: list[URLPattern] = [
    # Pre-meeting positions and the agenda's consent and discussion blocks.
    path("<int:pk>/y-kien/", positions_views.positions_page, name="positions"),
    path("<int:pk>/nhom-noi-dung/", positions_views.blocks, name="blocks"),
    path(
        "<int:pk>/nhom-noi-dung/<int:item>/chuyen/",
        positions_views.block_move,
        name="block_move",
    ),
    path(
        "<int:pk>/nhom-noi-dung/chia-lai/",
        positions_views.blocks_recompute,
        name="blocks_recompute",
    ),
    # The user's calendar, its iCalendar export, and the search in a body.
    path("lich/", calendar_views.calendar_page, name="calendar"),
    path("lich/lich-hop.ics", calendar_views.calendar_ics, name="calendar_ics"),
    path("co-quan/<slug:code>/tim-kiem/", calendar_views.search, name="search"),
]
