"""Emitting edXML: the round trip, the layout the standard describes, and every refusal."""

from __future__ import annotations

import base64
import io
import random
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from lxml import etree  # type: ignore[import-untyped]

from ecabinet.core.dates import VN_TZ
from ecabinet.exchange import codes, edxml
from ecabinet.exchange.tests.samples import (
    CODE,
    DAY,
    GOV,
    MINISTRY,
    PROVINCE,
    full_metadata,
    minimal_metadata,
)

NS = {"e": edxml.NAMESPACE}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF"


def test_full_message_parses_back_into_the_same_metadata() -> None:
    metadata = full_metadata()
    parsed = edxml.parse_message(edxml.build_message(metadata))
    assert parsed.metadata == metadata
    assert parsed.warnings == ()
    assert parsed.attachments == ()
    assert parsed.signature_present is False


def test_minimal_message_parses_back_into_the_same_metadata() -> None:
    metadata = minimal_metadata(other_info=edxml.OtherInfo(priority=None), steering_type=None)
    data = edxml.build_message(metadata)
    assert edxml.parse_message(data).metadata == metadata
    assert b"<edXML:Priority>" not in data
    assert b"<edXML:SteeringType>" not in data
    assert b"TraceHeaderList" not in data


def _random_text(rng: random.Random, *, line: bool, max_len: int = 60) -> str:
    alphabet = "aăâbcdđeêghiklmnoôơpqrstuưvxyÀÁẢÃẠẦẤỂỄỆỳýỷỹỵ 0123456789&<>\"'.,-/;:()"
    if not line:
        alphabet += "\n\t\r"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, max_len)))
    if line:
        text = " ".join(text.split()) or "x"
    elif not text.strip():
        text = "x" + text
    return text


def _random_organ_id(rng: random.Random) -> str:
    def d(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    return f"{d(3)}.{d(2)}.{d(2)}.{rng.choice('ABCDEFGHXYZ')}{d(2)}"


def _random_metadata(rng: random.Random) -> edxml.MessageMetadata:
    sender = _random_organ_id(rng)
    day = date(2020, 1, 1) + timedelta(days=rng.randint(0, 3000))
    code = edxml.Code(str(rng.randint(1, 99999)), _random_text(rng, line=True, max_len=30))
    row = rng.choice(codes.DOCUMENT_TYPES)

    def maybe(value: Any) -> Any:
        return value if rng.random() < 0.5 else None

    return edxml.MessageMetadata(
        sender=edxml.Organization(sender, _random_text(rng, line=True)),
        recipients=tuple(
            edxml.Organization(
                _random_organ_id(rng),
                _random_text(rng, line=True),
                email=rng.choice(["", "a@b.vn"]),
            )
            for _ in range(rng.randint(1, 4))
        ),
        document_id=rng.choice(
            [edxml.document_id_for(sender, day, code), "3f2504e0-4f89-11d3-9a0c-0305e82c3301"]
        ),
        code=code,
        promulgation=edxml.PromulgationInfo(_random_text(rng, line=True), day),
        document_type=edxml.DocumentType(row.type, row.type_detail, row.type_name),
        subject=_random_text(rng, line=False, max_len=500),
        signer=edxml.SignerInfo(
            rng.choice(["", "TM. CHÍNH PHỦ", "KT. BỘ TRƯỞNG"]),
            rng.choice(["", "THỦ TƯỚNG"]),
            _random_text(rng, line=True, max_len=50),
        ),
        content=rng.choice(["", _random_text(rng, line=False, max_len=300)]),
        due_date=maybe(day + timedelta(days=10)),
        to_places=tuple(_random_text(rng, line=False) for _ in range(rng.randint(0, 3))),
        other_info=edxml.OtherInfo(
            priority=rng.choice([None, *codes.PRIORITIES]),
            typer_notation=rng.choice(["", "ABC"]),
            promulgation_amount=maybe(rng.randint(0, 500)),
            page_amount=maybe(rng.randint(0, 500)),
            direction=rng.choice([None, True, False]),
            appendixes=tuple(_random_text(rng, line=False) for _ in range(rng.randint(0, 2))),
        ),
        steering_type=rng.choice([None, *codes.STEERING_TYPES]),
        trace_headers=tuple(
            edxml.TraceHeader(
                _random_organ_id(rng),
                datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**8)),
            )
            for _ in range(rng.randint(0, 2))
        ),
        bussiness=rng.choice(
            [None, edxml.Bussiness(bussiness_doc_type=rng.choice(list(codes.BUSSINESS_DOC_TYPES)))]
        ),
    )


