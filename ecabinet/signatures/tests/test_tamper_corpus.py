"""Every tampered or invalid artefact of the corpus is refused, for the right reason; every
genuine one verifies. The corpus is generated once per module (see corpus.py)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from asn1crypto import crl as asn1_crl  # type: ignore[import-untyped]
from django.db import transaction
from django.test import override_settings

from ecabinet.core.testing.personas import build_world
from ecabinet.signatures.ca import ca_init, certificate_issue
from ecabinet.signatures.models import MemberCertificate
from ecabinet.signatures.pdf.pades import PdfReport, validate_pdf
from ecabinet.signatures.statements import StatementReport, statement_verify
from ecabinet.signatures.tests.corpus import Case, build_corpus

# The test database must exist for the module-scoped corpus; each test also runs in one.
pytestmark = pytest.mark.django_db

# Case ids, fixed here so that parametrisation does not need the database at collection.
STATEMENT_IDS = [
    "genuine",
    "genuine-other-member",
    "genuine-on-behalf-of",
    *(
        f"payload-{n}"
        for n in (
            "v",
            "signer-id",
            "signer-name",
            "role",
            "body-id",
            "body-name",
            "object-type",
            "object-id",
            "choice",
            "comment",
            "comment-emptied",
            "document-hash",
            "document-name",
            "documents-added",
            "documents-removed",
            "time",
            "nonce",
            "on-behalf-of",
            "extra-key",
            "not-canonical-spaces",
            "not-canonical-reordered",
            "sha256-field-mismatch",
        )
    ),
    "cms-last-byte-of-signature-flipped",
    "cms-message-digest-flipped",
    "cms-signing-time-changed",
    "cms-truncated",
    "cms-empty",
    "cms-not-base64",
    "cms-random-bytes",
    "bundle-certificates-removed",
    "cms-and-bundle-certificates-removed",
    "cms-certificate-swapped-for-other-member",
    "cms-signer-certificate-subject-flipped",
    "bundle-certificates-garbage",
    "bundle-crls-garbage",
    "signed-by-untrusted-ca",
    "no-non-repudiation-untrusted-ca",
    "no-non-repudiation-trusted-ca",
    "expired-certificate",
    "not-yet-valid-certificate",
    "genuine-foreign-trusted-ca",
    "payload-names-another-signer-than-certificate",
    "revoked-after-signing-newer-crl-from-verifier",
    "signed-after-revocation",
    "empty-file",
    "random-bytes",
    "not-utf8",
    "json-array",
    "json-wrong-format",
    "json-no-format",
    "json-no-payload",
    "json-payload-not-text",
    "json-certificates-not-list",
    "pdf-given-as-statement",
]
PDF_IDS = [
    "genuine-signer-signed",
    "genuine-signed-and-sealed",
    "genuine-signed-number-filled-before-seal",
    "flip-in-page-content-stream",
    "flip-in-pdf-header",
    "flip-in-signer-signature-dictionary-date",
    "flip-after-signer-contents",
    "flip-in-seal-signature-dictionary-date",
    "flip-in-seal-revision-number-field",
    "flip-in-last-xref-stream",
    "signature-value-flipped",
    "certificate-subject-flipped",
    "page-added-after-seal",
    "annotation-added-after-seal",
    "number-changed-after-seal",
    "date-changed-after-seal",
    "page-content-overdrawn-after-seal",
    "page-added-after-signer",
    "page-content-overdrawn-after-signer",
    "timestamp-token-removed",
    "truncated-half",
    "truncated-before-seal-revision-end",
    "truncated-to-signer-revision",
    "signed-by-untrusted-ca",
    "timestamp-by-untrusted-tsa",
    "signer-certificate-revoked-after-timestamp",
    "signed-after-revocation-crl-given",
    "unsigned-decree30",
    "not-a-pdf",
    "empty",
    "random-bytes",
    "statement-given-as-pdf",
]
CASE_IDS = [f"statement/{i}" for i in STATEMENT_IDS] + [f"pdf/{i}" for i in PDF_IDS]

# Tamperings the current validators do not detect (none known). The corpus carries the
# same reasons; strict: the test fails once a validator is fixed.
# Value: the exception the validator raises instead of reporting (None: accepted as ok).
KNOWN_UNDETECTED: dict[str, type[BaseException] | None] = {}


@pytest.fixture(scope="module")
def corpus(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Case]]:
    """Built once, in a transaction rolled back afterwards, with a throwaway key directory."""
    saved = {
        k: os.environ.pop(k) for k in ("ECABINET_KEK", "ECABINET_KEK_PREVIOUS") if k in os.environ
    }
    with (
        tempfile.TemporaryDirectory(prefix="ecabinet-corpus-") as keys,
        override_settings(
            ECABINET_KEY_DIR=keys, ECABINET_KEK_AUTOCREATE=True, ECABINET_KEY_STORE="software"
        ),
        django_db_blocker.unblock(),
    ):
        from django.db import connection

        # Never build the corpus in a real database (the module marks itself django_db).
        assert "test" in str(connection.settings_dict["NAME"]), connection.settings_dict["NAME"]
        with transaction.atomic():
            world = build_world()
            ca_init()
            admin = world.user("admin")

            def issue(membership: Any, **kwargs: Any) -> MemberCertificate:
                return certificate_issue(actor=admin, membership=membership, **kwargs)

            signing_member = world.memberships["member"]
            cases = {case.id: case for case in build_corpus(world, issue, signing_member)}
            transaction.set_rollback(True)
        yield cases
    os.environ.update(saved)


def test_corpus_is_complete(corpus: dict[str, Case]) -> None:
    assert sorted(corpus) == sorted(CASE_IDS)
    tampered = [c for c in corpus.values() if c.expect != "ok"]
    assert len(tampered) >= 50
    assert {c.id for c in corpus.values() if c.xfail} == set(KNOWN_UNDETECTED)


def _statement_reason(report: StatementReport, expect: str) -> bool:
    if expect == "ok":
        return True
    if expect == "malformed":
        return not report.format_ok
    if not report.format_ok:
        return False
    if expect == "not_intact":
        return not report.intact
    if expect == "wrong_signer":
        return report.intact and report.trusted and not report.signer_matches
    if expect == "not_canonical":
        return not report.canonical
    if expect == "untrusted":
        return report.intact and not report.trusted and not report.revoked
    if expect == "expired":
        return report.intact and not report.valid_at_signing_time and not report.revoked
    if expect == "revoked_before":
        return (
            report.intact
            and report.revoked
            and not report.trusted
            and not report.valid_at_signing_time
        )
    if expect == "revoked_after":
        return (
            report.intact
            and report.revoked
            and report.trusted
            and report.valid_at_signing_time
            and report.revoked_at is not None
            and report.signed_at is not None
            and report.revoked_at > report.signed_at
        )
    raise AssertionError(expect)


def _pdf_reason(report: PdfReport, expect: str) -> bool:
    if expect == "ok":
        return True
    if expect == "unreadable":
        return bool(report.error) or not report.signatures
    if expect == "wrong_certificate":  # pyHanko's ESS signing-certificate check refuses it
        return "signing certificate attribute does not match" in report.error.lower()
    if expect == "corrupt":  # structure broken: unreadable, or a signature not intact
        return bool(report.error) or any(not (s.intact and s.valid) for s in report.signatures)
    if report.error or not report.signatures:
        return False
    sigs = report.signatures
    if expect == "not_intact":
        return any(not (s.intact and s.valid) for s in sigs)
    intact = all(s.intact and s.valid for s in sigs)
    if expect == "modified":
        return intact and any(not s.docmdp_ok or s.modification_level == "OTHER" for s in sigs)
    if expect == "untrusted":
        return intact and any(not s.trusted for s in sigs)
    if expect == "no_timestamp":
        return intact and all(s.trusted for s in sigs) and any(not s.timestamp_ok for s in sigs)
    raise AssertionError(expect)


def _verify(case: Case) -> tuple[bool, bool, str]:
    """(ok, refused for the expected reason, details)."""
    if case.kind == "statement":
        report = statement_verify(case.data, trust_roots=case.trust_roots, crls=case.crls)
        return report.ok, _statement_reason(report, case.expect), repr(report)
    crls = [asn1_crl.CertificateList.load(c) for c in case.crls]
    pdf = validate_pdf(case.data, trust_roots=case.trust_roots, crls=crls)
    return pdf.ok, _pdf_reason(pdf, case.expect), repr(pdf)


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param(
            i,
            marks=pytest.mark.xfail(
                strict=True,
                raises=KNOWN_UNDETECTED[i] or AssertionError,
                reason="undetected tampering (see corpus)",
            ),
        )
        if i in KNOWN_UNDETECTED
        else i
        for i in CASE_IDS
    ],
)
def test_corpus_case(corpus: dict[str, Case], case_id: str) -> None:
    case = corpus[case_id]
    ok, right_reason, details = _verify(case)
    if case.expect == "ok":
        assert ok, details
    else:
        assert not ok, f"{case.xfail or 'tampering not detected'}: {details}"
        assert right_reason, f"refused, but not as {case.expect}: {details}"
