"""Where private keys live: one interface, a software store and a PKCS#11 store.

Keys are ECDSA P-256 (docs/decisions/0600-signatures-keys.md). A key store generates a key
pair, returns an opaque ``key_ref`` and the public key, and later gives a pyHanko
``Signer`` for that key and its certificate. Which store new member keys go to is
configuration: ``settings.ECABINET_KEY_STORE`` = ``"software"`` (default) or ``"pkcs11"``.

- Software: the PKCS#8 private key sealed with ``ecabinet.core.envelope`` in a
  ``SoftwareKey`` row, bound to the row (aad ``softwarekey:<id>``). ``key_ref`` = the id.
- PKCS#11 (HSM, SoftHSM2, smart card): the key is generated on the token, sensitive and
  non-extractable; ``key_ref`` = ``pkcs11:<hex CKA_ID>``. Module, token label and PIN come
  from ``ECABINET_PKCS11_MODULE`` (default the Debian SoftHSM2 path), ``ECABINET_PKCS11_TOKEN``
  and ``ECABINET_PKCS11_PIN`` (settings or environment). A session is opened per signature
  and closed straight after, so no login outlives the operation.
"""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections.abc import Iterable
from typing import Protocol

import pkcs11
from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecabinet.core import envelope
from ecabinet.core.errors import DomainError
from ecabinet.signatures.models import KeyStoreKind, SoftwareKey

KEY_ALGORITHM = "ecdsa-p256"
DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PKCS11_PREFIX = "pkcs11:"


class KeyStore(Protocol):
    """A place private keys are generated in and used from, never read out of by callers."""

    kind: str

    def generate(self, label: str) -> tuple[str, PublicKeyTypes]:
        """Create a key pair; return its ``key_ref`` and the public key."""
        ...

    def signer(
        self,
        key_ref: str,
        cert: asn1_x509.Certificate,
        chain: Iterable[asn1_x509.Certificate],
    ) -> Signer:
        """A pyHanko signer with this key, its certificate and the chain to embed."""
        ...


def _cert_store(chain: Iterable[asn1_x509.Certificate]) -> SimpleCertificateStore:
    """The certificates to embed besides the signer's own.

    pyHanko always embeds the signing certificate; registering it here as well would embed
    a second copy, which validators ignore (they take the last one the signer identifier
    names) but which anyone could then alter unnoticed.
    """
    store = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    store.register_multiple(list(chain))
    return store


# --- software ------------------------------------------------------------------------------


