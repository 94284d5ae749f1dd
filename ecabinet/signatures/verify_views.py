"""Checking a signed file on the web, and the guided practice signing."""

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
from django.views.decorators.http import require_http_methods, require_safe

from ecabinet.accounts.models import User
from ecabinet.core.errors import DomainError
from ecabinet.signatures import practice
from ecabinet.signatures.statements import statement_export
from ecabinet.signatures.verify import verify_bytes

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp cần kiểm tra"),
        help_text=gettext_lazy(
            "Văn bản PDF đã ký số, hoặc tệp chữ ký (.json) tải về từ hệ thống. Tối đa 20 MB."
        ),
        error_messages={
            "required": gettext_lazy("Vui lòng chọn tệp cần kiểm tra."),
            "empty": gettext_lazy("Tệp rỗng, không có gì để kiểm tra."),
            "invalid": gettext_lazy("Không nhận được tệp. Vui lòng chọn lại."),
        },
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn hơn 20 MB, hệ thống không kiểm tra được."), code="too_large"
            )
        return upload


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a signed PDF or an exported statement and see whether its signatures hold."""
    report = None
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            report = verify_bytes(form.cleaned_data["file"].read())
        else:
            status = 400
    else:
        form = VerifyForm()
    return render(
        request, "signatures/verify.html", {"form": form, "report": report}, status=status
    )


def _practising_user(request: HttpRequest) -> User:
    user = _user(request)
    if not practice.can_practise(user):
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def practice_start(request: HttpRequest) -> HttpResponse:
    """Explain signing in three steps, then start a practice signature ("Ký thử")."""
    user = _practising_user(request)
    certificate = practice.practice_certificate(user)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            challenge, _payload = practice.practice_start(actor=user, session=request.session)
        except DomainError as exc:
            error = str(exc.message)
            status = 400
        else:
            result = reverse("signatures:practice_result", kwargs={"challenge_id": challenge.pk})
            stepup = reverse("accounts:stepup", kwargs={"challenge_id": challenge.pk})
            return redirect(f"{stepup}?{urlencode({'next': result})}")
    return render(
        request,
        "signatures/practice.html",
        {"certificate": certificate, "error": error, "text": practice.PRACTICE_TEXT},
        status=status,
    )


@login_required
@require_safe
def practice_result(request: HttpRequest, challenge_id: int) -> HttpResponse:
    """After the confirmation: sign the practice statement, once, then show the receipt."""
    user = _practising_user(request)
    try:
        practice.practice_finish(actor=user, session=request.session, challenge_id=challenge_id)
    except DomainError as exc:
        return render(
            request,
            "signatures/practice_error.html",
            {"error": str(exc.message)},
            status=400,
        )
    messages.success(request, _("Bạn đã ký thử thành công."))
    return redirect("signatures:practice_receipt")


@login_required
@require_safe
def practice_receipt(request: HttpRequest) -> HttpResponse:
    """The receipt of the latest practice signature: what, when, with which certificate."""
    user = _practising_user(request)
    statement = practice.latest_practice(user)
    report = None
    if statement is not None:
        report = verify_bytes(statement_export(statement))
    return render(
        request,
        "signatures/practice_receipt.html",
        {"statement": statement, "report": report},
    )


@login_required
@require_safe
def practice_download(request: HttpRequest) -> HttpResponse:
    """The exported bundle of the latest practice signature, to check anywhere."""
    user = _practising_user(request)
    statement = practice.latest_practice(user)
    if statement is None:
        raise Http404
    response = HttpResponse(statement_export(statement), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="ky-thu-{statement.pk}.json"'
    return response
