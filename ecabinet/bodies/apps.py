from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BodiesConfig(AppConfig):
    name = "ecabinet.bodies"
    label = "bodies"
    verbose_name = _("Cơ quan")

    def ready(self) -> None:
        from ecabinet.bodies.permissions import can_manage_bodies
        from ecabinet.core.navigation import NavItem, navigation

        navigation.register(
            NavItem("bodies", _("Cơ quan"), "bodies:list", order=80, namespace="bodies")
        )
        navigation.register(
            NavItem(
                "system-admin",
                _("Quản trị hệ thống"),
                "bodies:admin_body_list",
                order=90,
                visible=can_manage_bodies,
            )
        )
