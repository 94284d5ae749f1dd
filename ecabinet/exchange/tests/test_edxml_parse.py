"""Reading edXML leniently: other senders' messages, malformed values as warnings, hostile
input refused with a clear error and never a crash."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import date, datetime

import pytest

from ecabinet.core.dates import VN_TZ
from ecabinet.exchange import edxml
from ecabinet.exchange.tests.samples import NS, foreign_message, minimal_metadata, zipped


def _fields(parsed: edxml.ParsedMessage) -> list[str]:
    return [w.field for w in parsed.warnings]


def test_a_clean_foreign_message_reads_without_warnings() -> None:
    parsed = edxml.parse_message(foreign_message())
    m = parsed.metadata
    assert parsed.warnings == ()
    assert m.sender == edxml.Organization("000.00.00.G12", "Bộ Tài chính")
    assert m.recipients == (edxml.Organization("000.00.00.G22", "Văn phòng Chính phủ"),)
    assert m.document_id == "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert str(m.code) == "123/TTr-BTC"
    assert m.promulgation == edxml.PromulgationInfo("Hà Nội", date(2025, 12, 1))
    assert m.document_type == edxml.DocumentType("18", "0", "Tờ trình")
    assert m.subject == "Tờ trình về dự án Luật Đất đai (sửa đổi)"
    assert m.signer.full_name == "Lê Văn Ký"
    assert m.other_info.priority == 1
    assert m.other_info.direction is False
    assert m.steering_type == 0  # seen from some senders: read without a warning
    assert m.trace_headers == (
        edxml.TraceHeader("000.00.00.G12", datetime(2025, 12, 1, 8, 15, tzinfo=VN_TZ)),
    )
    assert m.bussiness is not None
    assert m.bussiness.bussiness_doc_type == 0
    assert m.bussiness.paper == "0"
    assert parsed.signature_present is True
    [attachment] = parsed.attachments
    assert attachment == edxml.Attachment(
        "Tờ trình 123.pdf", "application/pdf", b"%PDF-1.4 to trinh", "", "cid:tt-01"
    )


def test_malformed_id_and_impossible_date_become_warnings() -> None:
    parsed = edxml.parse_message(
        foreign_message(
            from_id="000.00.00.G1",
            to_id="G22",
            promulgation_date="2025/02/30",
            trace_timestamp="2025/13/01 25:00:00",
        )
    )
    m = parsed.metadata
    # The values are kept as they came; the dates that do not exist are None.
    assert m.sender.organ_id == "000.00.00.G1"
    assert m.recipients[0].organ_id == "G22"
    assert m.promulgation.promulgation_date is None
    assert m.trace_headers[0].timestamp is None
    assert _fields(parsed) == [
        "From.OrganId",
        "To[1].OrganId",
        "PromulgationInfo.PromulgationDate",
        "TraceHeader[1].OrganId",
        "TraceHeader[1].Timestamp",
    ]
    messages = [str(w) for w in parsed.warnings]
    assert "000.00.00.G1" in messages[0]
    assert "2025/02/30" in messages[2]
    assert "không tồn tại" in messages[2]
    # The rest of the message is still read.
    assert m.subject == "Tờ trình về dự án Luật Đất đai (sửa đổi)"
    assert parsed.attachments[0].data == b"%PDF-1.4 to trinh"


def test_dates_in_another_format_are_read_with_a_warning() -> None:
    parsed = edxml.parse_message(foreign_message(promulgation_date="2025-12-01"))
    assert parsed.metadata.promulgation.promulgation_date == date(2025, 12, 1)
    assert _fields(parsed) == ["PromulgationInfo.PromulgationDate"]
    parsed = edxml.parse_message(foreign_message(promulgation_date="01/12/2025"))
    assert parsed.metadata.promulgation.promulgation_date is None
    assert "yyyy/MM/dd" in str(parsed.warnings[0])


def test_unknown_codes_and_numbers_become_warnings() -> None:
    data = foreign_message().replace(
        b"<edXML:Priority>1</edXML:Priority>", b"<edXML:Priority>9</edXML:Priority>"
    )
    data = data.replace(b"<edXML:Direction>false<", b"<edXML:Direction>maybe<")
    data = data.replace(b"<edXML:BussinessDocType>0<", b"<edXML:BussinessDocType>x<")
    data = data.replace(b"<edXML:SteeringType>0<", b"<edXML:SteeringType>7<")
    parsed = edxml.parse_message(data)
    m = parsed.metadata
    assert m.other_info.priority is None
    assert m.other_info.direction is None
    assert m.steering_type is None
    assert m.bussiness is not None
    assert m.bussiness.bussiness_doc_type is None
    assert sorted(_fields(parsed)) == [
        "Bussiness.BussinessDocType",
        "OtherInfo.Direction",
        "OtherInfo.Priority",
        "SteeringType",
    ]


def test_missing_parts_become_warnings_not_errors() -> None:
    data = f"""<edXML xmlns="{NS}"><edXMLEnvelope><edXMLHeader><MessageHeader>
      <From><OrganName>Bộ X</OrganName></From>
      <Subject></Subject>
    </MessageHeader></edXMLHeader></edXMLEnvelope></edXML>""".encode()
    parsed = edxml.parse_message(data)
    assert parsed.metadata.sender == edxml.Organization("", "Bộ X")
    assert parsed.metadata.recipients == ()
    assert set(_fields(parsed)) >= {
        "From.OrganId",
        "To",
        "DocumentId",
        "PromulgationInfo.PromulgationDate",
        "Subject",
    }


def test_a_message_without_namespace_is_read_with_a_warning() -> None:
    data = edxml.build_message(minimal_metadata()).replace(f' xmlns="{NS}"'.encode(), b"")
    data = data.replace(f' xmlns:edXML="{NS}"'.encode(), b' xmlns:edXML="urn:other"')
    parsed = edxml.parse_message(data)
    assert parsed.metadata == minimal_metadata()
    assert _fields(parsed) == ["edXML"]
    assert "urn:other" in str(parsed.warnings[0])


def test_a_subject_over_500_characters_is_read_with_a_warning() -> None:
    data = edxml.build_message(minimal_metadata(subject="x" * 500)).replace(b"x" * 500, b"y" * 501)
    parsed = edxml.parse_message(data)
    assert parsed.metadata.subject == "y" * 501
    assert _fields(parsed) == ["Subject"]


def test_an_envelope_as_root_is_read_with_a_warning() -> None:
    data = edxml.build_message(minimal_metadata())
    start = data.index(b"<edXML:edXMLEnvelope")
    end = data.index(b"</edXML:edXMLEnvelope>") + len(b"</edXML:edXMLEnvelope>")
    parsed = edxml.parse_message(data[start:end])
    assert parsed.metadata == minimal_metadata()
    assert _fields(parsed) == ["edXML"]


# --- Attachments -----------------------------------------------------------------------------


def _with_payload(payload: str, cid: str = "cid:tt-01") -> bytes:
    return foreign_message(
        attachments=f"""
  <AttachmentEncoded xmlns="{NS}"><Attachment>
    <ContentId>{cid}</ContentId><AttachmentName>t.pdf</AttachmentName>
    <ContentType>application/pdf</ContentType>
    <ContentTransferEncoded>{payload}</ContentTransferEncoded>
  </Attachment></AttachmentEncoded>"""
    )


def test_attachment_not_zipped_is_taken_as_is_with_a_warning() -> None:
    parsed = edxml.parse_message(_with_payload(base64.b64encode(b"%PDF raw").decode()))
    assert parsed.attachments[0].data == b"%PDF raw"
    assert _fields(parsed) == ["Attachment[1]"]


def test_attachment_that_is_not_base64_is_skipped_with_a_warning() -> None:
    parsed = edxml.parse_message(_with_payload("@@not base64@@"))
    assert parsed.attachments == ()
    assert _fields(parsed) == ["Attachment[1]"]


def test_attachment_zip_with_two_files_gives_the_first_with_a_warning() -> None:
    parsed = edxml.parse_message(_with_payload(zipped("a.pdf", b"first", ("b.pdf", b"second"))))
    assert parsed.attachments[0].data == b"first"
    assert _fields(parsed) == ["Attachment[1]"]


def test_attachment_not_in_the_manifest_and_reference_without_file() -> None:
    parsed = edxml.parse_message(_with_payload(zipped("a.pdf", b"x"), cid="cid:other"))
    assert parsed.attachments[0].content_id == "cid:other"
    assert _fields(parsed) == ["Attachment[1]", "edXMLManifest"]


def test_zip_bomb_is_not_inflated_beyond_the_limit() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bin", b"\0" * 5_000_000)
    payload = base64.b64encode(buffer.getvalue()).decode()
    parsed = edxml.parse_message(_with_payload(payload), max_attachment_bytes=1_000_000)
    assert parsed.attachments == ()
    assert "Attachment[1]" in _fields(parsed)


def test_zip_that_lies_about_its_size_is_not_inflated_beyond_the_limit() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bin", b"\0" * 3_000_000)
    blob = bytearray(buffer.getvalue())
    # Claim 10 bytes in the central directory's uncompressed size.
    central = blob.rindex(b"PK\x01\x02")
    blob[central + 24 : central + 28] = (10).to_bytes(4, "little")
    payload = base64.b64encode(bytes(blob)).decode()
    parsed = edxml.parse_message(_with_payload(payload), max_attachment_bytes=1_000)
    assert parsed.attachments == ()
    assert "Attachment[1]" in _fields(parsed)


def test_encrypted_and_corrupt_zips_are_skipped_with_warnings() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.pdf", b"%PDF data data data")
    blob = bytearray(buffer.getvalue())
    blob[blob.index(b"%PDF") + 2] ^= 0xFF  # stored data no longer matches its CRC
    parsed = edxml.parse_message(_with_payload(base64.b64encode(bytes(blob)).decode()))
    assert parsed.attachments == ()
    assert "hỏng" in str(parsed.warnings[0])
    blob = bytearray(buffer.getvalue())
    blob[6] |= 0x1  # the "encrypted" flag of the local header
    central = blob.rindex(b"PK\x01\x02")
    blob[central + 8] |= 0x1
    parsed = edxml.parse_message(_with_payload(base64.b64encode(bytes(blob)).decode()))
    assert parsed.attachments == ()
    assert "mật khẩu" in str(parsed.warnings[0])


# --- Refusals --------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader>
<MessageHeader><Subject>&lol9;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader>
<MessageHeader><Subject>&secret;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://example.invalid/edxml.dtd">
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>
"""

