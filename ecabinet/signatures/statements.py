"""Signed statements: an opinion, vote or approval as canonical JSON under a CMS signature.

What is signed is the RFC 8785 canonical form of the payload (who, in which role, on what,
which choice, the hashes of the documents seen, when, a nonce). The signature is a CMS
SignedData, detached, over those bytes, with the signing time and the signer's certificate
and chain embedded, made by pyHanko with the member's key. The statement is stored once
and never updated.

``statement_export`` writes a self-contained bundle ("ecabinet-statement/1") that anyone
can check offline with ``statement_verify`` against the roots they trust.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import rfc8785
from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from ecabinet.audit.services import audit_append
from ecabinet.core.errors import DomainError
from ecabinet.signatures import cmscheck, trustpaths
from ecabinet.signatures.aio import run_sync
from ecabinet.signatures.ca import chain_of, check_can_sign, crl_der, signer_for
from ecabinet.signatures.models import MemberCertificate, SignedStatement

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body

FORMAT = "ecabinet-statement/1"
PAYLOAD_VERSION = 1
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REQUIRED_KEYS = frozenset(
    {"v", "signer", "role", "body", "object", "choice", "comment", "documents", "time", "nonce"}
)


def _hex64(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def statement_payload(
    *,
    signer: User,
    role: str,
    body: Body,
    object_type: str,
    object_id: str | int,
    choice: str,
    comment: str = "",
    documents: Mapping[str, str] | None = None,
    at: datetime | None = None,
    nonce: str | None = None,
    on_behalf_of: User | None = None,
) -> dict[str, Any]:
    """The dict to sign. ``documents`` maps a document's name to its SHA-256 (hex).

    The time is ISO 8601 in Vietnam's time zone (+07:00), to the second (Decree 30).
    """
    docs = dict(documents or {})
    for name, digest in docs.items():
        if not isinstance(digest, str) or not _hex64(digest):
            raise DomainError(_("Mã băm của tài liệu “%(name)s” không hợp lệ.") % {"name": name})
    moment = (at or timezone.now()).astimezone(VN_TZ).replace(microsecond=0)
    return {
        "v": PAYLOAD_VERSION,
        "signer": {"id": signer.pk, "name": signer.full_name or signer.username},
        "role": role,
        "body": {"id": body.pk, "code": body.code, "name": body.name},
        "object": {"type": object_type, "id": str(object_id)},
        "choice": choice,
        "comment": comment,
        "documents": [{"name": n, "sha256": d} for n, d in sorted(docs.items())],
        "time": moment.isoformat(),
        "nonce": nonce or secrets.token_hex(16),
        "on_behalf_of": (
            {"id": on_behalf_of.pk, "name": on_behalf_of.full_name or on_behalf_of.username}
            if on_behalf_of is not None
            else None
        ),
    }


def canonical(payload: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON bytes of the payload: exactly what is signed."""
    return bytes(rfc8785.dumps(dict(payload)))


# RFC 8785 numbers are IEEE 754 doubles: integers beyond this lose precision.
_JSON_SAFE_INT = 2**53 - 1
# Characters that UTF-16 writes as two code units (where key order may differ).
_OUTSIDE_BMP = re.compile("[\U00010000-\U0010ffff]")


class _PlainJson:
    """json.loads hooks noting numbers whose RFC 8785 form may differ from Python's."""

    def __init__(self) -> None:
        self.plain = True

    def parse_int(self, text: str) -> int:
        value = int(text)
        if abs(value) > _JSON_SAFE_INT:
            self.plain = False
        return value

    def parse_float(self, text: str) -> float:
        self.plain = False
        return float(text)

    def parse_constant(self, text: str) -> float:
        self.plain = False
        return float(text)


def _loads_noting_plain(text: str) -> tuple[Any, bool]:
    """``json.loads(text)``, and whether it holds only strings, safe integers, true, false,
    null, arrays and objects (no float, no integer beyond 2**53 - 1)."""
    scan = _PlainJson()
    value = json.loads(
        text,
        parse_int=scan.parse_int,
        parse_float=scan.parse_float,
        parse_constant=scan.parse_constant,
    )
    return value, scan.plain


