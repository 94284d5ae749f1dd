"""Concurrent use of one confirmation: exactly one signature, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ecabinet.accounts import stepup
from ecabinet.accounts.models import StepUpChallenge
from ecabinet.accounts.tests.conftest import device_code, enrol
from ecabinet.accounts.tests.test_stepup_services import CONTENT, SESSION, SUMMARY
from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import UserFactory

THREADS = 6


def _race(target: object, count: int = THREADS) -> list[str]:
    """Run ``target`` in ``count`` threads released together; collect what each got."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            assert callable(target)
            result = target()
        except DomainError as exc:
            result = exc.code
        except Exception as exc:  # reported through the outcomes, not swallowed
            result = f"crash: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(str(result))

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_concurrent_consumes_sign_exactly_once() -> None:
    user = UserFactory.create(username="kyso")
    device, _codes = enrol(user)
    challenge = stepup.stepup_request(
        actor=user, session_key=SESSION, purpose="statement", content=CONTENT, summary=SUMMARY
    )
    stepup.stepup_confirm(
        actor=user, session_key=SESSION, challenge=challenge, code=device_code(device)
    )

    def spend() -> str:
        stepup.stepup_consume(
            actor=user, session_key=SESSION, challenge_id=challenge.pk, content=CONTENT
        )
        return "ok"

    outcomes = _race(spend)
    assert outcomes == ["ok"] + ["replayed"] * (THREADS - 1)
    assert StepUpChallenge.objects.get(pk=challenge.pk).consumed_at is not None
    assert AuditEvent.objects.filter(verb="accounts.stepup_consumed").count() == 1
    assert (
        AuditEvent.objects.filter(verb="accounts.stepup_failed", after__reason="replayed").count()
        == THREADS - 1
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_confirm_exactly_once() -> None:
    """The same confirmation posted several times at once (a replay) passes once."""
    user = UserFactory.create(username="kyso2")
    device, _codes = enrol(user)
    challenge = stepup.stepup_request(
        actor=user, session_key=SESSION, purpose="statement", content=CONTENT, summary=SUMMARY
    )
    code = device_code(device)

    def post() -> str:
        stepup.stepup_confirm(actor=user, session_key=SESSION, challenge=challenge, code=code)
        return "ok"

    outcomes = _race(post)
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "already_confirmed"}
    assert AuditEvent.objects.filter(verb="accounts.stepup_confirmed").count() == 1
