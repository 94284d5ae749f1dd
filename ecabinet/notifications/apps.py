from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ecabinet.notifications"
    label = "notifications"
