"""Forms turn request data into typed values for the services; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from ecabinet.accounts.models import User
from ecabinet.bodies.catalogues import CatalogueKind
from ecabinet.bodies.models import Body, Mandate, Membership, Role, Title, Unit
from ecabinet.bodies.permissions import GRANTABLE, perm_label
from ecabinet.bodies.services import MAX_NUMBER

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class VersionForm(forms.Form):
    """Carries the row's version so a stale edit is refused instead of overwriting."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ToggleForm(forms.Form):
    """Deactivate (``active=0``) or reactivate (``active=1``) a row."""

    active = forms.TypedChoiceField(
        choices=[("1", _("Sử dụng lại")), ("0", _("Ngừng sử dụng"))],
        coerce=lambda v: v == "1",
    )


def catalogue_form_class(kind: CatalogueKind, body: Body, entry: Any | None) -> type[forms.Form]:
    """A form with the kind's model fields (labels from the model), plus the version."""
    fields: dict[str, Any] = fields_for_model(kind.model, fields=list(kind.fields))
    for name, help_text in kind.help_texts.items():
        fields[name].help_text = help_text
    if "name" in fields:
        fields["name"].widget.attrs["autofocus"] = True
    if "order" in fields:
        # Left blank, an entry sorts first (order 0), then by name.
        fields["order"].required = False
    if "parent" in fields:
        parents = Unit.objects.filter(body=body).filter(
            Q(is_active=True) | Q(pk=getattr(entry, "parent_id", None))
        )
        if entry is not None:
            parents = parents.exclude(pk=entry.pk)
        fields["parent"].queryset = parents.order_by("order", "name")
    if entry is not None:
        fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    return type(f"{kind.model.__name__}Form", (forms.Form,), fields)


def catalogue_initial(kind: CatalogueKind, entry: Any) -> dict[str, Any]:
    initial = {name: getattr(entry, name) for name in kind.fields}
    initial["version"] = entry.version
    return initial


class BodyForm(forms.Form):
    name = forms.CharField(label=_("Tên cơ quan"), max_length=200)
    short_name = forms.CharField(label=_("Tên viết tắt"), max_length=50, required=False)
    code = forms.SlugField(
        label=_("Mã"),
        max_length=40,
        help_text=_("Dùng trong địa chỉ trang, ví dụ chinh-phu; không đổi được sau khi tạo."),
    )
    kind = forms.ChoiceField(label=_("Loại"), choices=Body.Kind.choices)
    notation = forms.CharField(
        label=_("Ký hiệu cơ quan"),
        max_length=20,
        help_text=_("Dùng trong số văn bản, ví dụ CP trong 85/NQ-CP."),
    )
    organ_id = forms.CharField(
        label=_("Mã định danh (OrganId)"),
        max_length=13,
        required=False,
        help_text=_("Mã định danh trên trục liên thông (edXML), tối đa 13 ký tự."),
    )
    place = forms.CharField(label=_("Địa danh"), max_length=100, initial="Hà Nội")


class BodyEditForm(BodyForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_("Thư điện tử"))
    password = forms.CharField(
        label=_("Mật khẩu ban đầu"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Để trống nếu người dùng sẽ tự đặt mật khẩu."),
    )
    is_superuser = forms.BooleanField(label=_("Quản trị hệ thống"), required=False)


class MembershipAddForm(forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        help_text=_("Tên đăng nhập của người dùng đã có tài khoản."),
    )
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    title = forms.ModelChoiceField(
        label=_("Chức danh"), queryset=Title.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none(), required=False)
    precedence = forms.IntegerField(
        label=_("Thứ tự ưu tiên"),
        min_value=0,
        max_value=MAX_NUMBER,
        initial=1000,
        help_text=_("Số nhỏ đứng trước; 1 là người chủ trì."),
    )

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = Title.objects.filter(  # type: ignore[attr-defined]
            body=body, is_active=True
        ).order_by("order", "name")
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            body=body, is_active=True
        ).order_by("order", "name")

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("Không có người dùng với tên đăng nhập này."))
        return user


class MembershipEditForm(VersionForm):
    title = forms.ModelChoiceField(
        label=_("Chức danh"), queryset=Title.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none(), required=False)
    precedence = forms.IntegerField(label=_("Thứ tự ưu tiên"), min_value=0, max_value=MAX_NUMBER)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = membership.body
        # Inactive entries stay selectable only when they are the member's current ones.
        self.fields["title"].queryset = (  # type: ignore[attr-defined]
            Title.objects.filter(body=body)
            .filter(Q(is_active=True) | Q(pk=membership.title_id))
            .order_by("order", "name")
        )
        self.fields["unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.filter(body=body)
            .filter(Q(is_active=True) | Q(pk=membership.unit_id))
            .order_by("order", "name")
        )


class MembershipRoleForm(VersionForm):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Shares its page with MembershipEditForm: distinct ids for the same field names.
        kwargs.setdefault("auto_id", "role_%s")
        super().__init__(*args, **kwargs)


class MembershipPermissionForm(forms.Form):
    perm = forms.ChoiceField(label=_("Quyền"), choices=[])
    action = forms.ChoiceField(choices=[("grant", _("Cấp")), ("revoke", _("Thu hồi"))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["perm"].choices = [  # type: ignore[attr-defined]
            (code, perm_label(code)) for code in sorted(GRANTABLE)
        ]


class DelegationForm(forms.Form):
    principal = forms.ModelChoiceField(
        label=_("Thành viên ủy quyền"), queryset=Membership.objects.none()
    )
    substitute = forms.ModelChoiceField(
        label=_("Người dự thay"), queryset=Membership.objects.none()
    )
    starts_at = forms.DateTimeField(
        label=_("Từ thời điểm"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    ends_at = forms.DateTimeField(
        label=_("Đến thời điểm"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    mandates = forms.MultipleChoiceField(
        label=_("Nội dung ủy quyền"),
        choices=Mandate.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label=_("Lý do"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, body: Body, on_behalf: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every active member is listed so that the service, not the form, explains why a
        # choice is refused (a voting seat, oneself, ...). Another body's members are not.
        members = (
            Membership.objects.filter(body=body, is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("precedence", "user__full_name")
        )
        self.fields["substitute"].queryset = members  # type: ignore[attr-defined]
        self.fields["substitute"].label_from_instance = _member_label  # type: ignore[attr-defined]
        if on_behalf:
            self.fields["principal"].queryset = members  # type: ignore[attr-defined]
            self.fields["principal"].label_from_instance = _member_label  # type: ignore[attr-defined]
        else:
            del self.fields["principal"]


def _member_label(membership: Membership) -> str:
    return f"{membership.user} — {membership.get_role_display()}"
