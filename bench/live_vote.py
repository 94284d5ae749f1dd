"""Benchmark live voting: N members on WebSockets, every one casts a signed vote.

A running server (uvicorn on ``ecabinet.asgi:application``, as ``ecabinet run`` serves it;
``--workers`` processes) and N simulated screens in one asyncio process, speaking the live
session's contract (``ws/cuoc-hop/<pk>/``) with each member's own logged-in session cookie
(second factor passed) and open signing window for the meeting. Each member checks in over
the socket; then, per arrival pattern, the chair opens a poll and every member votes
(signed: step-up in the window, CMS statement, vote), the chair closes the poll as soon as
the last vote is acknowledged, and the results reach every screen.

Arrival patterns (DESIGN.md, benchmark conventions):
- burst: every member submits at the same instant (worst case): votes/s, lost/duplicated.
- human: submissions spread uniformly over 10 seconds (``--spread`` to change it): the
  latency targets refer to this.

Measured: submit → ack per vote (p50/p95/p99/max), the time from the last ack until every
screen shows the full tally and until every screen has the closed poll's results, messages
and bytes received by the screens, server CPU time and peak RSS (from /proc). Afterwards the
database is checked: N votes per poll, no duplicate seat or key, every vote with its signed
statement, the audit chain intact.

Setup (users, certificates, TOTP devices, sessions, signing windows, the meeting in
session) is not timed. Check-in is done over the socket, a few screens at a time (each
screen connects, checks in, disconnects): with every screen connected, each check-in would
send the whole attendance list to all of them (see docs/performance.md).

Run:  .venv/bin/python bench/live_vote.py --members 30 500 1000 [--pattern both]
      [--workers 2] [--postgres] [--write docs/performance.md]
SQLite: a fresh database and key directory in a temporary directory. ``--postgres``: a fresh
database ``ecabinet_bench_live`` on DATABASE_URL's server (default the local one, user
postgres), created and dropped, with Redis (REDIS_URL, default the local one) as the
channel layer. Client and server share this machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "ecabinet_bench_live"
DEFAULT_SPREAD = 10.0
HUMAN_SECONDS = DEFAULT_SPREAD  # set from --spread in the child
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The server writes snapshots and answers with spaces after separators and events compactly
# (seq first): the patterns accept both.
VOTED = re.compile(r'"voted": ?(\d+)')
KIND = re.compile(r'"type": ?"(\w+)"')
SEQ = re.compile(r'"seq": ?(\d+)')
POLL_EVENT = re.compile(r'"event": ?"poll"')
POLL_PART = re.compile(r'"poll": ?\{')
POLL_ID = re.compile(r'"id": ?(\d+)')  # the first id in a poll part is the poll's
OPEN = re.compile(r'"status": ?"open"')
CLOSED = re.compile(r'"status": ?"closed"')


# --- environment ---------------------------------------------------------------------------


def prepare_env(postgres: bool) -> str:
    data_dir = tempfile.mkdtemp(prefix="ecabinet-bench-live-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["ECABINET_DATA_DIR"] = data_dir
    os.environ["ECABINET_KEY_DIR"] = str(Path(data_dir) / "keys")
    os.environ["ECABINET_KEK_AUTOCREATE"] = "1"
    os.environ.pop("ECABINET_KEK", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ecabinet.settings"
    os.environ["ECABINET_TESTING"] = "0"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    os.environ["ECABINET_REDIS_PREFIX"] = "ecab-bench-live"
    if not postgres:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        return "embedded: SQLite (WAL, IMMEDIATE, synchronous=FULL), in-memory channel layer"
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
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")

    atexit.register(drop)
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    return "scale: PostgreSQL (local, fsync on), Redis channel layer"


# --- the world (not timed) -----------------------------------------------------------------


@dataclass
class Member:
    user_id: int
    cookie: str


@dataclass
class World:
    meeting_id: int
    items: list[int]
    members: list[Member]  # members[0] is the chair


def build(n: int) -> World:
    """A meeting in session with two discussion items and N invited voting members, each
    with a certificate, an authenticator, a logged-in session and a signing window."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ecabinet.accounts.stepup import stepup_confirm, stepup_request
    from ecabinet.bodies.models import Role
    from ecabinet.core.testing.factories import MembershipFactory, UserFactory
    from ecabinet.core.testing.personas import build_world
    from ecabinet.meetings.live import services as live
    from ecabinet.meetings.models import AgendaItem, Invitation, Meeting
    from ecabinet.meetings.tests.conftest import build_prep
    from ecabinet.signatures import ca
    from ecabinet.signatures.statements import canonical

    call_command("migrate", verbosity=0)
    # Setup only: passwords are never typed here (sessions are created directly), and
    # PBKDF2 would cost ~0.3 s per member.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = build_world()
    ca.ca_init()
    prep = build_prep(world)
    meeting = prep.ready(title=f"Phiên họp đo hiệu năng ({n} thành viên)")
    second = prep.add_item(meeting, "Đề án đo hiệu năng thứ hai")
    items = [AgendaItem.objects.get(meeting=meeting, number=1).pk, second.pk]
    AgendaItem.objects.filter(pk__in=items).update(
        block=AgendaItem.Block.DISCUSSION, status=AgendaItem.Status.DISCUSSION
    )
    admin = world.user("admin")
    assert admin is not None
    memberships = [world.memberships["chair"]]
    for i in range(1, n):
        memberships.append(
            MembershipFactory.create(
                body=world.body,
                user=UserFactory.create(username=f"tv{i:04d}", full_name=f"Thành viên {i:04d}"),
                role=Role.MEMBER,
                precedence=10 + i,
            )
        )
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            meeting=meeting,
            membership=m,
            user=m.user,
            role=m.role,
            precedence=p,
            response=Invitation.Response.ACCEPTED,
            responded_at=now,
        )
        for p, m in enumerate(memberships, start=1)
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.DOCUMENTS_PUBLISHED,
        invitations_sent_at=now,
        documents_published_at=now,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=3),
    )
    meeting = Meeting.objects.select_related("body", "chair", "secretary").get(pk=meeting.pk)
    scope = ("meeting", str(meeting.pk))
    members: list[Member] = []
    for m in memberships:
        user = m.user
        ca.certificate_issue(actor=admin, membership=m)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        key = session.session_key
        # The signing page's two steps: a challenge for the window, confirmed with a code.
        challenge = stepup_request(
            actor=user,
            session_key=key,
            purpose="meetings.signing_window",
            content=canonical({"purpose": "meetings.signing_window", "user": user.pk}),
            summary=f"Mở phiên ký cho cuộc họp «{meeting.title}»",
            window_scope=scope,
        )
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        stepup_confirm(
            actor=user,
            session_key=key,
            challenge=challenge,
            code=f"{code:0{device.digits}d}",
            open_window_for=scope,
        )
        members.append(Member(user.pk, f"{settings.SESSION_COOKIE_NAME}={key}"))
    chair = world.user("chair")
    assert chair is not None
    live.meeting_open_session(actor=chair, meeting=meeting, seq=meeting.seq)
    return World(meeting.pk, items, members)


