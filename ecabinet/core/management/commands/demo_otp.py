"""Print a demo user's current TOTP code (demo installations only)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.core.demo import demo_exists


class Command(BaseCommand):
    help = "In mã TOTP hiện tại của một tài khoản minh họa / print a demo user's TOTP code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_exists():
            raise CommandError("Chỉ dùng cho bản minh họa / only for demo installations.")
        device = TOTPDevice.objects.filter(
            user__username=options["username"], user__email__endswith="@demo.ecabinet.invalid"
        ).first()
        if device is None:
            raise CommandError("Không có thiết bị TOTP minh họa cho tài khoản này.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}  (còn {left} giây / {left}s left)")