def is_canonical_text(text: str, payload: Any, *, plain: bool) -> bool:
    """Whether ``text`` is the RFC 8785 form of ``payload`` (what ``text`` parses to).

    For plain JSON (``plain``: no floats, only safe integers) whose characters are all in
    the Basic Multilingual Plane, Python's sorted compact ``json.dumps`` writes exactly the
    RFC 8785 form: the same escapes, and key order by code point equals the order by UTF-16
    code unit there. That is tried first; anything else goes through ``canonical``.
    """
    if not isinstance(payload, dict):
        return False
    if plain and _OUTSIDE_BMP.search(text) is None:
        quick = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if quick == text:
            return True
    try:
        return canonical(payload) == text.encode("utf-8")
    except rfc8785.CanonicalizationError:  # e.g. NaN, or an integer beyond 2**53 - 1
        return False


def payload_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical payload; what step-up confirmation is bound to."""
    return hashlib.sha256(canonical(payload)).hexdigest()


def _check_payload(payload: Mapping[str, Any], certificate: MemberCertificate) -> None:
    if not set(payload) >= REQUIRED_KEYS:
        raise DomainError(_("Nội dung cần ký không đầy đủ."))
    try:
        signer_id = payload["signer"]["id"]
        body_id = payload["body"]["id"]
        object_type = payload["object"]["type"]
        object_id = payload["object"]["id"]
    except (TypeError, KeyError) as exc:
        raise DomainError(_("Nội dung cần ký không đầy đủ.")) from exc
    if signer_id != certificate.user_id or body_id != certificate.body_id:
        raise DomainError(_("Chứng thư số không phải của người ký hoặc của cơ quan này."))
    if not (isinstance(object_type, str) and object_type and len(object_type) <= 100):
        raise DomainError(_("Nội dung cần ký không đầy đủ."))
    if not (isinstance(object_id, str) and object_id and len(object_id) <= 64):
        raise DomainError(_("Nội dung cần ký không đầy đủ."))


def statement_sign(
    *,
    actor: User,
    certificate: MemberCertificate,
    payload: Mapping[str, Any],
    confirmation_hash: str,
) -> SignedStatement:
    """Sign ``payload`` with the actor's certificate and store the statement (once).

    ``confirmation_hash`` is the hash the member confirmed by step-up authentication; a
    payload whose canonical hash differs is refused, so nothing but what was shown is signed.
    """
    statement = statement_build(
        actor=actor, certificate=certificate, payload=payload, confirmation_hash=confirmation_hash
    )
    with transaction.atomic():
        statement_record(actor=actor, statement=statement)
    return statement


def statement_build(
    *,
    actor: User,
    certificate: MemberCertificate,
    payload: Mapping[str, Any],
    confirmation_hash: str,
) -> SignedStatement:
    """The signed statement, not yet stored: the slow part, to run outside any transaction.

    Same checks as ``statement_sign``; store it with ``statement_record`` inside the
    transaction of the change it belongs to (a vote and its statement commit together).
    """
    if certificate.user_id != actor.pk or not actor.is_active:
        raise PermissionDenied
    _check_payload(payload, certificate)
    data = canonical(payload)
    digest = hashlib.sha256(data).hexdigest()
    if not secrets.compare_digest(digest, str(confirmation_hash)):
        raise DomainError(
            _("Nội dung cần ký khác với nội dung bạn đã xác nhận. Vui lòng xác nhận lại."),
            code="confirmation_mismatch",
        )
    # Unseal the key and sign.
    signed_at = timezone.now()
    signer = signer_for(certificate, at=signed_at)
    cms_der = run_sync(_sign_detached, signer, certificate, data, signed_at)
    on_behalf = payload.get("on_behalf_of")
    return SignedStatement(
        body_id=certificate.body_id,
        signer=actor,
        certificate=certificate,
        on_behalf_of_id=on_behalf["id"] if isinstance(on_behalf, dict) else None,
        object_type=payload["object"]["type"],
        object_id=payload["object"]["id"],
        payload=json.loads(data),
        payload_canonical=data.decode("utf-8"),
        payload_sha256=digest,
        cms_der=cms_der,
    )


# Signed attributes that change with every signature; the others depend only on the
# certificate and the algorithms.
_PER_SIGNATURE = frozenset({"message_digest", "signing_time"})
_TEMPLATES_MAX = 4096
# A stand-in for the signature value of a template (never a signature of anything).
_NO_SIGNATURE = b"\0" * 64

# Per certificate, the encoded CMS that pyHanko's ``async_sign_general_data`` produces for it
# with a stand-in signature value: the certificate set, the signer identifier, the
# algorithms, the signing-certificate and algorithm-protection attributes are the same for
# every signature of that certificate, and encoding them with asn1crypto costs 20-50 ms.
# Built from the certificate and the signer's public settings only (no private key is used),
# so it can be prepared before the first vote (``statement_prepare``). Keyed by the
# certificate row and its bytes; nothing secret is kept.
_templates: dict[tuple[Any, str, bytes], bytes] = {}


def _template_key(certificate: MemberCertificate) -> tuple[Any, str, bytes]:
    return (certificate.pk, certificate.serial, bytes(certificate.certificate_der))


async def _template(signer: Any, certificate: MemberCertificate) -> bytes:
    from pyhanko.sign.signers.pdf_cms import ExternalSigner

    key = _template_key(certificate)
    template = _templates.get(key)
    if template is not None:
        return template
    dry = ExternalSigner(
        signing_cert=signer.signing_cert,
        cert_registry=signer.cert_registry,
        signature_value=_NO_SIGNATURE,
        signature_mechanism=signer.get_signature_mechanism_for_digest("sha256"),
        prefer_pss=signer.prefer_pss,
        embed_roots=signer.embed_roots,
    )
    made = await dry.async_sign_general_data(
        cms.ContentInfo({"content_type": "data", "content": b""}),
        "sha256",
        detached=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=timezone.now()),
    )
    template = bytes(made.dump())
    if len(_templates) >= _TEMPLATES_MAX:
        _templates.clear()
    _templates[key] = template
    return template


def statement_prepare(certificate: MemberCertificate) -> None:
    """Encode the fixed parts of ``certificate``'s signatures ahead of its first one (e.g.
    when a voter's screen connects), so that signing costs one raw signature. Refuses, like
    signing, a certificate that may not sign; no private key is used."""
    if _template_key(certificate) in _templates:
        return
    signer = signer_for(certificate)
    run_sync(_template, signer, certificate)


async def _sign_detached(
    signer: Any, certificate: MemberCertificate, data: bytes, signed_at: datetime
) -> bytes:
    """A detached CMS SignedData over ``data``: what pyHanko's ``async_sign_general_data``
    produces (same attributes, same certificates), with its fixed parts encoded once per
    certificate and only the digest, the signing time and the signature made anew."""
    info = cms.ContentInfo.load(await _template(signer, certificate))
    signed_data = info["content"]
    signer_info = signed_data["signer_infos"][0]
    fresh = {
        "message_digest": cms.CMSAttribute(
            {"type": "message_digest", "values": [hashlib.sha256(data).digest()]}
        ),
        "signing_time": cms.CMSAttribute(
            {"type": "signing_time", "values": [cms.Time({"utc_time": signed_at})]}
        ),
    }
    attributes = cms.CMSAttributes(
        [
            fresh[attr["type"].native] if attr["type"].native in _PER_SIGNATURE else attr
            for attr in signer_info["signed_attrs"]
        ]
    )
    signature = await signer.async_sign_raw(attributes.dump(), "sha256")
    signer_info["signed_attrs"] = attributes
    signer_info["signature"] = signature
    signed_data["signer_infos"] = cms.SignerInfos([signer_info])
    info["content"] = signed_data
    return bytes(info.dump(force=False))


def statement_record(
    *, actor: User, statement: SignedStatement, current: MemberCertificate | None = None
) -> SignedStatement:
    """Store a statement from ``statement_build`` and audit it, in the caller's transaction.

    The certificate is re-read under the write lock: one revoked meanwhile refuses it.
    ``current``: that re-read, made by the caller in this transaction for a group.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("statement_record must run inside the transaction of the change")
    certificate = statement.certificate
    if current is None or current.pk != certificate.pk:
        current = MemberCertificate.objects.get(pk=certificate.pk)
    check_can_sign(current)
    statement.save(force_insert=True)
    audit_append(
        actor=actor,
        verb="signatures.statement_signed",
        obj=statement,
        body=certificate.body_id,
        after={
            "object_type": statement.object_type,
            "object_id": statement.object_id,
            "payload_sha256": statement.payload_sha256,
            "certificate_serial": certificate.serial,
        },
    )
    return statement