# --- server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn on the project's ASGI app, like ``ecabinet run`` (lifespan off, sans-io ws)."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "ecabinet.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--lifespan",
            "off",
            "--ws",
            "websockets-sansio",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        if workers > 1:
            command += ["--workers", str(workers)]
        self.workers = workers
        self.proc = subprocess.Popen(command, cwd=ROOT)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        if workers > 1:
            while len(self.pids()) < workers + 1:
                time.sleep(0.2)

    def pids(self) -> list[int]:
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return pids
        return pids + [int(p) for p in children.split()]

    def cpu(self) -> float:
        """User + system CPU seconds of the server's processes so far."""
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        return total

    def peak_rss_mb(self) -> float:
        """Sum of the peak resident sets (VmHWM) of the processes that serve sockets."""
        pids = self.pids()
        serving = pids[1:] if self.workers > 1 else pids
        total = 0
        for pid in serving:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- screens -------------------------------------------------------------------------------


@dataclass
class Screen:
    """One member's open live screen."""

    member: Member
    url: str
    origin: str
    ws: Any = None
    reader: asyncio.Task[None] | None = None
    messages: int = 0
    bytes: int = 0
    seq: int = -1
    pending: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    poll_open_at: float | None = None
    full_tally_at: float | None = None
    results_at: float | None = None
    target: int = 0  # the tally that counts as complete
    resyncs: int = 0
    gaps: list[str] = field(default_factory=list)
    snapshots: int = 0  # sent by the server to catch up (a beacon), not asked for
    stale: int = 0
    # Polls of earlier rounds (shared by all screens): a snapshot or a late message that
    # shows one of them says nothing about the poll being measured.
    finished: set[int] = field(default_factory=set)

    def reset_poll(self, target: int) -> None:
        self.poll_open_at = self.full_tally_at = self.results_at = None
        self.target = target

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.url,
            additional_headers={"Cookie": self.member.cookie},
            origin=self.origin,  # type: ignore[arg-type]
            max_size=None,
            compression=None,
            open_timeout=60,
            ping_interval=None,
        )
        snapshot = asyncio.get_running_loop().create_future()
        self.pending["snapshot"] = snapshot
        self.reader = asyncio.create_task(self._read())
        await snapshot

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader
        self.ws = self.reader = None

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        ref = message["ref"] = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self.pending[ref] = future
        await self.ws.send(json.dumps(message))
        return await future

    async def chair_action(self, message: dict[str, Any]) -> dict[str, Any]:
        """A chair action with the seq this console saw; stale: reload, check, retry."""
        reply: dict[str, Any] = {}
        for _attempt in range(5):
            reply = await self.request({**message, "seq": self.seq})
            if reply["type"] == "ack" or reply.get("reason") != "stale":
                break
            self.stale += 1
            resync = await self.request({"action": "resync"})
            self.seq = max(self.seq, int(resync["data"].get("seq", self.seq)))
        assert reply["type"] == "ack", reply
        return reply

    async def _read(self) -> None:
        import websockets

        try:
            async for text in self.ws:
                now = time.perf_counter()
                self.messages += 1
                self.bytes += len(text)
                head = text[:48]
                found_kind = KIND.search(head)
                found_seq = SEQ.search(head)
                kind = found_kind.group(1) if found_kind else ""
                # Only the small answers are parsed; events are recognised by their text
                # (a real screen parses everything, but on its own device).
                if kind in ("ack", "error"):
                    reply = json.loads(text)
                    future = self.pending.pop(str(reply.get("ref")), None)
                    if future is not None and not future.done():
                        future.set_result(reply)
                elif kind == "snapshot" and found_seq is not None:
                    self.seq = int(found_seq.group(1))
                    future = self.pending.pop("snapshot", None)
                    if future is not None and not future.done():
                        future.set_result({})
                        continue
                    self.snapshots += 1  # the server's catch-up (a resync answers an ack)
                    if part := POLL_PART.search(text):
                        self._poll(text[part.start() :], now)
                elif kind == "event" and found_seq is not None:
                    seq = int(found_seq.group(1))
                    if seq > self.seq + 1 and self.seq >= 0:
                        # The contract's rule: a missed event, reload the whole state.
                        self.resyncs += 1
                        self.gaps.append(f"{self.seq} → {seq} ({text[:90]})")
                        self.seq = seq
                        await self.ws.send(json.dumps({"action": "resync", "ref": "gap"}))
                        continue
                    self.seq = max(self.seq, seq)
                    if POLL_EVENT.search(text[:80]):
                        self._poll(text, now)
        except websockets.ConnectionClosed:
            pass

    def _poll(self, text: str, now: float) -> None:
        found_id = POLL_ID.search(text)
        if found_id is None or int(found_id.group(1)) in self.finished:
            return
        if OPEN.search(text):
            if self.poll_open_at is None:
                self.poll_open_at = now
            found = VOTED.search(text)
            if found and int(found.group(1)) >= self.target and self.full_tally_at is None:
                self.full_tally_at = now
        elif CLOSED.search(text) and self.results_at is None:
            self.results_at = now
            if self.full_tally_at is None:
                self.full_tally_at = now


