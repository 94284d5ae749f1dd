"""Transactional tests flush every table afterwards, audit rows included (conftest.py hook).

The two tests run in this order: the first commits audit events, and the flush after it
must get past the triggers, or the second one (or pytest's teardown) fails.
"""

from __future__ import annotations

import pytest

from ecabinet.audit.models import AuditEvent, AuditHead
from ecabinet.audit.tests import helpers as h
from ecabinet.audit.verify import verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_transactional_test_commits_events() -> None:
    h.make_chain(3)
    assert AuditEvent.objects.count() == 3


def test_next_transactional_test_starts_from_an_empty_log() -> None:
    assert not AuditEvent.objects.exists()
    assert not AuditHead.objects.exists()
    event = h.append()
    assert event.seq == 1
    assert verify_chain().ok
