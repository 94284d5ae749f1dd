"""The first draft of a resolution, built from its source (the Office edits it afterwards).

From a closed meeting: one section per concluded agenda item, in agenda order, saying what
was concluded (adopted, rejected, deferred) with the secretary's text. From a decided
ballot: one section per question with its outcome (more than half of ALL members, frozen at
sending), then the chair's decision. The wording is content, not interface: it is always
Vietnamese, whatever language the drafter reads the site in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.models import Body, Membership, Role, Unit
from ecabinet.core.dates import format_decree_date
from ecabinet.resolutions.content import (
    Content,
    Recipient,
    RecipientKind,
    Section,
    Signer,
    one_line,
    paragraphs_of,
)

if TYPE_CHECKING:
    from ecabinet.ballots.models import Ballot
    from ecabinet.meetings.models import Meeting

# The chair's title when their membership names none, by kind of body.
DEFAULT_SIGNER_TITLE = {
    Body.Kind.GOVERNMENT: "THỦ TƯỚNG",
    Body.Kind.PROVINCE: "CHỦ TỊCH",
    Body.Kind.MINISTRY: "BỘ TRƯỞNG",
    Body.Kind.BOARD: "CHỦ TỊCH",
}
# The law each kind of collective body is organised under (cited without a date: the
# Office completes the citation). The enacting words ("QUYẾT NGHỊ:") and the collective that
# resolves are printed by the layout after the preamble, not written into it.
LEGAL_BASIS = {
    Body.Kind.GOVERNMENT: "Căn cứ Luật Tổ chức Chính phủ;",
    Body.Kind.PROVINCE: "Căn cứ Luật Tổ chức chính quyền địa phương;",
}
RECORDS_LINE = "Lưu: VT."


def lower_first(text: str) -> str:
    """``Dự án Luật Đất đai`` → ``dự án Luật Đất đai``; a proper name keeps its capital.

    Vietnamese proper names capitalise every syllable ("Bộ Tài chính", "Ủy ban"), so the
    first letter is lowered only when the second word starts in lower case.
    """
    words = text.split(" ", 2)
    if len(words) >= 2 and words[1][:1].islower():
        return text[:1].lower() + text[1:]
    return text


def chair_of(body: Body) -> Membership | None:
    """The body's active chair (the first by precedence if there were several)."""
    return (
        Membership.objects.filter(body=body, role=Role.CHAIR, is_active=True, user__is_active=True)
        .select_related("user", "title")
        .order_by("precedence", "pk")
        .first()
    )


def signer_block(body: Body, chair: Membership) -> Signer:
    """ "TM. CHÍNH PHỦ / THỦ TƯỚNG / name": a collective body's chair signs on its behalf."""
    authority = "" if body.kind == Body.Kind.MINISTRY else f"TM. {one_line(body.name).upper()}"
    title = (
        chair.title.name.upper()
        if chair.title is not None
        else DEFAULT_SIGNER_TITLE.get(Body.Kind(body.kind), "CHỦ TỊCH")
    )
    return Signer(
        authority=authority, title=one_line(title), name=chair.user.full_name, user_id=chair.user_id
    )


def members_recipient(body: Body) -> Recipient:
    return Recipient(RecipientKind.MEMBERS, f"Các thành viên {body.name}")


def default_recipients(body: Body, units: list[Unit]) -> tuple[Recipient, ...]:
    """Every member, the units concerned, and the records office's copy."""
    recipients = [members_recipient(body)]
    seen: set[int] = set()
    for unit in units:
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        recipients.append(Recipient(RecipientKind.UNIT, unit.name, unit.pk))
    recipients.append(Recipient(RecipientKind.TEXT, RECORDS_LINE))
    return tuple(recipients)


def _legal_basis(body: Body) -> list[str]:
    lines = [LEGAL_BASIS[Body.Kind(body.kind)]] if body.kind in LEGAL_BASIS else []
    lines.append(f"Căn cứ Quy chế làm việc của {body.name};")
    return lines


# --- From a meeting --------------------------------------------------------------------------

