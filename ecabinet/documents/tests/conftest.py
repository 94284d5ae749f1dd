"""Fixtures of the documents tests: a dossier of the first body, uploads, a security officer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from ecabinet.bodies.models import Membership, Role
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.personas import World
from ecabinet.documents import services
from ecabinet.documents.models import Document, Dossier
from ecabinet.documents.tests.files import pdf_bytes

TEXT = "Quyết định điều chỉnh quy hoạch tổng thể phát triển kinh tế - xã hội"


@pytest.fixture
def dossier(world: World) -> Dossier:
    office = world.user("office")
    assert office is not None
    return services.dossier_create(
        actor=office,
        body=world.body,
        title="Hồ sơ đề án điều chỉnh quy hoạch",
        unit=world.memberships["agency"].unit,
    )


@pytest.fixture
def upload(world: World, dossier: Dossier) -> Callable[..., Document]:
    """``upload(data=..., filename=..., actor="office", **meta)``: a document in the dossier."""

    def do(
        data: bytes | None = None,
        filename: str = "to-trinh.pdf",
        actor: str = "office",
        target: Dossier | None = None,
        **meta: Any,
    ) -> Document:
        user = world.user(actor)
        assert user is not None
        return services.document_upload(
            actor=user,
            data=pdf_bytes(TEXT) if data is None else data,
            filename=filename,
            dossier=target or dossier,
            meta=services.DocumentMeta(**meta),
        )

    return do


@pytest.fixture
def security(world: World) -> Membership:
    return MembershipFactory.create(
        body=world.body,
        user=UserFactory.create(username="security", full_name="Cán bộ bảo mật"),
        role=Role.SECURITY,
    )


def stored_files() -> list[Path]:
    """Every file in the documents storage of this test."""
    location = Path(django_settings.STORAGES["documents"]["OPTIONS"]["location"])
    if not location.exists():
        return []
    return [p for p in location.rglob("*") if p.is_file()]
