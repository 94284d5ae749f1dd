"""Pages of signing and issuance: the chair's phone signing page, the records clerk's
"Phát hành", the PDFs before issuance, the body's issuance setting.

Signing takes two requests around the step-up page, as in ballots: the POST checks what
the page showed, asks for the challenge and keeps what it showed in the session; the
step-up page confirms it; the GET it returns to spends the confirmation and signs, once (a
reloaded page finds the resolution signed already).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.selectors import body_for
from ecabinet.core.errors import DomainError
from ecabinet.core.pages import download, form_page
from ecabinet.resolutions import issuance, selectors, signing
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.models import Resolution, ResolutionFile
from ecabinet.resolutions.printing import notation_of

SESSION_PREFIX = "resolutions.sign."


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _detail(resolution: Resolution) -> HttpResponse:
    return redirect("resolutions:detail", pk=resolution.pk)


def inline_pdf(data: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the page's viewer (or the browser's): never cached, never sniffed."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf_response(request: HttpRequest, data: bytes, filename: str) -> HttpResponse:
    if request.GET.get("tai-ve"):
        return download(data, "application/pdf", filename)
    return inline_pdf(data, filename)


# --- The chair's signing page --------------------------------------------------------------


class SignForm(forms.Form):
    """What the page showed: the content hash, the row's version and the PDF."""

    version_sha256 = forms.CharField(max_length=64, widget=forms.HiddenInput)
    row_version = forms.IntegerField(widget=forms.HiddenInput)
    draft = forms.UUIDField(widget=forms.HiddenInput)


def _already_signed(request: HttpRequest, user: User, resolution: Resolution) -> bool:
    if resolution.status in (t.SIGNED, t.ISSUED) and resolution.signer_id == user.pk:
        messages.info(request, _("Bạn đã ký nghị quyết này."))
        return True
    return False


