"""Run ecabinet: migrate, optionally load demo data, serve over ASGI with a task worker.

Used by `make run`. The web server (uvicorn, in this process) and the task worker (a child
process) stop together on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from ecabinet.core.demo import demo_exists, load_demo


class Command(BaseCommand):
    help = "Chạy máy chủ web và tiến trình nền / run the web server and the task worker."
    requires_system_checks = []  # run performs the checks itself before serving

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="load demo data if missing")
        parser.add_argument("--no-worker", action="store_true", help="do not start the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("check")
        call_command("migrate", interactive=False, verbosity=0)
        if not (settings.DEBUG or settings.TESTING):
            call_command("collectstatic", interactive=False, verbosity=0)
        if options["demo"]:
            if not demo_exists():
                self.stdout.write("Đang tạo dữ liệu minh họa / loading demo data ...")
                load_demo()
            from ecabinet.core.management.commands.demo import print_logins

            print_logins(self.stdout.write)

        children: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            children.append(
                subprocess.Popen([sys.executable, "-m", "ecabinet.cli", "db_worker", "--no-reload"])
            )
            # Reminders and escalation (tracking app): a scan every minute; overlaps are safe.
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ecabinet.cli", "tracking_scan", "--loop", "60"]
                )
            )
            # Ballots whose deadline has passed close on their own (idempotent).
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ecabinet.cli", "ballots_close_due", "--loop", "60"]
                )
            )
            # Agenda items open for positions, and split into blocks at the cut-off (idempotent).
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ecabinet.cli", "meetings_positions_due", "--loop", "60"]
                )
            )
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(f"eCabinet: {url}  (Ctrl-C để dừng / to stop)")
        config = uvicorn.Config(
            "ecabinet.asgi:application",
            host=options["host"],
            port=options["port"],
            lifespan="off",
            log_level="info",
            ws="websockets-sansio",
        )
        server = uvicorn.Server(config)
        try:
            server.run()
        finally:
            for child in children:
                _stop(child)
        if not server.started:
            # Most often the port is taken: say so instead of exiting silently.
            self.stderr.write(f"Không khởi động được máy chủ tại {url} / could not start at {url}")
            sys.exit(1)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
