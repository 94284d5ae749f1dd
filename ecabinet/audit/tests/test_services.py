"""audit_append: one link per event, in the caller's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from ecabinet.audit.models import AuditEvent, AuditHead
from ecabinet.audit.services import GENESIS_HASH, audit_append, audit_batch, event_hash
from ecabinet.audit.tests import helpers as h
from ecabinet.audit.verify import verify_chain
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


# --- audit_batch: several events of one change, written together ------------------------------


def test_a_batch_writes_its_events_in_order_when_it_ends() -> None:
    h.append()
    with transaction.atomic():
        with audit_batch():
            first = audit_append(actor=None, verb="test.first")
            second = audit_append(actor=None, verb="test.second")
            assert not AuditEvent.objects.filter(verb__startswith="test.").exclude(seq=1).exists()
        third = audit_append(actor=None, verb="test.after")
    assert [e.verb for e in AuditEvent.objects.order_by("seq")][1:] == [
        "test.first",
        "test.second",
        "test.after",
    ]
    assert (first.seq, second.seq, third.seq) == (2, 3, 4)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    head = AuditHead.objects.get()
    assert (head.seq, head.hash) == (4, third.hash)
    result = verify_chain()
    assert result.ok
    assert result.count == 4


def test_a_batch_left_by_an_error_writes_nothing() -> None:
    def failing() -> None:
        with transaction.atomic(), audit_batch():
            audit_append(actor=None, verb="test.dropped")
            raise ValueError("change failed")

    with pytest.raises(ValueError, match="change failed"):
        failing()
    with transaction.atomic(), audit_batch():
        pass  # an empty batch touches nothing
    assert not AuditEvent.objects.exists()
    assert h.append().seq == 1


def test_a_batch_inside_a_batch_writes_with_the_outer_one() -> None:
    with transaction.atomic(), audit_batch():
        with audit_batch():
            audit_append(actor=None, verb="test.inner")
        assert not AuditEvent.objects.exists()
        audit_append(actor=None, verb="test.outer")
    assert list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True)) == [
        "test.inner",
        "test.outer",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"), audit_batch():
        pass


def test_an_error_leaving_a_nested_batch_drops_only_its_events() -> None:
    def refused() -> None:
        with transaction.atomic(), audit_batch():
            audit_append(actor=None, verb="test.dropped")
            raise ValueError("refused")

    with transaction.atomic(), audit_batch():
        audit_append(actor=None, verb="test.kept")
        with pytest.raises(ValueError, match="refused"):
            refused()
        audit_append(actor=None, verb="test.kept_too")
    assert list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True)) == [
        "test.kept",
        "test.kept_too",
    ]
    assert verify_chain().ok
