"""The ``login`` helper drives the real login forms, second factor included."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page

from ecabinet.core.testing.factories import DEFAULT_PASSWORD, UserFactory
from ecabinet.core.testing.personas import World
from tests.browser.support import login


def _is_home(page: Page) -> bool:
    # The home page needs a full login: anyone else is sent back to the login page.
    page.goto("/")
    return urlsplit(page.url).path == "/"


def test_login_with_password_only(page: Page, server_url: str) -> None:
    user = UserFactory()

    login(page, server_url, user, DEFAULT_PASSWORD)

    assert _is_home(page)


def test_login_with_totp_twice_in_the_same_time_step(
    new_context: Callable[..., BrowserContext], server_url: str, world: World
) -> None:
    chair = world.user("chair")
    assert chair is not None
    TOTPDevice.objects.create(user=chair, name="điện thoại", confirmed=True)
    first, second = new_context("phone").new_page(), new_context("desktop").new_page()

    login(first, server_url, chair, DEFAULT_PASSWORD)
    # Within 30 s the same code would be a replay, which django-otp refuses.
    login(second, server_url, chair, DEFAULT_PASSWORD)

    assert _is_home(first)
    assert _is_home(second)


def test_login_reports_a_refused_password(page: Page, server_url: str) -> None:
    user = UserFactory()

    with pytest.raises(AssertionError, match=r"stopped at the password step: .+") as failure:
        login(page, server_url, user, "sai-mat-khau")

    assert "no error shown" not in str(failure.value)
