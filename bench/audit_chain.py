"""Benchmark the audit chain: append rate (one writer and concurrent writers) and verify rate.

Every state change appends one audit event in its own transaction, so the append rate bounds
how fast the whole system can change state; `ecabinet audit verify` must stay practical for
auditors on years of events.

Run (embedded shape):   .venv/bin/python bench/audit_chain.py
Run (scale shape):      DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecabinet_bench \
                        .venv/bin/python bench/audit_chain.py
Options: --events N (sequential appends), --threads T --per-thread M, --verify-rows R.
The database is created fresh (a temporary SQLite file, or the named PostgreSQL database is
dropped and recreated). Client and server share this machine's cores.
"""

from __future__ import annotations

import argparse
import atexit
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _prepare_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"PostgreSQL ({name})"
    data_dir = tempfile.mkdtemp(prefix="ecabinet-bench-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["ECABINET_DATA_DIR"] = data_dir
    return "SQLite (WAL, IMMEDIATE, synchronous=FULL)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per-thread", type=int, default=250)
    parser.add_argument("--verify-rows", type=int, default=100_000)
    args = parser.parse_args()

    shape = _prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")
    os.environ["ECABINET_TESTING"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import close_old_connections, connection, transaction

    from ecabinet.audit.models import AuditEvent
    from ecabinet.audit.services import audit_append
    from ecabinet.audit.verify import verify_chain

    call_command("migrate", verbosity=0)

    def append_one(i: int, worker: int = 0) -> None:
        with transaction.atomic():
            audit_append(
                actor=None,
                verb="bench.append",
                object_type="bench.item",
                object_id=f"{worker}-{i}",
                object_repr=f"Mục thử {worker}-{i}",
                after={"i": i, "worker": worker, "note": "Đồng ý với dự thảo nghị quyết"},
            )

    # 1. One writer, one transaction per event (as a service does).
    start = time.perf_counter()
    for i in range(args.events):
        append_one(i)
    seq_rate = args.events / (time.perf_counter() - start)

    # 2. Concurrent writers: each thread has its own connection, all append at once.
    errors: list[BaseException] = []
    barrier = threading.Barrier(args.threads)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(args.per_thread):
                append_one(i, worker=n + 1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conc_total = args.threads * args.per_thread
    conc_rate = conc_total / (time.perf_counter() - start)

    # 3. Grow the log to --verify-rows with fast bulk appends, then time verification.
    existing = AuditEvent.objects.count()
    remaining = max(0, args.verify_rows - existing)
    _bulk_append(remaining)
    total = AuditEvent.objects.count()
    start = time.perf_counter()
    report = verify_chain()
    verify_seconds = time.perf_counter() - start

    lost = args.events + conc_total - existing
    print(f"ecabinet audit chain benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"database: {shape}; client and server share the machine")
    print(f"sequential appends: {args.events} events, {seq_rate:,.0f} events/s")
    print(
        f"concurrent appends: {args.threads} threads x {args.per_thread}, "
        f"{conc_rate:,.0f} events/s, errors {len(errors)}, lost {lost}"
    )
    print(
        f"verify: {total:,} events in {verify_seconds:.2f} s "
        f"({total / verify_seconds:,.0f} events/s), chain ok: {report.ok}"
    )
    if errors or not report.ok or existing != args.events + conc_total:
        print(f"FAILED: errors={errors[:3]} report={report}")
        sys.exit(1)


def _bulk_append(count: int) -> None:
    """Append ``count`` events in batches of 1,000 per transaction (setup for the verify run)."""
    from django.db import transaction

    from ecabinet.audit.services import audit_append

    done = 0
    while done < count:
        batch = min(1000, count - done)
        with transaction.atomic():
            for i in range(batch):
                audit_append(
                    actor=None,
                    verb="bench.fill",
                    object_type="bench.item",
                    object_id=str(done + i),
                    after={"i": done + i},
                )
        done += batch


if __name__ == "__main__":
    main()