# --- export and verification ---------------------------------------------------------------


def _b64(data: bytes | memoryview) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def statement_export(statement: SignedStatement) -> bytes:
    """A self-contained JSON bundle: the signed text, the CMS, the certificates and a CRL."""
    certificate = statement.certificate
    certs = [bytes(certificate.certificate_der), *(c.dump() for c in chain_of(certificate))]
    try:
        crls = [crl_der()]
    except DomainError:
        crls = []
    bundle = {
        "format": FORMAT,
        "id": str(statement.id),
        "payload": statement.payload_canonical,
        "payload_sha256": statement.payload_sha256,
        "cms": _b64(statement.cms_der),
        "certificates": [_b64(c) for c in certs],
        "crls": [_b64(c) for c in crls],
    }
    return json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")


@dataclass(frozen=True)
class StatementReport:
    """What a verifier learns from a bundle; ``ok`` only when every check passed."""

    format_ok: bool
    intact: bool
    canonical: bool
    trusted: bool
    valid_at_signing_time: bool
    revoked: bool
    revoked_at: datetime | None
    signer_subject: str
    signed_at: datetime | None
    payload: dict[str, Any]
    problems: tuple[str, ...]
    # The signer and body the content names are the certificate's subject (CN, O): a valid
    # key must not be able to speak in someone else's name.
    signer_matches: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.format_ok
            and self.signer_matches
            and self.intact
            and self.canonical
            and self.trusted
            and self.valid_at_signing_time
            and not self.revoked
        )


