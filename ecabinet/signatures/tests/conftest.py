"""Fixtures of the signatures tests: a private key directory, the internal CA, members."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ecabinet.bodies.models import Membership, Role, Title
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import ca_init, certificate_issue
from ecabinet.signatures.models import CertificateAuthority, MemberCertificate

SOFTHSM = os.environ.get("ECABINET_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
TOKEN = "ecabinet-test"
PIN = "246810"


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


# --- PKCS#11 (SoftHSM2) --------------------------------------------------------------------


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SoftHSM2 token in a temporary directory, for the whole session."""
    util = shutil.which("softhsm2-util")
    if not os.path.exists(SOFTHSM) or util is None:
        message = f"SoftHSM2 missing ({SOFTHSM}, softhsm2-util): PKCS#11 key store NOT tested"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"!!! {message} (apt-get install softhsm2)")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [util, "--init-token", "--free", "--label", TOKEN, "--so-pin", "13579", "--pin", PIN],
        check=True,
        capture_output=True,
    )
    import pkcs11

    # A module already loaded in this process read another configuration: start it again.
    pkcs11.lib(SOFTHSM).reinitialize()
    yield TOKEN
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def pkcs11_settings(settings: Any, softhsm_token: str) -> None:
    settings.ECABINET_PKCS11_MODULE = SOFTHSM
    settings.ECABINET_PKCS11_TOKEN = softhsm_token
    settings.ECABINET_PKCS11_PIN = PIN