UNDECLARED_ENTITY = b"""<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&nbsp;</edXML>"""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(BILLION_LAUGHS, "dtd", id="billion-laughs"),
        pytest.param(XXE, "dtd", id="external-entity"),
        pytest.param(EXTERNAL_DTD, "dtd", id="external-dtd"),
        pytest.param(UNDECLARED_ENTITY, "not_xml", id="undeclared-entity"),
        pytest.param(b"%PDF-1.7 not xml", "not_xml", id="pdf"),
        pytest.param(b"<edXML><unclosed></edXML>", "not_xml", id="not-well-formed"),
        pytest.param(b"\xff\xfe\x00garbage", "not_xml", id="binary"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"   \n", "empty", id="blank"),
        pytest.param(b"<html><body>Hello</body></html>", "wrong_root", id="wrong-root"),
        pytest.param(f'<edXML xmlns="{NS}"/>'.encode(), "no_envelope", id="no-envelope"),
        pytest.param(
            f'<edXML xmlns="{NS}"><edXMLEnvelope><edXMLHeader/></edXMLEnvelope></edXML>'.encode(),
            "no_header",
            id="no-header",
        ),
        pytest.param("<edXML/>", "not_bytes", id="text-not-bytes"),
    ],
)
def test_hostile_or_foreign_input_is_refused_clearly(data: bytes, code: str) -> None:
    with pytest.raises(edxml.EdxmlParseError) as exc:
        edxml.parse_message(data)
    assert exc.value.code == code
    assert exc.value.message
    assert "root:" not in exc.value.message  # nothing of /etc/passwd leaked into the message


