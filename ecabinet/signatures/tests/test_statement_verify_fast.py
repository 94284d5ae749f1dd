"""The statement verification fast path never changes a verdict.

What is remembered between verifications (``cmscheck``, ``trustpaths``) depends only on
exact bytes; time and revocation are checked on every call. These tests try to make the
cache give a wrong answer: other trust roots, a revocation after the first verification, a
signing time outside the certificate's period, a revoked issuing CA, damaged CMS bytes read
by the minimal DER reader and by asn1crypto.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import rfc8785
from asgiref.sync import async_to_sync
from asn1crypto import cms  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from ecabinet.core.testing.personas import World
from ecabinet.signatures import ca, cmscheck, keystores, trustpaths
from ecabinet.signatures.memo import BoundedCache
from ecabinet.signatures.models import CertificateAuthority, MemberCertificate, RevocationReason
from ecabinet.signatures.statements import (
    canonical,
    is_canonical_text,
    payload_hash,
    statement_export,
    statement_payload,
    statement_sign,
    statement_verify,
)
from ecabinet.signatures.tests import pki

DOC_HASH = "cd" * 32


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    cmscheck.clear_caches()
    trustpaths.PATHS.clear()


def _payload(world: World, cert: MemberCertificate) -> dict[str, Any]:
    return statement_payload(
        signer=cert.user,
        role="member",
        body=world.body,
        object_type="ballots.ballot",
        object_id=7,
        choice="agree",
        documents={"du-thao.pdf": DOC_HASH},
    )


def _bundle(world: World, cert: MemberCertificate) -> bytes:
    payload = _payload(world, cert)
    statement = statement_sign(
        actor=cert.user, certificate=cert, payload=payload, confirmation_hash=payload_hash(payload)
    )
    return statement_export(statement)


def _bundle_signed_at(world: World, cert: MemberCertificate, at: datetime) -> bytes:
    """A bundle whose CMS claims ``at`` as signing time (the key used directly, as a
    thief of the key would: the service refuses revoked or expired certificates)."""
    payload = _payload(world, cert)
    data = canonical(payload)
    store = keystores.key_store(cert.key_store)
    signer = store.signer(cert.key_ref, ca.to_asn1(cert.certificate_der), ca.chain_of(cert))
    signed = async_to_sync(signer.async_sign_general_data)(
        cms.ContentInfo({"content_type": "data", "content": data}),
        "sha256",
        detached=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=at),
    )
    certificates = [bytes(cert.certificate_der), *(c.dump() for c in ca.chain_of(cert))]
    bundle = {
        "format": "ecabinet-statement/1",
        "id": "test",
        "payload": data.decode("utf-8"),
        "payload_sha256": payload_hash(payload),
        "cms": base64.b64encode(signed.dump()).decode("ascii"),
        "certificates": [base64.b64encode(c).decode("ascii") for c in certificates],
        "crls": [],
    }
    return json.dumps(bundle).encode("utf-8")


# --- the certification path cache -----------------------------------------------------------


def test_same_certificate_other_trust_roots_gives_another_verdict(
    world: World, member_certificate: MemberCertificate
) -> None:
    bundle = _bundle(world, member_certificate)
    stranger = pki.make_root("Stranger Root CA").asn1

    assert statement_verify(bundle, trust_roots=ca.trust_roots()).ok
    refused = statement_verify(bundle, trust_roots=[stranger])
    again = statement_verify(bundle, trust_roots=ca.trust_roots())

    assert refused.intact
    assert not refused.trusted
    assert not refused.ok
    assert again.ok
    assert len(trustpaths.PATHS) == 2  # one entry per set of trust roots
    assert trustpaths.PATHS.hits == 1


def test_revoked_after_the_first_verification_is_refused_on_the_next(
    world: World,
    member_certificate: MemberCertificate,
    authorities: dict[str, CertificateAuthority],
    time_machine: Any,
) -> None:
    now = datetime.now(UTC)
    time_machine.move_to(now - timedelta(minutes=2), tick=True)
    bundle = _bundle(world, member_certificate)
    assert statement_verify(bundle, trust_roots=ca.trust_roots()).ok

    time_machine.move_to(now, tick=True)
    admin = world.user("admin")
    assert admin is not None
    ca.certificate_revoke(
        actor=admin,
        certificate=member_certificate,
        reason=RevocationReason.KEY_COMPROMISE,
    )
    report = statement_verify(bundle, trust_roots=ca.trust_roots(), crls=[ca.crl_der()])

    assert trustpaths.PATHS.hits == 1  # the path came from the cache ...
    assert report.revoked
    assert not report.ok
    # Signed with the key after the revocation: the path no longer holds at that time.
    late = _bundle_signed_at(world, member_certificate, datetime.now(UTC))
    late_report = statement_verify(late, trust_roots=ca.trust_roots(), crls=[ca.crl_der()])
    assert late_report.intact
    assert not late_report.trusted
    assert not late_report.valid_at_signing_time


def test_signing_time_outside_the_period_is_checked_on_every_call(
    world: World, member_certificate: MemberCertificate
) -> None:
    assert statement_verify(_bundle(world, member_certificate), trust_roots=ca.trust_roots()).ok
    after_expiry = _bundle_signed_at(
        world, member_certificate, member_certificate.not_after + timedelta(days=1)
    )

    report = statement_verify(after_expiry, trust_roots=ca.trust_roots())

    assert trustpaths.PATHS.hits == 1
    assert report.intact
    assert not report.trusted
    assert not report.valid_at_signing_time
    assert not report.ok


def test_a_revoked_issuing_ca_is_refused_though_the_member_is_not(
    world: World, member_certificate: MemberCertificate
) -> None:
    bundle = _bundle(world, member_certificate)
    assert statement_verify(bundle, trust_roots=ca.trust_roots()).ok
    root = CertificateAuthority.objects.get(role=CertificateAuthority.Role.ROOT, active=True)
    root_cert = ca.load_certificate(root.certificate_der)
    issuing = ca.load_certificate(member_certificate.ca.certificate_der)
    revoked_at = datetime.now(UTC) - timedelta(seconds=30)
    root_crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(revoked_at)
        .next_update(revoked_at + timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(issuing.serial_number)
            .revocation_date(revoked_at)
            .build()
        )
        .sign(ca._ca_key(root), hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )

    report = statement_verify(bundle, trust_roots=ca.trust_roots(), crls=[root_crl])

    assert report.intact
    assert not report.revoked
    assert not report.trusted
    assert not report.ok


def test_path_periods_are_checked_for_every_certificate_with_pyhankos_tolerance() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    issuing = trustpaths.PathCertificate(b"root", 1, start, start + timedelta(days=30))
    leaf = trustpaths.PathCertificate(b"issuing", 2, start, start + timedelta(days=365))
    path = trustpaths.CertifiedPath(certificates=(issuing, leaf))

    assert path.trusted_at(start + timedelta(days=10), {})
    assert path.trusted_at(start - timedelta(milliseconds=900), {})  # 1 s tolerance
    assert not path.trusted_at(start - timedelta(seconds=2), {})
    assert not path.trusted_at(start + timedelta(days=31), {})  # the issuing CA expired
    assert not path.trusted_at(start + timedelta(days=10), {(b"root", 1): start})
    assert path.trusted_at(
        start + timedelta(days=10), {(b"issuing", 2): start + timedelta(days=20)}
    )
    assert not trustpaths.trusted_at((), start, {})


def test_bounded_cache_forgets_the_least_recently_used() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    computed: list[str] = []

    def value(key: str) -> Callable[[], int]:
        def compute() -> int:
            computed.append(key)
            return len(key)

        return compute

    cache.get_or_compute("a", value("a"))
    cache.get_or_compute("bb", value("bb"))
    cache.get_or_compute("a", value("a"))  # a is now the most recent
    cache.get_or_compute("ccc", value("ccc"))  # bb goes
    cache.get_or_compute("bb", value("bb"))

    assert computed == ["a", "bb", "ccc", "bb"]
    assert len(cache) == 2
    with pytest.raises(ZeroDivisionError):
        cache.get_or_compute("boom", lambda: 1 // 0)
    assert cache.get_or_compute("boom", lambda: 5) == 5  # a failure is not remembered


# --- the minimal DER reader agrees with asn1crypto ---------------------------------------


def _asn1_parts(raw: bytes) -> cmscheck.Parts | str:
    try:
        return cmscheck.parts_from_asn1(cms.ContentInfo.load(raw)["content"])
    except Exception as exc:
        return type(exc).__name__


def _outcome(content: bytes, parts: cmscheck.Parts | str) -> tuple[Any, ...]:
    if isinstance(parts, str):
        return ("refused",)
    try:
        checked = cmscheck.check_parts(content, parts)
    except Exception:
        return ("refused",)
    return (checked.intact, checked.valid, checked.signer_der, checked.signing_time)


def test_der_reader_and_asn1crypto_agree_on_genuine_and_damaged_signatures(
    world: World, member_certificate: MemberCertificate
) -> None:
    bundle = json.loads(_bundle(world, member_certificate))
    raw = base64.b64decode(bundle["cms"])
    content = bundle["payload"].encode("utf-8")
    fast = cmscheck.parts_from_der(raw)
    assert fast is not None
    assert fast == _asn1_parts(raw)
    genuine = cmscheck.check_detached(content, raw)
    assert genuine.intact
    assert genuine.valid

    rng = random.Random(20261124)
    variants = [raw[:cut] for cut in range(0, len(raw), 37)]
    for _ in range(400):
        damaged = bytearray(raw)
        for _flip in range(rng.choice((1, 1, 2, 3))):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        variants.append(bytes(damaged))
    read_fast = 0
    for variant in variants:
        fast = cmscheck.parts_from_der(variant)
        slow = _asn1_parts(variant)
        if fast is None:
            continue
        read_fast += 1
        assert fast == slow, variant.hex()
        assert _outcome(content, fast) == _outcome(content, slow)
    assert read_fast > 200  # most single flips keep the shape: the fast path was exercised


def test_signed_attributes_are_read_as_pyhanko_reads_them(
    world: World, member_certificate: MemberCertificate
) -> None:
    bundle = json.loads(_bundle(world, member_certificate))
    raw = base64.b64decode(bundle["cms"])
    info = cms.ContentInfo.load(raw)["content"]["signer_infos"][0]
    parts = cmscheck.parts_from_der(raw)
    assert parts is not None

    # pyHanko verifies the signature over the attributes re-tagged as a SET OF.
    body = parts.attributes_body
    assert b"\x31" + cmscheck._der_length(len(body)) + body == info["signed_attrs"].untag().dump()
    checked = cmscheck.check_parts(bundle["payload"].encode("utf-8"), parts)
    [signing_time] = [
        a["values"][0].native for a in info["signed_attrs"] if a["type"].native == "signing_time"
    ]
    assert checked.signing_time == signing_time
    assert checked.signer_der == member_certificate.certificate_der


# --- the canonical-form check --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"b":[true,false,null],"c":"x"}',
        '{"b":1,"a":2}',
        '{"a":1.0}',
        '{"a":1e2}',
        '{"a":9007199254740991}',
        '{"a":9007199254740993}',
        '{"a":-0}',
        '{"a":"\\u0001\\n\\t\\"\\\\"}',
        '{"a":"\\u001f"}',
        '{"a":"\\u001F"}',
        '{"a":"\\/"}',
        '{"a":"Đồng ý — mục 3"}',
        '{"a":"\\u00e9"}',
        '{"\\ud83d\\ude00":1,"\\ue000":2}',
        '{"😀":1,"\ue000":2}',
        '{"\ue000":2,"😀":1}',
        '{"a":{"z":[],"y":{}},"b":""}',
        '{"a":1,"a":2}',
        '{"a":NaN}',
        '{"a":"\u2028\x7f"}',
        "[1,2]",
        '{ "a":1}',
    ],
)
def test_quick_canonical_check_agrees_with_rfc8785(text: str) -> None:
    from ecabinet.signatures.statements import _loads_noting_plain

    payload, plain = _loads_noting_plain(text)
    try:
        expected = isinstance(payload, dict) and rfc8785.dumps(payload) == text.encode("utf-8")
    except rfc8785.CanonicalizationError:
        expected = False
    assert is_canonical_text(text, payload, plain=plain) is expected


def test_quick_canonical_check_agrees_with_rfc8785_on_random_payloads() -> None:
    from ecabinet.signatures.statements import _loads_noting_plain

    rng = random.Random(8785)
    alphabet = ["a", "Z", "é", "Đ", "\u2028", "\x7f", '"', "\\", "\n", "\x01", "\ue000", "😀"]

    def value(depth: int) -> Any:
        kind = rng.randrange(7 if depth < 3 else 4)
        if kind == 0:
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(5)))
        if kind == 1:
            return rng.choice([0, 1, -5, 2**53 - 1, 2**53 + 1, 10**20])
        if kind == 2:
            return rng.choice([True, False, None, 0.5, 1.0, 1e21, -0.0])
        if kind == 3:
            return rng.randrange(1000)
        if kind == 4:
            return [value(depth + 1) for _ in range(rng.randrange(3))]
        return {
            "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 4))): value(depth + 1)
            for _ in range(rng.randrange(4))
        }

    for _ in range(500):
        payload = {"k": value(0), "€": value(1)}
        try:
            text = rfc8785.dumps(payload).decode("utf-8")
        except rfc8785.CanonicalizationError:
            text = json.dumps(payload, ensure_ascii=False)
        for candidate in (text, json.dumps(payload, ensure_ascii=False, sort_keys=True)):
            parsed, plain = _loads_noting_plain(candidate)
            try:
                expected = rfc8785.dumps(parsed) == candidate.encode("utf-8")
            except rfc8785.CanonicalizationError:
                expected = False
            assert is_canonical_text(candidate, parsed, plain=plain) is expected, candidate