@pytest.mark.parametrize("seed", range(60))
def test_random_messages_round_trip(seed: int) -> None:
    """A property test by hand (hypothesis is not installed): any valid metadata, with
    Vietnamese letters, XML special characters and line breaks, comes back equal."""
    rng = random.Random(seed)
    metadata = _random_metadata(rng)
    attachments = [
        edxml.Attachment(
            f"tệp {i}.bin", "application/octet-stream", rng.randbytes(rng.randint(0, 3000))
        )
        for i in range(rng.randint(0, 2))
    ]
    parsed = edxml.parse_message(edxml.build_message(metadata, attachments))
    assert parsed.metadata == metadata
    assert parsed.warnings == ()
    assert [a.data for a in parsed.attachments] == [a.data for a in attachments]


def test_layout_namespace_prefixes_and_the_standards_spellings() -> None:
    data = edxml.build_message(full_metadata(), [edxml.Attachment("a.pdf", "application/pdf", PDF)])
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="')
    root = etree.fromstring(data)
    assert root.tag == f"{{{edxml.NAMESPACE}}}edXML"
    assert root.prefix is None
    envelope = root[0]
    assert envelope.prefix == "edXML"
    assert envelope.tag == f"{{{edxml.NAMESPACE}}}edXMLEnvelope"
    # Every element inside the envelope carries the prefix; the attachments use the default.
    assert all(el.prefix == "edXML" for el in envelope.iter())
    assert all(el.prefix is None for el in root.find("e:AttachmentEncoded", NS).iter())
    header = envelope.find("e:edXMLHeader", NS)
    assert [child.tag.split("}")[1] for child in header] == ["MessageHeader", "TraceHeaderList"]
    names = [child.tag.split("}")[1] for child in header.find("e:MessageHeader", NS)]
    assert names == [
        "From",
        "To",
        "To",
        "DocumentId",
        "Code",
        "PromulgationInfo",
        "DocumentType",
        "Subject",
        "Content",
        "SignerInfo",
        "DueDate",
        "ToPlaces",
        "OtherInfo",
        "ResponseFor",
        "SteeringType",
    ]
    assert b"<edXML:Bussiness>" in data
    assert b"<edXML:BussinessDocType>3<" in data
    assert b"<edXML:TyperNotation>NVT</edXML:TyperNotation>" in data
    assert b"<edXML:PromulgationDate>2026/01/15</edXML:PromulgationDate>" in data
    assert b"<edXML:DocumentId>000.00.00.G22,2026/01/15,85/NQ-CP</edXML:DocumentId>" in data
    assert b"<edXML:Timestamp>2026/01/15 09:30:05</edXML:Timestamp>" in data
    assert b"<edXML:Direction>true</edXML:Direction>" in data
    manifest = envelope.find("e:edXMLBody/e:edXMLManifest", NS)
    assert manifest.get("version") == "1.0"
    assert manifest.find("e:Reference/e:ContentId", NS).text.startswith("cid:")
    assert b"Signature" not in data


def test_trace_timestamps_are_written_in_vietnam_time() -> None:
    utc = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)  # 06:30 the next day in Hà Nội
    data = edxml.build_message(minimal_metadata(trace_headers=(edxml.TraceHeader(GOV, utc),)))
    assert b"<edXML:Timestamp>2026/01/15 06:30:00</edXML:Timestamp>" in data
    parsed = edxml.parse_message(data).metadata.trace_headers[0].timestamp
    assert parsed == utc
    assert parsed is not None
    assert parsed.tzinfo == VN_TZ


def test_attachments_round_trip_zipped_with_cid_references() -> None:
    files = [
        edxml.Attachment("Nghị quyết 85-NQ-CP.pdf", "application/pdf", PDF, "Bản chính"),
        edxml.Attachment(
            "phụ lục.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04docx",
        ),
        edxml.Attachment("rỗng.txt", "text/plain", b""),
        edxml.Attachment("ảnh.png", "image/png", b"\x89PNG", content_id="cid:anh-1"),
    ]
    data = edxml.build_message(minimal_metadata(), files)
    parsed = edxml.parse_message(data)
    assert parsed.warnings == ()
    assert [(a.name, a.content_type, a.data, a.description) for a in parsed.attachments] == [
        (f.name, f.content_type, f.data, f.description) for f in files
    ]
    assert parsed.attachments[3].content_id == "cid:anh-1"
    cids = [a.content_id for a in parsed.attachments]
    assert len(set(cids)) == 4
    assert all(c.startswith("cid:") for c in cids)
    # The payload is base64 of a ZIP that holds the file under its own name.
    root = etree.fromstring(data)
    first = root.find("e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded", NS).text
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(first))) as archive:
        assert archive.namelist() == ["Nghị quyết 85-NQ-CP.pdf"]
        assert archive.read("Nghị quyết 85-NQ-CP.pdf") == PDF
    refs = root.findall("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference", NS)
    assert [r.find("e:ContentId", NS).text for r in refs] == cids


