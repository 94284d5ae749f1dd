from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "ecabinet.tracking"
    label = "tracking"
    verbose_name = _("Theo dõi xử lý công việc")

    def ready(self) -> None:
        from ecabinet.core.navigation import NavItem, navigation
        from ecabinet.tracking.waiting import register_waiting_providers

        navigation.register(
            NavItem(
                "tracking", _("Theo dõi xử lý"), "tracking:mine", order=60, namespace="tracking"
            )
        )
        register_waiting_providers()