def _sign_page(
    request: HttpRequest, resolution: Resolution, *, error: str = "", status: int = 200
) -> HttpResponse:
    row = Resolution.objects.select_related(
        "body", "document_type", "signer", "submitted_version"
    ).get(pk=resolution.pk)
    draft = signing.signing_draft(row)
    version = row.submitted_version
    assert version is not None
    content = selectors.content_of(version)
    pdf_url = reverse("resolutions:sign_pdf", kwargs={"pk": row.pk})
    form = SignForm(
        initial={
            "version_sha256": row.submitted_sha256,
            "row_version": row.version,
            "draft": draft.pk,
        }
    )
    return render(
        request,
        "resolutions/sign.html",
        {
            "resolution": row,
            "body": row.body,
            "content": content,
            "version": version,
            "draft": draft,
            "form": form,
            "notation": notation_of(row),
            "error": error,
            "viewer": {
                "pdf_url": pdf_url,
                "download_url": f"{pdf_url}?{urlencode({'tai-ve': 1})}",
                "title": row.title,
                "initial_page": 1,
                "can_note": False,
            },
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair reads the PDF to sign (phone first) and signs it with step-up."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    if _already_signed(request, user, resolution):
        return _detail(resolution)
    if not perms.can_sign_resolution(user, resolution):
        raise PermissionDenied
    if request.method != "POST":
        return _sign_page(request, resolution)
    form = SignForm(request.POST)
    if not form.is_valid():
        return _sign_page(
            request, resolution, error=_("Trang ký không hợp lệ. Hãy ký lại."), status=400
        )
    data = form.cleaned_data
    try:
        sign_request = signing.resolution_sign_request(
            actor=user,
            resolution=resolution,
            session_key=request.session.session_key,
            version_sha256=data["version_sha256"],
            row_version=data["row_version"],
            draft_id=data["draft"],
        )
    except DomainError as exc:
        resolution = selectors.resolution_for(user, pk)
        if _already_signed(request, user, resolution):
            return _detail(resolution)
        if resolution.status != t.AWAITING_SIGNATURE:
            messages.error(request, str(exc.message))
            return _detail(resolution)
        # Refused, nothing written: the page is shown again with what is current now.
        return _sign_page(request, resolution, error=str(exc.message), status=409)
    challenge_id = sign_request.challenge.pk
    request.session[f"{SESSION_PREFIX}{challenge_id}"] = sign_request.kept
    finish = reverse(
        "resolutions:sign_finish", kwargs={"pk": resolution.pk, "challenge_id": challenge_id}
    )
    stepup = reverse("accounts:stepup", kwargs={"challenge_id": challenge_id})
    return redirect(f"{stepup}?{urlencode({'next': finish})}")


def _signed_message(row: Resolution) -> tuple[int, str]:
    if row.status == t.ISSUED:
        return messages.SUCCESS, _(
            "Đã ký. Nghị quyết đã được cấp số %(number)s, đóng dấu và phát hành."
        ) % {"number": row.number}
    if row.issue_error:
        return messages.WARNING, _(
            "Đã ký. Chưa phát hành được: %(error)s Hệ thống sẽ tự thử lại; chữ ký của bạn "
            "được giữ nguyên, không phải ký lại."
        ) % {"error": row.issue_error}
    return messages.SUCCESS, _("Đã ký. Văn thư sẽ cấp số, đóng dấu và phát hành nghị quyết.")


@require_safe
@login_required
def sign_finish(request: HttpRequest, pk: int, challenge_id: int) -> HttpResponse:
    """After the step-up confirmation: spend it and sign, once, then back to the resolution."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    key = f"{SESSION_PREFIX}{challenge_id}"
    if _already_signed(request, user, resolution):
        request.session.pop(key, None)
        return _detail(resolution)
    if not perms.can_sign_resolution(user, resolution):
        raise PermissionDenied
    kept = request.session.get(key)
    try:
        row = signing.resolution_sign(
            actor=user,
            resolution=resolution,
            session_key=request.session.session_key,
            challenge_id=challenge_id,
            kept=kept if isinstance(kept, str) else "",
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        current = selectors.resolution_for(user, pk)
        if current.status == t.AWAITING_SIGNATURE:
            return redirect("resolutions:sign", pk=pk)
        return _detail(current)
    request.session.pop(key, None)
    level, text = _signed_message(row)
    messages.add_message(request, level, text)
    return _detail(row)


@require_safe
@login_required
def sign_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF awaiting signature, exactly as it will be signed."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    if not perms.can_follow_issuance(user, resolution):
        raise PermissionDenied
    if resolution.status != t.AWAITING_SIGNATURE:
        raise Http404
    draft = signing.signing_draft(resolution)
    return _pdf_response(
        request, signing.file_bytes(draft, actor=user), f"du-thao-nghi-quyet-{pk}.pdf"
    )


@require_safe
@login_required
def signed_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's signed PDF (before number and seal), for those who follow issuance."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    if not perms.can_follow_issuance(user, resolution):
        raise PermissionDenied
    row = signing.file_of(resolution, ResolutionFile.Kind.SIGNED)
    if row is None:
        raise Http404
    return _pdf_response(request, signing.file_bytes(row, actor=user), f"nghi-quyet-{pk}-da-ky.pdf")


# --- Issuance ------------------------------------------------------------------------------


@require_POST
@login_required
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """A records clerk issues a signed resolution ("Phát hành"), or retries after a failure
    ("Thử lại phát hành")."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    if resolution.status == t.ISSUED and perms.is_records_clerk(user, resolution.body):
        messages.info(request, _("Nghị quyết đã được phát hành."))
        return _detail(resolution)
    if not perms.can_issue_resolution(user, resolution):
        raise PermissionDenied
    try:
        result = issuance.resolution_issue(actor=user, resolution=resolution)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _detail(resolution)
    if result.issued:
        messages.success(
            request,
            _("Đã phát hành nghị quyết số %(number)s.") % {"number": result.resolution.number},
        )
        if result.manual:
            messages.warning(
                request,
                _("%(n)s cơ quan nhận chưa có mã định danh: cần chuyển văn bản thủ công.")
                % {"n": len(result.manual)},
            )
    else:
        messages.error(
            request,
            _("Chưa phát hành được: %(error)s Hệ thống sẽ tự thử lại.") % {"error": result.error},
        )
    return _detail(resolution)


class SettingsForm(forms.Form):
    automatic_issue = forms.TypedChoiceField(
        label=gettext_lazy("Phát hành nghị quyết sau khi Chủ tọa ký"),
        choices=[
            ("1", gettext_lazy("Tự động: hệ thống cấp số, đóng dấu và phát hành ngay")),
            ("0", gettext_lazy("Văn thư bấm «Phát hành»")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def settings_page(request: HttpRequest, code: str) -> HttpResponse:
    """How the body issues signed resolutions: automatically, or by a records clerk."""
    body = body_for(request.user, code)
    user = _user(request)
    if not perms.can_configure_resolutions(user, body):
        raise PermissionDenied
    row = issuance.settings_for(body)
    form = SettingsForm(
        request.POST or None,
        initial={"automatic_issue": "1" if row.automatic_issue else "0", "version": row.version},
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        issuance.resolution_settings_update(
            actor=user,
            body=body,
            automatic_issue=data["automatic_issue"],
            version=data["version"],
        )
        messages.success(request, _("Đã lưu cấu hình phát hành nghị quyết."))
        return redirect("resolutions:list", code=body.code)

    return form_page(request, "resolutions/settings.html", {"body": body, "form": form}, act)
