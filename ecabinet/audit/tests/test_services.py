"""audit_append: one link per event, in the caller's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from ecabinet.audit.models import AuditEvent, AuditHead
from ecabinet.audit.services import GENESIS_HASH, audit_append, event_hash
from ecabinet.audit.tests import helpers as h
from ecabinet.core import request_context
from ecabinet.core.testing.personas import World

pytestmark = pytest.mark.django_db


def test_events_link_to_their_predecessor_and_hash_their_content() -> None:
    first, second = h.append(), h.append()
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    for event in AuditEvent.objects.all():
        assert event_hash(event) == event.hash  # the same after a database round trip


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_append(actor=None, verb="test.orphan")
    assert not AuditEvent.objects.exists()


def test_append_rolls_back_with_the_change_it_records() -> None:
    def failing_change() -> None:
        with transaction.atomic():
            audit_append(actor=None, verb="test.rolled_back")
            raise ValueError("change failed")

    with pytest.raises(ValueError, match="change failed"):
        failing_change()
    assert not AuditEvent.objects.exists()
    assert h.append().seq == 1


def test_append_records_actor_body_object_and_request(world: World) -> None:
    chair = world.user("chair")
    token = request_context.bind(request_context.RequestContext("req-42", "192.0.2.7"))
    try:
        event = h.append(
            "body.renamed", actor=chair, body=world.body, before={"tên": "Cũ"}, after={"tên": "Mới"}
        )
    finally:
        request_context.reset(token)
    event.refresh_from_db()
    assert chair is not None
    assert (event.actor_id, event.actor_label) == (chair.pk, str(chair))
    assert event.body_id == world.body.pk
    assert (event.request_id, event.ip) == ("req-42", "192.0.2.7")
    assert (event.before, event.after) == ({"tên": "Cũ"}, {"tên": "Mới"})
    head = AuditHead.objects.get()
    assert (head.seq, head.hash) == (event.seq, event.hash)


def test_object_fields_default_from_the_model(world: World) -> None:
    with transaction.atomic():
        event = audit_append(actor=None, verb="body.checked", obj=world.body, body=world.body)
    assert event.object_type == "bodies.body"
    assert event.object_id == str(world.body.pk)
    assert event.object_repr == str(world.body)
