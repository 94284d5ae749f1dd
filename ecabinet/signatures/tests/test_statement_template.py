"""A certificate's signatures reuse the encoded fixed parts of a template made once per
certificate (without its private key): they must be complete, independent signatures all the
same."""

from __future__ import annotations

from typing import Any

import pytest
from asn1crypto import cms  # type: ignore[import-untyped]
from pyhanko.sign.signers.pdf_cms import SimpleSigner

from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World
from ecabinet.signatures import cmscheck, statements
from ecabinet.signatures.ca import certificate_revoke, trust_roots
from ecabinet.signatures.models import MemberCertificate, RevocationReason
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


def test_prepared_template_uses_no_private_key_and_the_first_signature_verifies(
    world: World, member_certificate: MemberCertificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements._templates.clear()

    def no_key(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("preparing a template must not sign")

    with monkeypatch.context() as patched:
        patched.setattr(SimpleSigner, "async_sign_raw", no_key)
        statements.statement_prepare(member_certificate)
    assert len(statements._templates) == 1
    statement = _sign(world, member_certificate)
    report = statement_verify(statement_export(statement), trust_roots=trust_roots())
    assert report.ok, report.problems
    template = cms.ContentInfo.load(next(iter(statements._templates.values())))
    signer_info = template["content"]["signer_infos"][0]
    # The template holds a stand-in, never a signature; the statement holds a real one.
    assert signer_info["signature"].native == statements._NO_SIGNATURE
    info = cms.ContentInfo.load(bytes(statement.cms_der))["content"]["signer_infos"][0]
    assert info["signature"].native != statements._NO_SIGNATURE


def test_preparing_a_revoked_certificate_is_refused(
    world: World, member_certificate: MemberCertificate
) -> None:
    statements._templates.clear()
    certificate_revoke(
        actor=member_certificate.user,
        certificate=member_certificate,
        reason=RevocationReason.KEY_COMPROMISE,
    )
    member_certificate.refresh_from_db()
    with pytest.raises(DomainError):
        statements.statement_prepare(member_certificate)
    assert statements._templates == {}
