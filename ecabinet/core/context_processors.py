"""Context every page needs: the shape and the user's bodies for the layout."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    return {"ECABINET_SHAPE": settings.SHAPE}
