"""PAdES signatures on Decree 30 PDFs: the signer's, then the records office's seal.

1. :func:`sign_as_signer`: the signer certifies the document (the first signature, DocMDP
   "fill forms"), in the ``SignerSignature`` field whose lock (set by the layout) freezes every
   field except the number, the date and the organisation's signature. Visible: the blue
   signature image. PAdES B-T (RFC 3161 timestamp).
2. :func:`seal_and_number`: in ONE incremental revision, the office fills the number and the
   date (static appearance, read-only) and signs ``OrgSignature``, whose lock says DocMDP
   "no changes" on all fields. Visible: the red seal over the left third of the signature.
3. :func:`validate_pdf`: offline validation of every signature, with pyHanko's difference
   analysis (byte-range checks alone miss page content changed after signing).

A timestamp is mandatory: if the TSA does not answer, or answers with an error, nothing is
signed (:class:`TimestampUnavailable`). pyHanko runs its own event loop (``asyncio.run``), so
call these functions from synchronous code (a sync view, a task, or ``sync_to_async``).
See docs/decisions/0602-pades.md.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import crl as asn1_crl  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.form_tools import populate_static_text_field
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, Signer
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext

from ecabinet.core.errors import DomainError
from ecabinet.signatures.statements import revocations_from_crls

from .fonts import field_font
from .layout import (
    DATE_FIELD,
    FIELD_DROP_PT,
    FIELDS_LEFT_OPEN,
    NUMBER_FIELD,
    ORG_FIELD,
    SIGNER_FIELD,
)

MD_ALGORITHM = "sha256"
FIELD_FONT_SIZE = 13
_NUMBER_RE = re.compile(r"^\d{2,}$")


class SigningRefused(DomainError):
    """The document cannot be signed in its current state."""

    def __init__(self, message: str, *, code: str = "signing_refused") -> None:
        super().__init__(message, code=code)


class TimestampUnavailable(SigningRefused):
    """The time-stamping authority did not give a valid timestamp: nothing was signed."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            _("Không lấy được dấu thời gian (TSA): văn bản chưa được ký. Chi tiết: %(detail)s")
            % {"detail": detail},
            code="timestamp_unavailable",
        )


# ---------------------------------------------------------------------------------------
# Appearances


