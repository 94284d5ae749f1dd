"""Context every page needs: the shape and the layout's data (see core/shell.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ecabinet.core.shell import shell_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """``shell`` (memberships, current body, menu links; lazy, cached per request)."""
    return {"ECABINET_SHAPE": settings.SHAPE, "shell": shell_for(request)}