async def gather_limited(coros: list[Any], limit: int) -> list[Any]:
    semaphore = asyncio.Semaphore(limit)

    async def one(coro: Any) -> Any:
        async with semaphore:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


@dataclass
class PollFigures:
    pattern: str
    latencies: list[float]
    errors: dict[str, int]
    retries: int
    first_submit_to_last_ack: float
    last_ack_to_full_tally: float
    last_ack_to_results: float
    close_to_results: float
    messages: int
    bytes: int
    server_cpu: float
    wall: float
    poll_id: int
    missing_results: int = 0
    resyncs: int = 0
    snapshots: int = 0
    stale: int = 0


async def vote_round(
    screens: list[Screen], world: World, item: int, pattern: str, server: Server
) -> PollFigures:
    chair = screens[0]
    n = len(screens)
    for s in screens:
        s.reset_poll(n)
    messages0 = sum(s.messages for s in screens)
    snapshots0 = sum(s.snapshots for s in screens)
    resyncs0 = sum(s.resyncs for s in screens)
    bytes0 = sum(s.bytes for s in screens)
    cpu0, wall0 = server.cpu(), time.perf_counter()
    # The chair takes up the item, waits for its two events (meeting, items), opens the poll.
    seen = chair.seq
    await chair.chair_action({"action": "item.start", "item": item})
    while chair.seq < seen + 2:
        await asyncio.sleep(0.005)
    reply = await chair.chair_action({"action": "poll.open", "items": [item]})
    poll_id = int(reply["data"]["poll"])
    opened = time.perf_counter()
    while any(s.poll_open_at is None for s in screens):
        if time.perf_counter() - opened > 60:
            break  # reported as missing screens
        await asyncio.sleep(0.005)
    for s in screens:
        s.poll_open_at = s.poll_open_at or time.perf_counter()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    retries = 0
    submitted: list[float] = []
    acked: list[float] = []
    choices = ("agree", "agree", "agree", "disagree", "other")

    async def vote(i: int, s: Screen, delay: float) -> None:
        nonlocal retries
        if delay:
            await asyncio.sleep(delay)
        key = str(uuid.uuid4())
        start = time.perf_counter()
        submitted.append(start)
        for attempt in range(20):
            reply = await s.request(
                {"action": "vote", "poll": poll_id, "choice": choices[i % 5], "key": key}
            )
            if reply["type"] == "ack":
                break
            code = str(reply.get("code"))
            errors[code] = errors.get(code, 0) + 1
            if code != "unavailable":
                return
            retries += 1  # the same key again: never counted twice
            await asyncio.sleep(0.2 * (attempt + 1))
        else:
            return
        done = time.perf_counter()
        acked.append(done)
        latencies.append(done - start)

    delays = [random.uniform(0, HUMAN_SECONDS) if pattern == "human" else 0.0 for _ in screens]
    label = f"human ({HUMAN_SECONDS:g} s)" if pattern == "human" else pattern
    pairs = enumerate(zip(screens, delays, strict=True))
    await asyncio.gather(*(vote(i, s, d) for i, (s, d) in pairs))
    last_ack = max(acked) if acked else time.perf_counter()
    await chair.chair_action({"action": "poll.close", "poll": poll_id})
    closed = time.perf_counter()
    while any(s.results_at is None for s in screens):
        if time.perf_counter() - closed > 120:
            break  # reported as missing screens
        await asyncio.sleep(0.005)
    missing = sum(1 for s in screens if s.results_at is None)
    await asyncio.sleep(0.2)  # late tally refreshes still count as messages
    return PollFigures(
        pattern=label,
        latencies=latencies,
        errors=errors,
        retries=retries,
        first_submit_to_last_ack=last_ack - min(submitted),
        last_ack_to_full_tally=max(s.full_tally_at or closed for s in screens) - last_ack,
        last_ack_to_results=max(s.results_at or closed + 120 for s in screens) - last_ack,
        close_to_results=max(s.results_at or closed + 120 for s in screens) - closed,
        missing_results=missing,
        resyncs=sum(s.resyncs for s in screens) - resyncs0,
        snapshots=sum(s.snapshots for s in screens) - snapshots0,
        stale=chair.stale,
        messages=sum(s.messages for s in screens) - messages0,
        bytes=sum(s.bytes for s in screens) - bytes0,
        server_cpu=server.cpu() - cpu0,
        wall=time.perf_counter() - wall0,
        poll_id=poll_id,
    )


