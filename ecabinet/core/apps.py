from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ecabinet.core"
    label = "core"
    verbose_name = "Lõi hệ thống"
