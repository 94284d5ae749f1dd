"""WebSocket routes of every app."""

from django.urls import path

from ecabinet.meetings.live.consumers import MeetingConsumer
from ecabinet.notifications.consumers import NotificationCountConsumer

websocket_urlpatterns = [
    path("ws/thong-bao/", NotificationCountConsumer.as_asgi()),
    path("ws/cuoc-hop/<int:pk>/", MeetingConsumer.as_asgi()),
]
