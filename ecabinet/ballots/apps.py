from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "ecabinet.ballots"
    label = "ballots"
    verbose_name = _("Phiếu lấy ý kiến")

    def ready(self) -> None:
        from django.apps import apps

        from ecabinet.core.navigation import NavItem, navigation

        navigation.register(
            NavItem(
                "ballots", _("Phiếu lấy ý kiến"), "ballots:index", order=20, namespace="ballots"
            )
        )
        # With the handling-time ledger installed, its assignments (one per recipient and per
        # review step) fill the home page's "ballots" section; without it, ballots does.
        if not apps.is_installed("ecabinet.tracking"):
            from ecabinet.ballots.selectors import ballots_waiting_for
            from ecabinet.core.waiting import registry

            registry.register("ballots", ballots_waiting_for)
