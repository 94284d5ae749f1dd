"""Pages for the signature image (one's own) and the seal image (a body's managers)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.selectors import body_for
from ecabinet.core.errors import DomainError
from ecabinet.signatures import images
from ecabinet.signatures.models import SealImage, SignatureImage


class PngUploadForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Ảnh PNG nền trong suốt"),
        help_text=gettext_lazy("Tối đa 1 MB; chữ ký màu xanh, con dấu màu đỏ."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _png(data: bytes | memoryview) -> HttpResponse:
    response = HttpResponse(bytes(data), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


def _upload(request: HttpRequest, form: PngUploadForm) -> bytes | None:
    if not form.is_valid():
        return None
    upload = form.cleaned_data["image"]
    if upload.size > images.MAX_BYTES:
        form.add_error("image", _("Ảnh quá lớn: tối đa 1 MB."))
        return None
    data: bytes = upload.read()
    return data


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def signature_image(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PngUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        data = _upload(request, form)
        if data is not None:
            try:
                images.signature_image_upload(actor=user, data=data)
            except DomainError as exc:
                form.add_error("image", str(exc.message))
            else:
                messages.success(request, _("Đã cập nhật ảnh chữ ký."))
                return redirect("signatures:signature_image")
        status = 400
    current = SignatureImage.objects.filter(user=user).only("width", "height").first()
    return render(
        request,
        "signatures/signature_image.html",
        {"form": form, "current": current},
        status=status,
    )


@require_safe
@login_required
def signature_image_png(request: HttpRequest) -> HttpResponse:
    image = SignatureImage.objects.filter(user=_user(request)).first()
    if image is None:
        raise Http404
    return _png(image.png)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def seal_image(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    body = body_for(user, code)
    if not images.can_upload_seal(user, body):
        raise PermissionDenied
    form = PngUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        data = _upload(request, form)
        if data is not None:
            try:
                images.seal_image_upload(actor=user, body=body, data=data)
            except DomainError as exc:
                form.add_error("image", str(exc.message))
            else:
                messages.success(request, _("Đã cập nhật ảnh con dấu."))
                return redirect("signatures:seal_image", code=body.code)
        status = 400
    current = SealImage.objects.filter(body=body).only("width", "height").first()
    return render(
        request,
        "signatures/seal_image.html",
        {"form": form, "current": current, "body": body},
        status=status,
    )


@require_safe
@login_required
def seal_image_png(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    body = body_for(user, code)
    if not images.can_upload_seal(user, body):
        raise PermissionDenied
    image = SealImage.objects.filter(body=body).first()
    if image is None:
        raise Http404
    return _png(image.png)
