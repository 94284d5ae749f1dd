"""The live session's services: attendance, quorum, the chair's console, floor lists, polls,
signed votes, minutes and conclusions, with the edge cases of the issue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ecabinet.accounts.models import SigningWindow, User
from ecabinet.audit.models import AuditEvent
from ecabinet.audit.verify import verify_chain
from ecabinet.bodies.models import Delegation, Membership
from ecabinet.core.errors import DomainError
from ecabinet.core.majority import Majority, majority_outcome
from ecabinet.core.testing.personas import World
from ecabinet.meetings.live import services as live
from ecabinet.meetings.live.snapshot import quorum_part, snapshot_for
from ecabinet.meetings.models import (
    AgendaItem,
    Attendance,
    Conclusion,
    FloorRequest,
    Meeting,
    MeetingSettings,
    Poll,
    Vote,
)
from ecabinet.meetings.tests.live_support import (  # noqa: F401
    SESSION,
    Live,
    _fresh_internal_tsa,
    build_live,
    no_vote_mandate,
)
from ecabinet.signatures.models import SignedStatement


@pytest.fixture
def lv(world: World) -> Live:
    return build_live(world)


def _code(excinfo: pytest.ExceptionInfo[DomainError]) -> str:
    return excinfo.value.code


# --- Attendance and quorum ------------------------------------------------------------------


def test_member_substitute_and_guest_check_in_with_their_capacity(lv: Live) -> None:
    lv.open()
    chair = lv.checkin("chair")
    substitute = lv.checkin("substitute", "remote")
    guest = lv.checkin("observer")
    assert chair.capacity == Attendance.Capacity.MEMBER
    assert substitute.capacity == Attendance.Capacity.SUBSTITUTE
    assert substitute.on_behalf_of == lv.user("member")
    assert substitute.mode == "remote"
    assert guest.capacity == Attendance.Capacity.GUEST
    quorum = quorum_part(lv.fresh())
    assert quorum == {
        "members_total": 3,
        "present_members": 1,
        "present_substitutes": 1,
        "guests": 1,
        "required": 2,
        "reached": False,
        "rule": "2/3",
    }


def test_checking_in_again_changes_the_mode_without_a_second_row(lv: Live) -> None:
    lv.checkin("chair")
    seq = lv.seq
    lv.checkin("chair")  # the same mode again: nothing changes
    assert lv.seq == seq
    lv.checkin("chair", "remote")
    assert Attendance.objects.filter(meeting=lv.meeting).count() == 1
    assert Attendance.objects.get(meeting=lv.meeting).mode == "remote"
    assert lv.seq == seq + 1


@pytest.mark.parametrize("name", ["office", "outsider", "admin"])
def test_who_does_not_attend_cannot_check_in(lv: Live, name: str) -> None:
    with pytest.raises(PermissionDenied):
        lv.checkin(name)


def test_check_in_opens_an_hour_before_the_start(lv: Live) -> None:
    from datetime import timedelta

    from django.utils import timezone

    Meeting.objects.filter(pk=lv.meeting.pk).update(
        starts_at=timezone.now() + timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=4)
    )
    with pytest.raises(DomainError):
        lv.checkin("chair")


def test_quorum_follows_the_bodys_rule(lv: Live) -> None:
    MeetingSettings.objects.create(body=lv.world.body, quorum_numerator=1, quorum_denominator=2)
    lv.checkin("chair")
    quorum = quorum_part(lv.fresh())
    assert (quorum["required"], quorum["reached"], quorum["rule"]) == (2, False, "1/2")
    lv.checkin("member2")
    assert quorum_part(lv.fresh())["reached"] is True


def test_poll_needs_the_quorum(lv: Live) -> None:
    lv.open()
    lv.checkin("chair")
    lv.checkin("substitute")  # substitutes do not make the meeting quorate
    lv.start(lv.items[0])
    with pytest.raises(DomainError) as excinfo:
        lv.poll(lv.items[0])
    assert _code(excinfo) == "no_quorum"
    assert "cần 2" in str(excinfo.value.message)
    assert not Poll.objects.exists()


# --- The chair's console --------------------------------------------------------------------


def test_only_the_chair_opens_the_session(lv: Live) -> None:
    for name in ("office", "member", "member2"):
        with pytest.raises(PermissionDenied):
            live.meeting_open_session(actor=lv.user(name), meeting=lv.fresh(), seq=0)
    meeting = lv.open()
    assert meeting.status == Meeting.Status.IN_SESSION
    assert meeting.started_at is not None


def test_two_consoles_with_the_same_seq_apply_once(lv: Live) -> None:
    lv.open()
    seen = lv.seq
    chair = lv.user("chair")
    live.item_start(actor=chair, meeting=lv.fresh(), item_id=lv.items[0].pk, seq=seen)
    with pytest.raises(DomainError) as excinfo:
        live.item_start(actor=chair, meeting=lv.fresh(), item_id=lv.items[1].pk, seq=seen)
    assert _code(excinfo) == "stale"
    assert lv.fresh().current_item_id == lv.items[0].pk


def test_a_members_check_in_does_not_make_the_console_stale(lv: Live) -> None:
    lv.open()
    seen = lv.seq
    lv.checkin("member2")
    live.item_start(actor=lv.user("chair"), meeting=lv.fresh(), item_id=lv.items[0].pk, seq=seen)
    with pytest.raises(DomainError):  # a seq from the future is forged
        live.item_end(
            actor=lv.user("chair"), meeting=lv.fresh(), item_id=lv.items[0].pk, seq=lv.seq + 5
        )


def test_seq_moves_by_one_per_event(lv: Live) -> None:
    start = lv.seq
    lv.open()  # meeting
    assert lv.seq == start + 1
    lv.checkin("chair")  # attendance, quorum
    assert lv.seq == start + 3
    lv.start(lv.items[0])  # meeting, items
    assert lv.seq == start + 5


def test_starting_an_item_ends_the_previous_one(lv: Live) -> None:
    lv.open()
    lv.start(lv.items[0])
    lv.start(lv.items[1])
    first, second = (AgendaItem.objects.get(pk=i.pk) for i in lv.items[:2])
    assert first.ended_at is not None
    assert second.ended_at is None
    assert second.status == AgendaItem.Status.IN_DISCUSSION
    assert lv.fresh().current_item_id == second.pk


# --- Floor lists ----------------------------------------------------------------------------


def test_speakers_list_runs_request_call_start_finish(lv: Live) -> None:
    lv.open()
    lv.checkin("member2")
    lv.checkin("substitute")
    chair = lv.user("chair")
    first = live.floor_request(actor=lv.user("member2"), meeting=lv.fresh(), kind="speak")
    second = live.floor_request(actor=lv.user("substitute"), meeting=lv.fresh(), kind="speak")
    assert second.on_behalf_of == lv.user("member")
    with pytest.raises(DomainError):  # one waiting request per list
        live.floor_request(actor=lv.user("member2"), meeting=lv.fresh(), kind="speak")
    question = live.floor_request(actor=lv.user("member2"), meeting=lv.fresh(), kind="question")
    live.floor_call(actor=chair, meeting=lv.fresh(), request_id=first.pk, seq=lv.seq)
    live.floor_start(actor=chair, meeting=lv.fresh(), request_id=first.pk, seq=lv.seq)
    with pytest.raises(DomainError):  # one speaker at a time on a list
        live.floor_start(actor=chair, meeting=lv.fresh(), request_id=second.pk, seq=lv.seq)
    # The questioning list runs on its own.
    live.floor_start(actor=chair, meeting=lv.fresh(), request_id=question.pk, seq=lv.seq)
    live.floor_finish(actor=chair, meeting=lv.fresh(), request_id=first.pk, seq=lv.seq)
    statuses = dict(FloorRequest.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "done", second.pk: "waiting", question.pk: "speaking"}


def test_floor_request_needs_check_in_and_the_speak_mandate(lv: Live) -> None:
    lv.open()
    with pytest.raises(DomainError):
        live.floor_request(actor=lv.user("member2"), meeting=lv.fresh(), kind="speak")
    lv.checkin("observer")
    with pytest.raises(PermissionDenied):
        live.floor_request(actor=lv.user("observer"), meeting=lv.fresh(), kind="speak")
    assert lv.world.delegation is not None
    Delegation.objects.filter(pk=lv.world.delegation.pk).update(can_speak=False)
    lv.checkin("substitute")
    with pytest.raises(PermissionDenied):
        live.floor_request(actor=lv.user("substitute"), meeting=lv.fresh(), kind="question")


def test_a_member_cancels_only_their_own_request(lv: Live) -> None:
    lv.open()
    lv.checkin("member2")
    request = live.floor_request(actor=lv.user("member2"), meeting=lv.fresh(), kind="speak")
    lv.checkin("chair")
    with pytest.raises(PermissionDenied):
        live.floor_cancel(actor=lv.user("chair"), meeting=lv.fresh(), request_id=request.pk)
    live.floor_cancel(actor=lv.user("member2"), meeting=lv.fresh(), request_id=request.pk)
    assert FloorRequest.objects.get(pk=request.pk).status == "cancelled"


# --- Votes ----------------------------------------------------------------------------------


def test_a_signed_vote_and_its_receipt(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    seq = lv.seq
    result = lv.vote("member2", poll, "disagree")
    statement = result.vote.statement
    assert statement.payload["poll"]["id"] == poll.pk
    assert statement.payload["vote"] == "disagree"
    assert statement.payload["seat"]["id"] == lv.world.memberships["member2"].pk
    assert statement.payload["meeting"]["id"] == lv.meeting.pk
    # The hash of the approved paper of the item is in what was signed.
    assert len(statement.payload["documents"]) == 1
    assert result.receipt["statement_id"] == str(statement.pk)
    assert result.receipt["payload_sha256"] == statement.payload_sha256
    assert lv.seq == seq  # a vote refreshes the tally; it does not move the seq
    assert AuditEvent.objects.filter(verb="meetings.vote_cast").count() == 1
    assert AuditEvent.objects.filter(verb="accounts.stepup_consumed").count() == 1


def test_voting_twice_is_a_conflict_and_the_same_key_the_same_receipt(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    key = uuid.uuid4()
    first = lv.vote("member2", poll, key=key)
    again = lv.vote("member2", poll, key=key)
    assert again.duplicate
    assert again.receipt == first.receipt
    with pytest.raises(DomainError) as excinfo:
        lv.vote("member2", poll, "disagree")
    assert _code(excinfo) == "already_voted"
    assert lv.votes(poll) == 1


def test_a_key_used_by_someone_else_is_refused(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    key = uuid.uuid4()
    lv.vote("member2", poll, key=key)
    with pytest.raises(DomainError) as excinfo:
        lv.vote("chair", poll, key=key)
    assert _code(excinfo) == "key_reused"


def test_vote_after_close_is_refused(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    lv.close(poll)
    with pytest.raises(DomainError) as excinfo:
        lv.vote("member2", poll)
    assert _code(excinfo) == "closed"


def _before_the_lock(monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]) -> None:
    """Run ``change`` after the vote's checks, before its transaction takes the poll lock
    (another process's write in that gap)."""
    reads = live._Locked.__init__

    def locking(self: Any, plans: Any) -> None:
        change()
        reads(self, plans)

    monkeypatch.setattr(live._Locked, "__init__", locking)


def test_a_poll_closed_after_the_checks_refuses_the_vote(
    lv: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = lv.voting_ready("chair", "member2")
    statements = SignedStatement.objects.count()
    _before_the_lock(monkeypatch, lambda: lv.close(poll))
    with pytest.raises(DomainError) as excinfo:
        lv.vote("member2", poll)
    assert _code(excinfo) == "closed"
    assert lv.votes(poll) == 0
    assert SignedStatement.objects.count() == statements  # no signature without its vote
    assert not AuditEvent.objects.filter(verb="meetings.vote_cast").exists()
    # The step-up was spent on content the member confirmed: it stays, with its events.
    assert AuditEvent.objects.filter(verb="accounts.stepup_consumed").count() == 1


def test_a_seat_that_voted_after_the_checks_is_a_conflict(
    lv: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = lv.voting_ready("chair", "member2")
    other = uuid.uuid4()
    raced: list[bool] = []

    def vote_elsewhere() -> None:
        # The member's other screen votes after this vote's checks, before its lock.
        if not raced:
            raced.append(True)
            lv.vote("member2", poll, "disagree", key=other)

    _before_the_lock(monkeypatch, vote_elsewhere)
    with pytest.raises(DomainError) as excinfo:
        lv.vote("member2", poll, "agree")
    assert _code(excinfo) == "already_voted"
    assert list(Vote.objects.filter(poll=poll).values_list("choice", flat=True)) == ["disagree"]
    assert SignedStatement.objects.filter(object_type="meetings.poll").count() == 1
    assert AuditEvent.objects.filter(verb="meetings.vote_cast").count() == 1


def test_a_member_removed_after_the_checks_cannot_vote(
    lv: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = lv.voting_ready("chair", "member2")
    member2 = lv.world.memberships["member2"].pk
    _before_the_lock(
        monkeypatch, lambda: Membership.objects.filter(pk=member2).update(is_active=False)
    )
    with pytest.raises(PermissionDenied):
        lv.vote("member2", poll)
    assert lv.votes(poll) == 0
    assert not SignedStatement.objects.filter(object_type="meetings.poll").exists()


def test_vote_without_a_signing_window_asks_for_step_up(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    with pytest.raises(DomainError) as excinfo:
        lv.vote("member2", poll, session="another-session")
    assert _code(excinfo) == "stepup_required"
    assert lv.votes(poll) == 0


def test_vote_for_another_member_is_forbidden(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    with pytest.raises(PermissionDenied):
        lv.vote("member2", poll, seat_id=lv.world.memberships["chair"].pk)
    assert lv.votes(poll) == 0


def test_substitute_votes_on_behalf_of_the_member(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2", "substitute")
    result = lv.vote("substitute", poll)
    assert result.vote.membership == lv.world.memberships["member"]
    assert result.vote.on_behalf_of == lv.user("member")
    assert result.vote.statement.payload["on_behalf_of"]["id"] == lv.user("member").pk
    # The member's seat has voted: the member cannot vote again for it.
    lv.checkin("member")
    lv.signer("member")
    with pytest.raises(DomainError):
        lv.vote("member", poll)


def test_substitute_without_the_vote_mandate_cannot_vote(lv: Live) -> None:
    no_vote_mandate(lv.world)
    poll = lv.voting_ready("chair", "member2", "substitute")
    with pytest.raises(PermissionDenied):
        lv.vote("substitute", poll)


def test_vote_needs_check_in(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    lv.signer("member")
    with pytest.raises(DomainError) as excinfo:
        lv.vote("member", poll)
    assert _code(excinfo) == "not_checked_in"


def test_member_removed_mid_meeting_cannot_vote(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    Membership.objects.filter(pk=lv.world.memberships["member2"].pk).update(is_active=False)
    with pytest.raises(PermissionDenied):
        lv.vote("member2", poll)
    # The electorate of the open poll stays frozen; the quorum counts the members left.
    assert Poll.objects.get(pk=poll.pk).electorate == 3
    assert quorum_part(lv.fresh())["members_total"] == 2


def test_observer_cannot_vote(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2", "observer")
    with pytest.raises(PermissionDenied):
        lv.vote("observer", poll)


# --- Results and the legal outcome ----------------------------------------------------------


@pytest.mark.parametrize(
    ("agree", "electorate", "chair_agrees", "expected"),
    [
        (2, 3, False, Majority.ADOPTED),
        (1, 3, True, Majority.NOT_ADOPTED),
        (2, 4, True, Majority.ADOPTED_TIE),
        (2, 4, False, Majority.NOT_ADOPTED),
        (0, 0, True, Majority.NOT_ADOPTED),
    ],
)
def test_majority_of_all_members_and_the_chairs_side_on_a_tie(
    agree: int, electorate: int, chair_agrees: bool, expected: Majority
) -> None:
    assert (
        majority_outcome(agree=agree, electorate=electorate, chair_agrees=chair_agrees, final=True)
        == expected
    )


def test_poll_close_counts_against_all_members(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    lv.vote("chair", poll, "agree")
    lv.vote("member2", poll, "other")
    closed = lv.close(poll)
    assert closed.results is not None
    assert closed.outcome == "rejected"  # 1 of 3 agreed: not more than half of ALL
    assert closed.results["not_voted"] == 1
    assert closed.results["required"] == 2
    names = [(row["name"], row["choice"]) for row in closed.results["named"]]
    assert names == [("Người thử chair", "agree"), ("Người thử member2", "other")]
    assert AgendaItem.objects.get(pk=lv.items[0].pk).status == AgendaItem.Status.VOTED
    event = AuditEvent.objects.get(verb="meetings.poll_close")
    assert event.after["outcome"] == "rejected"


@pytest.mark.parametrize(
    ("chair", "member", "outcome"),
    [
        ("agree", "disagree", "adopted_tie"),
        ("disagree", "agree", "rejected"),
    ],
)
def test_a_tie_goes_the_chairs_way(lv: Live, chair: str, member: str, outcome: str) -> None:
    # Member2 leaves the body before the poll: two members, one each way.
    Membership.objects.filter(pk=lv.world.memberships["member2"].pk).update(is_active=False)
    poll = lv.voting_ready("chair", "member")
    assert poll.electorate == 2
    lv.vote("chair", poll, chair)
    lv.vote("member", poll, member)
    assert lv.close(poll).outcome == outcome


def test_poll_on_an_item_already_decided_is_refused(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    lv.close(poll)
    with pytest.raises(DomainError) as excinfo:
        lv.poll(lv.items[0])
    assert _code(excinfo) == "decided"


def test_one_poll_at_a_time(lv: Live) -> None:
    lv.voting_ready("chair", "member2")
    with pytest.raises(DomainError):
        lv.poll(lv.items[2])


def test_consent_block_poll_takes_the_whole_block(lv: Live) -> None:
    lv.open()
    lv.checkin("chair")
    lv.checkin("member2")
    with pytest.raises(DomainError):  # part of the block with an item under discussion
        lv.poll(lv.items[0], lv.items[2])
    with pytest.raises(DomainError):
        live.poll_open(actor=lv.user("chair"), meeting=lv.fresh(), item_ids=[99999], seq=lv.seq)
    poll = lv.poll(lv.items[2], lv.items[3])
    statuses = set(AgendaItem.objects.filter(polls=poll).values_list("status", flat=True))
    assert statuses == {AgendaItem.Status.VOTING}
    lv.signer("chair")
    lv.signer("member2")
    lv.vote("chair", poll)
    lv.vote("member2", poll)
    assert lv.close(poll).outcome == "adopted"
    statuses = set(AgendaItem.objects.filter(polls=poll).values_list("status", flat=True))
    assert statuses == {AgendaItem.Status.VOTED}


def test_closing_needs_the_chair_and_an_open_poll(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    with pytest.raises(PermissionDenied):
        live.poll_close(actor=lv.user("office"), meeting=lv.fresh(), poll_id=poll.pk, seq=lv.seq)
    lv.close(poll)
    with pytest.raises(DomainError):
        lv.close(poll)


# --- Minutes, conclusions, closing ----------------------------------------------------------


def test_secretary_records_notes_and_a_conclusion_that_matches_the_vote(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    lv.vote("chair", poll)
    lv.vote("member2", poll)
    lv.close(poll)  # adopted
    office = lv.user("office")
    note = live.minute_note_add(
        actor=office, meeting=lv.fresh(), item_id=lv.items[0].pk, text="  Bộ trưởng phát biểu "
    )
    assert note.text == "Bộ trưởng phát biểu"
    with pytest.raises(DomainError):
        live.item_conclude(
            actor=office,
            meeting=lv.fresh(),
            item_id=lv.items[0].pk,
            outcome="rejected",
            text="Không thông qua",
        )
    conclusion = live.item_conclude(
        actor=office,
        meeting=lv.fresh(),
        item_id=lv.items[0].pk,
        outcome="adopted",
        text="Thông qua dự án Luật.",
    )
    item = AgendaItem.objects.get(pk=lv.items[0].pk)
    assert (item.status, item.outcome) == (AgendaItem.Status.CONCLUDED, "adopted")
    # Amending needs the version seen.
    with pytest.raises(DomainError):
        live.item_conclude(
            actor=office, meeting=lv.fresh(), item_id=item.pk, outcome="adopted", text="Sửa"
        )
    live.item_conclude(
        actor=office,
        meeting=lv.fresh(),
        item_id=item.pk,
        outcome="adopted",
        text="Thông qua, có chỉnh sửa.",
        version=conclusion.version,
    )
    assert Conclusion.objects.get(item=item).version == 2
    assert AuditEvent.objects.filter(verb="meetings.item_conclude").count() == 2
    assert AuditEvent.objects.filter(verb="meetings.minute_note_add").count() == 1


@pytest.mark.parametrize("name", ["chair", "member2", "observer"])
def test_only_the_secretary_and_office_record_minutes(lv: Live, name: str) -> None:
    lv.open()
    with pytest.raises(PermissionDenied):
        live.minute_note_add(
            actor=lv.user(name), meeting=lv.fresh(), item_id=lv.items[0].pk, text="x"
        )


def test_deferral_needs_no_vote(lv: Live) -> None:
    lv.open()
    conclusion = live.item_conclude(
        actor=lv.user("office"),
        meeting=lv.fresh(),
        item_id=lv.items[1].pk,
        outcome="deferred",
        text="",
    )
    assert conclusion.outcome == "deferred"


def test_closing_the_meeting_refuses_an_open_poll_then_closes_everything(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    with pytest.raises(DomainError):
        live.meeting_close_session(actor=lv.user("chair"), meeting=lv.fresh(), seq=lv.seq)
    lv.close(poll)
    meeting = live.meeting_close_session(actor=lv.user("chair"), meeting=lv.fresh(), seq=lv.seq)
    assert meeting.status == Meeting.Status.CLOSED
    assert not Attendance.objects.filter(meeting=meeting, left_at__isnull=True).exists()
    assert not SigningWindow.objects.filter(
        scope_id=str(meeting.pk), closed_at__isnull=True
    ).exists()
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "meetings.session_open",
        "meetings.attendance_check_in",
        "meetings.item_start",
        "meetings.poll_open",
        "meetings.poll_close",
        "meetings.session_close",
        "accounts.signing_window_closed",
    } <= verbs


def test_adjourn_and_resume(lv: Live) -> None:
    lv.open()
    chair = lv.user("chair")
    live.meeting_adjourn_session(actor=chair, meeting=lv.fresh(), seq=lv.seq)
    lv.checkin("member2")
    with pytest.raises(DomainError):  # nothing runs while adjourned
        live.floor_request(actor=lv.user("member2"), meeting=lv.fresh(), kind="speak")
    assert live.meeting_resume_session(actor=chair, meeting=lv.fresh(), seq=lv.seq).status == (
        Meeting.Status.IN_SESSION
    )


# --- Snapshot -------------------------------------------------------------------------------


def test_snapshot_follows_the_contract(lv: Live) -> None:
    poll = lv.voting_ready("chair", "member2")
    lv.vote("member2", poll)
    state = snapshot_for(lv.user("member2"), lv.fresh(), session_key=SESSION)
    assert set(state) == {"seq", "meeting", "quorum", "attendance", "items", "floor", "poll", "me"}
    # A member's screen gets the public form: counts, not who is present or who voted.
    assert state["attendance"] is None
    assert "voted_user_ids" not in state["poll"]
    assert state["poll"]["voted"] == 1
    assert state["poll"]["results"] is None
    # The chair's console and the Office (who keep the minutes) follow the room.
    for who in ("chair", "office"):
        full = snapshot_for(lv.user(who), lv.fresh())
        assert full["poll"]["voted_user_ids"] == [lv.user("member2").pk]
        assert lv.user("member2").pk in {row["user_id"] for row in full["attendance"]["present"]}
    me = state["me"]
    assert me["roles"] == ["member"]
    assert me["checked_in"]
    assert me["can_vote"]
    assert me["signing_window"] is True
    assert me["my_vote"]["choice"] == "agree"
    absent = snapshot_for(lv.user("office"), lv.fresh())
    assert "notes" in absent
    assert absent["me"]["my_vote"] is None
    # An agency sees only the items its unit presents.
    agency = snapshot_for(lv.user("agency"), lv.fresh())
    assert {i["presenting_unit_id"] for i in agency["items"]} == {
        lv.world.memberships["agency"].unit_id
    }
    import json

    json.dumps(state)


def _changes(lv: Live) -> list[tuple[str, Callable[[], object]]]:
    member, substitute = lv.world.memberships["member"], lv.world.memberships["substitute"]
    delegation = lv.world.delegation
    assert delegation is not None
    return [
        ("nothing", lambda: None),
        (
            "principal removed",
            lambda: Membership.objects.filter(pk=member.pk).update(is_active=False),
        ),
        (
            "principal's role",
            lambda: Membership.objects.filter(pk=member.pk).update(role="observer"),
        ),
        (
            "substitute removed",
            lambda: Membership.objects.filter(pk=substitute.pk).update(is_active=False),
        ),
        (
            "delegation revoked",
            lambda: Delegation.objects.filter(pk=delegation.pk).update(revoked_at=timezone.now()),
        ),
        (
            "vote mandate withdrawn",
            lambda: Delegation.objects.filter(pk=delegation.pk).update(can_vote=False),
        ),
        (
            "principal's account",
            lambda: User.objects.filter(pk=member.user_id).update(is_active=False),
        ),
    ]


@pytest.mark.parametrize("name", ["member", "substitute"])
@pytest.mark.parametrize("change", range(7))
def test_the_check_under_the_lock_agrees_with_the_seats(lv: Live, name: str, change: int) -> None:
    """``still_voting`` (one query, under the vote's lock) answers as ``voting_seats``."""
    from ecabinet.meetings.live import permissions as live_perms

    lv.open()
    user = lv.user(name)
    (seat,) = live_perms.voting_seats(user, lv.fresh())
    _label, apply = _changes(lv)[change]
    apply()
    user = User.objects.get(pk=user.pk)
    held = [s.invitation.pk for s in live_perms.voting_seats(user, lv.fresh())]
    assert (seat.invitation.pk in live_perms.still_voting([(user, seat)])) == (
        seat.invitation.pk in held
    )


# --- Votes written in a group (live/votes.py) -------------------------------------------------


def test_a_group_of_votes_is_answered_vote_by_vote(lv: Live) -> None:
    from ecabinet.meetings.live.actions import handle_votes

    poll = lv.voting_ready("chair", "member2", "substitute", "observer")
    key = str(uuid.uuid4())

    def vote(name: str, ref: int, vote_key: str, **extra: Any) -> tuple[Any, str, Any]:
        message = {"action": "vote", "ref": ref, "poll": poll.pk, "choice": "agree"}
        return (lv.user(name), SESSION, {**message, "key": vote_key, **extra})

    answers = handle_votes(
        lv.meeting.pk,
        [
            vote("member2", 1, key),
            vote("chair", 2, str(uuid.uuid4()), choice="disagree"),
            vote("member2", 3, key),  # the same send twice: one vote, the same receipt
            vote("member2", 4, str(uuid.uuid4())),  # another key for a seat that voted
            vote("observer", 5, str(uuid.uuid4())),  # no seat
            vote("substitute", 6, str(uuid.uuid4()), choice="maybe"),  # malformed choice
            (lv.user("chair"), SESSION, {"action": "vote", "ref": 7}),  # fields missing
        ],
    )
    kinds = [(a[0]["type"], a[0].get("code")) for a in answers]  # type: ignore[index]
    assert kinds == [
        ("ack", None),
        ("ack", None),
        ("ack", None),
        ("error", "conflict"),
        ("error", "forbidden"),
        ("error", "bad_request"),
        ("error", "bad_request"),
    ]
    assert answers[0][0]["data"] == answers[2][0]["data"]  # type: ignore[index]
    assert lv.votes(poll) == 2
    assert SignedStatement.objects.filter(object_type="meetings.poll").count() == 2
    assert AuditEvent.objects.filter(verb="meetings.vote_cast").count() == 2
    assert verify_chain().ok


def test_a_fault_in_one_vote_of_a_group_leaves_the_others_written(
    lv: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = lv.voting_ready("chair", "member2")
    write = live.vote_write

    def faulty(plan: live.VotePlan, locked: Any) -> Any:
        if plan.actor == lv.user("chair"):
            write(plan, locked)  # written, then the fault: the savepoint drops it
            raise RuntimeError("fault")
        return write(plan, locked)

    monkeypatch.setattr(live, "vote_write", faulty)
    chair, member2 = lv.user("chair"), lv.user("member2")
    plans = [
        live.vote_prepare(
            actor=user,
            meeting=lv.fresh(),
            poll_id=poll.pk,
            choice="agree",
            key=uuid.uuid4(),
            session_key=SESSION,
        )
        for user in (chair, member2)
    ]
    first, second = live.votes_cast(plans)  # type: ignore[arg-type]
    assert isinstance(first.error, RuntimeError)
    assert second.error is None
    assert list(Vote.objects.filter(poll=poll).values_list("voter", flat=True)) == [member2.pk]
    assert AuditEvent.objects.filter(verb="meetings.vote_cast").count() == 1
    assert verify_chain().ok
