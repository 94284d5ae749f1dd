"""RFC 3161 time-stamping: an internal TSA for the embedded shape, and the client to use.

pyHanko's ``DummyTimeStamper`` is a test device (it grants every request, signs RSA only,
claims another organisation's policy OID, always embeds certificates and identifies its
certificate with SHA-1), so the internal TSA builds the TSTInfo and SignedData itself with
asn1crypto and signs with ``cryptography`` (RSA or ECDSA keys).

Settings:

- ``ECABINET_TSA_URL``: an external TSA (HTTP POST, application/timestamp-query). When set,
  :func:`timestamper_for_settings` returns pyHanko's ``HTTPTimeStamper`` for it.
- ``ECABINET_TSA_TIMEOUT``: seconds to wait for the external TSA (default 10).
- ``ECABINET_TSA_CERT_FILE`` / ``ECABINET_TSA_KEY_FILE`` / ``ECABINET_TSA_CHAIN_FILE``: PEM
  files of the internal TSA (certificate with the critical timeStamping extended key usage,
  its unencrypted PKCS#8 key, and optionally the issuing chain). Used when no URL is set, and
  by the HTTP endpoint in ``tsa_views``.
- ``ECABINET_TSA_POLICY_OID``: policy of the internal TSA (default below, a UUID-based OID
  under 2.25 that belongs to no one else).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import algos, cms, core, tsp  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError

DEFAULT_POLICY_OID = "2.25.104260178092880037336639873669984922945"
TIMESTAMP_QUERY = "application/timestamp-query"
TIMESTAMP_REPLY = "application/timestamp-reply"

_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class TsaConfigurationError(RuntimeError):
    """The internal TSA's certificate or key is missing or unsuitable."""


class TimeStampResponse(core.Sequence):  # type: ignore[misc]
    """RFC 3161 TimeStampResp with the token OPTIONAL, as the RFC says.

    asn1crypto's ``tsp.TimeStampResp`` makes the token mandatory, so it can neither write
    nor read a rejection.
    """

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def rejection(fail_info: str, text: str) -> TimeStampResponse:
    """A TimeStampResp with status "rejection" (RFC 3161 §2.4.2)."""
    return TimeStampResponse(
        {
            "status": tsp.PKIStatusInfo(
                {
                    "status": "rejection",
                    "status_string": [text],
                    "fail_info": tsp.PKIFailureInfo({fail_info}),
                }
            )
        }
    )


def _check_tsa_certificate(cert: x509.Certificate) -> None:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound as exc:
        raise TsaConfigurationError("TSA certificate has no extended key usage") from exc
    if not eku.critical or list(eku.value) != [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]:
        raise TsaConfigurationError(
            "TSA certificate must have exactly the timeStamping extended key usage, critical "
            "(RFC 3161 §2.3)"
        )


