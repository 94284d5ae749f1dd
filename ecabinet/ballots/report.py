"""The summary report (báo cáo tổng hợp ý kiến thành viên) as a Decree 30 PDF.

Built from the frozen tally of a closed ballot with the signatures app's layout helpers
(``render_decree30_pdf``): results per question against more than half of ALL members, the
opinions quoted, the members who did not answer and the body's rule for them. The report is
content, so it is written in Vietnamese whatever the language of the person who prepares it.
The Office's leader then signs it (PAdES); the records office numbers and seals it later if
the body issues it (the number and date fields stay open, docs/decisions/0602-pades.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.ballots.models import CHOICE_CONTENT, Ballot, Choice, NonAnswerRule
from ecabinet.ballots.selectors import OUTCOME_CONTENT, Tally, tally_of
from ecabinet.bodies.models import Membership, Unit
from ecabinet.core.dates import format_decree_datetime
from ecabinet.signatures.pdf.layout import Decree30Document, Section, render_decree30_pdf

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.ballots.models import Recipient


def _member_label(recipient: Recipient) -> str:
    title = recipient.membership.title.name if recipient.membership.title is not None else ""
    name = recipient.user.full_name or recipient.user.username
    return f"{title} {name}".strip() if title else name


def _office_unit(ballot: Ballot) -> Unit | None:
    return (
        Unit.objects.filter(body=ballot.body, kind=Unit.Kind.OFFICE, is_active=True)
        .order_by("order", "pk")
        .first()
    )


def about(title: str) -> str:
    """ "về việc X" from a summary that may already start with "Về việc"."""
    if title[:3].lower() == "về ":
        return "v" + title[1:]
    return f"về {title}"


def _count(n: int, electorate: int) -> str:
    return f"{n}/{electorate}"


def report_sections(tally: Tally) -> list[Section]:
    """The body of the report: the ballot, one part per question, those who did not answer."""
    ballot = tally.ballot
    electorate = ballot.electorate or len(tally.recipients)
    sent = format_decree_datetime(ballot.sent_at, "vi") if ballot.sent_at else ""
    deadline = format_decree_datetime(ballot.deadline_at, "vi") if ballot.deadline_at else ""
    proposal = f" (Tờ trình số {ballot.proposal_number})" if ballot.proposal_number else ""
    intro = [
        (
            f"Thực hiện ý kiến của Chủ tọa, lúc {sent}, Văn phòng đã gửi phiếu lấy ý kiến "
            f"thành viên {ballot.body.name} {about(ballot.title)}{proposal}, hạn trả lời "
            f"{deadline}."
        ),
        (
            f"Tổng số thành viên: {electorate}. Số thành viên đã trả lời: {tally.answered}. "
            f"Số thành viên không trả lời: {len(tally.not_answered_recipients)}. "
            f"Quyết định được thông qua khi quá nửa tổng số thành viên (ít nhất "
            f"{electorate // 2 + 1}) đồng ý; trường hợp số đồng ý bằng một nửa thì quyết "
            "định theo ý kiến của Chủ tọa."
        ),
        (
            "Theo quy chế làm việc, thành viên không trả lời phiếu được tính là đồng ý."
            if tally.rule == NonAnswerRule.AGREE
            else "Theo quy chế làm việc, thành viên không trả lời phiếu được tính là không "
            "có ý kiến (không tính là đồng ý)."
        ),
    ]
    sections = [Section(heading="I. TÌNH HÌNH LẤY Ý KIẾN", paragraphs=intro)]
    parts: list[str] = []
    for number, q in enumerate(tally.questions, start=1):
        lines = [
            f"Câu hỏi {q.question.number}: {q.question.text}",
            (
                f"Đồng ý: {_count(q.agree, electorate)}; không đồng ý: "
                f"{_count(q.disagree, electorate)}; ý kiến khác: {_count(q.other, electorate)}; "
                f"không trả lời: {_count(q.not_answered, electorate)}"
                + (f" (tính là đồng ý: {q.counted_as_agree})" if q.counted_as_agree else "")
                + "."
            ),
            f"Kết quả: {OUTCOME_CONTENT[q.outcome]}.",
        ]
        quoted = [
            f"{_member_label(o.recipient)}"
            + (" (người được ủy quyền trả lời thay)" if o.on_behalf else "")
            + f" — {CHOICE_CONTENT[Choice(o.choice)]}: «{o.comment}»"
            for o in q.opinions
            if o.comment.strip()
        ]
        if quoted:
            lines.append("Ý kiến cụ thể:")
            lines += [f"- {text}" for text in quoted]
        sections.append(
            Section(heading=f"{_roman(number + 1)}. CÂU HỎI {number}", paragraphs=lines)
        )
        parts.append(f"câu hỏi {number}: {OUTCOME_CONTENT[q.outcome].split(':')[0].lower()}")
    missing = [_member_label(r) for r in tally.not_answered_recipients]
    sections.append(
        Section(
            heading=f"{_roman(len(tally.questions) + 2)}. THÀNH VIÊN KHÔNG TRẢ LỜI",
            paragraphs=(
                [", ".join(missing) + "."]
                if missing
                else ["Tất cả thành viên đã trả lời phiếu lấy ý kiến."]
            ),
        )
    )
    sections.append(
        Section(
            heading=f"{_roman(len(tally.questions) + 3)}. KIẾN NGHỊ",
            paragraphs=[
                "Văn phòng kính báo cáo Chủ tọa xem xét, quyết định (" + "; ".join(parts) + ")."
            ],
        )
    )
    return sections


def _roman(n: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


def report_document(ballot: Ballot, *, signer: User) -> Decree30Document:
    """What the PDF prints: the Office as issuer, under the body; the leader as signer."""
    tally = tally_of(ballot)
    office = _office_unit(ballot)
    membership = (
        Membership.objects.filter(body=ballot.body, user=signer).select_related("title").first()
    )
    title = (
        membership.title.name
        if membership is not None and membership.title is not None
        else "Lãnh đạo"
    )
    office_name = office.name if office is not None else f"Văn phòng {ballot.body.name}"
    office_short = (office.short_name if office is not None else "") or f"VP{ballot.body.notation}"
    chair_title = "Chủ tọa"
    if ballot.chair_id is not None:
        chair = (
            Membership.objects.filter(body=ballot.body, user_id=ballot.chair_id)
            .select_related("title")
            .first()
        )
        if chair is not None and chair.title is not None:
            chair_title = chair.title.name
    return Decree30Document(
        parent=ballot.body.name.upper(),
        body_name=office_name.upper(),
        notation=f"BC-{office_short}",
        type_name="BÁO CÁO",
        summary=f"Tổng hợp ý kiến thành viên {ballot.body.name} {about(ballot.title)}",
        place=ballot.body.place,
        sections=report_sections(tally),
        signer_title=title.upper(),
        signer_name=signer.full_name or signer.username,
        recipients=[f"{chair_title} (để báo cáo)", "Các thành viên được lấy ý kiến", "Lưu: VT"],
    )


def report_pdf(ballot: Ballot, *, signer: User) -> bytes:
    """The unsigned report PDF, with the signature fields the signer's PAdES signature fills."""
    return render_decree30_pdf(report_document(ballot, signer=signer))
