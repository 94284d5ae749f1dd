"""The integrity of a detached CMS signature: pyHanko's checks, each done once per input.

pyHanko's ``validate_sig_integrity`` and ``extract_certs_for_validation`` repeat, for every
signature, work that depends only on bytes which are the same from one signature of a
member to the next: finding the signer's certificate among the SignedData's certificates
(RFC 4518 name comparisons, slow in pure Python), matching the ESS signing-certificate
attribute to it, the algorithm-protection attribute, the algorithm policy. Here the same
pyHanko functions run once per distinct input, remembered in small bounded caches keyed by
the exact DER bytes (``memo.BoundedCache``). What differs per signature is checked on every
call: the content's digest against the signed message digest, the content type, and the
signature value over the signed attributes with the signer's public key.

The SignedData is cut into the DER of its parts (:class:`Parts`) either by a minimal reader
of definite-length DER for the shape every CMS signer produces (:func:`parts_from_der`), or
by asn1crypto for anything else (:func:`parts_from_asn1`); both give the same parts for the
same input (a test checks it on genuine, tampered and randomly damaged signatures). The
trust decision (certification path, time, revocation) is ``trustpaths``'s.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import algos, cms, core, keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from pyhanko.sign.general import (
    CMSExtractionError,
    CMSStructuralError,
    check_ess_certid,
    extract_signer_info,
    match_issuer_serial,
)
from pyhanko.sign.validation.errors import CMSAlgorithmProtectionError, SignatureValidationError
from pyhanko.sign.validation.generic_cms import get_signing_cert_attr, validate_algorithm_protection
from pyhanko.sign.validation.utils import CMSAlgorithmUsagePolicy
from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator, SignatureValidationContext
from pyhanko_certvalidator.util import (
    get_pyca_cryptography_hash,
    get_pyca_cryptography_hash_for_signing,
)

from ecabinet.signatures.memo import BoundedCache

_VALIDATOR = DefaultSignatureValidator()
# The algorithm policy pyHanko applies by default: no weak hashes, no short RSA/DSA keys.
# It has no dates, so its answer depends only on the algorithms and the key.
_POLICY = CMSAlgorithmUsagePolicy.lift_policy(DisallowWeakAlgorithmsPolicy())  # type: ignore[no-untyped-call]
# Attributes whose values a check reads; for the others only their bytes matter.
_READ_VALUES = frozenset({"content_type", "message_digest", "signing_time"})
# DER of the object identifiers of the attributes that differ in every signature: read
# on each call, not remembered (they would only push the others out of the cache).
_MESSAGE_DIGEST_OID = bytes.fromhex("06092a864886f70d010904")
_SIGNING_TIME_OID = bytes.fromhex("06092a864886f70d010905")
_PER_SIGNATURE_OIDS = frozenset({_MESSAGE_DIGEST_OID, _SIGNING_TIME_OID})
_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")

# (type, number of values, values read) of one attribute.
_Attribute = tuple[str, int, tuple[Any, ...]]
_Partition = tuple[bytes, tuple[bytes, ...]] | str
CERTIFICATES: BoundedCache[bytes, asn1_x509.Certificate] = BoundedCache(256)
SIGNERS: BoundedCache[tuple[bytes, bytes], _Partition] = BoundedCache(256)
ATTRIBUTES: BoundedCache[bytes, _Attribute] = BoundedCache(512)
ALGORITHMS: BoundedCache[bytes, Any] = BoundedCache(64)
LOADABLE: BoundedCache[bytes, bool] = BoundedCache(256)
FACTS: BoundedCache[bytes, CertificateFacts] = BoundedCache(256)
PUBLIC_KEYS: BoundedCache[bytes, PublicKeyTypes] = BoundedCache(256)
ECDSA: BoundedCache[bytes, tuple[bool, str | None]] = BoundedCache(64)
ENCAPSULATED: BoundedCache[bytes, tuple[str, bool]] = BoundedCache(64)
# A problem ("" when none) by the attributes' DER and what they are checked against.
ESS: BoundedCache[tuple[bytes, tuple[bytes, ...]], str] = BoundedCache(256)
PROTECTION: BoundedCache[tuple[tuple[bytes, ...], bytes, bytes], str] = BoundedCache(256)


def clear_caches() -> None:
    """Forget every remembered result (tests; never needed for correctness)."""
    caches = (CERTIFICATES, LOADABLE, SIGNERS, ATTRIBUTES, ALGORITHMS, ENCAPSULATED, ESS)
    for cache in (*caches, PROTECTION, PUBLIC_KEYS, ECDSA, FACTS):
        cache.clear()
    _algorithms_allowed.cache_clear()


@dataclass(frozen=True)
class Parts:
    """The DER of the parts of a SignedData with one signer that the checks read."""

    sid: bytes
    certificates: bytes  # the [0] IMPLICIT CertificateSet as received; b"" when absent
    encapsulated: bytes
    digest_algorithm: bytes
    signature_algorithm: bytes
    signature: bytes  # the signature value
    attributes: tuple[bytes, ...] | None  # each signed attribute; None when there are none
    attributes_body: bytes  # the content octets of the signed attributes


@dataclass(frozen=True)
class CertificateFacts:
    """What a verification reads of the signer's certificate, read once per certificate."""

    public_key: bytes  # DER SubjectPublicKeyInfo
    issuer: bytes  # DER issuer name: with the serial, the key of CRL entries
    serial: int
    not_before: datetime
    not_after: datetime
    subject: str  # human-friendly
    common_name: str
    organisation: str


