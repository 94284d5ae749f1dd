"""Pages of the bodies app. Each view resolves the body (404 for outsiders), checks one
predicate (403), and calls one service; rules and their messages live in services.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecabinet.accounts import services as account_services
from ecabinet.accounts.models import User
from ecabinet.audit.permissions import can_view_audit
from ecabinet.bodies import selectors, services
from ecabinet.bodies.catalogues import KINDS, kind_for_slug
from ecabinet.bodies.forms import (
    BodyEditForm,
    BodyForm,
    DelegationForm,
    MembershipAddForm,
    MembershipEditForm,
    MembershipPermissionForm,
    MembershipRoleForm,
    ToggleForm,
    UserCreateForm,
    catalogue_form_class,
    catalogue_initial,
)
from ecabinet.bodies.models import Body, Delegation, Membership
from ecabinet.bodies.permissions import (
    GRANTABLE,
    ROLE_PERMISSIONS,
    can_create_delegation,
    can_manage_bodies,
    can_manage_catalogue,
    can_manage_delegations,
    can_manage_membership,
    can_manage_memberships,
    can_manage_users,
    can_revoke_delegation,
    can_view_body,
    can_view_member_contacts,
    perm_label,
)
from ecabinet.core.errors import DomainError

PER_PAGE = 50
STATUSES: dict[str, Literal["active", "inactive", "all"]] = {
    "active": "active",
    "inactive": "inactive",
    "all": "all",
}


# --- helpers -------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _body(request: HttpRequest, code: str) -> Body:
    """The body if the user belongs to it (404 otherwise); marks it current for the layout."""
    body = selectors.body_for(request.user, code)
    request.current_body = body  # type: ignore[attr-defined]
    return body


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Page[Any]:
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


def _status(request: HttpRequest) -> Literal["active", "inactive", "all"]:
    """The list filter; by default everything, active rows first, so that a deactivated
    row can be found and reactivated."""
    return STATUSES.get(request.GET.get("status", ""), "all")


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _action_failed(request: HttpRequest, message: str, back: str) -> HttpResponse:
    """A button's POST that did not validate: a 400 page with the message and a way back."""
    return render(
        request,
        "bodies/action_error.html",
        {"message": message, "back": back},
        status=400,
    )


def _form_error(form: Any) -> str:
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


def _toggle(
    request: HttpRequest,
    back: str,
    set_active: Callable[[bool], object],
    *,
    name: object,
    activated: str,
    deactivated: str,
) -> HttpResponse:
    """A status button's POST: call ``set_active`` with the submitted state, report the
    outcome as a message (``activated`` or ``deactivated``, formatted with ``name``) and
    go back to the list."""
    form = ToggleForm(request.POST)
    if not form.is_valid():
        return _action_failed(request, _form_error(form), back)
    active = form.cleaned_data["active"]
    try:
        set_active(active)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, (activated if active else deactivated) % {"name": name})
    return redirect(back)


# --- body overview -------------------------------------------------------------------------


@require_GET
@login_required
def body_list(request: HttpRequest) -> HttpResponse:
    """The bodies the user belongs to."""
    memberships = list(selectors.memberships_for(_user(request)))
    return render(
        request,
        "bodies/body_list.html",
        {"memberships": memberships, "is_admin": can_manage_bodies(request.user)},
    )


@require_GET
@login_required
def body_detail(request: HttpRequest, code: str) -> HttpResponse:
    body = _body(request, code)
    viewer = selectors.membership_in(request.user, body)
    _require(can_view_body(request.user, body, viewer))
    return render(
        request,
        "bodies/detail.html",
        {
            "body": body,
            "members": list(selectors.member_list_for(request.user, body)),
            "units": list(selectors.unit_list_for(request.user, body)),
            "show_contacts": can_view_member_contacts(request.user, body, viewer),
            "can_manage_catalogue": can_manage_catalogue(request.user, body, viewer),
            "can_manage_members": can_manage_memberships(request.user, body, viewer),
            "can_delegate": can_create_delegation(request.user, body, viewer),
            "can_view_audit": can_view_audit(request.user, body, viewer),
        },
    )


# --- catalogues ----------------------------------------------------------------------------


def _catalogue_body(request: HttpRequest, code: str) -> Body:
    body = _body(request, code)
    _require(can_manage_catalogue(request.user, body))
    return body


@require_GET
@login_required
def catalogue_index(request: HttpRequest, code: str) -> HttpResponse:
    body = _catalogue_body(request, code)
    return render(request, "bodies/catalogue_index.html", {"body": body, "kinds": KINDS.values()})


