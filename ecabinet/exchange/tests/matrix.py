"""Permission rows of the exchange app: the outbox and its files, for every persona.

The outbox is the records office's: the Office (office staff in the persona world) and the
system administrator see it; the chair, members, deputies, agencies and observers of the
body are refused; another body's outbox and messages are 404. (The records clerk and the
body administrator, who are not personas of the world, are in test_views.) Messages are
made on demand through the service, for the body and for the other body.
"""

from __future__ import annotations

from typing import Any

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.exchange.models import OutgoingMessage
from ecabinet.exchange.tests.conftest import enqueue, give_organ_id


def _message(w: World, *, other: bool = False) -> OutgoingMessage:
    body = w.other_body if other else w.body
    found = OutgoingMessage.objects.filter(body=body, status="queued").first()
    if found is None:
        give_organ_id(body, "000.00.00.H41" if other else "000.00.00.G22")
        found = enqueue(w, actor=None, body=body, subject_id="matrix").queued[0]
    return found


def _code(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


def _other_code(w: World) -> dict[str, Any]:
    return {"code": w.other_body.code}


def _file(w: World) -> dict[str, Any]:
    return {"code": w.body.code, "pk": _message(w).pk}


def _other_file(w: World) -> dict[str, Any]:
    return {"code": w.other_body.code, "pk": _message(w, other=True).pk}


def _other_file_here(w: World) -> dict[str, Any]:
    """Another body's message under this body's address."""
    return {"code": w.body.code, "pk": _message(w, other=True).pk}


OUTBOX = everyone(403, office=200, admin=200, outsider=404, anonymous=302)
# Another body's outbox: its own member (the outsider) is a plain member there.
OTHER_OUTBOX = everyone(404, outsider=403, admin=200, anonymous=302)

CASES = [
    Case("exchange:outbox", OUTBOX, kwargs=_code),
    Case("exchange:outbox", OTHER_OUTBOX, kwargs=_other_code, note="+other"),
    Case(
        "exchange:outbox",
        OUTBOX,
        kwargs=_code,
        data=lambda w: {"trang-thai": "khong-co", "trang": "abc"},
        note="+bad-filter",
    ),
    Case("exchange:message_file", OUTBOX, kwargs=_file),
    Case("exchange:message_file", OTHER_OUTBOX, kwargs=_other_file, note="+other"),
    Case(
        "exchange:message_file",
        OUTBOX | {"office": 404, "admin": 404},
        kwargs=_other_file_here,
        note="+other-here",
    ),
]
