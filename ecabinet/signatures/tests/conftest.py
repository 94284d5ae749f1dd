"""Fixtures of the signatures tests: a private key directory, the internal CA, members."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecabinet.bodies.models import Membership, Role, Title
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import ca_init, certificate_issue
from ecabinet.signatures.models import CertificateAuthority, MemberCertificate


@pytest.fixture(autouse=True)
def key_dir(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test seals with its own KEK in a temporary directory, never the real one."""
    directory = tmp_path / "keys"
    settings.ECABINET_KEY_DIR = directory
    settings.ECABINET_KEK_AUTOCREATE = True
    settings.ECABINET_KEY_STORE = "software"
    monkeypatch.delenv("ECABINET_KEK", raising=False)
    monkeypatch.delenv("ECABINET_KEK_PREVIOUS", raising=False)
    return directory


@pytest.fixture
def authorities(db: None) -> dict[str, CertificateAuthority]:
    return ca_init()


@pytest.fixture
def signing_member(world: World) -> Membership:
    """The member persona, with a title, ready to receive a certificate."""
    membership = world.memberships["member"]
    membership.title = Title.objects.create(body=world.body, name="Bộ trưởng Bộ Thử nghiệm")
    membership.save(update_fields=["title"])
    return membership


@pytest.fixture
def issue(
    world: World, authorities: dict[str, CertificateAuthority]
) -> Callable[..., MemberCertificate]:
    """``issue(membership)``: a certificate issued by the system administrator."""

    def do(membership: Membership, **kwargs: Any) -> MemberCertificate:
        admin = world.user("admin")
        assert admin is not None
        return certificate_issue(actor=admin, membership=membership, **kwargs)

    return do


@pytest.fixture
def member_certificate(
    signing_member: Membership, issue: Callable[..., MemberCertificate]
) -> MemberCertificate:
    return issue(signing_member)


@pytest.fixture
def body_admin(world: World) -> Membership:
    return MembershipFactory.create(body=world.body, role=Role.BODY_ADMIN)  # type: ignore[no-any-return]