@require_GET
@login_required
def catalogue_list(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    body = _catalogue_body(request, code)
    spec = kind_for_slug(kind)
    q = request.GET.get("q", "").strip()
    status = _status(request)
    entries = selectors.catalogue_list_for(request.user, body, spec.model, status=status, q=q)
    page = _page(request, entries)
    columns = [spec.model._meta.get_field(c) for c in spec.columns]
    rows = [(entry, [_cell(entry, c) for c in spec.columns]) for entry in page.object_list]
    return render(
        request,
        "bodies/catalogue_list.html",
        {
            "body": body,
            "kind": spec,
            "kinds": KINDS.values(),
            "columns": columns,
            "rows": rows,
            "page": page,
            "q": q,
            "status": status,
            "query": _query_without_page(request),
        },
    )


def _cell(entry: Any, name: str) -> Any:
    display = getattr(entry, f"get_{name}_display", None)
    if callable(display):
        return display()
    value = getattr(entry, name)
    return "" if value is None else value


@require_http_methods(["GET", "POST"])
@login_required
def catalogue_create(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    body = _catalogue_body(request, code)
    spec = kind_for_slug(kind)
    form_class = catalogue_form_class(spec, body, None)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.catalogue_entry_create(
                actor=_user(request), body=body, kind=spec, data=form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã thêm “%(name)s”.") % {"name": entry})
            return redirect("bodies:catalogue_list", code=body.code, kind=spec.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "bodies/catalogue_form.html",
        {"body": body, "kind": spec, "form": form, "entry": None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def catalogue_edit(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    body = _catalogue_body(request, code)
    spec = kind_for_slug(kind)
    entry = selectors.catalogue_entry_of_body(body, spec.model, pk)
    form_class = catalogue_form_class(spec, body, entry)
    if request.method == "POST":
        form = form_class(request.POST)
    else:
        form = form_class(initial=catalogue_initial(spec, entry))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            entry = services.catalogue_entry_update(
                actor=_user(request), entry=entry, version=version, data=data
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã lưu “%(name)s”.") % {"name": entry})
            return redirect("bodies:catalogue_list", code=body.code, kind=spec.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "bodies/catalogue_form.html",
        {"body": body, "kind": spec, "form": form, "entry": entry},
        status=status,
    )


@require_POST
@login_required
def catalogue_toggle(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    body = _catalogue_body(request, code)
    spec = kind_for_slug(kind)
    entry = selectors.catalogue_entry_of_body(body, spec.model, pk)
    return _toggle(
        request,
        reverse("bodies:catalogue_list", kwargs={"code": body.code, "kind": spec.slug}),
        lambda active: services.catalogue_entry_set_active(
            actor=_user(request), entry=entry, active=active
        ),
        name=entry,
        activated=_("Đã sử dụng lại “%(name)s”."),
        deactivated=_("Đã ngừng sử dụng “%(name)s”."),
    )


# --- memberships ---------------------------------------------------------------------------


def _members_body(request: HttpRequest, code: str) -> Body:
    body = _body(request, code)
    _require(can_manage_memberships(request.user, body))
    return body


def _managed_membership(request: HttpRequest, body: Body, pk: int) -> Membership:
    membership = selectors.membership_of_body(body, pk)
    _require(can_manage_membership(request.user, membership))
    return membership


@require_GET
@login_required
def member_list(request: HttpRequest, code: str) -> HttpResponse:
    body = _members_body(request, code)
    q = request.GET.get("q", "").strip()
    status = _status(request)
    page = _page(request, selectors.membership_list_for(request.user, body, status=status, q=q))
    return render(
        request,
        "bodies/member_list.html",
        {
            "body": body,
            "page": page,
            "q": q,
            "status": status,
            "query": _query_without_page(request),
            "me": request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    body = _members_body(request, code)
    form = MembershipAddForm(request.POST if request.method == "POST" else None, body=body)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.membership_add(
                actor=_user(request),
                body=body,
                user=data["username"],
                role=data["role"],
                title=data["title"],
                unit=data["unit"],
                precedence=data["precedence"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("Đã thêm %(name)s vào cơ quan.") % {"name": membership.user}
            )
            return redirect("bodies:member_list", code=body.code)
    return render(
        request,
        "bodies/member_add.html",
        {"body": body, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _member_page(
    request: HttpRequest,
    body: Body,
    membership: Membership,
    *,
    details_form: MembershipEditForm | None = None,
    role_form: MembershipRoleForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    details_form = details_form or MembershipEditForm(
        initial={
            "title": membership.title_id,
            "unit": membership.unit_id,
            "precedence": membership.precedence,
            "version": membership.version,
        },
        membership=membership,
    )
    role_form = role_form or MembershipRoleForm(
        initial={"role": membership.role, "version": membership.version}
    )
    role_perms = ROLE_PERMISSIONS.get(membership.role, frozenset())
    perms = [
        {
            "code": code,
            "label": perm_label(code),
            "from_role": code in role_perms,
            "extra": code in membership.extra_permissions,
        }
        for code in sorted(GRANTABLE)
    ]
    return render(
        request,
        "bodies/member_edit.html",
        {
            "body": body,
            "membership": membership,
            "details_form": details_form,
            "role_form": role_form,
            "perms": perms,
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = _members_body(request, code)
    membership = _managed_membership(request, body, pk)
    if request.method == "GET":
        return _member_page(request, body, membership)
    form = MembershipEditForm(request.POST, membership=membership)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_update(
                actor=_user(request),
                membership=membership,
                version=data["version"],
                title=data["title"],
                unit=data["unit"],
                precedence=data["precedence"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("Đã lưu thông tin của %(name)s.") % {"name": membership.user}
            )
            return redirect("bodies:member_edit", code=body.code, pk=membership.pk)
    return _member_page(request, body, membership, details_form=form, status=400)


@require_POST
@login_required
def member_role(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = _members_body(request, code)
    membership = _managed_membership(request, body, pk)
    form = MembershipRoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                actor=_user(request),
                membership=membership,
                role=form.cleaned_data["role"],
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã đổi vai trò của %(name)s.") % {"name": membership.user})
            return redirect("bodies:member_edit", code=body.code, pk=membership.pk)
    return _member_page(request, body, membership, role_form=form, status=400)


@require_POST
@login_required
def member_permission(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = _members_body(request, code)
    membership = _managed_membership(request, body, pk)
    form = MembershipPermissionForm(request.POST)
    if not form.is_valid():
        return _member_page(request, body, membership, error=_form_error(form), status=400)
    perm = form.cleaned_data["perm"]
    try:
        if form.cleaned_data["action"] == "grant":
            services.membership_grant_permission(
                actor=_user(request), membership=membership, perm=perm
            )
            done = _("Đã cấp quyền “%(perm)s”.")
        else:
            services.membership_revoke_permission(
                actor=_user(request), membership=membership, perm=perm
            )
            done = _("Đã thu hồi quyền “%(perm)s”.")
    except DomainError as exc:
        return _member_page(request, body, membership, error=str(exc.message), status=400)
    messages.success(request, done % {"perm": perm_label(perm)})
    return redirect("bodies:member_edit", code=body.code, pk=membership.pk)


@require_POST
@login_required
def member_toggle(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = _members_body(request, code)
    membership = _managed_membership(request, body, pk)
    return _toggle(
        request,
        reverse("bodies:member_list", kwargs={"code": body.code}),
        lambda active: services.membership_set_active(
            actor=_user(request), membership=membership, active=active
        ),
        name=membership.user,
        activated=_("Đã kích hoạt lại %(name)s."),
        deactivated=_("Đã ngừng hoạt động %(name)s."),
    )


# --- delegations ---------------------------------------------------------------------------


@require_GET
@login_required
def delegation_list(request: HttpRequest, code: str) -> HttpResponse:
    body = _body(request, code)
    viewer = selectors.membership_in(request.user, body)
    _require(can_view_body(request.user, body, viewer))
    manages = can_manage_delegations(request.user, body, viewer)
    now = timezone.now()

    def rows(delegations: Iterable[Delegation]) -> list[tuple[Delegation, Delegation.Status]]:
        return [(d, d.status_at(now)) for d in delegations]

    given = selectors.delegation_list_for(request.user, body, scope="given")
    received = selectors.delegation_list_for(request.user, body, scope="received")
    context: dict[str, Any] = {
        "body": body,
        "manages": manages,
        "can_create": can_create_delegation(request.user, body, viewer),
        "given": rows(given[:PER_PAGE]),
        "received": rows(received[:PER_PAGE]),
        "me": request.user.pk,
    }
    if manages:
        page = _page(request, selectors.delegation_list_for(request.user, body, scope="body"))
        context["page"] = page
        context["body_rows"] = rows(page.object_list)
        context["query"] = _query_without_page(request)
    return render(request, "bodies/delegation_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def delegation_create(request: HttpRequest, code: str) -> HttpResponse:
    body = _body(request, code)
    viewer = selectors.membership_in(request.user, body)
    _require(can_create_delegation(request.user, body, viewer))
    on_behalf = can_manage_delegations(request.user, body, viewer)
    if request.method == "POST":
        form = DelegationForm(request.POST, body=body, on_behalf=on_behalf)
    else:
        form = DelegationForm(initial={"mandates": ["attend"]}, body=body, on_behalf=on_behalf)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        principal = data.get("principal") or viewer
        if principal is None:
            # A system administrator outside the body must name the principal.
            raise PermissionDenied
        try:
            services.delegation_create(
                actor=_user(request),
                principal=principal,
                substitute=data["substitute"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                mandates=data["mandates"],
                reason=data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã ghi nhận việc cử người dự thay."))
            return redirect("bodies:delegation_list", code=body.code)
    return render(
        request,
        "bodies/delegation_form.html",
        {"body": body, "form": form, "on_behalf": on_behalf},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def delegation_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = _body(request, code)
    delegation = selectors.delegation_of_body(body, pk)
    _require(can_revoke_delegation(request.user, delegation))
    try:
        services.delegation_revoke(actor=_user(request), delegation=delegation)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Đã thu hồi ủy quyền."))
    return redirect("bodies:delegation_list", code=body.code)


# --- system administration -----------------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    _require(can_manage_bodies(request.user))


def _admin_body(code: str) -> Body:
    body = Body.objects.filter(code=code).first()
    if body is None:
        raise Http404
    return body


@require_GET
@login_required
def admin_body_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    status = _status(request)
    page = _page(request, selectors.admin_body_list_for(request.user, status=status))
    return render(
        request,
        "bodies/admin_body_list.html",
        {"page": page, "status": status, "query": _query_without_page(request)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def admin_body_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = BodyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_create(actor=_user(request), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã tạo cơ quan “%(name)s”.") % {"name": body})
            return redirect("bodies:admin_body_list")
    return render(
        request,
        "bodies/admin_body_form.html",
        {"form": form, "body": None},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def admin_body_edit(request: HttpRequest, code: str) -> HttpResponse:
    _require_admin(request)
    body = _admin_body(code)
    if request.method == "POST":
        form = BodyEditForm(request.POST)
    else:
        form = BodyEditForm(
            initial={
                "name": body.name,
                "short_name": body.short_name,
                "kind": body.kind,
                "notation": body.notation,
                "organ_id": body.organ_id,
                "place": body.place,
                "version": body.version,
            }
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            body = services.body_update(actor=_user(request), body=body, version=version, data=data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã lưu cơ quan “%(name)s”.") % {"name": body})
            return redirect("bodies:admin_body_list")
    return render(
        request,
        "bodies/admin_body_form.html",
        {"form": form, "body": body},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def admin_body_toggle(request: HttpRequest, code: str) -> HttpResponse:
    _require_admin(request)
    body = _admin_body(code)
    return _toggle(
        request,
        reverse("bodies:admin_body_list"),
        lambda active: services.body_set_active(actor=_user(request), body=body, active=active),
        name=body,
        activated=_("Đã kích hoạt lại “%(name)s”."),
        deactivated=_("Đã ngừng hoạt động “%(name)s”."),
    )


@require_GET
@login_required
def admin_user_list(request: HttpRequest) -> HttpResponse:
    _require(can_manage_users(request.user))
    q = request.GET.get("q", "").strip()
    status = _status(request)
    page = _page(request, selectors.user_list_for(request.user, status=status, q=q))
    return render(
        request,
        "bodies/admin_user_list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "query": _query_without_page(request),
            "me": request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def admin_user_create(request: HttpRequest) -> HttpResponse:
    _require(can_manage_users(request.user))
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_services.user_create(
                actor=_user(request),
                username=data["username"].strip(),
                full_name=data["full_name"].strip(),
                email=data["email"],
                password=data["password"] or None,
                is_superuser=data["is_superuser"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Đã tạo tài khoản “%(name)s”.") % {"name": user})
            return redirect("bodies:admin_user_list")
    return render(
        request,
        "bodies/admin_user_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def admin_user_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_users(request.user))
    target = User.objects.filter(pk=pk).first()
    if target is None:
        raise Http404
    return _toggle(
        request,
        reverse("bodies:admin_user_list"),
        lambda active: account_services.user_set_active(
            actor=_user(request), user=target, active=active
        ),
        name=target,
        activated=_("Đã mở khóa tài khoản “%(name)s”."),
        deactivated=_("Đã khóa tài khoản “%(name)s”."),
    )
