from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResolutionsConfig(AppConfig):
    name = "ecabinet.resolutions"
    label = "resolutions"
    verbose_name = _("Nghị quyết")

    def ready(self) -> None:
        from django.apps import apps

        from ecabinet.core.navigation import NavItem, navigation

        navigation.register(
            NavItem(
                "resolutions",
                _("Nghị quyết"),
                "resolutions:index",
                order=25,
                namespace="resolutions",
            )
        )
        # With the handling-time ledger installed, its items fill the home page: members'
        # opinions on a draft next to the ballots' (both are opinions asked of the members),
        # the chair's signature under "Văn bản chờ ký". Without it, resolutions fills them.
        if apps.is_installed("ecabinet.tracking"):
            from ecabinet.resolutions.ledger import KIND_CONSULT, KIND_SIGN
            from ecabinet.tracking.kinds import register_kind

            register_kind(KIND_CONSULT, _("Góp ý dự thảo nghị quyết"), "ballots")
            register_kind(KIND_SIGN, _("Ký nghị quyết"), "signatures")
            # Those a resolution names to carry it out take it in hand ("my items" only).
            register_kind("resolution.receive", _("Tiếp nhận nghị quyết để tổ chức thực hiện"))
        else:
            from ecabinet.core.waiting import registry
            from ecabinet.resolutions.selectors import (
                consultations_waiting_for,
                signatures_waiting_for,
            )

            registry.register("ballots", consultations_waiting_for)
            registry.register("signatures", signatures_waiting_for)
