from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "ecabinet.documents"
    label = "documents"
    verbose_name = _("Tài liệu")

    def ready(self) -> None:
        from ecabinet.core.navigation import NavItem, navigation

        navigation.register(
            NavItem("documents", _("Tài liệu"), "documents:index", order=40, namespace="documents")
        )
