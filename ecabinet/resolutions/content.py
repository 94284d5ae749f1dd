"""The structured content of a resolution version: what the Office edits and the chair signs.

A version's ``content`` is the JSON form of ``Content`` (``Content.to_json``)::

    {
      "schema": 1,
      "title": "Nghị quyết phiên họp Chính phủ thường kỳ tháng 5 năm 2026",
      "summary": "Phiên họp Chính phủ thường kỳ tháng 5 năm 2026",      # trích yếu
      "preamble": ["Căn cứ ...;", "QUYẾT NGHỊ:"],                      # paragraphs
      "sections": [
        {"key": "item-12", "heading": "1. Về ...", "paragraphs": ["...", "..."]}
      ],
      "signer": {"authority": "TM. CHÍNH PHỦ", "title": "THỦ TƯỚNG",
                 "name": "Nguyễn Văn A", "user_id": 3},
      "recipients": [
        {"kind": "members", "name": "Các thành viên Chính phủ", "ref": null, "organ_id": ""},
        {"kind": "agency", "name": "Bộ Tài chính", "ref": 7, "organ_id": "000.00.00.G10"},
        {"kind": "text", "name": "Lưu: VT, TH.", "ref": null, "organ_id": ""}
      ]
    }

Section keys are stable across versions (``item-<id>`` for a meeting's agenda item,
``question-<id>`` for a ballot's question, ``decision`` for the chair's decision, ``m-<hex>``
for a section the Office added): the diff pairs sections by key and members' comments point
at them. Recipients of kind ``members`` (every voting member of the body), ``member`` (a
membership), ``unit`` (a unit of the body) and ``agency`` (an issuing agency of the
catalogue, reached through edXML by its OrganId) are delivered at issuance; ``text`` lines
are only printed ("Lưu: VT, ...").

The hash of a version is the SHA-256 of the RFC 8785 canonical JSON of this form: the
same content always gives the same hash, whoever saved it and whatever the key order.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.core.errors import DomainError

SCHEMA = 1
TITLE_MAX = 300
# edXML Subject holds 500 characters.
SUMMARY_MAX = 500
HEADING_MAX = 300
PARAGRAPH_MAX = 8000
PREAMBLE_MAX = 20
MAX_SECTIONS = 100
MAX_PARAGRAPHS = 200
# edXML Position holds 100 characters.
SIGNER_LINE_MAX = 100
RECIPIENT_NAME_MAX = 300
MAX_RECIPIENTS = 200
KEY_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class RecipientKind(models.TextChoices):
    MEMBERS = "members", gettext_lazy("Các thành viên (toàn thể)")
    MEMBER = "member", gettext_lazy("Thành viên")
    UNIT = "unit", gettext_lazy("Đơn vị")
    AGENCY = "agency", gettext_lazy("Cơ quan ngoài (liên thông)")
    TEXT = "text", gettext_lazy("Chỉ ghi trên văn bản")


# Kinds that point at a row (membership, unit, issuing agency).
REF_KINDS = frozenset({RecipientKind.MEMBER, RecipientKind.UNIT, RecipientKind.AGENCY})


@dataclass(frozen=True)
class Section:
    """A part of the body: a heading ("1. Về ...") and its paragraphs."""

    key: str
    heading: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Signer:
    """The signature block: authority ("TM. CHÍNH PHỦ"), title ("THỦ TƯỚNG"), name."""

    authority: str
    title: str
    name: str
    user_id: int | None = None

    def lines(self) -> list[str]:
        return [line for line in (self.authority, self.title, self.name) if line]


@dataclass(frozen=True)
class Recipient:
    """One place the resolution goes to (Nơi nhận)."""

    kind: str
    name: str
    ref: int | None = None
    organ_id: str = ""

    @property
    def kind_label(self) -> str:
        return str(RecipientKind(self.kind).label) if self.kind in RecipientKind.values else ""


@dataclass(frozen=True)
class Content:
    title: str
    summary: str
    sections: tuple[Section, ...]
    signer: Signer
    preamble: tuple[str, ...] = ()
    recipients: tuple[Recipient, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "title": self.title,
            "summary": self.summary,
            "preamble": list(self.preamble),
            "sections": [
                {"key": s.key, "heading": s.heading, "paragraphs": list(s.paragraphs)}
                for s in self.sections
            ],
            "signer": {
                "authority": self.signer.authority,
                "title": self.signer.title,
                "name": self.signer.name,
                "user_id": self.signer.user_id,
            },
            "recipients": [
                {"kind": r.kind, "name": r.name, "ref": r.ref, "organ_id": r.organ_id}
                for r in self.recipients
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Content:
        signer = data.get("signer") or {}
        return cls(
            title=str(data.get("title", "")),
            summary=str(data.get("summary", "")),
            preamble=tuple(str(p) for p in data.get("preamble", ())),
            sections=tuple(
                Section(
                    key=str(s.get("key", "")),
                    heading=str(s.get("heading", "")),
                    paragraphs=tuple(str(p) for p in s.get("paragraphs", ())),
                )
                for s in data.get("sections", ())
            ),
            signer=Signer(
                authority=str(signer.get("authority", "")),
                title=str(signer.get("title", "")),
                name=str(signer.get("name", "")),
                user_id=signer.get("user_id"),
            ),
            recipients=tuple(
                Recipient(
                    kind=str(r.get("kind", "")),
                    name=str(r.get("name", "")),
                    ref=r.get("ref"),
                    organ_id=str(r.get("organ_id", "")),
                )
                for r in data.get("recipients", ())
            ),
        )

    @property
    def sha256(self) -> str:
        return content_hash(self.to_json())

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def recipients_of(self, kind: str) -> list[Recipient]:
        return [r for r in self.recipients if r.kind == kind]


def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of a version's content."""
    from ecabinet.signatures.statements import canonical

    return hashlib.sha256(canonical(data)).hexdigest()


