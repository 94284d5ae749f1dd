from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "ecabinet.meetings"
    label = "meetings"
    verbose_name = _("Cuộc họp")

    def ready(self) -> None:
        from django.apps import apps

        from ecabinet.core.navigation import NavItem, navigation

        navigation.register(
            NavItem("meetings", _("Cuộc họp"), "meetings:index", order=15, namespace="meetings")
        )
        # With the handling-time ledger installed, its confirmation items (one per invited
        # member) fill the home page's "meetings" section; without it, meetings does.
        if apps.is_installed("ecabinet.tracking"):
            from ecabinet.meetings.ledger import KIND_CONFIRM
            from ecabinet.tracking.kinds import register_kind

            register_kind(KIND_CONFIRM, _("Xác nhận dự họp"), "meetings")
        else:
            from ecabinet.core.waiting import registry
            from ecabinet.meetings.selectors import meetings_waiting_for

            registry.register("meetings", meetings_waiting_for)
