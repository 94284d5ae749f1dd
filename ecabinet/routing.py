"""WebSocket routes of every app."""

from django.urls import path

from ecabinet.notifications.consumers import NotificationCountConsumer

websocket_urlpatterns = [
    path("ws/thong-bao/", NotificationCountConsumer.as_asgi()),
]
