"""The step-up page (confirm a signature) and closing a signing window.

Views read the request, call one service and choose the response; ecabinet.accounts.stepup
decides and records.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ecabinet.accounts import stepup
from ecabinet.accounts.errors import AccountLocked, format_local
from ecabinet.accounts.forms import TOTPCodeForm
from ecabinet.accounts.models import SigningWindow
from ecabinet.accounts.views import _client, _home, _next, _user, _with_next
from ecabinet.core.errors import DomainError


class StepUpForm(TOTPCodeForm):
    """The confirmation: the hash of the content shown, and a code unless a window covers it.

    The hash travels with the button so that a confirmation posted from a page that showed
    other content (a stale tab, another challenge) is refused.
    """

    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    open_window = forms.BooleanField(required=False)

    def __init__(
        self,
        *args: Any,
        needs_code: bool,
        window_offer_until: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["code"]
        if window_offer_until is None:
            del self.fields["open_window"]
        else:
            self.fields["open_window"].label = _(
                "Mở phiên ký cho cuộc họp này đến %(time)s: các lần biểu quyết sau chỉ cần "
                "bấm “Xác nhận ký”, không cần nhập lại mã"
            ) % {"time": window_offer_until}

    def clean_content_hash(self) -> str:
        value: str = self.cleaned_data["content_hash"]
        if value != self.initial.get("content_hash"):
            raise forms.ValidationError(
                gettext_lazy(
                    "Nội dung trên trang đã thay đổi. Vui lòng tải lại trang và xem lại "
                    "trước khi ký."
                ),
                code="stale",
            )
        return value


def _locked_out(request: HttpRequest, exc: AccountLocked) -> HttpResponse:
    auth_logout(request)
    messages.error(request, str(exc.message))
    return HttpResponseRedirect(reverse("accounts:login"))


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def stepup_view(request: HttpRequest, challenge_id: int) -> HttpResponse:
    """Show what is about to be signed and take the signer's confirmation."""
    user = _user(request)
    session_key = request.session.session_key
    challenge = stepup.stepup_challenge_for(user, challenge_id, session_key=session_key)
    if challenge is None:
        raise Http404
    next_url = _next(request)
    state = stepup.stepup_state(challenge)
    scope = (
        (challenge.window_scope_type, challenge.window_scope_id)
        if challenge.window_scope_type
        else None
    )
    window = stepup.signing_window_covering(user, session_key=session_key, scope=scope)
    offer_until = None
    if scope is not None and window is None:
        ends = timezone.now() + timedelta(seconds=stepup.signing_window_seconds())
        offer_until = format_local(ends)
    form = StepUpForm(
        request.POST if request.method == "POST" else None,
        needs_code=window is None,
        window_offer_until=offer_until,
        initial={"content_hash": challenge.content_hash},
    )
    status = 200
    if request.method == "POST":
        status = 400
        pending = state == stepup.ChallengeState.PENDING
        # A POST for a challenge that is no longer pending (a replay) still goes to the
        # service, which refuses it and records the attempt.
        if not pending or form.is_valid():
            try:
                stepup.stepup_confirm(
                    actor=user,
                    session_key=session_key,
                    challenge=challenge,
                    code=form.cleaned_data.get("code") if pending and window is None else None,
                    open_window_for=(
                        scope if pending and form.cleaned_data.get("open_window") else None
                    ),
                    client=_client(request),
                )
            except AccountLocked as exc:
                return _locked_out(request, exc)
            except DomainError as exc:
                status = exc.status_code
                challenge.refresh_from_db()
                state = stepup.stepup_state(challenge)
                if state == stepup.ChallengeState.PENDING:
                    form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã xác nhận ký."))
                return redirect(next_url or _home())
    return render(
        request,
        "accounts/stepup.html",
        {
            "challenge": challenge,
            "state": state,
            "states": stepup.ChallengeState,
            "form": form,
            "window": window,
            "window_until": format_local(window.expires_at) if window else "",
            "expires": format_local(challenge.expires_at),
            "short_hash": stepup.grouped_hash(challenge.content_hash, groups=4),
            "full_hash": stepup.grouped_hash(challenge.content_hash),
            "next": next_url,
            "cancel_url": next_url or _home(),
            "close_next": _with_next(request.path, next_url),
        },
        status=status,
    )


@require_POST
@login_required
def signing_window_close_view(request: HttpRequest, window_id: int) -> HttpResponse:
    """End a signing window early; the next vote then needs a code again."""
    user = _user(request)
    window = stepup.signing_window_for(user, window_id)
    if window is None:
        raise Http404
    if window.closed_at is None:
        stepup.signing_window_close(
            actor=user, window=window, reason=SigningWindow.CloseReason.USER
        )
        messages.success(request, _("Đã đóng phiên ký."))
    return redirect(_next(request) or _home())
