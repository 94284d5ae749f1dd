"""Messages the tests build and read: a complete one, and hand-written ones as other senders
write them (prefixes, malformed identifiers, impossible dates)."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import date, datetime

from ecabinet.core.dates import VN_TZ
from ecabinet.exchange import edxml

GOV = "000.00.00.G22"
PROVINCE = "000.00.00.H41"
MINISTRY = "000.00.00.G12"

CODE = edxml.Code("85", "NQ-CP")
DAY = date(2026, 1, 15)


def full_metadata(**overrides: object) -> edxml.MessageMetadata:
    """A message with every part of the header filled."""
    values: dict[str, object] = {
        "sender": edxml.Organization(
            organ_id=GOV,
            organ_name="Văn phòng Chính phủ",
            organization_in_charge="Chính phủ",
            organ_add="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
            email="vpcp@chinhphu.vn",
            telephone="024 0000 0000",
            fax="024 0000 0001",
            website="https://chinhphu.vn",
        ),
        "recipients": (
            edxml.Organization(PROVINCE, "Ủy ban nhân dân tỉnh Nghệ An"),
            edxml.Organization(MINISTRY, "Bộ Tài chính", email="btc@mof.gov.vn"),
        ),
        "document_id": edxml.document_id_for(GOV, DAY, CODE),
        "code": CODE,
        "promulgation": edxml.PromulgationInfo("Hà Nội", DAY),
        "document_type": edxml.document_type_for("NQ"),
        "subject": "Nghị quyết phiên họp Chính phủ thường kỳ tháng 12 năm 2025\n"
        "  (dòng thứ hai, có khoảng trắng & ký tự <đặc biệt>)",
        "signer": edxml.SignerInfo("TM. CHÍNH PHỦ", "THỦ TƯỚNG", "Nguyễn Văn Thử"),
        "content": "Nội dung tóm tắt.\r\nHai dòng.",
        "due_date": date(2026, 2, 28),
        "to_places": ("Các bộ, cơ quan ngang bộ", "UBND các tỉnh, thành phố"),
        "other_info": edxml.OtherInfo(
            priority=2,
            sphere_of_promulgation="Toàn quốc",
            typer_notation="NVT",
            promulgation_amount=40,
            page_amount=7,
            direction=True,
            appendixes=("Phụ lục I: danh mục", "Phụ lục II"),
        ),
        "response_for": (
            edxml.ResponseFor(MINISTRY, "123/BTC-NSNN", date(2025, 12, 1), "abc-123"),
        ),
        "steering_type": 2,
        "trace_headers": (
            edxml.TraceHeader(GOV, datetime(2026, 1, 15, 9, 30, 5, tzinfo=VN_TZ)),
            edxml.TraceHeader(MINISTRY, datetime(2026, 1, 15, 9, 31, tzinfo=VN_TZ)),
        ),
        "bussiness": edxml.Bussiness(
            document_id="000.00.00.G22,2025/12/20,80/NQ-CP",
            bussiness_doc_type=3,
            bussiness_doc_reason="Thay thế văn bản có sai sót",
            paper="0",
            staff_info=edxml.StaffInfo("Vụ Tổng hợp", "Trần Thị Văn Thư", "vt@chinhphu.vn", "0900"),
            document_info=edxml.BussinessDocumentInfo(
                document_info="1",
                document_receiver="1",
                receivers=(edxml.Receiver(PROVINCE, 1), edxml.Receiver(MINISTRY, 0)),
            ),
            replacements=(
                edxml.ReplacementInfo("000.00.00.G22,2025/12/20,80/NQ-CP", (PROVINCE, MINISTRY)),
            ),
        ),
    }
    values.update(overrides)
    return edxml.MessageMetadata(**values)  # type: ignore[arg-type]


def minimal_metadata(**overrides: object) -> edxml.MessageMetadata:
    values: dict[str, object] = {
        "sender": edxml.Organization(GOV, "Văn phòng Chính phủ"),
        "recipients": (edxml.Organization(PROVINCE, "Ủy ban nhân dân tỉnh Nghệ An"),),
        "document_id": edxml.document_id_for(GOV, DAY, CODE),
        "code": CODE,
        "promulgation": edxml.PromulgationInfo("Hà Nội", DAY),
        "document_type": edxml.document_type_for("NQ"),
        "subject": "Nghị quyết phiên họp Chính phủ thường kỳ",
        "signer": edxml.SignerInfo(full_name="Nguyễn Văn Thử"),
    }
    values.update(overrides)
    return edxml.MessageMetadata(**values)  # type: ignore[arg-type]


def zipped(name: str, data: bytes, *more: tuple[str, bytes]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
        for other_name, other_data in more:
            archive.writestr(other_name, other_data)
    return base64.b64encode(buffer.getvalue()).decode()


NS = edxml.NAMESPACE


def foreign_message(
    *,
    from_id: str = "000.00.00.G12",
    to_id: str = "000.00.00.G22",
    promulgation_date: str = "2025/12/01",
    trace_timestamp: str = "2025/12/01 08:15:00",
    attachments: str | None = None,
    extra_header: str = "",
) -> bytes:
    """A message as another system writes it: every element prefixed (root included), the
    business part before the trace header, the attachment's payload under the prefix."""
    if attachments is None:
        attachments = f"""
  <edXML:AttachmentEncoded>
    <edXML:Attachment>
      <edXML:ContentId>cid:tt-01</edXML:ContentId>
      <edXML:AttachmentName>Tờ trình 123.pdf</edXML:AttachmentName>
      <edXML:ContentType>application/pdf</edXML:ContentType>
      <edXML:ContentTransferEncoded>
        {zipped("a1b2c3.pdf", b"%PDF-1.4 to trinh")}
      </edXML:ContentTransferEncoded>
    </edXML:Attachment>
  </edXML:AttachmentEncoded>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="{NS}">
  <edXML:edXMLEnvelope>
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>{from_id}</edXML:OrganId>
          <edXML:OrganName> Bộ Tài chính </edXML:OrganName>
        </edXML:From>
        <edXML:To>
          <edXML:OrganId>{to_id}</edXML:OrganId>
          <edXML:OrganName>Văn phòng Chính phủ</edXML:OrganName>
        </edXML:To>
        <edXML:DocumentId>3f2504e0-4f89-11d3-9a0c-0305e82c3301</edXML:DocumentId>
        <edXML:Code>
          <edXML:CodeNumber>123</edXML:CodeNumber>
          <edXML:CodeNotation>TTr-BTC</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Hà Nội</edXML:Place>
          <edXML:PromulgationDate>{promulgation_date}</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>18</edXML:Type>
          <edXML:TypeName>Tờ trình</edXML:TypeName>
          <edXML:TypeDetail>0</edXML:TypeDetail>
        </edXML:DocumentType>
        <edXML:Subject>Tờ trình về dự án Luật Đất đai (sửa đổi)</edXML:Subject>
        <edXML:SignerInfo>
          <edXML:FullName>Lê Văn Ký</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:OtherInfo>
          <edXML:Priority>1</edXML:Priority>
          <edXML:Direction>false</edXML:Direction>
        </edXML:OtherInfo>
        <edXML:SteeringType>0</edXML:SteeringType>
        {extra_header}
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:Bussiness>
          <edXML:BussinessDocType>0</edXML:BussinessDocType>
          <edXML:Paper>0</edXML:Paper>
        </edXML:Bussiness>
        <edXML:TraceHeader>
          <edXML:OrganId>{from_id}</edXML:OrganId>
          <edXML:Timestamp>{trace_timestamp}</edXML:Timestamp>
        </edXML:TraceHeader>
      </edXML:TraceHeaderList>
      <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference>
          <edXML:ContentId>cid:tt-01</edXML:ContentId>
          <edXML:ContentType>application/pdf</edXML:ContentType>
          <edXML:AttachmentName>Tờ trình 123.pdf</edXML:AttachmentName>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>{attachments}
</edXML:edXML>
""".encode()
