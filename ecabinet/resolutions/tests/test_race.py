"""Two editors save on the same version at the same moment: exactly one version is written.

Real concurrency, each editor in their own thread and database connection: the
resolution row's lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) serialises them,
and the second finds that the version it started from is no longer the current one.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from django.db import connection

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Role
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.resolutions import selectors, services
from ecabinet.resolutions.models import Resolution, ResolutionVersion
from ecabinet.resolutions.tests.conftest import Desk


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_version_one_at_once(desk: Desk) -> None:
    resolution = desk.draft()
    editors = [
        desk.user("office"),
        MembershipFactory.create(
            body=desk.world.body, role=Role.OFFICE_STAFF, user=UserFactory.create()
        ).user,
    ]
    barrier = threading.Barrier(len(editors))
    results: list[str] = []

    def save(user: object, title: str) -> None:
        row = Resolution.objects.select_related("body", "current_version").get(pk=resolution.pk)
        assert row.current_version is not None
        content = replace(selectors.content_of(row.current_version), title=title)
        try:
            barrier.wait(timeout=10)
            services.resolution_edit(
                actor=user,  # type: ignore[arg-type]
                resolution=row,
                base_version=1,
                content=content,
            )
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(user, f"Tên của người sửa {n}"))
        for n, user in enumerate(editors)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["ok", "stale"]
    assert list(
        ResolutionVersion.objects.filter(resolution=resolution).values_list("number", flat=True)
    ) == [1, 2]
    assert AuditEvent.objects.filter(verb="resolutions.resolution_edit").count() == 1
