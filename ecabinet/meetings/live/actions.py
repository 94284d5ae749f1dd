"""The client's actions over the socket: validation, then one service each.

``handle`` runs in a worker thread (the consumer calls it through
``database_sync_to_async``) and never raises: every refusal is an ``error`` message with a
code of the contract (bad_request, forbidden, conflict, stepup_required, not_found) or
``unavailable`` when the database is busy (the client may retry; a vote with the same key
is never counted twice).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.utils.translation import gettext as _

from ecabinet.core.errors import DomainError
from ecabinet.meetings.live import events, services
from ecabinet.meetings.live import permissions as live_perms
from ecabinet.meetings.live.snapshot import me_part, receipt
from ecabinet.meetings.models import Meeting

if TYPE_CHECKING:
    from ecabinet.accounts.models import User

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024
MAX_TEXT = 10_000
MAX_INT = 2**53 - 1
MAX_ITEMS = 100
COMMON = frozenset({"action", "ref", "meeting"})


class BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        raise BadRequest(_("Trường “%(name)s” phải là một số nguyên.") % {"name": name})
    return int(value)


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise BadRequest(_("Trường “%(name)s” phải là một chuỗi ký tự.") % {"name": name})
    return value


def _ids(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
        raise BadRequest(_("Trường “%(name)s” phải là một danh sách mã số.") % {"name": name})
    return [_int(v, name) for v in value]


def _uuid(value: Any, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(_str(value, name))
    except ValueError:
        raise BadRequest(_("Trường “%(name)s” phải là một mã UUID.") % {"name": name}) from None


Field = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Action:
    required: Mapping[str, Field]
    optional: Mapping[str, Field]
    run: Callable[[User, Meeting, str | None, dict[str, Any]], dict[str, Any]]
    # Send the user's ``me`` part after the ack.
    sends_me: bool = False


def _ok(_obj: Any = None) -> dict[str, Any]:
    return {}


def _session(service: Callable[..., Meeting]) -> Callable[..., dict[str, Any]]:
    def run(user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]) -> dict[str, Any]:
        row = service(actor=user, meeting=meeting, seq=f["seq"])
        return {"status": row.status, "seq": row.seq}

    return run


def _checkin(user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]) -> dict[str, Any]:
    row = services.attendance_check_in(actor=user, meeting=meeting, mode=f["mode"])
    return {"attendance": row.pk, "mode": row.mode, "capacity": row.capacity}


def _floor_request(
    user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]
) -> dict[str, Any]:
    row = services.floor_request(actor=user, meeting=meeting, kind=f["kind"])
    return {"id": row.pk, "status": row.status}


def _floor_cancel(
    user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]
) -> dict[str, Any]:
    row = services.floor_cancel(actor=user, meeting=meeting, request_id=f["id"])
    return {"id": row.pk, "status": row.status}


def _floor(service: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]) -> dict[str, Any]:
        row = service(actor=user, meeting=meeting, request_id=f["id"], seq=f["seq"])
        return {"id": row.pk, "status": row.status}

    return run


def _item(service: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]) -> dict[str, Any]:
        row = service(actor=user, meeting=meeting, item_id=f["item"], seq=f["seq"])
        return {"item": row.pk, "status": row.status}

    return run


def _poll_open(user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]) -> dict[str, Any]:
    poll = services.poll_open(actor=user, meeting=meeting, item_ids=f["items"], seq=f["seq"])
    return {"poll": poll.pk}


def _poll_close(
    user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]
) -> dict[str, Any]:
    poll = services.poll_close(actor=user, meeting=meeting, poll_id=f["poll"], seq=f["seq"])
    return {"poll": poll.pk, "outcome": poll.outcome, "results": poll.results}


def _vote(user: User, meeting: Meeting, key: str | None, f: dict[str, Any]) -> dict[str, Any]:
    result = services.vote_cast(
        actor=user,
        meeting=meeting,
        poll_id=f["poll"],
        choice=f["choice"],
        key=f["key"],
        session_key=key,
        seat_id=f.get("seat"),
    )
    return receipt(result.vote)


def _note(user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]) -> dict[str, Any]:
    note = services.minute_note_add(actor=user, meeting=meeting, item_id=f["item"], text=f["text"])
    return {"id": note.pk, "item": note.item_id}


def _conclude(user: User, meeting: Meeting, _key: str | None, f: dict[str, Any]) -> dict[str, Any]:
    row = services.item_conclude(
        actor=user,
        meeting=meeting,
        item_id=f["item"],
        outcome=f["outcome"],
        text=f["text"],
        version=f.get("version"),
    )
    return {"item": row.item_id, "outcome": row.outcome, "version": row.version}


SEQ: dict[str, Field] = {"seq": _int}
ACTIONS: dict[str, Action] = {
    "checkin": Action({"mode": _str}, {}, _checkin, sends_me=True),
    "floor.request": Action({"kind": _str}, {}, _floor_request),
    "floor.cancel": Action({"id": _int}, {}, _floor_cancel),
    # The ack carries the receipt, which is all of ``me`` a vote changes.
    "vote": Action({"poll": _int, "choice": _str, "key": _uuid}, {"seat": _int}, _vote),
    "session.open": Action(SEQ, {}, _session(services.meeting_open_session)),
    "session.adjourn": Action(SEQ, {}, _session(services.meeting_adjourn_session)),
    "session.resume": Action(SEQ, {}, _session(services.meeting_resume_session)),
    "session.close": Action(SEQ, {}, _session(services.meeting_close_session)),
    "item.start": Action({"item": _int, **SEQ}, {}, _item(services.item_start)),
    "item.end": Action({"item": _int, **SEQ}, {}, _item(services.item_end)),
    "floor.call": Action({"id": _int, **SEQ}, {}, _floor(services.floor_call)),
    "floor.start": Action({"id": _int, **SEQ}, {}, _floor(services.floor_start)),
    "floor.finish": Action({"id": _int, **SEQ}, {}, _floor(services.floor_finish)),
    "poll.open": Action({"items": _ids, **SEQ}, {}, _poll_open),
    "poll.close": Action({"poll": _int, **SEQ}, {}, _poll_close),
    "note.add": Action({"item": _int, "text": _str}, {}, _note),
    "item.conclude": Action(
        {"item": _int, "outcome": _str, "text": _str}, {"version": _int}, _conclude
    ),
}
# Every action name the socket knows ("resync" is answered by the consumer itself).
ACTION_NAMES = ("resync", *ACTIONS)


def clean_ref(message: Any) -> Any:
    """The client's reference, echoed in the answer: a short string or an integer."""
    if not isinstance(message, dict):
        return None
    ref = message.get("ref")
    if isinstance(ref, str) and len(ref) <= 64:
        return ref
    if isinstance(ref, int) and not isinstance(ref, bool) and abs(ref) <= MAX_INT:
        return ref
    return None