@dataclass(frozen=True)
class Integrity:
    """pyHanko's integrity verdict on one signature, and the certificates it came with."""

    intact: bool  # the content's digest is the signed message digest
    valid: bool  # the signature value verifies with the signer's public key
    signer: asn1_x509.Certificate
    signer_der: bytes
    facts: CertificateFacts
    others: tuple[bytes, ...]  # DER of the SignedData's other certificates
    parts: Parts
    signing_time: datetime | None  # the first signed signingTime value: the signer's claim


# --- cutting the SignedData into parts ---------------------------------------------------


class _Unusual(Exception):
    """Not the definite-length shape the minimal reader reads: asn1crypto reads it."""


def _element(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(identifier octet, start of contents, end) of the element at ``pos``."""
    if pos + 2 > end:
        raise _Unusual
    tag = data[pos]
    if tag & 0x1F == 0x1F:  # high tag numbers do not occur in CMS
        raise _Unusual
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        octets = length & 0x7F
        if octets == 0 or octets > 4 or pos + octets > end:  # indefinite length: BER
            raise _Unusual
        length = int.from_bytes(data[pos : pos + octets], "big")
        pos += octets
    if pos + length > end:
        raise _Unusual
    return tag, pos, pos + length


def _elements(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(identifier, start, contents start, end) of each element between start and end."""
    found = []
    pos = start
    while pos < end:
        tag, body, stop = _element(data, pos, end)
        found.append((tag, pos, body, stop))
        pos = stop
    return found


def parts_from_der(data: bytes) -> Parts | None:
    """The parts of a ContentInfo(SignedData), or None when its shape is not the usual one.

    Reads only definite-length encodings in the field order of RFC 5652 with exactly one
    signer and signed attributes; anything else is left to :func:`parts_from_asn1`.
    """
    try:
        tag, body, end = _element(data, 0, len(data))
        if tag != 0x30 or end != len(data):
            return None
        top = _elements(data, body, end)
        if len(top) != 2 or data[top[0][1] : top[0][3]] != _SIGNED_DATA_OID or top[1][0] != 0xA0:
            return None
        wrapped = _elements(data, top[1][2], top[1][3])
        if len(wrapped) != 1 or wrapped[0][0] != 0x30:
            return None
        fields = _elements(data, wrapped[0][2], wrapped[0][3])
        tags = [f[0] for f in fields]
        # version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls?, signerInfos
        if tags[:4] != [0x02, 0x31, 0x30, 0xA0] or tags[4:] not in ([0x31], [0xA1, 0x31]):
            return None
        infos = _elements(data, fields[-1][2], fields[-1][3])
        if len(infos) != 1 or infos[0][0] != 0x30:
            return None
        info = _elements(data, infos[0][2], infos[0][3])
        # version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature,
        # [1] unsignedAttrs?
        info_tags = [f[0] for f in info]
        if info_tags[:1] != [0x02] or info_tags[1] not in (0x30, 0x80):
            return None
        if info_tags[2:] not in ([0x30, 0xA0, 0x30, 0x04], [0x30, 0xA0, 0x30, 0x04, 0xA1]):
            return None
        attributes = _elements(data, info[3][2], info[3][3])
        if any(a[0] != 0x30 for a in attributes):
            return None

        def der(item: tuple[int, int, int, int]) -> bytes:
            return data[item[1] : item[3]]

        return Parts(
            sid=der(info[1]),
            certificates=der(fields[3]),
            encapsulated=der(fields[2]),
            digest_algorithm=der(info[2]),
            signature_algorithm=der(info[4]),
            signature=data[info[5][2] : info[5][3]],
            attributes=tuple(der(a) for a in attributes),
            attributes_body=data[info[3][2] : info[3][3]],
        )
    except _Unusual:
        return None


def parts_from_asn1(signed_data: cms.SignedData) -> Parts:
    """The parts, read by asn1crypto (any encoding it accepts)."""
    signer_info = extract_signer_info(signed_data)
    signed_attrs = signer_info["signed_attrs"]
    none = signed_attrs is core.VOID
    return Parts(
        sid=signer_info["sid"].dump(),
        certificates=signed_data["certificates"].dump(),
        encapsulated=signed_data["encap_content_info"].dump(),
        digest_algorithm=signer_info["digest_algorithm"].dump(),
        signature_algorithm=signer_info["signature_algorithm"].dump(),
        signature=bytes(signer_info["signature"].native),
        attributes=None if none else tuple(a.dump() for a in signed_attrs),
        attributes_body=b"" if none else bytes(signed_attrs.contents),
    )


# --- what is remembered ----------------------------------------------------------------------


def certificate(der: bytes) -> asn1_x509.Certificate:
    """The parsed certificate of ``der``, parsed once; the fields checks read, read once."""

    def parse() -> asn1_x509.Certificate:
        cert = asn1_x509.Certificate.load(der)
        # Read now, so that later readers (other threads too) find them parsed.
        _ = (
            cert["tbs_certificate"]["serial_number"].contents,
            cert.serial_number,
            cert.issuer.dump(),
            cert.subject.human_friendly,
            cert.key_identifier,
            cert.public_key.dump(),
            cert.not_valid_before,
            cert.not_valid_after,
        )
        return cert

    return CERTIFICATES.get_or_compute(der, parse)


def loadable_certificate(der: bytes) -> None:
    """Raise ValueError unless asn1crypto loads ``der`` as a certificate (remembered)."""

    def load() -> bool:
        asn1_x509.Certificate.load(der)
        return True

    LOADABLE.get_or_compute(der, load)


def _name_value(name: asn1_x509.Name, attr: str) -> str:
    for rdn in name.chosen:
        for item in rdn:
            if item["type"].native == attr:
                return str(item["value"].native)
    return ""


def certificate_facts(der: bytes) -> CertificateFacts:
    """:class:`CertificateFacts` of the certificate ``der`` (remembered)."""

    def read() -> CertificateFacts:
        cert = asn1_x509.Certificate.load(der)
        return CertificateFacts(
            public_key=cert.public_key.dump(),
            issuer=cert.issuer.dump(),
            serial=int(cert.serial_number),
            not_before=cert.not_valid_before,
            not_after=cert.not_valid_after,
            subject=str(cert.subject.human_friendly),
            common_name=_name_value(cert.subject, "common_name"),
            organisation=_name_value(cert.subject, "organization_name"),
        )

    return FACTS.get_or_compute(der, read)


def _partition(sid_der: bytes, certificates_der: bytes) -> _Partition:
    """pyHanko's choice of the signer's certificate (the last one the identifier names)."""
    if not certificates_der:
        return "signer certificate not included in signature"
    sid = cms.SignerIdentifier.load(sid_der)
    predicate: Callable[[asn1_x509.Certificate], bool]
    if sid.name == "issuer_and_serial_number":

        def predicate(cert: asn1_x509.Certificate) -> bool:
            return bool(match_issuer_serial(sid.chosen, cert))

    elif sid.name == "subject_key_identifier":
        key_id = sid.chosen.native

        def predicate(cert: asn1_x509.Certificate) -> bool:
            return bool(cert.key_identifier == key_id)

    else:
        return "unknown signer identifier"
    signer: bytes | None = None
    others: list[bytes] = []
    for choice in cms.CertificateSet.load(certificates_der, implicit=0):
        if choice.name != "certificate":
            continue
        cert = choice.chosen.untag()
        if predicate(cert):
            signer = cert.dump()
        else:
            others.append(cert.dump())
    if signer is None:
        return "signer certificate not included in signature"
    return signer, tuple(others)


def _attribute(der: bytes) -> _Attribute:
    attr = cms.CMSAttribute.load(der)
    name = str(attr["type"].native)
    values = list(attr["values"])
    read = tuple(v.native for v in values) if name in _READ_VALUES else ()
    return name, len(values), read


def _per_signature_attribute(der: bytes) -> _Attribute | None:
    """A messageDigest or signingTime attribute read directly; None for any other."""
    try:
        _tag, body, end = _element(der, 0, len(der))
        items = _elements(der, body, end)
        if len(items) != 2 or items[1][0] != 0x31:
            return None
        oid = der[items[0][1] : items[0][3]]
        values = _elements(der, items[1][2], items[1][3])
    except _Unusual:
        return None
    if oid == _MESSAGE_DIGEST_OID:
        if any(v[0] != 0x04 for v in values):  # only primitive OCTET STRINGs here
            return None
        return "message_digest", len(values), tuple(der[v[2] : v[3]] for v in values)
    if oid == _SIGNING_TIME_OID:
        times: list[Any] = []
        for tag, start, _body, stop in values:
            if tag == 0x17:
                times.append(core.UTCTime.load(der[start:stop]).native)
            elif tag == 0x18:
                times.append(core.GeneralizedTime.load(der[start:stop]).native)
            else:
                return None
        return "signing_time", len(values), tuple(times)
    return None


def _oid_at_start(der: bytes) -> bytes:
    """The first 11 bytes after an element's header: an attribute's type, for the OIDs
    looked for here (which only decides whether the attribute is remembered)."""
    if len(der) < 2:
        return b""
    start = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    return der[start : start + 11]


def _attribute_of(der: bytes) -> _Attribute:
    """The attribute; remembered, unless it is one that differs in every signature."""
    if _oid_at_start(der) in _PER_SIGNATURE_OIDS:
        per_signature = _per_signature_attribute(der)
        if per_signature is not None:
            return per_signature
    return ATTRIBUTES.get_or_compute(der, functools.partial(_attribute, der))


def _encapsulated(der: bytes) -> tuple[str, bool]:
    """(content type, whether the content is carried) of an EncapsulatedContentInfo."""
    info = cms.EncapsulatedContentInfo.load(der)
    return str(info["content_type"].native), info["content"] is not core.VOID


def _signature_algorithm(der: bytes) -> algos.SignedDigestAlgorithm:
    algorithm = algos.SignedDigestAlgorithm.load(der)
    _ = algorithm["parameters"], algorithm["algorithm"].native
    for name in ("signature_algo", "hash_algo"):
        with contextlib.suppress(ValueError):  # not every algorithm names both
            getattr(algorithm, name)
    return algorithm


def _ess_problem(signer: asn1_x509.Certificate, attribute_ders: tuple[bytes, ...]) -> str:
    """pyHanko's check of the signing-certificate(-v2) attributes against the signer."""
    attrs = cms.CMSAttributes([cms.CMSAttribute.load(d) for d in attribute_ders])
    try:
        attr = get_signing_cert_attr(attrs)
    except SignatureValidationError as exc:
        return str(exc.failure_message)
    if attr is None or check_ess_certid(signer, attr["certs"][0]):
        return ""
    return "the signing-certificate attribute does not name the signer's certificate"


def _protection_problem(
    attribute_ders: tuple[bytes, ...], digest_der: bytes, signature_der: bytes
) -> str:
    """pyHanko's check of the RFC 6211 algorithm-protection attribute."""
    try:
        validate_algorithm_protection(
            cms.CMSAttributes([cms.CMSAttribute.load(d) for d in attribute_ders]),
            claimed_digest_algorithm_obj=algos.DigestAlgorithm.load(digest_der),
            claimed_signature_algorithm_obj=algos.SignedDigestAlgorithm.load(signature_der),
            claimed_mac_algorithm_obj=None,
        )
    except (CMSStructuralError, CMSAlgorithmProtectionError) as exc:
        return str(exc.failure_message)
    return ""


@functools.lru_cache(maxsize=64)
def _algorithms_allowed(signature_der: bytes, digest_der: bytes, public_key_der: bytes) -> bool:
    signature_algorithm = algos.SignedDigestAlgorithm.load(signature_der)
    digest_algorithm = algos.DigestAlgorithm.load(digest_der)
    return bool(
        _POLICY.signature_algorithm_allowed(
            signature_algorithm, moment=None, public_key=keys.PublicKeyInfo.load(public_key_der)
        )
        and _POLICY.digest_algorithm_allowed(digest_algorithm, moment=None)
        and _POLICY.digest_combination_allowed(
            signature_algo=signature_algorithm,
            message_digest_algo=algos.DigestAlgorithm(
                {"algorithm": digest_algorithm["algorithm"].native}
            ),
            moment=None,
        )
    )


def algorithms_allowed(checked: Integrity) -> bool:
    """Whether pyHanko's default algorithm policy accepts the signature's algorithms."""
    return _algorithms_allowed(
        checked.parts.signature_algorithm,
        checked.parts.digest_algorithm,
        checked.facts.public_key,
    )


# --- the check -----------------------------------------------------------------------------


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _unique(attrs: dict[str, list[_Attribute]], name: str) -> Any:
    """The single value of a single-valued attribute, as pyHanko requires it."""
    found = attrs.get(name, [])
    if sum(count for _name, count, _read in found) != 1:
        raise SignatureValidationError(f"expected exactly one {name} attribute value")
    return next(read[0] for _name, count, read in found if count)


def _ecdsa_hash(signature_algorithm: algos.SignedDigestAlgorithm) -> tuple[bool, str | None]:
    """(whether it is ECDSA, its hash algorithm if it names one), as pyHanko reads them."""
    try:
        name = signature_algorithm.signature_algo
    except ValueError:
        name = signature_algorithm["algorithm"].native
    try:
        hash_algo: str | None = signature_algorithm.hash_algo
    except ValueError:
        hash_algo = None
    return name == "ecdsa", hash_algo


def _signature_valid(
    parts: Parts,
    signer: asn1_x509.Certificate,
    spki: bytes,
    signature_algorithm: algos.SignedDigestAlgorithm,
    md_algorithm: str,
    signed_bytes: bytes,
    *,
    prehashed: bool,
) -> bool:
    """pyHanko's verification of the signature value; for ECDSA, the same call it makes
    (``key.verify(signature, data, ECDSA(hash))``) with the public key loaded once."""
    is_ecdsa, hash_algo = ECDSA.get_or_compute(
        parts.signature_algorithm, lambda: _ecdsa_hash(signature_algorithm)
    )
    key = PUBLIC_KEYS.get_or_compute(spki, lambda: serialization.load_der_public_key(spki))
    try:
        if is_ecdsa and isinstance(key, ec.EllipticCurvePublicKey):
            digest = get_pyca_cryptography_hash_for_signing(
                hash_algo or md_algorithm, prehashed=prehashed
            )
            key.verify(parts.signature, signed_bytes, ec.ECDSA(digest))
        else:
            _VALIDATOR.validate_signature(
                parts.signature,
                signed_bytes,
                signer.public_key,
                signature_algorithm,
                context=SignatureValidationContext(
                    contextual_md_algorithm=md_algorithm, prehashed=prehashed
                ),
            )
    except InvalidSignature:
        return False
    return True


def check_parts(content: bytes, parts: Parts) -> Integrity:
    """pyHanko's integrity verdict on a detached signature over ``content``.

    Raises (``SignatureValidationError``, ``CMSExtractionError``, ``ValueError``...) where
    pyHanko refuses the structure: the signer's certificate missing or not the one the
    signing-certificate attribute names, a wrong content type, attached content, an
    algorithm-protection mismatch, not exactly one message digest.
    """
    partition = SIGNERS.get_or_compute(
        (parts.sid, parts.certificates), lambda: _partition(parts.sid, parts.certificates)
    )
    if isinstance(partition, str):
        raise CMSExtractionError(partition)  # type: ignore[no-untyped-call]
    signer = certificate(partition[0])
    facts = certificate_facts(partition[0])
    content_type, carried = ENCAPSULATED.get_or_compute(
        parts.encapsulated, lambda: _encapsulated(parts.encapsulated)
    )
    if carried:
        raise SignatureValidationError("a detached signature must not carry the content")
    md_algorithm = ALGORITHMS.get_or_compute(
        parts.digest_algorithm,
        lambda: algos.DigestAlgorithm.load(parts.digest_algorithm)["algorithm"].native,
    )
    signature_algorithm = ALGORITHMS.get_or_compute(
        parts.signature_algorithm, lambda: _signature_algorithm(parts.signature_algorithm)
    )
    hasher = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
    hasher.update(content)
    actual_digest = hasher.finalize()

    embedded_digest: bytes | None = None
    signing_time: datetime | None = None
    if parts.attributes is None:
        prehashed = True
        signed_bytes = actual_digest
    else:
        # What was signed: the attributes re-tagged as a universal SET OF, as received.
        body = parts.attributes_body
        signed_bytes = b"\x31" + _der_length(len(body)) + body
        prehashed = False
        attrs: dict[str, list[_Attribute]] = {}
        ders: dict[str, list[bytes]] = {}
        for der in parts.attributes:
            parsed = _attribute_of(der)
            attrs.setdefault(parsed[0], []).append(parsed)
            ders.setdefault(parsed[0], []).append(der)
        protection = tuple(ders.get("cms_algorithm_protection", ()))
        if protection:
            problem = PROTECTION.get_or_compute(
                (protection, parts.digest_algorithm, parts.signature_algorithm),
                lambda: _protection_problem(
                    protection, parts.digest_algorithm, parts.signature_algorithm
                ),
            )
            if problem:
                raise SignatureValidationError(problem)
        certids = tuple(ders.get("signing_certificate_v2", ())) + tuple(
            ders.get("signing_certificate", ())
        )
        if certids:
            problem = ESS.get_or_compute(
                (partition[0], certids), lambda: _ess_problem(signer, certids)
            )
            if problem:
                raise SignatureValidationError(problem)
        if _unique(attrs, "content_type") != content_type:
            raise SignatureValidationError("the content type is not the signed one")
        embedded_digest = _unique(attrs, "message_digest")
        times = [read for _name, _count, read in attrs.get("signing_time", ()) if read]
        if times and isinstance(times[0][0], datetime):
            signing_time = times[0][0]
    valid = _signature_valid(
        parts,
        signer,
        facts.public_key,
        signature_algorithm,
        md_algorithm,
        signed_bytes,
        prehashed=prehashed,
    )
    intact = actual_digest == embedded_digest if embedded_digest is not None else valid
    return Integrity(
        intact=intact,
        valid=valid,
        signer=signer,
        signer_der=partition[0],
        facts=facts,
        others=partition[1],
        parts=parts,
        signing_time=signing_time,
    )


def check_detached(content: bytes, raw: bytes) -> Integrity:
    """:func:`check_parts` of the CMS ContentInfo ``raw`` over ``content``."""
    parts = parts_from_der(raw)
    if parts is None:
        parts = parts_from_asn1(cms.ContentInfo.load(raw)["content"])
    return check_parts(content, parts)
