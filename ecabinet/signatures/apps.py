from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "ecabinet.signatures"
    label = "signatures"
    verbose_name = "Chữ ký số"
