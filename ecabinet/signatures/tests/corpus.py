"""A corpus of genuine and tampered signed artefacts, generated (never committed as files).

``build_corpus`` needs a database with the internal CA initialised (``ca_init``) and the
personas world; it issues certificates, signs statements and Decree 30 PDFs, then derives
tampered or invalid variants. Each :class:`Case` says what a verifier must conclude
(``expect``) and which trust roots / CRLs it verifies against.

Expectations (checked against StatementReport / PdfReport fields by test_tamper_corpus):

statements: ``ok``, ``malformed`` (format_ok false), ``not_intact`` (intact false),
``not_canonical``, ``untrusted`` (intact, not trusted), ``expired`` (intact, not valid at
signing time), ``revoked_before`` (revoked before the signing time), ``revoked_after``
(revoked after signing: reported, refused).
PDFs: ``ok``, ``unreadable`` (error or no signature), ``not_intact``, ``modified`` (intact
but a disallowed later change), ``untrusted``, ``no_timestamp``, ``wrong_certificate`` (the
embedded signer certificate is not the one the signed attributes name).
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import time_machine
from asgiref.sync import async_to_sync
from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecabinet.bodies.models import Membership, Role
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World
from ecabinet.signatures import ca, keystores, tsa
from ecabinet.signatures.models import MemberCertificate, RevocationReason, SignedStatement
from ecabinet.signatures.pdf import images, layout
from ecabinet.signatures.pdf.pades import seal_and_number, sign_as_signer
from ecabinet.signatures.statements import (
    FORMAT,
    canonical,
    payload_hash,
    statement_export,
    statement_payload,
    statement_sign,
)
from ecabinet.signatures.tests import pki

DOC_HASH = "ab" * 32


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # "statement" | "pdf"
    data: bytes
    expect: str
    trust_roots: tuple[asn1_x509.Certificate, ...]
    crls: tuple[bytes, ...] = ()
    xfail: str = ""  # non-empty: a tampering the validators are known NOT to detect
    note: str = ""


@dataclass
class Corpus:
    cases: list[Case] = field(default_factory=list)

    def add(self, case: Case) -> None:
        assert case.id not in {c.id for c in self.cases}, case.id
        self.cases.append(case)


# --- byte-level helpers ---------------------------------------------------------------------


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    buf = bytearray(data)
    buf[offset] ^= mask
    return bytes(buf)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bundle(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def _dump(bundle: Any) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")


def _with_cms(bundle: dict[str, Any], signed: cms.ContentInfo) -> bytes:
    return _dump({**bundle, "cms": _b64(signed.dump(force=True))})


def _cms_of(bundle: dict[str, Any]) -> cms.ContentInfo:
    return cms.ContentInfo.load(base64.b64decode(bundle["cms"]))


def _retext(bundle: dict[str, Any], mutate: Callable[[dict[str, Any]], None]) -> bytes:
    """The bundle with its payload changed and re-canonicalised (hash field kept in step)."""
    payload = json.loads(bundle["payload"])
    mutate(payload)
    text = canonical(payload).decode("utf-8")
    return _dump({**bundle, "payload": text, "payload_sha256": payload_hash(payload)})


# --- signing outside the service (throwaway PKIs, revoked certificates) ----------------------


def _simple_signer(
    cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, chain: Sequence[x509.Certificate]
) -> SimpleSigner:
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SimpleSigner(
        signing_cert=pki.to_asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([pki.to_asn1(c) for c in chain]),  # type: ignore[no-untyped-call]
    )


def _cms_sign(signer: Any, data: bytes, at: datetime) -> cms.ContentInfo:
    content = cms.ContentInfo({"content_type": "data", "content": data})
    signed: cms.ContentInfo = async_to_sync(signer.async_sign_general_data)(
        content,
        "sha256",
        detached=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=at),
    )
    return signed


def _foreign_bundle(
    payload: dict[str, Any], signed: cms.ContentInfo, certs: Sequence[x509.Certificate]
) -> bytes:
    data = canonical(payload)
    return _dump(
        {
            "format": FORMAT,
            "id": str(uuid.uuid4()),
            "payload": data.decode("utf-8"),
            "payload_sha256": payload_hash(payload),
            "cms": _b64(signed.dump()),
            "certificates": [_b64(c.public_bytes(serialization.Encoding.DER)) for c in certs],
            "crls": [],
        }
    )


def _leaf(
    root: pki.Issued,
    cn: str,
    *,
    not_before: datetime,
    not_after: datetime,
    non_repudiation: bool = True,
    org: str = "",
) -> pki.Issued:
    """A signing certificate with a chosen validity period, from a throwaway root."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(x509.NameOID.COMMON_NAME, cn)]
    if org:
        attributes.append(x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, org))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=non_repudiation,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(root.key, hashes.SHA256())
    )
    return pki.Issued(cert, key)


