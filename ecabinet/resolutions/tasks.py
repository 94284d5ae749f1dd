"""Background work of resolutions, run by the task worker (``ecabinet db_worker``).

Tasks take ids, tolerate deleted or already issued resolutions and are idempotent: running
one twice, or late, changes nothing more than running it once on time.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.models import Resolution


@task()
def retry_issue(resolution_id: int) -> str:
    """The next attempt of a failed issuance (scheduled at ``issue_retry_at``): the same
    number, the same signed PDF, sealed again by the automatic issuer."""
    from ecabinet.resolutions.issuance import resolution_issue

    row = Resolution.objects.select_related("body").filter(pk=resolution_id).first()
    if row is None:
        return "missing"
    if row.status != t.SIGNED or row.issue_retry_at is None:
        return "unchanged"
    if row.issue_retry_at > timezone.now():
        # Someone retried by hand and failed again: a later task is queued for that.
        return "not_due"
    result = resolution_issue(actor=None, resolution=row)
    return "issued" if result.issued else "failed"


@task()
def issue_due() -> int:
    """Retry every failed issuance whose next attempt is due (a scan, in case a scheduled
    task was lost)."""
    from ecabinet.resolutions.issuance import issue_due as run

    return run()


@task()
def retry_external(resolution_id: int) -> str:
    """Write the edXML messages of an issued resolution that could not be written at
    issuance (stored ones are kept, nothing is sent twice)."""
    from ecabinet.resolutions.issuance import redeliver_external

    row = Resolution.objects.select_related("body").filter(pk=resolution_id).first()
    if row is None:
        return "missing"
    if row.status != t.ISSUED:
        return "unchanged"
    manual = redeliver_external(resolution=row)
    return f"written ({len(manual)} manual)"