OUTCOME_OPENING = {
    "rejected": "Không thông qua {name}.",
    "deferred": "Hoãn xem xét {name}.",
}


def content_from_meeting(meeting: Meeting, chair: Membership) -> Content:
    """One section per concluded item, in agenda order (conclusions of a closed meeting)."""
    from ecabinet.meetings.models import AgendaItem

    body = meeting.body
    items = list(
        AgendaItem.objects.filter(meeting=meeting, conclusion__isnull=False)
        .select_related("conclusion", "presenting_unit")
        .order_by("number")
    )
    sections = []
    for n, item in enumerate(items, start=1):
        conclusion = item.conclusion
        name = lower_first(one_line(item.title))
        paragraphs = list(paragraphs_of(conclusion.text))
        opening = OUTCOME_OPENING.get(conclusion.outcome)
        if opening is not None:
            paragraphs.insert(0, opening.format(name=name))
        elif not paragraphs:
            paragraphs = [f"Thông qua {name}."]
        sections.append(
            Section(key=f"item-{item.pk}", heading=f"{n}. Về {name}", paragraphs=tuple(paragraphs))
        )
    day = format_decree_date(meeting.starts_at, "vi")
    title = one_line(meeting.title)
    if title.lower().startswith("phiên họp"):
        name = f"Nghị quyết {lower_first(title)}"
    else:
        name = f"Nghị quyết phiên họp {day}: {title}"
    preamble = [
        *_legal_basis(body),
        f"Trên cơ sở thảo luận của các thành viên {body.name} và kết luận của chủ tọa tại "
        f"{lower_first(title)} {day},",
    ]
    units = [item.presenting_unit for item in items if item.presenting_unit is not None]
    return Content(
        title=name[:300],
        summary=title,
        preamble=tuple(preamble),
        sections=tuple(sections),
        signer=signer_block(body, chair),
        recipients=default_recipients(body, units),
    )


# --- From a ballot ---------------------------------------------------------------------------


def content_from_ballot(ballot: Ballot, chair: Membership) -> Content:
    """One section per question with its outcome, then the chair's decision."""
    from ecabinet.ballots.models import Decision
    from ecabinet.ballots.selectors import OUTCOME_CONTENT, Outcome, tally_of

    body = ballot.body
    tally = tally_of(ballot)
    sections = []
    for tq in tally.questions:
        question = tq.question
        adopted = tq.outcome in (Outcome.ADOPTED, Outcome.ADOPTED_TIE)
        text = one_line(question.text)
        proposition = text if adopted else f"Chưa thông qua nội dung: {text}"
        result = (
            f"Kết quả lấy ý kiến: {tq.agree_total}/{tq.electorate} thành viên đồng ý. "
            f"{OUTCOME_CONTENT[tq.outcome]}."
        )
        sections.append(
            Section(
                key=f"question-{question.pk}",
                heading=f"{question.number}. Nội dung xin ý kiến số {question.number}",
                paragraphs=(proposition, result),
            )
        )
    decision = Decision.objects.filter(ballot=ballot).first()
    if decision is not None and decision.text.strip():
        chair_title = chair.title.name if chair.title is not None else "Chủ tọa"
        sections.append(
            Section(
                key="decision",
                heading=f"{len(sections) + 1}. Quyết định của {chair_title}",
                paragraphs=paragraphs_of(decision.text),
            )
        )
    title = one_line(ballot.title)
    subject = lower_first(title)
    if not subject.lower().startswith("về "):
        subject = f"về {subject}"
    reference = f" (Tờ trình số {ballot.proposal_number})" if ballot.proposal_number else ""
    preamble = [
        *_legal_basis(body),
        f"Trên cơ sở kết quả lấy ý kiến các thành viên {body.name} {subject}{reference} "
        "và quyết định của Chủ tọa,",
    ]
    units = [ballot.unit] if ballot.unit is not None else []
    return Content(
        title=f"Nghị quyết {subject}"[:300],
        summary=title[:500],
        preamble=tuple(preamble),
        sections=tuple(sections),
        signer=signer_block(body, chair),
        recipients=default_recipients(body, units),
    )
