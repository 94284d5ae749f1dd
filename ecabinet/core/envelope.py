"""Envelope encryption of secrets at rest: AES-256-GCM, a fresh data key per item.

Each item is encrypted with its own random 256-bit data key; the data key is encrypted
("wrapped") with a key-encryption key (KEK) that never leaves this module. The blob names
the KEK by id, so a KEK can be rotated: ``rewrap`` re-encrypts only the data key.

Blob layout (all lengths in bytes)::

    version (1, = 1) | kek id length (1) | kek id (ASCII) |
    wrap nonce (12) | wrapped data key (32 + 16 tag) | nonce (12) | ciphertext + tag (16)

The caller's ``aad`` (the object's identity, e.g. ``b"softwarekey:<id>"``) is bound to both
layers, so a blob copied onto another object does not open. The wrapped key is also bound
to the header (version and KEK id). A failure raises ``SealedDataError``: there is no
fallback to another key or to plaintext.

Where KEKs come from (docs/decisions/0600-signatures-keys.md):

- ``ECABINET_KEK`` (environment, base64 of 32 bytes): the current KEK; older ones may be
  listed in ``ECABINET_KEK_PREVIOUS`` (comma-separated) during a rotation.
- Otherwise files ``<id>.kek`` in ``settings.ECABINET_KEY_DIR`` (default ``DATA_DIR/keys``),
  the current id in the file ``current``. In the embedded shape the first KEK is created on
  first use; in the scale shape it must be provided (every server needs the same one).

The KEK is never derived from SECRET_KEY: rotating one must not lose the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
WRAPPED_BYTES = KEY_BYTES + TAG_BYTES
KEK_SUFFIX = ".kek"
CURRENT_FILE = "current"
ENV_KEK = "ECABINET_KEK"
ENV_KEK_PREVIOUS = "ECABINET_KEK_PREVIOUS"


class SealedDataError(Exception):
    """A sealed blob cannot be opened: malformed, unknown KEK, wrong aad, or tampered."""


class KekConfigError(Exception):
    """No usable key-encryption key is configured."""


def key_dir() -> Path:
    configured = getattr(settings, "ECABINET_KEY_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "keys"


def _may_create_kek() -> bool:
    """The first KEK is created on first use in the embedded shape only."""
    default = getattr(settings, "SHAPE", "embedded") == "embedded"
    return bool(getattr(settings, "ECABINET_KEK_AUTOCREATE", default))


def kek_id_for(key: bytes) -> str:
    """A KEK's id: a fingerprint, so the same key always has the same id wherever it lives."""
    return hashlib.sha256(b"ecabinet-kek-id:" + key).hexdigest()[:16]


