"""The live screens a user may open for a meeting (links on the meeting's page)."""

from __future__ import annotations

from typing import Any

from django import template

from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import Meeting

register = template.Library()

# The screens are offered from the invitations until the session ends.
OFFERED = (t.SCHEDULED, t.DOCUMENTS_PUBLISHED, t.IN_SESSION, t.ADJOURNED)


@register.simple_tag
def live_screens(user: Any, meeting: Meeting) -> dict[str, str]:
    """{screen: url} for ``{% live_screens user meeting as screens %}``; empty when none."""
    from ecabinet.meetings.live_views import screen_links

    if meeting.status not in OFFERED:
        return {}
    return screen_links(user, meeting)
