"""Background work of the ledger, run by the task worker (``ecabinet db_worker``)."""

from __future__ import annotations

from django_tasks import task

from ecabinet.tracking.services import tracking_scan


@task()
def scan_due() -> int:
    """One reminder scan (see ``tracking_scan``): safe to enqueue any number of times."""
    return tracking_scan()
