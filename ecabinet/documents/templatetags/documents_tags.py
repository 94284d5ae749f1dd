"""Template helpers of the documents pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, []) if mapping else []


@register.simple_tag
def receipt_counts(rows: list[Any]) -> str:
    """ "12 người nhận, 9 đã mở" for a list of read receipts."""
    opened = sum(1 for r in rows if r.first_opened_at is not None)
    return _("%(received)s người nhận, %(opened)s đã mở") % {
        "received": len(rows),
        "opened": opened,
    }
