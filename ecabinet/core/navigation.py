"""The primary navigation: links that apps add to the layout's menu.

An app registers its entry in ``AppConfig.ready()``::

    from ecabinet.core.navigation import NavItem, navigation
    navigation.register(NavItem("ballots", _("Phiếu lấy ý kiến"), "ballots:list", order=20,
                                namespace="ballots"))

A link whose URL name does not resolve (the app's URLs are not installed) is left out, and
``visible`` may hide it from users it does not concern. Templates can still add page-specific
links by extending the ``nav`` block of base.html.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from ecabinet.accounts.models import User


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    order: int = 100
    # The link is marked current on every page of this URL namespace; without one, only on
    # the page of ``url_name`` itself.
    namespace: str = ""
    visible: Callable[[User], bool] | None = None


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str | Promise
    url: str
    current: bool


class Navigation:
    def __init__(self) -> None:
        self._items: dict[str, NavItem] = {}

    def register(self, item: NavItem) -> NavItem:
        if item.key in self._items:
            raise ValueError(f"navigation item {item.key!r} is already registered")
        self._items[item.key] = item
        return item

    def unregister(self, key: str) -> None:
        del self._items[key]

    def links_for(self, request: HttpRequest) -> list[NavLink]:
        """The links the request's user sees, in order, with the current one marked."""
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        match = getattr(request, "resolver_match", None)
        view_name = match.view_name if match else ""
        namespace = match.namespace if match else ""
        links = []
        for item in sorted(self._items.values(), key=lambda i: (i.order, i.key)):
            if item.visible is not None and not item.visible(user):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            if item.namespace:
                current = namespace == item.namespace or namespace.startswith(item.namespace + ":")
            else:
                current = view_name == item.url_name
            links.append(NavLink(item.key, item.label, url, current))
        return links


navigation = Navigation()
navigation.register(NavItem("home", _("Trang chủ"), "core:home", order=0))
