from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "ecabinet.audit"
    label = "audit"
    verbose_name = _("Nhật ký hệ thống")

    def ready(self) -> None:
        from ecabinet.audit.maintenance import register_sqlite_function

        # Every SQLite connection needs the function the append-only triggers call; without
        # it every UPDATE or DELETE of an audit row fails (see maintenance.py).
        connection_created.connect(
            register_sqlite_function, dispatch_uid="ecabinet.audit.register_sqlite_function"
        )
