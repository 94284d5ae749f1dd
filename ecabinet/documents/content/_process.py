"""Private working directories and bounded external programs (LibreOffice, Tesseract, Poppler).

An uploaded file's plaintext touches the disk only inside a directory that only this user can
enter (mode 0700) and that is removed when the work ends, also after a failure or a timeout.
A program that runs past its time is killed with its whole process group (LibreOffice starts
helper processes of its own).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

PRIVATE_MODE = 0o700


@contextmanager
def private_workdir(prefix: str) -> Iterator[Path]:
    """A fresh directory of mode 0700 under the system temporary directory, removed on exit."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path.chmod(PRIVATE_MODE)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes


class TimedOut(Exception):
    """The program ran past its time and was killed with its process group."""


def run_program(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> Finished:
    """Run a program (absolute path first) in its own session; kill the group on timeout."""
    if timeout <= 0:
        raise TimedOut("no time left")
    process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell, resolved program path
        list(args),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise TimedOut(f"{Path(args[0]).name} ran past {timeout:.0f} s") from exc
    except BaseException:
        _kill_group(process)
        raise
    return Finished(process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # The group id is the child's pid (start_new_session): still ours while it is unreaped.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def program_env(home: Path) -> dict[str, str]:
    """A minimal environment: home and temporary files inside the private directory."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # Tesseract: one thread per process; the worker runs tasks side by side.
        "OMP_THREAD_LIMIT": "1",
    }
    return env