class SoftwareKeyStore:
    """Private keys sealed with the envelope scheme in the database."""

    kind = KeyStoreKind.SOFTWARE.value

    def generate(self, label: str) -> tuple[str, PublicKeyTypes]:
        private = ec.generate_private_key(ec.SECP256R1())
        row = SoftwareKey(id=uuid.uuid4(), label=label[:200], algorithm=KEY_ALGORITHM)
        row.sealed = envelope.seal(
            private.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            aad=row.aad,
        )
        row.save(force_insert=True)
        return str(row.id), private.public_key()

    def private_key(self, key_ref: str) -> PrivateKeyTypes:
        """The private key (for the CA's own certificate and CRL signing, and signers)."""
        try:
            row = SoftwareKey.objects.get(pk=uuid.UUID(key_ref))
        except (ValueError, SoftwareKey.DoesNotExist) as exc:
            raise DomainError(_("Không tìm thấy khóa bí mật của chứng thư số.")) from exc
        der = envelope.open_sealed(bytes(row.sealed), aad=row.aad)
        return serialization.load_der_private_key(der, password=None)

    def signer(
        self,
        key_ref: str,
        cert: asn1_x509.Certificate,
        chain: Iterable[asn1_x509.Certificate],
    ) -> Signer:
        private = self.private_key(key_ref)
        key_info = asn1_keys.PrivateKeyInfo.load(
            private.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return SimpleSigner(
            signing_cert=cert, signing_key=key_info, cert_registry=_cert_store(chain)
        )


def software_rewrap_all() -> int:
    """Re-wrap every sealed software key with the current KEK; the number re-wrapped.

    Each row is rewritten only if its KEK changed; a row that does not open stops the
    rotation with ``SealedDataError`` (never silently skipped).
    """
    count = 0
    current = envelope.current_kek_id()
    for key_id in SoftwareKey.objects.order_by("pk").values_list("pk", flat=True):
        row = SoftwareKey.objects.get(pk=key_id)
        blob = bytes(row.sealed)
        if envelope.kek_id_of(blob) == current:
            envelope.open_sealed(blob, aad=row.aad)
            continue
        moved = envelope.rewrap(blob, aad=row.aad)
        SoftwareKey.objects.filter(pk=key_id, sealed=blob).update(sealed=moved)
        count += 1
    return count


# --- PKCS#11 -------------------------------------------------------------------------------


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value:
        return str(value)
    return os.environ.get(name, default)


# pkcs11.lib() loads and initialises a module once per process; serialise the first load.
_LIB_LOCK = threading.Lock()


class Pkcs11KeyStore:
    """Keys generated on a PKCS#11 token (HSM, SoftHSM2), used through pyHanko."""

    kind = KeyStoreKind.PKCS11.value

    def __init__(
        self, module: str | None = None, token_label: str | None = None, pin: str | None = None
    ) -> None:
        self.module = module or _setting("ECABINET_PKCS11_MODULE", DEFAULT_PKCS11_MODULE)
        self.token_label = token_label or _setting("ECABINET_PKCS11_TOKEN")
        self.pin = pin if pin is not None else _setting("ECABINET_PKCS11_PIN")

    def _open(self) -> pkcs11.Session:
        from pkcs11 import exceptions as p11e

        if not os.path.exists(self.module):
            raise DomainError(
                _("Không tìm thấy thư viện PKCS#11 (%(module)s).") % {"module": self.module},
                code="pkcs11_module",
            )
        if not self.token_label:
            raise DomainError(
                _("Chưa cấu hình tên thiết bị ký số (ECABINET_PKCS11_TOKEN)."),
                code="pkcs11_token",
            )
        with _LIB_LOCK:
            lib = pkcs11.lib(self.module)
        try:
            token = lib.get_token(token_label=self.token_label)
        except (p11e.NoSuchToken, p11e.MultipleTokensReturned) as exc:
            raise DomainError(
                _("Không tìm thấy thiết bị ký số “%(label)s”.") % {"label": self.token_label},
                code="pkcs11_token",
            ) from exc
        try:
            return token.open(rw=True, user_pin=self.pin)
        except (p11e.PinIncorrect, p11e.PinInvalid, p11e.PinLenRange) as exc:
            raise DomainError(
                _("Mã PIN của thiết bị ký số không đúng."), code="pkcs11_pin"
            ) from exc
        except p11e.PinLocked as exc:
            raise DomainError(
                _("Thiết bị ký số đã bị khóa do nhập sai mã PIN nhiều lần."), code="pkcs11_pin"
            ) from exc
        except (p11e.TokenNotPresent, p11e.TokenNotRecognised, p11e.DeviceRemoved) as exc:
            raise DomainError(
                _("Không tìm thấy thiết bị ký số “%(label)s”.") % {"label": self.token_label},
                code="pkcs11_token",
            ) from exc

    def generate(self, label: str) -> tuple[str, PublicKeyTypes]:
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

        key_id = secrets.token_bytes(16)
        session = self._open()
        try:
            params = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )
            public, _private = params.generate_keypair(
                id=key_id,
                label=label[:64],
                store=True,
                private_template={
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.PRIVATE: True,
                },
            )
            spki = encode_ec_public_key(public)
        finally:
            session.close()
        return PKCS11_PREFIX + key_id.hex(), serialization.load_der_public_key(spki)

    def signer(
        self,
        key_ref: str,
        cert: asn1_x509.Certificate,
        chain: Iterable[asn1_x509.Certificate],
    ) -> Signer:
        if not key_ref.startswith(PKCS11_PREFIX):
            raise DomainError(_("Không tìm thấy khóa bí mật của chứng thư số."))
        try:
            key_id = bytes.fromhex(key_ref.removeprefix(PKCS11_PREFIX))
        except ValueError as exc:
            raise DomainError(_("Không tìm thấy khóa bí mật của chứng thư số.")) from exc
        return _TokenSigner(self, key_id, cert, list(chain))


class _TokenSigner(Signer):
    """A pyHanko signer that opens a token session for each signature, then closes it.

    The signature itself is made by pyHanko's ``PKCS11Signer``; this wrapper only keeps the
    session (and the PIN login) as short as the operation.
    """

    def __init__(
        self,
        store: Pkcs11KeyStore,
        key_id: bytes,
        cert: asn1_x509.Certificate,
        chain: list[asn1_x509.Certificate],
    ) -> None:
        super().__init__(signing_cert=cert, cert_registry=_cert_store(chain))
        self._store = store
        self._key_id = key_id
        self._chain = chain

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        if dry_run:
            return bytes(72)  # DER ECDSA P-256 signatures are at most 72 bytes
        session = self._store._open()
        try:
            inner = PKCS11Signer(
                session,
                signing_cert=self.signing_cert,
                ca_chain=self._chain,
                key_id=self._key_id,
                signature_mechanism=self.get_signature_mechanism_for_digest(digest_algorithm),
                # Hash here, sign the digest with plain CKM_ECDSA on the token: every token
                # has it, the combined ECDSA-SHA256 mechanism is optional (SoftHSM2 lacks it).
                use_raw_mechanism=True,
            )
            try:
                return await inner.async_sign_raw(data, digest_algorithm)
            except pkcs11.exceptions.NoSuchKey as exc:
                raise DomainError(
                    _("Không tìm thấy khóa bí mật của chứng thư số trên thiết bị ký số."),
                    code="pkcs11_key",
                ) from exc
        finally:
            session.close()


def key_store(kind: str | None = None) -> KeyStore:
    """The key store of this kind, or the configured one (``ECABINET_KEY_STORE``)."""
    kind = kind or str(getattr(settings, "ECABINET_KEY_STORE", KeyStoreKind.SOFTWARE))
    if kind == KeyStoreKind.SOFTWARE:
        return SoftwareKeyStore()
    if kind == KeyStoreKind.PKCS11:
        return Pkcs11KeyStore()
    raise DomainError(_("Kho khóa không hợp lệ: %(kind)s.") % {"kind": kind})
