"""Verify any signed file the system produces: a signed PDF or an exported statement.

``verify_bytes`` recognises the file, runs the matching validator against the trust roots
of this installation (the internal root and the imported anchors) and the stored CRL, and
returns one uniform :class:`VerifyReport`: who signed, in which role, what, when, with which
certificate, and each check with a short reason. Untrusted input never raises: garbage,
empty or truncated files give a report with ``ok`` false and a reason.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader

from ecabinet.core.errors import DomainError
from ecabinet.signatures.ca import crl_der, trust_roots
from ecabinet.signatures.pdf.layout import ORG_FIELD, SIGNER_FIELD
from ecabinet.signatures.pdf.pades import SignatureReport, validate_pdf
from ecabinet.signatures.statements import (
    FORMAT,
    StatementReport,
    name_attribute,
    statement_verify,
)

logger = logging.getLogger(__name__)

KIND_PDF = "pdf"
KIND_STATEMENT = "statement"
KIND_UNKNOWN = "unknown"

# English names of the checks, for the bilingual command-line output.
CHECK_NAMES_EN = {
    "format": "Format",
    "intact": "Content intact, signature value valid",
    "trusted": "Certificate chains to a trusted root",
    "identity": "Signer named in the content holds the certificate",
    "period": "Certificate valid at signing time",
    "revocation": "Not revoked at signing time",
    "timestamp": "Trusted timestamp",
    "changes": "No disallowed change after signing",
}


@dataclass(frozen=True)
class Check:
    code: str  # a key of CHECK_NAMES_EN
    label: str
    ok: bool
    reason: str


@dataclass(frozen=True)
class SignatureInfo:
    who: str
    title: str
    body: str
    what: str
    signed_at: datetime | None
    timestamp_at: datetime | None
    serial: str
    issuer: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


@dataclass(frozen=True)
class VerifyReport:
    kind: str
    signatures: tuple[SignatureInfo, ...]
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.signatures) and all(s.ok for s in self.signatures)


def _refused(reason: str, kind: str = KIND_UNKNOWN) -> VerifyReport:
    return VerifyReport(kind=kind, signatures=(), error=reason)


def _stored_crls() -> list[bytes]:
    try:
        return [crl_der()]
    except DomainError:  # the CA is not initialised: no revocation list yet
        return []


def _revocations(crls: list[bytes]) -> dict[tuple[bytes, int], datetime]:
    """(issuer DER, serial) → earliest revocation date in the given CRLs."""
    found: dict[tuple[bytes, int], datetime] = {}
    for der in crls:
        tbs = asn1_crl.CertificateList.load(der)["tbs_cert_list"]
        issuer = tbs["issuer"].dump()
        for entry in tbs["revoked_certificates"]:
            key = (issuer, int(entry["user_certificate"].native))
            date = entry["revocation_date"].native
            found[key] = min(date, found.get(key, date))
    return found


def _issuer_of(cert: asn1_x509.Certificate) -> str:
    return name_attribute(cert.issuer, "common_name") or str(cert.issuer.human_friendly)


def _fmt(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _period_check(cert: asn1_x509.Certificate | None, at: datetime | None) -> Check:
    label = _("Chứng thư còn hiệu lực khi ký")
    if cert is None or at is None:
        return Check("period", label, False, _("Không xác định được thời điểm ký."))
    if cert.not_valid_before <= at <= cert.not_valid_after:
        return Check("period", label, True, _("Thời điểm ký nằm trong thời hạn của chứng thư."))
    return Check("period", label, False, _("Thời điểm ký nằm ngoài thời hạn của chứng thư."))


def _revocation_check(revoked_at: datetime | None, at: datetime | None) -> Check:
    label = _("Chưa bị thu hồi khi ký")
    if revoked_at is None:
        return Check("revocation", label, True, _("Chứng thư không có trong danh sách thu hồi."))
    if at is not None and revoked_at > at:
        return Check(
            "revocation",
            label,
            True,
            _("Chứng thư bị thu hồi lúc %(time)s, sau thời điểm ký; chữ ký vẫn có giá trị.")
            % {"time": _fmt(revoked_at)},
        )
    return Check(
        "revocation",
        label,
        False,
        _("Chứng thư đã bị thu hồi lúc %(time)s, trước thời điểm ký.") % {"time": _fmt(revoked_at)},
    )


# --- exported statements -------------------------------------------------------------------


def _identity_check(report: StatementReport) -> Check:
    """The signer and body the content names must be the certificate's subject (CN, O)."""
    label = _("Người ký khớp với chứng thư")
    if report.signer_matches:
        return Check(
            "identity",
            label,
            True,
            _("Người ký và cơ quan ghi trong nội dung khớp với chứng thư số."),
        )
    return Check(
        "identity",
        label,
        False,
        _("Người ký hoặc cơ quan ghi trong nội dung không khớp với chứng thư số đã ký."),
    )


