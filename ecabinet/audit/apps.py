from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ecabinet.audit"
    label = "audit"
