from django.apps import AppConfig


class BodiesConfig(AppConfig):
    name = "ecabinet.bodies"
    label = "bodies"