def _failed(problem: str) -> StatementReport:
    return StatementReport(
        format_ok=False,
        intact=False,
        canonical=False,
        trusted=False,
        valid_at_signing_time=False,
        revoked=False,
        revoked_at=None,
        signer_subject="",
        signed_at=None,
        payload={},
        problems=(problem,),
    )


def _decode_list(values: Any) -> list[bytes]:
    if not isinstance(values, list):
        raise ValueError("expected a list")
    return [base64.b64decode(v, validate=True) for v in values]


def statement_verify(
    data: bytes,
    *,
    trust_roots: Iterable[asn1_x509.Certificate],
    crls: Iterable[bytes] | None = None,
) -> StatementReport:
    """Check a bundle offline: intact, canonical, chain to ``trust_roots``, revocation.

    Revocation is read from the bundle's CRLs and any given in ``crls`` (e.g. a newer one
    fetched by the verifier). A certificate revoked after the signing time does not
    invalidate the signature, but is reported.
    """
    try:
        bundle = json.loads(data.decode("utf-8"))
        if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
            return _failed("unknown format")
        text = bundle["payload"]
        if not isinstance(text, str):
            return _failed("payload is not text")
        payload_bytes = text.encode("utf-8")
        raw_cms = base64.b64decode(bundle["cms"], validate=True)
        certs = _decode_list(bundle["certificates"])
        for der in certs:
            cmscheck.loadable_certificate(der)  # refuses what is not a certificate at all
        crl_list = _decode_list(bundle.get("crls", [])) + [bytes(c) for c in crls or []]
        revocations = revocations_from_crls(crl_list)
        payload, plain = _loads_noting_plain(text)
        stated = bundle.get("payload_sha256")
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        return _failed(f"malformed bundle: {exc}")
    problems: list[str] = []
    is_canonical = is_canonical_text(text, payload, plain=plain)
    if not is_canonical:
        problems.append("payload is not in canonical form")
    try:
        # pyHanko's integrity checks; the certification path from the cache, if any.
        checked = cmscheck.check_detached(payload_bytes, raw_cms)
        signed_at = checked.signing_time
        paths: tuple[trustpaths.CertifiedPath, ...] = ()
        if checked.valid and cmscheck.algorithms_allowed(checked):
            paths = trustpaths.certified_paths(
                checked.signer_der, [*certs, *checked.others], [r.dump() for r in trust_roots]
            )
    except Exception as exc:  # any failure to parse or check is a refusal
        return _failed(f"signature could not be checked: {exc}")
    intact, valid, facts = checked.intact, checked.valid, checked.facts
    # Time and revocation: on every call, for every certificate of the path, never cached.
    moment = signed_at or timezone.now()
    chain_trusted = intact and valid and trustpaths.trusted_at(paths, moment, revocations)
    signer_key = (facts.issuer, facts.serial)
    revoked_at = revocations.get(signer_key)
    revoked_before = revoked_at is not None and signed_at is not None and revoked_at <= signed_at
    # The signer's own revocation has its own line below; the chain line is for the rest.
    chain_line = not chain_trusted and not (
        revoked_before
        and intact
        and valid
        and trustpaths.trusted_at(
            paths, moment, {k: v for k, v in revocations.items() if k != signer_key}
        )
    )
    in_period = signed_at is not None and facts.not_before <= signed_at <= facts.not_after
    # The bundle's stated hash is what a reader compares by eye: it must agree too.
    hash_ok = stated is None or stated == hashlib.sha256(payload_bytes).hexdigest()
    if not hash_ok:
        problems.append("the bundle's payload_sha256 does not match its payload")
    if not intact:
        problems.append("content does not match the signature")
    if not valid:
        problems.append("signature value is invalid")
    if chain_line:
        problems.append("certificate does not chain to a trusted root")
    if not in_period:
        problems.append("certificate was not valid at the signing time")
    if revoked_at is not None:
        problems.append(f"certificate revoked at {revoked_at.isoformat()}")
    matches = isinstance(payload, dict) and _names_match(
        payload, facts.common_name, facts.organisation
    )
    if not matches:
        problems.append("the signer or body named in the content is not the certificate's")
    return StatementReport(
        format_ok=True,
        intact=intact and valid and hash_ok,
        canonical=is_canonical,
        trusted=chain_trusted and not revoked_before,
        valid_at_signing_time=in_period and not revoked_before,
        revoked=revoked_at is not None,
        revoked_at=revoked_at,
        signer_subject=facts.subject,
        signed_at=signed_at,
        payload=payload if isinstance(payload, dict) else {},
        problems=tuple(problems),
        signer_matches=matches,
    )


