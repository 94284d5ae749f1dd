"""`ecabinet audit verify`: "OK: N events, head <hash>" and exit 0, or the first bad row and 1."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ecabinet.audit.services import GENESIS_HASH
from ecabinet.audit.tests import helpers as h

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue().strip()


def test_verify_reports_ok_with_count_and_head() -> None:
    chain = h.make_chain(5)
    assert verify() == f"OK: 5 events, head {chain[-1].hash}"


def test_verify_of_an_empty_log_is_ok() -> None:
    assert verify() == f"OK: 0 events, head {GENESIS_HASH}"


@pytest.mark.parametrize(
    ("tamper", "seq", "vietnamese", "english"),
    [
        pytest.param(lambda: h.edit_field(2), 2, "đã bị sửa", "was edited", id="edited"),
        pytest.param(lambda: h.delete(3), 3, "đã bị xóa", "was deleted", id="deleted"),
        pytest.param(lambda: h.delete(5), 5, "đã bị xóa", "was deleted", id="tail-deleted"),
        pytest.param(
            lambda: h.swap_order(2, 3), 2, "đã bị đảo thứ tự", "was reordered", id="reordered"
        ),
        pytest.param(
            lambda: h.insert_forged(3), 3, "đã bị chèn thêm", "was inserted", id="inserted"
        ),
        pytest.param(
            h.tamper_head, 5, "Đầu chuỗi nhật ký không khớp", "head does not match", id="head"
        ),
    ],
)
def test_verify_names_the_first_bad_row_in_both_languages(
    tamper: object, seq: int, vietnamese: str, english: str
) -> None:
    h.make_chain(5)
    tamper()  # type: ignore[operator]
    with pytest.raises(CommandError) as failure:
        verify()
    message = str(failure.value)
    assert failure.value.returncode == 1
    assert f"#{seq}" in message
    assert vietnamese in message
    assert english in message
    assert f"first bad seq: {seq};" in message


def run_console(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``ecabinet ...`` in a child process against this test's (committed) database."""
    db = connection.settings_dict
    env = {**os.environ, "ECABINET_DATA_DIR": str(tmp_path), "SECRET_KEY": "test-only"}
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        link = tmp_path / "ecabinet.sqlite3"
        if not link.exists():
            link.symlink_to(db["NAME"])
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return subprocess.run(
        [sys.executable, "-m", "ecabinet.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_console_script_exit_codes(tmp_path: Path) -> None:
    h.make_chain(3)
    ok = run_console(tmp_path, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: 3 events, head ")

    h.delete(2)
    broken = run_console(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert "#2" in broken.stderr
    assert "first bad seq: 2; reason: deleted" in broken.stderr


def test_verify_is_required_as_the_action() -> None:
    with pytest.raises(CommandError):
        call_command("audit")
