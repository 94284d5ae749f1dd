"""``{% load ballot_statistics %}{% can_view_statistics body as can_stats %}``: whether the
user may open the body's ballots statistics (the list page links to them)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats

from ecabinet.ballots.statistics import statistics_scope
from ecabinet.bodies.models import Body

register = template.Library()


@register.simple_tag(takes_context=True)
def can_view_statistics(context: dict[str, Any], body: Body) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and statistics_scope(user, body) is not None


@register.filter
def share(value: float | None) -> str:
    """A share in per cent as the tables print it: ``33,3%``, or a dash when there is none."""
    if value is None:
        return "—"
    return f"{value:g}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR"))) + "%"
