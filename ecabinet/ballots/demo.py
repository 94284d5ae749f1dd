"""Demo ballots: one decided from start to finish, one open with answers coming in, one at
the Office's review, so that every page of the ballots app can be tried after ``ecabinet demo``.

Everything goes through the same services as the pages, signatures included: each signer
confirms with their demo authenticator (the code is computed here, as ``ecabinet demo_otp``
would print it), so the statements, the report and the decision verify like real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import StepUpChallenge, User
from ecabinet.accounts.stepup import stepup_confirm
from ecabinet.ballots import selectors, services
from ecabinet.ballots.models import Ballot, Choice, Recipient
from ecabinet.bodies.models import Body

SESSION = "demo-ballots"

DECIDED = (
    "Về việc thông qua đề nghị xây dựng Nghị định quy định chi tiết Luật Đầu tư công",
    "45/TTr-BTC",
    [
        "Thông qua đề nghị xây dựng Nghị định quy định chi tiết một số điều của Luật Đầu tư công.",
        "Giao Bộ Tài chính chủ trì soạn thảo, trình Chính phủ trong quý I năm 2027.",
    ],
)
OPEN = (
    "Về dự án Luật sửa đổi, bổ sung một số điều của Luật Ban hành văn bản quy phạm pháp luật",
    "125/TTr-BTP",
    [
        "Thông qua dự án Luật để trình Quốc hội tại kỳ họp gần nhất.",
        "Đồng ý rút ngắn thời gian thẩm định dự án luật xuống còn 20 ngày.",
        "Giao Bộ Tư pháp tiếp thu ý kiến thành viên Chính phủ, hoàn thiện hồ sơ.",
    ],
)
IN_REVIEW = (
    "Về việc điều chỉnh chủ trương đầu tư Dự án đường cao tốc Bắc - Nam phía Đông",
    "310/TTr-BGTVT",
    ["Thông qua điều chỉnh chủ trương đầu tư Dự án."],
)


def _confirm(user: User, challenge: StepUpChallenge) -> None:
    """Confirm a step-up with the user's demo authenticator, as they would on the page.

    A code is accepted once per 30-second step; the demo signs several times a second, so
    the device's record of the last step used is reset first (demo devices only).
    """
    device = TOTPDevice.objects.get(user=user, name="Demo")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    stepup_confirm(
        actor=user,
        session_key=SESSION,
        challenge=challenge,
        code=f"{totp.token():0{device.digits}d}",
    )


def _signed(
    user: User,
    request: Callable[..., Any],
    sign: Callable[..., Any],
    subject: dict[str, Any],
    **asked_with: Any,
) -> Any:
    """A two-step signature: ask for the challenge, confirm it, sign the same content."""
    asked = request(actor=user, session_key=SESSION, **subject, **asked_with)
    _confirm(user, asked.challenge)
    return sign(
        actor=user,
        session_key=SESSION,
        challenge_id=asked.challenge.pk,
        content=asked.content,
        **subject,
    )


def _sent(body: Body, proposal: tuple[str, str, list[str]], unit_user: User) -> Ballot:
    """Filed by the agency, drafted by the Office, passed along the route, signed by the
    chair: an open ballot asked of every member."""
    ballot = _in_review(body, proposal, unit_user)
    for step, role in enumerate(list(ballot.route)):
        holder = selectors.route_holders(body, role)[0]
        ballot = services.ballot_forward(actor=holder, ballot=ballot, step=step, cycle=ballot.cycle)
    chair = selectors.route_holders(body, "chair")[0]
    approved: Ballot = _signed(
        chair, services.ballot_approval_request, services.ballot_approve, {"ballot": ballot}
    )
    return approved


def _in_review(body: Body, proposal: tuple[str, str, list[str]], agency: User) -> Ballot:
    title, number, questions = proposal
    office = User.objects.get(username="chuyenvien1")
    ballot = services.ballot_file(
        actor=agency,
        body=body,
        title=title,
        questions=questions,
        proposal_number=number,
        proposal_summary=title,
    )
    ballot = services.ballot_update(
        actor=office,
        ballot=ballot,
        title=title,
        questions=questions,
        recipients=list(selectors.voting_members(body)),
        deadline_at=services.default_deadline(body),
        follower=office,
        version=ballot.version,
    )
    return services.ballot_submit(actor=office, ballot=ballot, version=ballot.version)


def _answer(ballot: Ballot, recipient: Recipient, index: int) -> None:
    picks: dict[int, tuple[str, str]] = {}
    for n, question in enumerate(selectors.questions_of(ballot)):
        turn = (index + n) % 9
        if turn == 7:
            picks[question.pk] = (Choice.OTHER, "Đề nghị làm rõ nguồn lực thực hiện.")
        elif turn == 8:
            picks[question.pk] = (Choice.DISAGREE, "Chưa đủ căn cứ thực tiễn.")
        else:
            picks[question.pk] = (Choice.AGREE, "")
    recipient.ballot = ballot
    services.answer_draft_save(actor=recipient.user, recipient=recipient, choices=picks)
    _signed(
        recipient.user,
        services.answer_sign_request,
        services.answer_sign,
        {"recipient": recipient},
    )


def load_demo_ballots(body: Body) -> None:
    """The three demo ballots of the Government (about a minute of signing on a laptop)."""
    from django.db.models import Q

    agencies = User.objects.filter(
        Q(username="coquantrinh.tuphap") | Q(username="coquantrinh.taichinh")
    ).order_by("username")
    finance, justice = list(agencies)

    decided = _sent(body, DECIDED, finance)
    seats = list(Recipient.objects.filter(ballot=decided).select_related("user", "membership"))
    for index, seat in enumerate(seats):
        _answer(decided, seat, index)
    decided = services.ballot_close(actor=User.objects.get(username="chuyenvien1"), ballot=decided)
    leader = User.objects.get(username="lanhdaovp")
    challenge, _report = services.report_sign_request(
        actor=leader, ballot=decided, session_key=SESSION
    )
    _confirm(leader, challenge)
    services.report_sign(
        actor=leader, ballot=decided, session_key=SESSION, challenge_id=challenge.pk
    )
    decided.refresh_from_db()
    chair = User.objects.get(username="thutuong")
    _signed(
        chair,
        services.decision_request,
        services.decision_record,
        {"ballot": decided},
        text="Thống nhất thông qua đề nghị xây dựng Nghị định theo báo cáo tổng hợp.",
    )

    opened = _sent(body, OPEN, justice)
    seats = list(Recipient.objects.filter(ballot=opened).select_related("user", "membership"))
    for index, seat in enumerate(seats[: len(seats) // 2]):
        _answer(opened, seat, index)

    _in_review(body, IN_REVIEW, justice)