def name_attribute(name: asn1_x509.Name, attr: str) -> str:
    """The first value of ``attr`` (e.g. "common_name") in an X.509 name, or ""."""
    for rdn in name.chosen:
        for item in rdn:
            if item["type"].native == attr:
                return str(item["value"].native)
    return ""


def signer_matches_certificate(payload: dict[str, Any], cert: asn1_x509.Certificate) -> bool:
    """Whether the signer's name and body in ``payload`` are the certificate's CN and O.

    Certificates carry at most 64 characters per attribute (RFC 5280 upper bounds), so
    the names are compared on that prefix.
    """
    return _names_match(
        payload,
        name_attribute(cert.subject, "common_name"),
        name_attribute(cert.subject, "organization_name"),
    )


def _names_match(payload: dict[str, Any], common_name: str, organisation: str) -> bool:
    signer, body = payload.get("signer"), payload.get("body")
    name = str(signer.get("name", "")) if isinstance(signer, dict) else ""
    body_name = str(body.get("name", "")) if isinstance(body, dict) else ""
    return bool(name and name[:64] == common_name and body_name[:64] == organisation)


@functools.lru_cache(maxsize=32)
def _crl_entries(der: bytes) -> tuple[tuple[bytes, int, datetime], ...]:
    """(issuer DER, serial, revocation date) of every entry of one CRL, parsed once."""
    parsed = asn1_crl.CertificateList.load(der)
    issuer = parsed["tbs_cert_list"]["issuer"].dump()
    return tuple(
        (issuer, entry["user_certificate"].native, entry["revocation_date"].native)
        for entry in parsed["tbs_cert_list"]["revoked_certificates"]
    )


def revocations_from_crls(crl_list: list[bytes]) -> dict[tuple[bytes, int], datetime]:
    """(issuer DER, serial) → earliest revocation date, from every CRL given.

    The CRLs' own signatures are not checked here: the dates can only make a verdict
    stricter (a certificate treated as revoked), never make a signature acceptable. A
    CRL's entries are a function of its bytes, so each CRL is parsed once; every call
    still consults every CRL it is given.
    """
    found: dict[tuple[bytes, int], datetime] = {}
    for der in crl_list:
        for issuer, serial, date in _crl_entries(bytes(der)):
            found[(issuer, serial)] = min(date, found.get((issuer, serial), date))
    return found
