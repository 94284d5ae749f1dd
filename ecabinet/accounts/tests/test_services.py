"""Services other apps call: creating users, (de)activating them, resetting second factors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts import services
from ecabinet.accounts.models import User
from ecabinet.accounts.tests.conftest import enrol, post_password
from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World


def _persona(world: World, name: str) -> User:
    user = world.user(name)
    assert user is not None
    return user


def test_admin_creates_a_user_who_can_log_in(client: Client, world: World) -> None:
    admin = _persona(world, "admin")
    user = services.user_create(
        actor=admin,
        username=" tranvanc ",
        full_name=" Trần Văn C ",
        email="TranVanC@Example.VN",
        password="Mot-mat-khau-tot-2026",
    )
    assert (user.username, user.full_name, user.email) == (
        "tranvanc",
        "Trần Văn C",
        "TranVanC@example.vn",
    )
    assert not user.is_superuser
    assert not user.is_staff
    event = AuditEvent.objects.get(verb="accounts.user_created")
    assert event.actor_id == admin.pk
    assert event.after["username"] == "tranvanc"
    assert "password" not in event.after
    assert post_password(client, "tranvanc", "Mot-mat-khau-tot-2026")["Location"] == "/"


def test_user_without_password_cannot_log_in(client: Client, world: World) -> None:
    user = services.user_create(
        actor=_persona(world, "admin"), username="chuaco", full_name="Chưa Có", email=""
    )
    assert not user.has_usable_password()
    assert post_password(client, "chuaco", "").status_code == 400
    assert post_password(client, "chuaco", "bat-ky-mat-khau").status_code == 400


def test_system_administrators_are_staff(world: World) -> None:
    user = services.user_create(
        actor=_persona(world, "admin"),
        username="quantri2",
        full_name="Quản trị hai",
        email="qt2@example.vn",
        is_superuser=True,
    )
    assert user.is_superuser
    assert user.is_staff


def test_username_taken_in_any_case_is_refused(world: World) -> None:
    with pytest.raises(DomainError) as caught:
        services.user_create(
            actor=_persona(world, "admin"), username="Chair", full_name="Trùng", email=""
        )
    assert "đã được sử dụng" in str(caught.value.message)


def test_case_variant_usernames_are_refused_by_the_database(world: World) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="CHAIR", full_name="Trùng")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": "có dấu cách", "email": ""}, "username"),
        ({"username": "hople", "email": "khong-phai-thu"}, "email"),
        ({"username": "hople", "email": "", "full_name": ""}, "full_name"),
        ({"username": "hople", "email": "", "password": "123"}, None),
    ],
)
def test_invalid_input_raises_validation_error(
    world: World, fields: dict[str, str], field: str | None
) -> None:
    data = {"full_name": "Người Hợp Lệ", **fields}
    with pytest.raises(ValidationError) as caught:
        services.user_create(actor=_persona(world, "admin"), **data)
    if field is not None:
        assert field in caught.value.message_dict
    assert not User.objects.filter(username="hople").exists()


@pytest.mark.parametrize("persona", ["chair", "office", "member"])
def test_only_system_administrators_create_users(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=_persona(world, persona), username="moi", full_name="Mới", email=""
        )


def test_setup_commands_create_users_without_actor(world: World) -> None:
    services.user_create(actor=None, username="hethong", full_name="Hệ thống", email="")
    assert AuditEvent.objects.get(verb="accounts.user_created").actor_id is None


def test_deactivation_ends_sessions_and_is_audited(client: Client, world: World) -> None:
    office = _persona(world, "office")
    admin = _persona(world, "admin")
    post_password(client, "office")
    services.user_set_active(actor=admin, user=office, active=False)
    office.refresh_from_db()
    assert not office.is_active
    # Django refuses the inactive user on the next request: the session counts as anonymous.
    response = client.get(reverse("accounts:security"))
    assert response["Location"].startswith(reverse("accounts:login"))
    event = AuditEvent.objects.get(verb="accounts.user_deactivated")
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)
    services.user_set_active(actor=admin, user=office, active=True)
    assert AuditEvent.objects.filter(verb="accounts.user_activated").count() == 1


def test_setting_the_same_state_records_nothing(world: World) -> None:
    services.user_set_active(
        actor=_persona(world, "admin"), user=_persona(world, "office"), active=True
    )
    assert not AuditEvent.objects.exists()


def test_administrator_cannot_deactivate_themselves(world: World) -> None:
    admin = _persona(world, "admin")
    with pytest.raises(DomainError):
        services.user_set_active(actor=admin, user=admin, active=False)


def test_only_system_administrators_deactivate(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.user_set_active(
            actor=_persona(world, "chair"), user=_persona(world, "office"), active=False
        )


def test_reset_second_factor_sends_the_user_to_enrolment(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    enrol(chair)
    login_as(client, chair)
    services.user_reset_second_factor(actor=_persona(world, "admin"), user=chair)
    assert not TOTPDevice.objects.filter(user=chair).exists()
    assert not StaticDevice.objects.filter(user=chair).exists()
    event = AuditEvent.objects.get(verb="accounts.second_factor_reset")
    assert event.before == {"totp_devices": 1, "recovery_codes": 10}
    assert event.object_id == str(chair.pk)
    response = client.get(reverse("accounts:security"))
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_reset_without_device_is_refused(world: World) -> None:
    with pytest.raises(DomainError):
        services.user_reset_second_factor(
            actor=_persona(world, "admin"), user=_persona(world, "office")
        )
    assert not AuditEvent.objects.exists()


def test_only_system_administrators_reset_second_factors(world: World) -> None:
    chair = _persona(world, "chair")
    enrol(chair)
    with pytest.raises(PermissionDenied):
        services.user_reset_second_factor(actor=_persona(world, "office"), user=chair)
    assert TOTPDevice.objects.filter(user=chair).exists()


def test_enrolment_refuses_a_second_authenticator(world: World) -> None:
    chair = _persona(world, "chair")
    enrol(chair)
    with pytest.raises(DomainError):
        enrol(chair)
    assert TOTPDevice.objects.filter(user=chair).count() == 1


def test_enrolment_with_a_broken_key_is_refused(world: World) -> None:
    with pytest.raises(DomainError):
        services.totp_device_enrol(actor=_persona(world, "chair"), key="zz", code="123456")
