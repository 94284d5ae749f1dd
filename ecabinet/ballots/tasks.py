"""Background work of ballots, run by the task worker (``ecabinet db_worker``).

Tasks take ids, tolerate deleted objects and are idempotent: running one twice, or late,
changes nothing more than running it once on time.
"""

from __future__ import annotations

from django_tasks import task

from ecabinet.ballots.models import Report
from ecabinet.ballots.services import ballot_close_due, report_file


@task()
def close_due() -> int:
    """Close the open ballots whose deadline has passed (``ballot_close_due``)."""
    return ballot_close_due()


@task()
def file_report(report_id: int) -> str:
    """File a signed summary report into its ballot's dossier (``report_file``)."""
    report = (
        Report.objects.select_related("ballot__dossier", "signed_by").filter(pk=report_id).first()
    )
    if report is None:
        return "missing"
    document = report_file(report=report)
    return "filed" if document is not None else "unchanged"
