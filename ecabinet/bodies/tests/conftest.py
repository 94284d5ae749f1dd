"""Fixtures of the bodies tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body, Membership, Role
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # Hashing strength is the accounts app's concern; these tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_member(db: None) -> Callable[..., Membership]:
    """``make_member(body, role, **fields)``: a new user with a membership in ``body``."""

    def make(body: Body, role: str = Role.MEMBER, **fields: object) -> Membership:
        return MembershipFactory(body=body, role=role, **fields)  # type: ignore[no-any-return]

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(**fields: object) -> User:
        return UserFactory(**fields)  # type: ignore[no-any-return]

    return make


@pytest.fixture
def login(client: Client) -> Callable[[User | None], Client]:
    def do(user: User | None) -> Client:
        return login_as(client, user)

    return do