def validate(message: Any, meeting_id: int) -> tuple[str, dict[str, Any]]:
    """(action, cleaned fields), or BadRequest / PermissionDenied for a forged message."""
    if not isinstance(message, dict):
        raise BadRequest(_("Thông điệp phải là một đối tượng JSON."))
    name = message.get("action")
    if not isinstance(name, str) or name not in ACTION_NAMES:
        raise BadRequest(_("Thao tác không được hỗ trợ."))
    if "ref" in message and clean_ref(message) is None:
        raise BadRequest(_("Mã tham chiếu “ref” không hợp lệ."))
    if "meeting" in message and message["meeting"] != meeting_id:
        # A message meant for another meeting than this socket's.
        raise PermissionDenied
    if name == "resync":
        return name, {}
    action = ACTIONS[name]
    unknown = set(message) - COMMON - set(action.required) - set(action.optional)
    if unknown:
        raise BadRequest(
            _("Thông điệp có trường không được hỗ trợ: %(fields)s.")
            % {"fields": ", ".join(sorted(map(str, unknown)))}
        )
    fields: dict[str, Any] = {}
    for field, check in action.required.items():
        if field not in message:
            raise BadRequest(_("Thiếu trường “%(name)s”.") % {"name": field})
        fields[field] = check(message[field], field)
    for field, check in action.optional.items():
        if field in message and message[field] is not None:
            fields[field] = check(message[field], field)
    return name, fields


ERROR_CODES = {
    "not_found": "not_found",
    "bad_request": "bad_request",
    "stepup_required": "stepup_required",
}
FORBIDDEN = "forbidden"


def handle(
    user: User, meeting_id: int, session_key: str | None, message: Any
) -> list[dict[str, Any]]:
    """Run one client action; the messages to send back to that connection."""
    ref = clean_ref(message)
    with live_perms.memo():
        return _handle(user, meeting_id, session_key, message, ref)


def _handle(
    user: User, meeting_id: int, session_key: str | None, message: Any, ref: Any
) -> list[dict[str, Any]]:
    try:
        name, fields = validate(message, meeting_id)
        meeting = _meeting(meeting_id)
        if meeting is None or not live_perms.can_view_live(user, meeting):
            raise PermissionDenied
        if name == "resync":  # answered by the consumer; here only for completeness
            return [events.ack_message(ref)]
        action = ACTIONS[name]
        data = action.run(user, meeting, session_key, fields)
        out = [events.ack_message(ref, data)]
        if action.sends_me:
            out.append(events.me_message(me_part(user, meeting, session_key=session_key)))
        return out
    except (BadRequest, PermissionDenied, DomainError, OperationalError) as exc:
        return _refused(exc, ref, meeting_id, message)