def _unchecked_signer(cert: MemberCertificate) -> Any:
    """The certificate's key as a pyHanko signer WITHOUT ca.check_can_sign (revoked certs)."""
    store = keystores.key_store(cert.key_store)
    return store.signer(cert.key_ref, ca.to_asn1(cert.certificate_der), ca.chain_of(cert))


# --- statements -----------------------------------------------------------------------------


def _payload(world: World, cert: MemberCertificate, **extra: Any) -> dict[str, Any]:
    return statement_payload(
        signer=cert.user,
        role="member",
        body=world.body,
        object_type="ballots.ballot",
        object_id=42,
        choice="agree",
        comment="Đồng ý với dự thảo.",
        documents={"du-thao.pdf": DOC_HASH},
        **extra,
    )


def _signed(world: World, cert: MemberCertificate, **extra: Any) -> bytes:
    payload = _payload(world, cert, **extra)
    statement = statement_sign(
        actor=cert.user, certificate=cert, payload=payload, confirmation_hash=payload_hash(payload)
    )
    return statement_export(statement)


def _statement_cases(
    corpus: Corpus,
    world: World,
    member: MemberCertificate,
    other: MemberCertificate,
    revocable: MemberCertificate,
    admin: Any,
) -> None:
    roots = tuple(ca.trust_roots())

    def add(
        case_id: str, data: bytes, expect: str, *, extra_roots: Sequence[Any] = (), **kw: Any
    ) -> None:
        corpus.add(
            Case(
                id=f"statement/{case_id}",
                kind="statement",
                data=data,
                expect=expect,
                trust_roots=roots + tuple(extra_roots),
                **kw,
            )
        )

    genuine = _signed(world, member)
    bundle = _bundle(genuine)
    add("genuine", genuine, "ok")
    add("genuine-other-member", _signed(world, other), "ok")
    add("genuine-on-behalf-of", _signed(world, member, on_behalf_of=world.user("chair")), "ok")

    # Each field of the payload altered (re-canonicalised, so only the signature can tell).
    def setter(path: Sequence[Any], value: Any) -> Callable[[dict[str, Any]], None]:
        def mutate(payload: dict[str, Any]) -> None:
            target: Any = payload
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return mutate

    alterations: dict[str, Callable[[dict[str, Any]], None]] = {
        "v": setter(["v"], 2),
        "signer-id": setter(["signer", "id"], other.user_id),
        "signer-name": setter(["signer", "name"], "Người khác"),
        "role": setter(["role"], "chair"),
        "body-id": setter(["body", "id"], world.other_body.pk),
        "body-name": setter(["body", "name"], "Cơ quan khác"),
        "object-type": setter(["object", "type"], "meetings.meeting"),
        "object-id": setter(["object", "id"], "43"),
        "choice": setter(["choice"], "disagree"),
        "comment": setter(["comment"], "Không đồng ý."),
        "comment-emptied": setter(["comment"], ""),
        "document-hash": setter(["documents", 0, "sha256"], "cd" * 32),
        "document-name": setter(["documents", 0, "name"], "du-thao-2.pdf"),
        "documents-added": lambda p: p["documents"].append({"name": "x.pdf", "sha256": "ef" * 32}),
        "documents-removed": setter(["documents"], []),
        "time": setter(["time"], "2020-01-01T00:00:00+07:00"),
        "nonce": setter(["nonce"], "0" * 32),
        "on-behalf-of": setter(["on_behalf_of"], {"id": 1, "name": "Ai đó"}),
        "extra-key": setter(["extra"], True),
    }
    for name, mutate in alterations.items():
        add(f"payload-{name}", _retext(bundle, mutate), "not_intact")

    text = bundle["payload"]
    add(
        "payload-not-canonical-spaces",
        _dump({**bundle, "payload": text.replace(",", ", ")}),
        "not_canonical",
    )
    reordered = dict(reversed(list(json.loads(text).items())))
    add(
        "payload-not-canonical-reordered",
        _dump(
            {**bundle, "payload": json.dumps(reordered, ensure_ascii=False, separators=(",", ":"))}
        ),
        "not_canonical",
    )
    add(
        "payload-sha256-field-mismatch",
        _dump({**bundle, "payload_sha256": "00" * 32}),
        "not_intact",
    )

    # The CMS.
    raw_cms = base64.b64decode(bundle["cms"])
    add(
        "cms-last-byte-of-signature-flipped",
        _dump({**bundle, "cms": _b64(flip(raw_cms, len(raw_cms) - 1))}),
        "not_intact",
    )
    signed = _cms_of(bundle)
    info = signed["content"]["signer_infos"][0]
    digest_attr = next(a for a in info["signed_attrs"] if a["type"].native == "message_digest")
    value = bytes(digest_attr["values"][0].native)
    pos = raw_cms.find(value)
    add(
        "cms-message-digest-flipped",
        _dump({**bundle, "cms": _b64(flip(raw_cms, pos + 3))}),
        "not_intact",
    )
    time_attr = next(a for a in info["signed_attrs"] if a["type"].native == "signing_time")
    encoded = time_attr["values"][0].chosen.contents
    pos = raw_cms.find(encoded)
    moved = bytearray(raw_cms)
    moved[pos + 1] = ord("9") if moved[pos + 1] != ord("9") else ord("8")  # the year's digit
    add("cms-signing-time-changed", _dump({**bundle, "cms": _b64(bytes(moved))}), "not_intact")
    add("cms-truncated", _dump({**bundle, "cms": _b64(raw_cms[: len(raw_cms) // 2])}), "malformed")
    add("cms-empty", _dump({**bundle, "cms": ""}), "malformed")
    add("cms-not-base64", _dump({**bundle, "cms": "@@not base64@@"}), "malformed")
    add(
        "cms-random-bytes",
        _dump({**bundle, "cms": _b64(random.Random(1).randbytes(400))}),
        "malformed",
    )

    # Certificates.
    add(
        "bundle-certificates-removed",
        _dump({**bundle, "certificates": []}),
        "ok",
        note="the CMS carries them",
    )
    stripped = _cms_of(bundle)
    stripped["content"]["certificates"] = cms.CertificateSet([])
    add(
        "cms-and-bundle-certificates-removed",
        _dump({**bundle, "cms": _b64(stripped.dump(force=True)), "certificates": []}),
        "malformed",
    )
    swapped = _cms_of(bundle)
    other_asn1 = ca.to_asn1(other.certificate_der)
    swapped["content"]["certificates"] = cms.CertificateSet(
        [cms.CertificateChoices(name="certificate", value=other_asn1)]
        + [
            c
            for c in swapped["content"]["certificates"]
            if c.chosen.serial_number != ca.to_asn1(member.certificate_der).serial_number
        ]
    )
    sid = swapped["content"]["signer_infos"][0]["sid"]
    sid.chosen["serial_number"] = other_asn1.serial_number
    add(
        "cms-certificate-swapped-for-other-member",
        _dump(
            {
                **bundle,
                "cms": _b64(swapped.dump(force=True)),
                "certificates": [_b64(other_asn1.dump())],
            }
        ),
        "malformed",
    )
    add(
        "cms-signer-certificate-subject-flipped",
        _dump({**bundle, "cms": _b64(_flip_signer_subject(raw_cms, member))}),
        "malformed",
        note="the signing-certificate attribute no longer names the embedded certificate",
    )
    add("bundle-certificates-garbage", _dump({**bundle, "certificates": ["AAAA"]}), "malformed")
    add(
        "bundle-crls-garbage",
        _dump({**bundle, "crls": [_b64(b"not a crl")]}),
        "malformed",
    )

    # Foreign signers: untrusted root, no non-repudiation, expired, not yet valid.
    now = datetime.now(UTC).replace(microsecond=0)
    throwaway = pki.make_root("Throwaway Root CA")
    impostor = pki.issue(throwaway, "Người thử member")
    payload = _payload(world, member)
    add(
        "signed-by-untrusted-ca",
        _foreign_bundle(
            payload,
            _cms_sign(pki.pyhanko_signer(impostor, throwaway), canonical(payload), now),
            [impostor.certificate, throwaway.certificate],
        ),
        "untrusted",
    )
    no_nr = pki.issue(throwaway, "Không chống chối bỏ", non_repudiation=False)
    add(
        "no-non-repudiation-untrusted-ca",
        _foreign_bundle(
            payload,
            _cms_sign(pki.pyhanko_signer(no_nr, throwaway), canonical(payload), now),
            [no_nr.certificate],
        ),
        "untrusted",
    )
    add(
        "no-non-repudiation-trusted-ca",
        _foreign_bundle(
            payload,
            _cms_sign(pki.pyhanko_signer(no_nr, throwaway), canonical(payload), now),
            [no_nr.certificate],
        ),
        "untrusted",
        extra_roots=[throwaway.asn1],
    )
    expired = _leaf(
        throwaway, "Hết hạn", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    add(
        "expired-certificate",
        _foreign_bundle(
            payload,
            _cms_sign(
                _simple_signer(expired.certificate, expired.key, [throwaway.certificate]),
                canonical(payload),
                now,
            ),
            [expired.certificate],
        ),  # type: ignore[arg-type]
        "expired",
        extra_roots=[throwaway.asn1],
    )
    future = _leaf(
        throwaway,
        "Chưa hiệu lực",
        not_before=now + timedelta(days=1),
        not_after=now + timedelta(days=30),
    )
    add(
        "not-yet-valid-certificate",
        _foreign_bundle(
            payload,
            _cms_sign(
                _simple_signer(future.certificate, future.key, [throwaway.certificate]),
                canonical(payload),
                now,
            ),
            [future.certificate],
        ),  # type: ignore[arg-type]
        "expired",
        extra_roots=[throwaway.asn1],
    )
    # A genuine foreign certificate names the same person and body as the content.
    in_period = _leaf(
        throwaway,
        payload["signer"]["name"],
        org=payload["body"]["name"],
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
    )
    add(
        "genuine-foreign-trusted-ca",
        _foreign_bundle(
            payload,
            _cms_sign(
                _simple_signer(in_period.certificate, in_period.key, [throwaway.certificate]),
                canonical(payload),
                now,
            ),
            [in_period.certificate],
        ),  # type: ignore[arg-type]
        "ok",
        extra_roots=[throwaway.asn1],
    )

    # Signer identity: the member's key signing a payload that names another signer.
    lying = _payload(world, member)
    lying["signer"] = {"id": other.user_id, "name": other.user.full_name}
    lying_cms = _cms_sign(_unchecked_signer(member), canonical(lying), now)
    add(
        "payload-names-another-signer-than-certificate",
        statement_export(_unsaved_statement(member, lying, lying_cms)),
        "wrong_signer",
    )

    # Revocation: signed, then revoked (bundle exported before and after), and signed after
    # revocation with the key directly (the service refuses).
    before = _signed(world, revocable)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=True):
        ca.certificate_revoke(
            actor=admin, certificate=revocable, reason=RevocationReason.KEY_COMPROMISE
        )
        newer_crl = ca.crl_der()
        revocable.refresh_from_db()
    add("revoked-after-signing-newer-crl-from-verifier", before, "revoked_after", crls=(newer_crl,))
    after_payload = _payload(world, revocable)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=4), tick=True):
        late_cms = _cms_sign(
            _unchecked_signer(revocable), canonical(after_payload), datetime.now(UTC)
        )
        late = statement_export(_unsaved_statement(revocable, after_payload, late_cms))
    add("signed-after-revocation", late, "revoked_before")

    # Not a bundle at all.
    add("empty-file", b"", "malformed")
    add("random-bytes", os.urandom(512), "malformed")
    add("not-utf8", b"\xff\xfe\x00{", "malformed")
    add("json-array", b"[1, 2, 3]", "malformed")
    add("json-wrong-format", _dump({**bundle, "format": "ecabinet-statement/2"}), "malformed")
    add("json-no-format", _dump({k: v for k, v in bundle.items() if k != "format"}), "malformed")
    add("json-no-payload", _dump({k: v for k, v in bundle.items() if k != "payload"}), "malformed")
    add("json-payload-not-text", _dump({**bundle, "payload": json.loads(text)}), "malformed")
    add("json-certificates-not-list", _dump({**bundle, "certificates": "x"}), "malformed")
    add("pdf-given-as-statement", b"%PDF-1.7\n%%EOF\n", "malformed")


def _unsaved_statement(
    cert: MemberCertificate, payload: dict[str, Any], signed: cms.ContentInfo
) -> SignedStatement:
    data = canonical(payload)
    return SignedStatement(
        body_id=cert.body_id,
        signer_id=cert.user_id,
        certificate=cert,
        object_type=payload["object"]["type"],
        object_id=payload["object"]["id"],
        payload=json.loads(data),
        payload_canonical=data.decode("utf-8"),
        payload_sha256=payload_hash(payload),
        cms_der=signed.dump(),
    )


# --- PDFs -----------------------------------------------------------------------------------


def resolution(articles: int = 2) -> layout.Decree30Document:
    paragraph = (
        "Các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương "
        "khẩn trương triển khai thực hiện, bảo đảm tiến độ và chất lượng."
    )
    return layout.Decree30Document(
        body_name="CHÍNH PHỦ",
        notation="NQ-CP",
        type_name="NGHỊ QUYẾT",
        summary="Phiên họp Chính phủ thường kỳ (thử nghiệm chống giả mạo)",
        place="Hà Nội",
        sections=[
            layout.Section(heading=f"Điều {i}.", paragraphs=[paragraph] * 3)
            for i in range(1, articles + 1)
        ],
        signer_authority="TM. CHÍNH PHỦ",
        signer_title="THỦ TƯỚNG",
        signer_name="Người thử member",
    )


def _byte_range(pdf: bytes, index: int = -1) -> tuple[int, int, int, int]:
    found = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    a, b, c, d = (int(x) for x in found[index])
    return a, b, c, d


def _contents(pdf: bytes, index: int = -1) -> tuple[int, int, bytes]:
    """(start, end, DER) of a signature's /Contents hex string (between < and >)."""
    _a, b, c, _d = _byte_range(pdf, index)
    hex_text = pdf[b + 1 : c - 1]
    return b + 1, c - 1, bytes.fromhex(hex_text.decode("ascii"))


def _replace_contents(pdf: bytes, index: int, der: bytes) -> bytes:
    start, end, _old = _contents(pdf, index)
    hex_text = der.hex().encode("ascii")
    assert len(hex_text) <= end - start
    return pdf[:start] + hex_text.ljust(end - start, b"0") + pdf[end:]


def _incremental(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_page(writer: IncrementalPdfFileWriter) -> None:
    content = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (Them) Tj ET")
    )
    page = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (0, 0, 595, 842)]
            ),
            pdf_name("/Contents"): content,
            pdf_name("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)


def _add_annotation(writer: IncrementalPdfFileWriter) -> None:
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    annot = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Text"),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (100, 100, 120, 120)]
                ),
                pdf_name("/Contents"): pdf_string("Ghi chú thêm sau khi ký"),
            }
        )
    )
    if "/Annots" in page:
        annots = page["/Annots"]
        annots.append(annot)
        writer.update_container(annots)
    else:
        page[pdf_name("/Annots")] = generic.ArrayObject([annot])
        writer.update_container(page)