@dataclass
class RunFigures:
    n: int
    checkin_seconds: float
    connect_seconds: float
    polls: list[PollFigures]
    peak_rss_mb: float
    client_cpu: float
    verified: dict[str, Any]


async def run_clients(world: World, server: Server, patterns: list[str]) -> RunFigures:
    url = f"ws://127.0.0.1:{server.port}/ws/cuoc-hop/{world.meeting_id}/"
    origin = f"http://127.0.0.1:{server.port}"
    finished: set[int] = set()
    screens = [Screen(m, url, origin, finished=finished) for m in world.members]
    usage0 = resource.getrusage(resource.RUSAGE_SELF)

    async def check_in(s: Screen) -> None:
        await s.connect()
        reply = await s.request({"action": "checkin", "mode": "room"})
        assert reply["type"] == "ack", reply
        await s.close()

    started = time.perf_counter()
    await gather_limited([check_in(s) for s in screens], 8)
    checkin = time.perf_counter() - started
    started = time.perf_counter()
    await gather_limited([s.connect() for s in screens], 50)
    connect = time.perf_counter() - started
    for s in screens:
        s.messages = s.bytes = 0
    polls = []
    for pattern, item in zip(patterns, world.items, strict=False):
        polls.append(await vote_round(screens, world, item, pattern, server))
        finished.add(polls[-1].poll_id)
    rss = server.peak_rss_mb()
    for index, s in enumerate(screens):
        for gap in s.gaps:
            print(f"  N={len(screens)}: screen {index} missed an event: seq {gap}", flush=True)
    await gather_limited([s.close() for s in screens], 100)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return RunFigures(
        n=len(screens),
        checkin_seconds=checkin,
        connect_seconds=connect,
        polls=polls,
        peak_rss_mb=rss,
        client_cpu=usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime,
        verified={},
    )