def test_an_encoded_attachment_is_reused_and_gives_identical_bytes() -> None:
    encoded = edxml.encode_attachment(
        edxml.Attachment("a.pdf", "application/pdf", PDF, content_id="cid:a")
    )
    first = edxml.build_message(minimal_metadata(), [encoded])
    second = edxml.build_message(
        minimal_metadata(), [edxml.Attachment("a.pdf", "application/pdf", PDF, content_id="cid:a")]
    )
    assert first == second
    assert edxml.parse_message(first).attachments[0].data == PDF


def test_document_id_helper_and_document_type_table() -> None:
    assert edxml.document_id_for(GOV, DAY, CODE) == "000.00.00.G22,2026/01/15,85/NQ-CP"
    assert edxml.document_type_for("NQ") == edxml.DocumentType("B", "1", "Nghị quyết")
    assert edxml.document_type_for(name="công  văn") == edxml.DocumentType("B", "18", "Công văn")
    assert edxml.document_type_for("CĐ").type_detail == "19"
    assert len(codes.DOCUMENT_TYPES) == 29
    with pytest.raises(edxml.EdxmlError) as exc:
        edxml.document_type_for("NĐ")
    assert exc.value.field == "DocumentType"


def test_valid_organ_ids() -> None:
    assert edxml.is_valid_organ_id("000.00.00.G22")
    assert edxml.is_valid_organ_id("000.00.01.H53")
    for bad in (
        "",
        "000.00.00.g22",
        "000.00.00.G2",
        "00.00.00.G22X",
        "000-00-00-G22",
        " 000.00.00.G22",
    ):
        assert not edxml.is_valid_organ_id(bad), bad


def _org(**kw: Any) -> edxml.Organization:
    return replace(edxml.Organization(PROVINCE, "UBND tỉnh Nghệ An"), **kw)


REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("bad sender id", {"sender": edxml.Organization("000.00.00.G2", "VPCP")}, "From.OrganId"),
    (
        "sender id lower case",
        {"sender": edxml.Organization("000.00.00.g22", "VPCP")},
        "From.OrganId",
    ),
    ("sender without name", {"sender": edxml.Organization(GOV, " ")}, "From.OrganName"),
    ("no recipient", {"recipients": ()}, "To"),
    ("recipient without id", {"recipients": (_org(organ_id=""),)}, "To[1].OrganId"),
    ("second recipient bad id", {"recipients": (_org(), _org(organ_id="H41"))}, "To[2].OrganId"),
    ("recipient name too long", {"recipients": (_org(organ_name="x" * 201),)}, "To[1].OrganName"),
    ("recipient name padded", {"recipients": (_org(organ_name=" UBND "),)}, "To[1].OrganName"),
    ("email with line break", {"recipients": (_org(email="a@b.vn\n"),)}, "To[1].Email"),
    ("empty document id", {"document_id": ""}, "DocumentId"),
    (
        "document id of another sender",
        {"document_id": "000.00.00.H41,2026/01/15,85/NQ-CP"},
        "DocumentId",
    ),
    (
        "document id impossible date",
        {"document_id": "000.00.00.G22,2026/02/30,85/NQ-CP"},
        "DocumentId",
    ),
    ("document id free text", {"document_id": "van-ban-85"}, "DocumentId"),
    ("code number not digits", {"code": edxml.Code("85a", "NQ-CP")}, "Code.CodeNumber"),
    ("code number too long", {"code": edxml.Code("1" * 12, "NQ-CP")}, "Code.CodeNumber"),
    ("code notation empty", {"code": edxml.Code("85", "")}, "Code.CodeNotation"),
    ("code notation too long", {"code": edxml.Code("85", "N" * 31)}, "Code.CodeNotation"),
    ("no place", {"promulgation": edxml.PromulgationInfo("", DAY)}, "PromulgationInfo.Place"),
    (
        "no date",
        {"promulgation": edxml.PromulgationInfo("Hà Nội", None)},
        "PromulgationInfo.PromulgationDate",
    ),
    (
        "date given as a datetime",
        {"promulgation": edxml.PromulgationInfo("Hà Nội", datetime(2026, 1, 15, tzinfo=UTC))},
        "PromulgationInfo.PromulgationDate",
    ),
    (
        "date given as text",
        {"promulgation": edxml.PromulgationInfo("Hà Nội", "2026/01/15")},
        "PromulgationInfo.PromulgationDate",
    ),  # type: ignore[arg-type]
    ("no type", {"document_type": edxml.DocumentType("", "1", "Nghị quyết")}, "DocumentType.Type"),
    (
        "no type detail",
        {"document_type": edxml.DocumentType("B", "", "Nghị quyết")},
        "DocumentType.TypeDetail",
    ),
    ("no type name", {"document_type": edxml.DocumentType("B", "1", "")}, "DocumentType.TypeName"),
    ("empty subject", {"subject": "  \n"}, "Subject"),
    ("subject of 501 characters", {"subject": "ư" * 501}, "Subject"),
    ("subject with a control character", {"subject": "Nghị quyết\x00"}, "Subject"),
    ("content with a control character", {"content": "a\x1bb"}, "Content"),
    (
        "no signer name",
        {"signer": edxml.SignerInfo("TM. CHÍNH PHỦ", "THỦ TƯỚNG", "")},
        "SignerInfo.FullName",
    ),
    (
        "signer name too long",
        {"signer": edxml.SignerInfo(full_name="N" * 51)},
        "SignerInfo.FullName",
    ),
    (
        "position too long",
        {"signer": edxml.SignerInfo(position="P" * 101, full_name="A")},
        "SignerInfo.Position",
    ),
    ("due date as datetime", {"due_date": datetime(2026, 1, 1, tzinfo=UTC)}, "DueDate"),
    ("empty place", {"to_places": ("Bộ Tài chính", "")}, "ToPlaces.Place[2]"),
    ("places too long", {"to_places": ("x" * 600, "y" * 600)}, "ToPlaces"),
    ("priority 5", {"other_info": edxml.OtherInfo(priority=5)}, "OtherInfo.Priority"),
    ("priority as bool", {"other_info": edxml.OtherInfo(priority=True)}, "OtherInfo.Priority"),
    ("priority as float", {"other_info": edxml.OtherInfo(priority=1.0)}, "OtherInfo.Priority"),  # type: ignore[arg-type]
    ("priority as text", {"other_info": edxml.OtherInfo(priority="0")}, "OtherInfo.Priority"),  # type: ignore[arg-type]
    ("negative pages", {"other_info": edxml.OtherInfo(page_amount=-1)}, "OtherInfo.PageAmount"),
    (
        "amount as text",
        {"other_info": edxml.OtherInfo(promulgation_amount="40")},
        "OtherInfo.PromulgationAmount",
    ),  # type: ignore[arg-type]
    ("direction as text", {"other_info": edxml.OtherInfo(direction="yes")}, "OtherInfo.Direction"),  # type: ignore[arg-type]
    (
        "empty appendix",
        {"other_info": edxml.OtherInfo(appendixes=("",))},
        "OtherInfo.Appendixes.Appendix[1]",
    ),
    ("steering type 0", {"steering_type": 0}, "SteeringType"),
    ("steering type 4", {"steering_type": 4}, "SteeringType"),
    (
        "response for bad id",
        {"response_for": (edxml.ResponseFor("BTC", "1/BTC", DAY, "x"),)},
        "ResponseFor[1].OrganId",
    ),
    (
        "response for no date",
        {"response_for": (edxml.ResponseFor(MINISTRY, "1/BTC", None, "x"),)},
        "ResponseFor[1].PromulgationDate",
    ),
    (
        "trace header bad id",
        {"trace_headers": (edxml.TraceHeader("G22", datetime(2026, 1, 1, tzinfo=UTC)),)},
        "TraceHeader[1].OrganId",
    ),
    (
        "trace header naive time",
        {"trace_headers": (edxml.TraceHeader(GOV, datetime(2026, 1, 1)),)},  # noqa: DTZ001
        "TraceHeader[1].Timestamp",
    ),
    (
        "trace header fractions",
        {"trace_headers": (edxml.TraceHeader(GOV, datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC)),)},
        "TraceHeader[1].Timestamp",
    ),
    (
        "business type 4",
        {"bussiness": edxml.Bussiness(bussiness_doc_type=4)},
        "Bussiness.BussinessDocType",
    ),
    (
        "business type missing",
        {"bussiness": edxml.Bussiness(bussiness_doc_type=None)},
        "Bussiness.BussinessDocType",
    ),
    (
        "receiver type 2",
        {
            "bussiness": edxml.Bussiness(
                document_info=edxml.BussinessDocumentInfo(receivers=(edxml.Receiver(PROVINCE, 2),))
            )
        },
        "Bussiness.BussinessDocumentInfo.ReceiverList.Receiver[1].ReceiverType",
    ),
    (
        "receiver bad id",
        {
            "bussiness": edxml.Bussiness(
                document_info=edxml.BussinessDocumentInfo(receivers=(edxml.Receiver("x", 1),))
            )
        },
        "Bussiness.BussinessDocumentInfo.ReceiverList.Receiver[1].OrganId",
    ),
    (
        "replacement bad id",
        {
            "bussiness": edxml.Bussiness(
                replacements=(edxml.ReplacementInfo("d", (PROVINCE, "H41")),)
            )
        },
        "Bussiness.ReplacementInfoList.ReplacementInfo[1].OrganIdList.OrganId[2]",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_strict_emission_refuses_and_names_the_field(
    case: str, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(edxml.EdxmlError) as exc:
        edxml.build_message(minimal_metadata(**overrides))
    assert exc.value.field == field
    assert str(exc.value).startswith(f"{field}: ")


def test_a_subject_of_500_characters_is_allowed() -> None:
    metadata = minimal_metadata(subject="ư" * 500)
    assert edxml.parse_message(edxml.build_message(metadata)).metadata.subject == "ư" * 500


ATTACHMENT_REFUSALS = [
    (edxml.Attachment("", "application/pdf", b"x"), "Attachment[1].AttachmentName"),
    (edxml.Attachment("../a.pdf", "application/pdf", b"x"), "Attachment[1].AttachmentName"),
    (edxml.Attachment("a\\b.pdf", "application/pdf", b"x"), "Attachment[1].AttachmentName"),
    (edxml.Attachment(" a.pdf", "application/pdf", b"x"), "Attachment[1].AttachmentName"),
    (edxml.Attachment("a.pdf", "pdf", b"x"), "Attachment[1].ContentType"),
    (edxml.Attachment("a.pdf", "application/pdf", b"x", content_id="a"), "Attachment[1].ContentId"),
    (
        edxml.Attachment("a.pdf", "application/pdf", b"x", content_id="cid:a b"),
        "Attachment[1].ContentId",
    ),
    (edxml.Attachment("a.pdf", "application/pdf", "x"), "Attachment[1].ContentTransferEncoded"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("attachment", "field"), ATTACHMENT_REFUSALS)
def test_strict_emission_refuses_bad_attachments(attachment: edxml.Attachment, field: str) -> None:
    with pytest.raises(edxml.EdxmlError) as exc:
        edxml.build_message(minimal_metadata(), [attachment])
    assert exc.value.field == field


def test_two_attachments_with_the_same_content_id_are_refused() -> None:
    same = edxml.Attachment("a.pdf", "application/pdf", b"x", content_id="cid:1")
    with pytest.raises(edxml.EdxmlError) as exc:
        edxml.build_message(minimal_metadata(), [same, replace(same, name="b.pdf")])
    assert exc.value.field == "Attachment[2].ContentId"


def _status(**overrides: Any) -> edxml.StatusMessage:
    values: dict[str, Any] = {
        "sender": edxml.Organization(PROVINCE, "UBND tỉnh Nghệ An"),
        "response_for": edxml.ResponseFor(
            GOV, "85/NQ-CP", DAY, "000.00.00.G22,2026/01/15,85/NQ-CP"
        ),
        "status_code": "03",
        "timestamp": datetime(2026, 1, 15, 10, 0, tzinfo=VN_TZ),
        "description": "Đã vào sổ văn bản đến số 1234",
        "staff_info": edxml.StaffInfo("Văn phòng UBND", "Văn thư", "vt@nghean.gov.vn", "0912"),
    }
    values.update(overrides)
    return edxml.StatusMessage(**values)


def test_status_message_round_trip() -> None:
    status = _status()
    data = edxml.build_status_message(status)
    assert b"<edXML:StatusCode>03</edXML:StatusCode>" in data
    assert b"<edXML:Code>85/NQ-CP</edXML:Code>" in data
    parsed = edxml.parse_status_message(data)
    assert parsed.status == status
    assert parsed.warnings == ()
    # A status message is not a document message.
    with pytest.raises(edxml.EdxmlParseError) as exc:
        edxml.parse_message(data)
    assert exc.value.code == "status"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status_code": "07"}, "StatusCode"),
        ({"status_code": "3"}, "StatusCode"),
        ({"timestamp": None}, "Timestamp"),
        ({"sender": edxml.Organization("", "UBND")}, "From.OrganId"),
        ({"response_for": edxml.ResponseFor(GOV, "", DAY, "x")}, "ResponseFor.Code"),
    ],
)
def test_status_message_refusals(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(edxml.EdxmlError) as exc:
        edxml.build_status_message(_status(**overrides))
    assert exc.value.field == field
