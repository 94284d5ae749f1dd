"""Benchmark issuing a resolution: from the chair's confirmed signature to the resolution
numbered, sealed, timestamped and delivered to 40 recipients.

Timed (server time of the service calls the pages make, after the step-up confirmation):
the chair's signature (spending the confirmation, PAdES B-T with the chair's certificate
and signature image, storing the signed PDF, recording it), then the automatic issuance:
the number in its own transaction, the number, date and the body's seal with its RFC 3161
timestamp in one incremental revision, recording the issued state with 30 people of the
body (the 27 voting members and the 3 people of a ministry named to carry it out:
receipts, notifications, handling-ledger items), and one edXML message for each of 10
external agencies (8 with an OrganId, 2 written as manual deliveries). What happens before
the confirmation (drafting, submission, rendering the PDF the chair reads, the step-up
request) and the person's own time are not timed. The internal TSA answers in process.

Target (issue 7): < 2 s. Several resolutions are signed and issued one after the other;
the median and the spread are printed, with the time of each step.

Run:      .venv/bin/python bench/issue.py [--runs 7] [--postgres]
A fresh SQLite database and key directory are created in a temporary directory; with
``--postgres`` a fresh database ``ecabinet_bench_issue`` on DATABASE_URL's server is used
(created and dropped). Everything runs in one process.
"""

from __future__ import annotations

import argparse
import atexit
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCH_DB = "ecabinet_bench_issue"
MEMBERS = 27
UNIT_PEOPLE = 3
AGENCIES = 10
AGENCIES_WITHOUT_ID = 2