def _decode_env_key(raw: str, name: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KekConfigError(f"{name} must be base64 of {KEY_BYTES} bytes") from exc
    if len(key) != KEY_BYTES:
        raise KekConfigError(f"{name} must be base64 of {KEY_BYTES} bytes; got {len(key)} bytes")
    return key


def _env_keys() -> tuple[bytes | None, list[bytes]]:
    current_raw = os.environ.get(ENV_KEK, "").strip()
    current = _decode_env_key(current_raw, ENV_KEK) if current_raw else None
    previous = [
        _decode_env_key(part, ENV_KEK_PREVIOUS)
        for part in os.environ.get(ENV_KEK_PREVIOUS, "").split(",")
        if part.strip()
    ]
    return current, previous


def kek_from_env() -> bool:
    """Whether the current KEK comes from the environment (rotation is then the operator's)."""
    return _env_keys()[0] is not None


def _read_key_file(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise KekConfigError(f"key file {path.name} is not {KEY_BYTES} bytes")
    return key


def _write_private(path: Path, data: bytes, *, exclusive: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def create_kek() -> str:
    """Create a new KEK file, make it current, and return its id (file-based KEKs only)."""
    if kek_from_env():
        raise KekConfigError(
            f"the KEK comes from {ENV_KEK}: set a new one there and the old one in "
            f"{ENV_KEK_PREVIOUS}, then run `ecabinet keys rewrap`"
        )
    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    kek_id = kek_id_for(key)
    _write_private(directory / f"{kek_id}{KEK_SUFFIX}", key, exclusive=True)
    # Replace the pointer atomically: a reader sees the old or the new id, never half.
    tmp = directory / f".{CURRENT_FILE}.{secrets.token_hex(4)}"
    _write_private(tmp, kek_id.encode("ascii"), exclusive=True)
    tmp.replace(directory / CURRENT_FILE)
    return kek_id


def current_kek_id() -> str:
    """Id of the KEK new blobs are sealed with (created on first use in the embedded shape)."""
    env_current, _previous = _env_keys()
    if env_current is not None:
        return kek_id_for(env_current)
    pointer = key_dir() / CURRENT_FILE
    if pointer.exists():
        kek_id = pointer.read_text(encoding="ascii").strip()
        if not (key_dir() / f"{kek_id}{KEK_SUFFIX}").exists():
            raise KekConfigError(f"the current KEK {kek_id} has no key file")
        return kek_id
    if not _may_create_kek():
        raise KekConfigError(
            f"no key-encryption key: set {ENV_KEK} (base64 of 32 bytes) or provide "
            f"{CURRENT_FILE} and <id>{KEK_SUFFIX} in ECABINET_KEY_DIR"
        )
    return create_kek()


def _kek(kek_id: str) -> bytes:
    env_current, previous = _env_keys()
    for key in [k for k in [env_current, *previous] if k is not None]:
        if kek_id_for(key) == kek_id:
            return key
    if not kek_id.isalnum():
        raise SealedDataError("malformed KEK id")
    path = key_dir() / f"{kek_id}{KEK_SUFFIX}"
    if not path.exists():
        raise SealedDataError(f"unknown KEK {kek_id}")
    key = _read_key_file(path)
    if kek_id_for(key) != kek_id:
        raise SealedDataError(f"key file of KEK {kek_id} holds another key")
    return key


def _header(kek_id: str) -> bytes:
    raw_id = kek_id.encode("ascii")
    return bytes([VERSION, len(raw_id)]) + raw_id


def _wrap_aad(header: bytes, aad: bytes) -> bytes:
    return b"ecabinet-dek\x00" + header + aad


def _data_aad(aad: bytes) -> bytes:
    return b"ecabinet-data\x00" + bytes([VERSION]) + aad


def _wrap(data_key: bytes, kek_id: str, aad: bytes) -> bytes:
    header = _header(kek_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(_kek(kek_id)).encrypt(nonce, data_key, _wrap_aad(header, aad))
    return header + nonce + wrapped


def _parse(blob: bytes) -> tuple[str, bytes, bytes, bytes, bytes]:
    """(kek id, header, wrap nonce + wrapped key, nonce, ciphertext) of a blob."""
    if len(blob) < 2 or blob[0] != VERSION:
        raise SealedDataError("not a sealed blob of a known version")
    id_len = blob[1]
    header_len = 2 + id_len
    minimum = header_len + NONCE_BYTES + WRAPPED_BYTES + NONCE_BYTES + TAG_BYTES
    if len(blob) < minimum:
        raise SealedDataError("sealed blob is truncated")
    try:
        kek_id = blob[2:header_len].decode("ascii")
    except UnicodeDecodeError as exc:
        raise SealedDataError("malformed KEK id") from exc
    pos = header_len
    wrapped = blob[pos : pos + NONCE_BYTES + WRAPPED_BYTES]
    pos += NONCE_BYTES + WRAPPED_BYTES
    nonce = blob[pos : pos + NONCE_BYTES]
    ciphertext = blob[pos + NONCE_BYTES :]
    return kek_id, blob[:header_len], wrapped, nonce, ciphertext


def _unwrap(kek_id: str, header: bytes, wrapped: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(_kek(kek_id)).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(header, aad)
        )
    except InvalidTag as exc:
        raise SealedDataError("data key does not open (wrong KEK, object, or tampered)") from exc


def kek_id_of(blob: bytes) -> str:
    """The id of the KEK that wraps this blob's data key."""
    return _parse(blob)[0]


def seal(plaintext: bytes, *, aad: bytes) -> bytes:
    """Encrypt ``plaintext`` under a fresh data key wrapped by the current KEK."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _data_aad(aad))
    return _wrap(data_key, current_kek_id(), aad) + nonce + ciphertext


def open_sealed(blob: bytes, *, aad: bytes) -> bytes:
    """Decrypt a blob made by ``seal`` with the same ``aad``; ``SealedDataError`` otherwise."""
    kek_id, header, wrapped, nonce, ciphertext = _parse(blob)
    data_key = _unwrap(kek_id, header, wrapped, aad)
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, _data_aad(aad))
    except InvalidTag as exc:
        raise SealedDataError("sealed data does not open (wrong object or tampered)") from exc


def rewrap(blob: bytes, *, aad: bytes) -> bytes:
    """The same blob with its data key wrapped by the current KEK (unchanged if it already is).

    The ciphertext is checked before it is carried over, so a rotation never preserves a
    blob that could not be opened afterwards.
    """
    open_sealed(blob, aad=aad)
    kek_id, header, wrapped, nonce, ciphertext = _parse(blob)
    target = current_kek_id()
    if kek_id == target:
        return blob
    data_key = _unwrap(kek_id, header, wrapped, aad)
    return _wrap(data_key, target, aad) + nonce + ciphertext
