"""Pages of the pre-meeting positions: the member's page (made for the phone), the split into
the consent and discussion blocks, and the Office's moves.

A meeting the user may not read is a 404 (selectors); a page of it they may not use is a 403.
Bad input or a refused action answers 400 with the reason on the page, and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ecabinet.accounts.models import User
from ecabinet.core.errors import DomainError
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import positions, selectors
from ecabinet.meetings.models import AgendaItem, Invitation, Meeting, Position


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _meeting(request: HttpRequest, pk: int) -> tuple[User, Meeting]:
    user = _user(request)
    return user, selectors.meeting_for(user, pk)


# --- The member's positions ----------------------------------------------------------------


class PositionsForm(forms.Form):
    """One stance, text and version token per agenda item (fields ``stance-<id>``, ...)."""

    seat = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data: Any,
        *,
        items: list[AgendaItem],
        mine: dict[int, Position],
        seat: Invitation,
    ) -> None:
        initial: dict[str, Any] = {"seat": seat.pk}
        for item in items:
            position = mine.get(item.pk)
            initial[f"stance-{item.pk}"] = position.stance if position else ""
            initial[f"text-{item.pk}"] = position.text if position else ""
            initial[f"version-{item.pk}"] = positions.position_token(position)
        super().__init__(data, initial=initial)
        self.items = items
        self.item_ids = {i.pk for i in items}
        for item in items:
            self.fields[f"stance-{item.pk}"] = forms.ChoiceField(
                label=gettext_lazy("Ý kiến của bạn"),
                choices=Position.Stance.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"text-{item.pk}"] = forms.CharField(
                label=gettext_lazy("Nội dung ý kiến"),
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=positions.TEXT_MAX,
                required=False,
                strip=True,
                help_text=gettext_lazy("Bắt buộc khi có ý kiến hoặc đề nghị thảo luận."),
            )
            self.fields[f"version-{item.pk}"] = forms.CharField(
                widget=forms.HiddenInput, required=False
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        foreign = [
            key
            for key in (self.data or {})
            if key.startswith("stance-")
            and not (key[7:].isdigit() and int(key[7:]) in self.item_ids)
        ]
        if foreign:
            raise forms.ValidationError(
                _("Có nội dung không thuộc cuộc họp này. Tải lại trang rồi thử lại.")
            )
        for item in self.items:
            stance = cleaned.get(f"stance-{item.pk}")
            if stance in positions.NEEDS_TEXT and not cleaned.get(f"text-{item.pk}"):
                self.add_error(
                    f"text-{item.pk}",
                    _("Hãy ghi nội dung ý kiến.")
                    if stance == Position.Stance.COMMENT
                    else _("Hãy nêu vấn đề đề nghị thảo luận."),
                )
        return cleaned

    def answers(self) -> list[positions.Answer]:
        """The items whose stance or text differ from what the page showed."""
        out = []
        for item in self.items:
            stance = self.cleaned_data.get(f"stance-{item.pk}") or ""
            text = self.cleaned_data.get(f"text-{item.pk}") or ""
            if not stance:
                continue
            if (stance, text) == (
                self.initial[f"stance-{item.pk}"],
                self.initial[f"text-{item.pk}"],
            ):
                continue
            out.append(
                positions.Answer(
                    item_id=item.pk,
                    stance=stance,
                    text=text,
                    version=self.cleaned_data.get(f"version-{item.pk}") or "",
                )
            )
        return out

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields of each item, for the template."""
        return [
            {
                "item": item,
                "stance": self[f"stance-{item.pk}"],
                "text": self[f"text-{item.pk}"],
                "version": self[f"version-{item.pk}"],
            }
            for item in self.items
        ]


