"""Private working directories and the killing of programs that run past their time."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from ecabinet.documents.content._process import TimedOut, private_workdir, run_program


def _write_then_fail(seen: list[Path]) -> None:
    with private_workdir("ecabinet-test-") as work:
        seen.append(work)
        assert stat.S_IMODE(work.stat().st_mode) == 0o700
        (work / "plaintext.docx").write_bytes(b"noi dung")
        raise RuntimeError("boom")


def test_private_workdir_is_0700_and_removed_even_after_an_error() -> None:
    seen: list[Path] = []
    with pytest.raises(RuntimeError, match="boom"):
        _write_then_fail(seen)
    assert len(seen) == 1
    assert not seen[0].exists()


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    script = "sleep 60 & echo $! > child.pid; wait"
    started = time.monotonic()
    with pytest.raises(TimedOut):
        run_program(["/bin/sh", "-c", script], cwd=tmp_path, timeout=0.5)
    assert time.monotonic() - started < 10
    child = int((tmp_path / "child.pid").read_text())
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child)


def test_output_and_exit_code(tmp_path: Path) -> None:
    finished = run_program(
        ["/bin/sh", "-c", "echo xin chào; echo lỗi >&2; exit 3"], cwd=tmp_path, timeout=10
    )
    assert finished.returncode == 3
    assert finished.stdout.decode() == "xin chào\n"
    assert finished.stderr.decode() == "lỗi\n"
