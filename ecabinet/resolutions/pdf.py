"""A resolution (nghị quyết) as a PDF in the Decree 30/2020/NĐ-CP layout, ready to sign.

``render_resolution_pdf`` takes plain data (``ResolutionContent``), so the drafting, signing
and issuing code decide what goes in and this module only lays it out, with the signatures
app's Decree 30 machinery (``signatures.pdf.layout``). The number and the place-and-date
line are left as empty form fields: the Chair signs before the number exists, and at
issuance the records office fills them and applies the seal in one incremental revision
(``signatures.pdf.pades.seal_and_number``), which keeps the Chair's signature valid
(docs/decisions/0602-pades.md). The PDF's content is Vietnamese whatever the language of
whoever renders it: it is the legal document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ecabinet.signatures.pdf.layout import Decree30Document, Section, render_decree30_pdf

RESOLUTION_TITLE = "NGHỊ QUYẾT"
ENACTING_FORMULA = "QUYẾT NGHỊ:"


def _texts(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        # A single string would otherwise be taken letter by letter.
        raise TypeError("expected a sequence of strings, got one string")
    return tuple(str(v).strip() for v in values if str(v).strip())


@dataclass(frozen=True)
class ResolutionSection:
    """One part of the resolution: a heading ("Điều 1. ...", "1. Về ...") and its paragraphs."""

    heading: str = ""
    paragraphs: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "heading", self.heading.strip())
        object.__setattr__(self, "paragraphs", _texts(self.paragraphs))
        if not self.heading and not self.paragraphs:
            raise ValueError("a resolution section needs a heading or a paragraph")


@dataclass(frozen=True)
class ResolutionContent:
    """Everything printed on a resolution except its number, date and signatures.

    ``notation`` is what follows the number ("NQ-CP" in "Số: 85/NQ-CP"): the document
    type's abbreviation and the body's notation, the same as the register's entry will
    carry. ``enacting_body`` is the collective printed above the legal bases (the body's
    name when left empty); ``preamble`` the legal bases, one per line, in italic.
    """

    body_name: str  # "CHÍNH PHỦ"
    notation: str  # "NQ-CP"
    place: str  # "Hà Nội"
    summary: str  # trích yếu: "Phiên họp Chính phủ thường kỳ tháng 5 năm 2026"
    sections: Sequence[ResolutionSection]
    signer_name: str
    signer_competence: str = "TM. CHÍNH PHỦ"
    signer_position: str = "THỦ TƯỚNG"
    parent: str = ""  # the parent body, printed above the body's name
    title: str = RESOLUTION_TITLE
    preamble: Sequence[str] = ()
    enacting_body: str = ""
    enacting_formula: str = ENACTING_FORMULA
    recipients: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in (
            "body_name",
            "notation",
            "place",
            "summary",
            "signer_name",
            "signer_competence",
            "signer_position",
            "parent",
            "title",
            "enacting_body",
            "enacting_formula",
        ):
            object.__setattr__(self, name, str(getattr(self, name)).strip())
        object.__setattr__(self, "preamble", _texts(self.preamble))
        object.__setattr__(self, "recipients", _texts(self.recipients))
        if isinstance(self.sections, ResolutionSection):
            raise TypeError("sections must be a sequence of ResolutionSection")
        object.__setattr__(self, "sections", tuple(self.sections))
        missing = [
            name
            for name in ("body_name", "notation", "place", "summary", "title", "signer_name")
            if not getattr(self, name)
        ]
        if not self.sections:
            missing.append("sections")
        if missing:
            raise ValueError(f"a resolution needs {', '.join(missing)}")
        if "/" in self.notation:
            # The number goes in its own field before the slash; the notation follows it.
            raise ValueError(f"notation must not contain the number, got {self.notation!r}")


def resolution_document(content: ResolutionContent) -> Decree30Document:
    """The layout's document for ``content`` (exposed for previews and tests)."""
    return Decree30Document(
        body_name=content.body_name,
        parent=content.parent,
        notation=content.notation,
        type_name=content.title,
        summary=content.summary,
        place=content.place,
        # The collective that resolves heads the legal bases and the enacting words.
        enacting_body=(
            (content.enacting_body or content.body_name)
            if content.preamble or content.enacting_formula
            else ""
        ),
        preamble=content.preamble,
        enacting_formula=content.enacting_formula,
        sections=[Section(heading=s.heading, paragraphs=s.paragraphs) for s in content.sections],
        signer_authority=content.signer_competence,
        signer_title=content.signer_position,
        signer_name=content.signer_name,
        recipients=content.recipients,
    )


def render_resolution_pdf(content: ResolutionContent) -> bytes:
    """The unsigned resolution PDF: the page, the empty number and date fields, and the
    empty signature fields of the Chair and of the office's seal (signatures.pdf.layout).
    """
    return render_decree30_pdf(resolution_document(content))