@dataclass
class InternalTsa:
    """A time-stamping authority signing with a certificate and key held by this process."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: Sequence[x509.Certificate] = ()
    policy_oid: str = DEFAULT_POLICY_OID
    _asn1_cert: asn1_x509.Certificate = field(init=False, repr=False)
    _asn1_chain: list[asn1_x509.Certificate] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check_tsa_certificate(self.certificate)
        if not isinstance(self.private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TsaConfigurationError("TSA key must be RSA or ECDSA")
        if self.private_key.public_key().public_numbers() != (
            self.certificate.public_key().public_numbers()  # type: ignore[union-attr]
        ):
            raise TsaConfigurationError("TSA key does not match its certificate")
        self._asn1_cert = asn1_x509.Certificate.load(
            self.certificate.public_bytes(serialization.Encoding.DER)
        )
        self._asn1_chain = [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in self.chain
        ]

    # -- the protocol ------------------------------------------------------------------

    def respond(self, request_der: bytes, *, now: datetime | None = None) -> bytes:
        """DER TimeStampResp for a DER TimeStampReq; bad requests get a rejection."""
        der: bytes = self.response(request_der, now=now).dump()
        return der

    def response(self, request_der: bytes, *, now: datetime | None = None) -> TimeStampResponse:
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            # Parse everything now: asn1crypto is lazy and would fail later, half-way.
            request.native  # noqa: B018
        except (ValueError, TypeError, OverflowError) as exc:
            return rejection("bad_data_format", f"malformed TimeStampReq: {exc}")
        return self.response_for(request, now=now)

    def response_for(
        self, request: tsp.TimeStampReq, *, now: datetime | None = None
    ) -> TimeStampResponse:
        if request["version"].native != "v1":
            return rejection("bad_request", "only TimeStampReq version 1 is supported")
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in _DIGEST_SIZES:
            return rejection("bad_alg", f"unsupported hash algorithm {algorithm}")
        if len(imprint["hashed_message"].native) != _DIGEST_SIZES[algorithm]:
            return rejection("bad_data_format", "hashed message has the wrong length")
        policy = request["req_policy"].native
        if policy is not None and policy != self.policy_oid:
            return rejection("unaccepted_policy", f"policy {policy} is not offered")
        if request["extensions"].native:
            return rejection("unaccepted_extensions", "extensions are not supported")
        moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        token = self._token(request, moment)
        return TimeStampResponse(
            {"status": tsp.PKIStatusInfo({"status": "granted"}), "time_stamp_token": token}
        )

    # -- building the token ------------------------------------------------------------

    def _tst_info(self, request: tsp.TimeStampReq, moment: datetime) -> tsp.TSTInfo:
        info = {
            "version": "v1",
            "policy": self.policy_oid,
            "message_imprint": request["message_imprint"],
            # Unique per token (RFC 3161 §2.4.2): 127 random bits.
            "serial_number": secrets.randbits(127) | 1,
            "gen_time": moment,
            "accuracy": tsp.Accuracy({"seconds": 1}),
            "ordering": False,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._asn1_cert.subject),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        return tsp.TSTInfo(info)

    def _sign(self, data: bytes) -> tuple[bytes, str]:
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256()), ("sha256_rsa")
        return self.private_key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"

    def _token(self, request: tsp.TimeStampReq, moment: datetime) -> cms.ContentInfo:
        tst_info = self._tst_info(request, moment).dump()
        digest = hashes.Hash(hashes.SHA256())
        digest.update(tst_info)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute(  # type: ignore[no-untyped-call]
                    "content_type", "tst_info"
                ),
                simple_cms_attribute(  # type: ignore[no-untyped-call]
                    "signing_time", cms.Time({"utc_time": core.UTCTime(moment)})
                ),
                simple_cms_attribute(  # type: ignore[no-untyped-call]
                    "signing_certificate_v2", as_signing_certificate_v2(self._asn1_cert)
                ),
                simple_cms_attribute(  # type: ignore[no-untyped-call]
                    "message_digest", digest.finalize()
                ),
            ]
        )
        signature, signature_algorithm = self._sign(signed_attrs.dump())
        digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                            {
                                "issuer": self._asn1_cert.issuer,
                                "serial_number": self._asn1_cert.serial_number,
                            }
                        )
                    }
                ),
                "digest_algorithm": digest_algorithm,
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm(
                    {"algorithm": signature_algorithm}
                ),
                "signature": signature,
            }
        )
        signed_data = {
            "version": "v3",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": cms.ParsableOctetString(tst_info),
            },
            "signer_infos": [signer_info],
        }
        if request["cert_req"].native:
            signed_data["certificates"] = [self._asn1_cert, *self._asn1_chain]
        return cms.ContentInfo(
            {"content_type": "signed_data", "content": cms.SignedData(signed_data)}
        )


class InProcessTimeStamper(TimeStamper):
    """pyHanko timestamp client that asks an :class:`InternalTsa` directly, without HTTP."""

    def __init__(self, tsa: InternalTsa) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        self.tsa = tsa

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # Through DER and back, exactly as a remote TSA would see and answer it.
        return _load_response(self.tsa.respond(req.dump()))


def _load_response(der: bytes) -> tsp.TimeStampResp:
    """Parse a TimeStampResp; a rejection (no token) becomes ``TimestampRequestError``."""
    try:
        parsed = TimeStampResponse.load(der)
        status = parsed["status"]
        if parsed["time_stamp_token"].native is None:
            raise TimestampRequestError(
                f"TSA refused: {status['status'].native} {status['status_string'].native} "
                f"{status['fail_info'].native}"
            )
        return tsp.TimeStampResp.load(der)
    except ValueError as exc:
        raise TimestampRequestError(f"malformed TimeStampResp: {exc}") from exc


class CheckedHTTPTimeStamper(HTTPTimeStamper):
    """pyHanko's HTTP client, reporting a TSA's rejection as ``TimestampRequestError``.

    (The stock client fails with a parse error on a rejection, see ``TimeStampResponse``.)
    """

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        response = await super().async_request_tsa_response(req)
        return _load_response(response.dump())


# ---------------------------------------------------------------------------------------
# Configuration


_cache_lock = threading.Lock()
_cached: dict[tuple[str, str, str, str], InternalTsa] = {}


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or default)


def load_internal_tsa(
    cert_file: str | Path,
    key_file: str | Path,
    chain_file: str | Path | None = None,
    policy_oid: str = DEFAULT_POLICY_OID,
) -> InternalTsa:
    """An :class:`InternalTsa` from PEM files."""
    certificate = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TsaConfigurationError("TSA key must be RSA or ECDSA")
    chain = x509.load_pem_x509_certificates(Path(chain_file).read_bytes()) if chain_file else []
    return InternalTsa(certificate, key, chain, policy_oid)


def internal_tsa() -> InternalTsa:
    """The internal TSA configured in settings (loaded once per configuration)."""
    cert_file = _setting("ECABINET_TSA_CERT_FILE")
    key_file = _setting("ECABINET_TSA_KEY_FILE")
    if not cert_file or not key_file:
        return _tsa_from_internal_ca()
    chain_file = _setting("ECABINET_TSA_CHAIN_FILE")
    policy = _setting("ECABINET_TSA_POLICY_OID", DEFAULT_POLICY_OID)
    key = (cert_file, key_file, chain_file, policy)
    with _cache_lock:
        if key not in _cached:
            _cached[key] = load_internal_tsa(cert_file, key_file, chain_file or None, policy)
        return _cached[key]


def _tsa_from_internal_ca() -> InternalTsa:
    """The TSA certificate that ``ecabinet ca init`` issued, with its key from the key store."""
    from ecabinet.signatures import ca

    authority = ca.authority("tsa")
    root = ca.authority("root")
    if authority is None or root is None:
        raise TsaConfigurationError(
            "internal TSA not configured: run `ecabinet ca init`, or set ECABINET_TSA_CERT_FILE "
            "and ECABINET_TSA_KEY_FILE, or ECABINET_TSA_URL for an external TSA"
        )
    cache_key = ("internal-ca", str(authority.pk), str(root.pk), "")
    with _cache_lock:
        if cache_key not in _cached:
            key = ca.authority_private_key(authority)
            if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
                raise TsaConfigurationError("TSA key must be RSA or ECDSA")
            _cached[cache_key] = InternalTsa(
                x509.load_der_x509_certificate(bytes(authority.certificate_der)),
                key,
                [x509.load_der_x509_certificate(bytes(root.certificate_der))],
                _setting("ECABINET_TSA_POLICY_OID", DEFAULT_POLICY_OID),
            )
        return _cached[cache_key]


def timestamp_response(request_der: bytes) -> bytes:
    """DER TimeStampResp from the configured internal TSA for a DER TimeStampReq."""
    return internal_tsa().respond(request_der)


def timestamper_for_settings() -> TimeStamper:
    """``HTTPTimeStamper`` for ``ECABINET_TSA_URL``, else the in-process internal TSA."""
    url = _setting("ECABINET_TSA_URL")
    if url:
        timeout = int(_setting("ECABINET_TSA_TIMEOUT", "10"))
        return CheckedHTTPTimeStamper(url, timeout=timeout)
    return InProcessTimeStamper(internal_tsa())
