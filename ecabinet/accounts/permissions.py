"""Who may do what with accounts. Pure predicates, no queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ecabinet.accounts.models import User

    AnyUser = User | AnonymousUser


def _is_system_admin(user: AnyUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def can_view_login_log(user: AnyUser) -> bool:
    """The login log shows every account's addresses and devices: system administrators only."""
    return _is_system_admin(user)


def can_manage_users(user: AnyUser | None) -> bool:
    """Create, activate and deactivate accounts (the bodies app offers the screens)."""
    return _is_system_admin(user)


def can_reset_second_factor(user: AnyUser | None) -> bool:
    """Remove a user's authenticator and recovery codes (a lost phone)."""
    return _is_system_admin(user)