def _meeting(meeting_id: int) -> Meeting | None:
    # The chair's and secretary's names are read only by the actions that show them.
    return Meeting.objects.select_related("body").filter(pk=meeting_id).order_by().first()


def _refused(exc: Exception, ref: Any, meeting_id: int, message: Any) -> list[dict[str, Any]]:
    """The error message for a refused action."""
    if isinstance(exc, BadRequest):
        return [events.error_message(ref, "bad_request", exc.message)]
    if isinstance(exc, PermissionDenied):
        return [
            events.error_message(
                ref, FORBIDDEN, _("Bạn không có quyền thực hiện thao tác này trong cuộc họp.")
            )
        ]
    if isinstance(exc, DomainError):
        code = ERROR_CODES.get(exc.code, "conflict")
        extra: dict[str, Any] = {}
        if code == "stepup_required":
            from ecabinet.meetings.live.snapshot import signing_url

            extra["url"] = signing_url(Meeting(pk=meeting_id))
        if exc.code not in ERROR_CODES and exc.code not in ("invalid", "conflict"):
            extra["reason"] = exc.code
        return [events.error_message(ref, code, str(exc.message), **extra)]
    if isinstance(exc, OperationalError):
        action = message.get("action") if isinstance(message, dict) else None
        logger.warning("live action %r refused: database busy", action)
        return [
            events.error_message(
                ref,
                "unavailable",
                _("Hệ thống đang bận. Vui lòng thử lại sau giây lát."),
                retry=True,
            )
        ]
    raise exc


Replies = list[dict[str, Any]]


def handle_votes(
    meeting_id: int, requests: Sequence[tuple[User, str | None, Any]]
) -> list[Replies | Exception]:
    """Run several ``vote`` actions of one meeting together (the votes that queued while
    the previous ones were written, ``live/votes.py``): the meeting, the voters'
    memberships and seats are read once, and the votes are written in one transaction
    (``services.votes_cast``). Each gets the answer ``handle`` would give it alone; an
    error of one vote does not touch the others. Returns, for each request (user, session
    key, message), its messages, or the unexpected error to raise on its socket alone."""
    if len(requests) == 1:
        user, session_key, message = requests[0]
        return [handle(user, meeting_id, session_key, message)]
    answers: list[Replies | Exception | None] = [None] * len(requests)
    with live_perms.memo():
        try:
            meeting = _meeting(meeting_id)
            if meeting is not None:
                live_perms.prefetch([user for user, _key, _message in requests], meeting)
            checked: list[tuple[int, Any, services.VoteRequest]] = []
            for i, (user, session_key, message) in enumerate(requests):
                ref = clean_ref(message)
                try:
                    name, f = validate(message, meeting_id)
                    if name != "vote":
                        raise BadRequest(_("Thao tác không được hỗ trợ."))
                    if meeting is None or not live_perms.can_view_live(user, meeting):
                        raise PermissionDenied
                except (BadRequest, PermissionDenied) as exc:
                    answers[i] = _refused(exc, ref, meeting_id, message)
                    continue
                request = services.VoteRequest(
                    user, f["poll"], f["choice"], f["key"], session_key, f.get("seat")
                )
                checked.append((i, ref, request))
            planned: list[tuple[int, Any, services.VotePlan]] = []
            if meeting is not None and checked:
                prepared = services.votes_prepare(meeting, [r for _i, _ref, r in checked])
                for (i, ref, _request), plan in zip(checked, prepared, strict=True):
                    if isinstance(plan, services.VotePlan):
                        planned.append((i, ref, plan))
                    elif isinstance(plan, services.VoteResult):
                        answers[i] = [events.ack_message(ref, receipt(plan.vote))]
                    else:
                        answers[i] = _refused(plan, ref, meeting_id, requests[i][2])
            if planned:
                written = services.votes_cast([plan for _i, _ref, plan in planned])
                for (i, ref, _plan), answer in zip(planned, written, strict=True):
                    if answer.error is None:
                        assert answer.result is not None
                        answers[i] = [events.ack_message(ref, receipt(answer.result.vote))]
                        continue
                    try:
                        answers[i] = _refused(answer.error, ref, meeting_id, requests[i][2])
                    except Exception as exc:  # not a refusal: that socket's error alone
                        answers[i] = exc
        except OperationalError as exc:
            for i, (_user, _key, message) in enumerate(requests):
                if answers[i] is None:
                    answers[i] = _refused(exc, clean_ref(message), meeting_id, message)
    return [a if a is not None else [] for a in answers]
