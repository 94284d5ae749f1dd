"""Pages of the register, the incoming list, the issued PDF, amendments and the public
verification page (the only page of the app without login)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Membership
from ecabinet.bodies.selectors import body_for
from ecabinet.core.pages import form_page
from ecabinet.resolutions import issuance, register, selectors, signing
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.models import Resolution, ResolutionFile
from ecabinet.resolutions.sign_views import _pdf_response


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _filename(resolution: Resolution) -> str:
    return (resolution.number or f"nghi-quyet-{resolution.pk}").replace("/", "-") + ".pdf"


# --- The register --------------------------------------------------------------------------


@require_safe
@login_required
def register_page(request: HttpRequest, code: str) -> HttpResponse:
    """The body's issued resolutions: number, date, signer, status; by year; searched."""
    body = body_for(request.user, code)
    user = _user(request)
    if not perms.can_use_resolutions(user, body):
        raise PermissionDenied
    text = request.GET.get("q", "")[: register.SEARCH_TEXT_MAX]
    year_text = request.GET.get("nam", "")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    result = register.register_search(user, body, text=text, year=year)
    page = Paginator(result.rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "resolutions/register.html",
        {
            "body": body,
            "page": page,
            "q": text,
            "year": year,
            "years": register.register_years(user, body),
            "truncated": result.truncated,
        },
    )


# --- Incoming ------------------------------------------------------------------------------


@require_safe
@login_required
def received(request: HttpRequest) -> HttpResponse:
    """ "Văn bản đến": the issued resolutions addressed to me, read or not."""
    user = _user(request)
    page = Paginator(register.received_for(user), 25).get_page(request.GET.get("page"))
    return render(request, "resolutions/received.html", {"page": page})


@require_POST
@login_required
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Someone named to carry the resolution out confirms they took it in hand."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    if resolution.status != t.ISSUED:
        raise Http404
    issuance.receipt_acknowledge(actor=user, resolution=resolution)
    messages.success(request, _("Đã xác nhận tiếp nhận nghị quyết để tổ chức thực hiện."))
    return redirect("resolutions:detail", pk=resolution.pk)


# --- The issued PDF ------------------------------------------------------------------------


@require_safe
@login_required
def issued_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The issued PDF (number, date, the chair's signature and the body's seal)."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    row = register.issued_file(resolution)
    if row is None:
        raise Http404
    issuance.receipt_read(actor=user, resolution=resolution)
    return _pdf_response(request, signing.file_bytes(row, actor=user), _filename(resolution))


# --- Amendment, revocation -----------------------------------------------------------------


class AmendForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Nghị quyết mới"),
        choices=Resolution.AmendmentKind.choices,
        widget=forms.RadioSelect,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    """The Office drafts a resolution that amends or revokes this issued one."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    if not perms.can_amend_resolution(user, resolution):
        raise PermissionDenied
    form = AmendForm(request.POST or None)

    def act(data: dict[str, Any]) -> HttpResponse:
        created = register.resolution_create_amendment(
            actor=user, earlier=resolution, kind=data["kind"]
        )
        messages.success(
            request,
            _("Đã tạo dự thảo nghị quyết mới (phiên bản 1). Hãy soạn thảo, hoàn thiện nội dung."),
        )
        return redirect("resolutions:edit", pk=created.pk)

    return form_page(
        request,
        "resolutions/amend.html",
        {"resolution": resolution, "body": resolution.body, "form": form},
        act,
    )


# --- Public verification (no login) --------------------------------------------------------


@require_safe
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link checks the issued resolution's signatures and reads it."""
    resolution = register.resolution_by_token(token)
    report, row = register.verification_report(resolution)
    return render(
        request,
        "resolutions/verify.html",
        {
            "resolution": resolution,
            "report": report,
            "file": row,
            "amendments": register.issued_amendments(resolution),
        },
    )


@require_safe
def verify_pdf(request: HttpRequest, token: str) -> HttpResponse:
    resolution = register.resolution_by_token(token)
    row = register.issued_file(resolution)
    if row is None:
        raise Http404
    return _pdf_response(request, signing.file_bytes(row), _filename(resolution))


# --- The panel on the resolution's page ----------------------------------------------------


def issuance_context(
    user: User, resolution: Resolution, membership: Membership | None
) -> dict[str, Any]:
    """What the resolution's page shows of signing, issuance, deliveries and amendments."""
    follow = perms.can_follow_issuance(user, resolution, membership)
    context: dict[str, Any] = {
        "can_sign": perms.can_sign_resolution(user, resolution, membership),
        "can_issue": perms.can_issue_resolution(user, resolution, membership),
        "can_amend": perms.can_amend_resolution(user, resolution, membership),
        "follow_issuance": follow,
        "signed_file": None,
        "issued_file": None,
        "outgoing": [],
        "receipts": [],
        "my_receipt": None,
        "amendments": register.amendments_of(user, resolution),
        "amended": None,
        "automatic_issue": True,
    }
    if resolution.amends_id is not None:
        earlier = selectors.resolution_list_for(user, resolution.body).filter(
            pk=resolution.amends_id
        )
        context["amended"] = earlier.first()
    if resolution.status in (t.SIGNED, t.ISSUED):
        context["automatic_issue"] = issuance.settings_for(resolution.body).automatic_issue
        if follow:
            context["signed_file"] = signing.file_of(resolution, ResolutionFile.Kind.SIGNED)
    if resolution.status == t.ISSUED:
        context["issued_file"] = register.issued_file(resolution)
        context["my_receipt"] = resolution.receipts.filter(user=user).first()
        if follow:
            context["outgoing"] = register.outgoing_of(resolution)
            context["receipts"] = register.receipts_of(resolution)
    return context
