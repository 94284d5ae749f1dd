"""Load the demo bodies and people (idempotent: does nothing if they exist)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ecabinet.core.demo import DEMO_PASSWORD, HIGHLIGHTED, demo_exists, load_demo


class Command(BaseCommand):
    help = "Tải dữ liệu minh họa / Load the demo data (fictional Government and province)."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            self.stdout.write("Dữ liệu minh họa đã có / demo data already loaded.")
        else:
            count = load_demo()
            self.stdout.write(f"Đã tạo {count} người dùng minh họa / created {count} demo users.")
        print_logins(self.stdout.write)


def print_logins(write: Any) -> None:
    write("")
    write(f"Tài khoản minh họa / demo logins (mật khẩu / password: {DEMO_PASSWORD})")
    for login in HIGHLIGHTED:
        write(f"  {login.username:<22} {login.role} — {login.body}")
    write("Mã xác thực hai lớp / second-factor code: .venv/bin/ecabinet demo_otp <tên đăng nhập>")
    write("")
