"""Benchmark one opinion ballot end to end: 27 members × 10 questions.

Filing the proposal (with a 10-page tờ trình uploaded into its dossier), drafting, the
Office's route (two review steps), the chair's signed approval, 27 signed answers of 10
questions each (270 answers, one signed statement per member), the live aggregation,
closing, the summary report rendered in the Decree 30 layout and signed PAdES B-T, and the
chair's signed decision. Every step goes through the services the pages call, step-up
included (request, confirmation with the member's TOTP code, consumption), so the total is
the server's time for the whole cycle. What a person does (reading, typing the code) is not
in it. Setting up the world (users, certificates, the internal CA) is not timed.

Target (issue 5): total server time < 5 s on this machine.

Run:      .venv/bin/python bench/ballot.py [--members 27] [--questions 10] [--postgres]
A fresh SQLite database and key directory are created in a temporary directory; with
``--postgres`` a fresh database ``ecabinet_bench_ballots`` on DATABASE_URL's server is used
(created and dropped). Client and server share this machine's cores; everything runs in one
process.
"""

from __future__ import annotations

import argparse
import atexit
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCH_DB = "ecabinet_bench_ballots"


def _prepare(postgres: bool) -> str:
    data_dir = tempfile.mkdtemp(prefix="ecabinet-bench-ballot-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["ECABINET_DATA_DIR"] = data_dir
    os.environ["ECABINET_KEY_DIR"] = str(Path(data_dir) / "keys")
    os.environ["ECABINET_KEK_AUTOCREATE"] = "1"
    os.environ.pop("ECABINET_KEK", None)
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


class Clock:
    """Server time per phase: only the service calls are inside ``timed``."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    def timed(self, phase: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started

    @property
    def total(self) -> float:
        return sum(self.phases.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=27)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--write", type=Path, help="append the figures (Markdown) to this file")
    args = parser.parse_args()

    shape = _prepare(args.postgres)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")
    os.environ["ECABINET_TESTING"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command
    from django_otp.oath import TOTP, totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ecabinet.accounts.models import StepUpChallenge, User
    from ecabinet.accounts.stepup import stepup_confirm
    from ecabinet.ballots import selectors, services
    from ecabinet.ballots.models import Recipient
    from ecabinet.bodies.models import Role, Title
    from ecabinet.core.testing.factories import MembershipFactory, UserFactory
    from ecabinet.core.testing.personas import build_world
    from ecabinet.documents.services import DocumentMeta, document_upload
    from ecabinet.signatures import ca
    from ecabinet.signatures.models import SignatureImage
    from ecabinet.signatures.pdf.images import signature_png
    from ecabinet.signatures.verify import verify_bytes

    session = "bench-session-key"
    call_command("migrate", verbosity=0)
    world = build_world()
    ca.ca_init()
    body = world.body
    admin = world.user("admin")
    assert admin is not None

    def person(role: str, name: str, title: str, precedence: int) -> User:
        membership = MembershipFactory.create(
            body=body,
            role=role,
            precedence=precedence,
            title=Title.objects.get_or_create(body=body, name=title)[0],
            user=UserFactory.create(username=name, full_name=f"Thành viên {name}"),
        )
        TOTPDevice.objects.create(user=membership.user, name="bench", confirmed=True)
        if role not in (Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.AGENCY):
            ca.certificate_issue(actor=admin, membership=membership)
        return membership.user  # type: ignore[no-any-return]

    # The persona world's chair and member are replaced by a full cabinet.
    world.memberships["member"].is_active = False
    world.memberships["member"].save(update_fields=["is_active"])
    world.memberships["chair"].is_active = False
    world.memberships["chair"].save(update_fields=["is_active"])
    chair = person(Role.CHAIR, "thutuong", "Thủ tướng", 1)
    members = [chair]
    for i in range(1, args.members):
        role = Role.VICE_CHAIR if i <= 3 else Role.MEMBER
        members.append(person(role, f"tv{i:02d}", f"Bộ trưởng {i:02d}", i + 1))
    office = world.user("office")
    assert office is not None
    head = person(Role.OFFICE_HEAD, "vutruong", "Vụ trưởng", 50)
    leader = person(Role.OFFICE_LEADER, "lanhdao", "Phó Chủ nhiệm Văn phòng", 51)
    SignatureImage.objects.create(
        user=leader, png=signature_png(leader.full_name), sha256="0" * 64, width=600, height=250
    )
    agency = world.user("agency")
    assert agency is not None
    from ecabinet.documents.tests.files import pdf_bytes

    paper = pdf_bytes(
        *[
            f"Tờ trình trang {n}: Bộ kính trình Chính phủ xem xét điều chỉnh quy hoạch tổng "
            "thể phát triển kinh tế - xã hội giai đoạn 2026-2030."
            for n in range(1, 11)
        ]
    )

    def confirmed(challenge: StepUpChallenge, user: User) -> None:
        device = TOTPDevice.objects.get(user=user)
        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
        offset = 0 if now > device.last_t else 1
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
        stepup_confirm(
            actor=user, session_key=session, challenge=challenge, code=f"{code:0{device.digits}d}"
        )

    # A running server has its URLs, templates and PDF fonts loaded: warm them up first.
    from django.urls import reverse

    from ecabinet.signatures.pdf.layout import Decree30Document, Section, render_decree30_pdf

    reverse("ballots:index")
    render_decree30_pdf(
        Decree30Document(
            body_name="VĂN PHÒNG",
            notation="BC-VP",
            type_name="BÁO CÁO",
            summary="Khởi động",
            place="Hà Nội",
            sections=[Section(paragraphs=["Khởi động."])],
            signer_title="LÃNH ĐẠO",
            signer_name="Khởi động",
        )
    )

    clock = Clock()
    wall = time.perf_counter()
    questions = [
        f"Nội dung {n}: thông qua chủ trương điều chỉnh quy hoạch, phần {n}."
        for n in range(1, args.questions + 1)
    ]
    ballot = clock.timed(
        "file the proposal (new dossier, 10 questions, upload of a 10-page PDF)",
        services.ballot_file,
        actor=agency,
        body=body,
        title="Về việc điều chỉnh quy hoạch tổng thể (đo hiệu năng)",
        questions=questions,
        proposal_number="125/TTr-BTN",
    )
    # The agency's paper goes into the new dossier (checked, encrypted, text extracted for
    # the classification gate): part of filing.
    upload_started = time.perf_counter()
    clock.timed(
        "file the proposal (new dossier, 10 questions, upload of a 10-page PDF)",
        document_upload,
        actor=agency,
        data=paper,
        filename="to-trinh.pdf",
        dossier=ballot.dossier,
        meta=DocumentMeta(title="Tờ trình"),
    )
    upload_seconds = time.perf_counter() - upload_started
    ballot.refresh_from_db()
    recipients = list(selectors.voting_members(body))
    ballot = clock.timed(
        "draft (questions, 27 recipients, deadline)",
        services.ballot_update,
        actor=office,
        ballot=ballot,
        title=ballot.title,
        questions=questions,
        recipients=recipients,
        deadline_at=services.default_deadline(body),
        follower=office,
        version=ballot.version,
    )
    ballot = clock.timed(
        "route: submit, 2 reviews",
        services.ballot_submit,
        actor=office,
        ballot=ballot,
        version=ballot.version,
    )
    ballot = clock.timed(
        "route: submit, 2 reviews",
        services.ballot_forward,
        actor=head,
        ballot=ballot,
        step=0,
        cycle=1,
    )
    ballot = clock.timed(
        "route: submit, 2 reviews",
        services.ballot_forward,
        actor=leader,
        ballot=ballot,
        step=1,
        cycle=1,
    )
    phase = "chair's signed approval (step-up)"
    request = clock.timed(
        phase, services.ballot_approval_request, actor=chair, ballot=ballot, session_key=session
    )
    clock.timed(phase, confirmed, request.challenge, chair)
    ballot = clock.timed(
        phase,
        services.ballot_approve,
        actor=chair,
        ballot=ballot,
        session_key=session,
        challenge_id=request.challenge.pk,
        content=request.content,
    )
    phase = f"{len(members)} signed answers × {args.questions} questions (step-up each)"
    choices = ("agree", "agree", "agree", "disagree", "other")
    seats = {
        r.user_id: r
        for r in Recipient.objects.filter(ballot=ballot).select_related("membership", "user")
    }
    qids = [q.pk for q in ballot.questions.order_by("number")]
    for i, member in enumerate(members):
        seat = seats[member.pk]
        seat.ballot = ballot
        picks = {
            qid: (
                choices[(i + n) % len(choices)],
                "Đề nghị làm rõ thêm." if choices[(i + n) % len(choices)] != "agree" else "",
            )
            for n, qid in enumerate(qids)
        }
        clock.timed(phase, services.answer_draft_save, actor=member, recipient=seat, choices=picks)
        sign = clock.timed(
            phase, services.answer_sign_request, actor=member, recipient=seat, session_key=session
        )
        clock.timed(phase, confirmed, sign.challenge, member)
        clock.timed(
            phase,
            services.answer_sign,
            actor=member,
            recipient=seat,
            session_key=session,
            challenge_id=sign.challenge.pk,
            content=sign.content,
        )
    phase = "aggregate (tally + who opened the dossier)"
    tally = clock.timed(phase, selectors.tally_of, ballot)
    clock.timed(phase, selectors.dossier_readings, ballot, tally.recipients)
    answered = tally.answered
    ballot = clock.timed("close", services.ballot_close, actor=office, ballot=ballot)
    phase = "summary report: Decree 30 PDF, PAdES B-T (step-up)"
    challenge, _report = clock.timed(
        phase, services.report_sign_request, actor=leader, ballot=ballot, session_key=session
    )
    clock.timed(phase, confirmed, challenge, leader)
    report = clock.timed(
        phase,
        services.report_sign,
        actor=leader,
        ballot=ballot,
        session_key=session,
        challenge_id=challenge.pk,
    )
    ballot.refresh_from_db()
    phase = "chair's signed decision (step-up)"
    request = clock.timed(
        phase,
        services.decision_request,
        actor=chair,
        ballot=ballot,
        text="Thông qua các nội dung được quá nửa thành viên đồng ý.",
        session_key=session,
    )
    clock.timed(phase, confirmed, request.challenge, chair)
    clock.timed(
        phase,
        services.decision_record,
        actor=chair,
        ballot=ballot,
        session_key=session,
        challenge_id=request.challenge.pk,
        content=request.content,
    )
    wall = time.perf_counter() - wall
    # The worker's job after the report is signed: file a copy into the dossier.
    from ecabinet.ballots.tasks import file_report

    filed = time.perf_counter()
    file_report.call(report.pk)
    filed = time.perf_counter() - filed
    pdf = services.report_pdf_bytes(report=report)
    verified = verify_bytes(pdf).ok

    lines = [
        f"{len(members)} members × {args.questions} questions: {answered} members answered, "
        f"{answered * args.questions} answers in {answered} signed statements; "
        f"report verifies: {'yes' if verified else 'NO'}",
        "",
        "| step | server time |",
        "|---|---|",
        *(f"| {name} | {seconds * 1000:,.0f} ms |" for name, seconds in clock.phases.items()),
        f"| **total server time** | **{clock.total:.2f} s** (target < 5 s: "
        f"{'met' if clock.total < 5 else 'NOT met'}) |",
        "",
        f"Of filing, the agency's upload of its 10-page PDF into the dossier (documents app): "
        f"{upload_seconds * 1000:,.0f} ms. Wall time of the cycle, the benchmark's own reads "
        f"included: {wall:.2f} s. Background work after signing, not in the total: filing "
        f"the signed report into the dossier (text extraction for search) {filed * 1000:,.0f} ms.",
    ]
    header = [
        "eCabinet ballot benchmark",
        f"  machine:  {platform.processor() or platform.machine()} | {os.cpu_count()} CPUs | "
        f"Python {platform.python_version()} | {platform.platform()}",
        f"  date:     {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"  database: {shape}; client and server share the machine (one process)",
    ]
    print("\n".join([*header, "", *lines]))
    if args.write:
        with args.write.open("a", encoding="utf-8") as out:
            out.write(f"\n### {shape}\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