def _image_stamp(png: bytes) -> StaticStampStyle:
    """A stamp drawing only ``png`` (transparent areas stay transparent), fitted to the box."""
    try:
        opened = Image.open(io.BytesIO(png))
        opened.load()
    except (OSError, ValueError) as exc:
        raise SigningRefused(_("Ảnh chữ ký/con dấu không phải ảnh PNG hợp lệ.")) from exc
    if opened.format != "PNG":
        raise SigningRefused(_("Ảnh chữ ký/con dấu phải là ảnh PNG."))
    image: Image.Image = opened if opened.mode in ("RGBA", "LA") else opened.convert("RGBA")
    return StaticStampStyle(
        background=PdfImage(image),
        border_width=0,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _field_text_style(*, italic: bool, align: layout.AxisAlignment) -> TextBoxStyle:
    return TextBoxStyle(
        font=GlyphAccumulatorFactory(
            str(field_font("italic" if italic else "regular")),
            font_size=FIELD_FONT_SIZE,
            bcp47_lang_code="vi",
        ),
        font_size=FIELD_FONT_SIZE,
        border_width=0,
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=align,
            # The field's bottom edge sits FIELD_DROP_PT below the printed baseline.
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(bottom=FIELD_DROP_PT),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


# ---------------------------------------------------------------------------------------
# Checks on the document before signing


def _open(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningRefused(_("Tệp không phải là PDF hợp lệ.")) from exc


def _signature_fields(writer: IncrementalPdfFileWriter) -> dict[str, bool]:
    """Signature field name → whether it already holds a signature."""
    return {
        name: value is not None
        for name, value, _ref in sig_fields.enumerate_sig_fields(writer, filled_status=None)
    }


def _text_field_value(writer: IncrementalPdfFileWriter, name: str) -> str | None:
    """The value of the text field ``name``; ``None`` when the field does not exist."""
    try:
        fields = writer.root["/AcroForm"]["/Fields"]
    except KeyError:
        return None
    for ref in fields:
        field = ref.get_object()
        if field.get("/T") == name and field.get("/FT") == "/Tx":
            return str(field.get("/V", ""))
    return None


def _require_layout(writer: IncrementalPdfFileWriter) -> dict[str, bool]:
    sigs = _signature_fields(writer)
    missing = [name for name in (SIGNER_FIELD, ORG_FIELD) if name not in sigs] + [
        name for name in (NUMBER_FIELD, DATE_FIELD) if _text_field_value(writer, name) is None
    ]
    if missing:
        raise SigningRefused(
            _("PDF thiếu các trường cần có trước khi ký: %(fields)s.")
            % {"fields": ", ".join(missing)}
        )
    return sigs


def _signer_lock_ok(writer: IncrementalPdfFileWriter, field_name: str) -> bool:
    """The signer's field lock excludes exactly the fields the office fills later."""
    for name, _value, ref in sig_fields.enumerate_sig_fields(writer, filled_status=None):
        if name != field_name:
            continue
        try:
            lock = sig_fields.FieldMDPSpec.from_pdf_object(ref.get_object()["/Lock"])
        except KeyError:
            return False
        return lock.action == sig_fields.FieldMDPAction.EXCLUDE and {
            str(f) for f in (lock.fields or ())
        } == set(FIELDS_LEFT_OPEN)
    return False


def _sign(writer: IncrementalPdfFileWriter, pdf_signer: PdfSigner) -> bytes:
    try:
        out = pdf_signer.sign_pdf(writer)
    except TimestampRequestError as exc:
        raise TimestampUnavailable(str(exc)) from exc
    except SigningError as exc:
        if isinstance(exc.__cause__, TimestampRequestError | OSError):
            raise TimestampUnavailable(str(exc.__cause__)) from exc
        raise SigningRefused(_("Không ký được văn bản: %(error)s") % {"error": exc}) from exc
    except OSError as exc:
        # Network failures that escape pyHanko's own wrapping (DNS, refused connection).
        raise TimestampUnavailable(str(exc)) from exc
    assert isinstance(out, io.BytesIO)
    return out.getvalue()


# ---------------------------------------------------------------------------------------
# Signing


def sign_as_signer(
    pdf: bytes,
    *,
    signer: Signer,
    timestamper: TimeStamper,
    signature_png: bytes,
    field: str = SIGNER_FIELD,
    reason: str = "",
    location: str = "",
) -> bytes:
    """The signer's PAdES B-T certification signature, with the signature image.

    Refused when the document lacks the Decree 30 fields, was already signed, or the
    signer's field lock does not leave the number, date and seal open.
    """
    writer = _open(pdf)
    sigs = _require_layout(writer)
    if field not in sigs:
        raise SigningRefused(_("Không có trường chữ ký %(field)s.") % {"field": field})
    if any(sigs.values()):
        raise SigningRefused(_("Văn bản đã có chữ ký; người ký phải ký trước tiên."))
    if not _signer_lock_ok(writer, field):
        raise SigningRefused(
            _("Trường chữ ký của người ký không để mở số, ngày và chữ ký của cơ quan.")
        )
    meta = PdfSignatureMetadata(
        field_name=field,
        md_algorithm=MD_ALGORITHM,
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=sig_fields.MDPPerm.FILL_FORMS,
        reason=reason or None,
        location=location or None,
    )
    pdf_signer = PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=_image_stamp(signature_png),
    )
    return _sign(writer, pdf_signer)


def seal_and_number(
    pdf: bytes,
    *,
    org_signer: Signer,
    timestamper: TimeStamper,
    seal_png: bytes,
    number: str,
    date_text: str,
    reason: str = "",
) -> bytes:
    """Fill number and date and apply the organisation's seal, in one incremental revision.

    ``number`` is the number alone ("15", "01"), ``date_text`` the whole place-and-date line
    (``layout.decree_date_line``). Refused unless the signer has signed and the number,
    date and seal are still empty.
    """
    number = number.strip()
    date_text = date_text.strip()
    if not _NUMBER_RE.match(number):
        raise SigningRefused(
            _("Số văn bản phải là chữ số, số nhỏ hơn 10 viết thêm số 0 phía trước (01).")
        )
    if not date_text:
        raise SigningRefused(_("Thiếu địa danh và ngày tháng năm ban hành."))
    writer = _open(pdf)
    sigs = _require_layout(writer)
    if not sigs[SIGNER_FIELD]:
        raise SigningRefused(_("Người có thẩm quyền chưa ký văn bản."))
    if sigs[ORG_FIELD]:
        raise SigningRefused(_("Văn bản đã được đóng dấu (ký số của cơ quan)."))
    if _text_field_value(writer, NUMBER_FIELD) or _text_field_value(writer, DATE_FIELD):
        raise SigningRefused(_("Văn bản đã có số hoặc ngày ban hành."))

    populate_static_text_field(
        writer,
        NUMBER_FIELD,
        _field_text_style(italic=False, align=layout.AxisAlignment.ALIGN_MAX),
        number,
    )
    populate_static_text_field(
        writer,
        DATE_FIELD,
        _field_text_style(italic=True, align=layout.AxisAlignment.ALIGN_MID),
        date_text,
    )
    meta = PdfSignatureMetadata(
        field_name=ORG_FIELD,
        md_algorithm=MD_ALGORITHM,
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        # The field lock (from the layout) says DocMDP "no changes"; asking for it here too
        # keeps it even if a document arrives without that lock.
        docmdp_permissions=sig_fields.MDPPerm.NO_CHANGES,
        reason=reason or None,
    )
    pdf_signer = PdfSigner(
        meta,
        signer=org_signer,
        timestamper=timestamper,
        stamp_style=_image_stamp(seal_png),
    )
    return _sign(writer, pdf_signer)


# ---------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer_name: str
    certificate_subject: str
    signing_time: datetime | None
    timestamp_time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    timestamp_ok: bool
    modification_level: str  # NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS, OTHER
    docmdp_ok: bool
    coverage: str  # ENTIRE_FILE, ENTIRE_REVISION, ...
    certification: bool
    summary: str
    # From the CRLs given to the verifier; a revocation at or before the signature's proven
    # time (its trusted timestamp, else now) makes the signature untrusted.
    revoked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """Intact, valid, trusted, B-T timestamp valid, and no disallowed later change."""
        return (
            self.intact
            and self.valid
            and self.trusted
            and self.timestamp_ok
            and self.docmdp_ok
            and self.modification_level != "OTHER"
        )


@dataclass(frozen=True)
class PdfReport:
    signatures: tuple[SignatureReport, ...]
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.signatures) and all(s.ok for s in self.signatures)

    def by_field(self, name: str) -> SignatureReport:
        for sig in self.signatures:
            if sig.field == name:
                return sig
        raise KeyError(name)


def _common_name(cert: asn1_x509.Certificate) -> str:
    for rdn in cert.subject.chosen:
        for attr in rdn:
            if attr["type"].native == "common_name":
                return str(attr["value"].native)
    return str(cert.subject.human_friendly)


def _is_certification(reader: PdfFileReader, sig: EmbeddedPdfSignature) -> bool:
    """Whether ``sig`` is the document's certification signature (/Perms /DocMDP)."""
    try:
        docmdp = reader.root["/Perms"].raw_get("/DocMDP")
    except KeyError:
        return False
    return bool(docmdp.reference == sig.sig_field.raw_get("/V").reference)


def validate_pdf(
    pdf: bytes,
    *,
    trust_roots: Iterable[asn1_x509.Certificate],
    crls: Sequence[asn1_crl.CertificateList] | None = None,
    revocation_mode: str = "soft-fail",
    other_certs: Sequence[asn1_x509.Certificate] = (),
) -> PdfReport:
    """Validate every signature offline (no fetching) against ``trust_roots``.

    ``crls`` are revocation lists to use; with ``revocation_mode="hard-fail"`` a certificate
    without revocation information is not trusted. A document that cannot be parsed gives
    a report with ``error`` set and ``ok`` false, never an exception.
    """
    roots = list(trust_roots)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, IndexError, zlib.error) as exc:
        return PdfReport(signatures=(), error=f"PDF không đọc được: {exc}")
    reports: list[SignatureReport] = []
    try:
        revoked = revocations_from_crls([c.dump() for c in crls or ()])
    except (ValueError, KeyError, TypeError) as exc:
        return PdfReport(signatures=(), error=f"CRL không đọc được: {exc}")
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots,
            other_certs=list(other_certs),
            crls=list(crls or ()),
            allow_fetching=False,
            revocation_mode=revocation_mode,
        )
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except (PdfError, ValueError, KeyError, IndexError, zlib.error) as exc:
            # A damaged file (e.g. a corrupted compressed xref stream) is a verdict too.
            return PdfReport(signatures=tuple(reports), error=f"{sig.field_name}: {exc}")
        ts = status.timestamp_validity
        timestamp_ok = ts is not None and ts.intact and ts.valid and ts.trusted
        # PAdES B-T: the timestamp proves the signature existed then. pyHanko only consults
        # CRLs for certificates that declare a distribution point, so the CRLs given are
        # applied here as well.
        cert = status.signing_cert
        revoked_at = revoked.get((cert.issuer.dump(), cert.serial_number))
        proven_at = ts.timestamp if timestamp_ok and ts is not None else datetime.now(UTC)
        revoked_before = revoked_at is not None and revoked_at <= proven_at
        reports.append(
            SignatureReport(
                field=str(sig.field_name),
                signer_name=_common_name(status.signing_cert),
                certificate_subject=str(status.signing_cert.subject.human_friendly),
                signing_time=status.signer_reported_dt,
                timestamp_time=ts.timestamp if ts is not None else None,
                intact=status.intact,
                valid=status.valid,
                trusted=bool(status.trusted) and not revoked_before,
                timestamp_ok=timestamp_ok,
                modification_level=(
                    status.modification_level.name
                    if status.modification_level is not None
                    else "OTHER"
                ),
                docmdp_ok=bool(status.docmdp_ok),
                coverage=status.coverage.name if status.coverage is not None else "UNKNOWN",
                certification=sig.sig_object_type == "/Sig" and _is_certification(reader, sig),
                summary=status.summary(),
                revoked_at=revoked_at,
            )
        )
    return PdfReport(signatures=tuple(reports))
