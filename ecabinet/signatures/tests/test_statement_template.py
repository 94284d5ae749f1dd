"""A certificate's later signatures reuse the encoded parts of its first one: they must be
complete, independent signatures all the same."""

from __future__ import annotations

from asn1crypto import cms  # type: ignore[import-untyped]

from ecabinet.core.testing.personas import World
from ecabinet.signatures import cmscheck, statements
from ecabinet.signatures.ca import trust_roots
from ecabinet.signatures.models import MemberCertificate
from ecabinet.signatures.statements import statement_export, statement_verify
from ecabinet.signatures.tests.test_statements import _sign


def _attributes(der: bytes) -> dict[str, bytes]:
    info = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    return {a["type"].native: a.dump() for a in info["signed_attrs"]}


def test_second_signature_of_a_certificate_verifies(
    world: World, member_certificate: MemberCertificate
) -> None:
    statements._templates.clear()
    first = _sign(world, member_certificate)
    second = _sign(world, member_certificate)
    for statement in (first, second):
        report = statement_verify(statement_export(statement), trust_roots=trust_roots())
        assert report.ok, report.problems
    # Same fixed attributes, their own digest; the signature is over the second content only.
    a, b = _attributes(bytes(first.cms_der)), _attributes(bytes(second.cms_der))
    assert set(a) == set(b) >= {"content_type", "message_digest", "signing_time"}
    assert a["signing_certificate_v2"] == b["signing_certificate_v2"]
    assert a["message_digest"] != b["message_digest"]
    assert cmscheck.check_detached(second.payload_canonical.encode(), bytes(second.cms_der)).intact
    assert not cmscheck.check_detached(
        first.payload_canonical.encode(), bytes(second.cms_der)
    ).intact


def test_a_new_certificate_does_not_reuse_the_old_template(
    world: World, member_certificate: MemberCertificate
) -> None:
    statements._templates.clear()
    _sign(world, member_certificate)
    assert len(statements._templates) == 1
    key = next(iter(statements._templates))
    assert key[0] == member_certificate.pk
    assert key[2] == bytes(member_certificate.certificate_der)
