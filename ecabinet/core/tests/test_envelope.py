"""Envelope encryption: round trip, binding to the object, tampering, KEK sources, rotation."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Any

import pytest

from ecabinet.core import envelope
from ecabinet.core.envelope import (
    KekConfigError,
    SealedDataError,
    current_kek_id,
    kek_id_of,
    open_sealed,
    rewrap,
    seal,
)


@pytest.fixture(autouse=True)
def key_dir(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "keys"
    settings.ECABINET_KEY_DIR = directory
    settings.ECABINET_KEK_AUTOCREATE = True
    monkeypatch.delenv("ECABINET_KEK", raising=False)
    monkeypatch.delenv("ECABINET_KEK_PREVIOUS", raising=False)
    return directory


def test_round_trip_and_fresh_randomness() -> None:
    a = seal(b"secret", aad=b"obj:1")
    b = seal(b"secret", aad=b"obj:1")
    assert a != b  # fresh data key and nonces each time
    assert b"secret" not in a
    assert open_sealed(a, aad=b"obj:1") == b"secret"
    assert open_sealed(b, aad=b"obj:1") == b"secret"
    assert a[0] == envelope.VERSION
    assert kek_id_of(a) == current_kek_id()


def test_first_kek_is_created_private_on_first_use(key_dir: Path) -> None:
    assert not key_dir.exists()
    kek_id = current_kek_id()
    key_file = key_dir / f"{kek_id}.kek"
    assert len(key_file.read_bytes()) == 32
    assert key_file.stat().st_mode & 0o077 == 0
    assert key_dir.stat().st_mode & 0o077 == 0
    assert current_kek_id() == kek_id  # stable afterwards


def test_scale_shape_does_not_invent_a_kek(settings: Any) -> None:
    settings.ECABINET_KEK_AUTOCREATE = False
    with pytest.raises(KekConfigError, match="ECABINET_KEK"):
        seal(b"x", aad=b"obj:1")


def test_other_object_identity_does_not_open() -> None:
    blob = seal(b"secret", aad=b"obj:1")
    with pytest.raises(SealedDataError):
        open_sealed(blob, aad=b"obj:2")


@pytest.mark.parametrize("where", ["kek_id", "wrapped", "nonce", "ciphertext", "tag"])
def test_any_altered_byte_is_refused(where: str) -> None:
    blob = bytearray(seal(b"secret payload", aad=b"obj:1"))
    header = 2 + blob[1]
    offsets = {
        "kek_id": 2,
        "wrapped": header + 12 + 3,
        "nonce": header + 12 + 48 + 1,
        "ciphertext": header + 12 + 48 + 12 + 1,
        "tag": len(blob) - 1,
    }
    blob[offsets[where]] ^= 0x01
    with pytest.raises(SealedDataError):
        open_sealed(bytes(blob), aad=b"obj:1")


@pytest.mark.parametrize(
    "blob", [b"", b"\x01", b"\x02" + b"\x00" * 120, b"\x01\x04abcd" + b"x" * 20]
)
def test_malformed_blobs_are_refused(blob: bytes) -> None:
    with pytest.raises(SealedDataError):
        open_sealed(blob, aad=b"obj:1")


def test_missing_kek_is_a_specific_error(key_dir: Path) -> None:
    blob = seal(b"secret", aad=b"obj:1")
    (key_dir / f"{kek_id_of(blob)}.kek").unlink()
    with pytest.raises(SealedDataError, match="unknown KEK"):
        open_sealed(blob, aad=b"obj:1")


def test_rewrap_moves_to_the_new_kek_and_old_file_can_go(key_dir: Path) -> None:
    old_id = current_kek_id()
    blob = seal(b"secret", aad=b"obj:1")
    new_id = envelope.create_kek()
    assert new_id != old_id
    assert current_kek_id() == new_id
    moved = rewrap(blob, aad=b"obj:1")
    assert kek_id_of(moved) == new_id
    assert rewrap(moved, aad=b"obj:1") == moved  # idempotent
    (key_dir / f"{old_id}.kek").unlink()
    assert open_sealed(moved, aad=b"obj:1") == b"secret"
    with pytest.raises(SealedDataError):
        open_sealed(blob, aad=b"obj:1")


def test_rewrap_refuses_a_blob_that_does_not_open() -> None:
    blob = bytearray(seal(b"secret", aad=b"obj:1"))
    blob[-1] ^= 0x01
    envelope.create_kek()
    with pytest.raises(SealedDataError):
        rewrap(bytes(blob), aad=b"obj:1")


def test_kek_from_environment(monkeypatch: pytest.MonkeyPatch, key_dir: Path) -> None:
    key = secrets.token_bytes(32)
    monkeypatch.setenv("ECABINET_KEK", base64.b64encode(key).decode())
    blob = seal(b"secret", aad=b"obj:1")
    assert kek_id_of(blob) == envelope.kek_id_for(key)
    assert not key_dir.exists()  # nothing written to disk
    with pytest.raises(KekConfigError):
        envelope.create_kek()
    # Rotation by the operator: new key in ECABINET_KEK, old one in ECABINET_KEK_PREVIOUS.
    new = secrets.token_bytes(32)
    monkeypatch.setenv("ECABINET_KEK", base64.b64encode(new).decode())
    monkeypatch.setenv("ECABINET_KEK_PREVIOUS", base64.b64encode(key).decode())
    moved = rewrap(blob, aad=b"obj:1")
    monkeypatch.delenv("ECABINET_KEK_PREVIOUS")
    assert open_sealed(moved, aad=b"obj:1") == b"secret"
    with pytest.raises(SealedDataError):
        open_sealed(blob, aad=b"obj:1")


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_malformed_environment_kek(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ECABINET_KEK", value)
    with pytest.raises(KekConfigError, match="base64 of 32 bytes"):
        seal(b"x", aad=b"obj:1")


def test_key_file_with_a_foreign_key_is_refused(key_dir: Path) -> None:
    blob = seal(b"secret", aad=b"obj:1")
    path = key_dir / f"{kek_id_of(blob)}.kek"
    path.write_bytes(os.urandom(32))
    with pytest.raises(SealedDataError, match="another key"):
        open_sealed(blob, aad=b"obj:1")
