"""Login steps, logout, password, security page, language and the login log.

Views read the request, call one service and choose the response; the services decide.
"""

from __future__ import annotations

import ipaddress
from base64 import b32encode
from binascii import unhexlify
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts import selectors, services
from ecabinet.accounts.errors import AccountLocked, format_local
from ecabinet.accounts.forms import (
    LanguageForm,
    LoginForm,
    LoginLogFilterForm,
    PasswordChangeForm,
    RecoveryCodeForm,
    TOTPCodeForm,
)
from ecabinet.accounts.models import User
from ecabinet.accounts.permissions import can_view_login_log
from ecabinet.accounts.selectors import SecondFactorStep
from ecabinet.accounts.services import ClientInfo, FactorStatus, Method
from ecabinet.accounts.session import (
    ENROL_KEY,
    FRESH_CODES_KEY,
    pending_second_factor,
    remember_no_second_factor,
    set_language_cookie,
)
from ecabinet.core.errors import DomainError
from ecabinet.core.middleware import client_ip

LOGIN_LOG_PAGE_SIZE = 50


def _client(request: HttpRequest) -> ClientInfo:
    ip: str | None = client_ip(request)
    try:
        ipaddress.ip_address(ip or "")
    except ValueError:
        # A Unix socket or a proxy can leave no usable address; the log keeps the rest.
        ip = None
    return ClientInfo(ip=ip, user_agent=request.headers.get("User-Agent", "")[:300])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _safe(request: HttpRequest, url: str | None) -> str:
    """``url`` if it stays on this site (same host, same or stronger scheme), else ""."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _next(request: HttpRequest) -> str:
    return _safe(request, request.POST.get("next") or request.GET.get("next"))


def _home() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _locked_out(request: HttpRequest, exc: AccountLocked, next_url: str) -> HttpResponse:
    """End a half-finished login because the account has just been locked."""
    auth_logout(request)
    messages.error(request, str(exc.message))
    return HttpResponseRedirect(_with_next(reverse("accounts:login"), next_url))


def _logged_in(request: HttpRequest) -> bool:
    return request.user.is_authenticated and pending_second_factor(request) is None


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    if _logged_in(request):
        return redirect(next_url or _home())
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                start = services.login_authenticate(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    client=_client(request),
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = 403 if exc.code in {"locked", "inactive"} else 400
            else:
                return _after_password(request, start, next_url)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url,
            "threshold": settings.ECABINET_LOCKOUT_THRESHOLD,
            "lock_minutes": settings.ECABINET_LOCKOUT_MINUTES,
        },
        status=status,
    )


def _after_password(
    request: HttpRequest, start: services.LoginStart, next_url: str
) -> HttpResponse:
    user = start.user
    # A new session key for the new privilege level (Django's login cycles it).
    auth_login(request, user)
    translation.activate(user.language)
    if start.next_step is None:
        remember_no_second_factor(request, user)
        target = next_url or _home()
    elif start.next_step is SecondFactorStep.OTP:
        target = _with_next(reverse("accounts:otp"), next_url)
    else:
        target = _with_next(reverse("accounts:otp_setup"), next_url)
    response = HttpResponseRedirect(target)
    set_language_cookie(response, user.language)
    return response


def _verified(request: HttpRequest, device: Any) -> None:
    """Mark the session as having passed the second factor, under a new session key."""
    django_otp.login(request, device)
    request.session.cycle_key()


@sensitive_post_parameters("code", "recovery_code")
@never_cache
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = _next(request)
    step = pending_second_factor(request)
    if step is None:
        return redirect(next_url or _home())
    if step is SecondFactorStep.SETUP:
        return redirect(_with_next(reverse("accounts:otp_setup"), next_url))
    user = _user(request)
    code_form = TOTPCodeForm()
    recovery_form = RecoveryCodeForm()
    status = 200
    if request.method == "POST":
        status = 400
        form: TOTPCodeForm | RecoveryCodeForm
        if "recovery_code" in request.POST:
            form = recovery_form = RecoveryCodeForm(request.POST)
            method, field = Method.RECOVERY, "recovery_code"
        else:
            form = code_form = TOTPCodeForm(request.POST)
            method, field = Method.TOTP, "code"
        if form.is_valid():
            try:
                result = services.login_verify_second_factor(
                    actor=user,
                    method=method,
                    code=form.cleaned_data[field],
                    client=_client(request),
                )
            except AccountLocked as exc:
                return _locked_out(request, exc, next_url)
            if result.status is FactorStatus.OK:
                _verified(request, result.device)
                if method is Method.RECOVERY:
                    messages.warning(request, _codes_left_message(result.codes_left or 0))
                return redirect(next_url or _home())
            form.add_error(None, _factor_error(method, result))
    return render(
        request,
        "accounts/otp.html",
        {
            "code_form": code_form,
            "recovery_form": recovery_form,
            "next": next_url,
            "show_recovery": "recovery_code" in request.POST,
        },
        status=status,
    )


def _factor_error(method: Method, result: services.FactorResult) -> str:
    if result.status is FactorStatus.THROTTLED:
        return services.throttled_message()
    if result.status is FactorStatus.REUSED and result.used_at is not None:
        return _(
            "Mã khôi phục này đã được sử dụng lúc %(time)s. Mỗi mã chỉ dùng được một lần; "
            "hãy dùng một mã khác."
        ) % {"time": format_local(result.used_at)}
    if method is Method.RECOVERY:
        return _("Mã khôi phục không đúng.")
    return services.invalid_totp_message()


def _codes_left_message(left: int) -> str:
    return ngettext(
        "Bạn đã đăng nhập bằng mã khôi phục; còn %(count)d mã chưa dùng. "
        "Hãy tạo bộ mã mới trong trang Bảo mật khi cần.",
        "Bạn đã đăng nhập bằng mã khôi phục; còn %(count)d mã chưa dùng. "
        "Hãy tạo bộ mã mới trong trang Bảo mật khi cần.",
        left,
    ) % {"count": left}


def _enrol_key(request: HttpRequest, user: User) -> str:
    """The secret of the enrolment in progress, kept in the session until confirmed."""
    stored = request.session.get(ENROL_KEY)
    if isinstance(stored, list) and len(stored) == 2 and stored[0] == user.pk:
        return str(stored[1])
    key = services.new_totp_key()
    request.session[ENROL_KEY] = [user.pk, key]
    return key


def _qr_svg(user: User, key: str) -> str:
    uri = TOTPDevice(user=user, key=key).config_url
    # A white quiet zone of 4 modules: scanners need it, whatever the page's colours.
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        title=_("Mã QR để thêm tài khoản vào ứng dụng xác thực"),
    )
    # segno writes the SVG itself from the QR matrix: no user input reaches the markup.
    return mark_safe(  # noqa: S308
        svg.replace("<svg ", '<svg role="img" ', 1)
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = _user(request)
    next_url = _next(request)
    step = pending_second_factor(request)
    if step is SecondFactorStep.OTP:
        return redirect(_with_next(reverse("accounts:otp"), next_url))
    if selectors.confirmed_totp_device(user) is not None:
        messages.info(
            request,
            _(
                "Tài khoản đã có ứng dụng xác thực. Nếu bạn mất thiết bị, hãy đăng nhập bằng "
                "mã khôi phục và đề nghị quản trị hệ thống gỡ thiết bị cũ."
            ),
        )
        return redirect("accounts:security")
    key = _enrol_key(request, user)
    form = TOTPCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            completes_login = step is SecondFactorStep.SETUP
            try:
                enrolment = services.totp_device_enrol(
                    actor=user, key=key, code=form.cleaned_data["code"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                request.session.pop(ENROL_KEY, None)
                _verified(request, enrolment.device)
                if completes_login:
                    services.login_complete(
                        actor=user, client=_client(request), method=Method.ENROLMENT
                    )
                request.session[FRESH_CODES_KEY] = [user.pk, enrolment.recovery_codes]
                messages.success(request, _("Đã thiết lập xác thực hai lớp."))
                return redirect(_with_next(reverse("accounts:recovery_codes"), next_url))
    secret = b32encode(unhexlify(key)).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(user, key),
            "secret": _grouped(secret),
            "mandatory": step is SecondFactorStep.SETUP,
        },
        status=status,
    )


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Fresh codes are shown once (then only their count); regenerating needs a TOTP code."""
    user = _user(request)
    next_url = _next(request)
    form = TOTPCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                codes = services.recovery_codes_regenerate(
                    actor=user, code=form.cleaned_data["code"], client=_client(request)
                )
            except AccountLocked as exc:
                return _locked_out(request, exc, "")
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                request.session[FRESH_CODES_KEY] = [user.pk, codes]
                messages.success(
                    request, _("Đã tạo bộ mã khôi phục mới. Các mã cũ không còn dùng được.")
                )
                return redirect(_with_next(reverse("accounts:recovery_codes"), next_url))
    fresh: list[str] = []
    stored = request.session.pop(FRESH_CODES_KEY, None) if request.method == "GET" else None
    if isinstance(stored, list) and len(stored) == 2 and stored[0] == user.pk:
        fresh = [services.format_recovery_code(c) for c in stored[1]]
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": fresh,
            "codes_left": selectors.recovery_codes_left(user),
            "has_totp": selectors.confirmed_totp_device(user) is not None,
            "form": form,
            "next": next_url,
        },
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.login_end(actor=_user(request), client=_client(request))
        auth_logout(request)
        messages.success(request, _("Bạn đã đăng xuất."))
    return redirect("accounts:login")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.user_change_password(
                    actor=user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password1"],
                    client=_client(request),
                )
            except AccountLocked as exc:
                return _locked_out(request, exc, "")
            except DomainError as exc:
                field = "old_password" if exc.code == "wrong_password" else "new_password1"
                form.add_error(field, str(exc.message))
            except ValidationError as exc:
                form.add_error("new_password1", exc)
            else:
                # Keep this session; the user's other sessions end with the old password.
                update_session_auth_hash(request, user)
                messages.success(request, _("Đã đổi mật khẩu."))
                return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def security_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "accounts/security.html",
        {
            "devices": list(
                TOTPDevice.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")
            ),
            "codes_left": selectors.recovery_codes_left(user),
            "events": selectors.recent_login_events_for(user),
            "form": TOTPCodeForm(),
        },
    )


@require_POST
def set_language_view(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = (
        _safe(request, request.POST.get("next"))
        or _safe(request, request.headers.get("Referer"))
        or _home()
    )
    response = HttpResponseRedirect(target)
    if not form.is_valid():
        messages.error(request, _("Ngôn ngữ không được hỗ trợ."))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_set_language(actor=_user(request), language=language)
    set_language_cookie(response, language)
    return response


@login_required
@require_http_methods(["GET"])
def login_log_view(request: HttpRequest) -> HttpResponse:
    if not can_view_login_log(request.user):
        raise PermissionDenied
    form = LoginLogFilterForm(request.GET or None)
    page = None
    query = ""
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        events = selectors.login_event_list_for(
            request.user,
            username_contains=(data.get("q") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            kind=data.get("kind") or "",
        )
        page = Paginator(events, LOGIN_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
    return render(
        request,
        "accounts/login_log.html",
        {"form": form, "page": page, "query": query},
        status=200 if page is not None else 400,
    )