def _prepare(postgres: bool) -> str:
    data_dir = tempfile.mkdtemp(prefix="ecabinet-bench-issue-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["ECABINET_DATA_DIR"] = data_dir
    os.environ["ECABINET_KEY_DIR"] = str(Path(data_dir) / "keys")
    os.environ["ECABINET_KEK_AUTOCREATE"] = "1"
    os.environ.pop("ECABINET_KEK", None)
    os.environ.pop("ECABINET_TSA_URL", None)
    os.environ.pop("REDIS_URL", None)
    if not postgres:
        os.environ.pop("DATABASE_URL", None)
        return "SQLite (WAL, IMMEDIATE, synchronous=FULL) in a temporary directory"
    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    base = server.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")

    atexit.register(drop)
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    return "PostgreSQL (local, fsync on), fresh database"


class Steps:
    """Wall time of named steps inside one timed call (module functions wrapped)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + (time.perf_counter() - started)

        setattr(module, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    shape = _prepare(args.postgres)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")
    os.environ["ECABINET_TESTING"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from ecabinet.bodies.models import IssuingAgency, Role, Unit
    from ecabinet.core.testing.factories import MembershipFactory, UserFactory
    from ecabinet.core.testing.personas import build_world
    from ecabinet.exchange.models import OutgoingMessage
    from ecabinet.resolutions import issuance, signing
    from ecabinet.resolutions.content import Recipient, RecipientKind
    from ecabinet.resolutions.models import Resolution, ResolutionReceipt
    from ecabinet.resolutions.tests.conftest import build_desk
    from ecabinet.resolutions.tests.test_signing_fixtures import SESSION, build_signing, confirm
    from ecabinet.signatures import pdfsign
    from ecabinet.signatures.pdf import pades
    from ecabinet.signatures.verify import verify_bytes

    call_command("migrate", verbosity=0)
    world = build_world()
    desk = build_desk(world)
    sig = build_signing(desk)
    body = world.body
    # A cabinet of 27 voting members (the persona world has the chair, member, member2).
    for n in range(MEMBERS - 3):
        MembershipFactory.create(
            body=body,
            role=Role.VICE_CHAIR if n < 4 else Role.MEMBER,
            precedence=10 + n,
            user=UserFactory.create(username=f"tv{n:02d}", full_name=f"Thành viên {n:02d}"),
        )
    # A ministry of three people named to carry it out.
    ministry = Unit.objects.create(body=body, name="Bộ Kế hoạch (đo hiệu năng)")
    for n in range(UNIT_PEOPLE):
        MembershipFactory.create(
            body=body,
            role=Role.AGENCY,
            precedence=60 + n,
            unit=ministry,
            user=UserFactory.create(username=f"bkh{n}", full_name=f"Cán bộ Bộ Kế hoạch {n}"),
        )
    agencies = [
        IssuingAgency.objects.create(
            body=body,
            name=f"Ủy ban nhân dân tỉnh số {n:02d}",
            organ_id="" if n < AGENCIES_WITHOUT_ID else f"000.00.{n:02d}.H{n:02d}",
        )
        for n in range(AGENCIES)
    ]

    def prepared() -> tuple[Resolution, Any]:
        """A resolution to 40 recipients, submitted, shown and confirmed (not timed)."""
        resolution = desk.draft()
        content = desk.content(resolution)
        recipients = [
            Recipient(RecipientKind.MEMBERS, f"Các thành viên {body.name}"),
            Recipient(RecipientKind.UNIT, ministry.name, ministry.pk),
            *(Recipient(RecipientKind.AGENCY, a.name, a.pk, a.organ_id) for a in agencies),
            Recipient(RecipientKind.TEXT, "Lưu: VT, TH."),
        ]
        desk.edit(resolution, recipients=tuple(recipients), title=content.title)
        resolution = desk.fresh(desk.submit(resolution))
        request = sig.request(resolution)
        confirm(request.challenge)
        return resolution, request

    # A running server has its URLs, templates, fonts and keys loaded: one run to warm up.
    reverse("resolutions:index")
    warm, warm_request = prepared()
    signing.resolution_sign(
        actor=sig.user("chair"),
        resolution=warm,
        session_key=SESSION,
        challenge_id=warm_request.challenge.pk,
        kept=warm_request.kept,
    )

    steps = Steps()
    steps.wrap(pdfsign, "sign_as_signer", "chair's PAdES B-T signature (key, TSA, sign)")
    steps.wrap(issuance, "_number", "number (short transaction)")
    steps.wrap(pades, "seal_and_number", "number, date, seal + TSA (incremental revision)")
    steps.wrap(issuance, "_record_issued", "issued: state, 30 receipts, notices, ledger items")
    steps.wrap(issuance, "deliver_external", "10 edXML messages (8 queued, 2 manual)")

    totals: list[float] = []
    per_step: dict[str, list[float]] = {}
    last: Resolution | None = None
    for _run in range(args.runs):
        resolution, request = prepared()
        steps.seconds = {}
        started = time.perf_counter()
        row = signing.resolution_sign(
            actor=sig.user("chair"),
            resolution=resolution,
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            kept=request.kept,
        )
        totals.append(time.perf_counter() - started)
        if row.status != Resolution.Status.ISSUED:
            raise SystemExit(f"not issued: {row.issue_error}")
        for label, seconds in steps.seconds.items():
            per_step.setdefault(label, []).append(seconds)
        last = row
    assert last is not None

    receipts = ResolutionReceipt.objects.filter(resolution=last).count()
    outgoing = OutgoingMessage.objects.filter(subject_id=str(last.pk))
    queued = outgoing.exclude(status=OutgoingMessage.Status.MANUAL).count()
    manual = outgoing.filter(status=OutgoingMessage.Status.MANUAL).count()
    issued = issuance.file_of(last, "issued")
    assert issued is not None
    report = verify_bytes(signing.file_bytes(issued))

    median = statistics.median(totals)
    other = median - sum(statistics.median(v) for v in per_step.values())
    lines = [
        f"{args.runs} resolutions, each to {receipts} people in the system and "
        f"{queued + manual} external agencies ({queued} edXML messages, {manual} manual); "
        f"last number {last.number}; issued PDF verifies: "
        f"{'yes, ' + str(len(report.signatures)) + ' signatures' if report.ok else 'NO'}",
        "",
        "| step | median |",
        "|---|---|",
        *(
            f"| {label} | {statistics.median(values) * 1000:,.0f} ms |"
            for label, values in per_step.items()
        ),
        f"| the rest (checks, decrypting and storing the PDFs, audit, ledger) | "
        f"{other * 1000:,.0f} ms |",
        f"| **total, confirmed signature → issued and delivered** | **{median:.2f} s** "
        f"(min {min(totals):.2f} s, max {max(totals):.2f} s; target < 2 s: "
        f"{'met' if median < 2 else 'NOT met'}) |",
    ]
    header = [
        "eCabinet resolution issuance benchmark",
        f"  machine:  {platform.processor() or platform.machine()} | {os.cpu_count()} CPUs | "
        f"Python {platform.python_version()} | {platform.platform()}",
        f"  date:     {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"  database: {shape}; one process",
    ]
    print("\n".join([*header, "", *lines]))


if __name__ == "__main__":
    main()