def _statement_signer_cert(bundle: dict[str, Any]) -> asn1_x509.Certificate | None:
    """The signer's certificate among the bundle's, by the CMS signer identifier."""
    content = cms.ContentInfo.load(base64.b64decode(bundle["cms"], validate=True))
    sid = content["content"]["signer_infos"][0]["sid"]
    if sid.name != "issuer_and_serial_number":
        return None
    wanted = (sid.chosen["issuer"].dump(), int(sid.chosen["serial_number"].native))
    for encoded in bundle.get("certificates", []):
        cert = asn1_x509.Certificate.load(base64.b64decode(encoded, validate=True))
        if (cert.issuer.dump(), int(cert.serial_number)) == wanted:
            return cert
    return None


def _statement_what(payload: dict[str, Any]) -> str:
    obj = payload.get("object")
    obj_text = ""
    if isinstance(obj, dict):
        obj_text = f"{obj.get('type', '')} #{obj.get('id', '')}"
    choice = str(payload.get("choice", ""))
    return _("%(object)s — lựa chọn: %(choice)s") % {"object": obj_text, "choice": choice}


def _verify_statement(data: bytes) -> VerifyReport:
    crls = _stored_crls()
    report: StatementReport = statement_verify(data, trust_roots=trust_roots(), crls=crls)
    if not report.format_ok:
        reason = _("Tệp chữ ký không đúng định dạng hoặc đã bị cắt, sửa: %(detail)s") % {
            "detail": "; ".join(report.problems)
        }
        return _refused(reason, KIND_STATEMENT)
    bundle = json.loads(data.decode("utf-8"))
    cert = _statement_signer_cert(bundle)
    bundle_crls = [base64.b64decode(c, validate=True) for c in bundle.get("crls", [])]
    revoked_at = None
    if cert is not None:
        revoked_at = _revocations(bundle_crls + crls).get(
            (cert.issuer.dump(), int(cert.serial_number))
        )
    payload = report.payload
    signer = payload.get("signer")
    body = payload.get("body")
    checks = (
        Check(
            "format",
            _("Định dạng"),
            report.canonical,
            _("Nội dung ký ở dạng chuẩn hóa.")
            if report.canonical
            else _("Nội dung ký không ở dạng chuẩn hóa (đã bị sửa)."),
        ),
        Check(
            "intact",
            _("Nội dung nguyên vẹn"),
            report.intact,
            _("Nội dung khớp với chữ ký.")
            if report.intact
            else _("Nội dung đã bị thay đổi sau khi ký hoặc chữ ký sai."),
        ),
        Check(
            "trusted",
            _("Chứng thư tin cậy"),
            report.trusted,
            _("Chứng thư được cấp bởi tổ chức tin cậy.")
            if report.trusted
            else _("Chứng thư không được cấp bởi tổ chức tin cậy của hệ thống."),
        ),
        _identity_check(report),
        _period_check(cert, report.signed_at),
        _revocation_check(revoked_at, report.signed_at),
    )
    info = SignatureInfo(
        who=str(signer.get("name", "")) if isinstance(signer, dict) else report.signer_subject,
        title=name_attribute(cert.subject, "title") if cert is not None else "",
        body=str(body.get("name", "")) if isinstance(body, dict) else "",
        what=_statement_what(payload),
        signed_at=report.signed_at,
        timestamp_at=None,
        serial=format(int(cert.serial_number), "x") if cert is not None else "",
        issuer=_issuer_of(cert) if cert is not None else "",
        checks=checks,
    )
    return VerifyReport(kind=KIND_STATEMENT, signatures=(info,))


# --- signed PDFs ---------------------------------------------------------------------------


def _pdf_field_label(field: str) -> str:
    if field == SIGNER_FIELD:
        return _("Chữ ký của người ký văn bản (%(field)s)") % {"field": field}
    if field == ORG_FIELD:
        return _("Chữ ký số của cơ quan, tổ chức (%(field)s)") % {"field": field}
    return _("Trường chữ ký %(field)s") % {"field": field}


