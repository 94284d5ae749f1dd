"""Pre-meeting positions, the split into consent and discussion blocks, the Office's moves and
the cut-off scan (services and selectors; the pages are at the end)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Delegation, Mandate
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.testing.auth import login_as
from ecabinet.meetings import positions, services
from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import AgendaItem, Invitation, Meeting, Position
from ecabinet.meetings.positions import Answer
from ecabinet.meetings.tests.conftest import Prep

pytestmark = pytest.mark.usefixtures("fast_pdf")

NO = Position.Stance.NO_OBJECTION
COMMENT = Position.Stance.COMMENT
OBJECT = Position.Stance.OBJECT


def _verbs(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("seq"))


def _invited(prep: Prep, *titles: str) -> Meeting:
    """An invited meeting (chair, member, member2) with the first item plus ``titles``."""
    meeting = prep.ready()
    for title in titles:
        prep.add_item(meeting, title)
    return prep.invite(meeting)


def _items(meeting: Meeting) -> list[AgendaItem]:
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("number"))
    for item in items:
        item.meeting = meeting
    return items


def _seat(prep: Prep, meeting: Meeting, name: str) -> Invitation:
    row = Invitation.objects.select_related(
        "membership", "delegation__substitute", "meeting__body"
    ).get(meeting=meeting, user=prep.user(name))
    return row


def give(
    prep: Prep,
    meeting: Meeting,
    who: str,
    item: AgendaItem,
    stance: str,
    text: str = "",
    *,
    seat: str | None = None,
) -> Position:
    invitation = _seat(prep, meeting, seat or who)
    current = Position.objects.filter(item=item, membership=invitation.membership).first()
    return positions.position_give(
        actor=prep.user(who),
        invitation=invitation,
        item=item,
        stance=stance,
        text=text,
        version=positions.position_token(current),
    )


def _past_cutoff(meeting: Meeting, minutes: int = 1) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(
        positions_cutoff_at=timezone.now() - timedelta(minutes=minutes)
    )
    meeting.refresh_from_db()
    return meeting


# --- Giving positions ----------------------------------------------------------------------


def test_member_gives_a_position_on_an_item_added_after_the_invitations(prep: Prep) -> None:
    meeting = _invited(prep)
    (first,) = _items(meeting)
    assert first.status == t.ITEM_POSITIONS_OPEN  # opened with the invitations
    item = prep.add_item(meeting, "Nội dung bổ sung")
    assert item.status == t.ITEM_PLANNED
    position = give(prep, meeting, "member", item, NO)
    item.refresh_from_db()
    assert item.status == t.ITEM_POSITIONS_OPEN
    assert position.author == prep.user("member")
    assert position.membership == prep.world.memberships["member"]
    (event,) = _verbs("meetings.position_give")
    assert event.before is None
    assert event.after["stance"] == NO
    assert event.after["on_behalf_of"] is None
    assert len(_verbs("meetings.positions_open")) == 2  # at sending, then the added item


def test_the_invitations_open_the_items_once(prep: Prep) -> None:
    meeting = _invited(prep, "Nội dung hai")
    assert positions.positions_open(meeting=meeting, actor=prep.user("office")) == 0
    assert positions.positions_open(meeting=meeting) == 0
    assert {i.status for i in _items(meeting)} == {t.ITEM_POSITIONS_OPEN}
    assert len(_verbs("meetings.positions_open")) == 1


def test_positions_open_needs_the_office_and_sent_invitations(prep: Prep) -> None:
    draft = prep.ready()
    with pytest.raises(PermissionDenied):
        positions.positions_open(meeting=draft, actor=prep.user("member"))
    assert positions.positions_open(meeting=draft, actor=prep.user("office")) == 0
    assert _items(draft)[0].status == t.ITEM_PLANNED


def test_member_edits_the_position_until_the_cutoff(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    give(prep, meeting, "member", item, NO)
    give(prep, meeting, "member", item, OBJECT, "  Cần làm rõ   nguồn kinh phí. ")
    position = Position.objects.get(item=item)
    assert (position.stance, position.text) == (OBJECT, "Cần làm rõ nguồn kinh phí.")
    events = _verbs("meetings.position_give")
    assert len(events) == 2
    assert events[1].before["stance"] == NO
    assert events[1].after["stance"] == OBJECT
    _past_cutoff(meeting)
    with pytest.raises(DomainError) as exc:
        give(prep, meeting, "member", item, NO)
    assert exc.value.code == "after_cutoff"
    assert "hết hạn" in str(exc.value.message)
    assert Position.objects.get(item=item).stance == OBJECT


def test_the_same_answer_again_writes_nothing(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    give(prep, meeting, "member", item, COMMENT, "Sửa câu chữ Điều 3.")
    give(prep, meeting, "member", item, COMMENT, "Sửa câu chữ Điều 3.")
    assert len(_verbs("meetings.position_give")) == 1


@pytest.mark.parametrize("stance", [COMMENT, OBJECT])
def test_comment_and_objection_need_text(prep: Prep, stance: str) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    with pytest.raises(DomainError) as exc:
        give(prep, meeting, "member", item, stance, "   ")
    assert exc.value.code == "no_text"
    assert "Nội dung 1" in str(exc.value.message)
    assert not Position.objects.exists()
    assert not _verbs("meetings.position_give")


def test_bad_stance_and_long_text_are_refused(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    with pytest.raises(DomainError) as exc:
        give(prep, meeting, "member", item, "maybe")
    assert exc.value.code == "bad_stance"
    with pytest.raises(DomainError) as exc:
        give(prep, meeting, "member", item, COMMENT, "x" * 4001)
    assert exc.value.code == "too_long"
    assert not Position.objects.exists()


def test_item_of_another_meeting_is_refused(prep: Prep) -> None:
    meeting = _invited(prep)
    other = _invited(prep)
    (foreign,) = _items(other)
    with pytest.raises(DomainError) as exc:
        positions.positions_give(
            actor=prep.user("member"),
            invitation=_seat(prep, meeting, "member"),
            answers=[Answer(item_id=foreign.pk, stance=NO)],
        )
    assert exc.value.code == "foreign_item"
    assert not Position.objects.exists()


def test_a_stale_form_is_refused_and_nothing_is_half_written(prep: Prep) -> None:
    meeting = _invited(prep, "Nội dung hai")
    first, second = _items(meeting)
    give(prep, meeting, "member", second, NO)
    seat = _seat(prep, meeting, "member")
    # The form was loaded before the position on the second item existed.
    with pytest.raises(DomainError) as exc:
        positions.positions_give(
            actor=prep.user("member"),
            invitation=seat,
            answers=[
                Answer(item_id=first.pk, stance=COMMENT, text="Bổ sung số liệu."),
                Answer(item_id=second.pk, stance=OBJECT, text="Chưa đồng ý.", version=""),
            ],
        )
    assert exc.value.code == "stale"
    assert not Position.objects.filter(item=first).exists()
    assert Position.objects.get(item=second).stance == NO
    assert len(_verbs("meetings.position_give")) == 1


def test_someone_not_invited_cannot_give_positions(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    seat = _seat(prep, meeting, "member")
    for name in ("office", "observer", "substitute", "member2", "agency"):
        assert not positions.can_give_position(prep.user(name), seat)
        with pytest.raises(PermissionDenied):
            positions.position_give(
                actor=prep.user(name), invitation=seat, item=item, stance=NO, version=""
            )
        assert positions.seats_for(prep.user(name), meeting) == (
            [_seat(prep, meeting, "member2")] if name == "member2" else []
        )
    assert not Position.objects.exists()


def test_a_member_who_left_the_body_cannot_give_positions(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    membership = prep.world.memberships["member"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        give(prep, meeting, "member", item, NO)


def _substituted(prep: Prep, meeting: Meeting, mandates: list[str]) -> Invitation:
    seat = _seat(prep, meeting, "member")
    return services.invitation_respond(
        actor=prep.user("member"),
        invitation=seat,
        response=Invitation.Response.SUBSTITUTED,
        substitute=prep.world.memberships["substitute"],
        mandates=mandates,
        version=seat.version,
    )


def test_substitute_with_the_speak_mandate_gives_the_members_position(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    _substituted(prep, meeting, [Mandate.SPEAK])
    substitute = prep.user("substitute")
    assert [s.user for s in positions.seats_for(substitute, meeting)] == [prep.user("member")]
    position = give(prep, meeting, "substitute", item, COMMENT, "Ý kiến thay.", seat="member")
    assert position.membership == prep.world.memberships["member"]
    assert position.author == substitute
    event = _verbs("meetings.position_give")[-1]
    assert event.after["on_behalf_of"] == prep.user("member").pk
    assert event.actor_id == substitute.pk
    # The member still holds the seat and may change it; the substitute's form is then stale.
    give(prep, meeting, "member", item, NO)
    with pytest.raises(DomainError) as exc:
        positions.position_give(
            actor=substitute,
            invitation=_seat(prep, meeting, "member"),
            item=item,
            stance=OBJECT,
            text="Muộn",
            version=positions.position_token(position),
        )
    assert exc.value.code == "stale"


def test_substitute_without_speaking_mandate_or_after_revocation_cannot(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    _substituted(prep, meeting, [])
    with pytest.raises(PermissionDenied):
        give(prep, meeting, "substitute", item, NO, seat="member")
    seat = _substituted(prep, meeting, [Mandate.SPEAK, Mandate.VOTE])
    assert seat.delegation is not None
    Delegation.objects.filter(pk=seat.delegation.pk).update(revoked_at=timezone.now())
    with pytest.raises(PermissionDenied):
        give(prep, meeting, "substitute", item, NO, seat="member")
    assert not Position.objects.exists()


def test_no_positions_on_a_cancelled_meeting(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    services.meeting_cancel(actor=prep.user("office"), meeting=meeting, reason="Đổi lịch")
    with pytest.raises(InvalidTransition):
        give(prep, meeting, "member", item, NO)


# --- The split -----------------------------------------------------------------------------


def _contested(prep: Prep) -> tuple[Meeting, list[AgendaItem]]:
    """Four items: 1 nobody minds, 2 one comment, 3 one objection, 4 two comments."""
    meeting = _invited(prep, "Nội dung hai", "Nội dung ba", "Nội dung bốn")
    items = _items(meeting)
    for name in ("chair", "member", "member2"):
        give(prep, meeting, name, items[0], NO)
    give(prep, meeting, "member", items[1], COMMENT, "Sửa lỗi chính tả.")
    give(prep, meeting, "chair", items[2], OBJECT, "Chưa đủ căn cứ pháp lý.")
    give(prep, meeting, "member", items[3], COMMENT, "Bổ sung số liệu.")
    give(prep, meeting, "member2", items[3], COMMENT, "Làm rõ thẩm quyền.")
    return meeting, items


def test_split_puts_uncontested_items_in_consent_and_orders_the_rest(prep: Prep) -> None:
    meeting, items = _contested(prep)
    split = positions.split_of(meeting)
    assert not split.placed
    assert [x.item.pk for x in split.consent] == [items[0].pk]
    assert [x.item.pk for x in split.discussion] == [items[2].pk, items[3].pk, items[1].pk]
    assert [x.score for x in split.discussion] == [3, 2, 1]
    first = split.consent[0]
    assert (first.no_objection, first.silent, first.seats) == (3, 0, 3)
    assert split.discussion[1].silent == 1


def test_silence_does_not_object(prep: Prep) -> None:
    meeting = _invited(prep)
    give(prep, meeting, "member", _items(meeting)[0], NO)
    (tally,) = positions.split_of(meeting).consent
    assert (tally.answered, tally.silent) == (1, 2)


def test_a_tie_keeps_agenda_order_objections_first(prep: Prep) -> None:
    meeting = _invited(prep, "Hai", "Ba")
    items = _items(meeting)
    for name in ("chair", "member", "member2"):
        give(prep, meeting, name, items[1], COMMENT, "Ý kiến")
    give(prep, meeting, "member", items[2], OBJECT, "Phản đối")
    give(prep, meeting, "member", items[0], OBJECT, "Phản đối")
    order = [x.item.number for x in positions.split_of(meeting).discussion]
    assert order == [1, 3, 2]


def test_split_takes_a_fixed_number_of_queries(prep: Prep, django_assert_num_queries: Any) -> None:
    meeting, _ = _contested(prep)
    with django_assert_num_queries(3):
        split = positions.split_of(meeting)
        _ = [p.author.full_name for x in split.tallies for p in x.positions]


# --- The cut-off ---------------------------------------------------------------------------


def test_blocks_compute_waits_for_the_cutoff_then_places_once(prep: Prep) -> None:
    meeting, items = _contested(prep)
    assert positions.blocks_compute(meeting) == 0
    assert {i.block for i in _items(meeting)} == {""}
    _past_cutoff(meeting)
    assert positions.blocks_compute(meeting) == 4
    placed = {i.number: (i.status, i.block) for i in _items(meeting)}
    assert placed[1] == (t.ITEM_CONSENT, "consent")
    assert placed[2] == placed[3] == placed[4] == (t.ITEM_DISCUSSION, "discussion")
    (event,) = _verbs("meetings.blocks_compute")
    assert event.actor_id is None
    assert event.after["consent"] == [items[0].pk]
    assert [d["item"] for d in event.after["discussion"]] == [
        items[2].pk,
        items[3].pk,
        items[1].pk,
    ]
    # A second run changes nothing and records nothing.
    assert positions.blocks_compute(meeting) == 0
    assert len(_verbs("meetings.blocks_compute")) == 1
    split = positions.split_of(meeting)
    assert split.placed
    assert [x.item.number for x in split.discussion] == [3, 4, 2]


def test_positions_are_refused_once_the_item_is_placed(prep: Prep) -> None:
    meeting, items = _contested(prep)
    _past_cutoff(meeting)
    positions.blocks_compute(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        positions_cutoff_at=timezone.now() + timedelta(hours=1)
    )
    meeting.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        give(prep, meeting, "member2", items[0], NO)
    assert exc.value.code == "item_closed"


def test_an_item_added_after_the_cutoff_goes_to_discussion(prep: Prep) -> None:
    meeting, _ = _contested(prep)
    _past_cutoff(meeting)
    positions.blocks_compute(meeting)
    late = prep.add_item(meeting, "Nội dung bổ sung muộn")
    assert positions.positions_due() == 1
    late.refresh_from_db()
    assert (late.status, late.block) == (t.ITEM_DISCUSSION, "discussion")
    assert positions.positions_due() == 0


def test_the_scan_opens_items_before_the_cutoff(prep: Prep) -> None:
    meeting = _invited(prep, "Hai")
    prep.add_item(meeting, "Ba")  # added after the invitations: still planned
    draft = prep.ready()
    assert positions.positions_due() == 1
    assert {i.status for i in _items(meeting)} == {t.ITEM_POSITIONS_OPEN}
    assert {i.status for i in _items(draft)} == {t.ITEM_PLANNED}
    assert positions.positions_due() == 0


def test_the_worker_down_for_a_day_then_run_once(prep: Prep) -> None:
    meeting, _ = _contested(prep)
    with time_machine.travel(meeting.positions_cutoff_at + timedelta(days=1), tick=False):
        out = StringIO()
        call_command("meetings_positions_due", stdout=out)
        assert out.getvalue().strip() == "4"
        out = StringIO()
        call_command("meetings_positions_due", stdout=out)
        assert out.getvalue().strip() == "0"
    assert {i.block for i in _items(meeting)} == {"consent", "discussion"}
    assert len(_verbs("meetings.blocks_compute")) == 1


def test_the_scan_leaves_cancelled_and_draft_meetings_alone(prep: Prep) -> None:
    meeting = _invited(prep)
    services.meeting_cancel(actor=prep.user("office"), meeting=meeting, reason="Hoãn")
    _past_cutoff(meeting)
    assert positions.positions_due() == 0
    assert _items(meeting)[0].block == ""


# --- The Office's moves --------------------------------------------------------------------


def _placed(prep: Prep) -> tuple[Meeting, list[AgendaItem]]:
    meeting, _ = _contested(prep)
    _past_cutoff(meeting)
    positions.blocks_compute(meeting)
    return meeting, _items(meeting)


def _move(prep: Prep, item: AgendaItem, block: str, who: str = "office", **kw: Any) -> AgendaItem:
    item.refresh_from_db()
    item.meeting.refresh_from_db()
    return positions.block_move(
        actor=prep.user(who), item=item, block=block, version=kw.pop("version", item.version), **kw
    )


def test_office_moves_items_between_blocks_with_a_reason(prep: Prep) -> None:
    meeting, items = _placed(prep)
    moved = _move(prep, items[0], "discussion", reason="Chủ trì muốn nghe báo cáo.")
    assert (moved.status, moved.block) == (t.ITEM_DISCUSSION, "discussion")
    event = _verbs("meetings.block_move")[-1]
    assert event.before["block"] == "consent"
    assert event.after == {
        "block": "discussion",
        "status": t.ITEM_DISCUSSION,
        "reason": "Chủ trì muốn nghe báo cáo.",
    }
    # A commented item may go to consent.
    back = _move(prep, items[1], "consent")
    assert (back.status, back.block) == (t.ITEM_CONSENT, "consent")
    split = positions.split_of(meeting)
    assert [x.item.number for x in split.consent] == [2]
    assert [x.item.number for x in split.discussion] == [3, 4, 1]
    assert {x.item.number for x in split.tallies if x.moved} == {1, 2}


def test_an_item_someone_asked_to_discuss_stays_in_discussion(prep: Prep) -> None:
    _meeting, items = _placed(prep)
    with pytest.raises(DomainError) as exc:
        _move(prep, items[2], "consent")
    assert exc.value.code == "objected"
    items[2].refresh_from_db()
    assert items[2].block == "discussion"
    assert not _verbs("meetings.block_move")


def test_moves_are_refused_when_they_should_be(prep: Prep) -> None:
    meeting, items = _placed(prep)
    with pytest.raises(PermissionDenied):
        _move(prep, items[0], "discussion", who="chair")
    with pytest.raises(DomainError) as exc:
        _move(prep, items[0], "elsewhere")
    assert exc.value.code == "bad_block"
    with pytest.raises(DomainError) as exc:
        _move(prep, items[0], "discussion", version=items[0].version - 1)
    assert exc.value.code == "stale"
    with pytest.raises(DomainError) as exc:
        _move(prep, items[0], "discussion", reason="x" * 1001)
    assert exc.value.code == "too_long"
    Meeting.objects.filter(pk=meeting.pk).update(status=t.IN_SESSION)
    with pytest.raises(InvalidTransition):
        _move(prep, items[0], "discussion")
    assert not _verbs("meetings.block_move")


def test_no_moves_before_the_cutoff(prep: Prep) -> None:
    meeting, items = _contested(prep)
    with pytest.raises(DomainError) as exc:
        _move(prep, items[0], "discussion")
    assert exc.value.code == "before_cutoff"
    with pytest.raises(DomainError):
        positions.blocks_recompute(actor=prep.user("office"), meeting=meeting)


def test_recompute_undoes_the_moves(prep: Prep) -> None:
    meeting, items = _placed(prep)
    _move(prep, items[0], "discussion")
    with pytest.raises(PermissionDenied):
        positions.blocks_recompute(actor=prep.user("member"), meeting=meeting)
    meeting.refresh_from_db()
    assert positions.blocks_recompute(actor=prep.user("office"), meeting=meeting) == 1
    assert _items(meeting)[0].block == "consent"
    event = _verbs("meetings.blocks_compute")[-1]
    assert event.after["recompute"] is True
    assert event.actor_id == prep.user("office").pk


# --- Pages ---------------------------------------------------------------------------------


def _client(prep: Prep, who: str) -> Client:
    client = Client()
    login_as(client, prep.user(who))
    return client


def _form(client: Client, meeting: Meeting) -> dict[str, str]:
    """The positions form as the page rendered it (hidden fields included)."""
    response = client.get(reverse("meetings:positions", kwargs={"pk": meeting.pk}))
    assert response.status_code == 200
    form = response.context["form"]
    data = {"seat": str(form.initial["seat"])}
    for key, value in form.initial.items():
        if key.startswith("version-"):
            data[key] = value
    return data


def test_page_saves_positions_and_shows_them(prep: Prep) -> None:
    meeting = _invited(prep, "Nội dung hai")
    first, second = _items(meeting)
    client = _client(prep, "member")
    data = _form(client, meeting)
    data |= {f"stance-{first.pk}": NO, f"stance-{second.pk}": COMMENT}
    data[f"text-{second.pk}"] = "Bổ sung đánh giá tác động."
    url = reverse("meetings:positions", kwargs={"pk": meeting.pk})
    response = client.post(url, data)
    assert response.status_code == 302
    assert Position.objects.count() == 2
    page = client.get(url)
    assert "Bổ sung đánh giá tác động." in page.content.decode()
    assert page.context["answered"] == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d, a, b: d | {f"stance-{b}": OBJECT}, "Hãy nêu vấn đề đề nghị thảo luận."),
        (lambda d, a, b: d | {f"stance-{a}": "maybe"}, "lựa chọn hợp lệ"),
        (lambda d, a, b: d | {"stance-999999": NO}, "không thuộc cuộc họp này"),
        (lambda d, a, b: d | {f"stance-{a}": NO, f"version-{a}": "1:stale"}, "vừa được thay"),
    ],
    ids=["object-without-text", "bad-stance", "foreign-item", "stale"],
)
def test_page_answers_400_on_bad_input(prep: Prep, mutate: Any, message: str) -> None:
    meeting = _invited(prep, "Nội dung hai")
    first, second = _items(meeting)
    client = _client(prep, "member")
    data = mutate(_form(client, meeting), first.pk, second.pk)
    response = client.post(reverse("meetings:positions", kwargs={"pk": meeting.pk}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Position.objects.exists()


def test_page_after_the_cutoff_is_read_only_and_refuses_posts(prep: Prep) -> None:
    meeting = _invited(prep)
    (item,) = _items(meeting)
    client = _client(prep, "member")
    data = _form(client, meeting) | {f"stance-{item.pk}": NO}
    _past_cutoff(meeting)
    url = reverse("meetings:positions", kwargs={"pk": meeting.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["open"]
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Đã hết hạn cho ý kiến" in response.content.decode()
    assert not Position.objects.exists()


def test_page_for_a_seat_that_is_not_yours_is_403(prep: Prep) -> None:
    meeting = _invited(prep)
    client = _client(prep, "member")
    other = _seat(prep, meeting, "member2")
    url = reverse("meetings:positions", kwargs={"pk": meeting.pk})
    assert client.get(url, {"ghe": other.pk}).status_code == 403
    assert client.post(url, {"seat": other.pk}).status_code == 403


def test_blocks_page_shows_counts_to_the_office_and_only_blocks_to_members(prep: Prep) -> None:
    meeting, items = _placed(prep)
    url = reverse("meetings:blocks", kwargs={"pk": meeting.pk})
    office = _client(prep, "office").get(url)
    assert office.status_code == 200
    text = office.content.decode()
    assert "Chưa đủ căn cứ pháp lý." in text
    assert "Chuyển sang nhóm thảo luận" in text
    member = _client(prep, "member").get(url).content.decode()
    assert "Chưa đủ căn cứ pháp lý." not in member
    assert "Thông qua không thảo luận" in member
    assert items[2].title in member
    partial = _client(prep, "chair").get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()


def test_move_view_answers_400_on_bad_input_and_302_when_done(prep: Prep) -> None:
    meeting, items = _placed(prep)
    client = _client(prep, "office")
    url = reverse("meetings:block_move", kwargs={"pk": meeting.pk, "item": items[0].pk})
    bad = client.post(url, {"block": "nowhere", "version": items[0].version})
    assert bad.status_code == 400
    assert "Hãy chọn nhóm thông qua hoặc thảo luận." in bad.content.decode()
    objected = reverse("meetings:block_move", kwargs={"pk": meeting.pk, "item": items[2].pk})
    refused = client.post(objected, {"block": "consent", "version": items[2].version})
    assert refused.status_code == 400
    assert "đề nghị thảo luận" in refused.content.decode()
    done = client.post(url, {"block": "discussion", "version": items[0].version, "reason": ""})
    assert done.status_code == 302
    other = _invited(prep)
    (foreign,) = _items(other)
    wrong = reverse("meetings:block_move", kwargs={"pk": meeting.pk, "item": foreign.pk})
    assert client.post(wrong, {"block": "consent", "version": 1}).status_code == 404


def test_recompute_view_before_the_cutoff_is_400(prep: Prep) -> None:
    meeting = _invited(prep)
    client = _client(prep, "office")
    url = reverse("meetings:blocks_recompute", kwargs={"pk": meeting.pk})
    response = client.post(url)
    assert response.status_code == 400
    assert "Chưa đến hạn cho ý kiến" in response.content.decode()