def verify(run: RunFigures) -> None:
    from django.db.models import Count

    from ecabinet.audit.verify import verify_chain
    from ecabinet.meetings.models import Vote

    for poll in run.polls:
        votes = Vote.objects.filter(poll_id=poll.poll_id)
        seats = votes.values("membership").annotate(c=Count("pk")).filter(c__gt=1).count()
        keys = votes.values("idempotency_key").annotate(c=Count("pk")).filter(c__gt=1).count()
        run.verified[poll.pattern] = {
            "votes": votes.count(),
            "duplicates": seats + keys,
            "unsigned": votes.filter(statement__isnull=True).count(),
        }
    report = verify_chain()
    run.verified["audit"] = bool(report.ok)


# --- report --------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def table(runs: list[RunFigures], shape: str, workers: int) -> list[str]:
    lines = [
        f"Shape: {shape}; {workers} server process(es). Client and server share the "
        f"machine's {os.cpu_count()} cores.",
        "",
        "| N | pattern | votes recorded / lost / duplicated | votes/s | ack p50 | p95 | p99 | "
        "max | last ack → full tally on all screens | last ack → results on all screens "
        "(close → results) | messages to screens | server CPU | server peak RSS | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for p in run.polls:
            v = run.verified.get(p.pattern, {})
            recorded = v.get("votes", 0)
            rate = len(p.latencies) / p.first_submit_to_last_ack if p.latencies else 0.0
            errs = ", ".join(f"{k} {c}" for k, c in sorted(p.errors.items())) or "none"
            if p.retries:
                errs += f" ({p.retries} retried)"
            if p.stale:
                errs += f"; chair console stale {p.stale}×, reloaded"
            if p.resyncs:
                errs += f"; {p.resyncs} resyncs after a missed event"
            if p.snapshots:
                errs += f"; {p.snapshots} snapshots sent to screens behind (beacon)"
            if p.missing_results:
                errs += f"; {p.missing_results} screens without results after 120 s"
            lines.append(
                f"| {run.n} | {p.pattern} | {recorded} / {run.n - recorded} / "
                f"{v.get('duplicates', '?')} | "
                f"{rate:,.0f} | {ms(pct(p.latencies, 50))} | {ms(pct(p.latencies, 95))} | "
                f"{ms(pct(p.latencies, 99))} | {ms(max(p.latencies, default=0))} | "
                f"{ms(p.last_ack_to_full_tally)} | {ms(p.last_ack_to_results)} "
                f"({ms(p.close_to_results)}) | {p.messages:,} ({p.bytes / 1e6:,.1f} MB) | "
                f"{p.server_cpu:.1f} s in {p.wall:.1f} s | {run.peak_rss_mb:,.0f} MB | {errs} |"
            )
    lines.append("")
    for run in runs:
        lines.append(
            f"N = {run.n}: check-in over the socket {run.checkin_seconds:.1f} s "
            f"({run.n / run.checkin_seconds:,.0f}/s, 8 screens at a time); all screens "
            f"connected (snapshot received) in {run.connect_seconds:.1f} s; audit chain "
            f"verifies: {'yes' if run.verified.get('audit') else 'NO'}; unsigned votes: "
            f"{sum(run.verified.get(p.pattern, {}).get('unsigned', 0) for p in run.polls)}; "
            f"client process CPU {run.client_cpu:.1f} s."
        )
    return lines


def one_run(n: int, args: argparse.Namespace, patterns: list[str]) -> RunFigures:
    """A child process per N: fresh database, world, server, screens."""
    import django

    django.setup()
    from django.db import connections

    t0 = time.perf_counter()
    world = build(n)
    print(f"  N={n}: setup {time.perf_counter() - t0:.1f} s (not timed)", flush=True)
    connections.close_all()
    server = Server(args.workers)
    try:
        run = asyncio.run(run_clients(world, server, patterns))
    finally:
        server.stop()
    verify(run)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[30])
    parser.add_argument("--pattern", choices=("burst", "human", "both"), default="both")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--spread", type=float, default=DEFAULT_SPREAD, help="seconds over which humans vote"
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--write", type=Path, help="append the figures (Markdown) to this file")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    patterns = ["burst", "human"] if args.pattern == "both" else [args.pattern]
    if args.child is not None:
        global HUMAN_SECONDS
        HUMAN_SECONDS = args.spread
        prepare_env(args.postgres)
        run = one_run(args.child, args, patterns)
        args.out.write_text(json.dumps(run, default=lambda o: o.__dict__))
        return
    shape = (
        "scale: PostgreSQL (local, fsync on), Redis channel layer"
        if args.postgres
        else "embedded: SQLite (WAL, IMMEDIATE, synchronous=FULL), in-memory channel layer"
    )
    runs: list[RunFigures] = []
    for n in args.members:
        # One process per N: a fresh database and Django state each time.
        out = Path(tempfile.mkstemp(prefix="ecabinet-bench-live-", suffix=".json")[1])
        command = [sys.executable, __file__, "--child", str(n), "--out", str(out)]
        command += ["--pattern", args.pattern, "--workers", str(args.workers)]
        command += ["--spread", str(args.spread)]
        if args.postgres:
            command.append("--postgres")
        subprocess.run(command, check=True)
        data = json.loads(out.read_text())
        out.unlink()
        data["polls"] = [PollFigures(**p) for p in data["polls"]]
        runs.append(RunFigures(**data))
    header = [
        "eCabinet live voting benchmark",
        f"  machine:  {platform.processor() or platform.machine()} | {os.cpu_count()} CPUs | "
        f"Python {platform.python_version()} | {platform.platform()}",
        f"  date:     {datetime.now(UTC).isoformat(timespec='seconds')}",
    ]
    lines = table(runs, shape, args.workers)
    print("\n".join([*header, "", *lines]))
    if args.write:
        with args.write.open("a", encoding="utf-8") as out_file:
            out_file.write(
                f"\n#### {datetime.now(UTC).date().isoformat()}, {shape}, "
                f"{args.workers} process(es)\n\n" + "\n".join(lines) + "\n"
            )


if __name__ == "__main__":
    main()
