"""What the page layout shows around every page: the user's bodies, the current body, the menu.

Computed lazily and at most once per request: a fragment rendered for htmx that does not show
the header costs no query, and a page that shows it costs one (memberships).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from ecabinet.core.navigation import NavLink, navigation

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body, Membership

_ATTR = "_ecabinet_shell"


class Shell:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @property
    def user(self) -> Any:
        return getattr(self.request, "user", None)

    @cached_property
    def memberships(self) -> list[Membership]:
        """The user's active memberships, with body, title and unit (one query)."""
        user = self.user
        if user is None or not user.is_authenticated:
            return []
        from ecabinet.bodies.selectors import memberships_for

        return list(memberships_for(user))

    @cached_property
    def current_body(self) -> Body | None:
        """The body the page is about, or the user's only body.

        A body-scoped view sets ``request.current_body``; on other pages a user who belongs
        to exactly one body sees that body in the header.
        """
        chosen: Body | None = getattr(self.request, "current_body", None)
        if chosen is not None:
            return chosen
        if len(self.memberships) == 1:
            return self.memberships[0].body
        return None

    @cached_property
    def nav(self) -> list[NavLink]:
        return navigation.links_for(self.request)


def shell_for(request: HttpRequest) -> Shell:
    """The request's Shell, created on first use and reused by every later render."""
    shell: Shell | None = getattr(request, _ATTR, None)
    if shell is None:
        shell = Shell(request)
        setattr(request, _ATTR, shell)
    return shell