def _overdraw_page(writer: IncrementalPdfFileWriter) -> None:
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 80 600 400 80 re f"))
    existing = page["/Contents"]
    items = (
        list(existing) if isinstance(existing, generic.ArrayObject) else [page.raw_get("/Contents")]
    )
    page[pdf_name("/Contents")] = generic.ArrayObject([*items, extra])
    writer.update_container(page)


def _set_text_field(name: str, value: str) -> Callable[[IncrementalPdfFileWriter], None]:
    def change(writer: IncrementalPdfFileWriter) -> None:
        for ref in writer.root["/AcroForm"]["/Fields"]:
            obj = ref.get_object()
            if obj.get("/T") == name:
                obj[pdf_name("/V")] = pdf_string(value)
                writer.mark_update(ref)
                return
        raise AssertionError(f"no field {name}")

    return change


def _object_offset(pdf: bytes, ref: generic.IndirectObject) -> int:
    match = re.search(rb"(?<!\d)%d 0 obj" % ref.idnum, pdf)
    assert match is not None
    return match.start()


def _pdf_cases(
    corpus: Corpus,
    member: MemberCertificate,
    org: MemberCertificate,
    revocable_pdf: MemberCertificate,
    admin: Any,
) -> None:
    roots = tuple(ca.trust_roots())

    def add(case_id: str, data: bytes, expect: str, **kw: Any) -> None:
        corpus.add(
            Case(id=f"pdf/{case_id}", kind="pdf", data=data, expect=expect, trust_roots=roots, **kw)
        )

    stamper = tsa.timestamper_for_settings()
    draft = layout.render_decree30_pdf(resolution())
    sig_png = images.signature_png("Người thử member")
    seal = images.seal_png("CHÍNH PHỦ")
    signed = sign_as_signer(
        draft, signer=ca.signer_for(member), timestamper=stamper, signature_png=sig_png
    )
    sealed = seal_and_number(
        signed,
        org_signer=ca.signer_for(org),
        timestamper=stamper,
        seal_png=seal,
        number="15",
        date_text=layout.decree_date_line("Hà Nội", date(2026, 11, 20)),
    )
    add("genuine-signer-signed", signed, "ok")
    add("genuine-signed-and-sealed", sealed, "ok")
    add(
        "genuine-signed-number-filled-before-seal",
        _incremental(signed, _set_text_field(layout.NUMBER_FIELD, "16")),
        "ok",
        note="the signer's lock leaves the number open",
    )

    # Byte flips inside the signed ranges.
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(draft))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    contents = page.raw_get("/Contents")
    content_ref = contents[0] if isinstance(contents, generic.ArrayObject) else contents
    obj_at = _object_offset(sealed, content_ref)
    stream_at = sealed.index(b"stream", obj_at) + len(b"stream") + 12
    add("flip-in-page-content-stream", flip(sealed, stream_at), "not_intact")
    add("flip-in-pdf-header", flip(sealed, 7), "not_intact")
    _a, b, c, _d = _byte_range(signed, 0)
    add(
        "flip-in-signer-signature-dictionary-date",
        flip(sealed, _sig_date_digit(sealed, b, c)),
        "not_intact",
    )
    add("flip-after-signer-contents", flip(sealed, c + 5), "corrupt")
    _a, b2, c2, _d2 = _byte_range(sealed, -1)
    add(
        "flip-in-seal-signature-dictionary-date",
        flip(sealed, _sig_date_digit(sealed, b2, c2)),
        "not_intact",
    )
    add(
        "flip-in-seal-revision-number-field",
        _flip_text(sealed, b"15", after=len(signed)),
        "not_intact",
    )
    add(
        "flip-in-last-xref-stream",
        flip(sealed, sealed.rindex(b"startxref") - 30, 0x02),
        "corrupt",
    )

    # Inside /Contents (outside the byte range): the signature value, the certificate.
    _start, _end, der = _contents(signed, 0)
    info = cms.ContentInfo.load(der)
    sig_value = bytes(info["content"]["signer_infos"][0]["signature"].native)
    pos = der.find(sig_value) + len(sig_value) - 1
    add("signature-value-flipped", _replace_contents(signed, 0, flip(der, pos)), "not_intact")
    add(
        "certificate-subject-flipped",
        _replace_contents(signed, 0, _flip_signer_subject(der, member)),
        "wrong_certificate",
        note="the signer's certificate no longer is the one the signed attributes name",
    )

    # Incremental updates after sealing.
    add("page-added-after-seal", _incremental(sealed, _add_page), "modified")
    add("annotation-added-after-seal", _incremental(sealed, _add_annotation), "modified")
    add(
        "number-changed-after-seal",
        _incremental(sealed, _set_text_field(layout.NUMBER_FIELD, "99")),
        "modified",
    )
    add(
        "date-changed-after-seal",
        _incremental(sealed, _set_text_field(layout.DATE_FIELD, "Hà Nội, ngày 1 tháng 1 năm 2020")),
        "modified",
    )
    add("page-content-overdrawn-after-seal", _incremental(sealed, _overdraw_page), "modified")
    add("page-added-after-signer", _incremental(signed, _add_page), "modified")
    add("page-content-overdrawn-after-signer", _incremental(signed, _overdraw_page), "modified")

    # The timestamp token removed (the CMS re-embedded, same length).
    no_ts = cms.ContentInfo.load(der)
    no_ts["content"]["signer_infos"][0]["unsigned_attrs"] = cms.CMSAttributes([])
    add(
        "timestamp-token-removed",
        _replace_contents(signed, 0, no_ts.dump(force=True)),
        "no_timestamp",
    )

    # Truncations.
    add("truncated-half", sealed[: len(sealed) // 2], "unreadable")
    add("truncated-before-seal-revision-end", sealed[: len(sealed) - 200], "unreadable")
    add(
        "truncated-to-signer-revision",
        sealed[: len(signed)],
        "ok",
        note="a prefix is the earlier genuine revision",
    )

    # Foreign PKIs.
    throwaway = pki.build_pki()
    add(
        "signed-by-untrusted-ca",
        sign_as_signer(
            draft, signer=throwaway.signer_signer(), timestamper=stamper, signature_png=sig_png
        ),
        "untrusted",
    )
    add(
        "timestamp-by-untrusted-tsa",
        sign_as_signer(
            draft,
            signer=ca.signer_for(member),
            timestamper=throwaway.timestamper(),
            signature_png=sig_png,
        ),
        "no_timestamp",
    )

    # Revocation, CRL given to the verifier: after a trusted timestamp the signature stands
    # (PAdES B-T); a signature made after revocation (key used directly) does not.
    by_revoked = sign_as_signer(
        draft, signer=ca.signer_for(revocable_pdf), timestamper=stamper, signature_png=sig_png
    )
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=True):
        ca.certificate_revoke(
            actor=admin, certificate=revocable_pdf, reason=RevocationReason.KEY_COMPROMISE
        )
        revocable_pdf.refresh_from_db()
        crl = ca.crl_der()
    add("signer-certificate-revoked-after-timestamp", by_revoked, "ok", crls=(crl,))
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=4), tick=True):
        after = sign_as_signer(
            draft,
            signer=_unchecked_signer(revocable_pdf),
            timestamper=stamper,
            signature_png=sig_png,
        )
    add(
        "signed-after-revocation-crl-given",
        after,
        "untrusted",
        crls=(crl,),
    )

    # Not a signed PDF.
    add("unsigned-decree30", draft, "unreadable")
    add("not-a-pdf", b"<html><body>not a pdf</body></html>", "unreadable")
    add("empty", b"", "unreadable")
    add("random-bytes", random.Random(2).randbytes(4096), "unreadable")
    add("statement-given-as-pdf", b'{"format": "ecabinet-statement/1"}', "unreadable")