def _pdf_certificates(pdf: bytes) -> dict[str, asn1_x509.Certificate]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return {str(sig.field_name): sig.signer_cert for sig in reader.embedded_signatures}


def _pdf_signature(
    sig: SignatureReport,
    cert: asn1_x509.Certificate | None,
    revocations: dict[tuple[bytes, int], datetime],
) -> SignatureInfo:
    at = sig.timestamp_time or sig.signing_time
    revoked_at = revocations.get((cert.issuer.dump(), int(cert.serial_number))) if cert else None
    unchanged = sig.docmdp_ok and sig.modification_level != "OTHER"
    checks = (
        Check(
            "intact",
            _("Nội dung nguyên vẹn"),
            sig.intact and sig.valid,
            _("Văn bản khớp với chữ ký.")
            if sig.intact and sig.valid
            else _("Văn bản đã bị thay đổi sau khi ký hoặc chữ ký sai."),
        ),
        Check(
            "trusted",
            _("Chứng thư tin cậy"),
            sig.trusted,
            _("Chứng thư được cấp bởi tổ chức tin cậy.")
            if sig.trusted
            else _("Chứng thư không được cấp bởi tổ chức tin cậy của hệ thống hoặc đã bị thu hồi."),
        ),
        Check(
            "timestamp",
            _("Dấu thời gian"),
            sig.timestamp_ok,
            _("Có dấu thời gian hợp lệ của tổ chức cấp dấu thời gian tin cậy.")
            if sig.timestamp_ok
            else _("Không có dấu thời gian hợp lệ, tin cậy."),
        ),
        Check(
            "changes",
            _("Không sửa đổi trái phép"),
            unchanged,
            _("Sau khi ký không có thay đổi nào ngoài các thay đổi được phép.")
            if unchanged
            else _("Văn bản bị thay đổi sau khi ký theo cách không được phép."),
        ),
        _period_check(cert, at),
        _revocation_check(revoked_at, at),
    )
    return SignatureInfo(
        who=sig.signer_name,
        title=name_attribute(cert.subject, "title") if cert is not None else "",
        body=name_attribute(cert.subject, "organization_name") if cert is not None else "",
        what=_pdf_field_label(sig.field),
        signed_at=sig.signing_time,
        timestamp_at=sig.timestamp_time,
        serial=format(int(cert.serial_number), "x") if cert is not None else "",
        issuer=_issuer_of(cert) if cert is not None else "",
        checks=checks,
    )


def _verify_pdf(data: bytes) -> VerifyReport:
    crls = _stored_crls()
    report = validate_pdf(
        data,
        trust_roots=trust_roots(),
        crls=[asn1_crl.CertificateList.load(c) for c in crls],
    )
    if report.error:
        return _refused(
            _("Không kiểm tra được tệp PDF (tệp hỏng hoặc đã bị cắt): %(detail)s")
            % {"detail": report.error},
            KIND_PDF,
        )
    if not report.signatures:
        return _refused(_("Tệp PDF không có chữ ký số nào."), KIND_PDF)
    certs = _pdf_certificates(data)
    revocations = _revocations(crls)
    signatures = tuple(
        _pdf_signature(s, certs.get(s.field), revocations) for s in report.signatures
    )
    return VerifyReport(kind=KIND_PDF, signatures=signatures)


# --- entry point ---------------------------------------------------------------------------


def _looks_like_statement(data: bytes) -> bool:
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(parsed, dict) and parsed.get("format") == FORMAT


def verify_bytes(data: bytes) -> VerifyReport:
    """Recognise and verify a signed PDF or an exported statement; never raises on input."""
    if not data:
        return _refused(_("Tệp rỗng, không có gì để kiểm tra."))
    kind = KIND_UNKNOWN
    try:
        if data.startswith(b"%PDF"):
            kind = KIND_PDF
            return _verify_pdf(data)
        if _looks_like_statement(data):
            kind = KIND_STATEMENT
            return _verify_statement(data)
    except Exception:  # untrusted input: any parse failure is a refusal, not an error page
        logger.info("signed file could not be verified", exc_info=True)
        return _refused(_("Không kiểm tra được tệp: tệp hỏng, đã bị cắt hoặc bị sửa."), kind)
    return _refused(
        _(
            "Không nhận ra tệp. Chỉ kiểm tra được văn bản PDF đã ký số "
            "hoặc tệp chữ ký xuất từ hệ thống (định dạng ecabinet-statement/1)."
        )
    )
