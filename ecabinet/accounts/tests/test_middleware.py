"""Half-logged-in users (password passed, second factor not yet) stay on the second step."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.accounts.session import second_factor_satisfied
from ecabinet.accounts.tests.conftest import device_code, enrol, post_code, post_password
from ecabinet.bodies.models import Role
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World


def _persona(world: World, name: str) -> User:
    user = world.user(name)
    assert user is not None
    return user


def test_every_page_leads_back_to_the_code_step_with_next(client: Client, world: World) -> None:
    enrol(_persona(world, "chair"))
    post_password(client, "chair")
    for url in (reverse("core:home"), reverse("accounts:security"), "/quan-tri-django/"):
        response = client.get(url + "?a=1")
        assert response.status_code == 302, url
        assert response["Location"] == reverse("accounts:otp") + "?next=" + (
            url.replace("/", "%2F") + "%3Fa%3D1"
        )


def test_posts_are_redirected_without_next(client: Client, world: World) -> None:
    enrol(_persona(world, "chair"))
    post_password(client, "chair")
    response = client.post(reverse("accounts:password_change"), {})
    assert response["Location"] == reverse("accounts:otp")


def test_htmx_requests_get_a_client_redirect(client: Client, world: World) -> None:
    post_password(client, "chair")
    response = client.get(reverse("core:home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("accounts:otp_setup")


@pytest.mark.parametrize("name", ["accounts:login", "accounts:otp_setup"])
def test_login_and_step_pages_stay_reachable(client: Client, world: World, name: str) -> None:
    post_password(client, "chair")
    assert client.get(reverse(name)).status_code == 200


def test_logout_and_language_stay_reachable(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    post_password(client, "chair")
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    assert response["Location"] == "/"
    chair.refresh_from_db()
    assert chair.language == "en"
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")


def test_static_files_are_not_redirected(client: Client, world: World) -> None:
    post_password(client, "chair")
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200


def test_a_session_opened_elsewhere_cannot_skip_the_second_factor(
    client: Client, world: World
) -> None:
    # E.g. the Django admin's own login form: password only, no second step.
    client.force_login(_persona(world, "admin"))
    response = client.get(reverse("accounts:login_log"))
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_verified_users_pass(client: Client, world: World) -> None:
    login_as(client, _persona(world, "chair"))
    assert client.get(reverse("accounts:security")).status_code == 200


def test_removed_authenticator_ends_the_verification(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    login_as(client, chair)
    chair.totpdevice_set.all().delete()
    response = client.get(reverse("accounts:security"))
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_a_new_signer_is_sent_to_enrolment_within_minutes(client: Client, world: World) -> None:
    office = _persona(world, "office")
    post_password(client, "office")
    assert client.get(reverse("accounts:security")).status_code == 200
    MembershipFactory(body=world.other_body, user=office, role=Role.MEMBER)
    # The "no second factor needed" answer is cached in the session for a few minutes.
    assert client.get(reverse("accounts:security")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.get(reverse("accounts:security"))
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_second_factor_satisfied_for_consumers(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    device, _codes = enrol(chair)
    post_password(client, "chair")
    assert not second_factor_satisfied(chair, client.session)
    post_code(client, device_code(device))
    assert second_factor_satisfied(chair, client.session)
    office = _persona(world, "office")
    other = Client()
    post_password(other, "office")
    assert second_factor_satisfied(office, other.session)
    assert not second_factor_satisfied(None, other.session)
