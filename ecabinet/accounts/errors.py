"""Errors of the accounts app, shown to the user as messages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from ecabinet.core.errors import DomainError

# The unlock time is told in Vietnam time whatever the server's clock zone is.
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def format_local(moment: datetime) -> str:
    """``14:35 ngày 05/01/2026`` in Asia/Ho_Chi_Minh."""
    local = moment.astimezone(VN_TZ)
    return gettext("%(time)s ngày %(date)s") % {
        "time": f"{local:%H:%M}",
        "date": f"{local:%d/%m/%Y}",
    }


class AccountLocked(DomainError):
    """Too many consecutive failures: no login (even with the right password) until a time."""

    status_code = 403

    def __init__(self, until: datetime) -> None:
        super().__init__(
            gettext(
                "Tài khoản tạm thời bị khóa do nhập sai nhiều lần liên tiếp. "
                "Vui lòng thử lại sau %(time)s (giờ Việt Nam)."
            )
            % {"time": format_local(until)},
            code="locked",
        )
        self.until = until