def new_section_key() -> str:
    """A key for a section the Office adds (unique enough within one resolution)."""
    return f"m-{secrets.token_hex(4)}"


def one_line(text: str) -> str:
    return " ".join((text or "").split())


def paragraphs_of(text: str) -> tuple[str, ...]:
    """Each non-empty line of a text area is one paragraph."""
    return tuple(one_line(line) for line in (text or "").splitlines() if line.strip())


def _too_long(label: str, limit: int) -> DomainError:
    return DomainError(
        _("%(field)s dài tối đa %(n)s ký tự.") % {"field": label, "n": limit}, code="too_long"
    )


def _clean_paragraphs(paragraphs: Iterable[str], label: str) -> tuple[str, ...]:
    cleaned = tuple(p for p in (one_line(p) for p in paragraphs) if p)
    for paragraph in cleaned:
        if len(paragraph) > PARAGRAPH_MAX:
            raise _too_long(label, PARAGRAPH_MAX)
    return cleaned


def _clean_recipients(recipients: Iterable[Recipient]) -> tuple[Recipient, ...]:
    seen: set[tuple[str, object]] = set()
    cleaned: list[Recipient] = []
    for r in recipients:
        name = one_line(r.name)
        if r.kind not in RecipientKind.values:
            raise DomainError(_("Loại nơi nhận không hợp lệ."), code="bad_recipient")
        if not name:
            continue
        if len(name) > RECIPIENT_NAME_MAX:
            raise _too_long(_("Tên nơi nhận"), RECIPIENT_NAME_MAX)
        if r.kind in REF_KINDS and not isinstance(r.ref, int):
            raise DomainError(_("Nơi nhận không hợp lệ."), code="bad_recipient")
        identity: tuple[str, object] = (r.kind, r.ref if r.kind in REF_KINDS else name)
        if identity in seen:
            continue
        seen.add(identity)
        cleaned.append(Recipient(r.kind, name, r.ref if r.kind in REF_KINDS else None, r.organ_id))
    if len(cleaned) > MAX_RECIPIENTS:
        raise DomainError(
            _("Tối đa %(n)s nơi nhận.") % {"n": MAX_RECIPIENTS}, code="too_many_recipients"
        )
    return tuple(cleaned)


def clean_content(content: Content) -> Content:
    """The content with whitespace normalised, or a clear refusal.

    Sections left entirely empty (no heading, no paragraph) are dropped: an empty section the
    Office added and did not fill is not a change.
    """
    title = one_line(content.title)
    summary = one_line(content.summary)
    if not title:
        raise DomainError(_("Nghị quyết cần có tên."), code="no_title")
    if len(title) > TITLE_MAX:
        raise _too_long(_("Tên nghị quyết"), TITLE_MAX)
    if not summary:
        raise DomainError(_("Nghị quyết cần có trích yếu."), code="no_summary")
    if len(summary) > SUMMARY_MAX:
        raise _too_long(_("Trích yếu"), SUMMARY_MAX)
    preamble = _clean_paragraphs(content.preamble, _("Mỗi đoạn căn cứ"))
    if len(preamble) > PREAMBLE_MAX:
        raise DomainError(
            _("Phần căn cứ có tối đa %(n)s đoạn.") % {"n": PREAMBLE_MAX}, code="too_many"
        )
    sections: list[Section] = []
    keys: set[str] = set()
    for section in content.sections:
        heading = one_line(section.heading)
        paragraphs = _clean_paragraphs(section.paragraphs, _("Mỗi đoạn"))
        if not heading and not paragraphs:
            continue
        if not KEY_RE.match(section.key) or section.key in keys:
            raise DomainError(_("Mục của nghị quyết không hợp lệ."), code="bad_key")
        if len(heading) > HEADING_MAX:
            raise _too_long(_("Tiêu đề mục"), HEADING_MAX)
        if len(paragraphs) > MAX_PARAGRAPHS:
            raise DomainError(
                _("Mỗi mục có tối đa %(n)s đoạn.") % {"n": MAX_PARAGRAPHS}, code="too_many"
            )
        keys.add(section.key)
        sections.append(Section(section.key, heading, paragraphs))
    if not any(s.paragraphs for s in sections):
        raise DomainError(_("Nghị quyết cần có ít nhất một mục có nội dung."), code="no_sections")
    if len(sections) > MAX_SECTIONS:
        raise DomainError(
            _("Nghị quyết có tối đa %(n)s mục.") % {"n": MAX_SECTIONS}, code="too_many"
        )
    signer = Signer(
        authority=one_line(content.signer.authority),
        title=one_line(content.signer.title),
        name=one_line(content.signer.name),
        user_id=content.signer.user_id,
    )
    if not signer.title:
        raise DomainError(_("Cần ghi chức vụ của người ký."), code="no_signer_title")
    if len(signer.title) > SIGNER_LINE_MAX or len(signer.authority) > SIGNER_LINE_MAX:
        raise _too_long(_("Thẩm quyền, chức vụ người ký"), SIGNER_LINE_MAX)
    return Content(
        title=title,
        summary=summary,
        preamble=preamble,
        sections=tuple(sections),
        signer=signer,
        recipients=_clean_recipients(content.recipients),
    )
