"""Many writers appending at the same instant produce one chain: no fork, no lost event.

Runs on whichever database the suite runs on: SQLite (IMMEDIATE transactions serialise the
writers) and PostgreSQL (the head row's lock does).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.tests import helpers as h
from ecabinet.audit.verify import verify_chain

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
APPENDS_PER_THREAD = 15


def test_concurrent_appends_form_one_verifiable_chain() -> None:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            start.wait()
            for n in range(APPENDS_PER_THREAD):
                h.append("test.concurrent", after={"worker": worker, "n": n})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * APPENDS_PER_THREAD
    report = verify_chain()
    assert report.ok, report.problem
    assert (report.count, report.head_seq) == (total, total)
    written = {(e["worker"], e["n"]) for e in AuditEvent.objects.values_list("after", flat=True)}
    assert written == {(w, n) for w in range(THREADS) for n in range(APPENDS_PER_THREAD)}


def test_verification_while_appending_reports_no_false_alarm() -> None:
    h.make_chain(20)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                h.append("test.live")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [verify_chain(chunk_size=3) for _ in range(10)]
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert all(report.ok for report in reports), [r.problem for r in reports if not r.ok]
    assert verify_chain().count == AuditEvent.objects.count()
