"""edXML messages of the national document exchange axis (QCVN 102:2016/BTTTT, amendment 1:2022).

``build_message`` emits strictly: every identifier, date, length and code is checked and a
value the standard does not allow raises ``EdxmlError`` naming the field. ``parse_message``
reads leniently, because real messages carry malformed identifiers and impossible dates: it
returns what it could read with a list of warnings, and refuses (``EdxmlParseError``, never a
crash) only input that is not an edXML document at all, or that declares a DTD or entities.

The layout follows the public samples of the standard: the root ``<edXML>`` carries the
namespace as default, the envelope declares the prefix ``edXML:`` and everything inside it
uses that prefix; ``<AttachmentEncoded>`` after the envelope holds each attachment as the
base64 text of a ZIP archive that contains the file, named by a ``cid:`` ContentId that the
manifest's Reference repeats. The standard's own spellings are kept: ``Bussiness``,
``TyperNotation``. The XML signature of the envelope is not produced
(docs/decisions/1101-edxml.md); a parsed message says whether one was present.

The status message (the recipient's progress, codes 01-16) has its own builder and parser.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import unicodedata
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree  # type: ignore[import-untyped]

from ecabinet.core.dates import VN_TZ
from ecabinet.exchange import codes

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
PREFIX = "edXML"
MANIFEST_VERSION = "1.0"
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

# DDD.DD.DD.LDD: 13 characters, e.g. 000.00.00.G22 (Văn phòng Chính phủ).
ORGAN_ID_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_DOCUMENT_ID_RE = re.compile(
    r"^(?P<organ>[^,]+),(?P<date>\d{4}/\d{2}/\d{2}),(?P<number>\d+)/(?P<notation>\S.*)$"
)
_CONTENT_TYPE_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
_CID_RE = re.compile(r"^cid:[^\s<>]+$")
_CODE_NUMBER_RE = re.compile(r"^\d+$")
_ROOT_START_RE = re.compile(rb"<[A-Za-z_:]")
# Characters XML 1.0 cannot carry at all.
_NOT_XML_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LENIENT_DATE_RE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")
_LENIENT_TIMESTAMP_RE = re.compile(
    r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})$"
)

# Lengths of Decree 30, Appendix VI (the same metadata names as edXML).
MAX_ORGAN_NAME = 200
MAX_CODE_NUMBER = 11
MAX_CODE_NOTATION = 30
MAX_SUBJECT = 500
MAX_POSITION = 100
MAX_FULL_NAME = 50
MAX_TO_PLACES = 1000
MAX_ATTACHMENT_NAME = 255

DEFAULT_MAX_MESSAGE_BYTES = 300 * 1024 * 1024
DEFAULT_MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024


class EdxmlError(ValueError):
    """A message that may not be emitted. ``field`` names the element, e.g. ``To[1].OrganId``."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class EdxmlParseError(Exception):
    """Input refused as a whole: not XML, not an edXML message, too large, or a DTD/entity."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- The message's metadata ------------------------------------------------------------------


@dataclass(frozen=True)
class Organization:
    """From and To: an agency on the axis."""

    organ_id: str
    organ_name: str
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Code:
    """Số và ký hiệu: ``85`` and ``NQ-CP`` of "85/NQ-CP"."""

    code_number: str
    code_notation: str

    def __str__(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


@dataclass(frozen=True)
class PromulgationInfo:
    place: str
    promulgation_date: date | None


@dataclass(frozen=True)
class DocumentType:
    """Type and TypeDetail per ``codes.DOCUMENT_TYPES`` (see ``document_type_for``)."""

    type: str
    type_detail: str
    type_name: str


@dataclass(frozen=True)
class SignerInfo:
    competence: str = ""  # "TM. CHÍNH PHỦ"
    position: str = ""  # "THỦ TƯỚNG"
    full_name: str = ""


@dataclass(frozen=True)
class OtherInfo:
    priority: int | None = 0
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    """The document a message answers: its sender, number, date and DocumentId."""

    organ_id: str
    code: str
    promulgation_date: date | None
    document_id: str


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime | None


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class Receiver:
    organ_id: str
    receiver_type: int | None


@dataclass(frozen=True)
class BussinessDocumentInfo:
    document_info: str = ""
    document_receiver: str = ""
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class ReplacementInfo:
    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bussiness:
    """The business part of TraceHeaderList (the standard's spelling)."""

    document_id: str = ""
    bussiness_doc_type: int | None = codes.BUSSINESS_NEW
    bussiness_doc_reason: str = ""
    paper: str = ""
    staff_info: StaffInfo | None = None
    document_info: BussinessDocumentInfo | None = None
    replacements: tuple[ReplacementInfo, ...] = ()


@dataclass(frozen=True)
class MessageMetadata:
    """Everything in edXMLHeader: MessageHeader and TraceHeaderList."""

    sender: Organization  # From
    recipients: tuple[Organization, ...]  # To
    document_id: str
    code: Code
    promulgation: PromulgationInfo
    document_type: DocumentType
    subject: str  # trích yếu
    signer: SignerInfo
    content: str = ""
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo = field(default_factory=OtherInfo)
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = codes.STEERING_NONE
    trace_headers: tuple[TraceHeader, ...] = ()
    bussiness: Bussiness | None = None


@dataclass(frozen=True)
class Attachment:
    """A file of the message. ``content_id`` (``cid:...``) is assigned when left empty."""

    name: str
    content_type: str
    data: bytes
    description: str = ""
    content_id: str = ""


@dataclass(frozen=True)
class EncodedAttachment:
    """An attachment already zipped and base64-encoded (``encode_attachment``): build it once,
    put it in many messages."""

    name: str
    content_type: str
    description: str
    content_id: str
    encoded: str


@dataclass(frozen=True)
class ParseWarning:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedMessage:
    metadata: MessageMetadata
    attachments: tuple[Attachment, ...]
    warnings: tuple[ParseWarning, ...]
    signature_present: bool = False


@dataclass(frozen=True)
class StatusMessage:
    """A status message: the recipient tells the sender how far it got (codes.STATUS_CODES)."""

    sender: Organization  # From
    response_for: ResponseFor
    status_code: str
    timestamp: datetime | None
    description: str = ""
    staff_info: StaffInfo | None = None


@dataclass(frozen=True)
class ParsedStatus:
    status: StatusMessage
    warnings: tuple[ParseWarning, ...]
    signature_present: bool = False


# --- Helpers for callers ---------------------------------------------------------------------


def is_valid_organ_id(value: str) -> bool:
    """``DDD.DD.DD.LDD``, 13 characters (e.g. ``000.00.00.G22``)."""
    return bool(ORGAN_ID_RE.match(value))


def document_id_for(organ_id: str, promulgation_date: date, code: Code) -> str:
    """The DocumentId the standard describes:
    ``<sender OrganId>,<yyyy/MM/dd>,<number>/<notation>``."""
    return f"{organ_id},{promulgation_date.strftime(DATE_FORMAT)},{code}"


def document_type_for(abbreviation: str = "", name: str = "") -> DocumentType:
    """The DocumentType of a Decree 30 type (``"NQ"``, or by name for Công văn); EdxmlError
    when the table (codes.DOCUMENT_TYPES) does not know it."""
    row = codes.document_type_code(abbreviation, name)
    if row is None:
        raise EdxmlError(
            "DocumentType",
            _("loại văn bản “%(value)s” chưa có trong bảng mã loại văn bản edXML.")
            % {"value": abbreviation or name},
        )
    return DocumentType(row.type, row.type_detail, row.type_name)


def encode_attachment(attachment: Attachment) -> EncodedAttachment:
    """Check the attachment, zip it (one file, named as the attachment) and base64 it."""
    _Check().attachment("Attachment", attachment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # A fixed time makes the same file give the same bytes (and the same message hash).
        info = zipfile.ZipInfo(attachment.name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, attachment.data)
    return EncodedAttachment(
        name=attachment.name,
        content_type=attachment.content_type,
        description=attachment.description,
        content_id=attachment.content_id or f"cid:{uuid.uuid4()}",
        encoded=base64.b64encode(buffer.getvalue()).decode("ascii"),
    )


# --- Strict checks ---------------------------------------------------------------------------


def _length(value: str) -> int:
    return len(unicodedata.normalize("NFC", value))


class _Check:
    """The strict rules of emission; each failure names the element."""

    def text(
        self,
        name: str,
        value: object,
        *,
        required: bool = False,
        max_len: int = 0,
        line: bool = False,
    ) -> str:
        """A text value. ``line``: a one-line value (a name, an id), which parsers trim, so
        it may not start or end with spaces nor hold a line break."""
        if not isinstance(value, str):
            raise EdxmlError(name, _("phải là chuỗi ký tự."))
        if required and not value.strip():
            raise EdxmlError(name, _("bắt buộc, không được để trống."))
        if _NOT_XML_RE.search(value):
            raise EdxmlError(name, _("chứa ký tự điều khiển không được phép trong XML."))
        if line and (value != value.strip() or "\n" in value or "\r" in value):
            raise EdxmlError(name, _("không được có khoảng trắng ở đầu, ở cuối hoặc xuống dòng."))
        if max_len and _length(value) > max_len:
            raise EdxmlError(
                name,
                _("dài %(length)d ký tự, tối đa %(max)d.")
                % {"length": _length(value), "max": max_len},
            )
        return value

    def organ_id(self, name: str, value: object) -> str:
        if not isinstance(value, str) or not ORGAN_ID_RE.match(value):
            raise EdxmlError(
                name,
                _(
                    "mã định danh phải có dạng DDD.DD.DD.LDD (13 ký tự, ví dụ 000.00.00.G22), "
                    "nhận được “%(value)s”."
                )
                % {"value": value},
            )
        return value

    def day(self, name: str, value: object, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise EdxmlError(name, _("bắt buộc, phải là một ngày (yyyy/MM/dd)."))
            return None
        # A datetime is also a date: refused, its day depends on a time zone.
        if isinstance(value, datetime) or not isinstance(value, date):
            raise EdxmlError(
                name,
                _("phải là một ngày (date), không phải %(type)s.") % {"type": type(value).__name__},
            )
        return value.strftime(DATE_FORMAT)

    def timestamp(self, name: str, value: object) -> str:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise EdxmlError(name, _("phải là thời điểm có múi giờ (yyyy/MM/dd HH:mm:ss)."))
        if value.microsecond:
            raise EdxmlError(name, _("chỉ ghi đến giây: bỏ phần lẻ của giây trước khi gửi."))
        return value.astimezone(VN_TZ).strftime(TIMESTAMP_FORMAT)

    def code(self, name: str, value: object, table: dict[Any, Any]) -> str:
        kind = type(next(iter(table)))
        if isinstance(value, bool) or type(value) is not kind or value not in table:
            allowed = ", ".join(str(k) for k in table)
            raise EdxmlError(
                name,
                _("giá trị “%(value)s” không có trong bảng mã (%(allowed)s).")
                % {"value": value, "allowed": allowed},
            )
        return str(value)

    def count(self, name: str, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise EdxmlError(name, _("phải là số nguyên không âm."))
        return str(value)

    def document_id(self, name: str, value: object, sender_id: str) -> str:
        self.text(name, value, required=True, line=True)
        assert isinstance(value, str)
        match = _DOCUMENT_ID_RE.match(value)
        if match is not None:
            if match["organ"] != sender_id:
                raise EdxmlError(
                    name,
                    _("phần mã định danh “%(value)s” phải là mã của cơ quan gửi (%(sender)s).")
                    % {"value": match["organ"], "sender": sender_id},
                )
            if _parse_day(match["date"]) is None:
                raise EdxmlError(
                    name, _("ngày “%(value)s” không tồn tại.") % {"value": match["date"]}
                )
            return value
        try:
            uuid.UUID(value)
        except ValueError:
            raise EdxmlError(
                name,
                _("phải có dạng “<mã cơ quan gửi>,<yyyy/MM/dd>,<số>/<ký hiệu>” hoặc là một UUID."),
            ) from None
        return value

    def organization(self, name: str, org: object) -> Organization:
        if not isinstance(org, Organization):
            raise EdxmlError(name, _("thiếu thông tin cơ quan."))
        self.organ_id(f"{name}.OrganId", org.organ_id)
        self.text(
            f"{name}.OrganName", org.organ_name, required=True, max_len=MAX_ORGAN_NAME, line=True
        )
        self.text(
            f"{name}.OrganizationInCharge",
            org.organization_in_charge,
            max_len=MAX_ORGAN_NAME,
            line=True,
        )
        for label, value in (
            ("OrganAdd", org.organ_add),
            ("Email", org.email),
            ("Telephone", org.telephone),
            ("Fax", org.fax),
            ("Website", org.website),
        ):
            self.text(f"{name}.{label}", value, line=True)
        return org

    def attachment(self, name: str, att: Attachment | EncodedAttachment) -> None:
        self.text(
            f"{name}.AttachmentName",
            att.name,
            required=True,
            max_len=MAX_ATTACHMENT_NAME,
            line=True,
        )
        if "/" in att.name or "\\" in att.name or att.name.strip() in {".", ".."}:
            raise EdxmlError(
                f"{name}.AttachmentName", _("tên tệp không được chứa đường dẫn (/ hoặc \\).")
            )
        if not isinstance(att.content_type, str) or not _CONTENT_TYPE_RE.match(att.content_type):
            raise EdxmlError(
                f"{name}.ContentType",
                _("phải là kiểu nội dung MIME, ví dụ application/pdf; nhận được “%(value)s”.")
                % {"value": att.content_type},
            )
        self.text(f"{name}.Description", att.description)
        if att.content_id and not _CID_RE.match(att.content_id):
            raise EdxmlError(
                f"{name}.ContentId", _("phải có dạng “cid:...”, không có khoảng trắng.")
            )
        if isinstance(att, Attachment) and not isinstance(att.data, bytes):
            raise EdxmlError(f"{name}.ContentTransferEncoded", _("nội dung tệp phải là bytes."))


# --- Building --------------------------------------------------------------------------------


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, _q(tag))
    if text is not None:
        element.text = text
    return element


def _opt(parent: Any, tag: str, text: str | None) -> None:
    """An optional element: written only when it has a value."""
    if text:
        _sub(parent, tag, text)


def _serialize(root: Any) -> bytes:
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(body)


def _envelope() -> tuple[Any, Any]:
    # The namespace is the root's default; the envelope declares the edXML: prefix, which
    # everything inside it then uses (lxml takes the nearest declaration).
    root = etree.Element(_q("edXML"), nsmap={None: NAMESPACE})
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={PREFIX: NAMESPACE})
    return root, envelope


def _organization(check: _Check, parent: Any, tag: str, name: str, org: Organization) -> None:
    check.organization(name, org)
    el = _sub(parent, tag)
    _sub(el, "OrganId", org.organ_id)
    _opt(el, "OrganizationInCharge", org.organization_in_charge)
    _sub(el, "OrganName", org.organ_name)
    _opt(el, "OrganAdd", org.organ_add)
    _opt(el, "Email", org.email)
    _opt(el, "Telephone", org.telephone)
    _opt(el, "Fax", org.fax)
    _opt(el, "Website", org.website)


def _response_for(check: _Check, parent: Any, name: str, response: ResponseFor) -> None:
    el = _sub(parent, "ResponseFor")
    _sub(el, "OrganId", check.organ_id(f"{name}.OrganId", response.organ_id))
    # Code is written "<number>/<notation>" here (UNCONFIRMED: decision 1101).
    _sub(el, "Code", check.text(f"{name}.Code", response.code, required=True, line=True))
    _sub(
        el,
        "PromulgationDate",
        check.day(f"{name}.PromulgationDate", response.promulgation_date, required=True),
    )
    _sub(
        el,
        "DocumentId",
        check.text(f"{name}.DocumentId", response.document_id, required=True, line=True),
    )


def _staff_info(check: _Check, parent: Any, name: str, staff: StaffInfo) -> None:
    el = _sub(parent, "StaffInfo")
    for tag, value in (
        ("Department", staff.department),
        ("Staff", staff.staff),
        ("Email", staff.email),
        ("Mobile", staff.mobile),
    ):
        _opt(el, tag, check.text(f"{name}.{tag}", value, line=True))


def _bussiness(check: _Check, parent: Any, b: Bussiness) -> None:
    name = "Bussiness"
    el = _sub(parent, "Bussiness")
    _opt(el, "DocumentId", check.text(f"{name}.DocumentId", b.document_id, line=True))
    _sub(
        el,
        "BussinessDocType",
        check.code(f"{name}.BussinessDocType", b.bussiness_doc_type, codes.BUSSINESS_DOC_TYPES),
    )
    _opt(el, "BussinessDocReason", check.text(f"{name}.BussinessDocReason", b.bussiness_doc_reason))
    _opt(el, "Paper", check.text(f"{name}.Paper", b.paper, line=True))
    if b.staff_info is not None:
        _staff_info(check, el, f"{name}.StaffInfo", b.staff_info)
    if b.document_info is not None:
        info_name = f"{name}.BussinessDocumentInfo"
        info = _sub(el, "BussinessDocumentInfo")
        _opt(
            info,
            "DocumentInfo",
            check.text(f"{info_name}.DocumentInfo", b.document_info.document_info, line=True),
        )
        _opt(
            info,
            "DocumentReceiver",
            check.text(
                f"{info_name}.DocumentReceiver", b.document_info.document_receiver, line=True
            ),
        )
        if b.document_info.receivers:
            receivers = _sub(info, "ReceiverList")
            for i, receiver in enumerate(b.document_info.receivers, start=1):
                r_name = f"{info_name}.ReceiverList.Receiver[{i}]"
                r = _sub(receivers, "Receiver")
                _sub(r, "OrganId", check.organ_id(f"{r_name}.OrganId", receiver.organ_id))
                _sub(
                    r,
                    "ReceiverType",
                    check.code(
                        f"{r_name}.ReceiverType", receiver.receiver_type, codes.RECEIVER_TYPES
                    ),
                )
    if b.replacements:
        replacements = _sub(el, "ReplacementInfoList")
        for i, replacement in enumerate(b.replacements, start=1):
            r_name = f"{name}.ReplacementInfoList.ReplacementInfo[{i}]"
            r = _sub(replacements, "ReplacementInfo")
            _sub(
                r,
                "DocumentId",
                check.text(
                    f"{r_name}.DocumentId", replacement.document_id, required=True, line=True
                ),
            )
            ids = _sub(r, "OrganIdList")
            for j, organ_id in enumerate(replacement.organ_ids, start=1):
                _sub(ids, "OrganId", check.organ_id(f"{r_name}.OrganIdList.OrganId[{j}]", organ_id))


def _message_header(check: _Check, header: Any, m: MessageMetadata) -> None:
    mh = _sub(header, "MessageHeader")
    _organization(check, mh, "From", "From", m.sender)
    if not m.recipients:
        raise EdxmlError("To", _("cần ít nhất một cơ quan nhận."))
    for i, recipient in enumerate(m.recipients, start=1):
        _organization(check, mh, "To", f"To[{i}]", recipient)
    _sub(mh, "DocumentId", check.document_id("DocumentId", m.document_id, m.sender.organ_id))

    code = _sub(mh, "Code")
    number = check.text(
        "Code.CodeNumber", m.code.code_number, required=True, max_len=MAX_CODE_NUMBER, line=True
    )
    if not _CODE_NUMBER_RE.match(number):
        raise EdxmlError("Code.CodeNumber", _("số văn bản chỉ gồm chữ số."))
    _sub(code, "CodeNumber", number)
    _sub(
        code,
        "CodeNotation",
        check.text(
            "Code.CodeNotation",
            m.code.code_notation,
            required=True,
            max_len=MAX_CODE_NOTATION,
            line=True,
        ),
    )

    info = _sub(mh, "PromulgationInfo")
    _sub(
        info,
        "Place",
        check.text("PromulgationInfo.Place", m.promulgation.place, required=True, line=True),
    )
    _sub(
        info,
        "PromulgationDate",
        check.day(
            "PromulgationInfo.PromulgationDate", m.promulgation.promulgation_date, required=True
        ),
    )

    doc_type = _sub(mh, "DocumentType")
    _sub(
        doc_type,
        "Type",
        check.text("DocumentType.Type", m.document_type.type, required=True, line=True),
    )
    _sub(
        doc_type,
        "TypeDetail",
        check.text(
            "DocumentType.TypeDetail", m.document_type.type_detail, required=True, line=True
        ),
    )
    _sub(
        doc_type,
        "TypeName",
        check.text("DocumentType.TypeName", m.document_type.type_name, required=True, line=True),
    )

    _sub(mh, "Subject", check.text("Subject", m.subject, required=True, max_len=MAX_SUBJECT))
    _opt(mh, "Content", check.text("Content", m.content))

    signer = _sub(mh, "SignerInfo")
    _opt(signer, "Competence", check.text("SignerInfo.Competence", m.signer.competence, line=True))
    _opt(
        signer,
        "Position",
        check.text("SignerInfo.Position", m.signer.position, max_len=MAX_POSITION, line=True),
    )
    _sub(
        signer,
        "FullName",
        check.text(
            "SignerInfo.FullName",
            m.signer.full_name,
            required=True,
            max_len=MAX_FULL_NAME,
            line=True,
        ),
    )

    _opt(mh, "DueDate", check.day("DueDate", m.due_date))

    if m.to_places:
        places = _sub(mh, "ToPlaces")
        for i, place in enumerate(m.to_places, start=1):
            _sub(places, "Place", check.text(f"ToPlaces.Place[{i}]", place, required=True))
        if _length(", ".join(m.to_places)) > MAX_TO_PLACES:
            raise EdxmlError(
                "ToPlaces",
                _("tổng độ dài nơi nhận vượt quá %(max)d ký tự.") % {"max": MAX_TO_PLACES},
            )

    o = m.other_info
    other = _sub(mh, "OtherInfo")
    if o.priority is not None:
        _sub(other, "Priority", check.code("OtherInfo.Priority", o.priority, codes.PRIORITIES))
    _opt(
        other,
        "SphereOfPromulgation",
        check.text("OtherInfo.SphereOfPromulgation", o.sphere_of_promulgation, line=True),
    )
    _opt(other, "TyperNotation", check.text("OtherInfo.TyperNotation", o.typer_notation, line=True))
    _opt(
        other,
        "PromulgationAmount",
        check.count("OtherInfo.PromulgationAmount", o.promulgation_amount),
    )
    _opt(other, "PageAmount", check.count("OtherInfo.PageAmount", o.page_amount))
    if o.direction is not None:
        if not isinstance(o.direction, bool):
            raise EdxmlError("OtherInfo.Direction", _("phải là true hoặc false."))
        _sub(other, "Direction", "true" if o.direction else "false")
    if o.appendixes:
        appendixes = _sub(other, "Appendixes")
        for i, appendix in enumerate(o.appendixes, start=1):
            _sub(
                appendixes,
                "Appendix",
                check.text(f"OtherInfo.Appendixes.Appendix[{i}]", appendix, required=True),
            )

    for i, response in enumerate(m.response_for, start=1):
        _response_for(check, mh, f"ResponseFor[{i}]", response)
    if m.steering_type is not None:
        _sub(mh, "SteeringType", check.code("SteeringType", m.steering_type, codes.STEERING_TYPES))


def _trace_header_list(check: _Check, header: Any, m: MessageMetadata) -> None:
    if not m.trace_headers and m.bussiness is None:
        return
    trace = _sub(header, "TraceHeaderList")
    for i, th in enumerate(m.trace_headers, start=1):
        el = _sub(trace, "TraceHeader")
        _sub(el, "OrganId", check.organ_id(f"TraceHeader[{i}].OrganId", th.organ_id))
        _sub(el, "Timestamp", check.timestamp(f"TraceHeader[{i}].Timestamp", th.timestamp))
    if m.bussiness is not None:
        _bussiness(check, trace, m.bussiness)


def build_message(
    metadata: MessageMetadata, attachments: Sequence[Attachment | EncodedAttachment] = ()
) -> bytes:
    """The edXML message (UTF-8 bytes) of a document; ``EdxmlError`` naming the first field
    the standard does not allow. Attachments are zipped and base64-encoded here unless they
    already are (``encode_attachment``)."""
    check = _Check()
    encoded: list[EncodedAttachment] = []
    seen: set[str] = set()
    for i, att in enumerate(attachments, start=1):
        check.attachment(f"Attachment[{i}]", att)
        item = att if isinstance(att, EncodedAttachment) else encode_attachment(att)
        if item.content_id in seen:
            raise EdxmlError(f"Attachment[{i}].ContentId", _("trùng với một tệp đính kèm khác."))
        seen.add(item.content_id)
        encoded.append(item)

    root, envelope = _envelope()
    header = _sub(envelope, "edXMLHeader")
    _message_header(check, header, metadata)
    _trace_header_list(check, header, metadata)

    body = _sub(envelope, "edXMLBody")
    manifest = _sub(body, "edXMLManifest")
    manifest.set("version", MANIFEST_VERSION)
    for item in encoded:
        reference = _sub(manifest, "Reference")
        _sub(reference, "ContentId", item.content_id)
        _sub(reference, "ContentType", item.content_type)
        _opt(reference, "Description", item.description)
        _sub(reference, "AttachmentName", item.name)
    if encoded:
        holder = _sub(root, "AttachmentEncoded")
        for item in encoded:
            el = _sub(holder, "Attachment")
            _sub(el, "ContentId", item.content_id)
            _sub(el, "AttachmentName", item.name)
            _opt(el, "Description", item.description)
            _sub(el, "ContentType", item.content_type)
            _sub(el, "ContentTransferEncoded", item.encoded)
    return _serialize(root)


def build_status_message(status: StatusMessage) -> bytes:
    """A status message (From, ResponseFor, StaffInfo, StatusCode, Description, Timestamp)."""
    check = _Check()
    root, envelope = _envelope()
    header = _sub(envelope, "edXMLHeader")
    mh = _sub(header, "MessageHeader")
    _organization(check, mh, "From", "From", status.sender)
    _response_for(check, mh, "ResponseFor", status.response_for)
    if status.staff_info is not None:
        _staff_info(check, mh, "StaffInfo", status.staff_info)
    _sub(mh, "StatusCode", check.code("StatusCode", status.status_code, codes.STATUS_CODES))
    _opt(mh, "Description", check.text("Description", status.description))
    _sub(mh, "Timestamp", check.timestamp("Timestamp", status.timestamp))
    return _serialize(root)


# --- Lenient parsing -------------------------------------------------------------------------


def _parse_day(text: str) -> date | None:
    match = _LENIENT_DATE_RE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _local(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return str(etree.QName(tag).localname)


class _Reader:
    """Reads elements by local name, whatever their prefix, and collects warnings."""

    def __init__(self) -> None:
        self.warnings: list[ParseWarning] = []
        self.foreign_namespaces: set[str] = set()

    def warn(self, name: str, message: str) -> None:
        self.warnings.append(ParseWarning(name, message))

    def children(self, element: Any, tag: str) -> list[Any]:
        if element is None:
            return []
        return [child for child in element if _local(child) == tag]

    def child(self, element: Any, tag: str) -> Any:
        found = self.children(element, tag)
        return found[0] if found else None

    def raw(self, element: Any, tag: str) -> str:
        """The text of a child, exactly (free text keeps its spaces and line breaks)."""
        found = self.child(element, tag)
        if found is None:
            return ""
        return "".join(found.itertext())

    def text(self, element: Any, tag: str) -> str:
        return self.raw(element, tag).strip()

    def organ_id(self, name: str, value: str) -> str:
        if value and not ORGAN_ID_RE.match(value):
            self.warn(
                name,
                _("mã định danh “%(value)s” không đúng dạng DDD.DD.DD.LDD.") % {"value": value},
            )
        elif not value:
            self.warn(name, _("thiếu mã định danh."))
        return value

    def day(self, name: str, value: str) -> date | None:
        if not value:
            return None
        parsed = _parse_day(value)
        if parsed is None:
            if _LENIENT_DATE_RE.match(value):
                self.warn(name, _("ngày “%(value)s” không tồn tại.") % {"value": value})
            else:
                self.warn(
                    name, _("ngày “%(value)s” không đúng dạng yyyy/MM/dd.") % {"value": value}
                )
        elif not re.match(r"^\d{4}/\d{2}/\d{2}$", value):
            self.warn(name, _("ngày “%(value)s” không đúng dạng yyyy/MM/dd.") % {"value": value})
        return parsed

    def timestamp(self, name: str, value: str) -> datetime | None:
        if not value:
            self.warn(name, _("thiếu thời điểm."))
            return None
        match = _LENIENT_TIMESTAMP_RE.match(value)
        if match is None:
            self.warn(
                name,
                _("thời điểm “%(value)s” không đúng dạng yyyy/MM/dd HH:mm:ss.") % {"value": value},
            )
            return None
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        try:
            return datetime(year, month, day, hour, minute, second, tzinfo=VN_TZ)
        except ValueError:
            self.warn(name, _("thời điểm “%(value)s” không tồn tại.") % {"value": value})
            return None

    def number(self, name: str, value: str, table: Iterable[int] | None = None) -> int | None:
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            self.warn(name, _("“%(value)s” không phải là số.") % {"value": value})
            return None
        if number < 0 or (table is not None and number not in table):
            self.warn(name, _("giá trị “%(value)s” không có trong bảng mã.") % {"value": value})
            return None
        return number

    def flag(self, name: str, value: str) -> bool | None:
        if not value:
            return None
        lowered = value.lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0"}:
            return False
        self.warn(name, _("“%(value)s” không phải true/false.") % {"value": value})
        return None

    def organization(self, name: str, element: Any) -> Organization:
        if element is None:
            self.warn(name, _("thiếu thông tin cơ quan."))
            return Organization("", "")
        org = Organization(
            organ_id=self.organ_id(f"{name}.OrganId", self.text(element, "OrganId")),
            organ_name=self.text(element, "OrganName"),
            organization_in_charge=self.text(element, "OrganizationInCharge"),
            organ_add=self.text(element, "OrganAdd"),
            email=self.text(element, "Email"),
            telephone=self.text(element, "Telephone"),
            fax=self.text(element, "Fax"),
            website=self.text(element, "Website"),
        )
        if not org.organ_name:
            self.warn(f"{name}.OrganName", _("thiếu tên cơ quan."))
        return org

    def response_for(self, name: str, element: Any) -> ResponseFor:
        code_el = self.child(element, "Code")
        code = self.text(element, "Code")
        if code_el is not None and self.child(code_el, "CodeNumber") is not None:
            code = f"{self.text(code_el, 'CodeNumber')}/{self.text(code_el, 'CodeNotation')}"
        return ResponseFor(
            organ_id=self.organ_id(f"{name}.OrganId", self.text(element, "OrganId")),
            code=code,
            promulgation_date=self.day(
                f"{name}.PromulgationDate", self.text(element, "PromulgationDate")
            ),
            document_id=self.text(element, "DocumentId"),
        )

    def staff_info(self, element: Any) -> StaffInfo | None:
        if element is None:
            return None
        return StaffInfo(
            department=self.text(element, "Department"),
            staff=self.text(element, "Staff"),
            email=self.text(element, "Email"),
            mobile=self.text(element, "Mobile"),
        )


def _parse_root(data: bytes, max_bytes: int, reader: _Reader) -> Any:
    """The root element of a well-formed edXML document, or EdxmlParseError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EdxmlParseError(_("Thông điệp phải là dữ liệu nhị phân."), code="not_bytes")
    data = bytes(data)
    if not data.strip():
        raise EdxmlParseError(_("Thông điệp rỗng."), code="empty")
    if len(data) > max_bytes:
        raise EdxmlParseError(
            _("Thông điệp quá lớn (%(size)d byte, tối đa %(max)d).")
            % {"size": len(data), "max": max_bytes},
            code="too_large",
        )
    # A DTD (and with it every entity declaration) is refused before parsing; the parser
    # itself loads no DTD, expands no entity and fetches nothing from the network, and the
    # tree is checked again afterwards (a prolog in another encoding).
    root_start = _ROOT_START_RE.search(data)
    if b"<!DOCTYPE" in (data[: root_start.start()] if root_start else data):
        raise EdxmlParseError(
            _("Thông điệp khai báo DTD hoặc thực thể (entity): không được chấp nhận."),
            code="dtd",
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,  # attachments are long base64 texts (over libxml2's 10 MB default)
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise EdxmlParseError(
            _("Không phải tài liệu XML hợp lệ: %(error)s") % {"error": exc}, code="not_xml"
        ) from None
    except (ValueError, etree.LxmlError) as exc:
        raise EdxmlParseError(
            _("Không đọc được tài liệu XML: %(error)s") % {"error": exc}, code="not_xml"
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise EdxmlParseError(
            _("Thông điệp khai báo DTD hoặc thực thể (entity): không được chấp nhận."),
            code="dtd",
        )
    local = _local(root)
    if local == "edXMLEnvelope":
        reader.warn("edXML", _("thiếu phần tử gốc edXML; đọc từ edXMLEnvelope."))
    elif local != "edXML":
        raise EdxmlParseError(
            _("Phần tử gốc là “%(root)s”, không phải edXML.") % {"root": local or "?"},
            code="wrong_root",
        )
    for element in root.iter():
        if isinstance(element.tag, str):
            ns = etree.QName(element.tag).namespace
            if ns not in {NAMESPACE, XMLDSIG_NAMESPACE}:
                reader.foreign_namespaces.add(ns or "")
    if reader.foreign_namespaces:
        shown = ", ".join(sorted(n or _("(không có)") for n in reader.foreign_namespaces))
        reader.warn(
            "edXML",
            _("có phần tử ngoài không gian tên %(expected)s: %(found)s.")
            % {"expected": NAMESPACE, "found": shown},
        )
    return root


def _header_parts(root: Any, reader: _Reader) -> tuple[Any, Any, Any, bool]:
    """(envelope, header, MessageHeader, signature present)."""
    envelope = root if _local(root) == "edXMLEnvelope" else reader.child(root, "edXMLEnvelope")
    if envelope is None:
        raise EdxmlParseError(_("Thiếu phần edXMLEnvelope."), code="no_envelope")
    header = reader.child(envelope, "edXMLHeader")
    message_header = reader.child(header, "MessageHeader")
    if message_header is None:
        raise EdxmlParseError(_("Thiếu phần MessageHeader."), code="no_header")
    signature = reader.child(header, "Signature") is not None or any(
        _local(el) == "Signature" for el in envelope
    )
    return envelope, header, message_header, signature


def _parse_bussiness(reader: _Reader, element: Any) -> Bussiness | None:
    if element is None:
        return None
    name = "Bussiness"
    info_el = reader.child(element, "BussinessDocumentInfo")
    info: BussinessDocumentInfo | None = None
    if info_el is not None:
        receivers = []
        for i, r in enumerate(
            reader.children(reader.child(info_el, "ReceiverList"), "Receiver"), start=1
        ):
            r_name = f"{name}.BussinessDocumentInfo.ReceiverList.Receiver[{i}]"
            receivers.append(
                Receiver(
                    organ_id=reader.organ_id(f"{r_name}.OrganId", reader.text(r, "OrganId")),
                    receiver_type=reader.number(
                        f"{r_name}.ReceiverType",
                        reader.text(r, "ReceiverType"),
                        codes.RECEIVER_TYPES,
                    ),
                )
            )
        info = BussinessDocumentInfo(
            document_info=reader.text(info_el, "DocumentInfo"),
            document_receiver=reader.text(info_el, "DocumentReceiver"),
            receivers=tuple(receivers),
        )
    replacements = []
    for i, r in enumerate(
        reader.children(reader.child(element, "ReplacementInfoList"), "ReplacementInfo"), start=1
    ):
        r_name = f"{name}.ReplacementInfoList.ReplacementInfo[{i}]"
        ids = [
            reader.organ_id(f"{r_name}.OrganIdList.OrganId[{j}]", "".join(o.itertext()).strip())
            for j, o in enumerate(reader.children(reader.child(r, "OrganIdList"), "OrganId"), 1)
        ]
        replacements.append(ReplacementInfo(reader.text(r, "DocumentId"), tuple(ids)))
    return Bussiness(
        document_id=reader.text(element, "DocumentId"),
        bussiness_doc_type=reader.number(
            f"{name}.BussinessDocType",
            reader.text(element, "BussinessDocType"),
            codes.BUSSINESS_DOC_TYPES,
        ),
        bussiness_doc_reason=reader.raw(element, "BussinessDocReason"),
        paper=reader.text(element, "Paper"),
        staff_info=reader.staff_info(reader.child(element, "StaffInfo")),
        document_info=info,
        replacements=tuple(replacements),
    )


def _parse_metadata(reader: _Reader, header: Any, mh: Any) -> MessageMetadata:
    r = reader
    sender = r.organization("From", r.child(mh, "From"))
    recipients = tuple(
        r.organization(f"To[{i}]", el) for i, el in enumerate(r.children(mh, "To"), start=1)
    )
    if not recipients:
        r.warn("To", _("không có cơ quan nhận."))
    document_id = r.text(mh, "DocumentId")
    match = _DOCUMENT_ID_RE.match(document_id)
    if not document_id:
        r.warn("DocumentId", _("thiếu DocumentId."))
    elif match is not None:
        r.organ_id("DocumentId", match["organ"])
        r.day("DocumentId", match["date"])
    else:
        try:
            uuid.UUID(document_id)
        except ValueError:
            r.warn(
                "DocumentId",
                _("“%(value)s” không có dạng “<mã cơ quan>,<yyyy/MM/dd>,<số>/<ký hiệu>” hay UUID.")
                % {"value": document_id},
            )

    code_el = r.child(mh, "Code")
    code = Code(r.text(code_el, "CodeNumber"), r.text(code_el, "CodeNotation"))
    if len(code.code_number) > MAX_CODE_NUMBER or len(code.code_notation) > MAX_CODE_NOTATION:
        r.warn("Code", _("số, ký hiệu dài quá quy định."))
    info_el = r.child(mh, "PromulgationInfo")
    promulgation = PromulgationInfo(
        place=r.text(info_el, "Place"),
        promulgation_date=r.day(
            "PromulgationInfo.PromulgationDate", r.text(info_el, "PromulgationDate")
        ),
    )
    if promulgation.promulgation_date is None and not r.text(info_el, "PromulgationDate"):
        r.warn("PromulgationInfo.PromulgationDate", _("thiếu ngày ban hành."))
    type_el = r.child(mh, "DocumentType")
    document_type = DocumentType(
        r.text(type_el, "Type"), r.text(type_el, "TypeDetail"), r.text(type_el, "TypeName")
    )
    subject = r.raw(mh, "Subject")
    if not subject.strip():
        r.warn("Subject", _("thiếu trích yếu."))
    elif _length(subject) > MAX_SUBJECT:
        r.warn("Subject", _("trích yếu dài hơn %(max)d ký tự.") % {"max": MAX_SUBJECT})
    signer_el = r.child(mh, "SignerInfo")
    signer = SignerInfo(
        competence=r.text(signer_el, "Competence"),
        position=r.text(signer_el, "Position"),
        full_name=r.text(signer_el, "FullName"),
    )
    other_el = r.child(mh, "OtherInfo")
    other = OtherInfo(
        priority=r.number("OtherInfo.Priority", r.text(other_el, "Priority"), codes.PRIORITIES),
        sphere_of_promulgation=r.text(other_el, "SphereOfPromulgation"),
        typer_notation=r.text(other_el, "TyperNotation"),
        promulgation_amount=r.number(
            "OtherInfo.PromulgationAmount", r.text(other_el, "PromulgationAmount")
        ),
        page_amount=r.number("OtherInfo.PageAmount", r.text(other_el, "PageAmount")),
        direction=r.flag("OtherInfo.Direction", r.text(other_el, "Direction")),
        appendixes=tuple(
            "".join(a.itertext()) for a in r.children(r.child(other_el, "Appendixes"), "Appendix")
        ),
    )
    trace_el = r.child(header, "TraceHeaderList")
    trace_headers = tuple(
        TraceHeader(
            organ_id=r.organ_id(f"TraceHeader[{i}].OrganId", r.text(th, "OrganId")),
            timestamp=r.timestamp(f"TraceHeader[{i}].Timestamp", r.text(th, "Timestamp")),
        )
        for i, th in enumerate(r.children(trace_el, "TraceHeader"), start=1)
    )
    return MessageMetadata(
        sender=sender,
        recipients=recipients,
        document_id=document_id,
        code=code,
        promulgation=promulgation,
        document_type=document_type,
        subject=subject,
        signer=signer,
        content=r.raw(mh, "Content"),
        due_date=r.day("DueDate", r.text(mh, "DueDate")),
        to_places=tuple(
            "".join(p.itertext()) for p in r.children(r.child(mh, "ToPlaces"), "Place")
        ),
        other_info=other,
        response_for=tuple(
            r.response_for(f"ResponseFor[{i}]", el)
            for i, el in enumerate(r.children(mh, "ResponseFor"), start=1)
        ),
        steering_type=r.number(
            "SteeringType", r.text(mh, "SteeringType"), codes.STEERING_TYPES_SEEN
        ),
        trace_headers=trace_headers,
        bussiness=_parse_bussiness(r, r.child(trace_el, "Bussiness")),
    )


def _bare_cid(value: str) -> str:
    value = value.strip().strip("<>")
    return value[4:] if value.lower().startswith("cid:") else value


def _unzip(reader: _Reader, name: str, blob: bytes, max_bytes: int) -> bytes | None:
    """The file inside an attachment's ZIP, within ``max_bytes``; None (with a warning) when
    it cannot be read. Data that is not a ZIP at all is taken as the file itself."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, ValueError, OSError):
        reader.warn(name, _("nội dung không phải tệp ZIP; lấy nguyên dữ liệu đã giải mã base64."))
        return blob if len(blob) <= max_bytes else None
    with archive:
        files = [info for info in archive.infolist() if not info.is_dir()]
        if not files:
            reader.warn(name, _("tệp ZIP không chứa tệp nào."))
            return None
        if len(files) > 1:
            reader.warn(
                name, _("tệp ZIP chứa %(n)d tệp; chỉ lấy tệp đầu tiên.") % {"n": len(files)}
            )
        info = files[0]
        if info.flag_bits & 0x1:
            reader.warn(name, _("tệp ZIP có mật khẩu: không đọc được."))
            return None
        if info.file_size > max_bytes:
            reader.warn(name, _("tệp quá lớn (%(size)d byte).") % {"size": info.file_size})
            return None
        try:
            with archive.open(info) as handle:
                # Read at most one byte more than allowed: a header that lies about the size
                # cannot make us inflate more than that.
                data = handle.read(max_bytes + 1)
        except (
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
            EOFError,
            OSError,
        ) as exc:
            reader.warn(name, _("tệp ZIP hỏng: %(error)s") % {"error": exc})
            return None
        if len(data) > max_bytes:
            reader.warn(name, _("tệp giải nén vượt quá giới hạn."))
            return None
        return data


def _parse_attachments(
    reader: _Reader, root: Any, envelope: Any, max_attachment_bytes: int
) -> tuple[Attachment, ...]:
    r = reader
    manifest = r.child(r.child(envelope, "edXMLBody"), "edXMLManifest")
    references: dict[str, Any] = {}
    for i, ref in enumerate(r.children(manifest, "Reference"), start=1):
        cid = _bare_cid(r.text(ref, "ContentId"))
        if not cid:
            r.warn(f"Reference[{i}].ContentId", _("thiếu ContentId."))
            continue
        references[cid] = ref
    holder = r.child(root, "AttachmentEncoded") if root is not envelope else None
    found: list[Attachment] = []
    used: set[str] = set()
    for i, el in enumerate(r.children(holder, "Attachment"), start=1):
        name = f"Attachment[{i}]"
        raw_cid = r.text(el, "ContentId")
        cid = _bare_cid(raw_cid)
        ref = references.get(cid)
        if ref is None:
            r.warn(name, _("không có trong danh mục (manifest) của thông điệp."))
        else:
            used.add(cid)
        file_name = r.text(el, "AttachmentName") or r.text(ref, "AttachmentName")
        content_type = r.text(el, "ContentType") or r.text(ref, "ContentType")
        description = r.raw(el, "Description") or r.raw(ref, "Description")
        encoded = "".join(r.raw(el, "ContentTransferEncoded").split())
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            r.warn(name, _("nội dung không phải base64 hợp lệ: bỏ qua tệp này."))
            continue
        data = _unzip(r, name, blob, max_attachment_bytes)
        if data is None:
            continue
        found.append(
            Attachment(
                name=file_name,
                content_type=content_type,
                data=data,
                description=description,
                content_id=f"cid:{cid}" if cid else "",
            )
        )
    for cid in references.keys() - used:
        r.warn(
            "edXMLManifest",
            _("tệp “cid:%(cid)s” có trong danh mục nhưng không có nội dung.") % {"cid": cid},
        )
    return tuple(found)


def parse_message(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> ParsedMessage:
    """Read an edXML document message leniently: its metadata, its attachments (unzipped)
    and a warning for each malformed identifier, impossible date or unknown code.

    Refuses with ``EdxmlParseError`` input that is not XML, whose root is not edXML, that
    declares a DTD or entities, that is larger than ``max_bytes``, or that is a status
    message (``parse_status_message`` reads those). The XML signature is not verified.
    """
    reader = _Reader()
    root = _parse_root(data, max_bytes, reader)
    envelope, header, mh, signature = _header_parts(root, reader)
    if reader.child(mh, "StatusCode") is not None:
        raise EdxmlParseError(
            _("Đây là thông điệp trạng thái, không phải thông điệp văn bản."), code="status"
        )
    metadata = _parse_metadata(reader, header, mh)
    attachments = _parse_attachments(reader, root, envelope, max_attachment_bytes)
    return ParsedMessage(metadata, attachments, tuple(reader.warnings), signature)


def parse_status_message(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
) -> ParsedStatus:
    """Read a status message leniently (see ``parse_message`` for what is refused)."""
    reader = _Reader()
    root = _parse_root(data, max_bytes, reader)
    _envelope_el, _header, mh, signature = _header_parts(root, reader)
    code = reader.text(mh, "StatusCode")
    if not code:
        raise EdxmlParseError(_("Thông điệp không có StatusCode."), code="no_status")
    if code not in codes.STATUS_CODES:
        reader.warn(
            "StatusCode", _("mã trạng thái “%(value)s” không có trong bảng mã.") % {"value": code}
        )
    response_el = reader.child(mh, "ResponseFor")
    if response_el is None:
        reader.warn("ResponseFor", _("thiếu văn bản được phản hồi."))
    status = StatusMessage(
        sender=reader.organization("From", reader.child(mh, "From")),
        response_for=reader.response_for("ResponseFor", response_el),
        status_code=code,
        timestamp=reader.timestamp("Timestamp", reader.text(mh, "Timestamp")),
        description=reader.raw(mh, "Description"),
        staff_info=reader.staff_info(reader.child(mh, "StaffInfo")),
    )
    return ParsedStatus(status, tuple(reader.warnings), signature)
