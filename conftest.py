"""Fixtures shared by the whole suite."""

from __future__ import annotations

from typing import Any

import pytest

from ecabinet.core.testing.personas import World, build_world


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> None:
    """Keys and encrypted document files of each test go to a temporary directory."""
    root = tmp_path_factory.mktemp("data")
    settings.ECABINET_KEY_DIR = root / "keys"
    settings.ECABINET_KEK_AUTOCREATE = True
    storages = dict(settings.STORAGES)
    storages["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root / "documents"), "file_permissions_mode": 0o600},
    }
    settings.STORAGES = storages


@pytest.fixture
def world(db: None) -> World:
    """Two bodies and every persona (see ecabinet/core/testing/personas.py)."""
    return build_world()


def _flush_inside_audit_maintenance() -> None:
    """Run Django's between-test flush inside the audit log's maintenance bypass.

    Triggers refuse DELETE/TRUNCATE of audit rows (docs/decisions/0100-audit-chain.md);
    transactional and live-server tests empty every table after each test, on purpose.
    """
    from contextlib import ExitStack

    from django.test import TransactionTestCase

    from ecabinet.audit.maintenance import audit_maintenance

    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self: TransactionTestCase) -> None:
        with ExitStack() as stack:
            for alias in self._databases_names(include_mirrors=False):
                stack.enter_context(audit_maintenance(alias))
            flush(self)

    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]


_flush_inside_audit_maintenance()