def _seat(request: HttpRequest, seats: list[Invitation]) -> Invitation:
    """The seat chosen (``?ghe=`` or the form's ``seat``), the user's own by default."""
    if not seats:
        raise PermissionDenied
    raw = request.POST.get("seat") if request.method == "POST" else request.GET.get("ghe")
    if not raw:
        return seats[0]
    for seat in seats:
        if str(seat.pk) == raw.strip():
            return seat
    raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def positions_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited member (or their substitute) gives a position on every item."""
    user, meeting = _meeting(request, pk)
    seats = positions.seats_for(user, meeting)
    seat = _seat(request, seats)
    agenda = selectors.agenda_for(user, meeting)
    items = [row.item for row in agenda]
    mine = positions.positions_of(seat)
    open_now = positions.is_open(meeting)
    form = PositionsForm(
        request.POST if request.method == "POST" else None, items=items, mine=mine, seat=seat
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            answers = form.answers()
            if not answers:
                messages.info(request, _("Bạn chưa thay đổi ý kiến nào."))
                return redirect(_positions_url(meeting, seat, seats))
            try:
                positions.positions_give(actor=user, invitation=seat, answers=answers)
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("Đã ghi nhận ý kiến về %(n)s nội dung. Có thể sửa đến hạn cho ý kiến.")
                    % {"n": len(answers)},
                )
                return redirect(_positions_url(meeting, seat, seats))
        status = 400
    papers = {row.item.pk: row.documents for row in agenda}
    context = {
        "meeting": meeting,
        "form": form,
        "rows": [
            {**r, "papers": papers.get(r["item"].pk, []), "mine": mine.get(r["item"].pk)}
            for r in form.rows()
        ],
        "seat": seat,
        "seats": seats,
        "on_behalf": seat.user_id != user.pk,
        "open": open_now,
        "answered": len(mine),
    }
    return render(request, "meetings/positions.html", context, status=status)


def _positions_url(meeting: Meeting, seat: Invitation, seats: list[Invitation]) -> str:
    url = reverse("meetings:positions", kwargs={"pk": meeting.pk})
    return url if seat is seats[0] else f"{url}?ghe={seat.pk}"


# --- The split -----------------------------------------------------------------------------


class MoveForm(forms.Form):
    block = forms.ChoiceField(
        choices=[
            (AgendaItem.Block.CONSENT, gettext_lazy("Thông qua không thảo luận")),
            (AgendaItem.Block.DISCUSSION, gettext_lazy("Thảo luận")),
        ],
        error_messages={"invalid_choice": gettext_lazy("Hãy chọn nhóm thông qua hoặc thảo luận.")},
    )
    reason = forms.CharField(max_length=positions.REASON_MAX, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _blocks_context(user: User, meeting: Meeting) -> dict[str, Any]:
    membership = perms.membership_of(user, meeting.body)
    follow = perms.can_follow_meeting(user, meeting, membership)
    split = positions.split_of(meeting)
    if not follow:
        # Others see the placed blocks only (no counts, no texts); an agency its own items.
        split.consent = [x for x in split.consent if perms.sees_item(user, x.item, membership)]
        split.discussion = [
            x for x in split.discussion if perms.sees_item(user, x.item, membership)
        ]
    seats = positions.seats_for(user, meeting)
    return {
        "meeting": meeting,
        "split": split,
        "follow": follow,
        "can_manage": perms.can_manage_meeting(user, meeting, membership),
        "open": positions.is_open(meeting),
        "can_place": meeting.status in ("scheduled", "documents_published")
        and not positions.is_open(meeting)
        and split.placed,
        "seats": seats,
    }


@require_safe
@login_required
def blocks(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda in two blocks. The Office, the chairs and the secretary see each item's
    counts and texts, live (polled every 10 s) and, before the cut-off, the preview."""
    user, meeting = _meeting(request, pk)
    context = _blocks_context(user, meeting)
    if request.headers.get("HX-Request") and context["follow"]:
        return render(request, "meetings/blocks_panel.html", context)
    return render(request, "meetings/blocks.html", context)


def _blocks_refused(request: HttpRequest, user: User, meeting: Meeting, error: str) -> HttpResponse:
    context = _blocks_context(user, meeting)
    context["error"] = error
    return render(request, "meetings/blocks.html", context, status=400)


@require_POST
@login_required
def block_move(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """The Office moves an item to the other block (reason optional)."""
    user, meeting = _meeting(request, pk)
    if not perms.can_manage_meeting(user, meeting):
        raise PermissionDenied
    row = selectors.item_of(meeting, item)
    form = MoveForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        return _blocks_refused(request, user, meeting, " ".join(errors))
    try:
        moved = positions.block_move(
            actor=user,
            item=row,
            block=form.cleaned_data["block"],
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        return _blocks_refused(request, user, meeting, str(exc.message))
    messages.success(
        request,
        _("Đã chuyển «%(title)s» sang nhóm %(block)s.")
        % {"title": moved.title, "block": moved.get_block_display().lower()},
    )
    return redirect(reverse("meetings:blocks", kwargs={"pk": meeting.pk}) + f"#block-{moved.pk}")


@require_POST
@login_required
def blocks_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """The Office places every item by the rule again (its earlier moves are undone)."""
    user, meeting = _meeting(request, pk)
    if not perms.can_manage_meeting(user, meeting):
        raise PermissionDenied
    try:
        changed = positions.blocks_recompute(actor=user, meeting=meeting)
    except DomainError as exc:
        return _blocks_refused(request, user, meeting, str(exc.message))
    messages.success(
        request, _("Đã chia nhóm lại theo ý kiến; %(n)s nội dung đổi nhóm.") % {"n": changed}
    )
    return redirect("meetings:blocks", pk=meeting.pk)