def test_a_dtd_in_another_encoding_is_refused_after_parsing() -> None:
    text = f"""<?xml version="1.0" encoding="UTF-16"?>
<!DOCTYPE edXML [<!ENTITY a "b">]>
<edXML xmlns="{NS}"><edXMLEnvelope><edXMLHeader><MessageHeader>
<Subject>&a;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"""
    with pytest.raises(edxml.EdxmlParseError) as exc:
        edxml.parse_message(text.encode("utf-16"))
    assert exc.value.code == "dtd"


def test_a_message_over_the_size_limit_is_refused_before_parsing() -> None:
    data = edxml.build_message(minimal_metadata())
    with pytest.raises(edxml.EdxmlParseError) as exc:
        edxml.parse_message(data, max_bytes=len(data) - 1)
    assert exc.value.code == "too_large"
    assert edxml.parse_message(data, max_bytes=len(data)).metadata == minimal_metadata()


def test_status_parser_refuses_hostile_input_and_a_document_message() -> None:
    with pytest.raises(edxml.EdxmlParseError) as exc:
        edxml.parse_status_message(XXE)
    assert exc.value.code == "dtd"
    with pytest.raises(edxml.EdxmlParseError) as exc:
        edxml.parse_status_message(edxml.build_message(minimal_metadata()))
    assert exc.value.code == "no_status"


def test_status_message_from_another_sender_with_warnings() -> None:
    data = f"""<edXML xmlns="{NS}"><edXML:edXMLEnvelope xmlns:edXML="{NS}"><edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From><edXML:OrganId>H41</edXML:OrganId><edXML:OrganName>UBND</edXML:OrganName></edXML:From>
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Code><edXML:CodeNumber>85</edXML:CodeNumber><edXML:CodeNotation>NQ-CP</edXML:CodeNotation></edXML:Code>
          <edXML:PromulgationDate>2026/02/31</edXML:PromulgationDate>
          <edXML:DocumentId>000.00.00.G22,2026/01/15,85/NQ-CP</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:StatusCode>99</edXML:StatusCode>
        <edXML:Timestamp>2026/01/15 10:00:00</edXML:Timestamp>
      </edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>""".encode()
    parsed = edxml.parse_status_message(data)
    assert parsed.status.status_code == "99"
    assert parsed.status.response_for.code == "85/NQ-CP"
    assert parsed.status.response_for.promulgation_date is None
    assert parsed.status.timestamp == datetime(2026, 1, 15, 10, tzinfo=VN_TZ)
    assert [w.field for w in parsed.warnings] == [
        "StatusCode",
        "From.OrganId",
        "ResponseFor.PromulgationDate",
    ]