def _flip_signer_subject(der: bytes, cert: MemberCertificate) -> bytes:
    """The CMS ``der`` with a byte of its signer certificate's subject flipped (the CN).

    The signer's certificate is embedded once: a flip in it is a flip in the certificate
    that validators use (and the signed ESS signing-certificate attribute names).
    """
    cert_der = bytes(cert.certificate_der)
    subject = ca.to_asn1(cert_der)["tbs_certificate"]["subject"].dump()
    assert der.count(cert_der) == 1, "the signer's certificate must be embedded once"
    return flip(der, der.find(cert_der) + cert_der.find(subject) + len(subject) - 2)


def _sig_date_digit(pdf: bytes, contents_start: int, contents_end: int) -> int:
    """Offset of the last digit of the /M date of the signature whose /Contents is given."""
    window = range(max(0, contents_start - 3000), contents_end + 3000)
    for match in re.finditer(rb"/M\s*\(D(?::|\\072)(\d{14})", pdf):
        if match.start() in window and not (contents_start <= match.start() < contents_end):
            return match.end(1) - 1
    raise AssertionError("no /M in the signature dictionary")


def _flip_text(pdf: bytes, needle: bytes, *, after: int) -> bytes:
    """Flip the first byte of ``needle`` found after ``after``, in a signed range."""
    pos = pdf.index(needle, after)
    _a, b, c, _d = _byte_range(pdf, -1)
    assert not (b <= pos < c), "inside /Contents"
    return flip(pdf, pos, 0x03)


# --- entry point ----------------------------------------------------------------------------


def build_corpus(
    world: World, issue: Callable[..., MemberCertificate], signing_member: Membership
) -> list[Case]:
    """The corpus; needs the CA initialised, the world, and ``issue(membership)``."""
    tsa._cached.clear()
    admin = world.user("admin")
    member = issue(signing_member)
    other = issue(world.memberships["substitute"])
    clerk = MembershipFactory.create(body=world.body, role=Role.RECORDS_CLERK)
    org = issue(clerk)
    leader = MembershipFactory.create(body=world.body, role=Role.OFFICE_LEADER)
    revocable = issue(leader)
    chair_m = world.memberships["chair"]
    revocable_pdf = issue(chair_m)
    corpus = Corpus()
    _statement_cases(corpus, world, member, other, revocable, admin)
    _pdf_cases(corpus, member, org, revocable_pdf, admin)
    tsa._cached.clear()
    return corpus.cases
